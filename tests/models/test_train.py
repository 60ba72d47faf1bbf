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
    enc = tr.encode_example(tok, ex, 2.0, 2.0)
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
    assert tr.field_spans('{"status": "refused", "answer": "x S1", "citations": []}') == [(12, 19, "status")]


def test_train_three_steps_writes_adapter_and_metadata(tiny, data, tmp_path):
    out = tmp_path / "run"
    m = tr.train(_cfg(tiny, data, out, max_steps=3))
    assert m["steps"] == 3 and m["epochs"][-1]["holdout_loss"] is not None
    for f in ("adapter_model.safetensors", "adapter_config.json", "training_config.json", "metrics.json", "adapter_manifest.json"):
        assert (out / f).is_file(), f
    man = json.loads((out / "adapter_manifest.json").read_text())
    from ragtune.appliance.hashing import sha256_file
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


class _Stop(Exception):
    pass


def _stop_at_2(info):
    """A progress callback that interrupts a run right after its step-2 checkpoint."""
    if info["step"] == 2:
        raise _Stop


def test_resume_matches_an_uninterrupted_run(tiny, data, tmp_path):
    full = tmp_path / "full"
    tr.train(_cfg(tiny, data, full, max_steps=4))

    part = tmp_path / "part"
    with pytest.raises(_Stop):
        tr.train(_cfg(tiny, data, part, max_steps=4), progress=_stop_at_2)
    assert json.loads((part / "checkpoint" / "state.json").read_text())["step"] == 2
    m = tr.train(_cfg(tiny, data, part, max_steps=4, resume=True))
    assert m["steps"] == 4
    a, b = _adapter(full), _adapter(part)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k


def test_a_run_stopped_at_a_checkpoint_finishes_with_max_steps_there(tiny, data, tmp_path):
    """Stopped (killed) right after its step-2 checkpoint, resumed with --max-steps 2: no more steps, but the
    holdout loss, the adapter and its manifest are written from the checkpoint."""
    part = tmp_path / "part"
    with pytest.raises(_Stop):
        tr.train(_cfg(tiny, data, part, max_steps=4), progress=_stop_at_2)
    assert not (part / "adapter_model.safetensors").exists()
    m = tr.train(_cfg(tiny, data, part, max_steps=2, resume=True))
    assert m["steps"] == 2 and m["best_holdout_loss"] is not None
    assert (part / "adapter_model.safetensors").is_file() and (part / "adapter_manifest.json").is_file()


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
    it = tr.encode_example(tok, _examples(2)[1], 2.0, 2.0)
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



@pytest.mark.parametrize("kw, message", [
    ({"threads": 0}, "threads must be 1..256"),
    ({"limit": -5}, "limit must be >= 0"),
    ({"max_new_tokens": 0}, "max_new_tokens must be 1..8192"),
    ({"adapter": "EMPTY"}, "not a trained adapter folder"),
    ({"items_path": "MISSING/x.jsonl"}, "its folder does not exist"),
])
def test_evaluate_hf_bad_options_are_input_errors_before_any_model_loads(tmp_path, monkeypatch, kw, message):
    """Sweep: `ragtune train-eval --threads 0` (or --max-new-tokens 0, an --adapter folder without an adapter) ended
    in an internal RuntimeError/ValueError from torch, transformers or peft after the base model had loaded."""
    import ragtune.models.train.evalhf as evalhf

    monkeypatch.setattr(evalhf, "_load_for_eval", lambda *a, **k: pytest.fail("a model was loaded"))
    (tmp_path / "empty").mkdir()
    kw = {k: str(v).replace("EMPTY", str(tmp_path / "empty")).replace("MISSING", str(tmp_path / "missing"))
          if isinstance(v, str) else v for k, v in kw.items()}
    with pytest.raises(InputError, match=message):
        evalhf.evaluate_hf(_examples(1), **kw)
    if "max_new_tokens" not in kw and "items_path" not in kw:
        with pytest.raises(InputError, match=message):
            evalhf.score_forced(_examples(1), **kw)


def test_merging_a_damaged_adapter_is_a_model_error(tiny, data, tmp_path):
    """Sweep: `ragtune convert merge` of an adapter whose adapter_model.safetensors is damaged ended in an internal
    SafetensorError (after the base had loaded)."""
    import shutil

    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.home import Home
    from ragtune.appliance.registry import Registry
    from ragtune.converters.merge import merge

    out = tmp_path / "a"
    tr.train(_cfg(tiny, data, out, max_steps=1))
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    (bad / "adapter_model.safetensors").write_bytes(b"\xff" * 100)
    with pytest.raises(ModelError, match="cannot apply the adapter"):
        merge(bad, tiny, tmp_path / "merged", registry=Registry(Home(tmp_path / "home")), threads=1)
    assert not (tmp_path / "merged").exists()
    with pytest.raises(InputError, match="bad: cannot apply the adapter to the base: SafetensorError"):
        tr.evaluate_hf(_examples(1), base=str(tiny), adapter=str(bad), max_new_tokens=2, threads=1)


def test_score_forced_reports_field_token_accuracy(tiny):
    r = tr.score_forced(_examples(3), base=str(tiny), threads=1)
    assert r["n"] == 3 and r["target_loss"] > 0
    assert 0 <= r["status_token_accuracy"] <= 1 and 0 <= r["citation_token_accuracy"] <= 1


# --------------------------------------------------------------------------------------------------------------
# Batching: same loss as batch 1, buckets, throughput, recipe levers, validation before torch
# --------------------------------------------------------------------------------------------------------------

def _varied(n):
    """Examples of clearly different lengths (1-3 context sources, long and short questions)."""
    out = []
    for i, ex in enumerate(_examples(n)):
        ex["prompt"]["context"] = ex["prompt"]["context"] * (1 + i % 3)
        ex["prompt"]["context"] = [dict(c, id=f"S{j + 1}") for j, c in enumerate(ex["prompt"]["context"])]
        ex["prompt"]["user"] += " please" * (i % 4)
        out.append(ex)
    return out


def test_batched_loss_and_gradients_equal_batch_one(tiny):
    tok = transformers.AutoTokenizer.from_pretrained(tiny)
    model = transformers.AutoModelForCausalLM.from_pretrained(tiny)
    tr.fix_tokenizer(tok, model)
    model = tr.add_lora(model, tr.TrainConfig(dropout=0.0, targets="all-linear"), qlora=False)
    items = [tr.encode_example(tok, ex, 3.0, 1.5) for ex in _varied(5)]
    assert len({len(it["input_ids"]) for it in items}) > 2 and len({it["n_prompt"] for it in items}) > 2
    params = [p for p in model.parameters() if p.requires_grad]

    singles = []
    for it in items:
        w, _ = tr._forward_loss(model, it, "cpu")
        (w / len(items)).backward()
        singles.append(float(w.detach()))
    g1 = [p.grad.clone() for p in params]
    model.zero_grad()
    wb, pb, b = tr.forward_batch(model, items, tok.pad_token_id, "cpu")
    (wb.sum() / len(items)).backward()
    gb = [p.grad.clone() for p in params]
    assert b["padded"] > b["tokens"]  # there was padding to get right
    assert torch.allclose(wb.detach(), torch.tensor(singles), atol=1e-5)
    for a, c in zip(g1, gb):
        assert torch.allclose(a, c, atol=1e-5, rtol=1e-4)


def test_weights_are_separate_for_status_and_citations(tiny):
    tok = transformers.AutoTokenizer.from_pretrained(tiny)
    tr.fix_tokenizer(tok)
    ex = _examples(2)[1]
    enc = tr.encode_example(tok, ex, 3.0, 1.5)
    n = enc["n_prompt"]
    by_w = {}
    for t, w in zip(enc["input_ids"][n:], enc["weights"][n:]):
        by_w.setdefault(w, []).append(t)
    assert "ok" in tok.decode(by_w[3.0]) and "S1" in tok.decode(by_w[1.5])


def test_length_buckets_cover_every_example_once_and_are_deterministic():
    lengths = [((i * 37) % 101) + 10 for i in range(203)]
    b = tr.make_batches(lengths, 8, seed=3, epoch=1)
    assert sorted(i for batch in b for i in batch) == list(range(203))
    assert b == tr.make_batches(lengths, 8, seed=3, epoch=1)
    assert b != tr.make_batches(lengths, 8, seed=3, epoch=2)
    spread_in_batch = sum(max(lengths[i] for i in x) - min(lengths[i] for i in x) for x in b) / len(b)
    assert spread_in_batch < 15  # random batches of 8 would spread ~70 tokens
    assert [x for [x] in tr.make_batches(lengths, 1, 3, 1)] != list(range(203))  # batch 1: a plain shuffle


def test_batched_training_reports_throughput(tiny, data, tmp_path):
    out = tmp_path / "bt"
    m = tr.train(_cfg(tiny, data, out, max_steps=2, batch_size=3, grad_accum=1))
    assert m["steps"] == 2 and m["batch_size"] == 3 and m["examples_this_run"] >= 6
    assert m["examples_per_s"] > 0 and m["tokens_per_s"] > 0 and 0 <= m["padding_share"] < 1
    tc = json.loads((out / "training_config.json").read_text())
    assert tc["examples_per_step"] == 3 and tc["config"]["batch_size"] == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_resume_refuses_another_batch_shape(tiny, data, tmp_path):
    out = tmp_path / "rs"
    tr.train(_cfg(tiny, data, out, max_steps=1, batch_size=2))
    (out / "adapter_model.safetensors").unlink()
    with pytest.raises(InputError, match="batch_size=2"):
        tr.train(_cfg(tiny, data, out, max_steps=2, batch_size=3, resume=True))


@pytest.mark.parametrize("damage", ["optim", "weights", "state"])
def test_a_damaged_checkpoint_is_an_error_naming_it(tmp_path, damage):
    """Sweep: resuming from a checkpoint with a damaged optim.pt / safetensors file was a traceback."""
    import torch
    from safetensors.torch import save_file

    from ragtune.models.train.loop import _load_checkpoint

    ckpt = tmp_path / "checkpoint"
    ckpt.mkdir()
    (ckpt / "state.json").write_text(json.dumps({"epoch": 0, "pos": 0, "step": 1}))
    save_file({"w": torch.zeros(2)}, str(ckpt / "adapter_model.safetensors"))
    torch.save({"opt": {}, "sched": {}, "rng": torch.get_rng_state()}, ckpt / "optim.pt")
    if damage == "optim":
        (ckpt / "optim.pt").write_bytes(b"\x80\x04garbage")
    elif damage == "weights":
        (ckpt / "adapter_model.safetensors").write_bytes(b"\x00" * 40)
    else:
        (ckpt / "state.json").write_text("[]")
    with pytest.raises(InputError, match=r"checkpoint: cannot read the checkpoint") as ei:
        _load_checkpoint(ckpt, None, None, None, None)
    assert "move the checkpoint folder aside" in str(ei.value)


@pytest.mark.parametrize("name,text,error", [
    ("recipe.toml", '# levers\nepochs = 1\n\nlr = "fast"\n', r"recipe.toml:4: train.lr: must be in \(0, 1\)"),
    ("recipe.toml", '[train]\nepochs = 1\nr = 99\n', r"recipe.toml:3: train.r: must be 8..16"),
    ("recipe.json", '{\n  "epochs": 1,\n  "r": -5\n}', r"recipe.json:3: train.r: must be 8..16"),
    ("recipe.toml", "rank = 8\n", r"recipe.toml:1: unknown key\(s\): rank"),
    ("recipe.toml", "# levers\nepochs = 1\nrank = 8\n", r"recipe.toml:3: unknown key\(s\): rank"),
    ("recipe.toml", "[train]\nepochs = 1\nrank = 8\nzeta = 1\n", r"recipe.toml:3: unknown key\(s\): rank, zeta"),
    ("recipe.toml", "[train]\nzeta = 1\nepochs = 1\nalpha_x = 8\n",  # the first in the file, not in the list
     r"recipe.toml:2: unknown key\(s\): alpha_x, zeta"),
    ("recipe.toml", "[train]\nepochs = 1\nlora.r = 8\n", r"recipe.toml:3: unknown key\(s\): lora"),  # dotted
    ("recipe.json", '{\n  "epochs": 1,\n  "rank": 8\n}', r"recipe.json:3: unknown key\(s\): rank"),
    ("recipe.json", '{\n  "name": "x",\n  "eval": {"rank": 1},\n  "train": {\n    "rank": 8\n  }\n}',
     r"recipe.json:5: unknown key\(s\): rank"),  # the key in the train object, not the one above it
    ("recipe.toml", "r = \n", r"recipe.toml: invalid TOML: .*line 1"),
    ("recipe.json", '{\n  "r": 8,\n  "lr" 1\n}', r"recipe.json:3: invalid JSON at column 8"),
])
def test_recipe_errors_name_file_and_line(tmp_path, name, text, error):
    from ragtune.appliance.errors import ConfigError

    recipe = tmp_path / name
    recipe.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        tr.make_config(recipe)


def test_a_recipe_value_given_as_an_option_names_no_file(tmp_path):
    from ragtune.appliance.errors import ConfigError

    recipe = tmp_path / "recipe.toml"
    recipe.write_text('[train]\nepochs = 1\nr = 99\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^train.epochs: must be 1..3$"):  # an option given here: no file named
        tr.make_config(recipe, r=8, epochs=9)


def test_recipe_file_levers_and_errors(tiny, data, tmp_path):
    from ragtune.appliance.errors import ConfigError

    recipe = tmp_path / "recipe.toml"
    recipe.write_text('targets = "all-linear"\nr = 16\nweight_status = 3.0\nepochs = 1\n', encoding="utf-8")
    cfg = tr.make_config(recipe, data=str(data), out=str(tmp_path / "al"), base=str(tiny), max_steps=1,
                         threads=1, r=None, dropout=0.0)
    assert cfg.r == 16 and cfg.lora_alpha == 32 and cfg.targets == "all-linear" and cfg.weight_status == 3.0
    tr.train(cfg)
    ac = json.loads((tmp_path / "al" / "adapter_config.json").read_text())
    assert {"gate_proj", "up_proj", "down_proj", "q_proj"} <= set(ac["target_modules"]) and ac["r"] == 16
    as_json = tmp_path / "recipe.json"
    as_json.write_text('{"r": 8}', encoding="utf-8")
    assert tr.read_recipe(as_json) == {"r": 8}
    for bad in ({"targets": "mlp"}, {"weight_citations": 0.5}, {"batch_size": 0}, {"threads": True}, {"lr": float("inf")}):
        with pytest.raises(ConfigError):
            tr.TrainConfig(**bad)


def test_invalid_data_fails_before_torch_and_leaves_no_folder(tmp_path):
    """Issue 18: `ragtune train` with bad data must not load torch (nor print its warnings) nor create --out."""
    import subprocess
    import sys

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_examples(1)[0]) + "\n" + '{"prompt": {"system": "s"' + "\n", encoding="utf-8")
    out = tmp_path / "never"
    code = ("import sys; from ragtune.cli import main; rc = main(['train', '--data', sys.argv[1], '--out', sys.argv[2]]);"
            "print('torch' in sys.modules, 'bitsandbytes' in sys.modules, rc)")
    r = subprocess.run([sys.executable, "-c", code, str(bad), str(out)], capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["False", "False", "2"], r.stdout + r.stderr
    assert "bad.jsonl:2: truncated JSON" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_an_out_under_a_file_fails_before_torch(data, tmp_path, capsys):
    """Sweep: `train --out FILE/sub` passed the early checks (only OUT itself was looked at) and failed later."""
    from ragtune.cli import main

    (tmp_path / "f").write_text("x")
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "f" / "adapter")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'f' / 'adapter'}: cannot create this folder")


def test_lines_built_under_another_system_prompt_are_counted(tiny, tmp_path, capsys):
    train = _examples(4)
    train[0]["prompt"]["system"] = "An older system prompt."
    write_curated(tmp_path / "old", train, [], {"config": {}})
    out = tmp_path / "sp"
    tr.train(_cfg(tiny, tmp_path / "old", out, max_steps=1))
    assert json.loads((out / "training_config.json").read_text())["lines_with_another_system_prompt"] == 1
    assert "1 of 4 training lines carry a system prompt other than" in capsys.readouterr().err


def test_continued_training_starts_from_the_given_adapter(tiny, data, tmp_path):
    first = tmp_path / "first"
    tr.train(_cfg(tiny, data, first, max_steps=2))
    # zero steps of learning rate: the continued run's adapter is the one it started from
    out = tmp_path / "cont"
    m = tr.train(_cfg(tiny, data, out, max_steps=1, lr=1e-12, init_adapter=str(first), seed=1))
    a, b = _adapter(first), _adapter(out)
    assert set(a) == set(b) and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    man = json.loads((out / "adapter_manifest.json").read_text())
    assert man["init_adapter"]["sha256"] == json.loads((first / "adapter_manifest.json").read_text())["adapter_sha256"]
    assert m["steps"] == 1


def test_continued_training_refuses_another_shape(tiny, data, tmp_path):
    first = tmp_path / "first"
    tr.train(_cfg(tiny, data, first, max_steps=1))
    with pytest.raises(InputError, match="differ"):
        tr.train(_cfg(tiny, data, tmp_path / "b", max_steps=1, init_adapter=str(first), targets="all-linear"))
    with pytest.raises(InputError, match="alpha"):
        tr.train(_cfg(tiny, data, tmp_path / "c", max_steps=1, init_adapter=str(first), alpha=8))
    with pytest.raises(InputError, match="not an adapter"):
        tr.train(_cfg(tiny, data, tmp_path / "d", max_steps=1, init_adapter=str(tmp_path)))
    # sweep: a damaged adapter_model.safetensors (or a lora_alpha that is not a number) was an internal error
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(first, bad)
    cfg_path = bad / "adapter_config.json"
    cfg_path.write_text(json.dumps({**json.loads(cfg_path.read_text()), "lora_alpha": "16"}))
    with pytest.raises(InputError, match="lora_alpha must be a number"):
        tr.train(_cfg(tiny, data, tmp_path / "e", max_steps=1, init_adapter=str(bad)))
    (bad / "adapter_model.safetensors").write_bytes(b"\xff" * 100)
    with pytest.raises(InputError, match="adapter_model.safetensors: not a readable safetensors file"):
        tr.train(_cfg(tiny, data, tmp_path / "f", max_steps=1, init_adapter=str(bad)))


def test_cli_train_says_what_comes_next(tiny, tmp_path, capsys):
    # the last line read "best holdout loss None" on a dataset without holdout lines, and nothing said how the
    # adapter gets served
    from ragtune.cli import main

    write_curated(tmp_path / "ds", _examples(4), [], {"config": {}})
    out = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "ds"), "--out", str(out), "--base", str(tiny), "--max-steps", "1",
                 "--grad-accum", "1", "--threads", "1"]) == 0
    cap = capsys.readouterr()
    assert "None" not in cap.out and "no holdout lines" in cap.out
    assert "holdout None" not in cap.err and "holdout n/a (no holdout lines)" in cap.err
    assert f"next: ragtune convert lora {out} --out run.gguf" in cap.err


def test_the_offline_bitsandbytes_kernel_warning_is_quiet():
    # every `ragtune train` printed "Failed to load CPU gemm_4bit_forward … pip install kernels" (bitsandbytes
    # looking for a hub kernel offline, then falling back to its own): noise that asks for a network install
    import logging

    assert logging.getLogger("bitsandbytes.backends.cpu.ops").getEffectiveLevel() >= logging.ERROR
    assert logging.getLogger("kernels._internals.hf_hub").getEffectiveLevel() >= logging.ERROR


def test_cli_train_eval_of_a_dataset_without_holdout_says_what_to_score(tmp_path, capsys):
    from ragtune.cli import main

    write_curated(tmp_path / "ds", _examples(4), [], {"config": {}})
    assert main(["train-eval", "--data", str(tmp_path / "ds"), "--limit", "1"]) == 2
    err = capsys.readouterr().err
    assert "holdout.jsonl: no examples (the build held none out" in err and "--data FILE.jsonl" in err
