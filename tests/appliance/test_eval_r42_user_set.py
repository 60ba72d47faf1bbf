"""Round 42: an evaluator's own BEIR set (an IT helpdesk, 11 documents, 36 questions, 10 unanswerable) through
eval run / compare / calibrate / retrieval. What that found, each with its test (fake engines, no models)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import calibrate as C
from ragtune.appliance.eval import paired as P
from ragtune.appliance.eval import run as R
from ragtune.appliance.eval.datasets import load_beir
from ragtune.cli import cli
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir
from tests.appliance.test_eval_calibrate import ProbabilityEngine, _factory


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "good", "ad1": "good"}))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)


def _rewrite_query(root: Path, qid: str, **meta) -> int:
    """Replace one query's metadata keys; returns its line number in queries.jsonl."""
    path = root / "queries.jsonl"
    lines = path.read_text().splitlines()
    for n, line in enumerate(lines, start=1):
        obj = json.loads(line)
        if obj["_id"] == qid:
            obj["metadata"].update(meta)
            lines[n - 1] = json.dumps(obj)
            path.write_text("\n".join(lines) + "\n")
            return n
    raise AssertionError(qid)


def _drop_qrels(root: Path, qid: str) -> None:
    path = root / "qrels" / "test.tsv"
    path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                            if not line.startswith(qid + "\t")))


# -- the reports say why the safety set did not run, and which questions the numbers are over ---------------------
def test_a_limited_run_does_not_say_no_safety_was_given(settings, tmp_path):
    """`eval run SET --limit 4` skips the safety set (N questions per arm); the reports said "Skipped
    (`--no-safety`)", a flag the user never gave."""
    beir = write_beir(tmp_path / "mini")
    rep = R.run_eval(settings, beir, R.EvalOptions(arms="A", limit=4, out=tmp_path / "o"))
    assert rep["safety"]["skipped"] == "--limit 4 without --safety"
    md = (tmp_path / "o" / "report.md").read_text()
    html = (tmp_path / "o" / "report.html").read_text()
    assert "Skipped (`--limit 4 without --safety`)" in md and "--no-safety" not in md.split("## Safety set")[1]
    assert "Skipped (<code>--limit 4 without --safety</code>)" in html
    # with --no-safety it says that
    rep = R.run_eval(settings, beir, R.EvalOptions(arms="A", limit=4, safety=False, out=tmp_path / "o2"))
    assert rep["safety"]["skipped"] == "--no-safety"
    assert "Skipped (`--no-safety`)" in (tmp_path / "o2" / "report.md").read_text()


def test_the_report_header_names_the_split_and_the_limit(settings, tmp_path):
    """A report of the dev half under --limit read as if it were over the whole set."""
    beir = write_beir(tmp_path / "mini")
    R.run_eval(settings, beir, R.EvalOptions(arms="A", limit=100, split="dev", out=tmp_path / "o"))
    md = (tmp_path / "o" / "report.md").read_text()
    html = (tmp_path / "o" / "report.html").read_text()
    assert "questions (of the dev half, --limit 100); the full set: 5 answerable, 3 unanswerable" in md
    assert "questions (of the dev half, --limit 100);" in html
    R.run_eval(settings, beir, R.EvalOptions(arms="A", safety=False, out=tmp_path / "all"))
    assert "8 questions; the full set:" in (tmp_path / "all" / "report.md").read_text()


# -- data errors found before anything is recorded or asked ----------------------------------------------------------
def test_a_context_id_that_names_no_document_is_an_error_at_its_line(tmp_path):
    """Gold passages come from metadata.context_id when the qrels judge nothing for a query: one naming no document
    scored every citation of it as wrong (citation recall 0) without a word."""
    beir = write_beir(tmp_path / "mini")
    _drop_qrels(beir, "q2")
    line = _rewrite_query(beir, "q2", context_id="d99")
    with pytest.raises(InputError, match=rf"queries.jsonl:{line}: query q2: metadata.context_id 'd99' is not in "
                                         r"corpus.jsonl"):
        load_beir(beir)
    _rewrite_query(beir, "q2", context_id=["d2"])
    with pytest.raises(InputError, match=rf"queries.jsonl:{line}: .*context_id must be a string.*got list"):
        load_beir(beir)
    _rewrite_query(beir, "q2", context_id="d2")  # one that names a document is its gold passage
    assert next(i for i in load_beir(beir).items if i["qid"] == "q2")["gold_keys"] == ["d2"]


def test_an_unused_context_id_is_not_checked(tmp_path):
    """The qrels judge the query: its context_id is not read, so a stale one is no error (as before)."""
    beir = write_beir(tmp_path / "mini")
    _rewrite_query(beir, "q2", context_id="d99")
    assert next(i for i in load_beir(beir).items if i["qid"] == "q2")["gold_keys"] == ["d2"]


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_an_empty_corpus_is_an_error_before_the_run_is_recorded(settings, tmp_path, text):
    """It failed only at ingest ("cannot ingest the corpus: empty document"), after the run was recorded in the
    home's database and its report folder made."""
    beir = write_beir(tmp_path / "mini")
    (beir / "corpus.jsonl").write_text(text)
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n")
    with pytest.raises(InputError, match=r"corpus.jsonl: no documents"):
        R.run_eval(settings, beir, R.EvalOptions(arms="A", out=tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_a_corpus_that_is_a_folder_is_said_as_one(tmp_path):
    beir = write_beir(tmp_path / "mini")
    (beir / "corpus.jsonl").unlink()
    (beir / "corpus.jsonl").mkdir()
    with pytest.raises(InputError, match=r"corpus.jsonl: is a directory, expected a file"):
        load_beir(beir)


def test_missing_test_qrels_names_the_qrels_that_are_there(tmp_path):
    beir = write_beir(tmp_path / "mini")
    (beir / "qrels" / "test.tsv").rename(beir / "qrels" / "dev.tsv")
    with pytest.raises(InputError, match=r"test.tsv: missing .*qrels/ holds only dev.tsv"):
        load_beir(beir)


# -- eval retrieval says how many queries it left out ------------------------------------------------------------------
def test_eval_retrieval_says_how_many_queries_had_no_judgement(monkeypatch, tmp_path):
    """"26 queries" of a set of 36 said nothing of the 10 (unanswerable) ones without a relevant judgement."""
    from ragtune.appliance.eval import retrieval

    metrics = {m: 1.0 for m in ("ndcg@10", "recall@1", "recall@6", "recall@20", "mrr@10")}
    monkeypatch.setattr(retrieval, "evaluate", lambda *a, **k: {"bm25": metrics, "queries": 26,
                                                                "queries_unjudged": 10})
    beir = write_beir(tmp_path / "mini")
    res = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "eval", "retrieval", str(beir), "--mode", "bm25"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == ("26 queries; 10 without a relevant judgement in the qrels left out "
                                          "(e.g. unanswerable ones)")


# -- eval compare says when it could not check the dataset ---------------------------------------------------------------
def test_compare_says_the_dataset_was_not_checked_without_a_report(settings, tmp_path):
    """Runs over different datasets are refused by the identity their report.json records; an items.jsonl alone
    was paired by question id without a word."""
    beir = write_beir(tmp_path / "mini")
    R.run_eval(settings, beir, R.EvalOptions(arms="A,C", adapter="ad1", safety=False, out=tmp_path / "r1"))
    shutil.copytree(tmp_path / "r1", tmp_path / "r2")
    assert P.compare_runs(tmp_path / "r1", tmp_path / "r2")["notes"] == []
    (tmp_path / "r2" / "report.json").unlink()
    notes = P.compare_runs(tmp_path / "r1", tmp_path / "r2")["notes"]
    assert len(notes) == 1 and "r2/items.jsonl: no report.json" in notes[0] and "paired by id alone" in notes[0]
    assert P.compare_runs(tmp_path / "r2", base_arm="A")["notes"] == []  # two arms of one run: one dataset
    res = CliRunner().invoke(cli, ["eval", "compare", str(tmp_path / "r1"), str(tmp_path / "r2")])
    assert res.exit_code == 0 and "note: " in res.output and "dataset was not checked" in res.output


# -- eval calibrate on a small set ------------------------------------------------------------------------------------
def test_calibrate_warns_when_chosen_on_too_few_questions(settings, tmp_path):
    """Calibrate on 8 questions chose and wrote values with no word on the sample size (eval run calls such a run a
    smoke test)."""
    beir = write_beir(tmp_path / "mini")
    res = C.calibrate(settings, beir, C.CalibrateOptions(split=None, out=tmp_path / "out", write=False),
                      engine_factory=_factory(ProbabilityEngine()), ingest=no_ingest)
    assert len(res["warnings"]) == 1 and res["warnings"][0].startswith("chosen on n=8 labelled questions")


def test_calibrate_judge_refuses_values_that_are_not_numbers(settings, tmp_path):
    """`--judge 0.5,off,nan` scored a cut no score is ever at or below (nan compares false): every question
    passed, and the line printed 'nan'."""
    beir = write_beir(tmp_path / "mini")
    for judge in ((0.5, None, float("nan")), (0.5, float("-inf"), None)):
        with pytest.raises(InputError, match="--judge .*the cut a number"):
            C.calibrate(settings, beir, C.CalibrateOptions(split=None, judge=judge),
                        engine_factory=_factory(ProbabilityEngine()), ingest=no_ingest)


def test_calibrate_interrupted_says_the_answers_are_kept(settings, tmp_path, monkeypatch, capsys):
    """Ctrl-C in `eval calibrate` printed only "aborted": its dev run stores each answer as `eval run` does, and
    the same command continues it."""
    from ragtune.cli import main

    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "good"}, stop_after=3))
    beir = write_beir(tmp_path / "mini")
    rc = main(["--home", str(settings.home.root), "eval", "calibrate", str(beir), "--split", "all"])
    err = capsys.readouterr().err
    assert rc == 130 and "answers so far are stored and nothing was written" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("part", ["queries.jsonl", "corpus.jsonl", "qrels", "qrels/test.tsv"])
def test_a_file_of_a_beir_folder_names_the_folder(tmp_path, part):
    """`eval run SET/queries.jsonl` was read as a training-format set: "each line needs 'prompt' and 'output'
    objects", a format the user never meant."""
    from ragtune.appliance.eval.datasets import load_dataset

    beir = write_beir(tmp_path / "mini")
    with pytest.raises(InputError, match="part of the BEIR folder") as exc:
        load_dataset(beir / part)
    assert exc.value.hint == f"give the folder: {beir}"
    assert load_dataset(beir).kind == "beir"
