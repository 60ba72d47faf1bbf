"""Round 43, bringing your own model: a GGUF of an architecture the installed llama.cpp does not know
(general.architecture = "notallama") is refused by `models add`, `config set generate.model` and `doctor`
(ggufinfo.check_architecture), and a load that fails on one says so (generate.py)."""

from __future__ import annotations

import json
import struct

import pytest

from ragtune.appliance.ggufinfo import known_architectures

needs_llama = pytest.mark.skipif(known_architectures() is None, reason="llama.cpp's architectures cannot be read here")


def _s(text: str) -> bytes:
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def _model(path, arch="notallama", lora=False):
    kv = {"general.architecture": arch, "general.name": "weird", "general.type": "adapter" if lora else "model"}
    if lora:
        kv["adapter.type"] = "lora"
    else:
        kv["tokenizer.chat_template"] = "{{ messages[0]['content'] }}"
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kv))
    for k, v in kv.items():
        head += _s(k) + struct.pack("<I", 8) + _s(v)
    head += _s("token_embd.weight") + struct.pack("<I", 1) + struct.pack("<Q", 4) + struct.pack("<IQ", 0, 0)
    head += b"\0" * (-len(head) % 32)
    path.write_bytes(head + struct.pack("<4f", 0, 1, 2, 3))
    return path


def test_llama_cpp_is_asked_for_its_architectures():
    known = known_architectures()
    if known is None:
        pytest.skip("no llama.cpp here")
    assert {"llama", "qwen2", "gemma2", "phi3"} <= known and "notallama" not in known and "(unknown)" not in known


@needs_llama
def test_models_add_refuses_an_unknown_architecture(home, tmp_path, capsys):
    """Was: registered; `config set` and `doctor` took it; every `ask` then failed in llama.cpp ("Failed to load
    model from file") with no word of the architecture."""
    from ragtune.cli import main

    weird = _model(tmp_path / "weird.gguf")
    for kind in ("base-gguf", "quantized-gguf", "merged-gguf"):
        assert main(["--home", str(home.root), "models", "add", str(weird), "--kind", kind]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: cannot register as {kind}: {weird}: its architecture 'notallama' "
                              "(general.architecture) is not one the installed llama.cpp (llama-cpp-python"), err
        assert "hint: serve a model of an architecture it supports" in err and "Traceback" not in err
    lora = _model(tmp_path / "weird-lora.gguf", lora=True)
    assert main(["--home", str(home.root), "models", "add", str(lora), "--kind", "lora-gguf"]) == 2
    assert "its architecture 'notallama'" in capsys.readouterr().err
    from ragtune.appliance.registry import Registry

    assert not [m for m in Registry(home).list() if m["name"].startswith("weird")]  # nothing registered
    ok = _model(tmp_path / "ok.gguf", arch="llama")
    assert main(["--home", str(home.root), "models", "add", str(ok), "--kind", "base-gguf"]) == 0


@needs_llama
def test_config_set_and_doctor_refuse_an_unknown_architecture(tmp_path, capsys):
    from ragtune.cli import main

    home = tmp_path / "home"
    weird = _model(tmp_path / "weird.gguf")
    assert main(["--home", str(home), "config", "set", "generate.model", str(weird)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: generate.model: {weird}: its architecture 'notallama'"), err
    assert not (home / "config.toml").exists()
    home.mkdir()
    (home / "config.toml").write_text(f'[generate]\nmodel = "{weird}"\n', encoding="utf-8")  # written by hand
    assert main(["--home", str(home), "doctor", "--json", "--quick"]) == 1
    line = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "model")
    assert line["status"] == "fail" and "its architecture 'notallama'" in line["detail"] and line["hint"], line


@needs_llama
def test_a_load_that_fails_on_an_unknown_architecture_says_so(home, tmp_path):
    """A model registered before the check (or given by path to the generator): llama.cpp's refusal named only the
    file."""
    pytest.importorskip("llama_cpp")
    from ragtune.appliance.config import GenerateConfig
    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.generate import LlamaGenerator

    weird = _model(tmp_path / "weird.gguf")
    with pytest.raises(ModelError) as e:
        LlamaGenerator(GenerateConfig(), home, model=str(weird))
    msg = e.value.message
    assert msg.startswith(f"{weird}: its architecture 'notallama' (general.architecture) is not one the installed "
                          "llama.cpp (llama-cpp-python") and msg.endswith(": llama.cpp cannot load the model"), msg
    assert "upgrade llama-cpp-python" in e.value.hint
