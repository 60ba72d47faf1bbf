"""Extractive answers by construction: while the model writes the answer string, every token must keep the
decoded answer a contiguous span of one source's clean text.

The sources are what the prompt shows (`prompt.source_text`: whitespace collapsed), cut into clean segments
around instruction-like text (`injection.source_view`). All segments are joined into one byte buffer with a NUL
between them (NUL can never be generated: the grammar forbids control characters), so a span can never cross two
segments, and a "position" is one integer: the offset just after the span's last byte.

Rules, checked token by token on the raw JSON bytes of each token piece (escapes \\" \\\\ \\/ decoded):
- the span starts at a word start (a letter/digit not preceded by one, or an opening quote/bracket/sign) and grows
  only by bytes that follow it in some occurrence (the positions set: every offset where the span so far ends);
- the closing quote is allowed only where the span ends at a word end in at least one occurrence (a letter/digit
  not followed by one, or a closing . ! ? ) ] " ' %: "1889." closes, "188", "Paris," and "Paris " do not);
- once closed, the citations may only name sources that hold the span there (a citation id is checked byte by
  byte against those ids), so an extractive answer always cites a source containing it.
Letters are ASCII letters/digits/underscore and every non-ASCII character that is not punctuation or a space
(Unicode categories P*, Z*: 。，、！？」 U+00A0 U+3000 — … »), judged on the decoded character, so a span never ends
inside a UTF-8 character. Non-ASCII closers (。！？…」』）》» ” ’, `_CLOSERS`) end a span as . ) " do, openers
(「『（《« “ ‘) may start one; text without spaces between words, such as Chinese, starts and ends at punctuation.
For ASCII text the rules are the byte rules they always were (tests/appliance/test_r44_span_unicode.py proves it).

Cost: per token one positions-set step (a few offsets) on the fast path; when the model's preferred tokens are
all rejected, `candidates()` enumerates the allowed tokens by a depth-first walk over the byte-sorted vocabulary
(`VocabIndex`, built once per model) and the current positions, so the whole vocabulary is never scanned in
Python. Memory: the buffer (the sources' bytes) plus one int per position.
"""

from __future__ import annotations

import bisect
import json
import unicodedata
from functools import lru_cache
from typing import Iterable, Sequence

from .decoding import ANSWER_STRING, JsonTail
from .injection import source_view
from .rowcells import column_labels, ends_cell, label_at
from .tablematch import key_rows, row_cells
from .types import ContextItem

_QUOTE, _BACKSLASH, _SLASH, _COMMA = 0x22, 0x5C, 0x2F, 0x2C
_ESCAPES = {_QUOTE: _QUOTE, _BACKSLASH: _BACKSLASH, _SLASH: _SLASH, ord("n"): 0x0A, ord("t"): 0x09}
_WORD = bytes(1 if (chr(b).isalnum() and b < 0x80) or b == 0x5F or b >= 0x80 else 0 for b in range(256))
_SEP = b"\x00"
_START_PUNCT = frozenset(b"\"'([$#+-.<@\xa3")  # besides letters/digits, a span may start with these
_END_PUNCT = frozenset(b".!?)]\"'%")  # ... and end with these
_END_TABLE = bytes(1 if b in _END_PUNCT else 0 for b in range(256))
# Non-ASCII punctuation that ends a span like . ! ? ) ] " ' % (besides closing brackets and quotes, Pe and Pf), and
# that starts one like ( [ " ' (opening brackets and quotes, Ps and Pi): "巴黎。", "«Paris»", "「東京」"
_CLOSERS = frozenset("。｡．！？…‼⁇⁈⁉％‰")
_OPENERS = frozenset("¿¡")


@lru_cache(maxsize=4096)
def _char_class(ch: str) -> tuple[bool, bool, bool]:
    """(word, ends a span, starts a span) of a non-ASCII character: punctuation and spaces are not word characters
    (a span may end right before them, as before an ASCII comma or space); every other one is (letters, marks,
    symbols such as € or °: "25°C" stays one word, as it always was)."""
    cat = unicodedata.category(ch)
    if cat[0] not in "PZ":
        return True, False, False
    return False, cat in ("Pe", "Pf") or ch in _CLOSERS, cat in ("Ps", "Pi") or ch in _OPENERS


def is_word_byte(b: int) -> bool:
    return bool(_WORD[b])


class VocabIndex:
    """Each token's piece (raw bytes), and the non-empty pieces sorted, for prefix range lookups."""

    def __init__(self, pieces: Sequence[bytes]):
        self.pieces = list(pieces)
        order = sorted((i for i, p in enumerate(self.pieces) if p), key=lambda i: self.pieces[i])
        self.order = order
        self.sorted = [self.pieces[i] for i in order]

    def range(self, prefix: bytes) -> tuple[int, int]:
        lo = bisect.bisect_left(self.sorted, prefix)
        hi = bisect.bisect_left(self.sorted, prefix + b"\xff" * 256, lo)
        return lo, hi


class _St:
    """The mutable part of the constraint (copied per candidate check)."""

    __slots__ = ("tail", "pos", "pending", "closed_ids", "cite", "last")

    def __init__(self, tail: JsonTail):
        self.tail = tail
        self.pos: list[int] | None = None  # None: empty span (any word start)
        self.pending = False  # inside the answer, after a backslash
        self.closed_ids: list[str] | None = None  # ids allowed as citations once the answer closed
        self.cite = b""  # the citation id being written
        self.last = -1  # context index of the last citation written

    def copy(self) -> "_St":
        c = _St.__new__(_St)
        c.tail = self.tail.copy()
        c.pos, c.pending, c.closed_ids, c.cite, c.last = self.pos, self.pending, self.closed_ids, self.cite, self.last
        return c


class SpanConstraint:
    """The extractive constraint over the sources of one request. `sources`: (context id, clean segments)."""

    def __init__(self, sources: Iterable[tuple[str, Sequence[str]]], vocab: VocabIndex):
        self.vocab = vocab
        parts: list[bytes] = []
        self.seg_start: list[int] = []
        self.seg_id: list[str] = []
        off = 1
        for cid, segs in sources:
            for seg in segs:
                data = seg.encode("utf-8")
                if not data:
                    continue
                self.seg_start.append(off)
                self.seg_id.append(cid)
                parts.append(data)
                off += len(data) + 1
        self.buf = _SEP + _SEP.join(parts) + _SEP  # a NUL before, between and after the segments
        buf = self.buf
        # Per byte, the class of the character it belongs to: a word character, one that ends a span. For ASCII
        # text these are the byte tables; non-ASCII punctuation and spaces are marked from the decoded text.
        self.word = bytearray(buf.translate(_WORD))
        self.ends = bytearray(buf.translate(_END_TABLE))
        opens: set[int] = set()
        for at, data in zip(self.seg_start, parts):
            if not data.isascii():
                self._mark(at, data.decode("utf-8"), opens)
        word = self.word
        self.starts: dict[int, list[int]] = {}  # first byte -> span start offsets
        for i in range(1, len(buf) - 1):
            b = buf[i]
            if (0x80 <= b < 0xC0) or (word[i] and word[i - 1]) or not (word[i] or b in _START_PUNCT or i in opens):
                continue
            self.starts.setdefault(b, []).append(i)
        self.ids = list(dict.fromkeys(self.seg_id))
        self._id_bytes = {cid: json.dumps(cid, ensure_ascii=False)[1:-1].encode("utf-8") for cid in self.ids}
        self.st = _St(JsonTail())
        self.broken = False  # a token outside the constraint was accepted (relaxed): stop constraining

    def _mark(self, off: int, text: str, opens: set[int]) -> None:
        """Mark the non-ASCII punctuation and spaces of a segment (`text`, at byte `off` of the buffer)."""
        for ch in text:
            n = len(ch.encode("utf-8"))
            if n > 1:
                word, ends, starts = _char_class(ch)
                if not word:
                    self.word[off:off + n] = bytes(n)
                    if ends:
                        self.ends[off:off + n] = b"\x01" * n
                    if starts:
                        opens.add(off)
            off += n

    # -- the positions set ---------------------------------------------------------------------------------
    def _extend(self, pos: list[int] | None, lit: int) -> list[int]:
        if lit == 0:
            return []
        buf = self.buf
        if pos is None:
            return [i + 1 for i in self.starts.get(lit, ())]
        return [e + 1 for e in pos if buf[e] == lit]

    def _closable(self, pos: list[int] | None) -> list[int]:
        if not pos:
            return []
        buf, word, ends = self.buf, self.word, self.ends
        # a word end (a word character not followed by one) or after a closer; never inside a UTF-8 character
        return [e for e in pos if (word[e - 1] or ends[e - 1]) and not (word[e - 1] and word[e])
                and not 0x80 <= buf[e] < 0xC0]

    def ids_at(self, ends: Iterable[int]) -> list[str]:
        """Context ids of the segments the given end offsets fall in, in context order."""
        got = {self.seg_id[bisect.bisect_right(self.seg_start, e - 1) - 1] for e in ends}
        return [i for i in self.ids if i in got]

    def _next_lits(self, pos: list[int] | None) -> set[int]:
        if pos is None:
            return set(self.starts)
        buf = self.buf
        return {buf[e] for e in pos}

    # -- one byte ----------------------------------------------------------------------------------------
    def _step(self, st: _St, b: int) -> bool:
        """Advance `st` by one raw byte; False when the constraint forbids it."""
        t = st.tail
        if t.in_answer and t.status == b"ok":
            if st.pending:
                lit = _ESCAPES.get(b)
                if lit is None:
                    return False
                st.pending = False
                t.feed_byte(b)
                st.pos = self._extend(st.pos, lit)
                return bool(st.pos)
            if b == _BACKSLASH:
                st.pending = True
                t.feed_byte(b)
                return True
            if b == _QUOTE:
                ends = self._closable(st.pos)
                if not ends:
                    return False
                st.closed_ids = self.ids_at(ends)
                t.feed_byte(b)
                return True
            if b < 0x20:
                return False
            st.pos = self._extend(st.pos, b)
            t.feed_byte(b)
            return bool(st.pos)
        if st.closed_ids is not None and t.in_string and t.strings > ANSWER_STRING + 1:
            if b == _QUOTE and not t.escape:
                done = [i for i in st.closed_ids if self._id_bytes[i] == st.cite]
                if not done:
                    return False
                st.last = self.ids.index(done[0])
                st.cite = b""
                t.feed_byte(b)
                return True
            cite = st.cite + bytes((b,))
            if not any(self._id_bytes[i].startswith(cite) for i in st.closed_ids):
                return False
            st.cite = cite
            t.feed_byte(b)
            return True
        if b == _COMMA and st.closed_ids is not None and not t.in_string and t.strings > ANSWER_STRING + 1:
            # another citation follows (the grammar keeps them in context order): only if one is left
            if not any(self.ids.index(i) > st.last for i in st.closed_ids):
                return False
        t.feed_byte(b)
        return True

    def _viable(self, st: _St) -> bool:
        """A piece may end after a backslash only if some escape can follow."""
        if not st.pending:
            return True
        lits = self._next_lits(st.pos)
        return bool(lits & {_QUOTE, _BACKSLASH, _SLASH})

    def _advance(self, st: _St, piece: bytes) -> bool:
        for b in piece:
            if not self._step(st, b):
                return False
        return self._viable(st)

    # -- the constraint protocol (generate.py) -------------------------------------------------------------
    def allows_piece(self, piece: bytes) -> bool:
        if self.broken:
            return True
        if not piece:
            return False
        return self._advance(self.st.copy(), piece)

    def allows(self, tok: int) -> bool:
        return self.allows_piece(self.vocab.pieces[tok])

    def accept(self, tok: int) -> None:
        if self.broken:
            return
        st = self.st.copy()
        if self._advance(st, self.vocab.pieces[tok]):
            self.st = st
        else:
            self.broken = True

    def relax(self) -> None:
        self.broken = True

    @property
    def in_answer(self) -> bool:
        t = self.st.tail
        return t.in_answer and t.status == b"ok"

    def candidates(self) -> list[int] | None:
        """Every token the constraint allows now, enumerated over the sorted vocabulary; None outside the answer
        string (there the grammar allows few tokens: check those instead)."""
        if self.broken or not self.in_answer:
            return None
        v = self.vocab
        out: list[int] = []
        stack: list[tuple[bytes, _St]] = [(b"", self.st)]
        while stack:
            prefix, st = stack.pop()
            lo, hi = v.range(prefix)
            if lo >= hi:
                continue
            if prefix:
                i = lo
                while i < hi and v.sorted[i] == prefix:
                    if self._viable(st):
                        out.append(v.order[i])
                    i += 1
            if not (st.tail.in_answer and st.tail.status == b"ok"):
                # the answer closed inside this prefix: check the rest of each piece exactly
                for i in range(lo, hi):
                    rest = v.sorted[i][len(prefix):]
                    if rest and self._advance(st.copy(), rest):
                        out.append(v.order[i])
                continue
            for b in self._next_raw(st):
                st2 = st.copy()
                if self._step(st2, b):
                    stack.append((prefix + bytes((b,)), st2))
        return out

    def _next_raw(self, st: _St) -> set[int]:
        lits = self._next_lits(st.pos)
        if st.pending:
            return {b for b in (_QUOTE, _BACKSLASH, _SLASH) if b in lits}
        raw = {b for b in lits if b >= 0x20 and b not in (_QUOTE, _BACKSLASH)}
        if lits & {_QUOTE, _BACKSLASH, _SLASH}:
            raw.add(_BACKSLASH)
        if self._closable(st.pos):
            raw.add(_QUOTE)
        return raw

    def memory_bytes(self) -> int:
        """Rough size of the per-request index (buffer, its class bytes, start offsets), for the benchmark."""
        import sys

        n = sum(sys.getsizeof(b) for b in (self.buf, self.word, self.ends))
        n += sum(sys.getsizeof(v) + 28 * len(v) for v in self.starts.values())
        return n + sum(28 * len(p) for p in [self.st.pos or []])


def extractive_sources(ctx: Sequence[ContextItem], question: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """What an extractive answer may quote: each source's clean blocks, as the prompt renders it
    (injection.source_view); given the `question`, without the table rows that lose to the row whose own key it
    names (tablematch.key_rows, round 53: Daniel Reed's row, not the row Daniel Reed manages)."""
    out = [(c.id, source_view(c.text).blocks) for c in ctx]
    if question is None:
        return out
    # key_rows judges the table rows among the sources it is given: here only those served as one (`is_row`)
    rows = [i for i, c in enumerate(ctx) if is_row(c)]
    kept = {cid for cid, _ in key_rows(question, [ctx[i] for i in rows], [out[i] for i in rows], lambda _: True)}
    return [s for i, s in enumerate(out) if s[0] in kept or i not in rows]


def cell_span(answer: str, ctx: Sequence[ContextItem]) -> str:
    """`answer` (a span of the sources) cut at the end of its table cell: "Broken light" for "Broken light; Assigned
    to: Vik Rao" copied from a spreadsheet's or CSV's row (`table_cells`), round 52. Unchanged when no table source
    is served, when a source of another kind holds it whole, or when no cell holds a prefix of it. (The decoder is
    not kept inside a cell: the run-on span's mean log-probability is what lets the right row's candidate win.)"""
    tables = [(c.id, table_cells(c.text, source_view(c.text).blocks)) for c in ctx if is_row(c)]
    if not tables:
        return answer
    others = [(c.id, source_view(c.text).blocks) for c in ctx if not is_row(c)]
    if others and check_span(answer, others)[0] == answer:
        return answer
    span = check_span(answer, tables)[0]
    return span if span and len(span) < len(answer) else answer


def is_row(c: ContextItem) -> bool:
    """Whether context item `c` is served as table rows, for the row rule and the cell cut: every chunk of a kind
    the loaders write as table rows (xlsx, csv, ods: chunker.TABLE_KINDS), and a chunk of a prose document that may
    hold tables (docx, odt, doc: chunker.DOC_TABLE_KINDS, round 54; an HTML page's, round 55) only when it is one
    labelled row of such a table, a single line read as two or more labelled cells (ingest/table_chunks.py chunks a
    table block a row a chunk): the prose around the table stays prose. A source of any other kind (md, txt, pdf, a
    corpus row's ".jsonl#id") never is."""
    from .ingest.chunker import DOC_TABLE_KINDS

    if _is_table(c.source):
        return True
    if _kind(c.source) not in DOC_TABLE_KINDS or "\n" in c.text.strip():
        return False
    cells = row_cells(c.text)
    return cells is not None and sum(1 for label, _ in cells if label) >= 2


def _is_table(source: str) -> bool:
    """Whether `source` (a context item's document path) is of a kind the loaders write as table rows."""
    from .ingest.chunker import TABLE_KINDS

    return _kind(source) in TABLE_KINDS


def _kind(source: str) -> str | None:
    """The loader kind of a document path; None for none (a corpus row's ".jsonl#id" has none)."""
    from pathlib import PurePath

    from .ingest.loaders import KINDS

    return KINDS.get(PurePath(source).suffix.lower()) if source else None


def table_cells(raw: str, blocks: Sequence[str]) -> tuple[str, ...]:
    """`blocks` (source_view(raw).blocks) cut where a table row's line ends, at each lone "|" of a table without a
    header row (`a | b | c`, round 53; a labelled row's "|" is inside a value: "Sizes: S | M") and before each
    `; Label:` of a row (loaders/tablerows.py writes a row `Label: value; Label: value`), its ";" left out: a span is
    one cell, never "Broken light; Assigned to: Vik Rao" nor a value run on into the next row or the title above it
    (round 52). A value may itself hold "; Word:" ("Opening hours: Mon-Fri: 9-5; Sat: 10-2"): the cut is made
    before a label another line of `raw` starts a part with too (a column's), else only when the value before it
    holds no "Word:" of its own (round 53; rowcells.py, the row reader tablematch.py uses too). A block's words are
    the raw text's whitespace-separated words, in order (injection.source_view)."""
    lines = [line.split() for line in raw.split("\n")]
    line_of: list[tuple[str, int]] = [(w, n) for n, words in enumerate(lines) for w in words]
    labelled = {n for n, words in enumerate(lines) if label_at(words, 0)}  # "|" there is inside a value
    columns = column_labels(raw.split("\n"))
    out: list[str] = []
    j = 0
    for block in blocks:
        cell: list[str] = []
        last = -1
        words = block.split(" ")
        for k, w in enumerate(words):
            while j < len(line_of) and line_of[j][0] != w:
                j += 1
            n = line_of[j][1] if j < len(line_of) else last
            j += 1
            if cell and n != last:
                out.append(" ".join(cell))
                cell = []
            last = n
            if w == "|" and n not in labelled:  # a headerless row's cell boundary, left out
                out.append(" ".join(cell))
                cell = []
            elif ends_cell(words, k, cell, columns):
                cell.append(w[:-1])
                out.append(" ".join(w for w in cell if w))
                cell = []
            else:
                cell.append(w)
        if cell:
            out.append(" ".join(cell))
    return tuple(c for c in out if c)


def check_span(answer: str, sources: Sequence[tuple[str, Sequence[str]]]) -> tuple[str, list[str]]:
    """The post-check behind the decoder: (the longest prefix of `answer` that is a valid span, ending at a word
    end, the ids of the sources holding it). ("", []) when no prefix is. Used on every extractive answer, so
    the guarantee holds even for an answer closed by the token budget or produced by a repair."""
    sc = SpanConstraint(sources, VocabIndex([]))
    data = answer.encode("utf-8")
    pos: list[int] | None = None
    best: tuple[int, list[int]] = (0, [])
    for n, b in enumerate(data, start=1):
        pos = sc._extend(pos, b)
        if not pos:
            break
        ends = sc._closable(pos)
        if ends:
            best = (n, ends)
    n, ends = best
    if not n:
        return "", []
    return data[:n].decode("utf-8", "replace"), sc.ids_at(ends)
