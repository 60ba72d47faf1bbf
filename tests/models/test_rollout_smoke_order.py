"""A smoke test is no decision, so it must not hide one: a quick `eval run --limit 4` after a real 200-question run
leaves the real run's verdict as the gate's (models/rollout.eval_decision)."""

from __future__ import annotations

import json

from ragtune.appliance.registry import Registry
from ragtune.appliance.store import open_store
from ragtune.models.rollout import eval_decision
from tests.serve.helpers import register_adapters

GO = {"go": True, "reasons": [], "checks": []}
NO_GO = {"go": False, "reasons": ["task success +1 < +5"], "checks": []}


def _run(home, tmp_path, adapter, run_id, created, decision, n):
    """Record eval run `run_id` of `adapter` at time `created` whose arms each have n labelled questions."""
    out = tmp_path / run_id
    out.mkdir()
    doc = {"decision": decision, "arms": {"A": {"n_labeled": n}, "C": {"n_labeled": n}}}
    (out / "report.json").write_text(json.dumps(doc))
    with open_store(home) as s:
        s.ensure_eval_run(run_id, "ds", {"adapter": adapter, "out": str(out)})
        with s.transaction():  # a set order, not two time.time() calls that may tie
            s.conn.execute("UPDATE eval_runs SET created = ? WHERE id = ?", (created, run_id))


def test_a_smoke_test_after_a_real_run_leaves_the_real_decision(home, tmp_path):
    ids = register_adapters(home)
    _run(home, tmp_path, ids["alpha"], "real", 100.0, GO, 200)
    _run(home, tmp_path, ids["alpha"], "quick", 200.0, {**GO, "go": False, "smoke_test": True}, 4)
    _run(home, tmp_path, ids["alpha"], "quick2", 300.0, GO, 4)  # unmarked, judged by its counts
    _run(home, tmp_path, ids["beta"], "other", 400.0, NO_GO, 200)  # another adapter's run does not count
    d = eval_decision(home, ids["alpha"])
    assert d["go"] is True and d["run_id"] == "real" and d["why"] == "eval go (run real)" and "smoke_test" not in d


def test_the_newest_real_run_wins_over_older_ones_behind_a_smoke_test(home, tmp_path):
    ids = register_adapters(home)
    _run(home, tmp_path, ids["alpha"], "old", 100.0, GO, 200)
    _run(home, tmp_path, ids["alpha"], "new", 200.0, NO_GO, 200)
    _run(home, tmp_path, ids["alpha"], "quick", 300.0, GO, 4)
    d = eval_decision(home, ids["alpha"])
    assert d["go"] is False and d["run_id"] == "new" and d["why"] == "eval no-go: task success +1 < +5 (run new)"


def test_with_only_smoke_tests_the_newest_ones_refusal_is_returned(home, tmp_path):
    ids = register_adapters(home)
    _run(home, tmp_path, ids["alpha"], "quick1", 100.0, GO, 4)
    _run(home, tmp_path, ids["alpha"], "quick2", 200.0, GO, 8)
    d = eval_decision(home, ids["alpha"])
    assert d["go"] is False and d["smoke_test"] is True and d["run_id"] == "quick2"
    assert d["why"].startswith("eval run quick2 is a smoke test, not a decision: n=8 labelled questions per arm")


def test_a_smoke_test_does_not_hide_the_built_in_adapters_manifest_decision(home, tmp_path, monkeypatch):
    from ragtune.appliance import builtin_adapters
    from tests.gguf_helpers import write_builtin

    monkeypatch.setenv(builtin_adapters.ENV, str(tmp_path / "shipped"))
    write_builtin(tmp_path / "shipped")
    shipped = Registry(home).builtin_adapter().id
    _run(home, tmp_path, shipped, "quick", 100.0, GO, 4)
    d = eval_decision(home, shipped)
    assert d["go"] is True and "manifest" in d["why"] and "smoke_test" not in d
