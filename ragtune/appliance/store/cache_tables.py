"""The answer cache's table (`answer_cache`): a mixin of LogTables (logs.py), which removes entries when a logged
answer is forgotten or corrected. Split from logs.py (round 48) to keep each module small."""

from __future__ import annotations

import json
import time
from typing import Any


class CacheTables:
    """Mixed into Store through LogTables (see StoreBase for the connection)."""

    def cached_answer(self, key: str) -> Any | None:
        """The value stored under `key`, or None (also for a damaged entry: a miss, overwritten next time)."""
        row = self.one("SELECT value FROM answer_cache WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def cache_answer(self, key: str, value: Any, *, max_entries: int | None = None) -> None:
        """Store `value` under `key`; with `max_entries`, the oldest entries beyond it go (in batches)."""
        self.unpin("writing the answer cache")  # (snapshots.py)
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO answer_cache(key, value, created) VALUES (?, ?, ?)",
                              (key, json.dumps(value, ensure_ascii=False), time.time()))
            if max_entries is not None:
                self._evict_answers(int(self.conn.last_insert_rowid()), max(int(max_entries), 1))

    def _evict_answers(self, newest: int, bound: int) -> None:
        """Rowids are insertion order (a replaced entry is inserted anew, with the largest rowid + 1), so the span
        from the smallest to the newest bounds the count: two index lookups an insert, never a count. Past the bound
        the oldest go down to a twentieth below it, so the next inserts evict nothing (a batch, not one per insert);
        holes left by replaced entries make the cache hold a little less, never more."""
        oldest = self.scalar("SELECT min(rowid) FROM answer_cache", default=newest)
        if newest - oldest + 1 > bound:
            self.conn.execute("DELETE FROM answer_cache WHERE rowid <= ?", (newest - bound + bound // 20,))

    def _drop_cached_answers(self, answers: set[tuple[str, str]], *, everything: bool = False) -> int:
        """Remove the answer-cache entries holding one of `answers` ((answer, raw output), `_cached_as`), or every
        entry when `everything`; how many. Inside the caller's transaction (forget, review)."""
        if everything:
            return self.clear_answer_cache()
        n = 0
        for answer, raw in answers:  # CASE: a damaged entry (not JSON) is never handed to json_extract
            self.conn.execute(
                "DELETE FROM answer_cache WHERE CASE WHEN json_valid(value) THEN "
                "json_extract(value, '$.answer') = ? AND json_extract(value, '$.raw_output') = ? ELSE 0 END",
                (answer, raw))
            n += self.conn.changes()
        return n

    def clear_answer_cache(self) -> int:
        """Forget every cached answer; how many there were. One statement: atomic on its own, or part of the
        caller's transaction."""
        self.conn.execute("DELETE FROM answer_cache")
        return int(self.conn.changes())
