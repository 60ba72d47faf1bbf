"""The schema of `ragtune.db`: named migrations, applied in order, each in its own transaction (see
StoreBase.migrate). Append only: never edit or reorder an applied migration; add a new one."""

from __future__ import annotations

import re
import time
from typing import Any, Callable, Iterable

from ..errors import BusyError

EMBED_DIM = 384


def _foreign_keys_off(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Marks a migration apply_migration runs with `PRAGMA foreign_keys` off (a no-op inside a transaction: it is
    set before the migration's own): one that rebuilds a table another table's foreign key names (0017)."""
    fn.foreign_keys_off = True  # type: ignore[attr-defined]
    return fn


# (name, sql), or (name, a function of the connection) for a migration SQL alone cannot write (0015, 0017)
MIGRATIONS: list[tuple[str, str | Callable[[Any], None]]] = [
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
    (
        # Derived vector indexes (vectors.VectorIndex: the f32 row and code files) follow the store
        # incrementally by replaying this log; triggers keep it whoever writes chunks (ingest, tools, benchmarks).
        # A chunk id could come back after a delete (INTEGER PRIMARY KEY reuses the largest; not since 0015, but a
        # log written before holds such ids), hence a log, not a diff.
        "0005_vector_changes",
        """
        CREATE TABLE vector_changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            chunk_id INTEGER NOT NULL,
            added INTEGER NOT NULL          -- 1: the chunk (and its vector) was added, 0: removed
        );
        CREATE TRIGGER chunks_added AFTER INSERT ON chunks BEGIN
            INSERT INTO vector_changes(chunk_id, added) VALUES (new.id, 1);
        END;
        CREATE TRIGGER chunks_removed AFTER DELETE ON chunks BEGIN
            INSERT INTO vector_changes(chunk_id, added) VALUES (old.id, 0);
        END;
        """,
    ),
    (
        "0006_query_log_client_arm",
        """
        ALTER TABLE query_log ADD COLUMN client_id TEXT;   -- who asked (serve: token name / user; CLI: session)
        ALTER TABLE query_log ADD COLUMN arm TEXT;         -- rollout arm: control | candidate | NULL
        CREATE INDEX query_log_arm_ts ON query_log(arm, ts);
        """,
    ),
    (
        # sha256 of the exact text the embedder was given for the chunk (title line + chunk text): a re-ingested
        # document reuses the stored vector of a chunk whose embedding text is unchanged. NULL on rows written
        # before (ingest derives it from the stored title, text and n_tokens then).
        "0007_chunk_embed_sha256",
        "ALTER TABLE chunks ADD COLUMN embed_sha256 TEXT;",
    ),
    (
        # Reuse is keyed on what the embedder encodes, not on its text: a sha256 of the chunk's token ids (embed.py
        # `Embedder.token_ids`: [CLS] … [SEP], truncated at max_seq_len), so a whitespace-only change keeps the
        # vector (ingest/reuse.py `ids_key`). The text hashes 0007 stored match no such key: cleared (NULL: ingest
        # derives the key from the stored title, text and n_tokens, as for rows written before 0007).
        "0008_chunk_embed_ids_sha256",
        """
        ALTER TABLE chunks RENAME COLUMN embed_sha256 TO embed_ids_sha256;
        UPDATE chunks SET embed_ids_sha256 = NULL WHERE embed_ids_sha256 IS NOT NULL;
        """,
    ),
    (
        # Files a loader could not read (corrupt PDF, binary .txt, empty file …), by path: the next ingest does not
        # read one again while its content (sha256 of its bytes) and its kind's loader version are the same
        # (ingest/failures.py). A cache: dropping rows only costs a re-read. IF NOT EXISTS: re-running it is a no-op.
        "0009_ingest_failures",
        """
        CREATE TABLE IF NOT EXISTS ingest_failures (
            path TEXT PRIMARY KEY,          -- absolute path, as documents.path
            sha256 TEXT NOT NULL,           -- of the file's bytes when it failed
            kind TEXT NOT NULL,             -- md, txt, html, pdf, docx
            loader_version INTEGER NOT NULL, -- LOADER_VERSIONS[kind] then: a newer loader reads it again
            reason TEXT NOT NULL,           -- the one-line reason the ingest printed
            failed_at REAL NOT NULL
        );
        """,
    ),
    (
        # Every human review of a query-log entry, kept (`log review` replaced the one in query_log.review, and the
        # earlier one was lost). query_log.review stays the current review (what `log export` uses); this is its
        # history, written in the same transaction. Reviews stored before keep their text as the first history
        # row, their time unknown (NULL). IF NOT EXISTS and NOT EXISTS: re-running it is a no-op.
        "0010_query_review_history",
        """
        CREATE TABLE IF NOT EXISTS query_reviews (
            id INTEGER PRIMARY KEY,         -- the order reviews were stored in
            log_id INTEGER NOT NULL REFERENCES query_log(id) ON DELETE CASCADE,
            reviewed_at REAL,               -- epoch seconds; NULL for a review stored before this migration
            review TEXT NOT NULL            -- the answer JSON, as query_log.review
        );
        CREATE INDEX IF NOT EXISTS query_reviews_log ON query_reviews(log_id, id);
        INSERT INTO query_reviews(log_id, reviewed_at, review)
            SELECT q.id, NULL, q.review FROM query_log q
            WHERE q.review IS NOT NULL AND NOT EXISTS (SELECT 1 FROM query_reviews r WHERE r.log_id = q.id)
            ORDER BY q.id;
        """,
    ),
    (
        # Retention ([retention] query_log_days, logs.prune_query_log): the rows automatic retention may remove (no
        # human review: those are training data; no rollout arm: a running rollout reads those) by age, so that
        # finding the next batch is an index range and a check with nothing to remove never reads the rows it keeps
        # (a reviewed row's `review` sits after its kilobytes of context). IF NOT EXISTS: re-running it is a no-op.
        "0011_query_log_prunable",
        "CREATE INDEX IF NOT EXISTS query_log_prunable ON query_log(ts) WHERE review IS NULL AND arm IS NULL;",
    ),
    (
        # A wide scope thins its over-fetched candidates to its documents by chunk id -> document id
        # (corpus.chunk_doc_ids). By rowid that reads each candidate's table row (its text, ~1 kB: ~1.3 µs a
        # candidate at 100k chunks); this index answers it from ~12-byte entries (~0.45 µs; ~1.4 MB, built in
        # ~0.1 s at 100k chunks). The planner, without statistics, still takes the rowid: the query names it
        # (INDEXED BY). IF NOT EXISTS: re-running it is a no-op.
        "0012_chunks_id_doc",
        "CREATE INDEX IF NOT EXISTS chunks_id_doc ON chunks(id, doc_id);",
    ),
    (
        # `ragtune log forget ID`: a user asked for their question to be erased. The row's text is blanked in place
        # (logs.forget_query_log) and this says when; the row, its id and its numbers stay, so counts, rollout
        # metrics and ids held elsewhere (eval records) keep their meaning. NULL: not forgotten.
        "0013_query_log_forgotten",
        "ALTER TABLE query_log ADD COLUMN forgotten REAL;",
    ),
    (
        # `log forget` now also blanks who asked (client_id: a token's name and user, `anon@ADDRESS`, a login and
        # terminal session) and drops the current review (the text was gone; the row, never exported again, is
        # not training data, so retention treats it as unreviewed; the history keeps the reviews' status,
        # citations and times). The rows forgotten before get the same. Re-running it is a no-op.
        "0014_forgotten_rows_anonymous",
        "UPDATE query_log SET client_id = NULL, review = NULL "
        "WHERE forgotten IS NOT NULL AND (client_id IS NOT NULL OR review IS NOT NULL);",
    ),
    (
        # A chunk id is never given twice: `INTEGER PRIMARY KEY` gave a new chunk the largest id + 1, so a re-ingest
        # that removed the newest chunks handed their ids to other text, and an older log row's (or eval item's)
        # `chunk_id` then named that text (docs/upgrading.md). AUTOINCREMENT needs the table rebuilt (SQLite cannot
        # add it in place): `_chunk_ids_not_reused`, below.
        "0015_chunk_ids_not_reused",
        lambda conn: _chunk_ids_not_reused(conn),
    ),
    (
        # `arm` said "control" or "candidate" but not of which rollout: two rollouts of one adapter (or a rollback
        # and a new start) could not be told apart in `log list`, a review or the live compare. NULL: a row outside
        # a rollout, or logged before this migration. ADD COLUMN: no table rewrite, instant on a log of any size.
        # The index answers a rollout's counts by arm (rollout_log.arm_counts_after, run by every `rollout status`
        # and live check) from its entries: 80 ms against 690 ms at 200k rows of 4 kB (2 busy cores); built in
        # ~0.9 s on such a log. apsw runs both statements of the string.
        "0016_query_log_rollout",
        "ALTER TABLE query_log ADD COLUMN rollout TEXT;\n"
        "CREATE INDEX IF NOT EXISTS query_log_arm_rollout ON query_log(arm, rollout);",
    ),
    (
        # A document id is never given twice either: a removal of the newest document (`docs remove`, `ingest
        # --prune`) gave its id to the next document ingested, so a log row's `doc_id`, a logged scope's `doc_ids`
        # or a scope naming "42" then named another document. Rebuilt as 0015 rebuilt chunks
        # (`_document_ids_not_reused`, below), with foreign keys off: chunks' `doc_id` names this table, and a
        # DROP of it with them on would delete every chunk (apply_migration turns them off around it).
        "0017_documents_ids_not_reused",
        _foreign_keys_off(lambda conn: _document_ids_not_reused(conn)),
    ),
]
QUERY_LOG_ROLLOUT = next(m for m in MIGRATIONS if m[0] == "0016_query_log_rollout")


def _number(name: str) -> int | None:
    head = name.partition("_")[0]
    return int(head) if head.isdigit() else None


def newer_migrations(applied: Iterable[str]) -> list[str]:
    """The applied migrations a newer ragtune added: unknown here and numbered past the last one this version knows
    (a home upgraded, then opened by the older ragtune it was upgraded from). Sorted. An unknown name numbered within
    ours (a test's re-run of one, `0012_again`) is not one."""
    known = {name for name, _ in MIGRATIONS}
    last = max(n for n in map(_number, known) if n is not None)
    return sorted(name for name in applied if name not in known and (_number(name) or 0) > last)


# Where 0015 starts the chunk id sequence: past every id handed out before, the stored chunks', the vector change
# log's and those the query log and eval items cite (a damaged JSON row is passed over).
_CHUNK_ID_SEED = """
DELETE FROM sqlite_sequence WHERE name IN ('chunks', 'chunks_0015');
INSERT INTO sqlite_sequence(name, seq) SELECT 'chunks', max(
    (SELECT coalesce(max(id), 0) FROM chunks),
    (SELECT coalesce(max(chunk_id), 0) FROM vector_changes),
    (SELECT coalesce(max(CAST(j.value AS INTEGER)), 0) FROM query_log q,
        json_tree(CASE WHEN json_valid(q.context) THEN q.context ELSE '[]' END) j
        WHERE j.key = 'chunk_id' AND j.type = 'integer'),
    (SELECT coalesce(max(CAST(j.value AS INTEGER)), 0) FROM query_log q,
        json_tree(CASE WHEN json_valid(q.retrieved) THEN q.retrieved ELSE '[]' END) j
        WHERE j.key = 'chunk_id' AND j.type = 'integer'),
    (SELECT coalesce(max(CAST(j.value AS INTEGER)), 0) FROM eval_items e,
        json_tree(CASE WHEN json_valid(e.result) THEN e.result ELSE '{}' END) j
        WHERE (j.key = 'chunk_id' OR j.path = '$.retrieved') AND j.type = 'integer'));
"""


# Where 0017 starts the document id sequence: past every document id handed out before, the stored documents' and
# chunks', those the query log's context items (`doc_id`) and logged scopes (`timings.scope.doc_ids`) name, and any
# an eval item holds under those keys (a damaged JSON row is passed over; newer SQLite quotes `"doc_ids"` in a path).
_DOC_ID_SEED = """
DELETE FROM sqlite_sequence WHERE name IN ('documents', 'documents_0017');
INSERT INTO sqlite_sequence(name, seq) SELECT 'documents', max(
    (SELECT coalesce(max(id), 0) FROM documents),
    (SELECT coalesce(max(doc_id), 0) FROM chunks),
    (SELECT coalesce(max(CAST(j.value AS INTEGER)), 0) FROM query_log q,
        json_tree(CASE WHEN json_valid(q.context) THEN q.context ELSE '[]' END) j
        WHERE j.key = 'doc_id' AND j.type = 'integer'),
    (SELECT coalesce(max(CAST(j.value AS INTEGER)), 0) FROM query_log q,
        json_tree(CASE WHEN instr(q.timings, 'doc_ids') AND json_valid(q.timings) THEN q.timings ELSE '{}' END) j
        WHERE (j.path LIKE '%.doc_ids' OR j.path LIKE '%."doc_ids"') AND j.type = 'integer'),
    (SELECT coalesce(max(CAST(j.value AS INTEGER)), 0) FROM eval_items e,
        json_tree(CASE WHEN instr(e.result, 'doc_id') AND json_valid(e.result) THEN e.result ELSE '{}' END) j
        WHERE (j.key = 'doc_id' OR j.path LIKE '%.doc_ids' OR j.path LIKE '%."doc_ids"') AND j.type = 'integer'));
"""


def _chunk_ids_not_reused(conn: Any) -> None:
    """0015: `chunks` rebuilt with AUTOINCREMENT, in the caller's transaction (_rebuilt_autoincrement). The vectors
    (chunk_vec rowids, vectors/), the keyword index and the vector change log stay valid and nothing is embedded
    again; its indexes and triggers (0005's, 0012's …) are re-created after the copy (which logs no vector change)."""
    _rebuilt_autoincrement(conn, "chunks", REBUILD, _CHUNK_ID_SEED)


def _document_ids_not_reused(conn: Any) -> None:
    """0017: `documents` rebuilt with AUTOINCREMENT, as 0015 rebuilt chunks, ids kept: chunks' `doc_id`, the keyword
    index's and every logged id still name their document. Only with foreign keys off (apply_migration): the DROP of
    the old table would otherwise delete every chunk by their ON DELETE CASCADE."""
    _rebuilt_autoincrement(conn, "documents", DOC_REBUILD, _DOC_ID_SEED,
                           fk_refusal="documents can only be rebuilt with foreign keys off (its DROP would delete "
                                      "every chunk)")


def _rebuilt_autoincrement(conn: Any, name: str, migration: str, seed: str, fk_refusal: str = "") -> None:
    """Table `name` rebuilt with `id INTEGER PRIMARY KEY AUTOINCREMENT`, in the caller's transaction, then its id
    sequence set by `seed`. The home's own table is copied as it is: its columns (from its CREATE statement, as
    SQLite keeps it after ALTERs, constraints and foreign keys with them), rows and ids; its indexes and triggers
    re-created from their own statements after the copy. Rebuilt already: a no-op. `fk_refusal`: a table others
    name with ON DELETE CASCADE is not rebuilt with foreign keys on (a ValueError with that text)."""
    table = conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (name,)).fetchall()[0][0]
    if re.search(r"\bAUTOINCREMENT\b", table, flags=re.I):
        return  # rebuilt already: re-running it is a no-op
    if fk_refusal and conn.execute("PRAGMA foreign_keys").fetchall()[0][0]:
        raise ValueError(fk_refusal)
    _alone_for_a_long_rebuild(conn, [migration])
    tmp = f"{name}_{migration[:4]}"
    kept = [r[0] for r in conn.execute("SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN "
                                       "('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name", (name,))]
    create, n = re.subn(rf'^CREATE TABLE\s+("{name}"|{name})', f"CREATE TABLE {tmp}", table, flags=re.I)
    create, m = re.subn(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", "id INTEGER PRIMARY KEY AUTOINCREMENT", create,
                        count=1, flags=re.I)
    if n != 1 or m != 1:
        raise ValueError(f"{name} is not the table this migration knows: {table[:200]}")
    cols = ", ".join(f'"{r[1]}"' for r in conn.execute(f"PRAGMA table_info({name})"))
    conn.execute(create)
    conn.execute(f"INSERT INTO {tmp}({cols}) SELECT {cols} FROM {name} ORDER BY id")
    conn.execute(f"DROP TABLE {name}")  # its indexes and triggers with it
    conn.execute(f"ALTER TABLE {tmp} RENAME TO {name}")
    for sql in kept:
        conn.execute(sql)
    conn.execute(seed)


# A rebuild holds the write lock for as long as it runs: on a big home (measured: 200k chunks of 1 kB and 1M
# query-log rows, 170 s for 0015 on 2 busy cores) far longer than the 10 s another process's write waits for it (a
# serve started before the upgrade: each answer it logs meanwhile fails "database is locked"). Its length, estimated
# from the rates measured on 2 idle cores (docs/upgrading.md: 0015 copies 100k chunks in 4 s and reads 50k log rows
# in 1 s; 0017 copies DOC_RATE documents and reads LOG_RATE_0017 log rows a second, its busy-core timings (100k
# documents 1.4 s, with 50k log rows 4.4 s, round 49) divided by 3): past LONG_REBUILD_S it is not started while
# another process has the database open.
LONG_REBUILD_S = 2.0
DOC_RATE, LOG_RATE_0017 = 100_000, 50_000

REBUILD = "0015_chunk_ids_not_reused"
DOC_REBUILD = "0017_documents_ids_not_reused"
REBUILDS = {REBUILD: "chunks", DOC_REBUILD: "documents"}  # the migrations that rebuild a table, and which


def rebuild_seconds(conn: Any, names: Iterable[str] = (REBUILD,)) -> float:
    """The estimated length of the rebuilds `names` (0015's by default) on idle cores (busy ones take 3-5 times as
    long)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    n_chunks, n_docs, n_log = (conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] if t in tables else 0
                               for t in ("chunks", "documents", "query_log"))
    est = {REBUILD: n_chunks / 25_000 + n_log / 50_000, DOC_REBUILD: n_docs / DOC_RATE + n_log / LOG_RATE_0017}
    return sum(est.get(name, 0.0) for name in names)


def alone_before_migrating(conn: Any, pending: list[str]) -> None:
    """Before any of `pending` is applied: the "alone?" check (BusyError) of the rebuilds among them (0015, 0017)
    whose table is not rebuilt yet, their lengths added, so a home two or more migrations behind is refused with
    truly nothing applied (each migration commits on its own; the check inside a rebuild alone came after those
    before it were committed). A new database (no such table yet) passes."""
    names = [n for n in pending if n in REBUILDS and conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? AND sql NOT LIKE '%AUTOINCREMENT%'",
        (REBUILDS[n],)).fetchall()]
    if names:
        _alone_for_a_long_rebuild(conn, names)


def apply_migration(conn: Any, name: str, sql: Any) -> bool:
    """One migration in one write transaction, taken before it checks whether the migration is applied: two
    processes opening a new home at once (two ingests, an ingest and an ask) apply it once, the second one
    waiting for the first. False when the other one had applied it. Inside the caller's transaction: a savepoint."""
    if not conn.getautocommit():
        with conn:
            _run(conn, sql)
            conn.execute("INSERT INTO _migrations(name, applied_at) VALUES (?, ?)", (name, time.time()))
        return True
    if getattr(sql, "foreign_keys_off", False) and conn.execute("PRAGMA foreign_keys").fetchall()[0][0]:
        conn.execute("PRAGMA foreign_keys = OFF")  # before BEGIN: a no-op inside a transaction
        try:
            return apply_migration(conn, name, sql)
        finally:
            conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchall():
            conn.execute("COMMIT")
            return False
        _run(conn, sql)
        conn.execute("INSERT INTO _migrations(name, applied_at) VALUES (?, ?)", (name, time.time()))
        conn.execute("COMMIT")
    except BaseException:
        if not conn.getautocommit():
            conn.execute("ROLLBACK")
        raise
    return True


def _run(conn: Any, migration: Any) -> None:
    """One migration's work, inside the caller's transaction: its SQL, or its function of the connection (a
    ValueError from one fails it as a database error does)."""
    if callable(migration):
        migration(conn)
    else:
        conn.execute(migration)


def _alone_for_a_long_rebuild(conn: Any, names: list[str]) -> None:
    """BusyError (exit 75, nothing changed: the caller's transaction rolls back) when the rebuilds `names` would be
    long and another process has the database open; where that cannot be told (holders.py), it runs as before."""
    from .holders import other_holders

    path = getattr(conn, "filename", "") or ""
    est = rebuild_seconds(conn, names) if path else 0.0
    others = other_holders(path) if est >= LONG_REBUILD_S else None
    if not others:
        return
    who = "; ".join(f"pid {pid}" + (f": {cmd}" if cmd else "") for pid, cmd in others[:3])
    what = " and ".join(f"{n} rebuilds the {REBUILDS[n]} table" for n in names)
    raise BusyError(
        f"{path}: this upgrade's one-time migration {what} (about {est:.0f} s on idle cores, longer on busy ones) "
        f"and holds the database while it runs, longer than another process waits for it; another process has the "
        f"database open ({who}): not started, nothing was changed",
        hint="stop that process (`ragtune serve`, the chat app, a cron `ragtune ingest`), run this command again "
             "alone (it applies the migration once, then the home is used as before), then start the process "
             "again (docs/upgrading.md)")
