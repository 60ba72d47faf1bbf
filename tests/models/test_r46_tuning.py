"""Round 46, a customer's own adapter on a CPU (docs/tuning.md): every step says what it costs and what comes next.

- `dataset build` says what the `ragtune train` it suggests will cost on a CPU, and how to make a quick check;
- `ragtune train` says the CPU time of its planned steps before the first (minutes each on a busy box), and that
  OMP_NUM_THREADS does not set its threads (--threads does);
- a recipe key named as peft / transformers name it (`learning_rate`) gets the recipe's name in the hint;
- Ctrl-C during `tune default` (hours of work) says what WORK kept and the command that continues it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ragtune.appliance.errors import ConfigError
from ragtune.cli import main

_TRAIN = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "peft"))
if _TRAIN:  # the tiny llama of test_train.py (its module skips itself without the [train] extra)
    from .test_train import data, tiny  # noqa: F401  (fixtures)


def test_cpu_cost_is_said_in_the_unit_a_person_reads():
    from ragtune.models.train.config import cpu_cost

    assert cpu_cost(4, 600) == "≈ 23 CPU-seconds"
    assert cpu_cost(102, 593) == "≈ 10 CPU-minutes"
    assert cpu_cost(2 * 5416, 1200) == "≈ 35.0 CPU-hours"


def test_the_build_s_next_line_says_what_training_costs():
    from ragtune.cli.dataset_cmd import _train_cost

    report = {"train_lines": 51, "build": {"prompt_tokens": {"n": 69, "mean": 593.4}}}
    text = _train_cost(report)
    assert "2 epochs over 51 lines of ~593 prompt tokens: ≈ 10 CPU-minutes on a CPU" in text
    assert "--max-steps 5 trains 20 examples, ≈ 115 CPU-seconds" in text
    assert _train_cost({"train_lines": 5, "build": {"prompt_tokens": {"n": 0}}}) == ""  # --no-fit: no counts
    assert _train_cost({"train_lines": 5, "build": {}}) == ""  # a query-log build


@pytest.mark.parametrize("text, guess", [
    ("r = 8\nlearning_rate = 1e-4\n", "learning_rate: did you mean lr?"),
    ("[train]\nlora_alpha = 16\n", "lora_alpha: did you mean alpha?"),
    ("gradient_accumulation_steps = 2\n", "gradient_accumulation_steps: did you mean grad_accum?"),
    ("epoch = 1\n", "epoch: did you mean epochs?"),
])
def test_a_recipe_key_named_as_peft_names_it_gets_the_recipe_s_name(tmp_path, text, guess):
    from ragtune.models.train.config import make_config

    recipe = tmp_path / "recipe.toml"
    recipe.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"recipe.toml:\d+: unknown key") as ei:
        make_config(recipe, data="d", out="o")
    assert ei.value.hint.startswith(guess) and "known: alpha," in ei.value.hint


def test_a_key_like_no_other_gets_no_guess(tmp_path):
    from ragtune.models.train.config import make_config

    recipe = tmp_path / "recipe.toml"
    recipe.write_text("lr_rate = 1e-4\n", encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        make_config(recipe, data="d", out="o")
    assert ei.value.hint.startswith("known: ")  # not "did you mean qlora?"


def _recipe(tmp_path):
    from .test_default_adapter import _recipe as made

    return made(tmp_path)


def test_ctrl_c_in_tune_default_says_what_was_kept_and_how_to_go_on(tmp_path, capsys, monkeypatch):
    import ragtune.models.default_adapter as da

    work, recipe = tmp_path / "w", _recipe(tmp_path)

    def interrupted_in_training(settings, opts, log=print):  # the dataset done, training stopped after step 4
        (work / "adapter" / "checkpoint").mkdir(parents=True)
        (work / "adapter" / "checkpoint" / "state.json").write_text(json.dumps({"step": 4}))
        rec = da.load_recipe(opts.recipe)
        (work / "rebuild.json").write_text(json.dumps({"recipe_sha256": rec.sha256, "steps": {
            "dataset": {"seconds": 30.0, "done": True}, "train": {"seconds": 600.0, "done": False}}}))
        raise KeyboardInterrupt
    monkeypatch.setattr(da, "rebuild", interrupted_in_training)
    argv = ["tune", "default", "--recipe", str(recipe), "--work", str(work), "--threads", "1"]
    monkeypatch.setattr("sys.argv", ["ragtune", *argv])
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert f"interrupted: {work}: finished steps kept: dataset; the training checkpoint in adapter/ holds step 4" in err
    assert f"continue with: ragtune tune default --recipe {recipe} --work {work} --threads 1 --resume" in err


def test_ctrl_c_before_the_rebuild_folder_exists_says_nothing_was_kept(tmp_path, capsys, monkeypatch):
    import ragtune.models.default_adapter as da

    def stopped(settings, opts, log=print):
        raise KeyboardInterrupt
    monkeypatch.setattr(da, "rebuild", stopped)
    argv = ["tune", "default", "--recipe", str(_recipe(tmp_path)), "--work", str(tmp_path / "w"), "--resume"]
    monkeypatch.setattr("sys.argv", ["ragtune", *argv])
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "interrupted before the rebuild started: nothing kept" in err
    assert err.count("--resume") == 1  # given once, not twice


@pytest.mark.train
@pytest.mark.skipif(not _TRAIN, reason="needs the [train] extra (torch, transformers, peft)")
def test_training_says_its_cost_and_that_omp_num_threads_does_not_set_its_threads(tmp_path, monkeypatch, capsys,
                                                                                   tiny, data):  # noqa: F811
    from ragtune.models import train as tr

    from .test_train import _cfg

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    tr.train(_cfg(tiny, data, tmp_path / "run", max_steps=2, threads=1))
    err = capsys.readouterr().err
    assert "note: training uses threads=1 (--threads), not OMP_NUM_THREADS=3" in err
    assert "2 optimizer steps of 1 examples (batch 1 x accum 1) on cpu, threads=1: ≈ " in err
    assert "CPU-seconds\n" in err or "CPU-seconds\r" in err  # one thread: no wall time to divide it by
    assert "holdout loss over 2 examples (--max-holdout; forward only" in err
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    tr.train(_cfg(tiny, data, tmp_path / "run2", max_steps=1, threads=1))
    assert "OMP_NUM_THREADS" not in capsys.readouterr().err  # the same count: nothing to say
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        tr.train(_cfg(tiny, data, tmp_path / "run3", max_steps=1, threads=2))
    assert "CPU-seconds (about half that in wall time on 2 idle cores)" in capsys.readouterr().err
    assert not [w for w in seen if "is_gradient_checkpointing" in str(w.message)]  # peft's, in every run's output


def test_an_sdist_named_that_does_not_exist_is_said_not_passed_over(tmp_path, monkeypatch):
    from ragtune.appliance.errors import InputError
    from ragtune.converters import sdist

    v = "1.2.3"
    cached = tmp_path / "cache" / f"llama_cpp_python-{v}.tar.gz"
    cached.parent.mkdir()
    cached.write_bytes(b"")
    monkeypatch.setenv(sdist.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(sdist.SDIST_ENV, raising=False)
    assert sdist.locate_sdist(version=v) == cached  # nothing named: the cache's
    with pytest.raises(InputError, match=r"nothere.tar.gz: no such file or folder \(the sdist given with --sdist"):
        sdist.locate_sdist(tmp_path / "nothere.tar.gz", version=v)  # was: the cache's, silently
    monkeypatch.setenv(sdist.SDIST_ENV, str(tmp_path / "typo"))
    with pytest.raises(InputError, match="typo: no such file or folder"):
        sdist.locate_sdist(version=v)


def test_ctrl_c_in_train_gives_the_options_that_resume_it(tmp_path, capsys, monkeypatch):
    """The resume line said `<the same options>`: --max-len, --grad-accum… a resume must repeat them."""
    import ragtune.models.train as train_pkg
    from ragtune.models.curate import write_curated

    from .test_train import _examples  # (skipped without the [train] extra, as its module is)

    def interrupted(cfg, **kw):  # stopped by Ctrl-C after the checkpoint of step 1
        (Path(cfg.out) / "checkpoint").mkdir(parents=True)
        (Path(cfg.out) / "checkpoint" / "state.json").write_text('{"step": 1}')
        raise KeyboardInterrupt
    monkeypatch.setattr(train_pkg, "train", interrupted)
    write_curated(tmp_path / "ds", _examples(3), [], {"config": {}})
    out = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "ds"), "--out", str(out), "--max-len", "1024", "--max-steps", "3",
                 "--bf16", "--targets", "all-linear"]) == 130
    err = capsys.readouterr().err
    assert (f"holds step 1; continue with: ragtune train --data {tmp_path / 'ds'} --out {out} --max-len 1024 "
            "--max-steps 3 --bf16 --targets all-linear --resume") in err


def test_the_build_s_progress_says_when_it_will_end(capsys):
    from ragtune.models.dataset import stderr_progress

    now = [100.0]
    cb = stderr_progress("questions", clock=lambda: now[0])
    for done in range(1, 51):
        now[0] += 0.5 if done > 1 else 0.0  # half a second a question after the first
        cb(done, 3483, f"q{done}")
    cb(3483, 3483, "last")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "questions: 25/3483 q25 (eta 29m)"  # 3,458 left at 2 a second
    assert lines[1] == "questions: 50/3483 q50 (eta 29m)" and lines[-1] == "questions: 3483/3483 last"


def test_a_build_made_to_be_scored_suggests_scoring_it():
    """A build with every share 0 and no holdout (docs/tuning.md's set to score) said `next: ragtune train`."""
    from ragtune.cli.dataset_cmd import _for_scoring
    from ragtune.models.build import DatasetOptions

    zero = dict(drop_share=0, oracle_share=0, distractor_share=0, shuffle_share=0, inject_share=0, mix_frac=0,
                holdout_frac=0)
    assert _for_scoring(DatasetOptions(qa="q.jsonl", docs="d", **zero))
    assert not _for_scoring(DatasetOptions(qa="q.jsonl", docs="d"))  # the defaults: training data
    assert not _for_scoring(DatasetOptions(qa="q.jsonl", docs="d", **{**zero, "holdout_frac": 0.2}))
    assert not _for_scoring(DatasetOptions(qa="q.jsonl", docs="d", augment=1, **zero))
