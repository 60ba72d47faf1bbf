"""Training on a tiny randomly initialised llama (chatml tokenizer built here): masking, weights, resume, QLoRA."""

import json

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError

pytestmark = pytest.mark.train
torch = pytest.importorskip("torch", reason="needs the [train] extra (torch)")
transformers = pytest.importorskip("transformers", reason="needs the [train] extra (transformers)")
pytest.importorskip("peft", reason="needs the [train] extra (peft)")

from ragtune.models import train as tr  # noqa: E402
from ragtune.models.curate import write_curated  # noqa: E402

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


def _examples(n, offset=0):
    out = []
    for i in range(n):
        j = i + offset
        if j % 3 == 2:
            o = {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}
        else:
            o = {"status": "ok", "answer": f"It opens at {6 + j % 5}:00.", "citations": ["S1"] if j % 2 else ["S2"]}
        ctx = [{"id": "S1", "text": f"The depot {j} opens at {6 + j % 5}:00 on weekdays."},
               {"id": "S2", "text": f"Gate {j} is staffed by two guards."}]
        out.append(prompt.training_example(prompt.SYSTEM_PROMPT, ctx, f"When does depot {j} open?", o,
                                           date=f"2024-01-{10 + j:02d}", intent="fact"))
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny llama + byte-level BPE chatml tokenizer (trained on the prompt text; a few hundred tokens)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    root = tmp_path_factory.mktemp("tiny")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    texts = [prompt.SYSTEM_PROMPT, prompt.REFUSAL_TEXT] + [json.dumps(e) for e in _examples(12)]
    tok.train_from_iterator(texts, trainer)
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", unk_token="<|endoftext|>")
    fast.chat_template = CHATML
    fast.save_pretrained(root)
    cfg = transformers.LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                                   bos_token_id=1, eos_token_id=0, pad_token_id=None, tie_word_embeddings=True)
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(cfg).save_pretrained(root)
    return root


@pytest.fixture
def data(tmp_path):
    train, hold = _examples(6), _examples(2, offset=50)
    write_curated(tmp_path / "ds", train, hold, {"config": {}})
    return tmp_path / "ds"


def _cfg(tiny, data, out, **kw):
    base = dict(data=str(data), out=str(out), base=str(tiny), epochs=1, grad_accum=1, dropout=0.0, save_every=1,
                warmup_steps=1, threads=1, max_holdout=2)
    base.update(kw)
    return tr.TrainConfig(**base)


def test_fix_tokenizer_sets_chatml_eos_and_pad(tiny):
    tok = transformers.AutoTokenizer.from_pretrained(tiny)
    model = transformers.AutoModelForCausalLM.from_pretrained(tiny)
    fixes = tr.fix_tokenizer(tok, model)
    assert tok.eos_token == "<|im_end|>" and tok.eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    assert tok.pad_token == "<|endoftext|>" and tok.pad_token_id != tok.eos_token_id
    assert model.config.eos_token_id == tok.eos_token_id
    assert any("eos" in f for f in fixes)


def test_loss_masks_the_prompt_and_weights_fields(tiny):
    tok = transformers.AutoTokenizer.from_pretrained(tiny)
    tr.fix_tokenizer(tok)
    ex = _examples(2)[1]  # ok, cites S1
    enc = tr.encode_example(tok, ex, weight_fields=2.0)
    n = enc["n_prompt"]
    assert n > 0 and all(l == -100 for l in enc["labels"][:n]) and all(w == 0 for w in enc["weights"][:n])
    tgt = enc["labels"][n:]
    assert all(l != -100 for l in tgt) and tgt[-1] == tok.eos_token_id
    assert tok.decode(tgt[:-1]) == prompt.answer_text(ex["output"])
    # prompt = the chat template over ragtune.appliance.prompt.messages, with the generation prompt
    msgs = prompt.messages(ex["prompt"]["system"], ex["prompt"]["context"], ex["prompt"]["user"])
    assert tok.decode(enc["input_ids"][:n]) == tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    heavy = tok.decode([t for t, w in zip(enc["input_ids"][n:], enc["weights"][n:]) if w > 1])
    assert "ok" in heavy and "S1" in heavy and "opens" not in heavy
    assert tr.field_spans('{"status": "refused", "answer": "x S1", "citations": []}') == [(12, 19)]


def test_train_three_steps_writes_adapter_and_metadata(tiny, data, tmp_path):
    out = tmp_path / "run"
    m = tr.train(_cfg(tiny, data, out, max_steps=3))
    assert m["steps"] == 3 and m["epochs"][-1]["holdout_loss"] is not None
    for f in ("adapter_model.safetensors", "adapter_config.json", "training_config.json", "metrics.json", "adapter_manifest.json"):
        assert (out / f).is_file(), f
    man = json.loads((out / "adapter_manifest.json").read_text())
    from ragtune.models.defaults import sha256_file
    assert man["adapter_sha256"] == sha256_file(out / "adapter_model.safetensors") and man["kind"] == "lora-hf"
    cfg = json.loads((out / "adapter_config.json").read_text())
    assert set(cfg["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj"} and cfg["r"] == 8
    tc = json.loads((out / "training_config.json").read_text())
    assert tc["dataset_sha256"] == json.loads((data / "dataset_config.json").read_text())["dataset_sha256"]
    with pytest.raises(InputError, match="already holds"):
        tr.train(_cfg(tiny, data, out, max_steps=3))


def _adapter(out):
    from safetensors.torch import load_file
    return load_file(str(out / "adapter_model.safetensors"))


def test_resume_matches_an_uninterrupted_run(tiny, data, tmp_path):
    full = tmp_path / "full"
    tr.train(_cfg(tiny, data, full, max_steps=4))

    class Stop(Exception):
        pass

    def stop_at_2(info):
        if info["step"] == 2:
            raise Stop

    part = tmp_path / "part"
    with pytest.raises(Stop):
        tr.train(_cfg(tiny, data, part, max_steps=4), progress=stop_at_2)
    assert json.loads((part / "checkpoint" / "state.json").read_text())["step"] == 2
    m = tr.train(_cfg(tiny, data, part, max_steps=4, resume=True))
    assert m["steps"] == 4
    a, b = _adapter(full), _adapter(part)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k


def test_bad_data_is_a_located_error(tiny, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_examples(1)[0]) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:2"):
        tr.train(_cfg(tiny, bad, tmp_path / "o"))


def test_qlora_runs_on_cpu(tiny, data, tmp_path):
    bnb = pytest.importorskip("bitsandbytes", reason="QLoRA needs bitsandbytes")
    out = tmp_path / "q"
    m = tr.train(_cfg(tiny, data, out, max_steps=2, qlora=True))
    assert m["steps"] == 2 and (out / "adapter_model.safetensors").is_file()
    tc = json.loads((out / "training_config.json").read_text())
    assert tc["config"]["qlora"] is True and bnb.__version__


def test_target_only_logits_give_the_same_loss(tiny, data):
    """`logits_to_keep` (lm_head on the target positions only) must not change the loss."""
    tok = transformers.AutoTokenizer.from_pretrained(tiny)
    tr.fix_tokenizer(tok)
    model = transformers.AutoModelForCausalLM.from_pretrained(tiny)
    it = tr.encode_example(tok, _examples(2)[1], weight_fields=2.0)
    full = model(input_ids=torch.tensor([it["input_ids"]])).logits
    w_full, p_full = tr.weighted_loss(full, torch.tensor([it["labels"]]), torch.tensor([it["weights"]]))
    w_keep, p_keep = tr._forward_loss(model, it, "cpu")
    assert torch.allclose(w_full, w_keep, atol=1e-5) and torch.allclose(p_full, p_keep, atol=1e-5)


def test_cli_train_validates_options(tmp_path):
    from click.testing import CliRunner

    from ragtune.cli import main

    assert main(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--r", "4"]) == 2


def test_bf16_autocast_step(tiny, data, tmp_path):
    m = tr.train(_cfg(tiny, data, tmp_path / "b", max_steps=1, bf16=True))
    assert m["steps"] == 1 and (tmp_path / "b" / "adapter_model.safetensors").is_file()


def test_evaluate_hf_scores_before_and_after(tiny, data, tmp_path):
    out = tmp_path / "e"
    tr.train(_cfg(tiny, data, out, max_steps=1))
    rows = _examples(3)
    before = tr.evaluate_hf(rows, base=str(tiny), max_new_tokens=4, threads=1, items_path=tmp_path / "items.jsonl")
    after = tr.evaluate_hf(rows, base=str(tiny), adapter=str(out), max_new_tokens=4, threads=1)
    for r in (before, after):
        assert r["n"] == 3 and 0 <= r["refusal_correctness"] <= 1 and 0 <= r["citation_accuracy"] <= 1
    assert len((tmp_path / "items.jsonl").read_text().splitlines()) == 3


def test_score_forced_reports_field_token_accuracy(tiny):
    r = tr.score_forced(_examples(3), base=str(tiny), threads=1)
    assert r["n"] == 3 and r["target_loss"] > 0
    assert 0 <= r["status_token_accuracy"] <= 1 and 0 <= r["citation_token_accuracy"] <= 1
