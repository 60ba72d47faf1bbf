"""Non-UI text helpers for the TUI: text safe to draw, fitted to cells, the answer decoded from a streamed JSON,
refusal reasons in words, query-term highlighting. Kept free of Textual so they are unit-testable. The data access
(chunks, documents, scopes over the store) is `docsource.py`."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from typing import Any, Callable, Iterator

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.text import Text

from ragtune.appliance.scripts import PAIRED, prefix_pattern, script_form
from ragtune.appliance.text import CONTROLS, STOPWORDS, folded, printable

# Importable from here as before this module was split (callers outside the TUI); the TUI imports docsource.
from .docsource import (ChunkInfo, DocRow, DocumentSource, DocumentText, StoreDocuments,  # noqa: F401
                        heading_lines, merge_chunks, section_heading)

# -- text safe to draw ----------------------------------------------------------------------------

def printable_text(text: Text) -> Text:
    """The same for a built `Text`, its styles kept (the replacement keeps every offset)."""
    plain = text.plain
    safe = printable(plain)
    if safe != plain:
        text.plain = safe
    return text


def drawn(text: str) -> str:
    """`printable_text(Text(text)).plain`, from a str: Rich's `Text` drops BEL, BS, CR, VT and FF, then `printable`
    shows the other controls. Both go character by character, so the pieces of a text give the pieces of its result."""
    return printable(strip_control_codes(text))


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


def pad_cells(text: str, cells: int) -> str:
    """`text` padded with spaces to `cells` terminal cells (str.ljust counts characters: a CJK title or an emoji
    file name pushed the columns after it right, and the date off the line)."""
    return text + " " * max(0, cells - cell_len(text))


def one_line(text: str) -> str:
    """Pasted text for a one-line input: every line kept, joined by spaces (the input alone would keep only the
    first line), tabs and control characters as spaces."""
    return CONTROLS.sub(" ", " ".join(text.splitlines()).replace("\t", " "))


# -- streaming ------------------------------------------------------------------------------------

_ANSWER_KEY = re.compile(r'"answer"\s*:\s*"')
_STATUS = re.compile(r'"status"\s*:\s*"(ok|refused)"')
_PLAIN = re.compile(r'[^"\\]+')
_ESCAPES = {"n": "\n", "t": "\t", "r": "", "b": "", "f": "", "/": "/", "\\": "\\", '"': '"'}


def partial_answer(raw: str) -> str | None:
    """The "answer" string decoded from a possibly incomplete JSON stream (None until its key appears).

    The model emits schema-constrained JSON token by token; showing the decoded answer as it grows reads much
    better than raw JSON. An escape cut in half at the end is held back until its next token arrives."""
    m = _ANSWER_KEY.search(raw)
    return None if not m else _decode_from(raw, m.end())[0]


def _decode_from(raw: str, i: int) -> tuple[str, int, bool]:
    """The JSON string's characters from raw[i] up to its closing quote or what has arrived: (decoded text, the next
    index to read, whether the closing quote was read). An escape cut in half at the end is left for the next token."""
    out: list[str] = []
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == '"':
            return "".join(out), i, True
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
        run = _PLAIN.match(raw, i)  # characters taken as they are, at once
        assert run is not None
        out.append(run.group())
        i = run.end()
    return "".join(out), i, False


def partial_status(raw: str) -> str | None:
    m = _STATUS.search(raw)
    return m.group(1) if m else None


class _FirstMatch:
    """The first match of `pattern` (which starts with the literal `word`, then only characters that cannot spell it
    again) in a text that grows at its end, found from the new part alone. A match that was not there before ends in
    the new part: it starts at the last `word` seen with no match yet (what follows it in a match cannot hold another),
    or in the last len(word) - 1 characters before the new part."""

    def __init__(self, pattern: re.Pattern, word: str) -> None:
        self.pattern, self.word = pattern, word
        self.found: re.Match | None = None
        self._at: int | None = None

    def feed(self, text: str, old: int) -> re.Match | None:
        if self.found is None:
            start = max(0, old - len(self.word) + 1)
            m = self.pattern.match(text, self._at) if self._at is not None and self._at < start else None
            self.found = m or self.pattern.search(text, start)
            last = text.rfind(self.word, start)
            if last >= 0:
                self._at = last
        return self.found


class StreamedAnswer:
    """What a streaming answer shows, kept token by token: `drawn(raw)` and, for a JSON stream,
    `drawn(partial_answer(raw))` and `partial_status(raw)`, each the same as computed over the whole stream but worked
    out from the new token alone. Round 50 decoded and cleaned the whole answer at every token: quadratic in its length
    (0.68 s of 2.0 s for one long answer). `drawn` goes character by character, so the cleaned pieces join into the
    cleaned whole; the decoder goes on where it stopped (an escape cut in half waits for its next token)."""

    def __init__(self, raw: str = "") -> None:
        self.raw = ""
        self.shown_raw = ""  # drawn(raw)
        self.is_json = False  # the first character that is not white space is "{" (decided by it, then fixed)
        self._decided = False
        self._key = _FirstMatch(_ANSWER_KEY, '"answer"')
        self._status = _FirstMatch(_STATUS, '"status"')
        self._at = -1  # the next character of raw the answer's decoder reads (-1: its key not read yet)
        self._closed = False  # its closing quote was read: what comes after is no part of it
        self._answer: list[str] = []  # printable pieces of the decoded answer
        if raw:
            self.add(raw)

    def add(self, token: str) -> None:
        old = len(self.raw)
        self.raw += token
        self.shown_raw += drawn(token)
        if not self._decided and token.strip():
            self._decided = True
            self.is_json = token.lstrip().startswith("{")
        if not self.is_json:
            return
        self._status.feed(self.raw, old)
        if self._at < 0:
            key = self._key.feed(self.raw, old)
            if key is None:
                return
            self._at = key.end()
        self._decode()

    def _decode(self) -> None:
        """`partial_answer`'s decoding from where it stopped."""
        if self._closed:
            return
        text, self._at, self._closed = _decode_from(self.raw, self._at)
        if text:
            self._answer.append(drawn(text))

    @property
    def answer(self) -> str | None:
        """drawn(partial_answer(raw)): None until the answer key is read."""
        if self._at < 0:
            return None
        if len(self._answer) > 1:
            self._answer[:] = ["".join(self._answer)]
        return self._answer[0] if self._answer else ""

    @property
    def status(self) -> str | None:
        """partial_status(raw)."""
        return self._status.found.group(1) if self._status.found else None


# The answer pipeline's refusal codes, in words.
REFUSAL_REASONS = {
    "no_sources": "retrieval found no relevant source",
    "no_citations": "the model answered without citing a source",
    "unsupported": "the answer was not supported by the cited sources",
    "invalid_output": "the model produced no valid answer JSON",
    "model": "the model found no answer in the sources",
    "off_topic": "the sources are not about the question",
    "echo": "the answer only repeated words of the question",
    "other_subject": "the sources name another thing of the kind the question asks about (the south depot for the "
                     "north one)",
    "not_extractive": "the answer is not words copied from a source",
    "injection": "the answer came from instruction-like text inside a source",
    "no_evidence": "the sources found do not look like they hold the answer",
    "low_confidence": "the model was not sure of the words it picked from the sources",
    "uncertain": "its own doubt, the evidence, its least sure word and how little of the question the answer's "
                 "sentence says together make the answer likely wrong",
    "override": "the question asks to change the rules (ignore the sources, reveal the prompt, force a status)",
    "language": "the question seems to be in another language than the sources, and search and the answer checks "
                "match words: ask in the sources' language",
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


# Han, kana, Hangul, Thai, Lao, Myanmar, Khmer: searched as character pairs, so a term matches inside a run (round
# 49: Thai and Hangul pairs too; a Thai pair of two letters was dropped as too short, a pair inside a run not marked)
_CJK = PAIRED
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=65536)
def _fold(chars: str) -> str:
    """One character (with the marks drawn on it) as search reads it: NFKC, "İ" as "I", `scripts.script_form`, lower
    case, `folded`."""
    c = unicodedata.normalize("NFKC", chars).replace("\u0130", "I")
    if not c.isascii():  # marks dropped, letter variants made one ("ς" as "σ"), as search_form reads them
        f = script_form(c)
        c = f.strip() if f != c else c  # a lone Thai letter comes back set apart (scripts' pairs): not a space
    return folded(c.lower())


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
        if not term.isascii() and not _CJK.search(term):  # "κωδικος" (a final sigma lower-cased) as the text reads
            term = script_form(term).strip()
        # an Arabic/Hebrew term searched without its prefixes ("مدرسه") found in "والمدرسة" too
        pattern = re.escape(term) if _CJK.search(term) else rf"\b{prefix_pattern(term)}{re.escape(term)}\w*"
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
