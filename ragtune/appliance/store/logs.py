"""The query log (one row per answered request, with its current human review), the history of its reviews
(query_reviews), and the answer cache."""

from __future__ import annotations

import re
import time
from typing import Any, Iterator

from ..errors import StoreError
from .base import MAX_ROW_ID, json_dumps, json_loads_or_raw, quotes_sql
from .cache_tables import CacheTables
from .log_filters import log_where

QUERY_LOG_COLUMNS = ("id", "ts", "query", "normalized_query", "model_id", "adapter_id", "system_prompt_sha256",
                     "context", "retrieved", "output", "raw_output", "valid", "repaired", "refused",
                     "refusal_reason", "timings", "tokens_prompt", "tokens_completion", "cost", "cached", "review",
                     "client_id", "arm", "forgotten", "rollout")
# stored as JSON text, handed out as Python data (the raw text when a row is damaged)
QUERY_LOG_JSON = ("context", "retrieved", "output", "timings", "review")
QUERY_LOG_BOOL = ("valid", "repaired", "refused", "cached")
_SELECT_LOG = f"SELECT {', '.join(QUERY_LOG_COLUMNS)} FROM query_log"
# What a row's text takes in the file (its numbers and the page overhead aside): the bytes a prune frees, roughly
_ROW_BYTES = " + ".join(f"coalesce(length(CAST({c} AS BLOB)), 0)" for c in (
    "query", "normalized_query", "model_id", "adapter_id", "system_prompt_sha256", "context", "retrieved", "output",
    "raw_output", "refusal_reason", "timings", "review", "client_id", "arm", "rollout"))


def _entry(row: tuple) -> dict[str, Any]:
    d = dict(zip(QUERY_LOG_COLUMNS, row))
    for k in QUERY_LOG_JSON:
        d[k] = json_loads_or_raw(d[k])
    for k in QUERY_LOG_BOOL:
        d[k] = bool(d[k])
    return d


# replay evaluations' items, guarded: a damaged config or item (not JSON) is passed over, never fails a forget
_REPLAY_ITEMS = ("eval_items i JOIN eval_runs r ON r.id = i.run_id WHERE CASE WHEN json_valid(r.config) THEN "
                 "json_extract(r.config, '$.dataset.kind') END = 'replay'")
_ITEM_LOG_ID = "CASE WHEN json_valid(i.result) THEN json_extract(i.result, '$.log_id') END"
_SOURCE_ID = re.compile(r"S\d{1,4}")  # a context id ("S1"): what a citation of a logged answer is


def _blank_answer(obj: Any) -> dict[str, Any]:
    """An answer or review without its text: its status and the ids it cited (rollout metrics count them), nothing
    a person wrote (a hand-edited row's other keys, or a citation that is not a context id, go)."""
    d = obj if isinstance(obj, dict) else {}
    cites = d.get("citations") if isinstance(d.get("citations"), list) else []
    return {"status": d.get("status") if d.get("status") in ("ok", "refused") else None, "answer": "",
            "citations": [c for c in cites if isinstance(c, str) and _SOURCE_ID.fullmatch(c)]}


def review_differs(output: Any, review: Any) -> bool:
    """Whether a review corrects the logged output: another status, or (an answer) another text (whitespace folded)
    or other cited ids. A refusal confirmed is the same whatever its wording (serving's text is fixed); an output
    that does not read as an answer cannot be confirmed, so it counts as corrected."""
    if not isinstance(output, dict) or not isinstance(review, dict):
        return True
    if output.get("status") != review.get("status"):
        return True
    if review.get("status") == "refused":
        return False
    words = [" ".join(a.split()) if isinstance(a, str) else a for a in (output.get("answer"), review.get("answer"))]
    cites = [sorted(map(str, c)) if isinstance(c, list) else c for c in (output.get("citations"),
                                                                          review.get("citations"))]
    return words[0] != words[1] or cites[0] != cites[1]


def _cached_as(data: Any, raw: Any) -> tuple[str, str] | None:
    """What matches the answer-cache entries that hold a logged answer (`data`: its output, read): (answer, raw
    output), the key being a hash; None when the answer cannot be read (no entry can be told apart: all must go)."""
    if isinstance(data, dict) and isinstance(data.get("answer"), str) and isinstance(raw, str):
        return data["answer"], raw
    return None


def _blank_timings(obj: Any) -> dict[str, Any]:
    """Timings without the scope (`ask --in`'s folders) or any other text: the numbers, the answer mode and the
    `provenance` (querylog.provenance: the version, code digest and settings that answered, no user's words; an
    auditor still needs them to tell which code and settings gave the forgotten answer's numbers)."""
    d = obj if isinstance(obj, dict) else {}
    out = {k: v for k, v in d.items() if k != "scope" and (
        v is None or isinstance(v, (int, float)) or (k == "answer_mode" and v in ("extractive", "free")))}
    if isinstance(d.get("provenance"), dict):
        out["provenance"] = _settings_only(d["provenance"], 2)
    return out


def _settings_only(obj: dict[str, Any], depth: int) -> dict[str, Any]:
    """`obj`'s scalar values and, `depth` levels down, its objects of them: the shape log_answer writes (no list)."""
    return {k: _settings_only(v, depth - 1) if isinstance(v, dict) else v for k, v in obj.items()
            if v is None or isinstance(v, (str, int, float)) or (isinstance(v, dict) and depth > 0)}


class LogTables(CacheTables):
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
        self.unpin("writing the query log")  # a snapshot left open would fail this write ("database is locked")
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

    def rollout_rows(self, since: float, after_id: int = 0, where: str = "", params: tuple = ()) -> list[tuple]:
        """(arm, valid, repaired, refused, refusal_reason, output, timings, tokens_completion, cached, reviewed,
        corrected) of the rows a rollout arm served since `since` (epoch seconds) and after row `after_id`, oldest
        first. `reviewed`: the row has a current review (a forgotten row has none); `corrected`: that review differs
        from the output (review_differs, what `log review` evicts the answer cache for). `where` (` AND …`, with its
        `params`): a further condition (rollout_log._of: one rollout's rows)."""
        rows = self.query("""SELECT arm, valid, repaired, refused, refusal_reason, output, timings, tokens_completion,
            cached, review FROM query_log WHERE arm IN ('control', 'candidate') AND ts >= ? AND id > ?"""
                          f"{where} ORDER BY id", (float(since), int(after_id), *params))
        return [(*r[:9], r[9] is not None,
                 r[9] is not None and review_differs(json_loads_or_raw(r[5]), json_loads_or_raw(r[9])))
                for r in rows]

    def query_log_entries(self, *, limit: int = 20, offset: int = 0, search: str | None = None,
                          **filters: Any) -> list[dict[str, Any]]:
        """Newest first. `search`: only the rows whose question (as typed or normalised) holds that text, ASCII case
        folded (SQLite's lower()): a person's e-mail address, to find every entry `log forget` must erase. A
        forgotten row's question is blank: it never matches. `filters`: log_where's."""
        where, params = log_where(search=search, **filters)
        return [_entry(r) for r in self.conn.execute(_SELECT_LOG + where + " ORDER BY id DESC LIMIT ? OFFSET ?",
                                                     [*params, int(limit), int(offset)])]

    def count_query_log(self, **filters: Any) -> int:
        """How many rows log_where's `filters` select (what a filtered `log list` pages through)."""
        where, params = log_where(**filters)
        return int(self.scalar("SELECT count(*) FROM query_log" + where, params, 0))

    def removed_sources(self, context: Any, seen: dict[tuple[Any, Any, Any], bool] | None = None) -> int:
        """How many of a logged context's sources quote a document removed from the index since (_source_removed):
        an entry with any is left out of `log export` unless --include-removed-sources. `seen`: the answers so far,
        kept across the entries of one read (iter_query_log)."""
        seen = {} if seen is None else seen
        return sum(self._source_removed(c, seen) for c in (context if isinstance(context, list) else [])
                   if isinstance(c, dict))

    def recent_questions(self, limit: int = 200, *, scan: int = 50_000) -> list[str]:
        """The last `limit` distinct questions as typed, oldest first (the chat app's input history), among the newest
        `scan` rows (forgotten ones count: `scan` bounds the read; older questions are not offered), read newest first
        a page at a time. Round 52 grouped the whole log on the UI thread as the chat opened (seconds at a million)."""
        found: dict[str, None] = {}  # in the order first seen, newest first
        upto, page = MAX_ROW_ID, max(1, int(limit))
        while len(found) < limit and scan > 0:
            n = min(page, scan)
            rows = self.conn.execute("SELECT id, query, forgotten IS NULL FROM query_log WHERE id <= ? "
                                     "ORDER BY id DESC LIMIT ?", (upto, n)).fetchall()
            for _id, query, kept in rows:
                if kept:
                    found.setdefault(query, None)
            if len(rows) < n:
                break
            upto, scan, page = rows[-1][0] - 1, scan - n, min(2 * page, 5_000)
        return list(found)[:max(0, int(limit))][::-1]

    def iter_query_log(self, *, reviewed_only: bool = False, removed_sources: bool = False,
                       **filters: Any) -> Iterator[dict[str, Any]]:
        """Oldest first; only rows with a human review when `reviewed_only`. Never a forgotten row (`log forget`):
        what reads the log whole (the export, `eval run --replay`) makes training data or questions of it. Streams
        (one row at a time, whatever the log's size). `removed_sources`: each entry also has "removed_sources", how
        many of its logged sources quote a document removed from the index since (_source_removed). `filters`:
        log_where's (one client's entries, a date range: a dataset of one scope's clients, docs/security.md)."""
        where, params = log_where(**filters)
        sql = _SELECT_LOG + " WHERE forgotten IS NULL" + (" AND review IS NOT NULL" if reviewed_only else "") \
            + where.replace(" WHERE ", " AND ", 1) + " ORDER BY id"
        seen: dict[tuple[Any, Any, Any], bool] = {}  # one lookup per source, not per row (bounded by the documents)
        # by pages of ids, each read whole: no statement stays open while the caller works (snapshots.py); up to the
        # last row there now, as one statement read it (rows a serve adds meanwhile are not part of it)
        last, end = -1, self.scalar("SELECT max(id) FROM query_log", default=None)
        while end is not None:
            rows = self.query(sql.replace(" ORDER BY id", " AND id > ? AND id <= ? ORDER BY id LIMIT 200"),
                              (*params, last, end))
            for row in rows:
                d = _entry(row)
                if removed_sources:
                    d["removed_sources"] = self.removed_sources(d["context"], seen)
                yield d
            if len(rows) < 200:
                return
            last = int(rows[-1][0])

    def _source_removed(self, item: dict[str, Any], seen: dict[tuple[Any, Any, Any], bool]) -> bool:
        """Whether a logged source's document was in the index when the answer was logged (log_answer recorded its
        `doc_id`) and is not any more (`docs remove`, `ingest --prune`): neither its path nor that id with that
        content names a document now (a renamed document keeps its id and sha256, an updated one its path). A source
        logged before round 44 (no `doc_id`) or from no stored document (null) is not judged: its document cannot
        be told."""
        key = (item.get("source"), item.get("doc_id"), item.get("doc_sha256"))
        if key[1] is None:
            return False
        if key not in seen:
            seen[key] = self.one("SELECT 1 FROM documents WHERE path = ? OR (id = ? AND sha256 = ?) LIMIT 1",
                                 tuple(v if isinstance(v, (str, int)) else None for v in key)) is None
        return seen[key]

    def set_query_review(self, log_id: int, review: Any) -> dict[str, int] | None:
        """Store a human edit (JSON data) of one logged answer as its current review and append it to the entry's
        review history (query_reviews), in one transaction; None when there is no such row (or it was forgotten).
        A review that differs from the logged output (review_differs: a correction) removes, in the same
        transaction, the answer-cache entries holding that output (matched as `forget_query_log` matches them), so
        the same question is not answered with what a person just corrected; a confirmation removes none.
        Returns {"cache": entries removed}."""
        text = json_dumps(review)
        with self.transaction(write=True):
            self.conn.execute("UPDATE query_log SET review = ? WHERE id = ? AND forgotten IS NULL", (text, int(log_id)))
            if self.conn.changes() == 0:
                return None
            self.conn.execute("INSERT INTO query_reviews(log_id, reviewed_at, review) VALUES (?, ?, ?)",
                              (int(log_id), time.time(), text))
            output, raw = self.one("SELECT output, raw_output FROM query_log WHERE id = ?", (int(log_id),))
            data = json_loads_or_raw(output)
            if not review_differs(data, review):
                return {"cache": 0}
            match = _cached_as(data, raw)
            return {"cache": self._drop_cached_answers(set() if match is None else {match}, everything=match is None)}

    def query_review_history(self, log_id: int) -> list[dict[str, Any]]:
        """Every review of one entry, newest (the current one) first: {"reviewed_at": epoch seconds, None for a
        review stored before the history was kept; "review": JSON data, the raw text when damaged}."""
        rows = self.conn.execute("SELECT reviewed_at, review FROM query_reviews WHERE log_id = ? ORDER BY id DESC",
                                 (int(log_id),))
        return [{"reviewed_at": ts, "review": json_loads_or_raw(text)} for ts, text in rows]

    def forgotten_ids(self, ids: list[int]) -> set[int]:
        """Those of `ids` whose row was forgotten (`log forget`): in pages, so any number of ids stays under SQLite's
        limit on parameters."""
        return self.log_ids_present(ids, forgotten_only=True)

    def log_ids_present(self, ids: Any, *, forgotten_only: bool = False) -> set[int]:
        """Those of `ids` that name a query-log row (forgotten ones only with `forgotten_only`). Reads the id and
        mark columns only, in pages of 500 ids (an erasure may list tens of thousands)."""
        wanted, out = sorted({int(i) for i in ids}), set[int]()
        cond = " AND forgotten IS NOT NULL" if forgotten_only else ""
        for at in range(0, len(wanted), 500):
            part = wanted[at:at + 500]
            out |= {r[0] for r in self.conn.execute(
                f"SELECT id FROM query_log WHERE id IN ({', '.join('?' * len(part))}){cond}", part)}
        return out

    def count_forgotten(self, *, reviewed_only: bool = False) -> int:
        """How many rows were forgotten (`log forget`); with `reviewed_only`, those that had a review (its history
        is kept): what an export leaves out for being forgotten."""
        return int(self.scalar(
            "SELECT count(*) FROM query_log q WHERE forgotten IS NOT NULL" + (
                " AND EXISTS (SELECT 1 FROM query_reviews r WHERE r.log_id = q.id)" if reviewed_only else ""),
            default=0))

    def forget_query_log(self, ids: list[int]) -> dict[str, Any]:
        """Erase what users wrote and were told in the rows `ids`, and who asked, in one transaction: the question
        (as typed and normalised), the context (the sources' text), the retrieved chunks, the answer and the raw
        model output, the scope in `timings`, `client_id` (NULL), the current review (NULL: the row is not training
        data any more, so retention keeps it no longer than an unreviewed one) and the text of every review in the
        history. Kept: the id, `ts`, the flags, `refusal_reason` (a code), the numbers (timings, tokens, cost), the
        model, adapter, arm and rollout, the answer's status and citation ids (what counts and rollout metrics read) and
        each history review's status, citation ids and time; `forgotten` is set to now. The answer-cache entries
        holding a forgotten answer go too (matched by answer and raw output: the key is a hash; every entry when a
        row's answer cannot be read). Then the write-ahead log is checkpointed and truncated, so
        the old text is in no file (secure_delete zeroes it in the database's pages), unless a reader holds it.
        The rows `eval run --replay` wrote by asking a forgotten question again (_replay_copies) are blanked the same
        way: they hold its text too.
        Returns {"forgotten": ids blanked now, "already": ids forgotten before (left as they are), "replays": ids of
        replay-eval rows blanked with them, "unknown": ids of no row, "reviews": history rows blanked, "cache":
        answer-cache entries removed, "eval_items": replay-eval items blanked (_blank_replay_items; absent when
        none), "checkpointed": whether the checkpoint completed (absent inside a caller's transaction or with no
        known id)}; with any unknown id nothing is changed."""
        wanted = sorted({int(i) for i in ids})
        out: dict[str, Any] = {"forgotten": [], "already": [], "unknown": [], "reviews": 0, "cache": 0}
        now = time.time()
        with self.transaction(write=True):
            rows = {}
            for log_id in wanted:
                row = self.one("SELECT id, forgotten, output, raw_output, timings FROM query_log WHERE id = ?",
                               (log_id,))
                if row is None:
                    out["unknown"].append(log_id)
                else:
                    rows[log_id] = row
            if out["unknown"]:
                return out
            copies = self._replay_copies(list(rows))
            for log_id in copies:
                rows[log_id] = self.one("SELECT id, forgotten, output, raw_output, timings FROM query_log WHERE id = ?",
                                        (log_id,))
            out["replays"] = []
            answers: set[tuple[str, str]] = set()  # (answer, raw output) of the cache entries to remove
            clear_cache = False
            for log_id, (_, was, output, raw, timings) in rows.items():
                if was is not None:
                    if log_id not in copies:
                        out["already"].append(log_id)
                    continue
                data = json_loads_or_raw(output)
                match = _cached_as(data, raw)
                if match is None:
                    clear_cache = True
                else:
                    answers.add(match)
                # client_id: who asked (a token's name and user, `anon@ADDRESS`, a login and terminal session)
                self.conn.execute(
                    "UPDATE query_log SET query = '', normalized_query = '', context = '[]', retrieved = '[]', "
                    "output = ?, raw_output = '', timings = ?, review = NULL, client_id = NULL, forgotten = ? "
                    "WHERE id = ?",
                    (json_dumps(_blank_answer(data)), json_dumps(_blank_timings(json_loads_or_raw(timings))), now,
                     log_id))
                for rid, text in self.query("SELECT id, review FROM query_reviews WHERE log_id = ?", (log_id,)):
                    self.conn.execute("UPDATE query_reviews SET review = ? WHERE id = ?",
                                      (json_dumps(_blank_answer(json_loads_or_raw(text))), rid))
                    out["reviews"] += 1
                out["replays" if log_id in copies else "forgotten"].append(log_id)
            out["cache"] = self._drop_cached_answers(answers, everything=clear_cache)
            items = self._blank_replay_items(wanted, sorted(rows))
            out.update({"eval_items": items} if items else {})  # only when some: the output older callers compare
        if (out["forgotten"] or out["already"] or out["replays"]) and not self.conn.in_transaction:  # committed now (not inside a
            # caller's transaction): the frames that held the text go; a second forget retries a blocked checkpoint
            out["checkpointed"] = self.checkpoint()
        return out

    def _blank_replay_items(self, ids: list[int], rows: list[int]) -> int:
        """Blank the answers replay evaluations stored in `eval_items` for the entries `ids` (item `log<ID>`) or as
        the rows `rows` (the item's `log_id`): their answer, raw output and context (the sources' text) are the
        forgotten text too, which stayed in ragtune.db (round 47). Kept: status, cited ids, flags, numbers, `log_id`
        (what replay_runs_asking and _replay_copies find them by); replays never lend answers (eval/reuse.py). Also
        for ids forgotten before: a second forget reaches what an older one left. How many items were changed."""
        qids = [f"log{int(i)}" for i in ids]
        found = self.query(
            f"SELECT i.rowid, i.result FROM {_REPLAY_ITEMS} AND (i.qid IN ({', '.join('?' * len(qids))}) OR "
            f"{_ITEM_LOG_ID} IN ({', '.join('?' * len(rows))}))", [*qids, *rows]) if qids else []
        n = 0
        for rowid, text in found:
            d = json_loads_or_raw(text)
            if not isinstance(d, dict) or (d.get("answer") in ("", None) and not d.get("context")
                                           and d.get("raw_output") in ("", None)):
                continue  # not an object, or blanked before
            d.update(answer="", raw_output="", context=[], error=None if d.get("error") is None else "forgotten")
            self.conn.execute("UPDATE eval_items SET result = ? WHERE rowid = ?", (json_dumps(d), rowid))
            n += 1
        return n

    def _replay_copies(self, ids: list[int]) -> set[int]:
        """The not yet forgotten rows, other than `ids`, that replay evaluations (Store.replay_log_ids) wrote by asking
        the question of one of the rows `ids` again: those its item (qid `log<ID>`, datasets.load_replay) recorded
        the log id of, which reaches them also once that row was blanked (a forget made before replays were
        followed), and those of the same question text (replay asks one of a question's duplicates for all)."""
        # not replay_log_ids(): unguarded, one damaged item failed every forget ("malformed JSON", round 47)
        own = {int(r[0]) for r in self.conn.execute(f"SELECT {_ITEM_LOG_ID} FROM {_REPLAY_ITEMS}")
               if isinstance(r[0], int)} - set(ids)
        if not own or not ids:
            return set()
        marks = ", ".join("?" * len(ids))
        linked = {int(r[0]) for r in self.conn.execute(
            f"SELECT {_ITEM_LOG_ID} FROM {_REPLAY_ITEMS} AND i.qid IN ({marks})", [f"log{int(i)}" for i in ids])
            if isinstance(r[0], int)}
        texts = {t for row in self.conn.execute(
            f"SELECT query, normalized_query FROM query_log WHERE forgotten IS NULL AND id IN ({marks})", ids)
            for t in row if isinstance(t, str) and t.strip()}
        same = set()
        if texts:
            tmarks = ", ".join("?" * len(texts))
            same = {int(r[0]) for r in self.conn.execute(
                f"SELECT id FROM query_log WHERE forgotten IS NULL AND (query IN ({tmarks}) OR normalized_query IN "
                f"({tmarks}))", [*texts, *texts])}
        found = (linked | same) & own
        return {int(r[0]) for r in self.conn.execute(
            f"SELECT id FROM query_log WHERE forgotten IS NULL AND id IN ({', '.join('?' * len(found))})",
            sorted(found))} if found else set()

    def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database and truncate it (the frames that wrote deleted or blanked text
        go with it); False when a reader or writer of another connection kept it from completing."""
        busy, _, _ = self.one("PRAGMA wal_checkpoint(TRUNCATE)") or (1, 0, 0)
        return not busy

    # -- retention --------------------------------------------------------------------------------
    def prune_query_log(self, *, before: float | None = None, keep: int | None = None, keep_reviewed: bool = True,
                        keep_arms: bool = False, limit: int | None = None, dry_run: bool = False,
                        measure: bool = True) -> dict[str, int]:
        """Remove query-log rows with their review history, in one transaction: the rows written before `before`
        (epoch seconds) that are not among the newest `keep` (at least one of the two), oldest first, at most
        `limit`. Never the newest row (SQLite gives a new row the largest id + 1: an id must not come to name
        another entry), a reviewed one when `keep_reviewed` (a forgotten row has no current review: it goes as an
        unreviewed one), or one a rollout arm served when `keep_arms`.
        Returns {"rows", "reviews" (history rows removed with them), "bytes" (their text, when `measure`),
        "kept_reviewed" (rows of the selection kept for their review), and without `keep_arms` (when `measure`, and
        only when some) "arm_rows": of "rows", those a rollout arm served, which automatic retention keeps}; `dry_run`:
        what would go, nothing removed."""
        if before is None and keep is None:
            raise StoreError("a prune needs an age (before) or a number of newest rows to keep (keep)")
        out = {"rows": 0, "reviews": 0, "bytes": 0, "kept_reviewed": 0}
        with self.transaction(write=True):
            newest = self.scalar("SELECT max(id) FROM query_log")
            cut = newest if keep is None else self.scalar(
                "SELECT id FROM query_log ORDER BY id DESC LIMIT 1 OFFSET ?", (max(int(keep), 1) - 1,))
            if newest is None or cut is None:  # an empty log, or no more rows than `keep`
                return out
            # `+id`: the ts index (or query_log_prunable, whose condition the terms below repeat) finds the rows
            where, params = ["+id < ?"], [min(int(newest), int(cut))]
            if before is not None:
                where.append("ts < ?")
                params.append(float(before))
            if keep_arms:
                where.append("arm IS NULL")
            selected = " AND ".join(where)
            if keep_reviewed:
                if measure:
                    out["kept_reviewed"] = int(self.scalar(
                        f"SELECT count(*) FROM query_log WHERE {selected} AND review IS NOT NULL", params, 0))
                selected += " AND review IS NULL"
            if measure and not keep_arms:  # automatic retention keeps these (keep_arms): `log prune` says how many
                arm_rows = int(self.scalar(f"SELECT count(*) FROM query_log WHERE {selected} AND arm IS NOT NULL",
                                           params, 0))
                out.update({"arm_rows": arm_rows} if arm_rows else {})
            # automatic retention's pass: the index of exactly these rows (the planner, without statistics, takes
            # query_log_arm_ts and reads every old reviewed row, kilobytes each, to skip it)
            table = "query_log INDEXED BY query_log_prunable" if keep_reviewed and keep_arms and before is not None \
                else "query_log"
            ids = f"SELECT id FROM {table} WHERE {selected} ORDER BY ts, id" + ("" if limit is None else " LIMIT ?")
            params += [] if limit is None else [int(limit)]
            if measure or dry_run:
                # the sum reads each row's kilobytes: not for a count alone (retention's one notice of a backlog)
                size_sql = f"sum({_ROW_BYTES})" if measure else "0"
                n, size = self.one(f"SELECT count(*), {size_sql} FROM query_log WHERE id IN ({ids})", params)
                out["rows"], out["bytes"] = int(n), int(size or 0) if measure else 0
            if dry_run:
                out["reviews"] = int(self.scalar(f"SELECT count(*) FROM query_reviews WHERE log_id IN ({ids})",
                                                 params, 0))
                return out
            # the history explicitly, not by the foreign key's cascade: that needs PRAGMA foreign_keys on this
            # connection, and a prune must never leave reviews of a row that no longer exists
            self.conn.execute(f"DELETE FROM query_reviews WHERE log_id IN ({ids})", params)
            out["reviews"] = self.conn.changes()
            self.conn.execute(f"DELETE FROM query_log WHERE id IN ({ids})", params)
            out["rows"] = self.conn.changes()
        return out

    def database_bytes(self) -> dict[str, int]:
        """{"file": ragtune.db with its write-ahead log, "free": of it, the pages SQLite reuses for new rows}."""
        page = int(self.scalar("PRAGMA page_size", default=0))
        free = int(self.scalar("PRAGMA freelist_count", default=0))
        size = sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + "-wal")) if p.exists())
        return {"file": size, "free": free * page}

    def vacuum(self) -> None:
        """Rewrite the database without its free pages, so that the file shrinks (after a prune). SQLite writes a
        new copy first: it needs free disk about the size of the database, and other writers wait meanwhile."""
        self.conn.execute("VACUUM")
        list(self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))  # the copy went through the -wal file: give it back

    # -- sources --------------------------------------------------------------------------------
    def log_ids_quoting(self, quoted: dict[str, str]) -> list[int]:
        """Ids of the query-log entries (not forgotten) whose context quotes a source of some documents (`quoted`:
        {"cids", "dids", "paths"}, each a JSON array): what `docs remove` names for `log forget`."""
        return [int(r[0]) for r in self.conn.execute(
            f"SELECT id FROM query_log WHERE forgotten IS NULL AND {quotes_sql('context', 'context', 'source')} "
            "ORDER BY id", quoted)]
