"""Non-UI helpers for the TUI: progressive JSON answer extraction, query-term highlighting, chunk/document
lookups over the store, and eval report discovery. Kept free of Textual so they are unit-testable."""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from rich.cells import cell_len
from rich.text import Text

from ragtune.appliance.errors import InputError
from ragtune.appliance.text import CONTROLS, STOPWORDS, folded, printable
from ragtune.appliance.types import ContextItem

# -- text safe to draw ----------------------------------------------------------------------------

def printable_text(text: Text) -> Text:
    """The same for a built `Text`, its styles kept (the replacement keeps every offset)."""
    plain = text.plain
    safe = printable(plain)
    if safe != plain:
        text.plain = safe
    return text


def _take_cells(text: str, cells: int, from_end: bool = False) -> str:
    """The longest start (or end) of `text` that fits in `cells` terminal cells (a CJK character or an emoji
    takes two)."""
    out, used = [], 0
    for c in reversed(text) if from_end else text:
        w = cell_len(c)
        if used + w > cells:
            break
        out.append(c)
        used += w
    return "".join(reversed(out) if from_end else out)


def fit_cells(text: str, cells: int) -> str:
    """`text` in at most `cells` terminal cells: whole when it fits, else its start and its (longer) end joined by
    "…", so a path keeps its first folder and its file name with the extension. Cells, not characters: a CJK file
    name is twice as wide as its length."""
    if cell_len(text) <= cells:
        return text
    if cells <= 1:
        return "…"[:max(cells, 0)]
    head = (cells - 1) // 3
    return _take_cells(text, head) + "…" + _take_cells(text, cells - 1 - head, from_end=True)


def one_line(text: str) -> str:
    """Pasted text for a one-line input: every line kept, joined by spaces (the input alone would keep only the
    first line), tabs and control characters as spaces."""
    return CONTROLS.sub(" ", " ".join(text.splitlines()).replace("\t", " "))


# -- streaming ------------------------------------------------------------------------------------

_ANSWER_KEY = re.compile(r'"answer"\s*:\s*"')
_STATUS = re.compile(r'"status"\s*:\s*"(ok|refused)"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "", "b": "", "f": "", "/": "/", "\\": "\\", '"': '"'}


def partial_answer(raw: str) -> str | None:
    """The "answer" string decoded from a possibly incomplete JSON stream (None until its key appears).

    The model emits schema-constrained JSON token by token; showing the decoded answer as it grows reads much
    better than raw JSON. An escape cut in half at the end is held back until its next token arrives."""
    m = _ANSWER_KEY.search(raw)
    if not m:
        return None
    out: list[str] = []
    i, n = m.end(), len(raw)
    while i < n:
        c = raw[i]
        if c == '"':
            break
        if c == "\\":
            if i + 1 >= n:
                break
            e = raw[i + 1]
            if e == "u":
                if i + 6 > n:
                    break
                try:
                    out.append(chr(int(raw[i + 2:i + 6], 16)))
                except ValueError:
                    pass
                i += 6
                continue
            out.append(_ESCAPES.get(e, e))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def partial_status(raw: str) -> str | None:
    m = _STATUS.search(raw)
    return m.group(1) if m else None


# The answer pipeline's refusal codes, in words.
REFUSAL_REASONS = {
    "no_sources": "retrieval found no relevant source",
    "no_citations": "the model answered without citing a source",
    "unsupported": "the answer was not supported by the cited sources",
    "invalid_output": "the model produced no valid answer JSON",
    "model": "the model found no answer in the sources",
    "off_topic": "the sources are not about the question",
    "echo": "the answer only repeated words of the question",
    "not_extractive": "the answer is not words copied from a source",
    "injection": "the answer came from instruction-like text inside a source",
    "no_evidence": "the sources found do not look like they hold the answer",
    "low_confidence": "the model was not sure of the words it picked from the sources",
    "uncertain": "its own doubt, the evidence, its least sure word and how little of the question the answer's "
                 "sentence says together make the answer likely wrong",
    "override": "the question asks to change the rules (ignore the sources, reveal the prompt, force a status)",
}


# -- highlighting ---------------------------------------------------------------------------------

HIGHLIGHT_STYLE = "bold #1e1e1e on #e5c07b"


def query_terms(question: str) -> list[str]:
    """Content words of a question as search reads them (`lexical.query_terms`: NFKC, a Han or kana run as its
    character pairs), lower-cased and accents folded (`text.folded`: "Résumé" -> "resume", "Straße" -> "strasse"),
    longest first (so 'adapters' wins over 'adapter' when both match)."""
    from ragtune.appliance.lexical import query_terms as search_terms

    words = {w for w in map(folded, map(str.lower, search_terms(question)))
             if (len(w) > 2 or _CJK.search(w)) and w not in STOPWORDS}
    return sorted(words, key=lambda w: (-len(w), w))


_CJK = re.compile(  # Han, kana: searched as character pairs, so a term matches inside a run
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=65536)
def _fold(chars: str) -> str:
    """One character (with the marks drawn on it) as search reads it: NFKC, "İ" as "I", lower case, `folded`."""
    return folded(unicodedata.normalize("NFKC", chars).replace("\u0130", "I").lower())


def _folded_text(text: str) -> tuple[str, list[tuple[int, int, int, bool]]]:
    """`text` as search reads words (`_fold`), and where each part comes from: (start in it, start and end in `text`,
    one for one?). A character with the marks on it (a decomposed "e" + U+0301) maps back whole, whatever its folded
    length ("ß" -> "ss", "ﬁ" -> "fi"); ASCII, and what folds to itself (CJK), one for one."""
    parts: list[str] = []
    segs: list[tuple[int, int, int, bool]] = []
    flen = pos = scan = 0  # pos: where the text not yet in `parts` starts; scan: where the search goes on
    n = len(text)
    for m in _NON_ASCII.finditer(text):
        i = m.start()
        if i < scan:  # a mark already folded with its character
            continue
        start = i - 1 if i > scan and unicodedata.combining(text[i]) else i  # the ASCII letter the mark is on
        end = i + 1
        while end < n and unicodedata.combining(text[end]):
            end += 1
        scan = end
        f = _fold(text[start:end])
        if f == text[start:end]:
            continue  # one for one: part of the run before it
        if start > pos:
            parts.append(text[pos:start].lower())
            segs.append((flen, pos, start, True))
            flen += start - pos
        if f:
            parts.append(f)
            segs.append((flen, start, end, False))
            flen += len(f)
        pos = end
    if pos < n or not segs:
        parts.append(text[pos:].lower())
        segs.append((flen, pos, n, True))
    return "".join(parts), segs


def _term_spans(text: str, terms: list[str]) -> Iterator[tuple[int, int]]:
    """(start, end) in `text` of each word a query term matches as search would (`query_terms`'s terms: folded), the
    word's inflections too (the word prefix; a Han or kana term anywhere in a run, as its pairs are searched)."""
    form, segs = _folded_text(text)
    starts = [s[0] for s in segs]

    def where(k: int) -> tuple[int, int]:  # the span in `text` of the folded text's character k
        fstart, ostart, oend, exact = segs[bisect_right(starts, k) - 1]
        return (ostart + k - fstart, ostart + k - fstart + 1) if exact else (ostart, oend)

    for term in terms:
        pattern = re.escape(term) if _CJK.search(term) else rf"\b{re.escape(term)}\w*"
        for m in re.finditer(pattern, form):
            yield where(m.start())[0], where(m.end() - 1)[1]


def highlight_terms(text: Text, terms: list[str], style: str = HIGHLIGHT_STYLE) -> Text:
    """`text` with each word a query term matches styled (see `_term_spans`), in place; returned."""
    for start, end in _term_spans(text.plain, terms) if terms else ():
        text.stylize(style, start, end)
    return text


def highlight(text: str, terms: list[str], style: str = HIGHLIGHT_STYLE) -> Text:
    """Rich text with each query term (and its inflections: the word prefix) highlighted, accents folded as search
    folds them ("resume" marks "Résumé"; control characters shown, see `printable`)."""
    return highlight_terms(Text(printable(text)), terms, style)


def scope_size(scope: dict[str, Any] | None) -> str:
    """How many documents a scope (retrieval filters of document ids) holds: "3 documents" ("" without one)."""
    if not scope:
        return ""
    n = len(scope.get("doc_ids") or ())
    return f"{n} document{'' if n == 1 else 's'}"


def quietly(call: Callable[[], Any], default: Any) -> Any:
    """`call()`, or `default` when the store behind it fails: a status-bar count, a history or a heading is a
    convenience, never a reason for the app to stop."""
    try:
        return call()
    except Exception:
        return default


def short_id(value: str | None, n: int = 8) -> str:
    if not value or value == "none":
        return "none"
    return value[:n]


# -- chunks and documents -------------------------------------------------------------------------


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

    def chunk(self, item: ContextItem) -> ChunkInfo:
        row = self._row(item)
        if row is None:  # the answer's own copy; a store that no longer has it says so (DocumentText.note)
            info = _fallback_chunk(item)
            if self._db() is not None and item.chunk_id is not None:
                info.note = "no longer stored; showing the text the answer cited"
            return info
        ord_, start, end, text, path, title, n_chunks, doc_id = row
        return ChunkInfo(source=path, text=text, ord=ord_, n_chunks=n_chunks, start_char=start, end_char=end,
                         title=title, doc_id=doc_id)

    def document(self, item: ContextItem) -> DocumentText:
        row = self._row(item)
        if row is None:  # the answer's chunk is gone: say so rather than pass the chunk off as the document
            why = ("no documents are stored in this home" if self._db() is None else
                   "this document is no longer stored (removed, or re-ingested, since the answer was given)")
            return DocumentText(item.source, item.title, item.text, (0, len(item.text)),
                                note=f"{why}: showing the cited text only")
        ord_, _start, _end, _text, path, title, _n, doc_id = row
        text, spans = merge_chunks(self._db().document_chunks(doc_id))
        return DocumentText(path, title, text, spans.get(ord_), doc_id=doc_id)

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
