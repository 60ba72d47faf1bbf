"""SQLite store (apsw + sqlite-vec). SQLite is the source of truth: the Tantivy index and the vec0 table are
derived from `chunks` and repaired from it. Schema changes are named migrations, each in its own transaction.

The stdlib sqlite3 here cannot load extensions, hence apsw.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import StoreError

EMBED_DIM = 384

# (name, sql). Append only: never edit or reorder an applied migration; add a new one.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_documents_chunks",
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,      -- absolute path, or 'corpus.jsonl#doc-id' for BEIR rows
            sha256 TEXT NOT NULL,           -- content hash: unchanged documents are skipped on re-ingest
            title TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,             -- md, txt, html, pdf, docx, beir
            size INTEGER NOT NULL DEFAULT 0,
            doc_date TEXT,                  -- ISO date if the document declares one (for temporal splits)
            ingested_at REAL NOT NULL,
            n_chunks INTEGER NOT NULL DEFAULT 0,
            meta TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            text TEXT NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            n_tokens INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            UNIQUE (doc_id, ord)
        );
        CREATE INDEX chunks_doc ON chunks(doc_id);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta(key, value) VALUES ('index_version', '0');
        """,
    ),
    (
        "0002_vectors",
        f"CREATE VIRTUAL TABLE chunk_vec USING vec0(embedding float[{EMBED_DIM}] distance_metric=cosine);",
    ),
    (
        "0003_query_log_and_answer_cache",
        """
        CREATE TABLE query_log (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            query TEXT NOT NULL,
            normalized_query TEXT NOT NULL,
            model_id TEXT NOT NULL,
            adapter_id TEXT NOT NULL,
            system_prompt_sha256 TEXT NOT NULL,
            context TEXT NOT NULL,          -- JSON [{"id": "S1", "chunk_id": 7, "text": ...}]
            retrieved TEXT NOT NULL,        -- JSON [{"chunk_id", "bm25_rank", "vector_rank", "fused"}]
            output TEXT NOT NULL,           -- the answer JSON as emitted
            raw_output TEXT NOT NULL,       -- what the model produced before repair
            valid INTEGER NOT NULL,         -- schema-valid before repair
            repaired INTEGER NOT NULL,
            refused INTEGER NOT NULL,
            refusal_reason TEXT,
            timings TEXT NOT NULL,          -- JSON
            tokens_prompt INTEGER NOT NULL,
            tokens_completion INTEGER NOT NULL,
            cost REAL NOT NULL DEFAULT 0,
            cached INTEGER NOT NULL DEFAULT 0,
            review TEXT                     -- human edit: JSON answer that replaces output on export
        );
        CREATE INDEX query_log_ts ON query_log(ts);
        CREATE TABLE answer_cache (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            created REAL NOT NULL
        );
        """,
    ),
    (
        "0004_eval_runs",
        """
        CREATE TABLE eval_runs (
            id TEXT PRIMARY KEY,            -- hash of (dataset, arms, adapter, seed, settings)
            created REAL NOT NULL,
            dataset TEXT NOT NULL,
            config TEXT NOT NULL            -- JSON
        );
        CREATE TABLE eval_items (
            run_id TEXT NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
            arm TEXT NOT NULL,
            qid TEXT NOT NULL,
            result TEXT NOT NULL,           -- JSON of one answered question
            PRIMARY KEY (run_id, arm, qid)
        );
        """,
    ),
]


def _load_vec(conn: Any) -> None:
    import sqlite_vec

    conn.enable_load_extension(True)
    conn.load_extension(sqlite_vec.loadable_path())
    conn.enable_load_extension(False)


class Store:
    """One apsw connection to `ragtune.db` with sqlite-vec loaded and migrations applied."""

    def __init__(self, path: Path | str, *, readonly: bool = False):
        import apsw

        self.path = Path(path)
        self._apsw = apsw
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
            self.conn = apsw.Connection(str(self.path), flags=flags)
            self.conn.setbusytimeout(10_000)
            _load_vec(self.conn)
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
        except apsw.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from None
        if not readonly:
            self.migrate()

    # -- basics ---------------------------------------------------------------------------------
    def close(self) -> None:
        if getattr(self, "conn", None) is not None:
            self.conn.close()
            self.conn = None  # type: ignore[assignment]

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """`with store.transaction() as conn:` — all or nothing (apsw savepoint; nests)."""
        with self.conn:
            yield self.conn

    def query(self, sql: str, params: Any = ()) -> list[tuple]:
        return list(self.conn.execute(sql, params))

    def one(self, sql: str, params: Any = ()) -> tuple | None:
        for row in self.conn.execute(sql, params):
            return row
        return None

    def scalar(self, sql: str, params: Any = (), default: Any = None) -> Any:
        row = self.one(sql, params)
        return default if row is None else row[0]

    # -- migrations -----------------------------------------------------------------------------
    def migrate(self, migrations: list[tuple[str, str]] | None = None) -> list[str]:
        migrations = MIGRATIONS if migrations is None else migrations
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
        )
        done = {r[0] for r in self.conn.execute("SELECT name FROM _migrations")}
        applied = []
        for name, sql in migrations:
            if name in done:
                continue
            try:
                with self.conn:  # each migration is one transaction
                    self.conn.execute(sql)
                    self.conn.execute("INSERT INTO _migrations(name, applied_at) VALUES (?, ?)", (name, time.time()))
            except self._apsw.Error as exc:
                raise StoreError(f"{self.path}: migration {name} failed: {exc}") from None
            applied.append(name)
        return applied

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM _migrations ORDER BY name")]

    # -- meta / index version -------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        return self.scalar("SELECT value FROM meta WHERE key = ?", (key,), default)

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def index_version(self) -> int:
        """Bumped by every ingest that changes chunks; keys the retrieval cache and lexical sync."""
        return int(self.get_meta("index_version", "0") or 0)

    def bump_index_version(self) -> int:
        v = self.index_version + 1
        self.set_meta("index_version", str(v))
        return v

    # -- convenience reads ----------------------------------------------------------------------
    def count_chunks(self) -> int:
        return int(self.scalar("SELECT count(*) FROM chunks", default=0))

    def count_documents(self) -> int:
        return int(self.scalar("SELECT count(*) FROM documents", default=0))

    def chunks_by_ids(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """chunk id -> {id, doc_id, ord, text, start_char, end_char, n_tokens, sha256, source, title, doc_date}."""
        if not ids:
            return {}
        out: dict[int, dict[str, Any]] = {}
        cols = ("id", "doc_id", "ord", "text", "start_char", "end_char", "n_tokens", "sha256", "source", "title", "doc_date")
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            for row in self.conn.execute(
                f"""SELECT c.id, c.doc_id, c.ord, c.text, c.start_char, c.end_char, c.n_tokens, c.sha256,
                           d.path, d.title, d.doc_date
                    FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id IN ({marks})""",
                part,
            ):
                out[row[0]] = dict(zip(cols, row))
        return out


def json_dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def open_store(home: Any) -> Store:
    """The store of a `Home`."""
    return Store(home.db_path)


Migration = tuple[str, str]
MigrationHook = Callable[[Store], None]
