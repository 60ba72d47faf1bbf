"""The default adapter's rebuild: the recipe file (validated, file:line errors), the plan (`--dry-run`), promotion
into the built-in slot (evidence-based go), and the whole chain on CPU with a tiny random Llama (dataset build →
train → convert lora → manifest)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from ragtune.appliance import builtin_adapters as builtin
from ragtune.appliance.calibrated import CALIBRATED
from ragtune.appliance.errors import ConfigError, InputError, ModelError
from ragtune.appliance.hashing import sha256_file
from ragtune.cli import main
from ragtune.models import corpus
from ragtune.models.build import DatasetOptions
from ragtune.models.recipes import load_recipe, recipe_path
from tests.gguf_helpers import write_builtin, write_gguf

TINY_RECIPE = """\
name = "tiny-default"

[dataset]
corpus = ["train"]
from_pack = true

[train]
r = 8
lr = 1e-3

[convert]
outtype = "f16"

[serving]
k = 3
"""


def _recipe(tmp_path, text=TINY_RECIPE, name="r.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


# -- the recipe ------------------------------------------------------------------------------------------------
FIFTEEN = ["catalogs", "finance", "geography", "history", "hr-policies", "manuals", "memos", "minutes", "news",
           "people-arts", "release-notes", "reports", "science", "support", "travel"]
NINE = ["geography", "history", "hr-policies", "manuals", "news", "people-arts", "release-notes", "science", "support"]


def test_the_default_recipe_is_the_documented_one():
    r = load_recipe()
    assert r.path == recipe_path() and r.name == builtin.DEFAULT_NAME
    d, m = r.dataset, r.more
    # the fifteen train domains by name, in `--corpus train`'s order: domains added later (round 29's four) do
    # not change the build
    train = [x.name for x in corpus.select(["train"])]
    assert d.corpus == FIFTEEN and [n for n in train if n in FIFTEEN] == FIFTEEN
    assert (d.from_pack, d.augment, d.k, d.allow_dev, d.questions) == (True, 1, 3, False, "qa")
    # the contrastive questions of the nine domains that have them, merged after
    contrast = [x.name for x in corpus.select(["train"], questions="contrast")]
    assert m.corpus == NINE and [n for n in contrast if n in NINE] == NINE
    assert (m.questions, m.from_pack, m.augment, m.k) == ("contrast", False, 1, 3)
    assert r.train == {"targets": "all-linear", "r": 16, "alpha": 32, "lr": 5e-4, "epochs": 2, "batch_size": 16,
                       "grad_accum": 1, "weight_status": 3.0, "weight_citations": 2.0, "warmup_steps": 30, "seed": 0,
                       "save_every": 100, "max_holdout": 48}
    assert r.cont == {} and r.hard == {}  # one run with its own schedule (round 27, on a lent GPU)
    assert (r.outtype, r.serving) == ("f16", {"k": 3, "refusal_threshold": 0.6, "evidence_cut": 0.0,
                                              "answer_candidates": 3})
    assert isinstance(r.serving["answer_candidates"], int)  # a count, as the manifest's check wants it
    cfg = r.train_config("data", "out", threads=3, batch_size=1)
    assert (cfg.targets, cfg.r, cfg.lora_alpha, cfg.epochs, cfg.threads) == ("all-linear", 16, 32, 2, 3)
    assert (cfg.batch_size, cfg.grad_accum) == (1, 16)  # a CPU's batch keeps the recipe's 16 examples a step
    # `ragtune train --config` reads the same [train] table from the whole recipe
    from ragtune.models.train.config import make_config

    assert make_config(recipe_path(), data="d", out="o").to_json() == r.train_config("d", "o").to_json()


@pytest.mark.parametrize("edit, message, line", [
    (("name = ", 'colour = "red"\nname = '), "unknown key(s): colour", 1),
    (('corpus = ["train"]', 'corpus = ["no-such-domain"]'), "[dataset] corpus: no-such-domain: not a corpus domain", 4),
    (('corpus = ["train"]', 'corpus = ["legal"]'), "[dataset] corpus: legal: 'legal' is a dev domain", 4),
    (('from_pack = true', 'from_pack = true\nquestions = "nope"'),
     "[dataset] corpus: train: no train domain has a nope", 4),
    (('corpus = ["train"]', 'corpus = ["geography"]\nquestions = "nope"'),
     "[dataset] corpus: geography: the domain has no nope.jsonl yet", 5),
    (('name = "tiny-default"', 'name = "../../etc"'), "'name' (the adapter's name) must be lowercase letters", 1),
    (('name = "tiny-default"', 'name = 5'), "'name' (the adapter's name) must be lowercase letters", 1),
    (("r = 8", "r = 8\nrank = 8"), "unknown key in [train]: rank", 9),
    (("lr = 1e-3", "lr = 2"), "[train] lr: must be in (0, 1)", 9),
    (("from_pack = true", "from_pack = true\nallow_dev = true"), "[dataset] allow_dev: not allowed in a recipe", 6),
    (("from_pack = true", "from_pack = true\nk = 4"), "[dataset] k = 4 but [serving] k = 3", 6),
    (("from_pack = true", "from_pack = true\ndrop_share = 7"), "[dataset] drop_share: must be in [0, 1]", 6),
    (("r = 8", "r = 8\ndata = \"x\""), "[train] data: not allowed in a recipe (the rebuild sets it)", 9),
    (('outtype = "f16"', 'outtype = "q4_0"'), "[convert] outtype: must be one of f16, q8_0", 12),
    (("k = 3", "k = 9"), "[serving] k: must be 1..6", 15),
    (("k = 3", "k = 3\nrefusal_threshold = 2"), "[serving] refusal_threshold: must be a number 0..1", 16),
    (("k = 3", "k = 3\nrefusal = 0.5"), "unknown key in [serving]: refusal", 16),
    (("k = 3", "k = 3\nadapter_scale = 5"), "[serving] adapter_scale: must be a number 0 < s <= 4", 16),
    (("k = 3", "k = 3\nadapter_scale = 0"), "[serving] adapter_scale: must be a number 0 < s <= 4", 16),
    (("k = 3", "k = 3\nadapter_scale = true"), "[serving] adapter_scale: must be a number 0 < s <= 4", 16),
])
def test_recipe_errors_name_the_file_and_line(tmp_path, edit, message, line):
    p = _recipe(tmp_path, TINY_RECIPE.replace(*edit, 1))
    with pytest.raises(ConfigError) as exc:
        load_recipe(p)
    assert exc.value.message.startswith(f"{p}:{line}: ") and message in exc.value.message


@pytest.mark.parametrize("state", ["[1]", '{"recipe_sha256": "x", "steps": 5}', '{"steps": {"dataset": true}}'])
def test_resuming_from_a_damaged_rebuild_state_names_the_file(tmp_path, state):
    from ragtune.models.default_adapter import RebuildOptions, _start

    recipe = load_recipe(_recipe(tmp_path))
    work = tmp_path / "work"
    work.mkdir()
    (work / "rebuild.json").write_text(state, encoding="utf-8")
    with pytest.raises(InputError, match=r"rebuild.json: unreadable rebuild state"):
        _start(work, recipe, RebuildOptions(work=work, resume=True))


def test_a_bad_eval_set_fails_before_the_rebuild_claims_its_work_folder(settings, tmp_path):
    """Sweep: `tune default --eval-set TYPO` was read only after the build and the training (hours on a CPU)."""
    from ragtune.models.default_adapter import RebuildOptions, rebuild

    work = tmp_path / "work"
    with pytest.raises(InputError, match="missing: no such file or folder"):
        rebuild(settings, RebuildOptions(work=work, recipe=_recipe(tmp_path), eval=True,
                                         eval_sets=[str(tmp_path / "missing")]), log=lambda _: None)
    assert not work.exists()


def test_a_recipes_adapter_scale_goes_to_the_manifest_and_its_eval(tmp_path):
    from ragtune.models.default_adapter import RebuildOptions, _eval_argv
    from tests.gguf_helpers import builtin_manifest

    rec = load_recipe(_recipe(tmp_path, TINY_RECIPE.replace("k = 3", "k = 3\nadapter_scale = 1.25", 1)))
    assert rec.serving == {"k": 3, "adapter_scale": 1.25}
    argv = [str(a) for a in _eval_argv(rec, RebuildOptions(work=tmp_path), tmp_path, "sets/x")]
    assert argv[argv.index("--adapter-scale") + 1] == "1.25"  # the eval's flag, as `ragtune eval run` spells it
    gguf = write_gguf(tmp_path / "tiny-default.gguf")
    m = builtin_manifest(gguf, name="tiny-default", serving=dict(rec.serving))  # what the rebuild writes
    assert builtin.validate_manifest(m, tmp_path / "tiny-default.json")["serving"]["adapter_scale"] == 1.25


REFUSAL_MODEL_TABLE = """
[serving.refusal_model]
features = ["p_refused_logit", "evidence_score", "answer_min_logprob", "answer_sentence"]
mean = [-0.9, 0.8, -0.8, 0.3]
scale = [1.8, 0.7, 1.2, 0.3]
weights = [1.0, 0.0, -0.5, -0.8]
bias = 0.3
threshold = 0.75
"""


def test_a_recipes_refusal_model_goes_to_the_manifest_and_its_eval(tmp_path, settings, monkeypatch):
    from ragtune.appliance.eval import run as R
    from ragtune.appliance.refusal_model import parse
    from ragtune.models.default_adapter import RebuildOptions, _run_evals
    from tests.gguf_helpers import builtin_manifest

    rec = load_recipe(_recipe(tmp_path, TINY_RECIPE + "refusal_threshold = 1.0\n" + REFUSAL_MODEL_TABLE))
    model = rec.serving["refusal_model"]
    assert parse(model).threshold == 0.75 and rec.serving["refusal_threshold"] == 1.0
    gguf = write_gguf(tmp_path / "tiny-default.gguf")
    m = builtin_manifest(gguf, name="tiny-default", serving=dict(rec.serving))  # what the rebuild writes
    assert builtin.validate_manifest(m, tmp_path / "tiny-default.json")["serving"]["refusal_model"] == model
    seen = []
    monkeypatch.setattr(R, "run_eval", lambda s, d, opts, progress=None: seen.append(opts) or _report("a" * 64))
    work = tmp_path / "w"
    work.mkdir()
    _run_evals(settings, rec, RebuildOptions(work=work), work, ["sets/x"], print)
    assert seen[0].adapter_serving == {"refusal_threshold": 1.0, "refusal_model": model}  # served as it will be
    # a wrong field names the file and the sub-table's line
    bad = _recipe(tmp_path, TINY_RECIPE + REFUSAL_MODEL_TABLE.replace("threshold = 0.75", "threshold = 2"), "b.toml")
    with pytest.raises(ConfigError) as exc:
        load_recipe(bad)
    assert exc.value.message.startswith(f"{bad}:17: ") and "[serving] refusal_model: 'threshold'" in exc.value.message


def test_recipe_missing_tables_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match=r"missing the \[serving\] table"):
        load_recipe(_recipe(tmp_path, TINY_RECIPE.replace("[serving]\nk = 3\n", "")))
    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 2"):
        load_recipe(_recipe(tmp_path, 'name = "x"\n[dataset\n'))
    with pytest.raises(ConfigError, match="cannot read the recipe"):
        load_recipe(tmp_path / "nope.toml")


def test_dataset_options_match_the_command_and_round_trip_through_its_flags():
    from ragtune.cli.dataset_cmd import build_cmd

    flags = build_cmd.make_context("build", ["--out", "x"]).params  # the command's defaults, as parsed
    d = DatasetOptions()
    for f in dataclasses.fields(d):
        name = {"qa": "qa_file", "docs": "docs_dir", "from_log": "log_file"}.get(f.name, f.name)
        if f.name in ("scrub", "fit"):
            assert flags[f"no_{f.name}"] is False and getattr(d, f.name) is True
        elif f.name == "augment_kinds":
            assert flags[name] == ",".join(d.augment_kinds)
        elif f.name in ("corpus", "qa", "docs", "from_log"):
            assert not flags[name] and not getattr(d, f.name), f.name
        else:
            assert flags[name] == getattr(d, f.name), f.name
    opts = load_recipe().dataset
    ctx = build_cmd.make_context("build", opts.argv() + ["--out", "x"])
    assert list(ctx.params["corpus"]) == opts.corpus and ctx.params["from_pack"] and ctx.params["k"] == 3
    assert ctx.params["augment"] == 1 and ctx.params["drop_share"] == opts.drop_share


# -- the plan --------------------------------------------------------------------------------------------------
def test_dry_run_prints_the_steps_as_commands(tmp_path, capsys):
    work = tmp_path / "w"
    assert main(["tune", "default", "--dry-run", "--work", str(work)]) == 0
    out = capsys.readouterr().out
    fifteen, nine = (" ".join(f"--corpus {n}" for n in names) for names in (FIFTEEN, NINE))
    assert (f"1. dataset: ragtune dataset build {fifteen} --from-pack --k 3 --augment 1 --out {work}/data-main && "
            f"ragtune dataset build {nine} --questions contrast --k 3 --augment 1 --out {work}/data-more && "
            f"ragtune dataset merge {work}/data-main {work}/data-more --out {work}/data") in out
    assert f"2. train: ragtune train --config {recipe_path()} --data {work}/data --out {work}/adapter" in out
    assert f"3. convert: ragtune convert lora {work}/adapter --out {work}/ragtune-default.gguf --outtype f16" in out
    assert "4. manifest: write" in out and not work.exists()  # nothing ran
    assert main(["tune", "default", "--dry-run", "--work", str(work), "--eval-set", "sets/x", "--promote",
                 "--threads", "4", "--batch-size", "1", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [s["step"] for s in steps] == ["dataset", "train", "convert", "eval", "manifest", "promote"]
    assert steps[1]["command"].endswith("--threads 4 --batch-size 1 --grad-accum 16")
    assert f"--config {work}/serving.toml eval run sets/x --arms A,C --adapter {work}/ragtune-default.gguf" \
        in steps[3]["command"] and "--limit 400" in steps[3]["command"]
    assert steps[5]["command"] == f"ragtune models promote-builtin {work}"


def test_a_new_batch_size_keeps_the_recipes_examples_per_step(tmp_path, capsys):
    r = load_recipe(_recipe(tmp_path))  # the defaults: batch 1 x grad_accum 4
    cfg = r.train_config("d", "o", batch_size=2, bf16=True)
    assert (cfg.batch_size, cfg.grad_accum, cfg.examples_per_step, cfg.bf16) == (2, 2, 4, True)
    assert r.train_config("d", "o", batch_size=None).grad_accum == 4
    work = tmp_path / "w"
    argv = ["tune", "default", "--dry-run", "--work", str(work), "--recipe", str(tmp_path / "r.toml")]
    assert main([*argv, "--batch-size", "4", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert steps[1]["command"].endswith("--batch-size 4 --grad-accum 1")
    assert main([*argv, "--batch-size", "3"]) == 2
    assert "--batch-size 3: must divide the recipe's 4 examples per optimizer step" in capsys.readouterr().err


def test_a_work_folder_that_is_not_a_rebuild_is_refused_before_anything_runs(tmp_path, capsys):
    work = tmp_path / "w"
    work.mkdir()
    (work / "precious.txt").write_text("keep")
    assert main(["tune", "default", "--work", str(work)]) == 2
    assert "exists and is not a rebuild folder" in capsys.readouterr().err
    assert main(["tune", "default", "--work", str(tmp_path / "w2"), "--recipe", str(_recipe(tmp_path, "x = 1\n"))]) == 2
    assert not (tmp_path / "w2").exists()


def test_a_work_or_dest_under_a_file_and_a_non_utf8_recipe_are_input_errors(tmp_path, capsys):
    """Sweep: `tune default --work FILE/w` and `models promote-builtin … --dest FILE/d` ended in an internal error
    (NotADirectoryError); a recipe with a non-UTF-8 byte printed the codec's message without the line."""
    (tmp_path / "f").write_text("x")
    assert main(["tune", "default", "--work", str(tmp_path / "f" / "w")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'f' / 'w'}: cannot create this folder")
    gguf, _ = _rebuilt(tmp_path)
    with pytest.raises(InputError, match=r"cannot create this folder: .*f is a file"):
        promote_(gguf, tmp_path / "f" / "d")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'name = "x"\n# caf\xe9\n')
    with pytest.raises(ConfigError) as exc:
        load_recipe(bad)
    assert exc.value.message == f"{bad}:2: cannot read the recipe: not UTF-8 text (byte 0xe9 at column 6)"


def test_the_eval_step_serves_the_recipes_k_and_summarises_every_set(tmp_path, settings, monkeypatch):
    from ragtune.appliance.eval import run as R
    from ragtune.models.default_adapter import RebuildOptions, _run_evals

    seen = []

    def fake_run_eval(s, dataset, opts, progress=None):
        seen.append((s.retrieve.k, dataset, opts))
        return _report("a" * 64, go=dataset.endswith("x"))
    monkeypatch.setattr(R, "run_eval", fake_run_eval)
    work = tmp_path / "w"
    work.mkdir()
    rec = load_recipe()
    out = _run_evals(settings, rec, RebuildOptions(work=work, eval_limit=50), work, ["sets/x", "sets/y"], print)
    assert [(k, d) for k, d, _ in seen] == [(3, "sets/x"), (3, "sets/y")]
    opts = seen[0][2]
    assert (opts.arms, opts.limit, opts.seed, opts.safety, opts.adapter) == \
        ("A,C", 50, 0, True, str(work / "ragtune-default.gguf"))
    assert "[retrieve]\nk = 3\n" in (work / "serving.toml").read_text()
    assert [e["decision"]["go"] for e in out] == [True, False]
    assert out[0]["command"].startswith(f"ragtune --config {work}/serving.toml eval run sets/x --arms A,C")
    assert "--limit 50" in out[0]["command"] and out[0]["arms"]["C"]["task_success"] == 0.45
    # a recipe with the adapter's own refusal threshold: arm C is evaluated with it, the base is not
    seen.clear()
    rec = load_recipe(_recipe(tmp_path, TINY_RECIPE.replace(
        "k = 3", "k = 3\nrefusal_threshold = 0.45\nmin_answer_logprob = -2.0")))
    assert rec.serving == {"k": 3, "refusal_threshold": 0.45, "min_answer_logprob": -2.0}
    settings = settings.replace("generate", refusal_threshold=1.0, min_answer_logprob="off")
    out = _run_evals(settings, rec, RebuildOptions(work=work), work, ["sets/x"], print)
    assert seen[0][2].adapter_serving == {"refusal_threshold": 0.45, "min_answer_logprob": -2.0}
    served = (work / "serving.toml").read_text()
    assert 'refusal_threshold = "auto"' in served and 'min_answer_logprob = "auto"' in served
    assert "--adapter-refusal-threshold 0.45 --adapter-min-answer-logprob -2.0" in out[0]["command"]


# -- promote ---------------------------------------------------------------------------------------------------
def _rebuilt(tmp_path, **kw):
    """A rebuild folder's pair (what `tune default` leaves in WORK), go: false."""
    return write_builtin(tmp_path / "work", go=False, **kw)


def _report(adapter, go=True):
    return {"run_id": "r1", "adapter": adapter, "dataset": {"kind": "beir", "path": "/sets/x", "n_items": 400},
            "n_questions": 400, "seed": 0, "arms": {"A": {"n": 400, "task_success": 0.2, "label": "RAG"},
                                                     "C": {"n": 400, "task_success": 0.45, "hallucination_rate": 0.04}},
            "deltas": {"C-A": {"task_success": 0.25}}, "decision": {"go": go, "reasons": [] if go else ["x"]},
            "safety": {"arms": {"C": {"n": 30, "share_safe": 1.0, "injection_share_safe": 1.0}}}}


def test_promote_installs_the_pair_and_decides_go_from_the_evidence(tmp_path, monkeypatch):
    gguf, mpath = _rebuilt(tmp_path)
    sha = sha256_file(gguf)
    dest = tmp_path / "shipped"
    rep = tmp_path / "report.json"
    rep.write_text(json.dumps(_report(sha)))
    paths = promote_(tmp_path / "work", dest, reports=[rep])
    assert [p.name for p in paths] == ["ragtune-default.gguf", "ragtune-default.json"]
    monkeypatch.setenv(builtin.ENV, str(dest))
    (b,) = builtin.list_builtins()
    assert b.go and b.manifest["go_source"] == "eval" and b.sha256 == sha and sha256_file(b.file) == sha
    (ev,) = b.manifest["eval"]
    assert ev["arms"]["C"] == {"n": 400, "task_success": 0.45, "hallucination_rate": 0.04}
    assert ev["command"].startswith("ragtune eval run /sets/x --arms A,C --adapter " + sha)
    assert ev["safety"]["C"]["injection_share_safe"] == 1.0
    # a no-go report: not active by default; a decision by hand is recorded as one
    rep.write_text(json.dumps(_report(sha, go=False)))
    promote_(gguf, dest, reports=[rep])
    assert builtin.get_builtin().go is False
    promote_(mpath, dest, go=True)
    b = builtin.get_builtin()
    assert b.go and b.manifest["go_source"] == "manual"
    promote_(dest / "ragtune-default.json", tmp_path / "again", reports=[rep])  # a decision by hand stands …
    assert json.loads((tmp_path / "again" / "ragtune-default.json").read_text())["go"] is True
    promote_(dest, tmp_path / "again", go=False)  # … until another is given
    assert json.loads((tmp_path / "again" / "ragtune-default.json").read_text())["go_source"] == "manual"
    assert not list(dest.glob(".*.part"))


def test_promote_refuses_what_it_cannot_vouch_for(tmp_path):
    gguf, mpath = _rebuilt(tmp_path)
    dest = tmp_path / "shipped"
    rep = tmp_path / "report.json"
    rep.write_text(json.dumps(_report("f" * 64)))
    with pytest.raises(InputError, match="evaluated adapter ffffffffffff…, not ragtune-default"):
        promote_(gguf, dest, reports=[rep])
    gguf.write_bytes(gguf.read_bytes() + b"\0")  # changed after its manifest was written
    with pytest.raises(ModelError, match="does not match its manifest"):
        promote_(gguf, dest)
    write_gguf(gguf, lora=False, tag="model")  # a model, not a LoRA, with a manifest that matches it
    from tests.gguf_helpers import builtin_manifest

    mpath.write_text(json.dumps(builtin_manifest(gguf, go=False)))
    with pytest.raises(InputError, match="cannot install as a built-in adapter"):
        promote_(gguf, dest)
    mpath.write_text('{"name": "ragtune-default",\n  "go": tru}')  # the user's file: an input error naming its line
    with pytest.raises(InputError, match=r"ragtune-default.json:2: invalid built-in adapter manifest JSON"):
        promote_(gguf, dest)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="expected one <name>.gguf"):
        promote_(tmp_path / "empty", dest)
    assert not dest.exists() or not list(dest.iterdir())


def test_cli_promote_builtin(tmp_path, capsys):
    gguf, _ = _rebuilt(tmp_path)
    dest = tmp_path / "shipped"
    assert main(["models", "promote-builtin", str(tmp_path / "work"), "--dest", str(dest), "--no-go", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["installed"] == [str(dest / "ragtune-default.gguf"),
                                                               str(dest / "ragtune-default.json")]
    assert main(["models", "promote-builtin", str(tmp_path / "nothing.bin"), "--dest", str(dest)]) == 2


def promote_(src, dest, **kw):
    from ragtune.models.promote import promote

    return promote(src, dest, log=lambda msg: None, **kw)


# -- the whole chain on CPU ----------------------------------------------------------------------------------
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] "
          "+ '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    """A tiny random Llama with SmolLM2's own tokenizer (convert_lora_to_gguf needs a known architecture)."""
    from tests.conftest import have_module

    for mod in ("torch", "transformers", "peft", "gguf"):
        if not have_module(mod):
            pytest.skip(f"needs the [train] and [convert] extras ({mod} missing)")
    from tests.converters.test_convert_e2e import _find_sdist

    sdist = _find_sdist()
    if sdist is None:
        pytest.skip("llama-cpp-python sdist not found (see tests/converters/test_convert_e2e.py)")
    from ragtune.appliance.default_models import locate_all

    try:
        llm = locate_all("smollm2-135m-instruct-q4_1")[0]
    except ModelError as exc:
        pytest.skip(f"default LLM (its tokenizer is reused) not installed: {exc}")
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    root = tmp_path_factory.mktemp("tiny-base")
    tok = AutoTokenizer.from_pretrained(str(llm.parent), gguf_file=llm.name)
    tok.chat_template = tok.chat_template or CHATML
    cfg = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=len(tok), bos_token_id=1, eos_token_id=2,
                      max_position_embeddings=4096, tie_word_embeddings=True, rms_norm_eps=1e-5)
    torch.manual_seed(0)
    LlamaForCausalLM(cfg).save_pretrained(root)
    tok.save_pretrained(root)
    return root, sdist


def _tiny_set(tmp_path) -> Path:
    """Two pack documents and their questions (answerable ones, and unanswerable ones whose near miss is there)."""
    from ragtune.models.pack import load_qa, pack_dir

    docs = ["release-notes/heron-firmware-5.2.md", "release-notes/heron-firmware-5.3.md"]
    rows = load_qa()
    pick = [r for r in rows if r.get("gold_doc") in docs][:4] + [r for r in rows if r.get("near_doc") in docs][:2]
    folder = tmp_path / "set"
    for d in docs:
        (folder / "docs" / d).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pack_dir() / d, folder / "docs" / d)
    (folder / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pick))
    return folder


def test_a_continue_table_adds_a_second_training_run(tmp_path, capsys):
    recipe = _recipe(tmp_path, TINY_RECIPE.replace("[convert]", "[continue]\nseed = 1\nlr = 3e-4\nmax_steps = 4\n\n[convert]"))
    r = load_recipe(recipe)
    assert r.cont == {"seed": 1, "lr": 3e-4, "max_steps": 4} and r.to_json()["continue"] == r.cont
    cfg = r.continue_config("d", "o2", "o", threads=1)
    assert (cfg.init_adapter, cfg.seed, cfg.lr, cfg.r, cfg.threads) == ("o", 1, 3e-4, 8, 1)
    assert r.train_config("d", "o").init_adapter == "" and r.train_config("d", "o").seed == 0
    work = tmp_path / "w"
    assert main(["tune", "default", "--dry-run", "--work", str(work), "--recipe", str(recipe), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [s["step"] for s in steps] == ["dataset", "train", "continue", "convert", "manifest"]
    assert steps[2]["command"] == (f"ragtune train --config {recipe} --data {work}/data --out {work}/adapter-continued "
                                   f"--init-adapter {work}/adapter --seed 1 --lr 0.0003 --max-steps 4")
    assert steps[3]["command"].startswith(f"ragtune convert lora {work}/adapter-continued ")
    for bad, msg in (("init_adapter = \"x\"", "[continue] init_adapter: not allowed in a recipe (the rebuild sets it)"),
                     ("lr = 2", "[continue] lr: must be in (0, 1)"), ("nope = 1", "unknown key in [continue]: nope")):
        p = _recipe(tmp_path, TINY_RECIPE.replace("[convert]", f"[continue]\n{bad}\n\n[convert]"), name="bad.toml")
        with pytest.raises(ConfigError, match=re.escape(msg)):
            load_recipe(p)
    with pytest.raises(ConfigError, match=re.escape("[train] init_adapter: not allowed in a recipe")):
        load_recipe(_recipe(tmp_path, TINY_RECIPE.replace("r = 8", "r = 8\ninit_adapter = \"x\""), name="b2.toml"))


def test_a_hard_table_adds_a_run_on_the_hard_examples(tmp_path, capsys):
    recipe = _recipe(tmp_path, TINY_RECIPE.replace("[convert]", "[continue]\nseed = 1\nlr = 3e-4\nmax_steps = 4\n\n"
                                                   "[hard]\nexamples = 600\nselect_seed = 7\nseed = 2\nlr = 1e-4\n\n[convert]"))
    r = load_recipe(recipe)
    assert r.hard == {"examples": 600, "select_seed": 7, "seed": 2, "lr": 1e-4} and r.to_json()["hard"] == r.hard
    assert r.hard_train() == {"seed": 2, "lr": 1e-4, "max_steps": 4}  # over [continue]'s, without the selection
    cfg = r.hard_config("dh", "o3", "o2", threads=1)
    assert (cfg.data, cfg.init_adapter, cfg.seed, cfg.lr, cfg.max_steps, cfg.threads) == ("dh", "o2", 2, 1e-4, 4, 1)
    work = tmp_path / "w"
    assert main(["tune", "default", "--dry-run", "--work", str(work), "--recipe", str(recipe), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [s["step"] for s in steps] == ["dataset", "train", "continue", "hard", "convert", "manifest"]
    assert steps[2]["command"].split(" --init-adapter")[0].endswith(f"--out {work}/adapter-continued")
    assert steps[3]["command"] == (f"ragtune dataset hard {work}/data --out {work}/data-hard --examples 600 --seed 7 && "
                                   f"ragtune train --config {recipe} --data {work}/data-hard --out {work}/adapter-hard "
                                   f"--init-adapter {work}/adapter-continued --seed 2 --lr 0.0001 --max-steps 4")
    assert steps[4]["command"].startswith(f"ragtune convert lora {work}/adapter-hard ")
    for bad, msg in (("examples = 0", "[hard] examples: must be a whole number >= 1"),
                     ("select_seed = 1", "[hard] examples: must be a whole number >= 1"),
                     ("examples = 5\nselect_seed = -1", "[hard] select_seed: must be a whole number >= 0"),
                     ("examples = 5\nlr = 2", "[hard] lr: must be in (0, 1)"),
                     ("examples = 5\ndata = \"x\"", "[hard] data: not allowed in a recipe (the rebuild sets it)")):
        p = _recipe(tmp_path, TINY_RECIPE.replace("[convert]", f"[hard]\n{bad}\n\n[convert]"), name="bad.toml")
        with pytest.raises(ConfigError, match=re.escape(msg)):
            load_recipe(p)


def test_a_more_data_table_adds_a_second_build_merged_after_the_first(tmp_path, capsys, settings, monkeypatch):
    from ragtune.models import build as build_mod
    from ragtune.models.default_adapter import _build_data
    from tests.models.test_merge import _folder, ex

    recipe = _recipe(tmp_path, TINY_RECIPE.replace("[train]", '[more_data]\ncorpus = ["train"]\nquestions = "contrast"'
                                                   '\naugment = 1\n\n[train]'))
    r = load_recipe(recipe)
    assert (r.more.questions, r.more.augment, r.more.k, r.more.from_pack) == ("contrast", 1, 3, False)
    assert r.to_json()["more_data"]["questions"] == "contrast"
    work = tmp_path / "w"
    assert main(["tune", "default", "--dry-run", "--work", str(work), "--recipe", str(recipe), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert steps[0]["command"] == (f"ragtune dataset build --corpus train --from-pack --k 3 --out {work}/data-main && "
                                   f"ragtune dataset build --corpus train --questions contrast --k 3 --augment 1 "
                                   f"--out {work}/data-more && ragtune dataset merge {work}/data-main {work}/data-more "
                                   f"--out {work}/data")
    built = []

    def fake_build(settings, opts, out, log=None, command=None):  # the two builds, in order, with their commands
        built.append((opts.questions, command[-1]))
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        _folder(Path(out), [ex(f"When does the depot open ({opts.questions})?", "07:00")])

    monkeypatch.setattr(build_mod, "build_dataset", fake_build)
    _build_data(settings, r, work, print)
    assert built == [("qa", f"{work}/data-main"), ("contrast", f"{work}/data-more")]
    cfg = json.loads((work / "data" / "dataset_config.json").read_text())
    assert cfg["train"]["lines"] == 2 and [s["path"] for s in cfg["build_options"]["merge"]] == \
        [str(work / "data-main"), str(work / "data-more")]
    for bad, msg in (("k = 4", "[more_data] k = 4 but [serving] k = 3"),
                     ("from_log = \"x\"", "[more_data] from_log: not allowed in a recipe")):
        p = _recipe(tmp_path, TINY_RECIPE.replace("[train]", f"[more_data]\n{bad}\n\n[train]"), name="bad.toml")
        with pytest.raises(ConfigError, match=re.escape(msg)):
            load_recipe(p)


def _tiny_recipe(folder, base, train_extra, more=""):
    """A recipe over the tiny set and base: a few steps of one thread (plus `train_extra` and `more` tables)."""
    return f"""\
name = "tiny-default"
[dataset]
qa = "{folder}/qa.jsonl"
docs = "{folder}/docs"
fit = false
mix_frac = 0
holdout_frac = 0.2
[train]
base = "{base}"
r = 8
lr = 1e-3
grad_accum = 1
warmup_steps = 1
max_holdout = 2
max_len = 4096
threads = 1
{train_extra}
{more}[convert]
outtype = "f16"
[serving]
k = 2
"""


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.convert
def test_the_whole_rebuild_on_a_tiny_model(tiny_base, tmp_path, settings, monkeypatch):
    from ragtune.appliance.registry import Registry
    from ragtune.models.default_adapter import RebuildOptions, rebuild

    base, sdist = tiny_base
    folder = _tiny_set(tmp_path)
    recipe = _recipe(tmp_path, _tiny_recipe(folder, base, "max_steps = 2\nsave_every = 1"))
    work = tmp_path / "work"
    logs: list[str] = []
    out = rebuild(settings, RebuildOptions(work=work, recipe=recipe, sdist=str(sdist)), log=logs.append)
    gguf, mpath = work / "tiny-default.gguf", work / "tiny-default.json"
    assert out["gguf"] == str(gguf) and out["manifest"] == str(mpath) and out["go"] is False
    m = json.loads(mpath.read_text())
    builtin.validate_manifest(m, mpath)
    assert m["sha256"] == sha256_file(gguf) == out["id"] and m["size"] == gguf.stat().st_size
    ds_cfg = json.loads((work / "data" / "dataset_config.json").read_text())
    ad_man = json.loads((work / "adapter" / "adapter_manifest.json").read_text())
    assert m["dataset"]["sha256"] == ds_cfg["dataset_sha256"] == ad_man["dataset_sha256"]
    assert m["dataset"]["build_options"]["serving"]["k"] == 2 and m["serving"] == {"k": 2}
    assert m["training"]["config_sha256"] == ad_man["training_config_sha256"]
    assert m["training"]["config"]["max_steps"] == 2 and m["training"]["seed"] == 0
    assert m["base"]["sha256"] == ad_man["base_id"] and m["base"]["kind"] == "hf"
    assert m["recipe"]["sha256"] == load_recipe(recipe).sha256 and "max_steps = 2" in m["recipe"]["text"]
    assert set(m["rebuild"]["steps"]) == {"dataset", "train", "convert"} and m["rebuild"]["wall_s"] > 0
    assert m["rebuild"]["machine"]["cores"] and m["eval"] == [] and m["go_source"] == "none"
    assert m["rebuild"]["command"].startswith("ragtune tune default --recipe ")
    reg = Registry(settings.home)
    assert reg.get(m["sha256"]).kind == "lora-gguf"  # the converter registered it in the home too
    # a second run without --resume is refused; with it the data and the training are kept
    with pytest.raises(InputError, match="holds a rebuild already"):
        rebuild(settings, RebuildOptions(work=work, recipe=recipe, sdist=str(sdist)), log=logs.append)
    logs.clear()
    again = rebuild(settings, RebuildOptions(work=work, recipe=recipe, sdist=str(sdist), resume=True),
                    log=logs.append)
    assert any("dataset: kept" in x for x in logs) and any("train: kept" in x for x in logs)
    assert again["id"] == out["id"]  # the same adapter converts to the same bytes
    # installed as a built-in, the registry lists and verifies it
    dest = tmp_path / "shipped"
    from ragtune.models.promote import promote

    promote(work, dest, log=logs.append)
    monkeypatch.setenv(builtin.ENV, str(dest))
    (listed,) = [x for x in Registry(settings.home).list("lora-gguf") if x.get("builtin")]
    assert listed["name"] == "tiny-default" and listed["id"] == out["id"] and listed["go"] is False
    assert Registry(settings.home).verify("tiny-default")[0][1] is None


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.convert
def test_a_rebuild_with_a_continue_run_converts_the_continued_adapter(tiny_base, tmp_path, settings):
    from ragtune.models.default_adapter import RebuildOptions, rebuild

    base, sdist = tiny_base
    folder = _tiny_set(tmp_path)

    def run(tables: str, work: Path) -> tuple[dict, dict]:
        """Rebuild the tiny recipe with these extra tables: (its result, its manifest)."""
        recipe = _recipe(tmp_path, _tiny_recipe(folder, base, "max_steps = 1", tables), name=f"{work.name}.toml")
        out = rebuild(settings, RebuildOptions(work=work, recipe=recipe, sdist=str(sdist)), log=lambda _: None)
        return out, json.loads((work / "tiny-default.json").read_text())

    def run_manifest(work: Path, adapter: str) -> dict:
        return json.loads((work / adapter / "adapter_manifest.json").read_text())

    work = tmp_path / "work"
    out, m = run("[continue]\nseed = 1\nmax_steps = 2\n", work)
    first, cont = run_manifest(work, "adapter"), run_manifest(work, "adapter-continued")
    assert cont["init_adapter"]["sha256"] == first["adapter_sha256"] == m["training"]["init"]["sha256"]
    assert m["training"]["config"]["seed"] == 1 and m["training"]["metrics"]["steps"] == 2
    assert m["training"]["first_run"]["config"]["max_steps"] == 1 and m["training"]["first_run"]["metrics"]["steps"] == 1
    assert set(m["rebuild"]["steps"]) == {"dataset", "train", "continue", "convert"} and out["id"] == m["sha256"]
    # a [hard] table adds a third run, on the hard lines of the same data, from the continued adapter
    work = tmp_path / "work-hard"
    out, m = run("[continue]\nseed = 1\nmax_steps = 2\n[hard]\nexamples = 3\nselect_seed = 3\nmax_steps = 1\n", work)
    cont, hard = run_manifest(work, "adapter-continued"), run_manifest(work, "adapter-hard")
    assert hard["init_adapter"]["sha256"] == cont["adapter_sha256"] == m["training"]["init"]["sha256"]
    assert m["training"]["continued_run"]["metrics"]["steps"] == 2 and m["training"]["metrics"]["steps"] == 1
    assert m["training"]["hard_data"]["seed"] == 3 and m["training"]["hard_data"]["hard"] >= 1
    assert set(m["rebuild"]["steps"]) == {"dataset", "train", "continue", "hard", "convert"} and out["id"] == m["sha256"]


def test_the_shipped_default_is_served_as_its_recipe_says():
    """The recipe's [serving] table and the shipped manifest agree: what a rebuild would record is what is served."""
    b = builtin.get_builtin(builtin.DEFAULT_NAME, builtin.package_adapters_dir())
    if b is None:
        pytest.skip("no built-in default adapter in this checkout")
    assert b.manifest["serving"] == load_recipe().serving
    for key in CALIBRATED:
        assert b.serving_value(key) == load_recipe().serving.get(key)


@pytest.mark.parametrize("argv,go,nxt", [
    ([], False, "--resume --eval (the go decision)"),
    (["--eval"], True, "--resume --promote"),
    (["--eval"], False, "a better recipe (no-go)"),
])
def test_cli_rebuild_says_what_comes_next(tmp_path, capsys, monkeypatch, argv, go, nxt):
    # it ended on "go: false" with nothing on how a go decision is made or the adapter tried
    import ragtune.models.default_adapter as da

    work = tmp_path / "w"
    monkeypatch.setattr(da, "rebuild", lambda settings, opts, log=None: {
        "work": str(work), "gguf": str(work / "x.gguf"), "manifest": str(work / "x.json"), "id": "ab" * 32,
        "go": go, "wall_s": 1.0, "steps": {}})
    assert main(["tune", "default", "--work", str(work), *argv]) == 0
    err = capsys.readouterr().err
    assert f"next: ragtune ask --adapter {'ab' * 6} QUESTION" in err and nxt in err
    assert f"ragtune tune default --work {work} --resume" in err or "no-go" in err
