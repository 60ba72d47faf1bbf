"""Round 47 review: NFKC in normalize_answer moves scores on text with ligatures, full-width characters and
superscripts, so a run scored before it and one scored after can differ on answers nobody changed. Each report.json
records the metrics_version that scored it; `eval compare` says in a note when two runs' versions differ."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ragtune.appliance.eval import metrics as M
from ragtune.appliance.eval import paired as P
from ragtune.appliance.eval import run as R
from ragtune.cli import cli
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir


@pytest.fixture(autouse=True)
def fake_adapters(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)


def _run(settings, beir, out, mode, seed):
    return R.run_eval(settings, beir, R.EvalOptions(out=out, safety=False, arms="A", seed=seed),
                      engine_factory=lambda s: FakeEngine({"none": mode}), ingest=no_ingest)


def test_a_report_records_its_metrics_version_and_compare_warns_on_a_mismatch(settings, tmp_path):
    assert M.METRICS_VERSION >= 2 and M.normalize_answer("ﬁle ２") == "file 2"  # the change the version marks
    beir = write_beir(tmp_path / "mini")
    assert _run(settings, beir, tmp_path / "old", "bad", 0)["metrics_version"] == M.METRICS_VERSION
    _run(settings, beir, tmp_path / "new", "good", 1)
    assert json.loads((tmp_path / "new" / "report.json").read_text())["metrics_version"] == M.METRICS_VERSION
    same = P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A")
    assert not any("answer metrics" in n for n in same["notes"])

    report = tmp_path / "old" / "report.json"  # a run scored before the field: version 1
    doc = json.loads(report.read_text())
    del doc["metrics_version"]
    report.write_text(json.dumps(doc))
    res = P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A")
    assert [n for n in res["notes"] if f"version 1 vs {M.METRICS_VERSION}" in n and "ligatures" in n]
    out = CliRunner().invoke(cli, ["eval", "compare", str(tmp_path / "old"), str(tmp_path / "new"), "--arm", "A"])
    assert out.exit_code == 0, out.output
    assert "note: scored by different answer metrics" in out.output
