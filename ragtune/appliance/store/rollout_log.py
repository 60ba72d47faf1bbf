"""The query-log reads of a rollout (docs/rollout.md) anchored by row id, not time: `rollout start` records the log's
newest row id (`last_id`); the rollout's rows are those after it. Row ids only grow, while the wall clock can be
stepped back (NTP) after the start, logging rows with times "before" it. Module functions over a Store, as
health.arm_counts is (rollout_doctor reads a store opened as doctor opens it)."""

from __future__ import annotations

from typing import Any

_ARMS = "arm IN ('control', 'candidate')"


def last_id(store: Any) -> int:
    """The id of the query log's newest row; 0 when it has none."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM query_log", default=0))


def rows_after(store: Any, log_from: int, since: float) -> list[tuple]:
    """store.rollout_rows(since) after row `log_from` (not another rollout's, or none's), in one read: a prune
    between a count and a read would shift which rows a slice drops."""
    return store.rollout_rows(since, after_id=int(log_from))


def arm_counts_after(store: Any, log_from: int) -> dict[str, int]:
    """{"control": n, "candidate": n}: the answers each arm logged after row `log_from` (the (arm, ts) index holds
    the row id: nothing read but that index)."""
    out = {"control": 0, "candidate": 0}
    for arm, n in store.query(f"SELECT arm, count(*) FROM query_log WHERE {_ARMS} AND id > ? GROUP BY arm",
                              (int(log_from),)):
        out[arm] = int(n)
    return out


def clients_after(store: Any, log_from: int, since: float) -> dict[str, int]:
    """{"control": n, "candidate": n}: the distinct clients (client_id) whose answers each arm logged after row
    `log_from` and at or after `since` (a forgotten row's client is blank: not counted)."""
    out = {"control": 0, "candidate": 0}
    for arm, n in store.query(f"SELECT arm, count(DISTINCT client_id) FROM query_log WHERE {_ARMS} AND ts >= ? "
                              "AND id > ? GROUP BY arm", (float(since), int(log_from))):
        out[arm] = int(n)
    return out
