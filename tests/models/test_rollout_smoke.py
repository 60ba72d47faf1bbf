"""The promotion gate and smoke tests: an `eval run` on fewer labelled questions per arm than a decision needs is
no decision, so `rollout promote` refuses it unless --override (docs/rollout.md, docs/eval.md)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ragtune.appliance.config import Settings
from ragtune.appliance.eval import run as R
from ragtune.appliance.registry import Registry
from ragtune.appliance.store import open_store
from ragtune.cli import cli, main
from ragtune.models.rollout import RolloutState, eval_decision
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir
from tests.serve.helpers import register_adapters


def test_a_four_question_eval_does_not_open_the_gate(home, tmp_path, capsys):
    """The repro: `eval run --arms A,C --adapter ID --limit 4` of a better tune, then `rollout start ID --share 5;
    rollout promote --share 100` said "promoted to 100% and activated" with "gate": "eval go (run …)"."""
    ids = register_adapters(home)
    eng = FakeEngine({"none": "bad"}, latency_ms={"none": 100.0})  # any adapter answers well
    report = R.run_eval(Settings(home=home), write_beir(tmp_path / "mini"),
                        R.EvalOptions(arms="A,C", adapter=ids["alpha"], limit=4, safety=False, out=tmp_path / "h1"),
                        engine_factory=lambda s: eng, ingest=no_ingest)
    assert report["decision"]["smoke_test"] is True and report["decision"]["go"] is False
    runner = CliRunner()
    assert runner.invoke(cli, ["rollout", "start", ids["alpha"], "--share", "5"]).exit_code == 0
    assert main(["rollout", "promote", "--share", "100"]) == 2
    msg = capsys.readouterr().err
    assert (f"promotion refused: eval run {report['run_id']} is a smoke test, not a decision: n=4 labelled "
            f"questions per arm; a decision needs at least 30 labelled questions per arm") in msg
    assert "on enough questions (or --override, logged)" in msg
    assert Registry(home).active_state()["active"] != ids["alpha"] and RolloutState(home).current().share == 5
    res = runner.invoke(cli, ["rollout", "promote", "--share", "100", "--override", "--reason", "pilot"])
    assert res.exit_code == 0, res.output
    entry = RolloutState(home).load().history[-1]
    assert entry["action"] == "promote-100" and entry["override"] is True and entry["reason"] == "pilot"
    assert entry["gate"].startswith(f"eval run {report['run_id']} is a smoke test")
    assert Registry(home).active_state()["active"] == ids["alpha"]


def _report(home, ids, tmp_path, doc):
    out = tmp_path / "run1"
    out.mkdir(exist_ok=True)
    (out / "report.json").write_text(json.dumps(doc))
    with open_store(home) as s:
        s.ensure_eval_run("run1", "ds", {"adapter": ids["alpha"], "out": str(out)})
    return eval_decision(home, ids["alpha"])


def test_a_report_written_before_smoke_tests_were_marked_is_judged_by_its_counts(home, tmp_path):
    ids = register_adapters(home)
    go = {"go": True, "reasons": [], "checks": []}
    d = _report(home, ids, tmp_path, {"decision": go, "arms": {"A": {"n_labeled": 4}, "C": {"n_labeled": 4}}})
    assert d["go"] is False and d["smoke_test"] is True and d["why"].startswith("eval run run1 is a smoke test")
    d = _report(home, ids, tmp_path, {"decision": go, "arms": {"A": {"n_labeled": 30}, "C": {"n_labeled": 30}}})
    assert d["go"] is True and d["why"] == "eval go (run run1)" and "smoke_test" not in d
    # a report whose arms do not say (damaged, foreign): its decision is taken as it is, as before
    assert _report(home, ids, tmp_path, {"decision": go})["go"] is True
    d = _report(home, ids, tmp_path, {"decision": {**go, "go": False, "smoke_test": True}})
    assert d["go"] is False and "too few labelled questions per arm" in d["why"]
