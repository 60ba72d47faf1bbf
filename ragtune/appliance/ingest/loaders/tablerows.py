"""Rows of a table (a spreadsheet's sheet, a CSV file, a slide's table, a table in a Word or OpenDocument text) as
lines of text, shared by sheets.py, delimited.py, slides.py (`doc_rows`) and word.py, opendoc.py, worddoc.py
(`labelled_rows`).

A table with a header row is written one line per row, each value with its column's label: `Item: Stapler; Price:
4.50; Owner: Facilities` (empty cells left out). A row's facts then stay labelled wherever the chunker cuts: a line is
never cut inside when a chunk can hold it, and a row longer than a chunk is cut after a `;` (a sentence end to the
chunker), between two labelled values. A table without a header row is written `a | b | c`. Rows before the header
(a title, "Prepared by …") are written as they are, one line each; a run of empty rows becomes one blank line (a
paragraph break: where the chunker prefers to cut)."""

from __future__ import annotations

import re
from typing import Callable, Collection

from .tablegroups import NOTE, grouped, in_group

# Rows looked at to find the header: the first non-empty row whose cells are mostly text, among the first
# HEAD_ROWS non-empty rows (a title row, a "prepared by" row and blank rows may come first).
HEAD_ROWS = 12
_LABEL_CHARS = 80  # a header cell longer than this is prose, not a column label

# A value that is a number, an amount, a percentage or a date as people type them in a CSV or a cell: not text.
_NUMERIC = re.compile(r"[-+(]?\s*[$€£¥]?\s*[-+]?(\d{1,3}([ ,.'\u00a0\u202f]\d{3})+|\d+)([.,]\d+)?\s*%?\)?"
                      r"(\s*(EUR|USD|GBP|CHF|kr|[$€£¥]))?|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d\d(:\d\d)?)?"
                      r"|\d{1,2}:\d\d(:\d\d)?|TRUE|FALSE|true|false", re.I)


def is_text(value: str) -> bool:
    """Whether a CSV cell's value is text (a label could be), not a number, amount, date or boolean."""
    return not _NUMERIC.fullmatch(value.strip())


def one_line(value: str) -> str:
    """A cell's value on one line: a value typed over several lines (Alt+Enter, a quoted CSV field) would split its
    row into lines the chunker could cut between."""
    return " ".join(value.split()) if ("\n" in value or "\r" in value or "  " in value or "\t" in value) else value


Row = dict[int, str]  # column -> value (non-empty), as a sheet stores cells: sparse


class TableWriter:
    """Rows in, lines out (`lines`). A row is a dict column -> value (non-empty, already on one line) with `texts`
    saying which of its values are text (a spreadsheet knows its cells' types; a CSV's are guessed with `is_text`).
    The first HEAD_ROWS non-empty rows are held until the header is found, then every row is written as it comes:
    memory holds the text written, not the rows (and one row that may be a header, till the row under it).

    Rows after an empty row under the header are judged (round 54): in a table of more columns, a row of one text, or
    of two cells one of which is unlike its column (text in a column of numbers, a text over SHORT characters and
    twice the column's longest, a value under no label), is a note below the table ("Notes:", "Source: finance",
    "Deposit | Refundable deposit £100 …"): written as it is, `a | b`, not labelled. A row there (after notes only)
    of three or more distinct short texts, one in a column of numbers or under no label, with a number under one of
    them in the row below, is a second table's header: the rows under it are labelled with it; a row equal to the
    header (retyped over the table's second part) is left out. Other rows stay labelled: a table with a gap in it,
    a totals row."""

    SHORT = 24  # a note's text this long or shorter may be a table's value ("TBC", "Maria Lund")
    SAMPLE = HEAD_ROWS  # the rows under a header whose values tell a column's kind (numbers) and length

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.held: list[tuple[Row, dict[int, bool]]] = []
        self.header: Row | None = None
        self.first_col = 0  # the table's first column with a value (among the rows held): `a | b` rows start there
        self.decided = False
        self.gap = False  # an empty row since the last line written
        self.rows = 0  # table rows written
        self.rows_out = 0  # lines written (the rows above the header too)
        self.after = False  # an empty row since the header: rows are judged
        self.top = False  # only notes written since that empty row: a second table's header may come
        self.pending: tuple[Row, dict[int, bool]] | None = None  # a row that may be a header
        self.longest: dict[int, int] = {}  # column -> its longest value among the first SAMPLE under the header
        self.has_text: dict[int, bool] = {}  # column -> whether one of its first SAMPLE values is text
        self.sampled = 0

    def add(self, cells: Row, texts: dict[int, bool]) -> None:
        if not cells:
            if self.decided:
                self._empty()
            elif self.held and self.held[-1][0]:  # (a run of empty rows held as one: a gap is a gap, 900,000 too)
                self.held.append(({}, {}))
            return
        if not self.decided:
            self.held.append((cells, texts))
            if sum(1 for c, _ in self.held if c) >= HEAD_ROWS:
                self._decide()
            return
        self._row(cells, texts)

    def close(self) -> None:
        if not self.decided:
            self._decide()
        if self.pending is not None:
            self._judge(*self.pending)
            self.pending = None

    def _decide(self) -> None:
        self.decided = True
        held, self.held = self.held, []
        self.first_col = min((min(c) for c, _ in held if c), default=0)
        at = _header_at([c for c, _ in held], [t for _, t in held])
        if at is not None:
            self.header = held[at][0]
        for i, (cells, texts) in enumerate(held):
            if not cells:
                if at is None or i < at:
                    self.gap = True
                else:
                    self._empty()
            elif at is None or i > at:
                self._row(cells, texts)
            elif i < at:
                self._line(bar_line(cells, self.first_col))

    def _empty(self) -> None:
        if self.pending is not None:  # no row under it: not a header
            self._judge(*self.pending)
            self.pending = None
        self.gap = True
        self.after = self.top = self.header is not None

    def _row(self, cells: Row, texts: dict[int, bool]) -> None:
        if not self.after:  # (no empty row under the header yet: nothing pending, nothing to judge)
            self._write(cells, texts)
            return
        if self.pending is not None:
            head, head_texts = self.pending
            self.pending = None
            if any(c in head and not self._text(texts, c, v) for c, v in cells.items()):
                self.header, self.longest, self.has_text, self.sampled = head, {}, {}, 0  # a second table's
                self.after = self.top = False
            else:
                self._judge(head, head_texts)
        if self.top and (cells == self.header or self._may_head(cells, texts)):
            if cells != self.header:
                self.pending = (cells, texts)
            return
        self._judge(cells, texts)

    def _judge(self, cells: Row, texts: dict[int, bool]) -> None:
        if self.after and self._loose(cells, texts):
            self._line(bar_line(cells, self.first_col))
            return
        self.top = False
        self._write(cells, texts)

    def _write(self, cells: Row, texts: dict[int, bool]) -> None:
        self.rows += 1
        if self.header is None:
            self._line(bar_line(cells, self.first_col))
            return
        if self.sampled < self.SAMPLE:  # (not every row: a cost on every row of a large table, for a rare case)
            self.sampled += 1
            for c, v in cells.items():
                self.has_text[c] = self.has_text.get(c, False) or self._text(texts, c, v)
                self.longest[c] = max(self.longest.get(c, 0), len(v))
        self._line(labelled_line(self.header, cells))

    def _loose(self, cells: Row, texts: dict[int, bool]) -> bool:
        """Whether a row after an empty row is a note below the table, not one of its rows."""
        assert self.header is not None
        n, width = len(cells), len(self.header)
        if n > 2 or n >= width:
            return False
        if n == 1 and width >= 3 and all(self._text(texts, c, v) for c, v in cells.items()):
            return True
        return any(c not in self.header or len(v) > max(self.SHORT, 2 * self.longest.get(c, 0))
                   or (self.has_text.get(c) is False and self._text(texts, c, v)) for c, v in cells.items())

    def _may_head(self, cells: Row, texts: dict[int, bool]) -> bool:
        assert self.header is not None
        values = list(cells.values())
        return (len(values) >= 3 and len(set(values)) == len(values) and all(len(v) <= _LABEL_CHARS for v in values)
                and all(self._text(texts, c, v) for c, v in cells.items())
                and any(c not in self.header or self.has_text.get(c) is False for c in cells))

    @staticmethod
    def _text(texts: dict[int, bool], col: int, value: str) -> bool:
        known = texts.get(col)  # a CSV's rows after the header come without (is_text on each was a third of the time)
        return is_text(value) if known is None else known

    def _line(self, line: str) -> None:
        if self.gap and self.rows_out:
            self.out.append("")
        self.gap = False
        self.rows_out += 1
        self.out.append(line)


_GAP_CELLS = 8  # empty cells written between two values at most (a value 10,000 columns on is not 10,000 bars away)


def bar_line(cells: Row, first_col: int = 0) -> str:
    """`a | b | c`: empty cells between values kept (columns stay in place, up to _GAP_CELLS of them)."""
    parts: list[str] = []
    at = min(first_col, min(cells))
    for col in sorted(cells):
        parts.extend([""] * min(col - at, _GAP_CELLS))
        parts.append(cells[col])
        at = col + 1
    return " | ".join(parts)


def labelled_line(header: Row, cells: Row) -> str:
    """`Label: value; Label: value` for the row's values; a value under no label (a column with an empty header
    cell, a ragged row's extra field) stands alone."""
    parts = []
    for col in sorted(cells):
        label = header.get(col, "")
        parts.append(f"{label}: {cells[col]}" if label else cells[col])
    return "; ".join(parts)


def _header_at(rows: list[Row], texts: list[dict[int, bool]]) -> int | None:
    """Index in `rows` of the header row, or None. The header is the first row filled across at least half the
    table's width (a title or a note above it fills one or two cells) whose values are mostly (3/4) text, distinct
    and short, with a non-empty row after it. A first filled row that is data (numbers, dates) means no header."""
    width = max((len(r) for r in rows), default=0)
    if not width:
        return None
    need = max(1, (width + 1) // 2)
    for i, row in enumerate(rows):
        if len(row) < need:
            continue  # a title, a note, a blank row: not the header (nor data: it is written before the table)
        values = list(row.values())
        n_text = sum(1 for col in row if texts[i].get(col, True))
        label_like = all(len(v) <= _LABEL_CHARS for v in values) and len(set(values)) == len(values)
        if n_text * 4 < len(values) * 3 or not label_like:
            return None
        if not any(rows[i + 1:]):
            return None  # nothing under it: a row of text, not a header
        if width == 1 and not _one_column_header(rows, i):
            return None
        return i
    return None


def _one_column_header(rows: list[Row], at: int) -> bool:
    """A one-column table (a list of names, of lines) has a header only if its first value differs in kind from those
    under it: a label over numbers or dates, or a short label over longer values. Else it is a list: one value a line."""
    head = next(iter(rows[at].values()))
    below = [next(iter(r.values())) for r in rows[at + 1:] if r]
    return sum(not is_text(v) for v in below) * 2 > len(below) or len(head) * 2 < min(len(v) for v in below)


PROSE_CELL_CHARS = 400  # a slide table's cell longer than this is prose: the table is layout, not data (web.py's)


def doc_rows(rows: list[dict[int, str]]) -> list[str]:
    """A slide's table (each row: grid column -> text, "" for an empty cell) as lines: `labelled_line`s under its
    first row where `_header_at` finds the header there (the rule a sheet's header is found by) in a table of two
    columns or more with no cell of prose; else `a | b | c` (empty cells kept), as before."""
    full = [{c: v for c, v in r.items() if v} for r in rows]
    if _first_row_header(rows, full):
        return [labelled_line(full[0], r) for r in full[1:] if r]
    return [" | ".join(r.values()) for r in rows]


def _first_row_header(rows: list[dict[int, str]], full: list[dict[int, str]]) -> bool:
    return (len(rows) > 1 and len(rows[0]) > 1 and all(len(v) <= PROSE_CELL_CHARS for r in full for v in r.values())
            and _header_at(full, [{c: is_text(v) for c, v in r.items()} for r in full]) == 0)


LABELS_GROW = 4
_HEADING = re.compile(r"#{1,6} ")  # a cell's paragraph styled as a heading (word.py, opendoc.py write `### Fee`)


class Heading(str):
    """A heading's line as word.py and opendoc.py write it, `#` marks first: a cell whose first line is one has its
    marks left out of its label and value (`marks`), while a cell typed "# of seats" keeps its "#" (round 55)."""


def labelled_rows(rows: list[dict[int, str]], header: bool, pairs: bool = True,
                  times: Callable[[int, str], int] | None = None,
                  marks: Collection[tuple[int, int]] = (), groups: Collection[int] = (),
                  breaks: Collection[int] = ()) -> list[str] | None:
    """A Word or OpenDocument text's table (word.py, opendoc.py, worddoc.py, round 54) as labelled lines, or None where
    it is written `a | b | c`. `header`: the file marks its first row as the header (a repeated header row, or bold
    text in each of its cells): each row after it `Label: value; …` under it, rows equal to it (retyped further down)
    left out; a row with a value in a column no label is over (a header cell spanning two columns over a second
    header row, a merged group) makes it `a | b`, but for the table's first column under an empty top-left header
    cell (a matrix, `| Adult | Child` over `Weekday | £5 | £3`, each row with its key): that value keys its row,
    written first under no label, `Weekday; Adult: £5; Child: £3` (round 55, as web_tables.py's grid). Without that
    mark a first row of text is often data (a key/value table, a list of names): with `pairs`, a table of two columns
    whose first is short text is written `Key: value`, a row a line, each row labelled by its own first cell; others
    `a | b`. Labels repeated on every row may add at most LABELS_GROW times the cells' own text (and 64 KiB): past
    that `a | b` too (a crafted table of one-letter cells under long labels would multiply a document's text by 40).
    `times(i, line)`: how many times row i is written (opendoc.py's repeated rows, charged to its repeat budget by the
    line's length); once each by default. `marks`: (row, column) of the cells whose text starts with a heading's `#`
    marks (a `Heading` line): those marks are left out, no other "#" (round 55: "# of seats" is a label). Under a
    header, a row with text in its first cell only may be a note below the rows (`_aside`, round 55). `groups`: the
    rows the file merges into one cell across the whole table (or marks a group's header): group rows (tablegroups.py);
    `breaks`: the rows that start a section of the table (an HTML `<tbody>` or `<tfoot>`), where a group ends."""
    full = [{c: v for c, v in r.items() if v} for r in rows]
    for i, c in marks:
        m = _HEADING.match(full[i].get(c, "")) if i < len(full) else None
        if m:
            full[i][c] = full[i][c][m.end():]
    if len(full) < 2 or any(len(v) > PROSE_CELL_CHARS for r in full for v in r.values()):
        return None
    head = full[0]
    if header:
        labels = list(head.values())
        first = min(set().union(*full), default=0)
        keyed = head.keys() | ({first} if first not in head else set())  # a matrix's row keys: under no label
        if (len(head) < 2 or len(set(labels)) < len(labels) or any(len(v) > _LABEL_CHARS or v.endswith(":")
                                                                   for v in labels)
                or any(not r.keys() <= keyed or (first not in head and r and first not in r) for r in full[1:])):
            return None
        line: Callable[[Row], str] = lambda r: labelled_line(head, r)  # noqa: E731
        body = [(i, r) for i, r in enumerate(full) if i and r and r != head]
        return _noted(grouped(body, groups, first, breaks), line, first, len(keyed) >= 3, first not in head, times,
                      _room(full))
    cols = sorted(set().union(*full))
    if not pairs or len(cols) != 2 or not all(
            r.get(cols[0]) and len(r[cols[0]]) <= _LABEL_CHARS and is_text(r[cols[0]]) for r in full if r):
        return None
    a, b = cols
    line = lambda r: f"{r[a].rstrip(':').rstrip()}: {r[b]}" if b in r else r[a]  # noqa: E731
    body = [(i, r) for i, r in enumerate(full) if r]
    room = _room(full)
    out: list[str] = []
    for i, r in body:
        room -= _put(out, i, line(r), times)
        if room < 0:
            return None
    return out


def _room(full: list[Row]) -> int:
    """The characters a table's labelled lines may take: LABELS_GROW times its cells' own text, and 64 KiB."""
    return LABELS_GROW * sum(len(v) + 3 for r in full for v in r.values()) + 65536


def _aside(r: Row, first: int, wide: bool, matrix: bool, last: bool) -> bool:
    """Whether a body row under a header with its only text in its first cell (a note typed in a cell merged across
    the table, or with the others left empty) is a note below the rows, not a row: it starts as a footnote does; in
    a table of three columns or more also the table's last row, or a text longer than a label (each only loses a
    label); a matrix's key with no value (no label to lose, and a line without one would end the table block). Any
    other is a row, `Name: Bob Hart`: its text may as well be a value with the others left empty as a group's name
    ("Adults"), and carrying it onto the rows under it made false facts (`Bob Hart; Name: Carol Jones`, round 55)."""
    if len(r) != 1 or first not in r:
        return False
    return bool(NOTE.match(r[first])) or matrix or (wide and (last or len(r[first]) > _LABEL_CHARS))


def _noted(body: list[tuple[int, Row, str | None]], line: Callable[[Row], str], first: int, wide: bool, matrix: bool,
           times: Callable[[int, str], int] | None, room: int) -> list[str] | None:
    """`body`'s rows under a header as lines (`labelled_rows`), each under a group with its group's name written into
    its first value, its key (`Ticket: Adult (Weekend rates); Price: £7`: the row's chunk is found by it, and the key
    stays the row's first cell: a name written before it read as a matrix's key, readE H2, M3), its note rows (`_aside`;
    a merged note of a grouped table, group None, round 57) as plain lines below the rows, after a blank line (a
    paragraph of its own: not a row of the table block). None where no row is left (`a | b`) or past `room`
    characters."""
    out: list[str] = []
    notes: list[tuple[int, str]] = []
    for k, (i, r, group) in enumerate(body):
        if group is None or _aside(r, first, wide, matrix, k + 1 == len(body)):
            notes.append((i, r[first] if group is not None else next(iter(r.values()))))
            continue
        room -= _put(out, i, line(in_group(r, group)), times)
        if room < 0:
            return None
    if not out:
        return None
    if notes:
        out.append("")
    for i, note in notes:
        room -= _put(out, i, note, times)
    return out if room >= 0 else None


def _put(out: list[str], i: int, text: str, times: Callable[[int, str], int] | None) -> int:
    """Row `i`'s line `text` added to `out` as often as the table repeats it (`times`); the characters it took."""
    n = times(i, text) if times is not None else 1
    out.extend([text] * n)
    return (len(text) + 1) * n


def labelled_table(rows: list[dict[int, str]], marked: Callable[[int], bool], pairs: bool = True,
                   times: Callable[[int, str], int] | None = None,
                   marks: Collection[tuple[int, int]] = (), groups: Collection[int] = ()) -> list[str] | None:
    """A document's table (its rows with text) as blocks: `labelled_rows`' lines as one block, or None where it is
    written `a | b`. `marked(i)`: the file marks row i its header. A first row of one cell over a table of two
    columns or more (a title merged across it) with the row under it marked is written as a line of its own above
    the labelled rows under that row (round 55; `a | b` if they cannot be labelled); else as before. `groups`: the
    rows that are one cell merged across the whole table (`merged_rows`), group rows under the header (round 56)."""
    if len(rows) > 2 and len(rows[0]) == 1 and len(rows[1]) > 1 and marked(1):
        body = labelled_rows(rows[1:], True, pairs, None if times is None else lambda i, line: times(i + 1, line),
                             {(i - 1, c) for i, c in marks if i}, {i - 1 for i in groups if i})
        return [next(iter(rows[0].values())), "\n".join(body)] if body else None
    body = labelled_rows(rows, marked(0), pairs, times, marks, groups)
    return ["\n".join(body)] if body else None


def merged_rows(ends: list[int], ones: Collection[int]) -> set[int]:
    """The rows of a document's table that are one cell merged across the whole table (round 56, `labelled_table`'s
    `groups`): of `ones` (the rows that are one cell spanning two columns or more, as the loader reads its spans:
    docx `w:gridSpan` or `w:hMerge`, odt `table:number-columns-spanned`) those reaching the table's last column
    (`ends`: each row's column past its last cell). A row with its other cells left empty is not one."""
    width = max(ends, default=0)
    return {i for i in ones if ends[i] >= width}


def table_block(rows: list[list[str]], header: bool | Collection[int] = False, pairs: bool = True) -> list[str]:
    """A .doc table's rows (worddoc.py: each its cells, "" for an empty one) as lines: `labelled_table`'s lines with a
    blank line either side, a block of its own as a DOCX table's is (round 54); else `a | b` lines, as before.
    `header`: whether its first row is marked the header, or the rows (0, 1) that are (a title row above, round 55).
    A row of one cell in a table of more is one the file merges across the table (Word writes a merged cell as one
    cell; a row with its other cells left empty keeps them): a group row (round 57)."""
    marked = (lambda i: header and not i) if isinstance(header, bool) else header.__contains__
    wide = max(map(len, rows), default=0) > 1
    labelled = labelled_table([dict(enumerate(r)) for r in rows], marked, pairs,
                              groups={i for i, r in enumerate(rows) if len(r) == 1 and wide})
    return ["", *"\n\n".join(labelled).split("\n"), ""] if labelled else [" | ".join(r) for r in rows]
