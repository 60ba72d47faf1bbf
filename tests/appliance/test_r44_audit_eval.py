"""R44 audit: an eval report names the code that answered (package version and answer-code digest), in
report.json, the `--json` object, report.md and report.html."""

from __future__ import annotations

import json

import pytest

from ragtune import __version__
from ragtune.appliance.answer_code import answer_code_digest
from ragtune.appliance.eval import report as REP
from ragtune.appliance.eval import run as R
from ragtune.appliance.eval.report_render import code_label
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "good", "ad1": "hallucinate"}))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)


def test_report_records_the_code_that_answered(settings, tmp_path):
    out = tmp_path / "out"
    rep = R.run_eval(settings, write_beir(tmp_path / "mini"), R.EvalOptions(adapter="ad1", out=out))
    code = {"ragtune": __version__, "answer_code": answer_code_digest()}
    assert rep["code"] == code  # the object `eval run --json` prints
    assert json.loads((out / "report.json").read_text())["code"] == code
    label = f"Code: ragtune {__version__}, answer code {code['answer_code'][:12]}."
    assert label in (out / "report.md").read_text() and label in (out / "report.html").read_text()
    earlier = {"ragtune": "0.1.0", "answer_code": "ab" * 32}  # a report re-rendered later keeps who made it
    REP.write_reports({**rep, "code": earlier}, out)
    assert json.loads((out / "report.json").read_text())["code"] == earlier


def test_a_report_from_before_has_no_code_line_and_keeps_its_own():
    assert code_label({}) == "" and code_label({"code": "damaged"}) == ""
    old = {"code": {"ragtune": "0.1.0", "answer_code": "ab" * 32}}
    assert code_label(old) == " Code: ragtune 0.1.0, answer code abababababab."
