"""The state of one ingest run and its per-document steps, driven by pipeline.py (whose docstring has the
storage rules): chunk, reuse or embed (in slabs), store each document in one transaction, bump index_version."""

from __future__ import annotations

import hashlib
import json
import time

import numpy as np
from dataclasses import dataclass, field
from typing import Any, Callable

from ..config import Settings
from ..errors import ModelError, StoreError, WriteRefused
from .chunker import DOC_TABLE_KINDS, TABLE_KINDS, Chunk, chunk_text, effective_sizes, embedding_text
from .failures import Failures
from .progress import Tracker
from .rename import Renames
from .stale import clear_stale
from .summary import IngestSummary
from .loaders import Document
from .reuse import (LOADER_KEY, embed_ids, ids_key, load_stored, loader_version, record_models,
                    stale_by_loader)
from ..embed import MODEL_META, model_key

CHUNKER_VERSION = 2  # bump when chunk boundaries change for the same settings: forces re-chunking (the vectors of
# unchanged chunks are reused: reuse.load_stored). 2 (round 49): cuts after "。", marks kept on a token; 3 (round 50):
# [UNK] runs budgeted by characters (Thai, Lao, Khmer, Myanmar), marks after a kept sign
EMBED_SLAB = 128  # chunks per embed call: a big file's progress moves, and a stop acts, every slab (512: same CPU)
IDS_SLAB = 2048  # texts tokenised per call (= embed.SLAB: one slab inside it); a big file beats between them


def index_key_of(model_id: str, size: int, overlap: int, max_seq: int, chunker: int = CHUNKER_VERSION) -> str:
    """What besides content decides a document's chunks and vectors (stored in its meta)."""
    raw = json.dumps({"model": model_id, "chunk": size, "overlap": overlap, "max_seq": max_seq, "chunker": chunker},
                     sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# -- the run --------------------------------------------------------------------------------------
class _Stopped(Exception):
    """`should_stop()` came true inside a document: it was dropped (nothing of it stored); the run ends there."""


@dataclass
class _Prepared:
    doc: Document
    existing_id: int | None
    chunks: list[Chunk]
    embed_texts: list[str]
    weight: float = 0.0  # bytes of input this document stands for (progress)
    keys: list[str | None] = field(default_factory=list)  # reuse key of each chunk's token ids (stored per chunk)
    vectors: list[Any] = field(default_factory=list)  # per chunk: the stored vector it reuses, None until embedded
    reused: int = 0
    same: bool = False  # reads exactly as stored (a re-read with nothing new): only the document row changes
    ids: list[Any] | None = None  # per chunk: the token ids its key hashes (embedded from them: tokenised once)


class _Run:
    def __init__(self, settings: Settings, store: Any, lexical_writer: Any, embedder_factory: Callable[[], Any],
                 summary: IngestSummary, identity: Callable[[], tuple[str, int]] | None = None,
                 retry_failed: bool = False, should_stop: Callable[[], bool] | None = None):
        self.settings = settings
        self.should_stop = should_stop or (lambda: False)
        self.store = store
        self.lw = lexical_writer
        self._embedder_factory = embedder_factory
        self._embedder: Any = None
        self.summary = summary
        self.changed_doc_ids: set[int] = set()
        self.deleted_doc_ids: set[int] = set()
        self.bumped_at_change = False
        self.changes_after_bump = 0
        self.pending: list[_Prepared] = []
        self.pending_chunks = 0
        self.flush_at = max(64, 4 * settings.embed.batch_size)
        self._index_key: str | None = None
        self._older_keys: frozenset[str] = frozenset()  # set with _index_key (index_key)
        self._model_key: str | None = None
        # (model_id, max_seq_len) without loading the model, so a no-op run never starts onnxruntime
        self._identity = identity or (lambda: (self.embedder.model_id, self.embedder.max_seq_len))
        self.tracker = Tracker(None, 0, 0)  # replaced by ingest_paths when progress is reported
        self.seen: set[str] = set()  # document paths met this run (prune keeps them)
        self.seen_prefixes: list[str] = []  # corpus files we could not read: keep all their rows
        self.rereads: set[str] = set()  # paths whose file is unchanged but whose loader is newer than stored
        self.rechunks: set[str] = set()  # paths whose file is unchanged, chunked again for a newer chunker
        self.failures = Failures(store, retry=retry_failed)
        self.renames = Renames(store)
        self.refused_at: str | None = None  # the document a WriteRefused (no room) stopped the run at

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            self._embedder = self._embedder_factory()
            from ..store import EMBED_DIM

            dim = getattr(self._embedder, "dim", EMBED_DIM)
            if dim != EMBED_DIM:
                raise ModelError(f"embedder '{self.settings.embed.model}' makes {dim}-dim vectors; the index stores {EMBED_DIM}",
                                 hint=f"set [embed] model back to a {EMBED_DIM}-dim embedder (`ragtune config set "
                                      "embed.model all-minilm-l6-v2-int8`): no document was re-embedded")
        return self._embedder

    @property
    def index_key(self) -> str:
        """What besides content decides a document's chunks/vectors: embedder + chunking settings."""
        if self._index_key is None:
            model_id, max_seq_len = self._identity()
            self._model_key = model_key(model_id)
            size, overlap = effective_sizes(self.settings.ingest.chunk_tokens, self.settings.ingest.overlap_tokens,
                                            max_seq_len)
            self._index_key = index_key_of(model_id, size, overlap, max_seq_len)
            # this key under each older chunker version: a document stored with one is chunked again only because
            # the chunker changed (is_unchanged; IngestSummary.rechunked says so)
            self._older_keys = frozenset(index_key_of(model_id, size, overlap, max_seq_len, v)
                                         for v in range(1, CHUNKER_VERSION))
        return self._index_key

    def record_models(self) -> None:
        """Documents stored before ingest recorded their embedder get it now (reuse.record_models), before any is
        replaced: a run stopped half-way must not leave an old model's vectors looking like this one's."""
        record_models(self.store, lambda: (*self._identity(), self.index_key), index_key_of, CHUNKER_VERSION)

    @property
    def model_key(self) -> str:
        """The embedder that makes this run's vectors, as document meta names it (search leaves out the vectors of
        another: embed.chunks_of_model)."""
        if self._model_key is None:  # identity() hashes the model file: once a run, with the index key
            self._model_key = model_key(self._identity()[0])
        return self._model_key

    # -- per document -----------------------------------------------------------------------------
    def is_unchanged(self, path: str, sha: str, kind: str) -> tuple[bool, int | None]:
        row = self.store.document_by_path(path)
        if row is None:
            return False, None
        stored_key = row["meta"].get("index_key")
        same = row["sha256"] == sha and str(row["meta"].get("index_key", "")) == self.index_key
        # (a key stored damaged, not text, is no older chunker's: the set takes only hashable keys)
        if row["sha256"] == sha and not same and isinstance(stored_key, str) and stored_key in self._older_keys:
            self.rechunks.add(path)  # said as such in the summary, not as an edit (IngestSummary.rechunked)
        if same and stale_by_loader(kind, row["meta"]):
            self.rereads.add(path)
            return False, row["id"]
        if same:
            clear_stale(self.store, row["id"], row["meta"])  # the file is back to what is stored
            self.failures.readable(path)
        return same, row["id"]

    def moved_here(self, path: str, sha: str, kind: str) -> tuple[bool, int | None]:
        """`is_unchanged` of a file no document is stored under: when it is a stored document's file, renamed or
        moved (rename.py), that document takes its path (a new index version at each move: no cached result or
        scope names the old one) and is as unchanged as it was, unless its title came from its old file name (then
        it is read again); (False, None) for a new document."""
        moved = self.renames.find(path, sha, kind, self.seen)
        if moved is None:
            return False, None
        with self.store.transaction():
            self.store.move_document(moved.doc_id, path)
            # a version of its own, every move (they are rare): a scope resolved meanwhile (serve's ScopeCache, keyed
            # by version) must not keep the moved document in its old folder's scope until the run ends
            self.store.bump_index_version()
            self.bumped_at_change = True
        self.summary.renamed.append((moved.old_path, path))
        unchanged, doc_id = self.is_unchanged(path, sha, kind)
        return unchanged and not moved.retitle, doc_id

    def fail(self, path: str, reason: str, sha: str | None = None, kind: str = "") -> None:
        """A file (or corpus row) that could not be read; with its bytes' sha256 it is remembered (failures.py)."""
        self.summary.failed.append((path, reason))
        self.failures.failed(path, sha, kind, reason)

    def known_failure(self, path: str, sha: str, kind: str) -> bool:
        """The file failed before as it is now: not read again, listed as still unreadable."""
        known = self.failures.still_unreadable(path, sha, kind)
        if known is not None:
            self.summary.still_unreadable.append((path, *known))
        return known is not None

    def add(self, doc: Document, existing_id: int | None, weight: float = 0.0) -> None:
        e = self.embedder
        cfg = self.settings.ingest
        # a heartbeat while a big file is chunked (half) and its chunks tokenised (half): tens of seconds for a 20 MB
        # page, which said nothing before its first slab was embedded
        n_chars = max(1, len(doc.text))
        chunks = chunk_text(doc.text, e.tokenizer, chunk_tokens=cfg.chunk_tokens, overlap_tokens=cfg.overlap_tokens,
                            max_seq_len=e.max_seq_len, table=doc.kind in TABLE_KINDS,
                            doc_tables=doc.kind in DOC_TABLE_KINDS,
                            on_block=lambda at: self.tracker.beat(doc.path, "chunking", 0.5 * at / n_chars))
        if not chunks:
            self.fail(doc.path, "empty document", doc.sha256, doc.kind)
            self.tracker.skip(weight)
            return
        texts = [embedding_text(doc.title, c.text, c.n_tokens, e.tokenizer, e.max_seq_len) for c in chunks]
        ids, keys = self._embed_ids(doc.path, texts)
        stored = None if existing_id is None else \
            load_stored(self.store, existing_id, self.index_key, e, dict(zip(texts, keys)), self.model_key)
        vectors = [None if stored is None or k is None else stored.vectors.get(k) for k in keys]
        reused = sum(v is not None for v in vectors)
        same = stored is not None and reused == len(chunks) and stored.same_text(doc, chunks)
        if ids is not None:  # only chunks still to embed need theirs
            ids = [x if v is None else None for x, v in zip(ids, vectors)]
        if self.pending and len(chunks) >= self.flush_at:
            # a big file (a 50k-row CSV: tens of minutes to embed) stores the small ones read before it first: they
            # waited for its last slab, unseen by `docs list` and `ask` ("nothing is ingested yet"), lost to a kill
            self.flush()
        self.pending.append(_Prepared(doc, existing_id, chunks, texts, weight, keys, vectors, reused, same, ids))
        self.pending_chunks += len(chunks)
        if self.pending_chunks >= self.flush_at:
            self.flush(stoppable=True)

    def _embed_ids(self, path: str, texts: list[str]) -> tuple[list[Any] | None, list[str | None]]:
        """(`reuse.embed_ids` of `texts`, their reuse keys): IDS_SLAB at a time (the embedder's own slab: one
        tokenisation each), keyed as each slab comes, with a heartbeat between. Each text is tokenised on its own:
        the same ids as in one call. (None, all None) when the embedder cannot say what it encodes."""
        out: list[Any] = []
        keys: list[str | None] = []
        for at in range(0, len(texts), IDS_SLAB):
            part = embed_ids(self.embedder, texts[at:at + IDS_SLAB])
            if part is None:
                return None, [None] * len(texts)
            out.extend(part)
            keys.extend(ids_key(x) for x in part)
            self.tracker.beat(path, "chunking", 0.5 + 0.5 * min(len(texts), at + IDS_SLAB) / len(texts))
        return out, keys

    def flush(self, stoppable: bool = False) -> None:
        """Embed every pending chunk (in slabs, so a big file reports progress as it goes), then store each
        document. `stoppable` (a flush from `add`, whose document is the last pending one): `should_stop()` true
        before a slab of that document drops it, stores the others and raises `_Stopped`. The run's last flush
        holds under `flush_at` chunks: it is not stopped."""
        if not self.pending:
            return
        pending, self.pending, self.pending_chunks = self.pending, [], 0
        need = [(p, i) for p in pending for i, v in enumerate(p.vectors) if v is None]
        # the chunks of the documents before the last come first: once they are embedded, a stop costs only it
        others = sum(p is not pending[-1] for p, _ in need) if stoppable else len(need)
        stopped = False
        texts = [p.embed_texts[i] for p, i in need]
        ids = [p.ids[i] for p, i in need] if all(p.ids is not None for p, _ in need) else None
        by_ids = getattr(self.embedder, "encode_token_ids", None) if ids is not None else None
        owner = [(p.doc.path, p.weight / len(p.chunks)) for p, _ in need]
        # chunks that keep their vectors are done once chunked (their cost, tokenising and writing, is in the time
        # so far): credited, not taken out of the total. Taken out, the bytes still ahead counted every chunk of the
        # documents not reached yet at the embedding's rate, those that will keep theirs too: a chunking change that
        # kept 23% of the vectors was predicted 1.3x too long at first (round 46, docs/ingest.md)
        self.tracker.credit(sum(p.weight * p.reused / len(p.chunks) for p in pending))
        # every slab's vectors go into one array, made at the first: a list of slabs joined at the end held them all
        # twice for a moment (+90 MB at 61k chunks)
        vecs: np.ndarray | None = None
        filled = 0
        try:
            for at in range(0, len(texts), EMBED_SLAB):
                if at >= others and self.should_stop():
                    stopped = True
                    break
                part = self.embedder.encode(texts[at:at + EMBED_SLAB]) if by_ids is None \
                    else by_ids(ids[at:at + EMBED_SLAB])  # type: ignore[index]
                if vecs is None:
                    vecs = np.empty((len(texts), *np.shape(part)[1:]), dtype=np.asarray(part).dtype)
                vecs[at:at + len(part)] = part
                filled = at + len(part)
                del part
                done = owner[at:at + EMBED_SLAB]
                self.tracker.credit(sum(w for _, w in done))
                self.tracker.emit(done[-1][0], "embedding")
        except ModelError as exc:
            failed = {id(p) for p, _ in need}
            for p in pending:
                if id(p) in failed:
                    self.summary.failed.append((p.doc.path, f"embedding failed: {exc.message}"))
            self.tracker.skip(sum(w for _, w in owner[filled:]))
            pending = [p for p in pending if id(p) not in failed]  # those reusing every vector are still stored
            need = []
        if stopped:
            pending, need = pending[:-1], need[:others]
        self.summary.chunks_embedded += len(need)
        if need and vecs is not None:
            for (p, i), v in zip(need, vecs[:filled]):
                p.vectors[i] = v
        for p in pending:
            self.write(p)
        if stopped:
            raise _Stopped

    def write(self, p: _Prepared) -> None:
        doc = p.doc
        meta_d: dict[str, Any] = {"index_key": self.index_key, MODEL_META: self.model_key}
        if loader_version(doc.kind) is not None:
            meta_d[LOADER_KEY] = loader_version(doc.kind)
        meta = json.dumps(meta_d, sort_keys=True)
        if p.same and p.existing_id is not None:
            self._touch(p, meta)
            return
        try:
            with self.store.transaction():
                doc_id, removed = self.store.put_document(
                    path=doc.path, sha256=doc.sha256, title=doc.title, kind=doc.kind, size=doc.size,
                    doc_date=doc.doc_date, ingested_at=time.time(), meta=meta, chunks=p.chunks, vectors=p.vectors,
                    embed_keys=p.keys)
                self.summary.chunks_deleted += removed
                self._note_change()
        except WriteRefused:  # no room (store/noroom.py): none for the next document either; the run stops here
            self.refused_at = doc.path
            raise
        except StoreError as exc:  # the home's fault, not the file's: the CLI exits 4 (docs/ingest.md)
            self.summary.failed.append((doc.path, exc.message))
            self.summary.store_errors += 1
            return
        self.failures.readable(doc.path)
        self.changed_doc_ids.add(doc_id)
        self.summary.chunks_added += len(p.chunks)
        self.summary.notes.extend((doc.path, n) for n in doc.notes)
        if p.existing_id is None:
            self.summary.added += 1
        else:
            self.summary.updated += 1
            self._count_replaced(p)

    def _touch(self, p: _Prepared, meta: str) -> None:
        """The document reads exactly as stored (a re-read that changed nothing, or a file edit that left its text
        alone): keep its chunks, vectors, ids and the index version (caches stay valid); update its row."""
        doc = p.doc
        try:
            self.store.touch_document(p.existing_id, sha256=doc.sha256, size=doc.size, ingested_at=time.time(),
                                      meta=meta, embed_keys=p.keys)
        except WriteRefused:
            self.refused_at = doc.path
            raise
        except StoreError as exc:  # the home's fault, not the file's: the CLI exits 4 (docs/ingest.md)
            self.summary.failed.append((doc.path, exc.message))
            self.summary.store_errors += 1
            return
        self.failures.readable(doc.path)
        self.summary.notes.extend((doc.path, n) for n in doc.notes)
        if doc.path in self.rereads:
            self.summary.unchanged += 1
        else:
            self.summary.updated += 1
        self._count_replaced(p)

    def _count_replaced(self, p: _Prepared) -> None:
        self.summary.chunks_replaced += len(p.chunks)
        self.summary.chunks_reused += p.reused
        if p.doc.path in self.rereads:
            self.summary.reread += 1
        if p.doc.path in self.rechunks:
            self.summary.rechunked += 1

    def _note_change(self) -> None:
        if not self.bumped_at_change:
            self.store.bump_index_version()
            self.bumped_at_change = True
        else:
            self.changes_after_bump += 1

    def delete_documents(self, doc_ids: list[int]) -> None:
        """Prune `doc_ids` (prune.stale_documents), each one's path noted in `summary.pruned`."""
        if not doc_ids:
            return
        with self.store.transaction():
            for doc_id in doc_ids:
                row = self.store.document(doc_id)
                if row is not None:
                    self.summary.pruned.append(row["path"])
                self.summary.chunks_deleted += self.store.delete_document(doc_id)
            self._note_change()
        self.deleted_doc_ids.update(doc_ids)
        self.summary.deleted += len(doc_ids)

    def finish_version(self) -> None:
        if self.bumped_at_change and self.changes_after_bump:
            with self.store.transaction():
                self.store.bump_index_version()
