"""`convert lora` against a base of another shape (round 41): the adapter's layer count and projection sizes, read
from the safetensors header only, are compared with the base's config.json before llama.cpp's script runs (which
said "Can not map tensor 'model.layers.12…'", exit 3, or with another hidden size wrote a LoRA nothing can load);
a --base (or ADAPTER) that names nothing is bad input, exit 2, like any other.
A fake convert_lora_to_gguf.py in a fake sdist fails as llama.cpp's did, or copies a prepared GGUF LoRA."""

from __future__ import annotations

import json
import re
import struct

import pytest

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.cli import main
from ragtune.converters.lora import lora_to_gguf
from ragtune.converters.lora_shape import adapter_shape, check_fits, header_shapes
from tests.converters.fakes import fake_sdist
from tests.gguf_helpers import write_gguf

FAKE_SCRIPT = b"""import json, os, shutil, sys
base = sys.argv[sys.argv.index("--base") + 1]
cfg = json.load(open(os.path.join(base, "config.json")))
if cfg.get("num_hidden_layers", 3) < 3 or cfg.get("hidden_size", 16) != 16:  # as llama.cpp's script failed
    raise ValueError("Can not map tensor 'model.layers.2.self_attn.k_proj.weight'")
shutil.copyfile(os.environ["FAKE_LORA_SRC"], sys.argv[sys.argv.index("--outfile") + 1])
"""
PROJ = {"self_attn.q_proj": (16, 16), "self_attn.k_proj": (16, 8), "self_attn.v_proj": (16, 8),
        "self_attn.o_proj": (16, 16), "mlp.gate_proj": (16, 32), "mlp.up_proj": (16, 32), "mlp.down_proj": (32, 16)}


def write_safetensors(path, shapes):
    """A safetensors file of zeros with these {name: shape} (f32), as peft's save_pretrained writes one."""
    header, offset = {}, 0
    for name, shape in shapes.items():
        size = 4 * shape[0] * shape[1]
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))
    return path


def adapter(folder, layers=3, r=2):
    """A peft LoRA adapter folder of a tiny Llama (hidden 16, MLP 32, 2 KV heads of 4) on all linear layers."""
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": r, "lora_alpha": 2 * r}))
    shapes = {}
    for i in range(layers):
        for mod, (n_in, n_out) in PROJ.items():
            stem = f"base_model.model.model.layers.{i}.{mod}"
            shapes[f"{stem}.lora_A.weight"] = (r, n_in)
            shapes[f"{stem}.lora_B.weight"] = (n_out, r)
    write_safetensors(folder / "adapter_model.safetensors", shapes)
    return folder


def base(folder, **cfg):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 3,
                                                    "hidden_size": 16, "intermediate_size": 32,
                                                    "num_attention_heads": 4, "num_key_value_heads": 2, **cfg}))
    return folder


@pytest.fixture
def setup(tmp_path, monkeypatch):
    fake_sdist(tmp_path, monkeypatch, {"convert_lora_to_gguf.py": FAKE_SCRIPT})
    monkeypatch.setenv("FAKE_LORA_SRC", str(write_gguf(tmp_path / "converted.gguf", tag="converted")))
    return {"run": adapter(tmp_path / "run"), "reg": Registry(Home(tmp_path / "home")), "tmp": tmp_path}


def test_the_header_alone_gives_the_adapters_shape(tmp_path):
    run = adapter(tmp_path / "run", layers=30)
    layers, proj = adapter_shape(run)
    assert layers == 30 and proj[(29, "k_proj")] == {"in": 16, "out": 8} and proj[(0, "down_proj")] == {"in": 32,
                                                                                                       "out": 16}
    (tmp_path / "bad.safetensors").write_bytes(b"weights")  # not one: not checked here, the converter says it
    assert header_shapes(tmp_path / "bad.safetensors") is None
    (tmp_path / "huge.safetensors").write_bytes(struct.pack("<Q", 1 << 62) + b"{}")
    assert header_shapes(tmp_path / "huge.safetensors") is None


@pytest.mark.parametrize("cfg,match", [
    ({"num_hidden_layers": 2}, r"run: does not fit base .*fakebase: adapter has 3 layers, base has 2$"),
    ({"hidden_size": 32}, r"the adapter's q_proj \(layer 0\) has 16 input features, the base's has 32$"),
    ({"intermediate_size": 64}, r"the adapter's gate_proj \(layer 0\) has 32 output features, the base's has 64$")])
def test_a_base_of_another_shape_is_refused_before_the_script_runs(setup, cfg, match):
    fake = base(setup["tmp"] / "fakebase", **cfg)
    out = setup["tmp"] / "bad" / "w8.gguf"
    with pytest.raises(InputError) as err:
        lora_to_gguf(setup["run"], fake, out, registry=setup["reg"])
    assert re.search(match, err.value.message), err.value.message
    assert "the base it was trained on" in err.value.hint
    assert not (out.parent / "w8.gguf.log").exists()  # the script never ran
    assert sorted(p.name for p in out.parent.iterdir()) == []


def test_a_base_of_the_adapters_shape_converts(setup):
    res = lora_to_gguf(setup["run"], base(setup["tmp"] / "goodbase"), setup["tmp"] / "ok.gguf",
                       registry=setup["reg"])
    assert res.artifact.kind == "lora-gguf"
    check_fits(setup["run"], setup["tmp"] / "goodbase" / "config.json", "run", "goodbase")  # nothing raised


def test_what_cannot_be_read_is_left_to_the_converter(setup):
    """A config without the sizes, a .safetensors that is not one: nothing checked, the script has the last word."""
    check_fits(setup["run"], base(setup["tmp"] / "b1", num_hidden_layers=None, hidden_size=None,
                                  intermediate_size=None) / "config.json", "run", "b1")
    (setup["run"] / "adapter_model.safetensors").write_bytes(b"weights")
    check_fits(setup["run"], base(setup["tmp"] / "b2", num_hidden_layers=1) / "config.json", "run", "b2")


def test_the_cli_says_the_shapes_exit_2(setup, capsys):
    fake = base(setup["tmp"] / "fakebase", num_hidden_layers=2)
    code = main(["convert", "lora", str(setup["run"]), "--base", str(fake), "--out",
                 str(setup["tmp"] / "bad" / "w8.gguf")])
    err = capsys.readouterr().err
    assert code == 2 and "adapter has 3 layers, base has 2" in err and "Can not map tensor" not in err


@pytest.mark.parametrize("which", ["--base", "ADAPTER", "--gguf-base"])
def test_a_reference_that_names_nothing_is_bad_input(setup, capsys, which):
    run, good = str(setup["run"]), str(base(setup["tmp"] / "goodbase"))
    argv = {"--base": [run, "--base", "nosuch-base"], "ADAPTER": ["nosuch-adapter", "--base", good],
            "--gguf-base": [run, "--base", good, "--gguf-base", "nosuch-gguf"]}[which]
    code = main(["convert", "lora", *argv, "--out", str(setup["tmp"] / "x.gguf")])
    err = capsys.readouterr().err
    prefix = "" if which == "ADAPTER" else f"{which}: "
    assert code == 2, err
    assert err.startswith(f"error: {prefix}no artifact 'nosuch-"), err
    assert [m for m in Registry(Home(setup["tmp"] / "home")).list(None) if m["kind"] == "lora-hf"] == []


def test_a_registered_base_whose_file_is_gone_is_still_a_model_error(setup):
    """What the registry names but cannot use is not a typo: exit 3 stays."""
    gguf = write_gguf(setup["tmp"] / "gone.gguf", lora=False, tag="gone")
    setup["reg"].add(gguf, "base-gguf", name="gone-base", copy=False)
    gguf.unlink()
    with pytest.raises(ModelError, match="is missing"):
        lora_to_gguf(setup["run"], "gone-base", setup["tmp"] / "x.gguf", registry=setup["reg"])


@pytest.mark.parametrize("argv", [["merge", "nosuch-adapter", "--base", "nosuch-base", "--out", "m.gguf"],
                                  ["quantize", "nosuch-model", "--type", "Q8_0", "--out", "q.gguf"],
                                  ["soup", "nosuch-a", "nosuch-b", "--out", "s.gguf"],
                                  ["gguf", "nosuch-hf", "--out", "g.gguf"]])
def test_every_converter_says_a_reference_to_nothing_is_bad_input(tmp_path, capsys, monkeypatch, argv):
    """Review r41: `convert lora` said exit 2 for a reference that names nothing, merge/quantize/soup/gguf 3."""
    monkeypatch.chdir(tmp_path)
    code = main(["--home", str(tmp_path / "home"), "convert", *argv])
    err = capsys.readouterr().err
    assert code == 2 and "no artifact 'nosuch-" in err, err
