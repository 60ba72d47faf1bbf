"""Documents, chunks and their vectors (`documents`, `chunks`, `chunk_vec`): what ingest writes and retrieval,
the lexical index, evaluation and the TUI read. SQLite is the source of truth: the Tantivy index and the vector
snapshot are derived from these tables."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator, Sequence

CHUNK_COLUMNS = ("id", "doc_id", "ord", "text", "start_char", "end_char", "n_tokens", "sha256", "source", "title",
                 "doc_date")


class CorpusTables:
    """Mixed into Store (see StoreBase for the connection and `query`/`one`/`scalar`)."""

    # -- documents ------------------------------------------------------------------------------
    def count_documents(self) -> int:
        return int(self.scalar("SELECT count(*) FROM documents", default=0))

    def document_by_path(self, path: str) -> dict[str, Any] | None:
        """{id, sha256, meta} of the document stored under `path` (meta: {} when missing or damaged), or None."""
        row = self.one("SELECT id, sha256, meta FROM documents WHERE path = ?", (path,))
        if row is None:
            return None
        try:
            meta = json.loads(row[2] or "{}")
        except ValueError:
            meta = {}
        return {"id": int(row[0]), "sha256": row[1], "meta": meta if isinstance(meta, dict) else {}}

    def put_document(self, *, path: str, sha256: str, title: str, kind: str, size: int, doc_date: str | None,
                     ingested_at: float, meta: str, chunks: Sequence[Any], vectors: Sequence[Any],
                     embed_keys: Sequence[str | None] | None = None) -> tuple[int, int]:
        """Store one document with its chunks and vectors, replacing whatever was stored under `path` (the
        document keeps its id). `chunks` have ord, text, start_char, end_char, n_tokens, sha256; `vectors` are
        float32 arrays (or their blobs), one per chunk; `embed_keys`, one per chunk, hash the token ids each vector
        was embedded from (ingest/reuse.py). One transaction (nested in the caller's, if any). Returns (document id,
        number of chunks removed)."""
        keys = list(embed_keys) if embed_keys is not None else [None] * len(chunks)
        with self.transaction():
            row = self.one("SELECT id FROM documents WHERE path = ?", (path,))
            removed = 0
            if row is not None:
                doc_id = int(row[0])
                removed = self._delete_chunks(doc_id)
                self.conn.execute(
                    "UPDATE documents SET sha256=?, title=?, kind=?, size=?, doc_date=?, ingested_at=?, n_chunks=?,"
                    " meta=? WHERE id=?",
                    (sha256, title, kind, size, doc_date, ingested_at, len(chunks), meta, doc_id))
            else:
                doc_id = self._insert(
                    "INSERT INTO documents(path, sha256, title, kind, size, doc_date, ingested_at, n_chunks, meta)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    (path, sha256, title, kind, size, doc_date, ingested_at, len(chunks), meta))
            for c, v, key in zip(chunks, vectors, keys):
                cid = self._insert(
                    "INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256, embed_ids_sha256)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (doc_id, c.ord, c.text, c.start_char, c.end_char, c.n_tokens, c.sha256, key))
                self.conn.execute("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)", (cid, _blob(v)))
        return doc_id, removed

    def delete_document(self, doc_id: int) -> int:
        """Remove a document, its chunks and their vectors, and empty the answer cache in the same transaction
        (`docs remove`, `ingest --prune`: a cached answer may quote the document, and its entry does not say which
        documents it quoted); the number of chunks removed."""
        with self.transaction():
            removed = self._delete_chunks(doc_id)
            self.conn.execute("DELETE FROM documents WHERE id = ?", (int(doc_id),))
            if self.conn.changes():
                self.clear_answer_cache()  # LogTables, mixed into Store beside this class
        return removed

    def _delete_chunks(self, doc_id: int) -> int:
        # vec0 is a virtual table: no foreign-key cascade, so its rows go explicitly, by rowid
        ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE doc_id = ?", (int(doc_id),))]
        for cid in ids:
            self.conn.execute("DELETE FROM chunk_vec WHERE rowid = ?", (cid,))
        self.conn.execute("DELETE FROM chunks WHERE doc_id = ?", (int(doc_id),))
        return len(ids)

    def documents(self, prefix: str | None = None) -> list[dict[str, Any]]:
        """Every stored document (or those whose path starts with `prefix`), by path: {id, path, title, kind,
        size, sha256, doc_date, ingested_at, n_chunks, meta} (meta parsed; {} when damaged)."""
        sql = f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents"
        params: tuple = ()
        if prefix is not None:
            sql += " WHERE substr(path, 1, ?) = ?"
            params = (len(prefix), prefix)
        return [_document(row) for row in self.conn.execute(sql + " ORDER BY path", params)]

    def document(self, doc_id: int) -> dict[str, Any] | None:
        """One document like `documents()` gives them, or None."""
        row = self.one(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents WHERE id = ?", (int(doc_id),))
        return None if row is None else _document(row)

    def touch_document(self, doc_id: int, *, sha256: str, size: int, ingested_at: float, meta: str,
                       embed_keys: Sequence[str | None] = ()) -> None:
        """Record that a document's file was read again and gave the text already stored: its hash, size, time and
        meta change, its chunks and vectors stay (so do their ids). `embed_keys` (one per chunk, by ord) fill in
        the token-id hashes of chunks stored without one."""
        with self.transaction():
            self.conn.execute("UPDATE documents SET sha256=?, size=?, ingested_at=?, meta=? WHERE id=?",
                              (sha256, size, ingested_at, meta, int(doc_id)))
            for ord_, key in enumerate(embed_keys):
                self.conn.execute("UPDATE chunks SET embed_ids_sha256=? WHERE doc_id=? AND ord=?"
                                  " AND embed_ids_sha256 IS NULL", (key, int(doc_id), ord_))

    def file_documents_by_sha(self) -> dict[str, list[tuple[int, str, str, str]]]:
        """sha256 -> [(id, path, kind, title)] of the stored files (not corpus rows), by id: one read of the
        table that an ingest which met a new path looks a renamed or moved file up in (ingest/rename.py)."""
        out: dict[str, list[tuple[int, str, str, str]]] = {}
        for doc_id, path, sha, kind, title in self.conn.execute(
                "SELECT id, path, sha256, kind, title FROM documents WHERE kind != 'beir' ORDER BY id"):
            out.setdefault(sha, []).append((int(doc_id), path, kind, title))
        return out

    def move_document(self, doc_id: int, path: str) -> None:
        """Store a document under another path (its file was renamed or moved): its id, chunks and vectors stay, so
        do the query log rows that cite them. One transaction (nested in the caller's, if any)."""
        with self.transaction():
            self.conn.execute("UPDATE documents SET path = ? WHERE id = ?", (path, int(doc_id)))

    def set_document_meta(self, doc_id: int, meta: dict[str, Any]) -> None:
        """Replace a document's meta JSON (e.g. to mark it stale when its file failed to re-ingest)."""
        with self.transaction():
            self.conn.execute("UPDATE documents SET meta = ? WHERE id = ?",
                              (json.dumps(meta, sort_keys=True), int(doc_id)))

    # -- a document's meta key (embed.MODEL_META: the embedder its vectors came from) ------------------------
    def documents_per_meta(self, key: str) -> dict[Any, int]:
        """Documents per value of meta `key` (None: no such key, or damaged meta)."""
        return {r[0]: int(r[1]) for r in self.conn.execute(
            f"SELECT {_meta_sql(key)}, COUNT(*) FROM documents GROUP BY 1")}

    def documents_per_kind_meta(self, key: str) -> dict[tuple[str, Any], int]:
        """Documents per (kind, value of meta `key`) (None: no such key, or damaged meta): one scan of the documents,
        none of the chunks (doctor's `readers` line)."""
        return {(r[0], r[1]): int(r[2]) for r in self.query(
            f"SELECT kind, {_meta_sql(key)}, COUNT(*) FROM documents GROUP BY 1, 2")}

    def chunk_ids_with_meta(self, key: str, value: str) -> list[int]:
        """Ids, ascending, of the chunks of the documents whose meta `key` is `value` or absent."""
        return [int(r[0]) for r in self.conn.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE ifnull({_meta_sql(key, 'd.meta')}, ?)"
            " = ? ORDER BY c.id", (value, value))]

    def documents_without_meta(self, key: str) -> list[tuple[int, Any]]:
        """(id, meta JSON) of the documents whose meta has no `key`."""
        return [(int(i), m) for i, m in self.conn.execute(
            f"SELECT id, meta FROM documents WHERE {_meta_sql(key)} IS NULL")]

    def documents_under(self, prefix: str) -> list[tuple[int, str]]:
        """(id, path) of the documents whose path starts with `prefix` (exactly: no LIKE wildcards)."""
        return [(int(i), p) for i, p in self.conn.execute(
            "SELECT id, path FROM documents WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))]

    # -- scopes: the documents a question may be answered from (retrieve.py) ----------------------
    def scope_documents(self, *, path_prefix: str | None = None, doc_ids: Iterable[int] | None = None,
                        after: str | None = None, before: str | None = None) -> list[tuple[int, int]]:
        """(id, n_chunks) of the documents that pass every filter given: path starting with `path_prefix`
        (exactly: no LIKE wildcards), id in `doc_ids`, doc_date >= `after` / < `before` (ISO text; a document
        without a date passes neither). By id."""
        where: list[str] = []
        params: list[Any] = []
        if path_prefix is not None:
            where.append("substr(path, 1, ?) = ?")
            params += [len(path_prefix), path_prefix]
        if doc_ids is not None:  # json_each: any number of ids, no SQL variable limit
            where.append("id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted({int(d) for d in doc_ids})))
        if after is not None:
            where.append("doc_date IS NOT NULL AND doc_date >= ?")
            params.append(after)
        if before is not None:
            where.append("doc_date IS NOT NULL AND doc_date < ?")
            params.append(before)
        sql = "SELECT id, n_chunks FROM documents" + (" WHERE " + " AND ".join(where) if where else "")
        return [(int(i), int(n)) for i, n in self.conn.execute(sql + " ORDER BY id", params)]

    def chunk_ids_of_documents(self, doc_ids: Iterable[int]) -> list[int]:
        """The ids of the documents' chunks, ascending."""
        ids = json.dumps(sorted({int(d) for d in doc_ids}))
        return [int(r[0]) for r in self.conn.execute(
            "SELECT id FROM chunks WHERE doc_id IN (SELECT value FROM json_each(?)) ORDER BY id", (ids,))]

    def chunk_doc_ids(self, chunk_ids: Iterable[int]) -> dict[int, int]:
        """chunk id -> its document's id, for the chunks that exist. From the covering index (migration 0012), not
        the chunks' rows: a wide scope looks up thousands of candidates a search."""
        ids = json.dumps(sorted({int(c) for c in chunk_ids}))
        return {int(c): int(d) for c, d in self.conn.execute(
            "SELECT id, doc_id FROM chunks INDEXED BY chunks_id_doc WHERE id IN (SELECT value FROM json_each(?))",
            (ids,))}

    def vector_knn_among(self, query: Any, k: int, chunk_ids: Iterable[int]) -> list[tuple[int, float]]:
        """sqlite-vec's exact KNN restricted to `chunk_ids` (vec0 filters by rowid before it ranks): (chunk id,
        cosine distance), nearest first. Fast on a small table only: at 100k rows vec0 reads every row's
        metadata whatever the filter (~25 ms), which is why the vector index serves large stores."""
        ids = json.dumps(sorted({int(c) for c in chunk_ids}))
        rows = self.query(
            "SELECT rowid, distance FROM chunk_vec WHERE embedding MATCH ? AND k = ?"
            " AND rowid IN (SELECT value FROM json_each(?)) ORDER BY distance", (_blob(query), int(k), ids))
        return [(int(r), float(d)) for r, d in rows]

    # -- files that failed to load (migration 0009; ingest/failures.py) --------------------------
    def ingest_failures(self) -> dict[str, dict[str, Any]]:
        """path -> {sha256, kind, loader_version, reason, failed_at} of every remembered failure."""
        keys = ("sha256", "kind", "loader_version", "reason", "failed_at")
        return {r[0]: dict(zip(keys, r[1:])) for r in self.conn.execute(
            "SELECT path, sha256, kind, loader_version, reason, failed_at FROM ingest_failures")}

    def update_ingest_failures(self, put: Iterable[tuple[str, str, str, int, str, float]] = (),
                               forget: Iterable[str] = ()) -> None:
        """Remember (path, sha256, kind, loader_version, reason, failed_at) failures (replacing what was
        remembered for the path) and forget the `forget` paths, in one transaction."""
        with self.transaction():
            for path in forget:
                self.conn.execute("DELETE FROM ingest_failures WHERE path = ?", (path,))
            for row in put:
                self.conn.execute(
                    "INSERT INTO ingest_failures(path, sha256, kind, loader_version, reason, failed_at)"
                    " VALUES (?,?,?,?,?,?) ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256,"
                    " kind=excluded.kind, loader_version=excluded.loader_version, reason=excluded.reason,"
                    " failed_at=excluded.failed_at", tuple(row))

    # -- chunks ---------------------------------------------------------------------------------
    def count_chunks(self) -> int:
        return int(self.scalar("SELECT count(*) FROM chunks", default=0))

    def chunks_by_ids(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """chunk id -> {id, doc_id, ord, text, start_char, end_char, n_tokens, sha256, source, title, doc_date}."""
        if not ids:
            return {}
        out: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            for row in self.conn.execute(
                f"""SELECT c.id, c.doc_id, c.ord, c.text, c.start_char, c.end_char, c.n_tokens, c.sha256,
                           d.path, d.title, d.doc_date
                    FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id IN ({marks})""",
                part,
            ):
                out[row[0]] = dict(zip(CHUNK_COLUMNS, row))
        return out

    def chunk_with_document(self, chunk_id: int) -> dict[str, Any] | None:
        """{ord, start_char, end_char, text, path, title, n_chunks, doc_id} of one chunk, or None."""
        row = self.one(
            "SELECT c.ord, c.start_char, c.end_char, c.text, d.path, d.title, d.n_chunks, d.id "
            "FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id = ?", (int(chunk_id),))
        if row is None:
            return None
        return dict(zip(("ord", "start_char", "end_char", "text", "path", "title", "n_chunks", "doc_id"), row))

    def document_chunks(self, doc_id: int) -> list[tuple[int, str, int, int]]:
        """(ord, text, start_char, end_char) of a document's chunks, in order."""
        return [tuple(r) for r in self.conn.execute(
            "SELECT ord, text, start_char, end_char FROM chunks WHERE doc_id = ? ORDER BY ord", (int(doc_id),))]

    def chunks_before(self, doc_id: int, ord_: int) -> Iterator[tuple[int, str, int]]:
        """(ord, text, start_char) of a document's chunks before chunk `ord_`, nearest first: read down the UNIQUE
        (doc_id, ord) index a few at a time as the caller iterates, so one that stops early (tablehead.py, at its
        table's header) reads no further however long the document is. Each page is read whole: no statement is
        left open while the caller works (a cursor dropped unfinished can pin a snapshot: snapshots.py)."""
        at, page = int(ord_), 4
        while True:
            rows = self.query("SELECT ord, text, start_char FROM chunks WHERE doc_id = ? AND ord < ? ORDER BY ord DESC "
                              "LIMIT ?", (int(doc_id), at, page))
            yield from rows
            if len(rows) < page:
                return
            at, page = int(rows[-1][0]), min(page * 4, 256)

    def chunk_embeddings(self, doc_id: int) -> list[dict[str, Any]]:
        """{ord, text, start_char, end_char, n_tokens, embed_ids_sha256 (the token-id hash; None on rows stored
        before migration 0008), embedding (float32 blob, None if missing)} of a document's chunks, in order: what a
        re-ingest of the document compares its new chunks with and reuses the vectors of."""
        rows = list(self.conn.execute(
            "SELECT id, ord, text, start_char, end_char, n_tokens, embed_ids_sha256 FROM chunks WHERE doc_id = ?"
            " ORDER BY ord", (int(doc_id),)))
        keys = ("ord", "text", "start_char", "end_char", "n_tokens", "embed_ids_sha256")
        # one point lookup a chunk: vec0 scans the whole table for `rowid IN (...)`
        return [{**dict(zip(keys, r[1:])), "embedding": self.vector_blob(r[0])} for r in rows]

    def iter_chunk_texts(self, doc_ids: Iterable[int] | None = None) -> Iterator[tuple[int, int, str, str]]:
        """(chunk id, doc id, document title, text) of every chunk (of `doc_ids` when given), by chunk id."""
        sql = "SELECT c.id, c.doc_id, d.title, c.text FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id > ?"
        parts: list[list[int]] = [[]]
        if doc_ids is not None:
            ids = sorted({int(d) for d in doc_ids})
            parts = [ids[start:start + 500] for start in range(0, len(ids), 500)]
        for part in parts:  # by pages of chunk ids, each read whole (no statement open across a yield: snapshots.py)
            where = f" AND c.doc_id IN ({','.join('?' * len(part))})" if doc_ids is not None else ""
            last = -1
            while True:
                rows = self.query(sql + where + " ORDER BY c.id LIMIT 1000", [last, *part])
                yield from rows
                if len(rows) < 1000:
                    break
                last = int(rows[-1][0])

    def chunk_sources(self) -> list[tuple[int, str]]:
        """(chunk id, document path) of every chunk."""
        return [(int(c), p) for c, p in self.conn.execute(
            "SELECT c.id, d.path FROM chunks c JOIN documents d ON d.id = c.doc_id")]

    def chunk_token_total(self) -> int:
        return int(self.scalar("SELECT sum(n_tokens) FROM chunks", default=0) or 0)

    # -- vectors (chunk_vec: rowid = chunk id) --------------------------------------------------
    def count_vectors(self) -> int:
        return int(self.scalar("SELECT count(*) FROM chunk_vec", default=0))

    def iter_vectors(self) -> Iterator[tuple[int, bytes]]:
        """(chunk id, float32 blob) of every stored vector, by chunk id. Read it inside `transaction()` for a
        view consistent with `count_vectors()`."""
        cur = self.conn.execute("SELECT rowid, embedding FROM chunk_vec ORDER BY rowid")  # (vec0: no cheap pages)
        try:
            yield from cur
        finally:  # a caller that stops early (vectorwrite) resets it here, in its own thread (snapshots.py)
            cur.close()

    def vector_blob(self, chunk_id: int) -> bytes | None:
        """One chunk's stored vector (float32 blob), or None. A point lookup: vec0 answers `rowid IN (…)` with a
        full scan, so read several with several calls."""
        row = self.one("SELECT embedding FROM chunk_vec WHERE rowid = ?", (int(chunk_id),))
        return None if row is None else row[0]

    # -- the change log that derived vector indexes replay (migration 0005) ----------------------
    def vector_change_seq(self) -> int:
        """The position of the vector change log: the last seq ever assigned (AUTOINCREMENT's counter, so it
        does not fall back when applied entries are pruned); 0 before the first change."""
        return int(self.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'vector_changes'", default=0) or 0)

    def vector_changes_since(self, seq: int, limit: int | None = None) -> list[tuple[int, int, bool]]:
        """(seq, chunk id, added) of the log entries after `seq`, oldest first."""
        sql = "SELECT seq, chunk_id, added FROM vector_changes WHERE seq > ? ORDER BY seq"
        params: tuple = (int(seq),)
        if limit is not None:
            sql += " LIMIT ?"
            params += (int(limit),)
        return [(int(s), int(c), bool(a)) for s, c, a in self.conn.execute(sql, params)]

    def oldest_vector_change(self) -> int:
        """The oldest entry still in the log (0 when empty): a reader that applied less than this minus one
        missed pruned entries and must rebuild."""
        return int(self.scalar("SELECT min(seq) FROM vector_changes", default=0) or 0)

    def prune_vector_changes(self, upto: int) -> int:
        """Forget the log entries up to `upto` (every derived index has applied them); how many went."""
        with self.transaction():
            n = int(self.scalar("SELECT count(*) FROM vector_changes WHERE seq <= ?", (int(upto),), default=0))
            self.conn.execute("DELETE FROM vector_changes WHERE seq <= ?", (int(upto),))
        return n

    def vector_knn(self, query: Any, k: int) -> list[tuple[int, float]]:
        """sqlite-vec's exact KNN: (chunk id, cosine distance) of the k nearest stored vectors, nearest first."""
        rows = self.query(  # read whole (a list): no cursor left in a local for a traceback to keep (snapshots.py)
            "SELECT rowid, distance FROM chunk_vec WHERE embedding MATCH ? AND k = ? ORDER BY distance",
            (_blob(query), int(k)))
        return [(int(r), float(d)) for r, d in rows]


DOCUMENT_COLUMNS = ("id", "path", "title", "kind", "size", "sha256", "doc_date", "ingested_at", "n_chunks", "meta")


def _document(row: Sequence[Any]) -> dict[str, Any]:
    d = dict(zip(DOCUMENT_COLUMNS, row))
    try:
        meta = json.loads(d["meta"] or "{}")
    except ValueError:
        meta = {}
    d["meta"] = meta if isinstance(meta, dict) else {}
    return d


def _blob(v: Any) -> bytes:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    import numpy as np

    return np.asarray(v, dtype=np.float32).tobytes()


def _meta_sql(key: str, col: str = "meta") -> str:
    """SQL for a document meta key: NULL when the row has none or its meta is damaged."""
    if not re.fullmatch(r"[a-z_]+", key):
        raise ValueError(f"not a meta key: {key!r}")
    return f"CASE WHEN json_valid({col}) THEN json_extract({col}, '$.{key}') END"
