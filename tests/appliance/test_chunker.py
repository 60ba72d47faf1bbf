"""Chunker: exact spans, token limits, overlap, preferred cut points, determinism."""

from __future__ import annotations

import pytest

from ragtune.appliance.ingest.chunker import chunk_text, effective_sizes, embedding_text

from .ingest_helpers import real_tokenizer


@pytest.fixture(scope="module")
def tok():
    return real_tokenizer()


def _ntok(tok, text):
    return len(tok.encode(text, add_special_tokens=False).ids)


def _md(sections=5, sentences=12):
    parts = ["# Handbook\n"]
    for i in range(sections):
        parts.append(f"## Section {i}\n\n" + " ".join(
            f"Sentence {j} of section {i} explains a rule about topic {i}." for j in range(sentences)))
    return "\n\n".join(parts)


def test_spans_are_exact_and_within_limits(tok):
    text = _md()
    chunks = chunk_text(text, tok, chunk_tokens=100, overlap_tokens=20)
    assert len(chunks) > 3
    for i, c in enumerate(chunks):
        assert c.ord == i
        assert text[c.start_char:c.end_char] == c.text
        assert c.n_tokens <= 100
        assert _ntok(tok, c.text) <= 100
    # everything is covered, in order
    assert chunks[0].start_char == 0 and chunks[-1].end_char == len(text.rstrip())
    for a, b in zip(chunks, chunks[1:]):
        assert b.start_char <= a.end_char + 3  # contiguous or overlapping (a separator may sit between)
        assert b.start_char > a.start_char


def test_headings_start_chunks(tok):
    text = _md()
    chunks = chunk_text(text, tok, chunk_tokens=100, overlap_tokens=20)
    starts = [c.text.split("\n", 1)[0] for c in chunks if c.text.startswith("## ")]
    assert starts == [f"## Section {i}" for i in range(1, 5)]
    for c in chunks:  # no chunk ends on a dangling heading line
        assert not c.text.rstrip().splitlines()[-1].startswith("#")


def test_sentence_boundaries_preferred(tok):
    text = " ".join(f"This is sentence number {i} in a long paragraph without breaks." for i in range(60))
    chunks = chunk_text(text, tok, chunk_tokens=64, overlap_tokens=0)
    assert len(chunks) > 3
    for c in chunks[:-1]:
        assert c.text.endswith(".")
    # without overlap the chunks tile the text
    assert "".join(text[c.start_char:c.end_char] + " " for c in chunks).strip() == text


def test_overlap(tok):
    text = " ".join(f"word{i}" for i in range(400))
    chunks = chunk_text(text, tok, chunk_tokens=50, overlap_tokens=10)
    for a, b in zip(chunks, chunks[1:]):
        assert b.start_char < a.end_char  # shared text
        shared = a.end_char - b.start_char
        assert 0 < _ntok(tok, text[b.start_char:a.end_char]) <= 12, shared
        assert b.text[0] == "w"  # overlap starts at a word, not a '##' piece


def test_deterministic(tok):
    text = _md(8, 20)
    assert chunk_text(text, tok) == chunk_text(text, tok)


def test_short_and_empty(tok):
    assert chunk_text("", tok) == []
    assert chunk_text("  \n\n ", tok) == []
    (c,) = chunk_text("Just one line.", tok)
    assert (c.text, c.start_char, c.end_char, c.n_tokens) == ("Just one line.", 0, 14, 4)


def test_sizes_clamped_to_model():
    assert effective_sizes(200, 40, 256) == (200, 40)
    assert effective_sizes(400, 40, 256) == (254, 40)
    assert effective_sizes(100, 90, 256) == (100, 49)


def test_never_exceeds_model_window(tok):
    text = "x" * 10 + " " + " ".join(["supercalifragilistic"] * 600)
    for c in chunk_text(text, tok, chunk_tokens=400, overlap_tokens=0, max_seq_len=128):
        assert c.n_tokens <= 126


def test_long_text_in_blocks_keeps_offsets(tok):
    # > BLOCK_CHARS forces block-wise tokenisation; offsets must still be exact
    para = "Économie et café: les prix augmentent. 日本語のテキスト。 Ünïcode words here.\n\n"
    text = para * 1200
    assert len(text) > 70000
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    for c in chunks[:: max(1, len(chunks) // 20)]:
        assert text[c.start_char:c.end_char] == c.text and c.n_tokens <= 200
    assert chunks[-1].end_char == len(text.rstrip())


def test_embedding_text_prepends_title_within_budget(tok):
    assert embedding_text("", "body", 1, tok) == "body"
    assert embedding_text("Title", "body", 1, tok) == "Title\nbody"
    long_title = " ".join(["heading"] * 100)
    out = embedding_text(long_title, "body", 240, tok, 256)
    assert out.endswith("\nbody") and _ntok(tok, out.split("\n")[0]) <= 256 - 2 - 240 - 1
    assert embedding_text("Title", "body", 254, tok, 256) == "body"  # no room: chunk text only


def test_words_longer_than_the_tokenizer_reads_are_cut_into_bounded_chunks(tok):
    """QA: WordPiece reads a word over 100 characters as one [UNK], so a 200 KB line without spaces (a hex dump, a
    row of digits) was one "2-token" chunk of 200 KB: unsearchable, and carried whole into every answer."""
    text = "Intro words here. " + "deadbeef0123" * 20_000 + " and the end."
    chunks = chunk_text(text, tok, chunk_tokens=100, overlap_tokens=20)
    assert len(chunks) > 20 and max(len(c.text) for c in chunks) < 2_000
    assert chunks[0].text.startswith("Intro words here.") and chunks[-1].text.endswith("and the end.")
    for c in chunks:
        assert text[c.start_char:c.end_char] == c.text and c.n_tokens <= 100
        assert _ntok(tok, c.text) <= 100  # the embedder sees no more than was counted
    assert chunks[0].end_char > chunks[1].start_char  # still overlapping
