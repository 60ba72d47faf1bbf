"""CSV and TSV exports (a finance system's report, a bank statement, Excel's "Save as CSV"): decoded as text files
are (base.decode_utf8: UTF-8 with or without a BOM, UTF-16, Windows punctuation), the delimiter found by a scorer of
consistent field counts (csv.Sniffer fails on many real files: one quoted comma, a decimal comma, a short first
line), then each row written as sheets are (tablerows.py): `Header: value; Header: value` under a header row, else
`a | b | c`. Quoted fields may hold delimiters and line breaks; ragged rows are read as they are. Title: the file
name; no date."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

from ...hashing import sha256_bytes
from .base import Document, clean_text, decode_utf8, require_text, title_from_path
from .parse_budget import budgeted
from .tablerows import TableWriter, is_text, one_line

MAX_CELLS = 1_000_000  # fields read from one file (as sheets.MAX_CELLS)
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_CHARS = 64 * 1024  # text the delimiter is judged on
_SAMPLE_ROWS = 200
_SEP_LINE = re.compile(r"\A\ufeff?\"?sep=(.)\"?[ \t]*\r?\n", re.I)  # Excel's hint line: `sep=;`
_EXCEL_TEXT = re.compile(r'\A="(.*)"\Z', re.S)  # ="00123": a value Excel is told to keep as text


def _field_counts(sample: str, delim: str) -> list[int]:
    """Fields per non-empty record of `sample` (its last record may be cut off: dropped) read with `delim`."""
    try:
        rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delim, quotechar='"', strict=False))
    except csv.Error:
        return []
    rows = rows[:-1] if len(rows) > 1 and len(sample) >= _SAMPLE_CHARS else rows
    return [len(r) for r in rows[:_SAMPLE_ROWS] if any(f.strip() for f in r)]


def sniff(text: str, tsv: bool = False) -> str:
    """The delimiter of `text`: the one whose records most often have the same number of fields (2 or more), then
    the one giving more fields, then the order tab, semicolon, comma, bar (a semicolon file with decimal commas reads
    as consistent with both only when no line has a second comma). A .tsv file is tab-separated unless no line
    has a tab. One column in any reading: ","."""
    sample = text[:_SAMPLE_CHARS]
    if tsv and "\t" in sample:
        return "\t"
    best, best_key = ",", (0.0, 0, 0)
    for rank, delim in enumerate(("\t", ";", ",", "|")):
        counts = _field_counts(sample, delim)
        if not counts:
            continue
        modal, n = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        key = (round(n / len(counts), 2), modal if n / len(counts) >= 0.9 else 0, -rank)
        if key > best_key:
            best, best_key = delim, key
    return best


def _value(field: str, quoting: bool = True) -> str:
    field = field.strip()
    if not quoting and len(field) > 1 and field[0] == field[-1] == '"':
        field = field[1:-1].replace('""', '"')
    m = _EXCEL_TEXT.match(field)
    return one_line(m.group(1) if m else field).strip()


class _OpenQuote(Exception):
    """A quoted field runs open to the end of the file (or past the csv module's 128 KB field limit)."""

    def __init__(self, line: int):
        self.line = line


class _Lines:
    """The lines of a text for csv.reader, with the offset reached (where the next record starts)."""

    def __init__(self, text: str):
        self.it, self.pos = iter(io.StringIO(text, newline="")), 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.it)
        self.pos += len(line)
        return line


def _write(text: str, delim: str, quoting: bool, notes: list[str]) -> list[str]:
    """The lines of the table in `text`; raises _OpenQuote where a quote is never closed (`quoting`)."""
    kw = {"quotechar": '"'} if quoting else {"quoting": csv.QUOTE_NONE}
    src = _Lines(text)
    reader = csv.reader(src, delimiter=delim, strict=False, **kw)
    lines: list[str] = []
    writer = TableWriter(lines)
    fields, at, line = 0, 0, 1
    try:
        while True:
            start = (src.pos, reader.line_num + 1)  # where the record starts
            row = next(reader, None)
            if row is None:
                break
            at, line = start
            fields += len(row)
            if fields > MAX_CELLS:
                notes.append(f"read the first {MAX_CELLS:,} fields: the rows from line {line:,} on are not read")
                break
            values = {i: v for i, f in enumerate(row) if (v := _value(f, quoting))}
            # (only the rows before the header is decided are judged: is_text on every field was a third of the time)
            writer.add(values, {} if writer.decided else {i: is_text(v) for i, v in values.items()})
    except csv.Error:  # a field over the module's 128 KB limit: a quote left open
        raise _OpenQuote(line) from None
    if quoting and reader.line_num > line and _open_at_end(text[at:], delim):
        raise _OpenQuote(line)
    writer.close()
    return lines


def _open_at_end(tail: str, delim: str) -> bool:
    """Whether the file's last record (over several lines) ends inside a quoted field: with strict=False the csv
    module hands the rest of the file out as that field, rows and all."""
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delim, quotechar='"', strict=True):
            pass
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


@budgeted("CSV", "millions of fields")
def load_csv(path: Path, raw: bytes) -> Document:
    text = decode_utf8(raw)
    notes: list[str] = []
    m = _SEP_LINE.match(text)
    if m:
        delim, text = m.group(1), text[m.end():]
    else:
        delim = sniff(text, tsv=path.suffix.lower() == ".tsv")
    try:
        lines = _write(text, delim, True, notes)
    except _OpenQuote as exc:
        notes = [f"a quote opened at line {exc.line:,} is never closed: the file was read without quoting"]
        lines = _write(text, delim, False, notes)
    body = require_text(clean_text("\n".join(lines)))
    return Document(str(path), "csv", title_from_path(path), body, None, sha256_bytes(raw), len(raw), tuple(notes))
