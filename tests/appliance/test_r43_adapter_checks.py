"""Round 43, own models: an adapter is checked against the served model where `ask` and `serve` resolve it
(refs.resolve_adapter: its base, and its shape, read once per file and model), by `doctor`, and llama.cpp's refusal
of a model's vocabulary (the openai backend, remote.py) names an unknown architecture."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import AdapterBaseMismatch, AdapterMisfit, InputError, ModelError
from ragtune.appliance.tomltext import Sourced
from tests.gguf_helpers import shaped_gguf, write_gguf

OTHER = "b" * 64
SHAPE = "its LoRA for blk.0.attn_q.weight is 4×4 (rank 2), the model's weight is 8×16"


@pytest.fixture
def files(tmp_path):
    np = pytest.importorskip("numpy")
    f32 = np.float32
    return {"model": shaped_gguf(tmp_path / "m.gguf", {"blk.0.attn_q.weight": np.zeros((8, 16), f32)}, False),
            "narrow": shaped_gguf(tmp_path / "narrow.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 4), f32),
                                                         "blk.0.attn_q.weight.lora_b": np.zeros((4, 2), f32)}, True),
            "fits": shaped_gguf(tmp_path / "fits.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 16), f32),
                                                     "blk.0.attn_q.weight.lora_b": np.zeros((8, 2), f32)}, True)}


def test_a_lora_of_another_shape_is_refused_where_ask_resolves_it(reg, files, monkeypatch):
    """Was: `ask --adapter narrow` (registered without a base, or a file) failed only when llama.cpp loaded it, with
    llama.cpp's words; now the message `models activate` gives, before anything is loaded."""
    from ragtune.appliance import ggufinfo
    from ragtune.appliance.refs import resolve_adapter

    model = reg.add(files["model"], "base-gguf", name="my-model")
    narrow = reg.add(files["narrow"], "lora-gguf", name="narrow")
    for ref in ("narrow", str(files["narrow"])):
        with pytest.raises(AdapterMisfit) as e:
            resolve_adapter(reg, Sourced(ref, "--adapter"), model_id=model.id)
        assert e.value.message.startswith("--adapter: ") and e.value.message.endswith(
            f"narrow.gguf: does not fit model {model.id[:12]}… (my-model): {SHAPE}"), e.value.message
        assert e.value.why == SHAPE and "another shape" in e.value.hint
        assert isinstance(e.value, InputError)  # exit 2, as at `models add` and `eval run`
    fits = reg.add(files["fits"], "lora-gguf", name="fits")
    assert resolve_adapter(reg, "fits", model_id=model.id) == (fits.path, fits.id)
    # read once per adapter and model: a serve resolves every request's adapter
    reads = []
    real = ggufinfo.read_gguf
    monkeypatch.setattr(ggufinfo, "read_gguf", lambda p: reads.append(p) or real(p))
    for _ in range(3):
        assert resolve_adapter(reg, "fits", model_id=model.id)[1] == fits.id
        with pytest.raises(AdapterMisfit):
            resolve_adapter(reg, "narrow", model_id=model.id)
    assert reads == []
    # no model known, or a model not here: not checked (the loader has the last word)
    assert resolve_adapter(reg, "narrow") == (narrow.path, narrow.id)
    assert resolve_adapter(reg, "narrow", model_id="c" * 64) == (narrow.path, narrow.id)


def test_a_model_given_by_path_is_checked_too(reg, files):
    """[generate] model = a file (not registered): the generator resolved it in this process, so its file is known."""
    from ragtune.appliance.refs import resolve_adapter, resolve_gguf_model

    _, model_id = resolve_gguf_model(reg, str(files["model"]))
    reg.add(files["narrow"], "lora-gguf", name="narrow")
    with pytest.raises(AdapterMisfit) as e:
        resolve_adapter(reg, "narrow", model_id=model_id)
    assert e.value.message.endswith(f": does not fit model {model_id[:12]}… ({files['model']}): {SHAPE}")


def test_the_engine_refuses_it_before_the_generator_loads_it(settings, reg, files):
    from ragtune.appliance.answer import AnswerEngine
    from tests.fakes import FakeGenerator

    model = reg.add(files["model"], "base-gguf", name="my-model")
    reg.add(files["narrow"], "lora-gguf", name="narrow")
    gen = FakeGenerator(model_id=model.id)
    engine = AnswerEngine(settings, retriever=object(), generator=gen)
    with pytest.raises(AdapterMisfit):
        engine.set_adapter("narrow")
    assert gen.adapter_calls == []  # never handed to the generator (llama.cpp)


def test_the_refusal_class_says_whose_choice_it_was(reg, files, tmp_path):
    """A named adapter made for another base is the caller's choice (serve: 400 adapter_base_mismatch); one the
    registry activated while another model was served is the server's state (a plain ModelError: serve's 500)."""
    from ragtune.appliance.refs import resolve_adapter

    model = reg.add(files["model"], "base-gguf", name="my-model")
    reg.add(write_gguf(tmp_path / "t.gguf", tag="t"), "lora-gguf", name="theirs", base_id=OTHER)
    with pytest.raises(AdapterBaseMismatch):
        resolve_adapter(reg, "theirs", model_id=model.id)
    reg.activate("theirs")
    with pytest.raises(ModelError) as e:
        resolve_adapter(reg, "active", model_id=model.id)
    assert not isinstance(e.value, AdapterBaseMismatch)
    reg.add(files["narrow"], "lora-gguf", name="narrow")
    reg.activate("narrow")  # no model id: its shape not checked then
    with pytest.raises(ModelError) as e:
        resolve_adapter(reg, "default", model_id=model.id)
    assert not isinstance(e.value, AdapterMisfit)
    assert e.value.message.startswith("the activated adapter ") and \
        e.value.message.endswith(f"(narrow) does not fit the served model: {SHAPE}"), e.value.message
    assert "ragtune models deactivate" in e.value.hint


@pytest.mark.parametrize("model_by", ["registry", "path"])
def test_doctor_fails_an_adapter_of_another_shape(tmp_path, files, capsys, model_by):
    """Was: an adapter registered without a base and set in [generate] adapter passed doctor, then failed at load."""
    from ragtune.cli import main

    home = tmp_path / "home"
    model = str(files["model"])
    if model_by == "registry":
        assert main(["--home", str(home), "models", "add", model, "--kind", "base-gguf", "--name", "my-model"]) == 0
        model = "my-model"
    assert main(["--home", str(home), "models", "add", str(files["narrow"]), "--kind", "lora-gguf",
                 "--name", "narrow"]) == 0
    assert main(["--home", str(home), "models", "add", str(files["fits"]), "--kind", "lora-gguf",
                 "--name", "fits"]) == 0
    capsys.readouterr()

    def adapter_line(adapter):
        (home / "config.toml").write_text(f'[generate]\nmodel = "{model}"\nadapter = "{adapter}"\n', encoding="utf-8")
        main(["--home", str(home), "doctor", "--json", "--quick"])
        return next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "adapter")

    line = adapter_line("narrow")
    assert line["status"] == "fail" and "narrow.gguf: does not fit model " in line["detail"] and \
        line["detail"].endswith(SHAPE) and "another shape" in line["hint"], line
    assert adapter_line("fits")["status"] == "ok"


def test_the_vocabulary_load_of_an_unknown_architecture_says_so(tmp_path):
    """generate.backend = "openai" reads the model's vocabulary with llama.cpp: its refusal was a raw "cannot read
    the model's vocabulary: Failed to load model from file"."""
    pytest.importorskip("llama_cpp")
    from ragtune.appliance import remote
    from ragtune.appliance.ggufinfo import known_architectures
    from tests.appliance.test_r43_unknown_arch import _model

    if known_architectures() is None:
        pytest.skip("llama.cpp's architectures cannot be read here")
    weird = _model(tmp_path / "weird.gguf")
    with pytest.raises(ModelError) as e:
        remote._Vocab(weird)
    assert e.value.message.startswith(f"{weird}: its architecture 'notallama' (general.architecture) is not one the "
                                      "installed llama.cpp") and \
        e.value.message.endswith(": llama.cpp cannot read the model's vocabulary"), e.value.message
    assert "upgrade llama-cpp-python" in e.value.hint
