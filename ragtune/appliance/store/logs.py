"""The query log (one row per answered request, with its current human review), the history of its reviews
(query_reviews), and the answer cache."""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

from ..errors import StoreError
from .base import json_dumps, json_loads_or_raw

QUERY_LOG_COLUMNS = ("id", "ts", "query", "normalized_query", "model_id", "adapter_id", "system_prompt_sha256",
                     "context", "retrieved", "output", "raw_output", "valid", "repaired", "refused",
                     "refusal_reason", "timings", "tokens_prompt", "tokens_completion", "cost", "cached", "review",
                     "client_id", "arm")
# stored as JSON text, handed out as Python data (the raw text when a row is damaged)
QUERY_LOG_JSON = ("context", "retrieved", "output", "timings", "review")
QUERY_LOG_BOOL = ("valid", "repaired", "refused", "cached")
_SELECT_LOG = f"SELECT {', '.join(QUERY_LOG_COLUMNS)} FROM query_log"


def _entry(row: tuple) -> dict[str, Any]:
    d = dict(zip(QUERY_LOG_COLUMNS, row))
    for k in QUERY_LOG_JSON:
        d[k] = json_loads_or_raw(d[k])
    for k in QUERY_LOG_BOOL:
        d[k] = bool(d[k])
    return d


class LogTables:
    """Mixed into Store (see StoreBase for the connection)."""

    # -- query log ------------------------------------------------------------------------------
    def add_query_log(self, entry: dict[str, Any]) -> int:
        """Insert one query-log row; returns its id. Keys are QUERY_LOG_COLUMNS (no id); JSON columns take
        Python data, flags take bools; `ts` defaults to now."""
        row = dict(entry)
        unknown = set(row) - set(QUERY_LOG_COLUMNS[1:])
        if unknown:
            raise StoreError(f"unknown query log column(s): {', '.join(sorted(unknown))}")
        row.setdefault("ts", time.time())
        for k in QUERY_LOG_JSON:
            if k in row and row[k] is not None:
                row[k] = json_dumps(row[k])
        for k in QUERY_LOG_BOOL:
            if k in row:
                row[k] = int(bool(row[k]))
        cols = list(row)
        try:
            with self.conn:
                return self._insert(
                    f"INSERT INTO query_log({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols])
        except self._apsw.Error as exc:
            raise StoreError(f"cannot write the query log: {exc}") from None

    def query_log_entry(self, log_id: int) -> dict[str, Any] | None:
        row = self.one(_SELECT_LOG + " WHERE id = ?", (int(log_id),))
        return None if row is None else _entry(row)

    def rollout_rows(self, since: float) -> list[tuple]:
        """(arm, valid, repaired, refused, refusal_reason, output, timings, tokens_completion, cached) of the rows a
        rollout arm served since `since` (epoch seconds), oldest first."""
        return self.query(
            """SELECT arm, valid, repaired, refused, refusal_reason, output, timings, tokens_completion, cached
               FROM query_log WHERE arm IN ('control', 'candidate') AND ts >= ? ORDER BY id""", (float(since),))

    def query_log_entries(self, *, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
        """Newest first."""
        return [_entry(r) for r in self.conn.execute(_SELECT_LOG + " ORDER BY id DESC LIMIT ? OFFSET ?",
                                                     (int(limit), int(offset)))]

    def recent_questions(self, limit: int = 200) -> list[str]:
        """The last `limit` distinct questions as typed, oldest first (the chat app's input history)."""
        rows = self.conn.execute(
            "SELECT query FROM query_log WHERE id IN (SELECT max(id) FROM query_log GROUP BY query) "
            "ORDER BY id DESC LIMIT ?", (int(limit),))
        return [r[0] for r in rows][::-1]

    def iter_query_log(self, *, reviewed_only: bool = False) -> Iterator[dict[str, Any]]:
        """Oldest first; only rows with a human review when `reviewed_only`."""
        sql = _SELECT_LOG + (" WHERE review IS NOT NULL" if reviewed_only else "") + " ORDER BY id"
        for row in self.conn.execute(sql):
            yield _entry(row)

    def set_query_review(self, log_id: int, review: Any) -> bool:
        """Store a human edit (JSON data) of one logged answer as its current review and append it to the entry's
        review history (query_reviews), in one transaction; False when there is no such row."""
        text = json_dumps(review)
        with self.transaction():
            self.conn.execute("UPDATE query_log SET review = ? WHERE id = ?", (text, int(log_id)))
            if self.conn.changes() == 0:
                return False
            self.conn.execute("INSERT INTO query_reviews(log_id, reviewed_at, review) VALUES (?, ?, ?)",
                              (int(log_id), time.time(), text))
            return True

    def query_review_history(self, log_id: int) -> list[dict[str, Any]]:
        """Every review of one entry, newest (the current one) first: {"reviewed_at": epoch seconds, None for a
        review stored before the history was kept; "review": JSON data, the raw text when damaged}."""
        rows = self.conn.execute("SELECT reviewed_at, review FROM query_reviews WHERE log_id = ? ORDER BY id DESC",
                                 (int(log_id),))
        return [{"reviewed_at": ts, "review": json_loads_or_raw(text)} for ts, text in rows]

    # -- answer cache ---------------------------------------------------------------------------
    def cached_answer(self, key: str) -> Any | None:
        """The value stored under `key`, or None (also for a damaged entry: a miss, overwritten next time)."""
        row = self.one("SELECT value FROM answer_cache WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def cache_answer(self, key: str, value: Any) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO answer_cache(key, value, created) VALUES (?, ?, ?)",
                              (key, json.dumps(value, ensure_ascii=False), time.time()))

    def clear_answer_cache(self) -> int:
        """Forget every cached answer; how many there were."""
        with self.transaction():
            n = int(self.scalar("SELECT count(*) FROM answer_cache", default=0))
            self.conn.execute("DELETE FROM answer_cache")
        return n
