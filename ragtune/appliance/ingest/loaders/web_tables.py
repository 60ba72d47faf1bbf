"""An HTML table's rows as a document's table is written (round 55): under a header row the page marks, each row
`Label: value; Label: value` (tablerows.labelled_rows, the writer .docx, .odt and .doc tables use), a block of its own
between blank lines that the chunker cuts a row a chunk (chunker.DOC_TABLE_KINDS); else `a | b` rows as before.

Which first row is a marked header: one in a `<thead>`, or one whose cells with text are all `<th>`, where the next
row is not so too (a table of `<th>` all over, or two header rows, marks no single row of labels: `a | b`). A table
of `<th>` row headers down its first column and no header row is not marked: its other columns have no names (two
columns of short keys, each row's first a `<th>`, are still `Key: value` lines, `pairs`; `<td>` keys are not: an
unmarked `Name | Extension` over `Ann Lee | 4417` is a header over data as often). A header row whose
first cell is empty over row headers (a price grid: `| Peak | Off-peak` over `Adult | £120 | £95`) labels the other
columns, each row's own first cell standing alone before them (`Adult; Peak: £120; Off-peak: £95`). A group row
under the header (`Grid.groups`, round 56: a row of one cell spanning every column, a `<th scope="rowgroup">`, not in
a `<tfoot>`) is written into each row under it, in its key (`Route: Northgate (Saturday); First bus: 08:40`), where the
table's (or its `<tbody>`'s) first row is one; a `<tbody>` or `<tfoot>` ends the group (tablegroups `grouped`).
Not labelled (`a | b`, as before): a layout table (a row written as paragraphs: a cell holding a block or prose,
web.py; `role="presentation"`), a table whose rows reach past the header's columns (a header cell spanning two columns
over a second header row), text outside its cells or another table's rows among its rows (`nest`), a header cell
spanning down into the data, a table too large to hold (`MAX_CHARS`, `MAX_CELLS`) or whose spanned copies outgrow its
own text (`COPIES_GROW`), past the page's `Room`. A cell spanning columns holds its text in its first column; one
spanning rows gives its text to each row it spans, so each row reads whole (as word.py and opendoc.py do), and covers
each column it spans."""

from __future__ import annotations

import io
from typing import Callable, NamedTuple

from .tablerows import LABELS_GROW, labelled_rows

MAX_CHARS = 2_000_000  # cell text held for one table (rows spanned counted each time): past it the table is `a | b`
MAX_ROWS = 20_000
MAX_CELLS = 250_000  # cells one table's rows visit, empty ones and those spanned down counted: past it `a | b`
COPIES_GROW = 4  # a cell spanning rows may add at most this many times the table's own text (and _COPIES_FREE)
_COPIES_FREE = 256
_MAX_SPAN = 1000  # HTML's own limit on colspan (rowspan's is 65534: its copies count toward MAX_CHARS)


class Room:
    """What the labelled tables of one page may add to its text (`relabel`): LABELS_GROW times the `a | b` text of the
    tables labelled so far, and 64 KiB (each table's own allowance, tablerows.labelled_rows, adds 64 KiB: 1,000 small
    tables under long labels would add 64 MB)."""

    def __init__(self) -> None:
        self.left = 65536


class Table:
    """A table being read (web._HTMLText): where its text goes, its open row and cell, and its rows again (`grid`)."""

    def __init__(self, depth: int, attrs: list[tuple[str, str | None]] | None) -> None:
        self.depth = depth  # sinks below the table's own
        self.row: list[tuple[str, bool, tuple[bool, int, int, bool]]] | None = None  # (text, layout, `cell_marks`)
        self.cell = False
        self.cell_block = False
        self.th = (False, 1, 1, False)  # the open cell's `cell_marks`
        # its rows again, labelled at its end (`relabel`); None: written `a | b` only (attrs None: a mail's body)
        self.grid = Grid(dict(attrs).get("role")) if attrs is not None else None
        self.at: tuple[io.StringIO, int] | None = None  # where its first row was written (web._end_row)

    def end_cell(self, pop: Callable[[int], str]) -> None:
        """The open cell ends: its text (`pop`: its sink popped, web._HTMLText._pop_to) goes to the open row."""
        if self.cell:
            text = pop(self.depth)
            if self.row is None:
                self.row = []
            self.row.append((text, self.cell_block, self.th))
            self.cell = False

    def open_cell(self, tag: str, attrs: list[tuple[str, str | None]], pop: Callable[[int], str],
                  sinks: list[io.StringIO]) -> None:
        """A <td> or <th> opens (one hidden but for display:none too: it holds its place, empty), its text to a new
        sink of `sinks`; the cell open before it ends (`end_cell`)."""
        self.end_cell(pop)
        sinks.append(io.StringIO())
        self.cell, self.cell_block, self.th = True, False, cell_marks(tag, attrs)

    def grid_row(self, cells: list[tuple[str, bool, int, int, bool]] | None) -> None:
        if self.grid is not None:
            self.grid.row(cells)

    def first_row(self, sink: io.StringIO | None) -> None:
        """A row is written to `sink` (None: not to a sink, into a <pre>): where the table's rows start, the first."""
        if self.at is None and sink is not None:
            self.at = (sink, sink.tell())

    def section(self, tag: str) -> None:
        """A <thead>, <tbody> or <tfoot> starts ("" at </thead>), the row before it ended."""
        if self.grid is not None:
            g = self.grid
            if tag == "tfoot" or (tag == "tbody" and g.part != "thead"):  # (a group ends there, `Grid.starts`;
                g.starts.append(len(g.rows))  # not a <tbody> after a <thead>: a group row last in it titles its rows)
            g.part = tag or g.part
            g.in_head, g.in_foot = tag == "thead", tag == "tfoot"
            g.spans = {}  # (a cell spans rows of its own section only: rowspan=0 to the section's end)


def nest(tables: list[Table], table: Table) -> None:
    """`table` opens (appended to the open `tables`): the tables open around it not in a cell (broken markup: a table
    among another's rows, or a `</table>` left out) have its rows in among theirs, in the text `relabel` would cut
    back: they are not labelled."""
    for t in reversed(tables):
        if t.cell:
            break
        if t.at is not None:
            t.grid = None
    tables.append(table)


def cell_marks(tag: str, attrs: list[tuple[str, str | None]]) -> tuple[bool, int, int, bool]:
    """A <td> or <th>'s: whether it is a <th>, its colspan and rowspan (rowspan=0: to the end of its section), whether
    it heads a group of rows (`<th scope="rowgroup">`)."""
    a = dict(attrs)
    down = _digits(a.get("rowspan"))
    return (tag == "th", span(a.get("colspan")), MAX_ROWS if down and not int(down) else _span(down),
            tag == "th" and (a.get("scope") or "").strip().lower() == "rowgroup")


def relabel(t: Table, sink: io.StringIO | None, room: Room) -> None:
    """At a table's end (its last row written, `sink` the text it went to): its `a | b` rows replaced by its labelled
    rows where it has them (`Grid.lines`), a block of their own between blank lines; not where its rows went to
    another sink (broken markup closed it; None: into a <pre>), text outside its cells or another table's rows went in
    among them (`grid` None: `nest`), or the page's `room` is spent."""
    if t.grid is None or t.at is None or t.at[0] is not sink:
        return
    lines = t.grid.lines()
    if lines:
        block = "\n\n" + "\n".join(lines) + "\n\n"
        bars = sink.tell() - t.at[1]
        room.left += LABELS_GROW * bars
        if len(block) - bars > room.left:
            return
        room.left -= max(0, len(block) - bars)
        sink.seek(t.at[1])
        sink.truncate()
        sink.write(block)


def _digits(value: str | None) -> str:
    digits = ""
    for ch in (value or "").strip():
        if ch not in "0123456789":  # (not str.isdigit: "²" is a digit to it, and no int)
            break
        digits += ch
    return digits[:6]


def span(value: str | None) -> int:
    """A colspan or rowspan attribute's value as a browser reads it: its leading digits, 1 when none or 0."""
    return _span(_digits(value))


def _span(digits: str) -> int:
    return min(max(int(digits), 1), _MAX_SPAN) if digits else 1


class Span(NamedTuple):
    """A cell spanning down, in one column it covers (`Grid.spans`)."""
    text: str  # its text ("" past its first column)
    left: int  # rows it has left
    th: bool
    from_head: bool  # from a marked (header) row


class Grid:
    """One table's rows as they end (`cell`, `row`), held for `lines` at the table's end; `ok` False once the table
    is known not to be labelled (its rows are then not held)."""

    def __init__(self, role: str | None = None) -> None:
        self.ok = (role or "").strip().lower() not in ("presentation", "none")
        self.rows: list[dict[int, str]] = []
        self.marked: list[bool] = []  # per row held: a header row as the page marks it
        self.keyed: list[bool] = []  # per row held: its first cell with text a <th> (a row header)
        self.in_head = False  # inside the table's <thead>
        self.in_foot = False  # inside its <tfoot>: a total, a note, never a group's row
        self.starts: list[int] = []  # the rows a <tbody> or <tfoot> starts (the index of the row held next)
        self.part = ""  # the last <thead>, <tbody> or <tfoot> opened
        self.spans: dict[int, Span] = {}  # column -> the cell spanning down into it
        self.width = 0  # the table's columns: the widest row's
        self.lone: dict[int, tuple[int, bool, bool]] = {}  # row held -> its one cell's colspan, <th>, rowgroup
        self._chars = self._copies = self._cells = 0

    def row(self, cells: list[tuple[str, bool, int, int, bool]] | None) -> None:
        """A row's cells (text on one line, <th>, colspan, rowspan, `<th scope="rowgroup">`); None: web.py writes the
        row as paragraphs (a cell holds a block or prose: the table is page layout)."""
        if not self.ok:
            return
        if cells is None or len(self.rows) >= MAX_ROWS:
            self._drop()
            return
        texts = [c for c in cells if c[0]]
        marked = self.in_head or (bool(texts) and all(c[1] for c in texts))
        old: dict[int, Span] = self.spans
        self._cells += len(old) + len(cells)
        if self._cells > MAX_CELLS:  # (checked before each cell's spanned columns are held, too: a row of 10,000
            self._drop()  # `colspan=1000 rowspan=1000` cells held 10 million columns, 2 GB, before round 55's mend)
            return
        new: dict[int, Span] = {}
        out: dict[int, str] = {}
        ths: dict[int, bool] = {}
        for c, s in old.items():  # under cells spanning down: their text
            if s.text:
                if s.from_head and not marked:
                    self._drop()  # a header cell reaching into the rows it labels (`<th rowspan=2>Name`)
                    return
                out[c], ths[c] = s.text, s.th
                self._copies += len(s.text)
        col = 0
        for text, th, across, down, _ in cells:
            while col in old:
                col += 1
            if text:
                out[col], ths[col] = text, th
                self._chars += len(text)
            if down > 1:  # every column it covers, so the next rows' cells go past it
                self._cells += across
                if self._cells > MAX_CELLS:
                    self._drop()
                    return
                new[col] = Span(text, down - 1, th, marked)
                rest = Span("", down - 1, th, marked)  # (one for every column past its first)
                new.update((c, rest) for c in range(col + 1, col + across))
            col += across
        self.width = max(self.width, col)
        self.spans = {c: s._replace(left=s.left - 1) for c, s in old.items() if s.left > 1}
        self.spans.update(new)
        if self._chars + self._copies > MAX_CHARS:
            self._drop()
            return
        if out:
            if len(cells) == 1 and not old and not self.in_foot:  # (one cell: a group's row may be, `lines`)
                self.lone[len(self.rows)] = cells[0][2], cells[0][1], cells[0][4]
            out = dict(sorted(out.items()))
            self.rows.append(out)
            self.marked.append(marked)
            self.keyed.append(ths[next(iter(out))])

    def _drop(self) -> None:
        self.ok = False
        self.rows, self.marked, self.keyed, self.spans, self.lone, self.starts = [], [], [], {}, {}, []

    def lines(self) -> list[str] | None:
        """The table's rows as labelled lines (module doc), or None: written `a | b`, as before."""
        if not self.ok or len(self.rows) < 2 or self._copies > COPIES_GROW * self._chars + _COPIES_FREE:
            return None
        # (a grid's empty top-left cell over row headers: labelled_rows keys each row by its first cell, round 55)
        # Two columns of keys and values (`pairs`) only where each row's key is a <th>: `Name | Extension` over
        # `Ann Lee | 4417`, unmarked, is a header over data as often (round 55: not `Name: Extension`).
        groups = self.groups()
        second = self.marked[1] and 1 not in groups  # (a group's <th> row right under the header marks no header)
        pairs = all(self.keyed) and not (self.marked[0] and second)
        return labelled_rows(self.rows, self.marked[0] and not second, pairs, groups=groups, breaks=self.starts)

    def groups(self) -> set[int]:
        """The rows that head a group of rows (round 56, tablerows.labelled_rows' `groups`): a row of one cell, no
        cell spanning down into it, not in a `<tfoot>`, that spans every column (`<td colspan>` or `<th colspan>`), is
        a `<th scope="rowgroup">`, or is a lone `<th>` in a table whose other rows are not keyed by a `<th>` (there it
        would be a row's key with its other cells left out: readC's "Bob Hart") and which has no group row of the
        other two kinds (a table's group rows are alike: one amid them is a name). Emptiness alone never makes one."""
        keyed = any(k for i, k in enumerate(self.keyed) if i and i not in self.lone)
        wide = {i for i, (across, _, rowgroup) in self.lone.items() if across >= self.width or rowgroup}
        return {i for i, (_, th, _) in self.lone.items()
                if i and self.width > 1 and (i in wide or (th and not keyed and not wide - {0}))}
