"""A long markdown table (round 42): the chunk after a cut starts at a row, not inside one. A chunk that began
`| 160 |\\n| Grey Moor | …` carried a row's tail without its label; its numbers were cited as another row's."""

from __future__ import annotations

import pytest

from ragtune.appliance.ingest.chunker import chunk_text

from .ingest_helpers import real_tokenizer


@pytest.fixture(scope="module")
def tok():
    return real_tokenizer()


def _table(n: int) -> str:
    rows = [f"| Depot {i} | {9 + i % 5}.50 | {14 + i % 7}.00 | {27 + i % 3}.00 | {100 + 5 * i} |" for i in range(n)]
    return ("# Per-diem rates\n\nRates per region, in euros.\n\n| Region | Breakfast | Lunch | Dinner | Hotel cap |\n"
            "|---|---|---|---|---|\n" + "\n".join(rows) + "\n\nClaims above the cap need approval.\n")


def test_chunks_in_a_table_start_at_a_row(tok):
    text = _table(60)
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    assert len(chunks) >= 3
    for c in chunks[1:]:
        assert c.text.startswith("| Depot "), c.text[:40]
        assert c.start_char == 0 or text[c.start_char - 1] == "\n"
    for prev, c in zip(chunks, chunks[1:]):
        assert c.start_char < prev.end_char  # still overlapping
        assert prev.start_char < c.start_char  # and moving on
    assert all(c.n_tokens <= 200 for c in chunks)
    assert all(c.text == text[c.start_char:c.end_char] for c in chunks)
    # every row is whole in some chunk
    for line in text.splitlines():
        if line.startswith("| Depot"):
            assert any(line in c.text for c in chunks), line


def test_the_overlap_repeats_the_row_it_fell_in(tok):
    text = _table(60)
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    for prev, c in zip(chunks, chunks[1:]):
        first_row = c.text.split("\n", 1)[0]
        assert first_row in prev.text  # the repeated row is one the previous chunk had
        # not more than twice the overlap repeated
        assert len(tok.encode(text[c.start_char:prev.end_char], add_special_tokens=False).ids) <= 80


def test_prose_overlap_still_starts_at_a_word(tok):
    words = " ".join(f"word{i} and then some more text follows" for i in range(80))
    text = f"{words}\n\n{words}\n"
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    assert len(chunks) >= 3
    assert any(text[c.start_char - 1] == " " for c in chunks[1:])  # mid-line, as before


def test_a_row_longer_than_a_chunk_still_makes_progress(tok):
    long_row = "| " + " | ".join(f"cell {i} with several words" for i in range(120)) + " |"
    text = f"| a | b |\n|---|---|\n{long_row}\n{long_row}\n"
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    assert all(b.start_char > a.start_char for a, b in zip(chunks, chunks[1:]))
    assert chunks[-1].end_char == len(text.rstrip())


def test_one_huge_line_that_starts_like_a_row_stays_linear(tok):
    """A guard, not a fix: the row's start is looked for no further back than the chunk, so a 3 MB line (an export
    pasted on one line) is not scanned back to its start for each of its chunks."""
    import time

    text = "| " + "cell value | " * 250_000
    t0 = time.perf_counter()
    chunks = chunk_text(text, tok, chunk_tokens=200, overlap_tokens=40)
    assert time.perf_counter() - t0 < 30
    assert len(chunks) > 1000 and all(b.start_char > a.start_char for a, b in zip(chunks, chunks[1:]))
