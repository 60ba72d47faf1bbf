"""Evaluation runs and their answered items (`eval_runs`, `eval_items`): what makes `ragtune eval run` resumable."""

from __future__ import annotations

import json
import time
from typing import Any

from ..errors import InputError
from ..jsonl import loads_located
from .base import json_dumps, quotes_sql


class EvalTables:
    """Mixed into Store (see StoreBase for the connection)."""

    def ensure_eval_run(self, run_id: str, dataset: str, config: dict[str, Any]) -> bool:
        """Record a run unless it is recorded already (a resumed run keeps its first config). True if new."""
        with self.transaction():
            if self.one("SELECT 1 FROM eval_runs WHERE id = ?", (run_id,)) is not None:
                return False
            self.conn.execute("INSERT INTO eval_runs(id, created, dataset, config) VALUES (?, ?, ?, ?)",
                              (run_id, time.time(), dataset, json_dumps(config)))
            return True

    def put_eval_item(self, run_id: str, arm: str, qid: str, result: dict[str, Any]) -> None:
        """Store (or replace) one answered question of a run."""
        self.put_eval_items(run_id, [(arm, qid, result)])

    def put_eval_items(self, run_id: str, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Store (or replace) many answered questions (arm, qid, result) of a run in one transaction."""
        with self.transaction():
            self.conn.executemany("INSERT OR REPLACE INTO eval_items(run_id, arm, qid, result) VALUES (?, ?, ?, ?)",
                                  [(run_id, arm, qid, json_dumps(res)) for arm, qid, res in rows])

    def eval_run_config(self, run_id: str) -> dict[str, Any] | None:
        """A recorded run's config, or None (no such run, or a config that does not read)."""
        row = self.one("SELECT config FROM eval_runs WHERE id = ?", (run_id,))
        return _config(row[0]) if row is not None else None

    def eval_items(self, run_id: str, arm: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
        """(arm, qid) -> result of a run's answered questions (of one arm when given). A damaged item (its result
        not a JSON object) is skipped, as a question not answered (a resumed run answers it again), never an error
        that stops `eval run` or `eval compare`; `damaged_eval_items` counts them."""
        sql, params = "SELECT arm, qid, result FROM eval_items WHERE run_id = ?", [run_id]
        if arm is not None:
            sql, params = sql + " AND arm = ?", params + [arm]
        out = {}
        for a, q, r in self.conn.execute(sql + " AND json_valid(result)", params):
            res = _result(r)
            if res is not None:
                out[(a, q)] = res
        return out

    def damaged_eval_items(self, run_id: str | None = None) -> int:
        """How many items (of a run, else of every run) `eval_items` and `replay_log_ids` skip: a result that is not
        a JSON object."""
        where, params = ("WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
        return sum(1 for valid, r in self.conn.execute(f"SELECT json_valid(result), result FROM eval_items {where}",
                                                       params)
                   if not valid or _result(r) is None)  # as eval_items: NaN reads in Python, not in SQLite

    def eval_runs_for_adapter(self, adapter_id: str) -> list[tuple[str, float, dict[str, Any]]]:
        """(run id, created, config) of the eval runs of this adapter (config "adapter"), newest first."""
        out = []
        for rid, created, config in self.conn.execute("SELECT id, created, config FROM eval_runs ORDER BY created DESC"):
            cfg = _config(config)
            if cfg is not None and cfg.get("adapter") == adapter_id:
                out.append((rid, created, cfg))
        return out

    def eval_done(self, run_id: str) -> set[tuple[str, str]]:
        """(arm, qid) of a run's answered questions, without reading the results."""
        return {(a, q) for a, q in self.conn.execute("SELECT arm, qid FROM eval_items WHERE run_id = ?", (run_id,))}

    def eval_done_by(self, run_id: str, code: str) -> tuple[set[tuple[str, str]], int, int]:
        """(done, other, damaged) of a run's stored answers: the (arm, qid) whose result records the answer code
        `code`, how many record another (or none: stored before round 52), and how many `eval_items` skips as
        damaged (not valid JSON to SQLite, or not read as a JSON object by `_result`, the report's own reading:
        a number of over 4,300 digits passes json_valid but not json.loads, round 53). A damaged row is answered
        again, never counted done and left out of the report."""
        done: set[tuple[str, str]] = set()
        other = damaged = 0
        for a, q, valid, r in self.conn.execute(
                "SELECT arm, qid, json_valid(result), result FROM eval_items WHERE run_id = ?", (run_id,)):
            res = _result(r) if valid else None
            if res is None:
                damaged += 1
            elif res.get("answer_code") == code:
                done.add((a, q))
            else:
                other += 1
        return done, other, damaged

    def eval_run_outs(self) -> list[str]:
        """The report folders of every recorded run (`--out` puts them anywhere), newest run first."""
        rows = self.conn.execute("SELECT json_extract(config, '$.out') FROM eval_runs ORDER BY created DESC")
        return [r[0] for r in rows if isinstance(r[0], str) and r[0]]

    def eval_datasets(self) -> list[dict[str, Any]]:
        """The distinct sets the recorded runs asked, newest run first: {"kind", "path"} as the run's config records
        its dataset (written as the run starts, so a run cut off before its report.json is there too). A run whose
        config names no set gives {"kind": None, "path": None, "out": its report folder or None} (each such run
        once). A config that is not JSON is passed over: nothing in it can be read."""
        rows = self.conn.execute(
            """SELECT json_extract(config, '$.dataset.kind'), json_extract(config, '$.dataset.path'),
                      json_extract(config, '$.out')
               FROM eval_runs WHERE json_valid(config) ORDER BY created DESC, id""")
        found: list[dict[str, Any]] = []
        seen: set[tuple[Any, ...]] = set()
        for kind, path, out in rows:
            if isinstance(path, str) and path:
                key: tuple[Any, ...] = (kind if isinstance(kind, str) else None, path)
                doc: dict[str, Any] = {"kind": key[0], "path": path}
            else:
                key = (None, None, out if isinstance(out, str) and out else None)
                doc = {"kind": None, "path": None, "out": key[2]}
            if key not in seen:
                seen.add(key)
                found.append(doc)
        return found

    def replay_runs_quoting(self, quoted: dict[str, str]) -> list[tuple[str, Any]]:
        """(run id, recorded report folder) of the replay runs whose items' contexts quote a source of some
        documents (`quoted` as LogTables.log_ids_quoting); another evaluation's chunk ids are its scratch home's."""
        return list(self.conn.execute(
            f"""SELECT r.id, json_extract(r.config, '$.out') FROM eval_runs r
                WHERE CASE WHEN json_valid(r.config) THEN json_extract(r.config, '$.dataset.kind') END = 'replay'
                  AND EXISTS (SELECT 1 FROM eval_items i WHERE i.run_id = r.id
                              AND {quotes_sql('i.result', "json_extract(i.result, '$.context')", 'key')})
                ORDER BY r.created, r.id""", quoted))

    def replay_runs_asking(self, ids: list[int], rows: list[int]) -> list[tuple[str, str | None]]:
        """(run id, report folder as recorded: `--out` as given, else HOME/eval/RUN_ID) of the replay evaluations
        that asked the question of one of the query-log entries `ids` (an item `log<ID>`, datasets.load_replay) or
        wrote one of the query-log rows `rows` (an item's `log_id`), oldest first: their report files hold those
        questions (`log forget` lists them; it does not reach files). A damaged config or item (not JSON) is
        passed over, never an error: forget calls this after it committed."""
        qids, logged = [f"log{int(i)}" for i in ids], [int(i) for i in rows]
        if not qids and not logged:
            return []
        marks = lambda xs: ", ".join("?" * len(xs))  # noqa: E731
        where = " OR ".join(w for w, p in (
            (f"i.qid IN ({marks(qids)})", qids),
            (f"CASE WHEN json_valid(i.result) THEN json_extract(i.result, '$.log_id') END IN ({marks(logged)})",
             logged)) if p)
        found = self.conn.execute(
            f"""SELECT r.id, json_extract(r.config, '$.out') FROM eval_runs r
                WHERE CASE WHEN json_valid(r.config) THEN json_extract(r.config, '$.dataset.kind') END = 'replay'
                  AND EXISTS (SELECT 1 FROM eval_items i WHERE i.run_id = r.id AND ({where}))
                ORDER BY r.created, r.id""", [*qids, *logged])
        return [(run, out if isinstance(out, str) and out else None) for run, out in found]

    def replay_log_ids(self) -> set[int]:
        """Query-log ids written by replay evaluations (so that replaying does not grow its own dataset). A damaged
        item or run config (not JSON: json_extract would raise "malformed JSON" and fail every replay and `log
        list`) is skipped (`damaged_eval_items` counts the items), as LogTables._replay_copies does."""
        rows = self.conn.execute(
            """SELECT CASE WHEN json_valid(i.result) THEN json_extract(i.result, '$.log_id') END
               FROM eval_items i JOIN eval_runs r ON r.id = i.run_id
               WHERE CASE WHEN json_valid(r.config) THEN json_extract(r.config, '$.dataset.kind') END = 'replay'""")
        return {int(r[0]) for r in rows if isinstance(r[0], int)}


def _result(text: Any) -> dict[str, Any] | None:
    """A stored item's result, or None when it does not read as a JSON object (a damaged row)."""
    try:
        res = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    return res if isinstance(res, dict) else None


def _config(text: str) -> dict[str, Any] | None:
    """A stored run config, or None when it does not read as a JSON object."""
    try:
        cfg = loads_located(text, "eval_runs.config", record=True)
    except InputError:  # damaged (a long number, [[[[… too): as any config that does not read
        return None
    return cfg if isinstance(cfg, dict) else None
