"""The TUI's data access: the `DocumentSource` the screens read chunks, documents and scopes through, and
`StoreDocuments`, the one over `ragtune.db`; with the document reconstruction and section headings they need. Kept
free of Textual (and of `data.py`'s text helpers: imports point one way, the app and widgets down to here)."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from ragtune.appliance.errors import InputError
from ragtune.appliance.types import ContextItem


@dataclass
class ChunkInfo:
    """Where a cited chunk lives: shown under the source text."""

    source: str
    text: str
    ord: int | None = None
    n_chunks: int | None = None
    start_char: int = 0
    end_char: int = 0
    title: str = ""
    doc_id: int | None = None
    note: str = ""  # why this is not the stored chunk (it was removed or re-ingested since the answer)


@dataclass
class DocumentText:
    source: str
    title: str
    text: str
    span: tuple[int, int] | None = None  # the cited chunk inside `text`, when it could be located
    note: str = ""  # why this is not the whole stored document (it was removed or re-ingested since the answer)
    doc_id: int | None = None  # the stored document (None: no longer stored), what "ask within it" scopes to


@dataclass
class DocRow:
    """One ingested document of the documents screen (what `ragtune docs list` shows)."""

    id: int
    path: str
    title: str
    chunks: int
    ingested_at: float
    stale: bool = False
    key: str = field(default="", repr=False)  # what the filter matches: title and path, lower case

    def __post_init__(self) -> None:
        self.key = f"{self.title}\n{self.path}".lower()


class DocumentSource(Protocol):
    def chunk(self, item: ContextItem) -> ChunkInfo: ...
    def document(self, item: ContextItem) -> DocumentText: ...
    def count_documents(self) -> int | None: ...
    def list_documents(self) -> list[DocRow]: ...  # called from a worker thread
    def document_by_id(self, doc_id: int) -> DocumentText: ...
    # These two are also called from worker threads (a scope followed before a question, scopes.py):
    def index_version(self) -> int | None: ...  # changes with every ingest or removal that changes documents
    def resolve(self, refs: list[str]) -> tuple[list[int], list[str]]: ...  # (doc ids, the refs matching none)
    def close(self) -> None: ...


# What the source panel and the document view say of a cited chunk whose document was re-ingested since the answer
REINGESTED = "re-ingested since this answer: showing the cited text; the stored version has changed"
# The document view of such a citation: the version stored now, whole
REINGESTED_WHOLE = "re-ingested since this answer: showing the version stored now"
STORED_NOW = "-- the version stored now --"  # plain words a screen reader says as they are, not box drawing


def chunk_number(info: Any) -> str:
    """`, chunk 3/7` for a chunk still stored (a ChunkInfo with its ord), else "": how ctrl+y and `ragtune demo`
    name a citation's chunk, as the Source panel does."""
    if info is None or getattr(info, "ord", None) is None:
        return ""
    return f", chunk {info.ord + 1}" + (f"/{info.n_chunks}" if info.n_chunks else "")


def _fallback_chunk(item: ContextItem) -> ChunkInfo:
    return ChunkInfo(source=item.source, text=item.text, start_char=item.start_char, end_char=item.end_char,
                     title=item.title)


def merge_chunks(rows: list[tuple[int, str, int, int]]) -> tuple[str, dict[int, tuple[int, int]]]:
    """Rebuild a document's text from its (ord, text, start_char, end_char) chunks.

    Chunks overlap; when consecutive chunks' spans match their text lengths the spans are trusted and the overlap
    is cut, otherwise chunks are joined with a blank line. Returns the text and each ord's span inside it."""
    out = ""
    spans: dict[int, tuple[int, int]] = {}
    last_end: int | None = None  # end_char of the previous chunk when its span was exact
    for ord_, text, start, end in sorted(rows):
        exact = end - start == len(text)
        if out and exact and last_end is not None and start <= last_end and last_end - start <= len(text):
            skip = last_end - start
            begin = len(out) - skip
            out += text[skip:]
            spans[ord_] = (begin, begin + len(text))
        else:
            if out:
                out += "\n\n"
            spans[ord_] = (len(out), len(out) + len(text))
            out += text
        last_end = end if exact else None
    return out, spans


HEADING_LINE = re.compile(r"^[^\S\n]{0,3}#{1,6}[^\S\n]+(.+?)[^\S\n]*#*[^\S\n]*$", re.M)  # one line each


def heading_lines(text: str, end: int | None = None) -> Iterator[tuple[int, str]]:
    """(position, title) of each markdown heading line in `text[:end]` (loaders turn HTML/DOCX headings into `#`
    lines). A `#` line inside a fenced code block is code, not a heading."""
    from ragtune.appliance.ingest.chunker import fence_spans, in_spans  # lazy: the chunker imports numpy

    fences = fence_spans(text)
    for m in HEADING_LINE.finditer(text, 0, len(text) if end is None else end):
        if not in_spans(fences, m.start()):
            yield m.start(), m.group(1)


def section_heading(rows: list[tuple[int, str, int, int]], ord_: int) -> str | None:
    """What section a citation is in, from the document's (ord, text, start_char, end_char) chunks: the last
    heading at or before the chunk's first line, else the first one inside the chunk, else "" (known to have
    none). Fences are found in the text from the document's start, so a `#` line in a fence opened in an earlier
    chunk is code too. None when `ord_` is not among the chunks."""
    text, spans = merge_chunks([r for r in rows if r[0] <= ord_])  # later chunks cannot change what came before
    if ord_ not in spans:
        return None
    begin, end = spans[ord_]
    first_line_end = text.find("\n", begin, end)
    first_line_end = end if first_line_end < 0 else first_line_end
    section = inside = None
    for pos, title in heading_lines(text, end):
        if pos <= first_line_end:
            section = title
        elif inside is None:
            inside = title
    return section or inside or ""


class StoreDocuments:
    """Chunk and document lookups over `ragtune.db` (opened lazily, on the UI thread). `index_version` and
    `resolve` are also called from worker threads: there they go over a second connection, one worker at a time
    (an apsw connection refuses to be in two threads at once)."""

    def __init__(self, home: Any):
        self.home = home
        self._store: Any = None
        self._worker_store: Any = None  # the workers' connection, used under _worker_lock
        self._worker_lock = threading.Lock()

    def _open(self) -> Any:
        if not Path(self.home.db_path).exists():
            return None
        from ragtune.appliance.store import Store

        return Store(self.home.db_path)

    def _db(self) -> Any:
        if self._store is None:
            self._store = self._open()
        return self._store

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """The calling thread's store: the UI's on the main thread (where the app runs), else the workers'."""
        if threading.current_thread() is threading.main_thread():
            yield self._db()
            return
        with self._worker_lock:
            if self._worker_store is None:
                self._worker_store = self._open()
            yield self._worker_store

    def count_documents(self) -> int | None:
        try:
            db = self._db()
            return 0 if db is None else db.count_documents()
        except Exception:
            return None

    def recent_questions(self, limit: int = 200) -> list[str]:
        """Questions asked before (the query log), oldest first: the input box's up/down history across runs."""
        db = self._db()
        return [] if db is None else db.recent_questions(limit)

    def eval_report_dirs(self) -> list[str]:
        """Report folders of the home's recorded eval runs (wherever `--out` put them)."""
        db = self._db()
        return [] if db is None else db.eval_run_outs()

    def heading(self, item: ContextItem) -> str | None:
        """The heading of the section the cited chunk starts in ("" when it has none, None without a stored
        chunk): see `section_heading`."""
        db = self._db()
        row = None if db is None or item.chunk_id is None else db.chunk_with_document(item.chunk_id)
        if row is None:
            return None
        return section_heading(db.document_chunks(row["doc_id"]), row["ord"])

    def _row(self, item: ContextItem) -> tuple | None:
        db = self._db()
        if db is None or item.chunk_id is None:
            return None
        row = db.chunk_with_document(item.chunk_id)
        return None if row is None else (row["ord"], row["start_char"], row["end_char"], row["text"], row["path"],
                                         row["title"], row["n_chunks"], row["doc_id"])

    def _stored_again(self, item: ContextItem) -> int | None:
        """The id of the document stored under the cited chunk's path now, when the chunk itself is gone: a
        re-ingest replaces every chunk of an edited file (new ids) and keeps the path."""
        found = self._db().document_by_path(item.source) if item.source else None
        return None if found is None else int(found["id"])

    def chunk(self, item: ContextItem) -> ChunkInfo:
        row = self._row(item)
        if row is None:  # the answer's own copy; a store that no longer has it says so (DocumentText.note)
            info = _fallback_chunk(item)
            if self._db() is not None and item.chunk_id is not None:
                info.doc_id = self._stored_again(item)  # re-ingested: the source panel says so
                info.note = REINGESTED if info.doc_id is not None else \
                    "no longer stored; showing the text the answer cited"
            return info
        ord_, start, end, text, path, title, n_chunks, doc_id = row
        return ChunkInfo(source=path, text=text, ord=ord_, n_chunks=n_chunks, start_char=start, end_char=end,
                         title=title, doc_id=doc_id)

    def document(self, item: ContextItem) -> DocumentText:
        row = self._row(item)
        if row is None:  # the answer's chunk is gone: say so rather than pass the chunk off as the document
            doc_id = None if self._db() is None or item.chunk_id is None else self._stored_again(item)
            if doc_id is not None:  # re-ingested (an edited file): `a` asks within the version stored now
                return self._stored_now(item, doc_id)
            why = ("no documents are stored in this home" if self._db() is None else
                   "this document is no longer stored (removed or moved since the answer was given)")
            return DocumentText(item.source, item.title, item.text, (0, len(item.text)),
                                note=f"{why}: showing the cited text only")
        ord_, _start, _end, _text, path, title, _n, doc_id = row
        text, spans = merge_chunks(self._db().document_chunks(doc_id))
        return DocumentText(path, title, text, spans.get(ord_), doc_id=doc_id)

    def _stored_now(self, item: ContextItem, doc_id: int) -> DocumentText:
        """A cited document re-ingested since the answer: the version stored now, whole (round 47 showed the cited
        text alone), with the cited text shaded where it still stands word for word, else shown first, above it."""
        db = self._db()
        row = db.document(doc_id)
        text = merge_chunks(db.document_chunks(doc_id))[0]
        title = row["title"] if row else item.title
        at = text.find(item.text) if item.text else -1
        if at >= 0:
            return DocumentText(item.source, title, text, (at, at + len(item.text)),
                                note=f"{REINGESTED_WHOLE}; the cited text is still in it (shaded)", doc_id=doc_id)
        return DocumentText(item.source, title, f"{item.text}\n\n{STORED_NOW}\n\n{text}", (0, len(item.text)),
                            note=f"{REINGESTED_WHOLE}; the cited text is no longer in it: shown first (shaded), "
                                 "then the version stored now", doc_id=doc_id)

    def list_documents(self) -> list[DocRow]:
        """Every ingested document, by path: the library call of `ragtune docs list`, over a connection of its own
        (the documents screen calls this from a worker thread; this object's connection is the UI thread's)."""
        from ragtune.appliance.config import Settings
        from ragtune.appliance.ingest.documents import list_documents

        return [DocRow(d.id, d.path, d.title, d.n_chunks, d.ingested_at, bool(d.stale))
                for d in list_documents(Settings(home=self.home))]

    def document_by_id(self, doc_id: int) -> DocumentText:
        """A whole stored document (from the documents screen: no cited chunk)."""
        db = self._db()
        row = None if db is None else db.document(doc_id)
        if row is None:
            return DocumentText(f"document {doc_id}", "", "",
                                note="this document is no longer stored (removed since the list was read)")
        return DocumentText(row["path"], row["title"], merge_chunks(db.document_chunks(doc_id))[0], doc_id=doc_id)

    def index_version(self) -> int | None:
        with self._connection() as db:
            return None if db is None else db.index_version

    def resolve(self, refs: list[str]) -> tuple[list[int], list[str]]:
        """The ids of the documents REFs name now (an id, a stored path, a folder: resolved like `--in`, by
        `appliance.scope.document_scope`) and the refs that match none any more."""
        from ragtune.appliance.scope import document_scope

        with self._connection() as db:
            if db is None:
                return [], list(refs)
            ids: set[int] = set()
            gone: list[str] = []
            for ref in refs:  # one at a time: a removed document does not take the folder beside it along
                try:
                    ids.update((document_scope(db, [ref]) or {}).get("doc_ids", ()))
                except InputError:  # also NothingIngested: the last document went
                    gone.append(ref)
            return sorted(ids), gone

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._worker_lock.acquire(timeout=5):  # a worker still resolving keeps it (the process is ending)
            try:
                if self._worker_store is not None:
                    self._worker_store.close()
                    self._worker_store = None
            finally:
                self._worker_lock.release()
