"""Non-UI helpers for the TUI: progressive JSON answer extraction, query-term highlighting, chunk/document
lookups over the store, and eval report discovery. Kept free of Textual so they are unit-testable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from rich.cells import cell_len
from rich.text import Text

from ragtune.appliance.errors import InputError
from ragtune.appliance.jsonl import loads_located
from ragtune.appliance.text import CONTROLS, STOPWORDS, printable
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
    """Content words of a question, longest first (so 'adapters' wins over 'adapter' when both match)."""
    words = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 2 and w not in STOPWORDS}
    return sorted(words, key=lambda w: (-len(w), w))


def highlight(text: str, terms: list[str], style: str = HIGHLIGHT_STYLE) -> Text:
    """Rich text with each query term (and its inflections: the word prefix) highlighted (control characters
    shown, see `printable`)."""
    out = Text(printable(text))
    for term in terms:
        out.highlight_regex(rf"(?i)\b{re.escape(term)}\w*", style)
    return out


def scope_size(scope: dict[str, Any] | None) -> str:
    """How many documents a scope (retrieval filters of document ids) holds: "3 documents" ("" without one)."""
    if not scope:
        return ""
    n = len(scope.get("doc_ids") or ())
    return f"{n} document{'' if n == 1 else 's'}"


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


class DocumentSource(Protocol):
    def chunk(self, item: ContextItem) -> ChunkInfo: ...
    def document(self, item: ContextItem) -> DocumentText: ...
    def count_documents(self) -> int | None: ...
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
    """Chunk and document lookups over `ragtune.db` (opened lazily, on the UI thread only)."""

    def __init__(self, home: Any):
        self.home = home
        self._store: Any = None

    def _db(self) -> Any:
        if self._store is None:
            if not Path(self.home.db_path).exists():
                return None
            from ragtune.appliance.store import Store

            self._store = Store(self.home.db_path)
        return self._store

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

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


# -- eval reports ---------------------------------------------------------------------------------

METRICS: list[tuple[str, str, str]] = [  # key, label, format (pct | ms | int)
    ("task_success", "task success", "pct"),
    ("groundedness", "groundedness", "pct"),
    ("hallucination_rate", "hallucination", "pct"),
    ("schema_adherence", "schema adherence", "pct"),
    ("repair_rate", "repair rate", "pct"),
    ("refusal_precision", "refusal precision", "pct"),
    ("refusal_recall", "refusal recall", "pct"),
    ("citation_precision", "citation precision", "pct"),
    ("citation_recall", "citation recall", "pct"),
    ("latency_p50_ms", "latency p50", "ms"),
    ("latency_p95_ms", "latency p95", "ms"),
    ("n", "questions", "int"),
]


def fmt_metric(value: Any, kind: str, *, signed: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    sign = "+" if signed and value > 0 else ""
    if kind == "pct":
        if signed:  # a difference of two rates: percentage points
            return f"{sign}{value * 100:.1f} pt"
        return f"{value * 100:.1f}%"
    if kind == "ms":
        return f"{sign}{value:,.0f} ms"
    if kind == "int":
        return f"{sign}{value:,.0f}"
    return f"{sign}{value:.3g}"


@dataclass
class EvalReport:
    path: Path
    name: str
    mtime: float
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def arms(self) -> dict[str, dict[str, Any]]:
        arms = self.data.get("arms")
        return {k: v for k, v in arms.items() if isinstance(v, dict)} if isinstance(arms, dict) else {}

    @property
    def decision(self) -> dict[str, Any]:
        d = self.data.get("decision")
        return d if isinstance(d, dict) else {}

    def metric_keys(self) -> list[tuple[str, str, str]]:
        """Known metrics in their order, then any other numeric metric an arm reports."""
        known = {k for k, _, _ in METRICS}
        extra = sorted({k for arm in self.arms.values() for k, v in arm.items()
                        if k not in known and isinstance(v, (int, float)) and not isinstance(v, bool)})
        present = [m for m in METRICS if any(m[0] in arm for arm in self.arms.values())]
        return present + [(k, k.replace("_", " "), "pct" if k.endswith(("rate", "share")) else "num") for k in extra]

    @property
    def paired(self) -> dict[str, dict[str, Any]]:
        """The question-by-question comparisons ({"C-A": {delta, ci95, up, down, n, p_value}}) of newer reports;
        an entry whose figures are not numbers is left out (a report is read, never trusted)."""
        p = self.data.get("paired")
        if not isinstance(p, dict):
            return {}

        def number(x: Any) -> bool:
            return isinstance(x, (int, float)) and not isinstance(x, bool)

        return {str(k): v for k, v in p.items() if isinstance(v, dict) and "ci95" in v
                and all(number(v.get(x)) for x in ("delta", "up", "down", "n", "p_value"))}

    @property
    def losses(self) -> dict[str, str]:
        """{arm: where its answerable questions were lost, in one line} of newer reports; a malformed entry is
        left out (a report is read, never trusted)."""
        from ..appliance.eval.losses import summary

        lost = self.data.get("losses")
        out: dict[str, str] = {}
        for arm, t in (lost.items() if isinstance(lost, dict) else ()):
            try:
                line = summary(t)
            except (KeyError, TypeError, AttributeError, ValueError):
                continue
            if line:
                out[str(arm)] = line
        return out

    def problem(self) -> str | None:
        """Why the report has nothing to compare (an empty or foreign report.json, an older report without the
        arms' figures, an eval set with no questions), in words; None when it has."""
        arms = self.arms
        if not arms:
            return ("no A/B/C results in this report: an empty report.json, or not one `ragtune eval run` wrote "
                    "(an older version?)")
        if not self.metric_keys():
            return "no metrics in this report's arms (written by an older ragtune?)"
        counts = [arm.get("n") for arm in arms.values()]
        if all(isinstance(n, (int, float)) and not isinstance(n, bool) and n == 0 for n in counts):
            return "0 questions: the eval set was empty, so there is nothing to compare"
        return None

    def delta_columns(self) -> dict[str, dict[str, Any]]:
        """deltas as {"C-A": {metric: value}} when the report nests them per comparison."""
        deltas = self.data.get("deltas")
        if not isinstance(deltas, dict):
            return {}
        return {k: v for k, v in deltas.items() if isinstance(v, dict)}


def list_eval_reports(eval_dir: Path, limit: int = 50, extra_dirs: list[str | Path] | None = None) -> list[EvalReport]:
    """Directories under `eval_dir` holding a report.json, and the `extra_dirs` that hold one (runs written with
    `--out` elsewhere; the home's eval_runs table knows them), newest first. Unreadable reports are listed with
    their error rather than hidden."""
    eval_dir = Path(eval_dir)
    found = list(eval_dir.rglob("report.json")) if eval_dir.is_dir() else []
    found += [Path(d) / "report.json" for d in extra_dirs or [] if (Path(d) / "report.json").is_file()]
    out: list[EvalReport] = []
    seen: set[Path] = set()
    for path in found:
        try:
            mtime = path.stat().st_mtime
            real = path.resolve()
        except OSError:
            continue
        if real in seen:
            continue
        seen.add(real)
        try:
            name = str(path.parent.relative_to(eval_dir)) if path.parent != eval_dir else eval_dir.name
        except ValueError:  # written with --out somewhere else: its folder says where
            name = str(path.parent)
        rep = EvalReport(path=path, name=name, mtime=mtime)
        try:
            data = loads_located(path.read_bytes(), path, "cannot read report: invalid JSON")
            if not isinstance(data, dict):
                raise ValueError("top level is not an object")
            rep.data = data
        except InputError as exc:  # where the JSON breaks: a line, a column, words (a long number, [[[[… too)
            rep.error = exc.message
        except (OSError, ValueError) as exc:
            rep.error = f"{path}: cannot read report: {exc}"
        out.append(rep)
    out.sort(key=lambda r: r.mtime, reverse=True)
    return out[:limit]
