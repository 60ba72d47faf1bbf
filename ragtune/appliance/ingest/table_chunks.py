"""Chunks of a table's text (a spreadsheet's sheets, a CSV file; loaders/tablerows.py writes one row a line,
`Label: value; Label: value`): ROWS whole rows a chunk (one), never a row cut in two when a chunk can hold it.

Why (round 52, benchmarks/r52_tables.py): a 200-token chunk of a price list or a rota is the whole table, or a run of
rows whose first ones rank it; the 135M model then copied another row of the context (the first row's mobile number
for "Raj Patel's extension"). A chunk of ROWS rows is found by that row's words, and the model reads the row asked
about: 14 -> 27 of 45 lookups right (benchmarks/r52_tables.py). Each row names its columns, so a row needs no
header above it in its chunk; a sheet's `## Sheet:` heading starts a chunk (with the first rows under it), as a
markdown heading does.
A row longer than a chunk is cut as any text is (chunker.chunk_text, after a `;`), overlap and all.
A table inside a prose document (a DOCX, ODT or .doc: chunker.DOC_TABLE_KINDS) is a block of such rows between blank
lines (word.py, opendoc.py, worddoc.py write it so, round 54): `doc_chunks` chunks each such block a row a chunk and
the text between the blocks as prose, each part on its own; the heading or caption right above a block goes into its
first row's chunk only where another table in the document has the same labels (their rows would read alike: a lone
table's heading stays in the prose); a document without a block gets chunk_text's chunks."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any, Callable

ROWS = 1  # table rows a chunk
_BEAT_CHARS = 65536  # on_block is told the progress about this often


def table_chunks(text: str, tokenizer: Any, chunk: Callable[..., list[Any]], *, chunk_tokens: int, overlap_tokens: int,
                 max_seq_len: int, on_block: Callable[[int], None] | None = None, head: int = 0) -> list[Any]:
    """Chunks of `text`, ROWS rows each (`_spans`), each made by `chunk` (chunker.chunk_text, passed in: this module
    imports nothing of the chunker's) from its span and moved to its place in `text`: spans exact, ords in order.
    `head`: the text's first `head` characters (a heading over a document's table, blank line and all) go with the
    first row (`doc_chunks`)."""
    out: list[Any] = []
    told = 0
    for a, b in _spans(text, head):
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


def _spans(text: str, head: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each run of lines holding ROWS rows (`_is_row`), the lines before them that are not rows (a `## `
    heading, a title) with them; a blank line or a heading ends a run early, except in the first `head` characters
    (they start the first run)."""
    spans: list[tuple[int, int]] = []
    start, rows, pos, n = (0 if head else -1), 0, 0, len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        line = text[pos:end]
        if pos < head:
            pass  # (the heading above a document's table: in the first row's run)
        elif not line.strip():
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


def doc_chunks(text: str, tokenizer: Any, chunk: Callable[..., list[Any]], *, chunk_tokens: int, overlap_tokens: int,
               max_seq_len: int, on_block: Callable[[int], None] | None = None) -> list[Any]:
    """Chunks of a prose document's `text`: each table block (`table_blocks`) as `table_chunks` makes them, the text
    before, between and after them by `chunk` (chunker.chunk_text) as a text of its own; spans exact, ords in order.
    No table block: `chunk(text)`'s chunks, the same as before."""
    blocks = table_blocks(text)
    sizes = dict(chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens, max_seq_len=max_seq_len)
    if not blocks:
        return chunk(text, tokenizer, on_block=on_block, **sizes)
    parts: list[tuple[int, int, int]] = []  # (start, end, -1 for prose, else the heading's length before the rows)
    pos = 0
    heads = [tuple(_labels(text[a:b].partition("\n")[0])) for a, b in blocks]
    alike = Counter(heads)
    for k, (a, b) in enumerate(blocks):
        # the heading only where another table has the same labels: its rows would read alike (a lone table's first
        # row with its heading outranked the row asked for: benchmarks/r54_doc_tables.py, 2 lookups lost)
        h = _heading_above(text, pos, a) if alike[heads[k]] > 1 else a
        parts += [(pos, h, -1), (h, b, a - h)]
        pos = b
    parts.append((pos, len(text), -1))
    out: list[Any] = []
    for a, b, head in parts:
        beat = None if on_block is None else (lambda at, a=a: on_block(a + at))
        if head < 0:
            got = chunk(text[a:b], tokenizer, on_block=beat, **sizes)
        else:
            got = table_chunks(text[a:b], tokenizer, chunk, on_block=beat, head=head, **sizes)
        for c in got:
            out.append(replace(c, ord=len(out), start_char=a + c.start_char, end_char=a + c.end_char))
    return out


def _heading_above(text: str, pos: int, a: int) -> int:
    """Where the heading or caption directly above a table block at `a` starts (`a` if none; never before `pos`, the
    previous block's end): the paragraph before it when that is one line, a `#` heading or a short line that is no
    sentence ("2025 fees", "Table 2: Opening hours"). It goes into the first row's chunk (round 54: under "## 2024
    fees" and "## 2025 fees" two tables' rows were alike, the headings chunks of their own); `doc_chunks` asks only
    for a table whose labels another table of the document has too."""
    gap = text.rfind("\n\n", pos, a)
    if gap < 0 or text[gap:a].strip():
        return a
    start = text.rfind("\n", pos, gap) + 1 if gap > pos else pos
    line = text[max(start, pos):gap]
    if start < pos or not line.strip() or line != line.strip() or (start and text[start - 2:start] != "\n\n"):
        return a  # (a paragraph's last line only, a blank line, an indented line: no heading)
    if line.startswith("#") or (len(line) <= _LABEL_CHARS and line[-1] not in ".!?;" and " | " not in line
                                and "; " not in line):  # (not a row: "Table 3: lockers" is a caption)
        return max(start, pos)
    return a


_LABEL_CHARS = 80  # a longer "label" before ": " is a sentence (tablerows: a header cell longer than this is prose)


def _labels(line: str) -> list[str]:
    """The labels of a `Label: value; Label: value` line (tablerows.labelled_line), in order; [] for none."""
    out = []
    for part in line.split("; "):
        label, sep, value = part.partition(": ")
        if sep and 0 < len(label) <= _LABEL_CHARS and label == label.strip() and value.strip():
            out.append(label)
    return out


def _is_table(lines: list[str]) -> bool:
    """Whether a block's lines are a table's labelled rows: two or more, each with a label, one with two or more,
    all of them the labels of one header (at most one more in all than the fullest row has: a value holding
    "Sat: 10-2"). A paragraph of lines "Name: Ann" / "Phone: 5550" (a form typed with line breaks) is not."""
    if len(lines) < 2:
        return False
    got = [_labels(line) for line in lines]
    most = max(len(g) for g in got)
    return most >= 2 and all(got) and len(set().union(*got)) <= most + 1


def table_blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each block of lines (between blank lines, or the text's ends) that is a table's labelled
    rows (`_is_table`), in order; the end is the last row's."""
    out: list[tuple[int, int]] = []
    if "; " not in text:
        return out  # (no line with two labels: most prose documents, at the cost of one search)
    pos, n = 0, len(text)
    start, last, lines = -1, 0, []
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        line = text[pos:end]
        if line.strip():
            if start < 0:
                start, lines = pos, []
            lines.append(line)
            last = end
        if (not line.strip() or end == n) and start >= 0:
            if _is_table(lines):
                out.append((start, last))
            start = -1
        pos = end + 1
    return out
