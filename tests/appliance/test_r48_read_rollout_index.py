"""Round 48 read-through of migration 0016: it also indexes query_log(arm, rollout), so a rollout's counts by arm
(rollout_log.arm_counts_after with its id, run by every status and live check) are answered from the index instead
of reading every row of the log (690 ms against 80 ms at 200k rows); both statements of the migration run, on a new
home and on an older one; QUERY_LOG_ROLLOUT is found by name, not by being the last migration."""

from __future__ import annotations

from ragtune.appliance.store import MIGRATIONS, Store, rollout_log
from ragtune.appliance.store.schema import QUERY_LOG_ROLLOUT

_COUNTS = ("SELECT arm, count(*) FROM query_log WHERE arm IN ('control', 'candidate') AND id > ? "
           "AND (rollout = ? OR rollout IS NULL) GROUP BY arm")


def _indexes(s):
    return {r[0] for r in s.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'query_log'")}


def _row(s, arm, rollout):
    s.conn.execute("INSERT INTO query_log(ts, query, normalized_query, model_id, adapter_id, system_prompt_sha256, "
                   "context, retrieved, output, raw_output, valid, repaired, refused, timings, tokens_prompt, "
                   "tokens_completion, arm" + (", rollout" if rollout is not None else "") + ") VALUES (1, 'q', 'q', "
                   "'m', 'a', 'x', '[]', '[]', '{}', '', 1, 0, 0, '{}', 1, 1, ?" + (", ?)" if rollout else ")"),
                   (arm, rollout) if rollout else (arm,))


def test_a_new_home_counts_a_rollouts_arms_from_the_index(tmp_path):
    assert QUERY_LOG_ROLLOUT[0] == "0016_query_log_rollout" and QUERY_LOG_ROLLOUT in MIGRATIONS
    with Store(tmp_path / "a.db") as s:
        assert "query_log_arm_rollout" in _indexes(s)
        plan = " ".join(str(r[-1]) for r in s.query("EXPLAIN QUERY PLAN " + _COUNTS, (0, "r1")))
        assert "COVERING INDEX query_log_arm_rollout" in plan, plan
        for arm, rid in (("control", "r1"), ("candidate", "r1"), ("candidate", "r0"), ("control", None)):
            _row(s, arm, rid)
        assert rollout_log.arm_counts_after(s, 0, "r1") == {"control": 2, "candidate": 1}


def test_an_older_home_gets_the_column_and_the_index(tmp_path, monkeypatch):
    import ragtune.appliance.store.base as base

    path = tmp_path / "old.db"
    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != QUERY_LOG_ROLLOUT[0]])
    with Store(path) as s:
        _row(s, "control", None)
        assert "query_log_arm_rollout" not in _indexes(s)
    monkeypatch.undo()
    with Store(path) as s:
        assert s.migrated == [QUERY_LOG_ROLLOUT[0]]
        assert "query_log_arm_rollout" in _indexes(s)
        assert rollout_log.arm_counts_after(s, 0, "r1") == {"control": 1, "candidate": 0}
