"""Round 43, bringing your own model: `convert quantize|gguf --name N` with N another GGUF model's name is refused
before converting (converters.check_name_free), not by registry.add after the conversion ran."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from tests.converters.fakes import fake_sdist
from tests.gguf_helpers import write_gguf

SCRIPT = b"""import os, shutil, sys
out = sys.argv[sys.argv.index("--outfile") + 1]
open(os.environ["FAKE_GGUF_RAN"], "a").write("ran\\n")
shutil.copyfile(os.environ["FAKE_GGUF_SRC"], out)
"""


def test_quantize_with_a_taken_name_is_refused_before_quantizing(home, reg, tmp_path, monkeypatch, capsys):
    llama_cpp = pytest.importorskip("llama_cpp")
    from ragtune.cli import main

    ran = []

    def quantizer(src, dst, params):  # llama.cpp's quantizer (minutes on a real model)
        ran.append(src)
        return 1  # "could not quantize": the name check passed

    monkeypatch.setattr(llama_cpp, "llama_model_quantize", quantizer)
    mine = reg.add(write_gguf(tmp_path / "mine.gguf", lora=False, tag="mine"), "base-gguf", name="my-model")
    src = reg.add(write_gguf(tmp_path / "f16.gguf", lora=False, tag="f16"), "base-gguf", name="my-f16")
    out = tmp_path / "q.gguf"
    assert main(["--home", str(home.root), "convert", "quantize", "my-f16", "--type", "Q8_0", "--out", str(out),
                 "--name", "my-model"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --name my-model: the name 'my-model' is already that of {mine.id[:12]}… "
                          "(base-gguf); give it another --name\n"), err
    assert "nothing was converted" in err and ran == [] and not out.exists()
    # the output's own name is made safe by the registry, as before; a free name, or the name of the same
    # conversion made before (re-run: maybe the very bytes), reaches the quantizer
    reg.add(write_gguf(tmp_path / "q8.gguf", lora=False, tag="q8"), "quantized-gguf", name="my-q8",
            parent_id=src.id, quantization="Q8_0")
    for name in ("q", "free", "my-q8"):
        with pytest.raises(ModelError, match="could not quantize"):
            from ragtune.converters.quantize import quantize

            quantize("my-f16", out, qtype="Q8_0", registry=reg, name=name)
    assert len(ran) == 3
    with pytest.raises(InputError, match="is already that of"):  # another type: another model
        quantize("my-f16", out, qtype="Q4_0", registry=reg, name="my-q8")
    assert len(ran) == 3


def test_convert_gguf_with_a_taken_name_is_refused_before_the_script_runs(tmp_path, monkeypatch):
    from ragtune.converters.gguf import to_gguf

    fake_sdist(tmp_path, monkeypatch, {"convert_hf_to_gguf.py": SCRIPT})
    monkeypatch.setenv("FAKE_GGUF_SRC", str(write_gguf(tmp_path / "converted.gguf", lora=False, tag="converted")))
    monkeypatch.setenv("FAKE_GGUF_RAN", str(tmp_path / "ran.txt"))
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    (hf / "model.safetensors").write_bytes(b"weights")
    reg = Registry(Home(tmp_path / "home"))
    mine = reg.add(write_gguf(tmp_path / "mine.gguf", lora=False, tag="mine"), "quantized-gguf", name="my-model")
    with pytest.raises(InputError) as e:
        to_gguf(hf, tmp_path / "m.gguf", registry=reg, name="my-model")
    assert e.value.message == f"--name my-model: the name 'my-model' is already that of {mine.id[:12]}… " \
                              "(quantized-gguf); give it another --name"
    assert not (tmp_path / "ran.txt").exists() and not (tmp_path / "m.gguf").exists()
    assert to_gguf(hf, tmp_path / "m.gguf", registry=reg, name="mine-f16").artifact.name == "mine-f16"
    assert (tmp_path / "ran.txt").read_text() == "ran\n"
