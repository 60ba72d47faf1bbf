"""Chunker: text with long runs without spaces (hex dumps, rows of digits) is chunked in time linear in its tokens,
and the faster cut search, over token spans read a block at a time (`_span_blocks`, `_Window`), chooses the chunks
the plain one did over all spans at once."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest

from ragtune.appliance.ingest import chunker
from ragtune.appliance.ingest.chunker import (_HEADING, _INSIDE, _PARAGRAPH, Chunk, _cut_priority, _span_blocks,
                                              chunk_text, effective_sizes, fence_spans)

from .ingest_helpers import real_tokenizer

PACK_DOCS = Path(chunker.__file__).resolve().parents[2] / "models" / "pack" / "docs"


@pytest.fixture(scope="module")
def tok():
    return real_tokenizer()


def _all_spans(tokenizer, text):
    """(starts, ends) of every token of `text`: all of `_span_blocks`' blocks joined, as the chunker held them
    before it kept only a window of them."""
    blocks = list(_span_blocks(tokenizer, text))
    for off in blocks:
        assert off.dtype == np.int64 and off.ndim == 2 and off.shape[1] == 2  # absolute offsets, any text length
    off = np.concatenate(blocks) if blocks else np.empty((0, 2), dtype=np.int64)
    return off[:, 0], off[:, 1]


def _reference(text, tokenizer, chunk_tokens=200, overlap_tokens=40, max_seq_len=256):
    """The cut search as it was written before it skipped cuts inside words and kept only a window of spans: every
    token boundary of the window looked at, one by one, over all the text's spans at once."""
    size, overlap = effective_sizes(chunk_tokens, overlap_tokens, max_seq_len)
    starts, ends = _all_spans(tokenizer, text)
    fences = fence_spans(text)
    n, out, s, min_len = len(starts), [], 0, max(1, size // 2)
    while s < n:
        hard = s + size
        if hard >= n:
            e, prio = n, _PARAGRAPH
        else:
            e, prio = hard, -1
            for cut in range(hard, s + min_len - 1, -1):
                p = _cut_priority(text, int(ends[cut - 1]), int(starts[cut]), fences)
                if p > prio:
                    e, prio = cut, p
                    if p == _HEADING:
                        break
        a, b = int(starts[s]), int(ends[e - 1])
        out.append(Chunk(len(out), text[a:b], a, b, e - s))
        if e >= n:
            break
        if prio == _HEADING or overlap == 0:
            s = e
            continue
        nxt = k = max(s + 1, e - overlap)
        row = _reference_row(text, starts, s, nxt, e, overlap)
        if row is not None:
            s = row
            continue
        while k < e and k > 0 and _cut_priority(text, int(ends[k - 1]), int(starts[k])) == _INSIDE:
            k += 1
        s = k if k < e else nxt
    return out


def _reference_row(text, starts, s, nxt, e, overlap):
    """Round 42: an overlap whose first token is inside a table row (a line starting with `|`, after the chunk's first
    token) starts at that row's first token if it is at most 2 x overlap back (and past s), else at the next line's
    first token before e."""
    at = int(starts[nxt])
    line = text.rfind("\n", 0, at) + 1
    if line <= int(starts[s]) or not text[line:at].lstrip(" \t").startswith("|"):
        return None  # a line the chunk began inside is not looked into
    first = next(i for i in range(len(starts)) if starts[i] >= line)
    if first >= max(s + 1, e - 2 * overlap):
        return first
    for i in range(nxt + 1, e):
        if "\n" in text[at:int(starts[i])]:
            return i
    return None


def _mixed(seed=0):
    rnd = random.Random(seed)
    parts = []
    for i in range(40):
        parts.append(rnd.choice([
            f"# Heading {i}\n",
            "    # indented code, not a heading\n",
            "```\n# in a fence\ncode()\n```\n",
            " ".join(rnd.choice(["alpha", "beta.", "gamma!", "supercalifragilistic", "(x)", "co-op", "naïve"])
                     for _ in range(rnd.randrange(5, 80))) + "\n\n",
            "".join(rnd.choice("0123456789abcdef") for _ in range(rnd.randrange(90, 900))) + "\n",
            "x" * 150 + "\u0301" * 60 + " tail\n",
        ]))
    return "".join(parts)


@pytest.mark.parametrize("sizes", [(200, 40), (100, 20), (64, 0), (30, 14)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cut_search_chooses_what_the_plain_loop_chose(tok, sizes, seed):
    text = _mixed(seed)
    assert chunk_text(text, tok, chunk_tokens=sizes[0], overlap_tokens=sizes[1]) == \
        _reference(text, tok, sizes[0], sizes[1])


def test_pack_docs_chunk_as_before(tok):
    docs = sorted(PACK_DOCS.rglob("*.md"))
    assert docs
    for p in docs:
        text = p.read_text(encoding="utf-8")
        assert chunk_text(text, tok) == _reference(text, tok), p.name


class _Counting:
    """The real tokenizer, recording each text it is given."""

    def __init__(self, inner):
        self.inner, self.seen = inner, []

    def encode(self, text, add_special_tokens=True):
        self.seen.append(text)
        return self.inner.encode(text, add_special_tokens=add_special_tokens)

    def encode_batch(self, texts, add_special_tokens=True):
        self.seen.extend(texts)
        return self.inner.encode_batch(texts, add_special_tokens=add_special_tokens)


def test_a_long_run_costs_two_tokenizer_calls_per_block_and_no_long_word(tok):
    """QA: a 2 MB hex line took 9.7 s (5 s per MB): every 100-character piece went to WordPiece in its own call,
    and WordPiece's time grows with the square of a word's length. The pieces are now PIECE_CHARS long and go in
    one call per block, so the work is linear in the tokens (a hex line makes as many tokens as its length)."""
    text = random.Random(3).randbytes(150_000).hex()  # 300 KB, one line
    counting = _Counting(tok)
    chunks = chunk_text(text, counting)
    blocks = -(-len(text) // chunker.BLOCK_CHARS)
    assert len(counting.seen) <= 2 * blocks
    split = [t for t in counting.seen if " " in t]  # the joined pieces
    assert split and max(len(w) for t in split for w in t.split(" ")) <= chunker.PIECE_CHARS
    assert chunks[0].start_char == 0 and chunks[-1].end_char == len(text)
    for c in chunks:
        assert text[c.start_char:c.end_char] == c.text and c.n_tokens <= 200
    starts, ends = _all_spans(tok, text)
    assert (np.diff(starts) > 0).all() and (ends > starts).all() and ends[-1] == len(text)


def test_pieces_the_normaliser_empties_still_count(tok):
    """A long word with a run of combining accents inside: its pieces of accents alone give no token (the
    normaliser strips accents) but each still counts as one, so the word stays covered, in order."""
    text = "start " + "x" * 60 + "\u0301" * 100 + "y" * 60 + " end"
    starts, ends = _all_spans(tok, text)
    assert (np.diff(starts) > 0).all() and (ends > starts).all()
    spans = list(zip(starts.tolist(), ends.tolist()))
    assert all((a, a + 20) in spans for a in range(66, 166, 20))  # accents only: each piece counted once
    assert spans[1][0] == 6 and spans[-2][1] == 226 and spans[-1] == (227, 230)


class _TwoPerChar:
    """A tokenizer that makes two tokens of every character (as lower-casing can make two of one character)."""

    class _Enc:
        def __init__(self, text):
            self.offsets = [o for i, ch in enumerate(text) if not ch.isspace() for o in ((i, i + 1), (i, i + 1))]

    def encode(self, text, add_special_tokens=True):
        return self._Enc(text)


class _Recording(chunker._Window):
    """The chunker's window, recording the most token spans it held at once."""

    most = 0

    def reach(self, i):
        super().reach(i)
        _Recording.most = max(_Recording.most, len(self.starts))


@pytest.mark.parametrize("two_per_char", [False, True])
def test_a_long_line_holds_a_bounded_window_of_spans_and_chunks_unchanged(tok, monkeypatch, two_per_char):
    """QA: a 50 MB line without spaces peaked at 1.2 GB (int64 offsets of every token, joined from blocks), then
    533 MB (int32, written once). The chunker now holds only the spans from the current chunk on, a few blocks'
    worth whatever the length of the line (also when a block makes more tokens than characters), and its chunks
    are those of the plain search over all spans."""
    text = random.Random(4).randbytes(300_000).hex() + " tail words.\n\n# Next\nmore"  # 600 KB: 10 blocks
    tokenizer = _TwoPerChar() if two_per_char else tok
    monkeypatch.setattr(chunker, "_Window", _Recording)
    _Recording.most = 0
    chunks = chunk_text(text, tokenizer)
    starts, _ = _all_spans(tokenizer, text)
    assert len(starts) > 6 * chunker.BLOCK_CHARS, len(starts)  # more tokens than a window may hold
    # two blocks of characters' tokens (at most one token per character for the real tokenizer on hex, two for
    # _TwoPerChar): 105 K of 433 K tokens held at most, 197 K of 1.2 M
    assert 0 < _Recording.most <= 2 * chunker.BLOCK_CHARS * (2 if two_per_char else 1)
    assert chunks == _reference(text, tokenizer)


def test_more_tokens_than_characters_are_all_read_in_order():
    """A block may make more tokens than it has characters (lower-casing can make two of one character): every
    block's spans are kept, in order, and the chunks count them all."""
    text = "ab cd " * 30_000  # 240,000 tokens of 180,000 characters, in 3 blocks
    starts, ends = _all_spans(_TwoPerChar(), text)
    expect = [i for i, ch in enumerate(text) if not ch.isspace() for _ in range(2)]
    assert starts.tolist() == expect and ends.tolist() == [i + 1 for i in expect]
    chunks = chunk_text(text, _TwoPerChar(), chunk_tokens=200, overlap_tokens=0)
    assert sum(c.n_tokens for c in chunks) == len(expect)
    assert [c.start_char for c in chunks[1:]] == [c.end_char + 1 for c in chunks[:-1]]  # a space between chunks
    assert chunks[0].start_char == 0 and chunks[-1].end_char == len(text) - 1
    assert chunks == _reference(text, _TwoPerChar(), 200, 0)


def _varied(seed):
    """Headings, code, prose, accents, long words, CJK, a text over many blocks, a hex line and its tail."""
    return (_mixed(seed) + "Économie et café: les prix augmentent. 日本語のテキスト。 Ünïcode words here.\n\n" * 1200
            + random.Random(seed).randbytes(40_000).hex() + " tail words.\n\n# Next\nmore")


def _digest(chunks):
    h = hashlib.sha256()
    for c in chunks:
        h.update(f"{c.ord}:{c.start_char}:{c.end_char}:{c.n_tokens}:{c.sha256}\n".encode())
    return h.hexdigest()[:16]


# Chunks of _varied(seed) per (chunk_tokens, overlap_tokens), recorded with the chunker of round 39 (before its
# unused all-at-once `token_spans` was removed): a change here re-chunks every stored document. Round 49: the
# (30, 14) chunks of seeds 1 and 2 (an "x" with 60 combining accents) now end after the accents (CHUNKER_VERSION 2).
_STORED = {
    0: ["f5ba1c8195307ce6", "cdf53e6a0f6e03cb", "416acd1db57d522e", "db48d9d1dc32ffdb"],
    1: ["ad1b08c5ec8c8073", "2a7e367cd4f04823", "9c5258d200a7a05d", "fb2829fa0d5bbb1d"],
    2: ["ef4d51b4e0881f2e", "14cae70dd4ab4fab", "7a31e940440b8ee6", "bfc0db5414520223"],
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chunks_of_a_varied_text_are_those_stored(tok, seed):
    text = _varied(seed)
    assert [_digest(chunk_text(text, tok, chunk_tokens=a, overlap_tokens=b))
            for a, b in [(200, 40), (100, 20), (64, 0), (30, 14)]] == _STORED[seed]
