"""Round 42 follow-ups in eval: report.md's sample of failed items joins the gold answers (not a Python list's repr),
as report.html does; `ragtune eval --help` names every input its commands take, not only BEIR sets."""

from __future__ import annotations

from click.testing import CliRunner

from ragtune.appliance.eval import report as REP
from ragtune.appliance.eval import run as R
from ragtune.cli import cli
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir


def test_report_md_joins_the_gold_answers_of_a_failed_item(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None))
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "good"}))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)
    rep = R.run_eval(settings, write_beir(tmp_path / "mini"), R.EvalOptions(arms="A", out=tmp_path / "out"))
    rep["failures"]["A"] = [{"qid": "q9", "question": "Which?", "gold": ["a 1", "b|2"], "status": "ok",
                             "answer": "no", "cited": [], "where": "wrong"}]
    md = REP.render_markdown(rep)
    line = next(x for x in md.splitlines() if "`q9`" in x)
    assert "gold a 1, b\\|2;" in line and "[" not in line, line  # was: gold ['a 1', 'b|2']
    html = REP.render_html(rep)
    assert "a 1, b|2" in html  # the same join in both


def test_eval_help_names_every_input_not_only_beir_sets():
    out = CliRunner().invoke(cli, ["eval", "--help"]).output
    assert "on BEIR-format sets" not in out
    flat = " ".join(out.split())
    for word in ("BEIR folder", "training-format JSONL", "--replay", "--corpus"):
        assert word in flat, (word, out)


def test_docs_name_the_unjudged_queries_key_and_line_of_eval_retrieval():
    import inspect
    from pathlib import Path

    from ragtune.cli import evalret_cmd

    doc = " ".join((Path(__file__).parents[2] / "docs" / "retrieval.md").read_text().split())
    assert '"queries_unjudged"' in doc
    line = "without a relevant judgement in the qrels left out"
    assert line in inspect.getsource(evalret_cmd) and line in doc  # the doc quotes the line the CLI prints
