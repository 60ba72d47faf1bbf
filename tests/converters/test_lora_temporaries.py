"""`convert lora`'s temporaries (round 39): its work folder is a locked temporary beside OUT, so a killed conversion
leaves what the next one sweeps, a live one's is never taken, a normal run leaves nothing; the unlocked leftovers of
earlier versions (`.ragtune-lora-*`, `.ragtune-soup-*`, the trainer's `SHA16-hf.tmpPID`) go when clearly dead.
A fake convert_lora_to_gguf.py in a fake sdist of the installed version copies a prepared GGUF LoRA."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.appliance.filelock import exclusive
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.appliance.atomic import OLD_LORA_TEMP, sweep_legacy
from ragtune.converters.lora import lora_to_gguf
from ragtune.models.train.model import OLD_HF_TEMP
from tests.appliance.test_atomic import _dead_pid
from tests.conftest import REPO
from tests.converters.fakes import fake_sdist
from tests.gguf_helpers import write_gguf

FAKE_SCRIPT = b"""import os, shutil, signal, sys
out = sys.argv[sys.argv.index("--outfile") + 1]
mode = os.environ.get("FAKE_LORA_MODE", "")
if mode == "empty":  # an empty output, as a script that opened it and wrote nothing
    open(out, "wb").close()
elif mode != "none":
    shutil.copyfile(os.environ["FAKE_LORA_SRC"], out)
if mode == "kill":  # the converting process dies after the script wrote its output, before the rename
    os.kill(os.getppid(), signal.SIGKILL)
"""
DAY_AGO = time.time() - 2 * 86400


@pytest.fixture
def setup(tmp_path, monkeypatch):
    fake_sdist(tmp_path, monkeypatch, {"convert_lora_to_gguf.py": FAKE_SCRIPT})
    monkeypatch.setenv("FAKE_LORA_SRC", str(write_gguf(tmp_path / "converted.gguf", tag="converted")))
    monkeypatch.delenv("FAKE_LORA_MODE", raising=False)
    base = write_gguf(tmp_path / "base.gguf", lora=False, tag="base")
    sha = sha256_file(base)
    hf_bases = tmp_path / "home" / "models" / "hf-bases"
    hf = hf_bases / f"{sha[:16]}-hf"  # the trainer's dequantized copy: its config.json is all the script needs
    hf.mkdir(parents=True)
    (hf / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    run = tmp_path / "run"
    run.mkdir()
    (run / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16}))
    (run / "adapter_model.safetensors").write_bytes(b"weights")
    (run / "adapter_manifest.json").write_text(json.dumps({
        "kind": "lora-hf", "base_id": sha, "base": {"kind": "gguf", "path": str(base), "sha256": sha}}))
    (run / "training_config.json").write_text(json.dumps({"hf_base_dir": str(hf)}))
    out = tmp_path / "out"
    out.mkdir()
    return {"run": run, "out": out, "home": tmp_path / "home", "hf_bases": hf_bases, "sha": sha,
            "converted": tmp_path / "converted.gguf"}


def _convert(s, **kw):
    return lora_to_gguf(s["run"], None, s["out"] / "lora.gguf", registry=Registry(Home(s["home"])), **kw)


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def _aged(path):
    for p in [*path.rglob("*"), path]:
        os.utime(p, (DAY_AGO, DAY_AGO))
    return path


def test_a_killed_conversion_leaves_what_the_next_one_clears(setup):
    code = ("import sys\nfrom pathlib import Path\nfrom ragtune.appliance.home import Home\n"
            "from ragtune.appliance.registry import Registry\nfrom ragtune.converters.lora import lora_to_gguf\n"
            "lora_to_gguf(sys.argv[1], None, sys.argv[2], registry=Registry(Home(sys.argv[3])))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(setup["run"]), str(setup["out"] / "lora.gguf"),
                           str(setup["home"])], env={**os.environ, "FAKE_LORA_MODE": "kill"}, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    left = [n for n in _names(setup["out"]) if n != "lora.gguf.log"]
    assert len(left) == 1 and left[0].startswith(".lora.gguf.") and left[0].endswith(".part")  # sweep_stale's name
    assert _names(setup["out"] / left[0]) == ["adapter", "lora.gguf"]  # the adapter's view (round 49): links only
    res = _convert(setup)
    assert _names(setup["out"]) == ["lora.gguf", "lora.gguf.json", "lora.gguf.log"]
    assert (setup["out"] / "lora.gguf").read_bytes() == setup["converted"].read_bytes()  # the script's output as is
    assert res.artifact.kind == "lora-gguf" and res.artifact.lineage["base_id"] == setup["sha"]


def test_a_live_conversions_temporary_is_kept(setup):
    live = setup["out"] / ".lora.gguf.live1234.part"
    live.mkdir()
    (live / "lora.gguf").write_bytes(b"GGUF being written")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom ragtune.appliance.filelock import exclusive\n"
         "with exclusive(sys.argv[1], directory=True):\n    print('held', flush=True)\n    sys.stdin.read()\n",
         str(live)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "held"
        _convert(setup)
        assert _names(setup["out"]) == [".lora.gguf.live1234.part", "lora.gguf", "lora.gguf.json", "lora.gguf.log"]
        assert (live / "lora.gguf").read_bytes() == b"GGUF being written"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    _convert(setup, force=True)  # its writer gone: the next conversion to OUT clears it
    assert _names(setup["out"]) == ["lora.gguf", "lora.gguf.json", "lora.gguf.log"]


@pytest.mark.parametrize("mode", ["none", "empty"])
def test_a_script_that_writes_nothing_is_an_error_and_leaves_nothing(setup, monkeypatch, mode):
    monkeypatch.setenv("FAKE_LORA_MODE", mode)
    with pytest.raises(ModelError, match="convert_lora_to_gguf.py wrote no file") as err:
        _convert(setup)
    assert err.value.hint == f"full output: {setup['out'] / 'lora.gguf.log'}"  # what the script said
    assert _names(setup["out"]) == ["lora.gguf.log"]
    assert [m for m in Registry(Home(setup["home"])).list(kind="lora-gguf") if not m.get("builtin")] == []


def test_old_style_temporaries_go_when_clearly_dead(setup):
    out, hf_bases, sha16 = setup["out"], setup["hf_bases"], setup["sha"][:16]
    for name in (".ragtune-lora-old12345", ".ragtune-lora-young123", ".ragtune-lora-locked12"):
        (out / name / "work" / "base").mkdir(parents=True)
        (out / name / "lora.gguf").write_bytes(b"half")
    _aged(out / ".ragtune-lora-old12345")
    _aged(out / ".ragtune-lora-locked12")
    dead, mine, reused = (hf_bases / f"{sha16}-hf.tmp{pid}" for pid in (_dead_pid(), os.getpid(), 1))
    for d in (dead, mine, reused):
        d.mkdir()
        (d / "model.safetensors").write_bytes(b"half")
    _aged(reused)  # pid 1 lives, but nothing was written there for two days: a reused pid
    with exclusive(out / ".ragtune-lora-locked12", directory=True):  # someone holds it: never taken
        _convert(setup)
    # untouched for a day, or owner dead: gone; a young pid-less one may be a live older ragtune's: kept
    assert _names(out) == [".ragtune-lora-locked12", ".ragtune-lora-young123", "lora.gguf", "lora.gguf.json",
                           "lora.gguf.log"]
    assert _names(hf_bases) == [f"{sha16}-hf", mine.name]
    assert (out / "lora.gguf").read_bytes() == setup["converted"].read_bytes()


def test_the_old_patterns_match_only_old_temporaries(tmp_path):
    assert OLD_LORA_TEMP.match(".ragtune-lora-ab_9cdef") and not OLD_LORA_TEMP.match(".ragtune-lora-abc")
    assert OLD_HF_TEMP.match("0123456789abcdef-hf.tmp42") and not OLD_HF_TEMP.match("0123456789abcdef-hf")
    (tmp_path / "0123456789abcdef-hf").mkdir()  # the finished copy, however old, is never a temporary
    _aged(tmp_path / "0123456789abcdef-hf")
    (tmp_path / ".ragtune-lora-notmine1").symlink_to(tmp_path / "0123456789abcdef-hf")
    sweep_legacy(tmp_path, OLD_HF_TEMP)
    sweep_legacy(tmp_path, OLD_LORA_TEMP)
    assert _names(tmp_path) == [".ragtune-lora-notmine1", "0123456789abcdef-hf"]
