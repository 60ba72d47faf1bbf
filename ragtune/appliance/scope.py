"""Scopes: answering or searching within part of the documents ("only from the HR handbook folder").

A scope is given as retrieval `filters` ({source_prefix, doc_ids, after, before}: every filter is about documents)
or, by people and clients, as document references resolved to `doc_ids` (ids, stored paths, folders: the CLI's
`--in` resolves them like `docs remove`, a server's "in" with `stored_documents`). `plan` turns filters into what
retrieval ranks inside (retrieve.py):

- narrow (few chunks): every chunk id of the scope. BM25 runs inside the scope (Tantivy intersects the query with the
  scope's documents) and the vector side scores every one of the scope's vectors exactly. A post-filter over the
  whole corpus's top candidates would find nothing in a 10-document folder of a 100k-chunk home: its chunks are
  rarely among them.
- wide: the unscoped searches with more candidates (OVERFETCH / the scope's share of the corpus, at most
  WIDE_FETCH_MAX), thinned to the scope's, then cut to the usual number. A scope of the whole corpus fetches the
  usual number: nothing to thin, the unscoped ranking.

Where one ends (benchmarks/bench_scope.py, 100k chunks, 2-core box). The narrow ranking costs ~1 µs per chunk of
the scope (0.6 in a document's runs of consecutive rows, 1.8 for scattered single-chunk documents, plus 0.2 to list
their ids); the wide one ~6 µs per candidate fetched (search, row reads, the store's chunk -> document lookup:
~1.3 µs of that until the lookup read a covering index, round 41, now ~0.45), and it fetches 2 x candidates / share.
They cross near sqrt(300..750 x total) chunks: 5,500-8,700 at 100k, 17k-27k at
1M. Measured at 5,000 chunks of 100k: narrow 4.8 ms, wide (2,000 candidates a search) 16 ms. Hence: up to EXACT_MAX
chunks always narrow (also the vector index's own limit for an exact scan), and above it narrow while the wide path
would need more than WIDE_FETCH_MAX candidates to expect OVERFETCH times the usual number in scope (at 1M chunks: a
scope under 2.5% of them; its exact scan then costs up to 17 ms in runs of 6 rows, 42 ms scattered).
"""

from __future__ import annotations

import math
import numbers
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .config_ops import MAX_REF_CHARS, MAX_REFS  # noqa: F401 (serve/body.py reads them here)
from .errors import InputError, NothingIngested, UnknownDocument

FILTERS = ("source_prefix", "doc_ids", "after", "before")
EXACT_MAX = 5000  # chunks: a scope this small is always ranked inside (the module docstring)
OVERFETCH = 2  # a wide scope's searches fetch this many times the candidates its share of the corpus would hold
WIDE_FETCH_MAX = 4000  # candidates per search at most (sqlite-vec's KNN takes k <= 4096)


@dataclass(frozen=True)
class Scope:
    doc_ids: frozenset[int]
    chunks: int  # in scope (the documents' chunk counts)
    total: int  # in the store
    chunk_ids: np.ndarray | None  # narrow: every chunk of the scope (int64, ascending); None: wide

    def fetch(self, limit: int) -> int:
        """Candidates a wide scope's search asks for, to keep about `limit` (x OVERFETCH) of its own."""
        if self.chunks >= self.total:
            return limit
        return max(limit, min(WIDE_FETCH_MAX, math.ceil(limit * OVERFETCH * self.total / max(self.chunks, 1))))


def normalise_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Filters checked and in one form (None: no scope): `source_prefix`, `after`, `before` text (empty: unset),
    `doc_ids` a sorted tuple of ints (empty: no document). An unknown key or a wrong type is an InputError."""
    if not filters:
        return None
    if not isinstance(filters, dict):
        raise InputError(f"filters must be a mapping, not {type(filters).__name__}")
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise InputError(f"unknown filter(s): {', '.join(sorted(map(str, unknown)))}",
                         hint="filters: " + ", ".join(FILTERS))
    out: dict[str, Any] = {}
    for key in ("source_prefix", "after", "before"):
        v = filters.get(key)
        if v is None or v == "":
            continue
        if not isinstance(v, str):
            raise InputError(f"filter {key} must be text, not {type(v).__name__}")
        out[key] = v
    ids = filters.get("doc_ids")
    if ids is not None:
        if isinstance(ids, (str, bytes)) or not hasattr(ids, "__iter__"):
            raise InputError(f"filter doc_ids must be a list of document ids, not {type(ids).__name__}")
        if isinstance(ids, tuple) and _sorted_ints(ids):  # normalised already (retrieve, then rank): kept as it is
            out["doc_ids"] = ids
        else:
            ids = list(ids)
            plain = _plain_ints(ids)
            if not plain and any(isinstance(d, bool) or not isinstance(d, numbers.Integral)
                                 for d in ids):  # numpy's ints are ints
                raise InputError("filter doc_ids must hold document ids (integers)")
            out["doc_ids"] = tuple(sorted(set(ids) if plain else {int(d) for d in ids}))  # plain: no int() each
    return out or None


def _plain_ints(ids: Sequence[Any]) -> bool:
    """Every id a plain int (a bool is not), tested in C: the ids of a token's scope come on every request (a server
    for many clients; a scope of 19,000 documents took ~40 ms of Python per test, one by one, on a loaded 2-core box)."""
    return set(map(type, ids)) <= {int}


def _sorted_ints(ids: tuple) -> bool:
    """Plain ints in strictly increasing order: what normalise_filters makes (a scope of 10,000 documents is
    normalised once, not again at each stage)."""
    return _plain_ints(ids) and list(ids) == sorted(set(ids))


def plan(store: Any, filters: dict[str, Any] | None, *, candidates: int, total: int) -> Scope | None:
    """The scope of (normalised) `filters` over a store of `total` chunks; None when there is none."""
    if not filters:
        return None
    docs = store.scope_documents(path_prefix=filters.get("source_prefix"), doc_ids=filters.get("doc_ids"),
                                 after=filters.get("after"), before=filters.get("before"))
    ids = frozenset(d for d, _ in docs)
    chunks = sum(n for _, n in docs)
    if chunks > max(EXACT_MAX, math.ceil(OVERFETCH * candidates * total / WIDE_FETCH_MAX)):
        return Scope(doc_ids=ids, chunks=chunks, total=total, chunk_ids=None)
    return Scope(doc_ids=ids, chunks=chunks, total=total,
                 chunk_ids=np.array(store.chunk_ids_of_documents(ids) if ids else [], dtype=np.int64))


# -- references: what `ask --in`, `search --in` and /v1/ask's "in" name ------------------------------------------
def nothing_ingested(store: Any = None, to: str = "search within") -> NothingIngested:
    """The error of an empty store. While the home's first ingest runs (round 53: `ask` in another shell was told to
    run `ragtune ingest PATH`, the very command running), it says so: its documents are answered once stored."""
    if ingest_running(getattr(store, "path", None)):
        return NothingIngested(f"nothing is ingested yet, so there is nothing to {to}: an ingest into this home is "
                               "running now", hint="ask again in a while, or when it is done: each document can be "
                               "asked about once the ingest has stored it")
    return NothingIngested(f"nothing is ingested yet, so there is nothing to {to}",
                           hint="run `ragtune ingest PATH` first")


PROC = "/proc"  # (tests point it at a folder of their own: two file systems without mounts)


def ingest_running(db_path: Any) -> bool:
    """Whether a process holds the writer lock of the keyword index beside the database `db_path` now (an ingest,
    or `docs remove`, from its start to its end): Tantivy's flock on `.tantivy-writer.lock`, looked up in
    /proc/locks, so no lock is taken (a probe's own flock would make that writer fail at the same instant). False
    where it cannot be told (no /proc, no index yet, a store without a path)."""
    from .lexical_open import SIDE_PREFIX, WRITER_LOCK
    from .store.holders import has_open, held_locks

    if not db_path:
        return False
    try:
        top = Path(db_path).parent / "tantivy"  # (home.Home.lexical_dir; lexical.own_folder: maybe schema-N in it)
        text = Path(PROC, "locks").read_text(encoding="ascii", errors="replace")
        for folder in [top] + [e for e in top.iterdir() if e.name.startswith(SIDE_PREFIX)]:
            lock = folder / WRITER_LOCK
            if not lock.is_file():
                continue
            st = lock.stat()
            # (its folder's device too: an overlay's file stats with its layer's, /proc/locks names the overlay's)
            for pid, kind, same_device, _start, _end in held_locks(st, text, folder.stat()):
                # an inode number alone is another home's lock on another file system too (two USB disks): the
                # holder's open files say (stat'd as the lock is: an overlay's device differs from /proc/locks');
                # another user's process cannot be read, so there the device must match as well (round 53)
                holds = has_open(pid, st, PROC) if kind == "FLOCK" else False
                if holds or (holds is None and same_device):
                    return True
    except (OSError, ValueError):
        return False
    return False


def document_scope(store: Any, refs: Sequence[str]) -> dict[str, Any] | None:
    """The retrieval filters of REFs as `--in` takes them (None when none are given): an id, a path, a folder
    (every document under it) or a corpus file, resolved like `docs remove` (relative paths from the current
    folder; the files need not exist any more). Every ref must match something (InputError), and an empty store is
    NothingIngested, said as such rather than as "no document matches" each REF. The CLI's `--in` and the chat
    app's scopes (which re-resolve a folder when the store changes) both come here."""
    if not refs:
        return None
    from .ingest.documents import select_documents

    if store.count_documents() == 0:
        raise nothing_ingested(store)
    return {"doc_ids": sorted(d.id for d in select_documents(store, list(refs)))}


def stored_documents(store: Any, refs: Sequence[str], allowed: frozenset[int] | None = None, *,
                     missing_ok: bool = False) -> list[int]:
    """Ids of the documents REFs name, looked up in the store only (nothing on disk is read or resolved: a
    server's client names what `docs list` shows): an id, a stored path, or a folder / corpus file as stored
    (every document under it). Every ref must match something (UnknownDocument). `allowed` (a serve token's scope):
    only these ids count, and a ref that matches none of them is the same UnknownDocument, raised here, as one
    that matches nothing (a client cannot tell a document outside its scope from one that does not exist).
    `missing_ok`: a ref that matches nothing names nothing (scope_documents). An empty store is NothingIngested."""
    from .ingest.documents import select_documents

    if store.count_documents() == 0:
        raise nothing_ingested(store)
    ids: set[int] = set()
    for ref in refs:  # one at a time: what each reached through "REF#" is checked against that REF
        try:
            rows = _own(ref, select_documents(store, [ref], on_disk=False))
        except UnknownDocument:
            rows = []  # raised below, the one place: the same error whether missing or out of scope
        if allowed is not None:
            rows = [d for d in rows if d in allowed]
        if not rows and not missing_ok:  # all it matched were a sibling's ("/docs/eng" and "/docs/eng#2/")
            raise UnknownDocument(ref, hint="give a document id, or a path or folder as `ragtune docs list` shows it")
        ids.update(rows)
    return sorted(ids)


def scope_documents(store: Any, refs: Sequence[str]) -> list[int]:
    """Ids of the documents REFs name now, as stored_documents resolves them, a ref that matches nothing
    naming nothing (a serve token's scope: a folder nothing is ingested into yet is an empty part of it, not an
    error). An empty store is NothingIngested, as for every request. One count of the store, not one per ref."""
    return stored_documents(store, refs, missing_ok=True)


def _own(ref: str, docs: Sequence[Any]) -> list[int]:
    """The ids of `docs` (what REF matched, read as text) less those beside it: REF names a folder (REF/...) or a
    corpus file's rows (REF#id), never a sibling that merely starts with its name and a '#' ("/docs/eng#2/plan.md",
    "/docs/eng#notes.md" for the folder "/docs/eng"): another team's documents must not widen a scope. Beside it:
    under "REF#", when REF is a folder (documents under REF/: then it is no corpus file). A row under "REF#" that
    is no corpus row never gets here: select_documents takes only kind "beir" there (prune.names_row)."""
    ref = ref.strip()
    if not ref.startswith("/"):
        return [d.id for d in docs]
    nfc = lambda t: t if t.isascii() else unicodedata.normalize("NFC", t)  # noqa: E731 (a Mac copy's names)
    base = nfc(os.path.normpath(ref))
    paths = [nfc(d.path) for d in docs]
    folder = any(p.startswith(base + "/") for p in paths)
    return [d.id for d, p in zip(docs, paths) if not (folder and p.startswith(base + "#"))]
