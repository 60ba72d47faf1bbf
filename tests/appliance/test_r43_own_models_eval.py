"""Round 43, bringing your own model: `eval run --adapter X` checks X against the served model before any arm
answers (eval/run.py), with the messages of `ask` and `models activate`."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.eval import run as R
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir
from tests.gguf_helpers import write_gguf, write_tensors


def _run(settings, beir, adapter, out):
    made = []

    def factory(s):
        made.append(s)
        return FakeEngine()

    report = R.run_eval(settings, beir, R.EvalOptions(adapter=adapter, arms="A,C", out=out, safety=False),
                        engine_factory=factory, ingest=no_ingest)
    return report, made


def test_an_adapter_made_for_another_base_is_refused_before_arm_a(settings, reg, tmp_path):
    """Was: the engine got the adapter's file in a scratch home (no registry, no lineage), so `eval run --adapter X`
    of an X made for another base answered every arm with it on the served model."""
    model = write_gguf(tmp_path / "served.gguf", lora=False, tag="served")
    served = settings.replace("generate", model=str(model))
    art = reg.add(write_gguf(tmp_path / "l.gguf", tag="l"), "lora-gguf", name="theirs", base_id="b" * 64)
    from ragtune.appliance.hashing import sha256_path

    for ref in ("theirs", art.id[:12], str(tmp_path / "l.gguf")):
        with pytest.raises(ModelError) as e:
            _run(served, write_beir(tmp_path / "mini"), ref, tmp_path / "o")
        assert e.value.message.startswith(f"--adapter: adapter {art.id[:12]}… (theirs) was made for base model "
                                          f"{'b' * 12}…, but the served model is {sha256_path(model)[:12]}…"), \
            e.value.message
        assert "--adapter none" in e.value.hint
    assert not (tmp_path / "o").exists()  # nothing answered, nothing written


def _shaped(path, tensors, lora):
    kv = {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 4.0} if lora else \
        {"tokenizer.chat_template": "{{ messages[0]['content'] }}"}
    return write_tensors(path, tensors, **kv)


@pytest.mark.parametrize("model_by", ["path", "registry"])
def test_a_lora_of_another_shape_is_refused_before_arm_a(settings, reg, tmp_path, model_by):
    """Was: a LoRA for a model of another shape (registered without a base, or an unregistered file) was found out
    when arm C loaded it, after arm A had answered every question (minutes on a real model)."""
    np = pytest.importorskip("numpy")
    pytest.importorskip("gguf")
    from ragtune.appliance.hashing import sha256_path

    f32 = np.float32
    model = _shaped(tmp_path / "m.gguf", {"blk.0.attn_q.weight": np.zeros((8, 16), f32)}, False)
    ref = str(model)
    if model_by == "registry":
        ref = reg.add(model, "base-gguf", name="my-model").name
    served = settings.replace("generate", model=ref)
    narrow = _shaped(tmp_path / "narrow.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 4), f32),
                                                "blk.0.attn_q.weight.lora_b": np.zeros((4, 2), f32)}, True)
    fits = _shaped(tmp_path / "fits.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 16), f32),
                                            "blk.0.attn_q.weight.lora_b": np.zeros((8, 2), f32)}, True)
    reg.add(narrow, "lora-gguf", name="narrow")  # no base recorded: only its shape tells
    label = "my-model" if model_by == "registry" else str(model)
    for adapter in ("narrow", str(narrow)):
        with pytest.raises(InputError) as e:
            _run(served, write_beir(tmp_path / "mini"), adapter, tmp_path / "o")
        assert e.value.message.startswith("--adapter: ") and "narrow.gguf: does not fit model " in e.value.message and \
            f"({label}): its LoRA for blk.0.attn_q.weight is 4×4 (rank 2), the model's weight is 8×16" in \
            e.value.message, e.value.message
        assert "another shape" in e.value.hint
    assert not (tmp_path / "o").exists()
    report, made = _run(served, write_beir(tmp_path / "mini"), str(fits), tmp_path / "o2")
    assert made and report["arms"]["C"]["adapter"] == sha256_path(fits)
