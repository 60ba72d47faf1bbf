"""Bad inputs of `ragtune convert lora|merge` (round 37): a --base other than the GGUF the adapter was trained on, an
--out in a folder that cannot be written (named, before any work, nothing registered)."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.converters import check_out, resolve_adapter_and_base
from tests.gguf_helpers import write_gguf


def _run_dir(root, base_gguf):
    d = root / "run"
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16}))
    (d / "adapter_model.safetensors").write_bytes(b"weights")
    sha = sha256_file(base_gguf)
    (d / "adapter_manifest.json").write_text(json.dumps({
        "kind": "lora-hf", "base_id": sha, "base": {"kind": "gguf", "path": str(base_gguf), "sha256": sha}}))
    return d


def test_a_gguf_base_other_than_the_trained_one_is_refused(tmp_path):
    trained = write_gguf(tmp_path / "trained.gguf", lora=False, tag="trained")
    other = write_gguf(tmp_path / "other.gguf", lora=False, tag="other")
    reg = Registry(Home(tmp_path / "home"))
    run = _run_dir(tmp_path, trained)
    with pytest.raises(InputError, match=r"other.gguf: not the base .*run was trained on") as ei:
        resolve_adapter_and_base(reg, run, str(other))
    assert "--gguf-base" in ei.value.hint
    _, _, _, base_path, _ = resolve_adapter_and_base(reg, run, str(trained))  # the recorded one: fine
    assert base_path == trained.resolve()
    _, _, _, base_path, _ = resolve_adapter_and_base(reg, run, None)  # none given: the recorded one
    assert base_path == trained.resolve()


def test_an_out_in_a_folder_that_cannot_be_written_is_named(tmp_path, monkeypatch):
    import ragtune.converters as conv

    def refuse(*a, **kw):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(conv.tempfile, "TemporaryFile", refuse)
    with pytest.raises(InputError, match=r"ro: cannot write the output there: Permission denied"):
        check_out(tmp_path / "ro" / "x.gguf")


def test_the_write_probe_has_no_name_a_kill_could_leave(tmp_path, monkeypatch):
    """The probe is an unnamed file (O_TMPFILE; else unlinked as soon as made): a `convert` killed while it is open
    leaves no `.ragtune-probe-*` beside OUT, which nothing would ever sweep."""
    import tempfile

    seen = []

    def watch(make):
        def made(*a, **kw):
            fh = make(*a, **kw)
            seen.append(sorted(p.name for p in tmp_path.iterdir()))
            return fh
        return made
    for fn in ("TemporaryFile", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, fn, watch(getattr(tempfile, fn)))
    check_out(tmp_path / "x.gguf")
    assert seen == [[]]


def test_a_bad_out_registers_nothing(tmp_path):
    from ragtune.converters.lora import lora_to_gguf

    trained = write_gguf(tmp_path / "trained.gguf", lora=False, tag="trained")
    reg = Registry(Home(tmp_path / "home"))
    (tmp_path / "taken.gguf").write_bytes(b"x")
    with pytest.raises(InputError, match="already exists"):
        lora_to_gguf(_run_dir(tmp_path, trained), None, tmp_path / "taken.gguf", registry=reg)
    with pytest.raises(InputError, match="must end in .gguf"):
        lora_to_gguf(_run_dir(tmp_path / "b", trained), None, tmp_path / "out.bin", registry=reg)
    assert [m for m in reg.list(None) if m["kind"] == "lora-hf"] == []
