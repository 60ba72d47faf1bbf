"""Split a document into chunks measured in the EMBEDDING tokenizer's tokens.

Why tokens of that tokenizer: the embedder truncates at `max_seq_len`, so a chunk longer than that would be
stored but only partly embedded. Token offsets map every chunk back to an exact character span of the
document text (`start_char`/`end_char`), which citations show.

Cuts are placed, in order of preference, before a markdown heading (not a `#` line in a fenced or indented code
block), at a paragraph break, at a line break, after a sentence, between words — the latest such place in the
second half of the window. Chunks overlap by `overlap_tokens` (moved to a word start, or to the start of a table row
it falls in), except after a heading cut: a new section starts clean.
A token the tokenizer cannot see (`[UNK]`: a space-separated Thai, Lao, Khmer or Myanmar phrase) counts one token
more per UNSEEN_CHARS of its characters past UNSEEN_FREE (round 50): a 200-token Thai chunk was 7,000 characters,
one vector and one context passage for a page. Text of seen tokens is chunked as before.
Deterministic: same text + settings -> same chunks.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any, Callable, Iterator

import numpy as np

from ..scripts import CJK_STOPS, FULLWIDTH_DOT, HALFWIDTH_STOP, INDIC_ARABIC_STOPS, mark_class

BLOCK_CHARS = 65536  # tokenise long texts in blocks so memory stays flat (offsets kept as int arrays)
WORD_CHARS = 100  # WordPiece's longest word (max_input_chars_per_word): a longer one is a single [UNK]
PIECE_CHARS = 20  # a longer word is counted in pieces of this many characters (_split_long_words)
# An [UNK] token (a word the vocabulary cannot spell) of up to UNSEEN_FREE characters counts one token, as before (a
# rare letter, an IPA transcription, a Georgian word); each character past that UNSEEN_CHARS-th of a token more.
# English runs ~4.5-5 characters a token, so a chunk of Thai phrases holds about as many characters as an English one
# of the same budget (200 tokens: ~1,000-1,200). The budget's arithmetic is in characters: a token is UNSEEN_CHARS.
UNSEEN_CHARS = 5
UNSEEN_FREE = 12

# cut priorities
_HEADING, _PARAGRAPH, _LINE, _SENTENCE, _WORD, _INSIDE = 5, 4, 3, 2, 1, 0
_SENT_END = set(".!?;:…。！？")
_CLOSERS = set("\"')]}”’»")
# Sentence ends written with no space after them (Chinese, Japanese; Devanagari danda, Arabic question mark and full
# stop when a text runs on): the token after one is a cut at _SENTENCE though nothing separates it (round 49; none is
# ASCII, so English text is cut as before). scripts' stop characters, with the fullwidth "．" (refusal's sentences not)
_GLUED_END = re.compile(f"[{CJK_STOPS}{HALFWIDTH_STOP}{FULLWIDTH_DOT}{INDIC_ARABIC_STOPS}]")


# The kinds whose text is a table's rows (loaders/tablerows.py writes them): chunked a row a chunk (table_chunks.py,
# round 52: the 135M model copied the wrong row from chunks of many rows).
TABLE_KINDS = frozenset({"xlsx", "csv", "ods"})
# The prose kinds whose loaders write a table with a header row as a block of such rows (round 54; html round 55:
# loaders/web_tables.py): those blocks are chunked a row a chunk, the prose around them as before
# (table_chunks.doc_chunks).
DOC_TABLE_KINDS = frozenset({"docx", "odt", "doc", "html"})


@dataclass(frozen=True)
class Chunk:
    ord: int
    text: str
    start_char: int
    end_char: int
    n_tokens: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def effective_sizes(chunk_tokens: int, overlap_tokens: int, max_seq_len: int) -> tuple[int, int]:
    """(chunk, overlap) clamped so a chunk plus [CLS]/[SEP] always fits the embedder."""
    size = max(8, min(int(chunk_tokens), int(max_seq_len) - 2))
    overlap = max(0, min(int(overlap_tokens), size // 2 - 1))
    return size, overlap


def _span_blocks(tokenizer: Any, text: str) -> Iterator[np.ndarray]:
    """Character (start, end) of the tokens of `text` (no special tokens), a block of text at a time: an int64 array
    of shape (k, 2) per block, absolute offsets, words over WORD_CHARS split (`_split_long_words`)."""
    return (off for off, _, _ in _glued_blocks(tokenizer, text))


def _unk_id(tokenizer: Any) -> int | None:
    """The id of the tokenizer's unknown token (None: it has none, or does not say)."""
    try:
        return tokenizer.token_to_id(getattr(getattr(tokenizer, "model", None), "unk_token", None) or "[UNK]")
    except (AttributeError, TypeError):
        return None


def _glued_blocks(tokenizer: Any, text: str) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """(`_span_blocks`' spans, glued, cost) per block: glued, where a token may start right after a `_GLUED_END` mark
    in the block or at its start (none in ASCII text: one ASCII test per block serves this, `_attach_marks` and the
    costs); cost, each token's in characters (UNSEEN_CHARS, an [UNK] more past UNSEEN_FREE), None when every token
    costs UNSEEN_CHARS (always in ASCII text, whose every word the vocabulary spells)."""
    n = len(text)
    pos = 0
    unk_id = _unk_id(tokenizer)
    while pos < n:
        end = min(n, pos + BLOCK_CHARS)
        if end < n:  # cut the block at whitespace so no token straddles two blocks
            ws = max(text.rfind("\n", pos, end), text.rfind(" ", pos, end))
            if ws > pos:
                end = ws + 1
        enc = tokenizer.encode(text[pos:end], add_special_tokens=False)
        offsets = enc.offsets
        if len(offsets):  # a list of pairs (tokenizers'): read by fromiter, 2.5x np.asarray's speed
            off = (np.fromiter(chain.from_iterable(offsets), dtype=np.int64, count=2 * len(offsets))
                   if isinstance(offsets, list) else np.asarray(offsets, dtype=np.int64)).reshape(-1, 2)
            off += pos
            # from the character before the block: a block cut inside a run without spaces may start after a "。"
            # (a non-ASCII character there makes only empty searches of an ASCII block: the same spans and cuts)
            other = not text.isascii() if end - pos < 4096 else not text[max(0, pos - 1):end].isascii()
            unk = None
            if other and unk_id is not None and unk_id in (ids := enc.ids):
                unk = np.asarray(ids, dtype=np.int64) == unk_id
            if (off[:, 1] - off[:, 0] > WORD_CHARS).any():
                off, unk = _split_long_words(tokenizer, text, off, unk, unk_id)
            glued, cost = _NONE, None
            if other:
                _attach_marks(text, off, end)
                glued = np.fromiter((m.end() for m in _GLUED_END.finditer(text, max(0, pos - 1), end)), dtype=np.int64)
                if unk is not None and unk.any():
                    cost = UNSEEN_CHARS + np.where(unk, np.maximum(off[:, 1] - off[:, 0] - UNSEEN_FREE, 0), 0)
                    cost = cost if (cost > UNSEEN_CHARS).any() else None
            yield off, glued, cost
        pos = end


_NONE = np.empty(0, dtype=np.int64)


@lru_cache(maxsize=1)
def _mark_runs() -> re.Pattern[str]:
    """Runs of combining marks (categories Mn, Mc, Me) and ZWNJ/ZWJ, built once from the Unicode tables."""
    import sys

    return re.compile(f"[{mark_class(sys.maxunicode + 1)}\u200c\u200d]+")


def _attach_marks(text: str, off: np.ndarray, stop: int) -> None:
    """Each token's end moved, in place, over the combining marks right after it (never past the next token's start
    or `stop`, the block's end). The embedder's normaliser drops vowel signs, viramas and accents it cannot keep
    ("पहले" was the tokens of "पहल"): a chunk ended before the sign on its last letter, and the gap a virama left inside
    a word ("पासवर्ड") was taken for a space between words, a place to cut or to start an overlap (round 49)."""
    if not len(off):
        return
    lo, hi = int(off[0, 0]), int(off[-1, 1])
    runs = [(m.start(), m.end()) for m in _mark_runs().finditer(text, lo, min(stop, len(text)))]
    if not runs:
        return
    rs = np.asarray(runs, dtype=np.int64)
    # the run a token's end falls in: starting there, or (round 50) begun inside the token, as an [UNK]'s span may
    # end between two marks (Khmer "ឆ្នាំ" was read to before its last sign, "ំ": a chunk ended without it)
    i = np.searchsorted(rs[:, 0], off[:, 1], side="right") - 1
    j = np.maximum(i, 0)
    hit = np.flatnonzero((i >= 0) & (rs[j, 0] <= off[:, 1]) & (off[:, 1] < rs[j, 1]) & (rs[j, 0] >= off[:, 0]))
    if not len(hit):
        return
    new_end = rs[i[hit], 1]
    nxt = np.append(off[1:, 0], max(hi, stop))[hit]
    off[hit, 1] = np.maximum(off[hit, 1], np.minimum(new_end, nxt))


def _split_long_words(tokenizer: Any, text: str, off: np.ndarray, unk: np.ndarray | None = None,
                      unk_id: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """`off` (absolute spans) with each token longer than WORD_CHARS replaced by the tokens of its PIECE_CHARS
    pieces. WordPiece reads a longer word (a hex dump, a row of digits, a base64 run without capitals) as one [UNK]:
    a 2 MB line of it was one "32-token" chunk of 2 MB that no search could match and every answer would carry.
    All pieces go to the tokenizer in one call, joined by spaces (each stays a word of its own): WordPiece's time
    grows with the square of a word's length, so 100-character pieces, one call each, took 5 s per MB. `unk` (which
    tokens are `unk_id`, or None: not asked) comes back for the new tokens (None if not asked)."""
    long_ = np.flatnonzero(off[:, 1] - off[:, 0] > WORD_CHARS)
    counts = -(-(off[long_, 1] - off[long_, 0]) // PIECE_CHARS)  # pieces per long word
    owner = np.repeat(np.arange(len(long_)), counts)
    nth = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)  # a piece's place in its word
    bases = off[long_, 0][owner] + nth * PIECE_CHARS
    stops = np.minimum(bases + PIECE_CHARS, off[long_, 1][owner])
    pieces = [text[x:y] for x, y in zip(bases.tolist(), stops.tolist())]
    at = np.zeros(len(pieces), dtype=np.int64)  # where each piece starts in the joined string
    np.cumsum([len(x) + 1 for x in pieces[:-1]], out=at[1:])
    enc = tokenizer.encode(" ".join(pieces), add_special_tokens=False)
    sub = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    sub_unk = np.asarray(enc.ids, dtype=np.int64) == unk_id if unk is not None else None
    # the piece a token belongs to, by its last character (a BPE token may count the joining space as its first)
    which = np.searchsorted(at, np.maximum(sub[:, 1] - 1, sub[:, 0]), side="right") - 1
    sub = np.maximum(sub, at[which, None]) - at[which, None] + bases[which, None]
    # a piece that gives no token (combining marks only, which the normaliser strips) still counts as one
    empty = np.setdiff1d(np.arange(len(pieces)), which)
    if len(empty):
        which = np.concatenate([which, empty])
        sub = np.concatenate([sub, np.stack([bases[empty], stops[empty]], axis=1)])
        if sub_unk is not None:
            sub_unk = np.concatenate([sub_unk, np.zeros(len(empty), dtype=bool)])
    order = np.argsort(which, kind="stable")
    # each word's pieces' tokens go where the word was, in order
    at_word = (long_ - np.arange(len(long_)))[owner[which[order]]]
    new_off = np.insert(np.delete(off, long_, axis=0), at_word, sub[order], axis=0)
    if unk is None or sub_unk is None:
        return new_off, None
    return new_off, np.insert(np.delete(unk, long_), at_word, sub_unk[order])


def _cut_priority(text: str, prev_end: int, next_start: int, fences: list[tuple[int, int]] | None = None) -> int:
    """How good a cut is between a token ending at prev_end and the next starting at next_start. A `#` line
    indented 4+ spaces or inside a fenced code block (`fences`, from `fence_spans`) is code, not a heading."""
    gap = text[prev_end:next_start]
    if "\n" in gap:
        if (text.startswith("#", next_start) and _is_heading_line(text, next_start)
                and _indent_ok(gap[gap.rfind("\n") + 1:]) and not in_spans(fences, next_start)):
            return _HEADING
        if gap.count("\n") >= 2:
            return _PARAGRAPH
        return _LINE
    if not gap:  # inside a word (wordpieces) or punctuation glued to a word; or after "。"
        return _SENTENCE if prev_end > 0 and _GLUED_END.match(text, prev_end - 1) else _INSIDE
    last = text[prev_end - 1] if prev_end > 0 else ""
    if last in _SENT_END:
        return _SENTENCE
    if last in _CLOSERS and prev_end >= 2 and text[prev_end - 2] in _SENT_END:
        return _SENTENCE
    return _WORD


def _best_possible(text: str, a: int, b: int) -> int:
    """A bound on `_cut_priority` of every cut whose gap (and next token's first character) lies in text[a:b]: a
    heading needs a '#', a paragraph two line breaks, a line one. Lets the search stop at the first such cut."""
    n = text.count("\n", a, b)
    if not n:
        return _SENTENCE
    if text.find("#", a, b) >= 0:
        return _HEADING
    return _PARAGRAPH if n >= 2 else _LINE


_HEADING_RE = re.compile(r"#{1,6}(\s|$)")


def _indent_ok(indent: str) -> bool:
    return len(indent) <= 3 and "\t" not in indent


def _is_heading_line(text: str, at: int) -> bool:
    return bool(_HEADING_RE.match(text, at))


_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?=[^`\n]*$)|~{3,})", re.M)


def fence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every fenced code block (``` or ~~~, CommonMark: closed by a fence of the same character at
    least as long, or by the end of the text), in order."""
    if "```" not in text and "~~~" not in text:
        return []
    spans = []
    pos = 0
    while (m := _FENCE_OPEN.search(text, pos)) is not None:
        fence = m.group(1)
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        line_end = text.find("\n", m.end())
        c = close.search(text, line_end) if line_end >= 0 else None
        end = len(text) if c is None else c.end()
        spans.append((m.start(), end))
        pos = end
        if pos >= len(text):
            break
    return spans


def in_spans(spans: list[tuple[int, int]] | None, at: int) -> bool:
    """Whether `at` falls inside one of `spans` (sorted, as `fence_spans` gives them)."""
    if not spans:
        return False
    i = bisect.bisect_right(spans, (at, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= at < spans[i][1]


class _Window:
    """The token spans `chunk_text` can still use: from the current chunk's first token on, tokenised a block at a
    time as the cuts reach them. All of a 50 MB line's spans at once were 290 MB (36 M tokens, two int32 each), for
    a loop that only ever looks one chunk ahead. Indexes are the tokens' places in the whole text."""

    def __init__(self, tokenizer: Any, text: str, on_block: Callable[[int], None] | None = None):
        self._blocks = _glued_blocks(tokenizer, text)
        self._on_block = on_block  # told the characters tokenised so far, after each block (a heartbeat)
        self.base = 0  # index of starts[0]
        self.starts = np.empty(0, dtype=np.int64)
        self.ends = np.empty(0, dtype=np.int64)
        # index i of every token held with text between it and token i - 1: the cuts that are not inside a word (all
        # others are _INSIDE, chosen only in a window that has none of these, a long run without spaces)
        self.spaced = np.empty(0, dtype=np.int64)
        # once a token costs more than UNSEEN_CHARS (an [UNK] run): the cost, in characters, of the tokens held before
        # each index (one more entry than tokens); None until then, and every budget is counted in tokens as before
        self.cum: np.ndarray | None = None
        self.done = False

    @property
    def end(self) -> int:
        return self.base + len(self.starts)

    def reach(self, i: int) -> None:
        """Token `i` in the window, unless the text has fewer tokens (then `done`, and `end` is their number)."""
        while self.end <= i and not self.done:
            block = next(self._blocks, None)
            if block is None:
                self.done = True
                break
            off, glued, cost = block
            first = len(self.starts)
            if cost is not None and self.cum is None:
                self.cum = np.arange(first + 1, dtype=np.int64) * UNSEEN_CHARS
            if self.cum is not None:
                cost = np.full(len(off), UNSEEN_CHARS, dtype=np.int64) if cost is None else cost
                self.cum = np.concatenate([self.cum, self.cum[-1] + np.cumsum(cost)])
            self.starts = np.concatenate([self.starts, off[:, 0]])
            self.ends = np.concatenate([self.ends, off[:, 1]])
            lo = max(0, first - 1)  # the block's first token against the last one before it
            new = np.flatnonzero(self.starts[lo + 1:] > self.ends[lo:-1])
            if len(glued):  # a token right after a "。" (no gap): a cut too
                after = np.flatnonzero(np.isin(self.starts[lo + 1:], glued) & (self.starts[lo + 1:] == self.ends[lo:-1]))
                new = np.union1d(new, after)
            new += self.base + lo + 1
            self.spaced = np.concatenate([self.spaced, new])
            if self._on_block is not None:
                self._on_block(int(off[-1, 1]))

    def drop_before(self, s: int) -> None:
        """Forget the tokens before `s` (a cut or an overlap never looks back past the chunk's first token), once a
        block's worth is behind: each token is copied a few times, not once per chunk."""
        k = s - self.base
        if k < max(BLOCK_CHARS, len(self.starts) // 2):
            return
        self.starts, self.ends = self.starts[k:].copy(), self.ends[k:].copy()
        self.spaced = self.spaced[np.searchsorted(self.spaced, s):].copy()
        if self.cum is not None:
            self.cum = self.cum[k:] - self.cum[k]
        self.base = s

    def fit(self, s: int, size: int) -> int:
        """The end of the longest run of held tokens from `s` costing at most `size` tokens (at least one token)."""
        assert self.cum is not None
        k = s - self.base
        # no more than `size` tokens: each costs UNSEEN_CHARS or more, so `cum` grows by that much a token at least
        e = self.base + int(np.searchsorted(self.cum, self.cum[k] + size * UNSEEN_CHARS, side="right")) - 1
        return max(s + 1, e)

    def reach_cost(self, s: int, n: int) -> int:
        """The first index after `s` whose tokens from `s` cost `n` tokens or more (`end` + 1 if none)."""
        assert self.cum is not None
        k = s - self.base
        return self.base + int(np.searchsorted(self.cum, self.cum[k] + n * UNSEEN_CHARS, side="left"))

    def back_cost(self, e: int, n: int) -> int:
        """The first index whose tokens up to `e` cost at most `n` tokens."""
        assert self.cum is not None
        k = e - self.base
        return self.base + int(np.searchsorted(self.cum, self.cum[k] - n * UNSEEN_CHARS, side="left"))


def chunk_text(text: str, tokenizer: Any, *, chunk_tokens: int = 200, overlap_tokens: int = 40,
               max_seq_len: int = 256, on_block: Callable[[int], None] | None = None,
               table: bool = False, doc_tables: bool = False) -> list[Chunk]:
    """Chunks of `text` with exact character spans. Whitespace-only text gives []. `on_block(chars)`: called after
    each block of the text is tokenised, with how many of its characters are (progress within a big text; the
    chunks are the same with or without it). `table`: the text is a table's rows (a kind in TABLE_KINDS:
    table_chunks.py). `doc_tables`: prose that may hold tables' row blocks (a kind in DOC_TABLE_KINDS)."""
    if table or doc_tables:
        from .table_chunks import doc_chunks, table_chunks

        return (table_chunks if table else doc_chunks)(
            text, tokenizer, chunk_text, chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens,
            max_seq_len=max_seq_len, on_block=on_block)
    size, overlap = effective_sizes(chunk_tokens, overlap_tokens, max_seq_len)
    w = _Window(tokenizer, text, on_block)
    w.reach(0)
    if w.end == 0:
        return []
    fences = fence_spans(text)
    chunks: list[Chunk] = []
    s = 0
    min_len = max(1, size // 2)
    while True:
        w.drop_before(s)
        hard = s + size
        w.reach(hard)
        starts, ends, spaced, base = w.starts, w.ends, w.spaced, w.base
        if w.cum is not None:  # text the tokenizer cannot see: the budget counts its characters (UNSEEN_CHARS)
            hard = w.fit(s, size)
        last = hard >= w.end  # (then the window holds every token left)
        if last:
            e, prio = w.end, _PARAGRAPH
        else:
            e, prio = hard, _INSIDE
            # best place in the second half of the window; later wins among equals
            first = s + min_len if w.cum is None else min(hard, w.reach_cost(s, min_len))
            lo, hi = np.searchsorted(spaced, (first, hard + 1))
            cuts = spaced[lo:hi][::-1]
            prev_ends, next_starts = ends[cuts - 1 - base].tolist(), starts[cuts - base].tolist()
            top = _best_possible(text, min(prev_ends), max(next_starts) + 1) if len(cuts) else _INSIDE
            for cut, prev_end, next_start in zip(cuts.tolist(), prev_ends, next_starts):
                p = _cut_priority(text, prev_end, next_start, fences)
                if p > prio:
                    e, prio = cut, p
                    if p >= top:  # the latest of the best the window can hold: none earlier can beat it
                        break
        a, b = int(starts[s - base]), int(ends[e - 1 - base])
        chunks.append(Chunk(ord=len(chunks), text=text[a:b], start_char=a, end_char=b, n_tokens=e - s))
        if last:
            break
        if prio == _HEADING or overlap == 0:
            s = e
            continue
        nxt = max(s + 1, e - overlap if w.cum is None else w.back_cost(e, overlap))
        row = _row_start(text, starts, base, s, nxt, e, overlap)
        if row is not None:
            s = row
            continue
        # start the overlap at a word (not a '##' piece), searching forward but never reaching e
        i = int(np.searchsorted(spaced, nxt))
        s = int(spaced[i]) if i < len(spaced) and spaced[i] < e else nxt
    return chunks


def _row_start(text: str, starts: np.ndarray, base: int, s: int, nxt: int, e: int, overlap: int) -> int | None:
    """Where the overlap starts when its first word, token `nxt`, is inside a table row (a line starting with `|`):
    at that row's first token, so the next chunk repeats the row whole, not its tail without its label (`| 160 |`),
    when that keeps the overlap under twice its size; else at the next line. None: not inside a table row."""
    at = int(starts[nxt - base])
    line = text.rfind("\n", int(starts[s - base]), at) + 1  # not further back than the chunk (a 50 MB line)
    if not line or not text[line:at].lstrip(" \t").startswith("|"):
        return None  # prose, a line the chunk began inside, or the overlap already starts a line
    k = base + int(np.searchsorted(starts, line))  # the row's first token
    if k >= max(s + 1, e - 2 * overlap):
        return k
    nl = text.find("\n", at, int(starts[e - base]))
    k = base + int(np.searchsorted(starts, nl, side="right")) if nl >= 0 else e
    return k if k < e else None


def embedding_text(title: str, chunk: str, n_tokens: int, tokenizer: Any, max_seq_len: int = 256) -> str:
    """What is embedded for a chunk: its document title (if any) as a first line, trimmed to the room the
    chunk leaves under `max_seq_len`. The stored chunk text never includes it."""
    title = (title or "").strip()
    if not title:
        return chunk
    room = max_seq_len - 2 - n_tokens - 1  # [CLS], [SEP], and the newline-ish separator
    if room <= 0:
        return chunk
    enc = tokenizer.encode(title, add_special_tokens=False)
    if len(enc.ids) > room:
        title = title[: enc.offsets[room - 1][1]]
    return f"{title}\n{chunk}"
