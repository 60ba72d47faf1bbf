"""Round 48: an import peft / transformers do lazily (peft -> bitsandbytes -> triton -> setuptools, absent from
Python 3.12 venvs) is a typed ExtraLoadError naming the module and the fix, not `internal error` (exit 70); and
HF-side eval drops token_type_ids before generate (transformers >= 4.56 refuses them)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import ExtraLoadError, ModelError

pytestmark = pytest.mark.train
torch = pytest.importorskip("torch", reason="needs the [train] extra (torch)")

from ragtune.models.train import evalhf, model as trmodel  # noqa: E402
from ragtune.models.train.config import TrainConfig  # noqa: E402

NO_SETUPTOOLS = ModuleNotFoundError("No module named 'setuptools'", name="setuptools")


def _fake_peft(monkeypatch, exc):
    def fail(*a, **k):
        raise exc
    peft = types.SimpleNamespace(LoraConfig=lambda **k: k, get_peft_model=fail, prepare_model_for_kbit_training=fail)
    monkeypatch.setitem(sys.modules, "peft", peft)


def _cfg(tmp_path):
    return TrainConfig(data=str(tmp_path), out=str(tmp_path / "out"))


@pytest.mark.parametrize("qlora", [False, True])
def test_add_lora_missing_setuptools_is_typed(tmp_path, monkeypatch, qlora):
    _fake_peft(monkeypatch, NO_SETUPTOOLS)
    with pytest.raises(ExtraLoadError) as ei:
        trmodel.add_lora(object(), _cfg(tmp_path), qlora=qlora)
    assert ei.value.module == "peft" and "'setuptools'" in ei.value.message
    assert ei.value.hint.startswith("pip install setuptools") and ei.value.exit_code != 70


def test_add_lora_other_lazy_import_says_install_the_extra(tmp_path, monkeypatch):
    # transformers' lazy modules re-raise a failed import as RuntimeError from it
    try:
        try:
            raise ModuleNotFoundError("No module named 'bitsandbytes'", name="bitsandbytes")
        except ModuleNotFoundError as inner:
            raise RuntimeError("Failed to import transformers.integrations.bitsandbytes") from inner
    except RuntimeError as wrapped:
        _fake_peft(monkeypatch, wrapped)
    with pytest.raises(ExtraLoadError) as ei:
        trmodel.add_lora(object(), _cfg(tmp_path), qlora=False)
    assert "'bitsandbytes'" in ei.value.message and ei.value.hint == "pip install 'ragtune[train]'"


def test_other_errors_pass_through(tmp_path, monkeypatch):
    try:
        try:
            import ragtune_no_such_module  # noqa: F401  an optional import handled earlier: context, not cause
        except ImportError:
            raise ValueError("Target modules {'q_proj'} not found in the base model")
    except ValueError as exc:
        _fake_peft(monkeypatch, exc)
    with pytest.raises(ValueError, match="Target modules"):
        trmodel.add_lora(object(), _cfg(tmp_path), qlora=False)


def test_qlora_bitsandbytes_needing_setuptools_says_install_setuptools(tmp_path, monkeypatch):
    """require('bitsandbytes') itself fails on `import setuptools` (triton 2.x): its hint would be reinstalling
    ragtune[train], which does not bring setuptools back."""
    pkg = tmp_path / "fakepkgs" / "bitsandbytes"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("import setuptools\n")
    for name in [m for m in sys.modules if m == "bitsandbytes" or m.startswith("bitsandbytes.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "setuptools", None)  # import setuptools -> ModuleNotFoundError(name='setuptools')
    monkeypatch.syspath_prepend(str(tmp_path / "fakepkgs"))
    pytest.importorskip("transformers")
    with pytest.raises(ExtraLoadError) as ei:
        trmodel.load_model(tmp_path, qlora=True, device="cpu")
    assert ei.value.module == "bitsandbytes" and "setuptools" in ei.value.message
    assert ei.value.hint.startswith("pip install setuptools")


def test_load_model_lazy_import_is_not_cannot_load(tmp_path, monkeypatch):
    tf = types.SimpleNamespace(AutoModelForCausalLM=types.SimpleNamespace(
        from_pretrained=lambda *a, **k: (_ for _ in ()).throw(NO_SETUPTOOLS)))
    real = trmodel.require
    monkeypatch.setattr(trmodel, "require", lambda m, e: tf if m == "transformers" else real(m, e))
    with pytest.raises(ExtraLoadError, match="setuptools"):
        trmodel.load_model(tmp_path, qlora=False, device="cpu")
    monkeypatch.setattr(tf.AutoModelForCausalLM, "from_pretrained",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("no config.json")))
    with pytest.raises(ModelError, match="cannot load the base model"):  # other failures keep their message
        trmodel.load_model(tmp_path, qlora=False, device="cpu")


class _Tok:
    eos_token_id, pad_token_id = 0, 1

    def apply_chat_template(self, msgs, **kw):
        # what some tokenizers return (a BERT-style tokenizer config, a GGUF-dequantized one)
        return {"input_ids": torch.tensor([[5, 6, 7]]), "attention_mask": torch.tensor([[1, 1, 1]]),
                "token_type_ids": torch.tensor([[0, 0, 0]])}

    def decode(self, ids, skip_special_tokens=True):
        return json.dumps({"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []})


class _Model:
    def generate(self, **kw):
        if "token_type_ids" in kw:  # transformers 4.56's _validate_model_kwargs
            raise ValueError("The following `model_kwargs` are not used by the model: ['token_type_ids']")
        return torch.cat([kw["input_ids"], torch.tensor([[9, 0]])], dim=1)


def test_evaluate_hf_drops_token_type_ids(monkeypatch):
    monkeypatch.setattr(evalhf, "_load_for_eval", lambda *a, **k: (_Tok(), _Model()))
    ctx = [{"id": "S1", "text": "The depot opens at 6:00."}]
    ex = prompt.training_example(prompt.SYSTEM_PROMPT, ctx, "Who won?", {"status": "refused",
                                 "answer": prompt.REFUSAL_TEXT, "citations": []}, date="2024-01-10", intent="fact")
    res = evalhf.evaluate_hf([ex], max_new_tokens=2, threads=1)
    assert res["n"] == 1 and res["refusal_correct"] == 1


class _Tok456:
    """A GGUF-loaded tokenizer as transformers 4.56 makes it: vocab_file is the .gguf, and save_pretrained copies
    it to tokenizer.model (LlamaTokenizerFast.save_vocabulary)."""

    def __init__(self, gguf):
        self.vocab_file = str(gguf)

    def save_pretrained(self, d):
        (d / "tokenizer.json").write_text("{}")
        if self.vocab_file:
            (d / "tokenizer.model").write_bytes(open(self.vocab_file, "rb").read())


class _Dequantized:
    config = types.SimpleNamespace()

    def save_pretrained(self, d):
        (d / "config.json").write_text("{}")
        (d / "model.safetensors").write_bytes(b"w")


def test_dequantized_base_has_no_gguf_as_tokenizer_model(tmp_path, monkeypatch):
    gguf = tmp_path / "base.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 60)
    tf = types.SimpleNamespace(AutoTokenizer=types.SimpleNamespace(from_pretrained=lambda *a, **k: _Tok456(gguf)),
                               AutoModelForCausalLM=types.SimpleNamespace(from_pretrained=lambda *a, **k: _Dequantized()))
    real = trmodel.require
    monkeypatch.setattr(trmodel, "require", lambda m, e: tf if m == "transformers" else real(m, e))
    base = {"kind": "gguf", "path": str(gguf), "sha256": "ab" * 32}
    out = trmodel.hf_dir_for(base, tmp_path / "cache")
    assert (out / "tokenizer.json").is_file() and not (out / "tokenizer.model").exists()
    # a copy an earlier version cached is dropped when the cache is used
    (out / "tokenizer.model").write_bytes(gguf.read_bytes())
    assert trmodel.hf_dir_for(base, tmp_path / "cache") == out and not (out / "tokenizer.model").exists()
    (out / "tokenizer.model").write_bytes(b"\x0a\x0bsentencepiece")  # a real SentencePiece model is kept
    trmodel.hf_dir_for(base, tmp_path / "cache")
    assert (out / "tokenizer.model").is_file()
