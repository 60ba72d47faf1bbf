"""The query-log reads of a rollout (docs/rollout.md) anchored by row id, not time: `rollout start` records the log's
newest row id (`last_id`); the rollout's rows are those after it. Row ids only grow, while the wall clock can be
stepped back (NTP) after the start, logging rows with times "before" it. Given the rollout's id, only its own rows
and those without an id count (`_of`: a request routed before a rollback may log after the next start). Module
functions over a Store, as
health.arm_counts is (rollout_doctor reads a store opened as doctor opens it)."""

from __future__ import annotations

from typing import Any

_ARMS = "arm IN ('control', 'candidate')"


def _of(store: Any, rollout: str | None) -> tuple[str, tuple]:
    """The SQL (and its parameter) that keeps the rows of rollout `rollout` only: a request routed before a rollback
    and logged after the next start carries the old rollout's id and a row id after the new one's `log_from`. Rows
    with no rollout id (logged before migration 0016, or by a caller that gives none) are kept, by row id and time as
    before. None, or a database without the column (doctor reads it as it is, unmigrated): no filter."""
    if rollout is None or not any(r[1] == "rollout" for r in store.query("PRAGMA table_info(query_log)")):
        return "", ()
    return " AND (rollout = ? OR rollout IS NULL)", (str(rollout),)


def last_id(store: Any) -> int:
    """The id of the query log's newest row; 0 when it has none."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM query_log", default=0))


def rows_after(store: Any, log_from: int, since: float, rollout: str | None = None) -> list[tuple]:
    """store.rollout_rows(since) after row `log_from` (not another rollout's, or none's), and of rollout `rollout`
    (its id; rows without one kept: `_of`), in one read: a prune between a count and a read would shift which rows a
    slice drops."""
    where, own = _of(store, rollout)
    return store.rollout_rows(since, after_id=int(log_from), where=where, params=own)


def arm_counts_after(store: Any, log_from: int, rollout: str | None = None) -> dict[str, int]:
    """{"control": n, "candidate": n}: the answers each arm logged after row `log_from`, of rollout `rollout` (`_of`)
    when given (without it the (arm, ts) index holds the row id: nothing read but that index)."""
    where, own = _of(store, rollout)
    out = {"control": 0, "candidate": 0}
    for arm, n in store.query(f"SELECT arm, count(*) FROM query_log WHERE {_ARMS} AND id > ?{where} GROUP BY arm",
                              (int(log_from), *own)):
        out[arm] = int(n)
    return out


def clients_after(store: Any, log_from: int, since: float, rollout: str | None = None) -> dict[str, int]:
    """{"control": n, "candidate": n}: the distinct clients (client_id) whose answers each arm logged after row
    `log_from` and at or after `since`, of rollout `rollout` (`_of`) when given (a forgotten row's client is blank:
    not counted)."""
    where, own = _of(store, rollout)
    out = {"control": 0, "candidate": 0}
    for arm, n in store.query(f"SELECT arm, count(DISTINCT client_id) FROM query_log WHERE {_ARMS} AND ts >= ? "
                              f"AND id > ?{where} GROUP BY arm", (float(since), int(log_from), *own)):
        out[arm] = int(n)
    return out
