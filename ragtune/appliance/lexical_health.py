"""Doctor's look at the lexical (BM25) index: opened as it is (never created, reset or rebuilt), then, when its
marker says it is in step with the database, probed: a damaged segment file (a flipped byte in a `.idx`, `.term` or
`.store`: a bad disk, a restore gone wrong) passes the marker and the count, and only a search meets it, where
Tantivy panics (`pyo3_runtime.PanicException`, a BaseException) or finds nothing.

The probe (`probe`): the searcher is opened (every segment's files, the `.store` footers included), then PROBE_CHUNKS
chunks spread evenly over the chunk ids are each searched for by a few of their own words within their own document
(each must be found: the term dictionaries, postings and fast fields of every segment are read for those words), and
all their words once over the whole index, counting every match (each segment's posting lists of those words walked
to the end). Bounded: at 100k chunks it adds 0.2-0.4 s (docs/store.md, "Doctor"). Damage in a part of a file no
probed word reaches goes unseen: a cheap check, not a proof.

The index is derived data (SQLite's `chunks` is the truth): its removal is the repair, and the next search builds it
again from the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import RagtuneError
from .lexical import SCHEMA_VERSION, LexicalIndex, marker_version, own_folder, private_view, unwritable
from .lexical_rebuild import SECONDS_PER_1000
from .lexical_panic import Panicked, is_panic, rebuild_hint  # noqa: F401 - is_panic, rebuild_hint: imported from here
from .lexical_panic import said as _said, unpanicked
from .lexical_terms import query_terms, with_tokenizer

PROBE_CHUNKS = 16  # chunks searched for by their own words
PROBE_TERMS = 4  # of each chunk's words, the longest (a short word may be one the analyzer drops)
SPREAD_TERMS = 1024  # terms of each field's dictionary whose posting lists are walked (_spread_terms)
MAX_TERM_CHARS = 40  # a longer "word" (a hash, a URL) may be cut or dropped by the analyzer: not probed


class Reader(LexicalIndex):
    """The index as it is: LexicalIndex's own open creates or resets one. `unwritable`: how to tell a folder this
    process cannot write (lexical_open's; doctor passes its own name of it, which tests replace)."""

    def __init__(self, path: Path | str, unwritable: Any = unwritable):
        self._unwritable = unwritable
        super().__init__(path)

    def _open(self) -> None:
        import tantivy

        if self._unwritable(self.path):  # Tantivy takes its lock files even to read: a private view of it
            self.path = self.view = private_view(self.path)
        self.damage: str | None = None  # what a panic said (the open, the count or the probe)
        try:
            with unpanicked():
                self._index, self.corrupt = with_tokenizer(tantivy.Index.open(str(self.path))), False
        except Panicked as exc:  # before ValueError: it is one
            self._index, self.corrupt, self.damage = None, True, str(exc)
        except (ValueError, OSError, RuntimeError):
            self._index, self.corrupt = None, True


class StoreUnreadable(Exception):
    """The database failed while the probe read its sample (a damaged page): nothing is known of the index."""


def probe(idx: LexicalIndex, store: Any) -> str | None:
    """None when the probe (the module's doc) found nothing wrong with the index `idx` (in step with `store`, said
    by its marker and count); else what it met: a panic, an error, a chunk its own words do not find.
    StoreUnreadable when the database's sample does not read: the database's damage, never the index's (round 49:
    it was said as "lexical index damaged", with `rm -rf tantivy` as the repair)."""
    try:
        sample = _sample(store)
    except RagtuneError as exc:  # the store's StoreError: before any Tantivy read
        raise StoreUnreadable(exc.message) from None
    try:
        return _guarded(lambda: _probe(idx, sample))
    except RagtuneError as exc:  # LexicalIndex.search's StoreError for Tantivy's ValueError (or panic)
        return exc.message


def _probe(idx: LexicalIndex, sample: list[tuple[int, int, str, int]]) -> str | None:
    searcher = idx._index.searcher()  # opens every segment's readers
    words: list[str] = []
    for cid, doc_id, text, n in sample:
        terms = sorted((t for t in query_terms(text) if len(t) <= MAX_TERM_CHARS), key=len, reverse=True)
        terms = terms[:PROBE_TERMS]
        if not terms:
            continue
        found = idx.search(" ".join(terms), max(n, 1), doc_ids=[doc_id])
        if cid not in {c for c, _ in found}:
            return (f"chunk {cid} (document {doc_id}) is not found by its own words ({' '.join(terms)}): "
                    "the index does not hold what it says it holds")
        words += terms
    if words:  # every segment's posting lists of these words, walked to the end
        q = idx._index.parse_query(" ".join(dict.fromkeys(words)), ["title", "text"])
        searcher.search(q, 10, count=True)
    _spread_terms(idx, searcher)
    return None


def _spread_terms(idx: LexicalIndex, searcher: Any) -> None:
    """Walk each field's whole term dictionary (every segment's), then count the matches of SPREAD_TERMS of its
    terms spread evenly over it in term order: a segment's posting lists are laid out in that order, so their reads
    are spread over the whole `.idx` (and `.pos`) file."""
    import tantivy

    if not hasattr(searcher, "terms_with_prefix"):  # pragma: no cover - a tantivy-py before 0.25
        return
    schema = idx._index.schema
    for field in ("text", "title"):
        terms = sorted(t for t, _ in searcher.terms_with_prefix(field, ""))
        if not terms:
            continue
        k = min(SPREAD_TERMS, len(terms))  # the first and the last included: a file's end is read too
        picked = [terms[i * (len(terms) - 1) // max(k - 1, 1)] for i in range(k)]
        q = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, t))
                                         for t in picked])
        searcher.search(q, 10, count=True)


def _sample(store: Any) -> list[tuple[int, int, str, int]]:
    """(chunk id, document id, text, the document's chunks) of up to PROBE_CHUNKS chunks: one of each of documents
    spread evenly over the ids, the chunk spread likewise over its document's (the store's named reads only: the
    documents' (id, n_chunks), then each sampled document's chunks)."""
    docs = [(d, n) for d, n in store.scope_documents() if n > 0]
    if not docs:
        return []
    k = min(PROBE_CHUNKS, len(docs))
    out = []
    for i in range(k):
        doc_id, n = docs[i * (len(docs) - 1) // max(k - 1, 1)]
        rows = list(store.iter_chunk_texts([doc_id]))
        if rows:
            cid, _, _, text = rows[i * (len(rows) - 1) // max(k - 1, 1)]
            out.append((int(cid), int(doc_id), str(text or ""), len(rows)))
    return out


def check(home: Any, store: Any, chunks: int, rep: Any, *, unwritable: Any = unwritable) -> None:
    """Doctor's `lexical` line (`rep.add(status, name, detail, hint)`): no index yet, out of step (warn: the next
    search rebuilds it), damaged (fail: a search dies on it; its removal is the repair), in step."""
    folder = own_folder(home.lexical_dir)  # a newer release's index there: this release's own, beside it
    if not (folder / "meta.json").is_file():
        rep.add("warn" if chunks else "ok", "lexical", "no index yet: built on the next search" if chunks else
                "no index yet (nothing to index)")
        return
    idx = Reader(folder, unwritable)
    damage, synced, n = idx.damage, False, None
    try:
        if damage is None and not idx.corrupt:
            got = _guarded(lambda: (idx.is_synced(store), idx.num_docs))
            damage, (synced, n) = (got, (False, None)) if isinstance(got, str) else (None, got)
        if synced and damage is None:
            damage = probe(idx, store)
        meta = idx._read_sidecar()  # read once: the version and the schema of one marker
        marker, schema = marker_version(meta), (meta or {}).get("schema")  # another schema: rebuilt whole (round 50)
    except StoreUnreadable as exc:
        rep.add("warn", "lexical", f"not probed: the database cannot be read ({exc}); the index is derived from it",
                "repair the database first (its own line says how); the index needs nothing until then")
        return
    finally:
        idx.close()
    if damage is not None:
        rep.add("fail", "lexical", f"lexical index damaged: {damage}; a search that reads it fails",
                rebuild_hint(folder))
        return
    if schema not in (None, SCHEMA_VERSION) and idx.view is None:
        took = max(1, round(chunks * SECONDS_PER_1000 / 1000))
        rep.add("warn", "lexical", f"keyword index of schema {schema}: rebuilt whole by the next search (about 1 s per "
                f"1,000 chunks: {took} s for {chunks:,})", "run one `ragtune search WORD` alone before serving")
        return
    why = "unreadable" if n is None else f"marker {marker}, database {store.index_version}, {n} chunks"
    if idx.view is not None:  # a read-only home: nothing is rebuilt there, each searching process builds its own
        rep.add("ok" if synced else "warn", "lexical", "read-only home: index read as it is" + (
                f" ({n} chunks, index version {store.index_version})" if synced else f", out of step ({why}): a search "
                "builds a copy from the database in this user's cache (lexical_cache.py: one per user and index "
                "version, shared by that user's processes), not in the home"),
                None if synced else "ingest once where the home is writable, then mount it again")
        return
    rep.add("ok" if synced else "warn", "lexical", f"in step ({n} chunks, index version {store.index_version})"
            if synced else f"lexical index out of step ({why}): rebuilt on the next search")


def _guarded(fn: Any) -> Any:
    """fn(), or what a panic or an error of Tantivy's in it said (a str)."""
    try:
        with unpanicked():
            return fn()
    except Panicked as exc:  # LexicalIndex.num_docs's, or a panic in fn
        return str(exc)
    except (ValueError, OSError, RuntimeError) as exc:
        return _said(exc)
