"""Chunker: text with long runs without spaces (hex dumps, rows of digits) is chunked in time linear in its tokens,
and the faster cut search chooses the chunks the plain one did."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from ragtune.appliance.ingest import chunker
from ragtune.appliance.ingest.chunker import (_HEADING, _INSIDE, _PARAGRAPH, Chunk, _cut_priority, chunk_text,
                                              effective_sizes, fence_spans, token_spans)

from .ingest_helpers import real_tokenizer

PACK_DOCS = Path(chunker.__file__).resolve().parents[2] / "models" / "pack" / "docs"


@pytest.fixture(scope="module")
def tok():
    return real_tokenizer()


def _reference(text, tokenizer, chunk_tokens=200, overlap_tokens=40, max_seq_len=256):
    """The cut search as it was written before it skipped cuts inside words: every token boundary of the window
    looked at, one by one."""
    size, overlap = effective_sizes(chunk_tokens, overlap_tokens, max_seq_len)
    starts, ends = token_spans(tokenizer, text)
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
        while k < e and k > 0 and _cut_priority(text, int(ends[k - 1]), int(starts[k])) == _INSIDE:
            k += 1
        s = k if k < e else nxt
    return out


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
    starts, ends = token_spans(tok, text)
    assert (np.diff(starts) > 0).all() and (ends > starts).all() and ends[-1] == len(text)


def test_pieces_the_normaliser_empties_still_count(tok):
    """A long word with a run of combining accents inside: its pieces of accents alone give no token (the
    normaliser strips accents) but each still counts as one, so the word stays covered, in order."""
    text = "start " + "x" * 60 + "\u0301" * 100 + "y" * 60 + " end"
    starts, ends = token_spans(tok, text)
    assert (np.diff(starts) > 0).all() and (ends > starts).all()
    spans = list(zip(starts.tolist(), ends.tolist()))
    assert all((a, a + 20) in spans for a in range(66, 166, 20))  # accents only: each piece counted once
    assert spans[1][0] == 6 and spans[-2][1] == 226 and spans[-1] == (227, 230)


def test_token_offsets_are_int32_and_chunks_unchanged(tok):
    """QA: a 50 MB line without spaces peaked at 1.2 GB: int64 offsets, gathered per block and then joined (two
    copies). They are int32, written once into arrays sized for a token per character."""
    text = random.Random(4).randbytes(100_000).hex() + " tail words.\n\n# Next\nmore"
    starts, ends = token_spans(tok, text)
    assert starts.dtype == np.int32 and ends.dtype == np.int32
    assert chunk_text(text, tok) == _reference(text, tok)


class _TwoPerChar:
    """A tokenizer that makes two tokens of every character (as lower-casing can make two of one character)."""

    class _Enc:
        def __init__(self, text):
            self.offsets = [o for i, ch in enumerate(text) if not ch.isspace() for o in ((i, i + 1), (i, i + 1))]

    def encode(self, text, add_special_tokens=True):
        return self._Enc(text)


def test_more_tokens_than_characters_grow_the_offset_arrays():
    text = "ab cd " * 30_000  # 240,000 tokens of 180,000 characters: the arrays grow once, keeping what they held
    starts, ends = token_spans(_TwoPerChar(), text)
    expect = [i for i, ch in enumerate(text) if not ch.isspace() for _ in range(2)]
    assert starts.tolist() == expect and ends.tolist() == [i + 1 for i in expect]
