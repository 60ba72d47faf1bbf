"""Chunks of a table's text (a spreadsheet's sheets, a CSV file; loaders/tablerows.py writes one row a line,
`Label: value; Label: value`): ROWS whole rows a chunk (one), never a row cut in two when a chunk can hold it.

Why (round 52, benchmarks/r52_tables.py): a 200-token chunk of a price list or a rota is the whole table, or a run of
rows whose first ones rank it; the 135M model then copied another row of the context (the first row's mobile number
for "Raj Patel's extension"). A chunk of ROWS rows is found by that row's words, and the model reads the row asked
about: 14 -> 27 of 45 lookups right (benchmarks/r52_tables.py). Each row names its columns, so a row needs no
header above it in its chunk; a sheet's `## Sheet:` heading starts a chunk (with the first rows under it), as a
markdown heading does.
A row longer than a chunk is cut as any text is (chunker.chunk_text, after a `;`), overlap and all."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

ROWS = 1  # table rows a chunk
_BEAT_CHARS = 65536  # on_block is told the progress about this often


def table_chunks(text: str, tokenizer: Any, chunk: Callable[..., list[Any]], *, chunk_tokens: int, overlap_tokens: int,
                 max_seq_len: int, on_block: Callable[[int], None] | None = None) -> list[Any]:
    """Chunks of `text`, ROWS rows each (`_spans`), each made by `chunk` (chunker.chunk_text, passed in: this module
    imports nothing of the chunker's) from its span and moved to its place in `text`: spans exact, ords in order."""
    out: list[Any] = []
    told = 0
    for a, b in _spans(text):
        for c in chunk(text[a:b], tokenizer, chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens,
                       max_seq_len=max_seq_len, table=False):
            out.append(replace(c, ord=len(out), start_char=a + c.start_char, end_char=a + c.end_char))
        if on_block is not None and b - told >= _BEAT_CHARS:
            told = b
            on_block(b)
    if on_block is not None and told < len(text):
        on_block(len(text))
    return out


def _is_row(line: str) -> bool:
    """A table row (`Label: value; …`, or `a | b` when the table has no header) rather than a line that goes with the
    rows after it: a title above the table, a lone value (a one-column list is chunked as any text)."""
    return ": " in line or " | " in line


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of lines holding ROWS rows (`_is_row`), the lines before them that are not rows (a `## `
    heading, a title) with them; a blank line or a heading ends a run early."""
    spans: list[tuple[int, int]] = []
    start, rows, pos, n = -1, 0, 0, len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        line = text[pos:end]
        if not line.strip():
            if start >= 0:
                spans.append((start, pos))
            start, rows = -1, 0
        elif line.startswith("## "):
            if start >= 0:
                spans.append((start, pos))
            start, rows = pos, 0
        else:
            if start < 0:
                start = pos
            rows += _is_row(line)
            if rows >= ROWS:
                spans.append((start, end))
                start, rows = -1, 0
        pos = end + 1
    if start >= 0:
        spans.append((start, n))
    return spans
