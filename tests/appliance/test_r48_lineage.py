"""Round 48 lineage fixes (no torch): metrics.json out of a lora-hf id, sorted target_modules, one id for an HF-folder
base, a soup's two parents, `models remove` counting every lineage id, doctor re-hashing what serves."""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance.artifacts import validate_manifest
from ragtune.appliance.errors import ModelError
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.home import Home
from ragtune.appliance.lineage import lineage_refs, stage_lineage
from ragtune.appliance.registry import Registry
from ragtune.appliance.registry_remove import remove
from ragtune.cli import main
from ragtune.converters import register_adapter
from ragtune.models.train.runfolder import check_resumed_base, sort_target_modules
from tests.gguf_helpers import write_gguf

BASE = "b" * 64


def _run_dir(d, *, seconds=1.0, targets=("q_proj", "k_proj")):
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16,
                                                       "target_modules": list(targets)}, indent=2, sort_keys=True))
    (d / "adapter_model.safetensors").write_bytes(b"weights")
    (d / "training_config.json").write_text(json.dumps({"dataset_sha256": "d" * 64}))
    (d / "metrics.json").write_text(json.dumps({"train_seconds": seconds}))  # timings: differ run to run
    return d


def test_metrics_json_is_not_part_of_a_peft_adapter_s_id(tmp_path):
    reg = Registry(Home(tmp_path / "home"))
    a, _, _ = register_adapter(reg, _run_dir(tmp_path / "a", seconds=1.5))
    b, _, _ = register_adapter(reg, _run_dir(tmp_path / "b", seconds=2.7))
    assert a.id == b.id and not (a.path / "metrics.json").exists()
    assert (tmp_path / "a" / "metrics.json").is_file()  # the run's folder keeps it


def test_an_adapter_registered_with_its_metrics_keeps_its_recorded_id(tmp_path):
    # registered before round 48 (metrics.json inside its folder): converting it again by id never re-registers it
    reg = Registry(Home(tmp_path / "home"))
    old = reg.add(_run_dir(tmp_path / "old"), "lora-hf", name="old")
    again, _, _ = register_adapter(reg, old.id)
    assert again.id == old.id and [m["id"] for m in reg.list() if not m.get("builtin")] == [old.id]


def test_target_modules_are_sorted_as_peft_writes_the_file(tmp_path):
    d = _run_dir(tmp_path / "r", targets=("v_proj", "q_proj", "o_proj", "k_proj"))
    sort_target_modules(d)
    text = (d / "adapter_config.json").read_text()
    assert json.loads(text)["target_modules"] == ["k_proj", "o_proj", "q_proj", "v_proj"]
    e = _run_dir(tmp_path / "s", targets=("k_proj", "o_proj", "q_proj", "v_proj"))
    assert (e / "adapter_config.json").read_text() == text  # peft's own format: sorted keys, indent 2


def test_an_hf_folder_base_has_the_registry_s_id_and_an_old_run_still_resumes(tmp_path):
    from ragtune.models.train.model import legacy_hf_sha256, resolve_base

    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    (hf / "model.safetensors").write_bytes(b"tensors")
    (hf / "tokenizer.json").write_text("{}")
    base = resolve_base(str(hf))
    reg = Registry(Home(tmp_path / "home"))
    assert base["sha256"] == sha256_path(hf) == reg.add(hf, "hf-model", copy=False).id
    old = {"base": {"kind": "hf", "path": str(hf), "sha256": legacy_hf_sha256(hf)}, "init_adapter": None}
    check_resumed_base(old, base, None, tmp_path / "run")  # recorded by an older trainer: the same folder
    other = {"base": {"kind": "hf", "path": str(hf), "sha256": "c" * 64}, "init_adapter": None}
    with pytest.raises(Exception, match="another base model"):
        check_resumed_base(other, base, None, tmp_path / "run")


def _soup(reg, tmp_path):
    from tests.converters.test_soup import _lora
    from ragtune.converters.soup import soup

    pa, _ = _lora(tmp_path / "a.gguf", 4, 8.0, 1)
    pb, _ = _lora(tmp_path / "b.gguf", 4, 8.0, 2)
    a = reg.add(pa, "lora-gguf", name="a")
    b = reg.add(pb, "lora-gguf", name="b")
    return a, b, soup("a", "b", tmp_path / "ab.gguf", registry=reg)


def test_a_soup_records_both_parents_and_models_show_resolves_them(tmp_path):
    pytest.importorskip("gguf")
    reg = Registry(Home(tmp_path / "home"))
    a, b, res = _soup(reg, tmp_path)
    lin = reg.manifest(res.artifact.id)["lineage"]
    assert lin["parent_id"] == a.id and lin["parent_ids"] == f"{a.id},{b.id}"
    refs = lineage_refs(reg, reg.manifest(res.artifact.id))
    assert [r["name"] for r in refs["parent_ids"]] == ["a", "b"] and all(r["registered"] for r in refs["parent_ids"])
    # `models add` of the soup's file elsewhere reads both from its sidecar
    assert stage_lineage(res.out, "lora-gguf", res.artifact.id)["parent_ids"] == f"{a.id},{b.id}"


def test_remove_counts_every_lineage_id(tmp_path, settings):
    pytest.importorskip("gguf")
    reg = Registry(settings.home)
    a, b, res = _soup(reg, tmp_path)
    gone = remove(reg, settings, "b")  # only in the soup's parent_ids
    assert any(n.startswith("1 artifact(s) name it") and "ab" in n for n in gone["notes"]), gone["notes"]
    child = reg.add(write_gguf(tmp_path / "q.gguf", lora=False, tag="q"), "quantized-gguf", name="q", parent_id=a.id)
    gone = remove(reg, settings, "a")  # the soup's parent_id and the quantized file's
    assert any(n.startswith("2 artifact(s) name it") for n in gone["notes"]), gone["notes"]
    assert child.id in {m["id"] for m in reg.list()}


def test_parent_ids_must_be_ids(tmp_path):
    m = {"format": 1, "id": "a" * 64, "kind": "lora-gguf", "name": "x", "file": "x", "size": 1, "created": "t",
         "licence": "", "lineage": {"parent_ids": f"{'a' * 64},{'b' * 64}"}}
    assert validate_manifest(m, tmp_path / "m.json")
    with pytest.raises(ModelError, match="parent_ids must be comma-separated"):
        validate_manifest({**m, "lineage": {"parent_ids": "a,b"}}, tmp_path / "m.json")


def _doctor(root, capsys):
    rc = main(["--home", str(root), "doctor"])
    lines = {}
    for line in capsys.readouterr().out.splitlines():
        if not line.startswith(" "):
            status, name, detail = line.split(maxsplit=2)
            lines[name] = (status, detail)
    return rc, lines


def test_doctor_re_hashes_the_activated_adapter_and_names_it_when_changed(settings, capsys):
    reg = Registry(settings.home)
    art = reg.add(write_gguf(settings.home.root / "src" / "act.gguf", tag="act"), "lora-gguf", name="act")
    reg.activate("act")
    # served: not it ([generate] adapter = none), but activated: `models activate`'s choice is checked all the same
    (settings.home.root / "config.toml").write_text('[generate]\nadapter = "none"\n', encoding="utf-8")
    rc, lines = _doctor(settings.home.root, capsys)
    assert lines["artifacts"][0] == "ok" and "act" in lines["artifacts"][1], lines
    os.chmod(art.path.parent, 0o755)
    os.chmod(art.path, 0o644)
    art.path.write_bytes(art.path.read_bytes()[:-4] + b"XXXX")
    rc, lines = _doctor(settings.home.root, capsys)
    status, detail = lines["artifacts"]
    assert rc == 1 and status == "fail" and f"act ({art.id[:12]}, lora-gguf, activated)" in detail, lines
