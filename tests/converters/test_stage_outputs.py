"""A stage's tool that ends well without writing its output (round 39): atomic_path makes the temporary beforehand, so
`convert gguf` (llama.cpp's convert_hf_to_gguf.py, faked here in a fake sdist of the installed version) and `convert
quantize` (llama_model_quantize, faked) must refuse an empty or missing output, naming the script's log, and leave
nothing at OUT (an existing one under --force stays as it was)."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.converters.gguf import to_gguf
from tests.converters.fakes import fake_sdist
from tests.gguf_helpers import write_gguf

FAKE_SCRIPT = b"""import os, shutil, sys
out = sys.argv[sys.argv.index("--outfile") + 1]
mode = os.environ.get("FAKE_GGUF_MODE", "")
print("converting", flush=True)
if mode == "remove":  # the output path made away with
    os.unlink(out)
elif mode == "write":
    shutil.copyfile(os.environ["FAKE_GGUF_SRC"], out)
# "none": exits 0 with the (empty) output untouched
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    fake_sdist(tmp_path, monkeypatch, {"convert_hf_to_gguf.py": FAKE_SCRIPT})
    monkeypatch.setenv("FAKE_GGUF_SRC", str(write_gguf(tmp_path / "converted.gguf", lora=False, tag="converted")))
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    (hf / "model.safetensors").write_bytes(b"weights")
    out = tmp_path / "out"
    out.mkdir()
    return {"hf": hf, "out": out, "registry": Registry(Home(tmp_path / "home")), "src": tmp_path / "converted.gguf"}


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("mode", ["none", "remove"])
def test_convert_gguf_refuses_a_script_that_wrote_nothing(fake, monkeypatch, mode):
    monkeypatch.setenv("FAKE_GGUF_MODE", mode)
    log = fake["out"] / "m.gguf.log"
    with pytest.raises(ModelError, match=rf"convert_hf_to_gguf.py wrote no file for {fake['hf']}") as err:
        to_gguf(fake["hf"], fake["out"] / "m.gguf", registry=fake["registry"])
    assert err.value.hint == f"full output: {log}" and "converting" in log.read_text()
    assert _names(fake["out"]) == ["m.gguf.log"]  # no empty m.gguf, no temporary
    assert [m for m in fake["registry"].list(kind="base-gguf") if not m.get("builtin")] == []


def test_convert_gguf_over_an_existing_out_keeps_it_when_the_script_wrote_nothing(fake, monkeypatch):
    monkeypatch.setenv("FAKE_GGUF_MODE", "none")
    old = fake["out"] / "m.gguf"
    old.write_bytes(b"the earlier conversion")
    with pytest.raises(ModelError, match="wrote no file"):
        to_gguf(fake["hf"], old, registry=fake["registry"], force=True)
    assert old.read_bytes() == b"the earlier conversion" and _names(fake["out"]) == ["m.gguf", "m.gguf.log"]


def test_convert_gguf_places_what_the_script_wrote(fake, monkeypatch):
    monkeypatch.setenv("FAKE_GGUF_MODE", "write")
    res = to_gguf(fake["hf"], fake["out"] / "m.gguf", registry=fake["registry"])
    assert (fake["out"] / "m.gguf").read_bytes() == fake["src"].read_bytes() and res.artifact.kind == "base-gguf"
    assert _names(fake["out"]) == ["m.gguf", "m.gguf.json", "m.gguf.log"]


def test_quantize_refuses_a_quantizer_that_wrote_nothing(tmp_path, monkeypatch):
    llama_cpp = pytest.importorskip("llama_cpp")
    from ragtune.converters.quantize import quantize

    monkeypatch.setattr(llama_cpp, "llama_model_quantize", lambda src, dst, params: 0)  # "done", the file untouched
    src = write_gguf(tmp_path / "base.gguf", lora=False, tag="base")
    out = tmp_path / "out"
    registry = Registry(Home(tmp_path / "home"))
    with pytest.raises(ModelError, match=rf"llama.cpp's quantizer wrote no file for {src}"):
        quantize(src, out / "q.gguf", qtype="Q8_0", registry=registry)
    assert _names(out) == [] and [m for m in registry.list(kind="quantized-gguf") if not m.get("builtin")] == []
