"""BM25 over chunks with Tantivy. Derived data: SQLite's `chunks` is the truth, this index is a cache of it.

Consistency: a sidecar file `synced.json` records the `store.index_version` the index reflects. It is written
atomically after each Tantivy commit, and marked dirty (version null) before a writer starts changing things,
so a crash anywhere leaves either a correct marker or one that forces a rebuild. `ensure_synced(store)`
rebuilds from SQLite when the marker, the document count or the index itself disagree with the store.

Tantivy allows one writer per index across processes (an flock on `.tantivy-writer.lock`); a searcher that finds the
index stale while an ingest holds the writer keeps searching the last commit instead of failing. Creating the index
(a new one, or a damaged one reset) and removing a killed writer's temporaries take that same lock from here: no
process removes the temporary of another's creation, and two processes creating one index at once make it once.
An index this process may not write (a read-only home) is read through a private view (lexical_open.py).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import InputError, OutOfMemory, StoreError, WriteRefused
from .jsonl import loads_located
# lock files, litter, read-only views, no room: split out; IndexBusy, sweep_litter, is_litter imported from here too
from .lexical_open import (LOCK_FILES, SIDE_PREFIX, SIDECAR, TANTIVY_TMP, WRITER_LOCK, IndexBusy, denied, drop_view,  # noqa: F401
                           is_litter, private_view, publish_new, reopen_when_whole, room_checked, sweep_litter,
                           unwritable, vanished)
from .lexical_open import locked as _locked, remove_litter as _remove_litter
# a damaged segment's panic as a ValueError (Panicked), a StoreError, or ignored
from .lexical_panic import Panicked, damaged, panic_refused, quietly, unpanicked
# how text becomes terms (split out); query_terms, search_form and TOKENIZER are imported from here too
from .lexical_terms import (SEARCH_FIELDS, TOKENIZER, analyzer, index_schema, query_terms,  # noqa: F401
                            schema_tokenizer, search_form, search_terms, with_tokenizer)
from .lexical_writer import LexicalWriter  # noqa: F401 - split out (round 50): imported from here too
# a whole rebuild said (on_rebuild), marked, and waited for by another searcher (round 50)
from .lexical_rebuild import on_rebuild, reason as rebuild_reason, tell as tell_rebuild, wait_rebuilt  # noqa: F401

SCHEMA_VERSION = 7  # 2 (round 43): TOKENIZER and `search_form`; 3 (round 49): scripts.script_form (Thai, Indic,
# Greek, Arabic, Hebrew, Hangul terms); 4 (round 50): Arabic/Hebrew prefixes stripped (scripts.strip_prefixes); 5
# (round 58): a FORMS field of date and acronym terms (lexical_terms.form_terms); 6 (round 58): fewer false ones
# ("4th floor", "1/2 cup", "Tom Vale" are no dates or acronyms); 7 (round 59): date ranges, "03-Mar-26", "the third
# of March", "Q&A", "Human Resources" without its "HR", and "Wi-Fi" also "wifi" (hyphenforms.py); an older index is
# rebuilt from SQLite
WRITER_HEAP = 15_000_000  # bytes; tantivy's minimum per thread, plenty for chunk-sized documents

LOCK_WAIT_S = 30.0  # how long a creation or a reset waits for a writer of the index (as an ingest does)


# Posting lists shorter than this cost microseconds to walk: `search(max_df=)` prunes no term below it.
MIN_PRUNED_POSTINGS = 10_000


def write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The sync marker (synced.json) in the index folder `folder`; None when missing, unreadable or damaged."""
    try:
        data = loads_located((folder / SIDECAR).read_bytes(), folder / SIDECAR)
    except (OSError, InputError):  # damaged (a long number, [[[[… too): unknown, the index is synced again
        return None
    return data if isinstance(data, dict) else None


def own_folder(top: Path | str) -> Path:
    """The folder of this release's index in the home's index folder `top`: `top`, unless a newer release's index is
    there (its marker names a higher schema): then `top/schema-<SCHEMA_VERSION>`, beside it. Two releases on one home
    (a rollback; a serve of the old release still running after an upgrade) each reset the other's index and rebuilt
    it whole, at every switch (round 52). A newer release still takes over an older index (an upgrade frees its room);
    releases before round 52 still reset a newer one's (docs/upgrading.md)."""
    top = Path(top)
    schema = (read_marker(top) or {}).get("schema")
    if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA_VERSION:
        return top / f"{SIDE_PREFIX}{SCHEMA_VERSION}"
    return top


def marker_version(meta: dict[str, Any] | None) -> int | None:
    """The version a sync marker (`_read_sidecar()`) records; None when missing, dirty or of another schema."""
    if not meta or meta.get("schema") != SCHEMA_VERSION:
        return None
    v = meta.get("index_version")
    return v if isinstance(v, int) else None


class LexicalIndex:
    """`search(query, limit, title_boost=2.0) -> [(chunk_id, bm25)]`; `ensure_synced(store)`; `writer()`."""

    def __init__(self, path: Path | str):
        self.top = Path(path)  # the home's index folder; this release's own is beside a newer one's (own_folder)
        self.path = self.home_path = own_folder(self.top)  # `path`: a private view's when that cannot be written
        self.view: Path | None = None  # that view (lexical_open.private_view), removed at close
        self._index: Any = None
        self._analyzer: Any = None
        self._store: Any = None  # the last ensure_synced's: search() rebuilds a damaged index from it
        self.old_schema: Any = None  # the schema an index of another one said it had (a rebuild says so)
        self.other_analyzer = False
        self._marking: dict[str, Any] = {}  # what the writer's dirty marker carries ({"rebuilding": …}: a rebuild)
        self._open()

    def _into_view(self) -> None:
        self.path = self.view = private_view(self.home_path)

    # -- opening --------------------------------------------------------------------------------
    def _open(self) -> None:
        try:  # tantivy's shared object unmapped for want of address space (`ulimit -v`) is an ImportError
            import tantivy
        except ImportError as exc:
            if OutOfMemory.says_so(exc):
                raise self._out_of_memory(exc) from None
            raise

        if self.view is None and unwritable(self.path):  # Tantivy would take its lock files even to read
            self._into_view()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not (denied(exc) and self.view is None):
                raise StoreError(f"{self.path}: cannot create the lexical index folder: {exc.strerror or exc}") \
                    from None
            self._into_view()
        self.corrupt, self.old_schema, self.other_analyzer = False, None, False  # what this open finds
        try:
            if not (self.path / "meta.json").exists():
                self._create()
            if self._index is None:
                meta = self._read_sidecar()
                if meta is not None and meta.get("schema") != SCHEMA_VERSION:
                    self.old_schema = meta.get("schema")
                    raise ValueError(f"index schema {meta.get('schema')} is not {SCHEMA_VERSION}")
                if schema_tokenizer(self.path) != TOKENIZER:
                    self.other_analyzer = True
                    raise ValueError(f"index analyzer {schema_tokenizer(self.path)} is not {TOKENIZER}")
                with unpanicked():  # a file another process's rebuild removed meanwhile: opened when whole
                    self._index = reopen_when_whole(self.path, self._opened)
        except (ValueError, OSError, RuntimeError, MemoryError) as exc:
            if OutOfMemory.says_so(exc):  # not a damaged index: resetting it would not help, rebuilding needs more
                raise self._out_of_memory(exc) from None
            if denied(exc) and self.view is None:  # writable to os.access, not to Tantivy (an ACL, NFS root_squash)
                self._into_view()
                return self._open()
            # Unreadable or foreign index: start empty; ensure_synced() refills it from SQLite.
            self.corrupt = True
            self._corrupt_reason = str(exc)
            self._reset_dir()

    def _opened(self) -> Any:
        import tantivy
        return with_tokenizer(tantivy.Index.open(str(self.path)))

    def _reload(self) -> None:
        """Tantivy's reload; a file gone under it (another process replaced the index) is no damage: reopened."""
        try:
            self._index.reload()
        except ValueError as exc:
            if not vanished(exc):
                raise
            self._index = reopen_when_whole(self.path, self._opened)

    def _out_of_memory(self, exc: BaseException) -> OutOfMemory:
        from . import machine

        why = str(exc).rsplit(": ", 1)[-1] or type(exc).__name__  # "failed to map segment from shared object"
        return OutOfMemory(f"{self.path}: out of memory opening the lexical index ({why})",
                           hint=machine.out_of_memory_hint())

    def _create(self) -> None:
        """A new, empty index, under the writer lock: a second process creating it at the same moment waits, then
        opens this one (self._index stays None for _open to open), and no writer's litter sweep takes the temporary
        of a creation in progress (it did, and the creator, failing, wiped the other's index as damaged)."""
        import tantivy

        with _locked(self.path, LOCK_WAIT_S):
            if not (self.path / "meta.json").exists():
                _remove_litter(self.path)  # a killed creation's: nothing else can be writing
                self._index = with_tokenizer(tantivy.Index(index_schema(), path=str(self.path), reuse=True))

    def _reset_dir(self) -> None:
        """A new empty index in the folder, under the writer lock (never under a live writer, nor beside another's
        creation), made beside and published whole (lexical_open.publish_new: a reader never finds it half)."""
        import tantivy

        self._index = None
        try:
            with _locked(self.path, LOCK_WAIT_S):
                if self._rebuilt_meanwhile():
                    return
                publish_new(self.path, lambda new: tantivy.Index(index_schema(), path=str(new), reuse=False))
                self._index = self._opened()
        except (OSError, ValueError) as exc:
            if denied(exc):  # not damage: this user may not write there
                raise StoreError(f"{self.path}: cannot write the lexical index folder: {exc}",
                                 hint=f"this user must be able to write it and its files (`ls -la {self.path}`)") \
                    from None
            raise StoreError(f"{self.path}: cannot reset the damaged lexical index: {exc}",
                             hint="delete this folder; it is rebuilt from the database") from None

    def _rebuilt_meanwhile(self) -> bool:
        """An index of another schema found at open, rebuilt by another process while this one waited for the lock
        to reset it: opened as it is now (it reset the other's fresh index, and rebuilt it again)."""
        meta = self._read_sidecar() or {}
        if not (self.old_schema is not None or self.other_analyzer) or meta.get("schema") != SCHEMA_VERSION \
                or not isinstance(meta.get("index_version"), int) or schema_tokenizer(self.path) != TOKENIZER:
            return False
        try:
            self._index = self._opened()
        except (ValueError, OSError):
            return False
        self.corrupt, self.old_schema, self.other_analyzer = False, None, False
        return True

    # -- sidecar --------------------------------------------------------------------------------
    def _read_sidecar(self) -> dict[str, Any] | None:
        return read_marker(self.path)

    def _write_sidecar(self, version: int | None, **extra: Any) -> None:
        write_json_atomic(self.path / SIDECAR, {"schema": SCHEMA_VERSION, "index_version": version, **extra})

    @property
    def synced_version(self) -> int | None:
        """The store.index_version this index reflects; None when unknown (missing, dirty, corrupt)."""
        return marker_version(self._read_sidecar())

    @property
    def num_docs(self) -> int:
        with unpanicked():  # the searcher opens every segment's files
            self._reload()
            return int(self._index.searcher().num_docs)

    # -- search ---------------------------------------------------------------------------------
    def search(self, query: str, limit: int, *, title_boost: float = 2.0, max_df: float = 1.0,
               doc_ids: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """BM25 over title (boosted) + text, OR of the query's terms. Never raises on user syntax.

        `doc_ids`: only chunks of these documents (a scope; retrieve.py). The filter is a zero-scored clause the
        query must also match, so Tantivy ranks inside the scope (its posting lists are intersected with the
        documents', not searched whole and thinned): a chunk scores exactly what it scores unscoped. At 100k
        chunks, 0.7 ms for 10 documents, 2 ms for half the corpus (a search of the whole index with a limit of
        every chunk, then filtered: 38 ms); the clause grows with the ids: 19 ms for 50,000 of them, so a wide
        scope is searched unscoped with more candidates instead (retrieve.py).

        `max_df` < 1: terms found in more than that share of the chunks are left out of the query when a rarer
        term remains (a term in half the chunks adds an IDF of at most 0.7 next to a rare term's 5-12, yet its
        posting list is what the search walks: at 1M chunks, 12 -> 5 ms a query; benchmarks/README.md). Only
        where such a list is long (over MIN_PRUNED_POSTINGS): a small store's search is fast anyway, and keeps
        its exact ranking.

        A damaged index that makes Tantivy panic (lexical_panic.py) is rebuilt from the store of the last
        `ensure_synced` and the search run once more; without one, or damaged again: a StoreError naming the folder."""
        for again in (False, True):
            try:
                with unpanicked():
                    return self._search(query, limit, title_boost, max_df, doc_ids)
            except Panicked as exc:
                self.corrupt = True  # not in step: this process's next ensure_synced rebuilds it
                folder, hint = damaged(self)  # a copy in this user's cache is removed: never opened again
                if again or self._store is None or not self.ensure_synced(self._store):
                    raise StoreError(f"{folder}: the lexical index is damaged: {exc}", hint=hint) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _search(self, query: str, limit: int, title_boost: float, max_df: float,
                doc_ids: Iterable[int] | None) -> list[tuple[int, float]]:
        terms = search_terms(query)  # its words, then its date and acronym terms (round 58)
        if not terms or limit <= 0:
            return []
        try:
            searcher = self._index.searcher()
            if (max_df < 1.0 and len(terms) > 1 and searcher.num_docs * max_df > MIN_PRUNED_POSTINGS
                    and hasattr(searcher, "doc_freq")):  # an older tantivy-py: no pruning
                cap = max_df * searcher.num_docs
                rare = [t for t in terms if self._doc_freq(searcher, t) <= cap]
                terms = rare or terms
            q = self._index.parse_query(" ".join(terms), SEARCH_FIELDS, field_boosts={"title": float(title_boost)})
            if doc_ids is not None:
                q = self._within(q, doc_ids)
                if q is None:
                    return []
            res = searcher.search(q, int(limit), count=False)
            if not res.hits:
                return []
            addrs = [a for _, a in res.hits]
            if hasattr(searcher, "fast_field_values"):  # tantivy-py >= 0.25: no stored-document fetch
                ids = searcher.fast_field_values("chunk_id", addrs)
            else:  # pragma: no cover - older tantivy-py
                ids = [searcher.doc(a)["chunk_id"][0] for a in addrs]
        except ValueError as exc:  # a damaged index, never the query (it is only words)
            raise StoreError(f"{self.path}: lexical search failed: {exc}",
                             hint="the index is rebuilt from the database on the next open or ingest") from None
        out = [(int(cid), float(score)) for (score, _), cid in zip(res.hits, ids) if cid is not None]
        # equal scores (copies of a text) in chunk-id order: tantivy orders them by segment and document address,
        # which merges and rebuilds change, and fusion breaks its ties by these ranks
        out.sort(key=lambda p: (-p[1], p[0]))
        return out

    def _within(self, q: Any, doc_ids: Iterable[int]) -> Any:
        """`q` restricted to the chunks of `doc_ids` (None: no documents, nothing to find)."""
        import tantivy

        ids = sorted({int(d) for d in doc_ids})
        if not ids:
            return None
        only = tantivy.Query.const_score_query(tantivy.Query.term_set_query(self._index.schema, "doc_id", ids), 0.0)
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Must, only)])

    def _doc_freq(self, searcher: Any, term: str) -> int:
        """Chunks whose text holds the term as the index stores it (stemmed: "running" is counted as "run")."""
        if self._analyzer is None:
            try:
                self._analyzer = analyzer()
            except AttributeError:  # a tantivy-py without analyzers: the word as typed (only undercounts)
                self._analyzer = False
        tokens = self._analyzer.analyze(term) if self._analyzer else [term.lower()]
        return min((int(searcher.doc_freq("text", t)) for t in tokens), default=0)

    def reload(self) -> None:
        try:
            with unpanicked():
                self._reload()
        except Panicked:  # damaged: the search says so (and rebuilds it)
            self.corrupt = True

    # -- sync -----------------------------------------------------------------------------------
    def is_synced(self, store: Any) -> bool:
        if self.corrupt:
            return False
        if self.synced_version != store.index_version:
            return False
        try:
            return self.num_docs == store.count_chunks()
        except (ValueError, OSError) as exc:
            self.corrupt = self.corrupt or isinstance(exc, Panicked)  # a damaged segment: rebuilt, not read
            return False

    def ensure_synced(self, store: Any) -> bool:
        """Rebuild from SQLite if stale, missing or corrupt. True when a rebuild happened. If another process
        holds the writer (an ingest in progress), leaves the index as it is and returns False."""
        self._store = store  # what search() rebuilds a damaged index from
        if self.is_synced(store):
            return False
        if self.home_path == self.top and own_folder(self.top) != self.top:  # a newer release took it meanwhile
            self._move_aside()
            if self.is_synced(store):
                return False
        if self.view is not None:  # a read-only home: one rebuilt copy a version, shared by this user's processes
            from .lexical_cache import use_shared
            if use_shared(self, store):
                return True
        try:
            self.rebuild(store)
        except IndexBusy:  # another's writer: an ingest's last commit is searched; another's rebuild is waited for
            return wait_rebuilt(self, store)
        return True

    def _move_aside(self) -> None:
        """Leave the newer release's index to it: this release's own, beside it (own_folder), opened instead."""
        self._index = None
        drop_view(self.view)
        self.view, self.path = None, own_folder(self.top)
        self.home_path = self.path
        self._open()

    def rebuild(self, store: Any) -> None:
        """Replace the whole index with the store's chunks (one commit). A damaged index is wiped first. One of
        another schema or damaged is said first (on_rebuild) and marked while it runs (lexical_rebuild.py)."""
        info = rebuild_reason(self, store, SCHEMA_VERSION)
        self._marking = {"rebuilding": info or {"catch_up": True}}
        try:
            if info is not None:
                tell_rebuild(self.home_path, info)
            self._rebuild_or_reset(store)
        finally:
            self._marking = {}

    def _rebuild_or_reset(self, store: Any) -> None:
        try:
            with unpanicked():  # a damaged segment read by the writer's count: reset, as any damage
                self._rebuild(store)
        except (IndexBusy, WriteRefused):  # another's writer, no room: a reset would not help
            raise
        except (ValueError, OSError, StoreError):
            self._reset_dir()
            with panic_refused(self.path, "cannot rebuild the lexical index"):
                self._rebuild(store)

    def _rebuild(self, store: Any) -> None:
        with self.writer() as w:
            version = store.index_version  # read before the chunks: a racing commit can only force another rebuild
            w.delete_all()
            w.add_from_store(store, None)
            w.finish(version)

    @contextmanager
    def writer(self) -> Iterator["LexicalWriter"]:
        """Exclusive writer. The sidecar is marked dirty first, so an interrupted update forces a rebuild;
        `finish(version)` commits and records the version. Leaving without finish() rolls back."""
        with room_checked(self.path):  # Tantivy's "No space left", or its writer "killed": WriteRefused
            yield from self._writer()

    def _writer(self) -> Iterator["LexicalWriter"]:
        try:
            w = self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
        except ValueError as exc:
            if "LockBusy" in str(exc):  # Tantivy's own lock, held by another process's writer
                raise IndexBusy.writing(self.path) from None
            raise StoreError(f"{self.path}: cannot open the lexical index for writing: {exc}") from None
        lw = LexicalWriter(self, w)
        try:
            _remove_litter(self.path)  # Tantivy's writer lock is held
            lw.prior_version = None if self.corrupt else self.synced_version
            marker = self._read_sidecar()
            lw.interrupted = marker is not None and marker.get("index_version", 0) is None
            lw.prior_marker = marker
            try:
                lw.prior_docs = self.num_docs
            except ValueError:
                lw.prior_docs = -1
            self._write_sidecar(None, **self._marking)
            yield lw
        finally:
            try:
                if lw.version is None:
                    quietly(w.rollback)  # a damaged index's panic too: the error that got here goes on
                    if lw.untouched_marker is not None:
                        self._put_marker_back(lw)
                else:  # committed (even if the block raised after): record it while the lock is still held, or
                    # the next writer could dirty the marker first and see it overwritten with the old version
                    self._write_sidecar(lw.version)
                    # of this schema now: a later damage is said as damage, not as "schema 2 → 3" (lexical_rebuild)
                    self.corrupt, self.old_schema, self.other_analyzer = False, None, False
            finally:
                quietly(w.wait_merging_threads)  # releases the writer lock
        self._reload()

    def _put_marker_back(self, lw: "LexicalWriter") -> None:
        """Rolled back after `untouched()`: the marker as the caller says it stands, never one left dirty for
        nothing. A failure here keeps the dirty marker (a rebuild: safe)."""
        version, marker = lw.untouched_marker
        try:
            if version is not None:
                self._write_sidecar(version)
            elif marker is not None:
                write_json_atomic(self.path / SIDECAR, marker)
            else:
                (self.path / SIDECAR).unlink(missing_ok=True)
        except OSError:
            pass

    def close(self) -> None:
        self._index = None
        drop_view(self.view)
