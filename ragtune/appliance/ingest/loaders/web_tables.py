"""An HTML table's rows as a document's table is written (round 55): under a header row the page marks, each row
`Label: value; Label: value` (tablerows.labelled_rows, the writer .docx, .odt and .doc tables use), a block of its own
between blank lines that the chunker cuts a row a chunk (chunker.DOC_TABLE_KINDS); else `a | b` rows as before.

Which first row is a marked header: one in a `<thead>`, or one whose cells with text are all `<th>`, where the next
row is not so too (a table of `<th>` all over, or two header rows, marks no single row of labels: `a | b`). A table
of `<th>` row headers down its first column and no header row is not marked: its other columns have no names (two
columns of short keys are still `Key: value` lines, as an unmarked document table's are, `pairs`). A header row whose
first cell is empty over row headers (a price grid: `| Peak | Off-peak` over `Adult | £120 | £95`) labels the other
columns, each row's own first cell standing alone before them (`Adult; Peak: £120; Off-peak: £95`).
Not labelled (`a | b`, as before): a layout table (a row written as paragraphs: a cell holding a block or prose,
web.py; `role="presentation"`), a table whose rows reach past the header's columns (a header cell spanning two columns
over a second header row), text outside its cells, a table too large to hold (`MAX_CHARS`). A cell spanning columns
holds its text in its first column; one spanning rows gives its text to each row it spans, so each row reads whole
(as word.py and opendoc.py do)."""

from __future__ import annotations

import io

from .tablerows import labelled_rows

MAX_CHARS = 2_000_000  # cell text held for one table (rows spanned counted each time): past it the table is `a | b`
MAX_ROWS = 20_000
_MAX_SPAN = 1000  # HTML's own limit on colspan (rowspan's is 65534: its copies count toward MAX_CHARS)


class Table:
    """A table being read (web._HTMLText): where its text goes, its open row and cell, and its rows again (`grid`)."""

    def __init__(self, depth: int, attrs: list[tuple[str, str | None]] | None) -> None:
        self.depth = depth  # sinks below the table's own
        self.row: list[tuple[str, bool, tuple[bool, int, int]]] | None = None  # (text, layout block, `cell_marks`)
        self.cell = False
        self.cell_block = False
        self.th = (False, 1, 1)  # the open cell's `cell_marks`
        # its rows again, labelled at its end (`relabel`); None: written `a | b` only (attrs None: a mail's body)
        self.grid = Grid(dict(attrs).get("role")) if attrs is not None else None
        self.at: tuple[io.StringIO, int] | None = None  # where its first row was written (web._end_row)

    def grid_row(self, cells: list[tuple[str, bool, int, int]] | None) -> None:
        if self.grid is not None:
            self.grid.row(cells)

    def first_row(self, sink: io.StringIO | None) -> None:
        """A row is written to `sink` (None: not to a sink, into a <pre>): where the table's rows start, the first."""
        if self.at is None and sink is not None:
            self.at = (sink, sink.tell())

    def section(self, tag: str) -> None:
        """A <thead>, <tbody> or <tfoot> starts ("" at </thead>), the row before it ended."""
        if self.grid is not None:
            self.grid.in_head = tag == "thead"


def cell_marks(tag: str, attrs: list[tuple[str, str | None]]) -> tuple[bool, int, int]:
    """A <td> or <th>'s: whether it is a <th>, its colspan and rowspan."""
    a = dict(attrs)
    return tag == "th", span(a.get("colspan")), span(a.get("rowspan"))


def relabel(t: Table, sink: io.StringIO | None) -> None:
    """At a table's end (its last row written, `sink` the text it went to): its `a | b` rows replaced by its labelled
    rows where it has them (`Grid.lines`), a block of their own between blank lines; not where its rows went to
    another sink (broken markup closed it; None: into a <pre>) or text outside its cells went in among them (`grid`
    None)."""
    if t.grid is None or t.at is None or t.at[0] is not sink:
        return
    lines = t.grid.lines()
    if lines:
        sink.seek(t.at[1])
        sink.truncate()
        sink.write("\n\n" + "\n".join(lines) + "\n\n")


def span(value: str | None) -> int:
    """A colspan or rowspan attribute's value as a browser reads it: its leading digits, 1 when none or 0."""
    digits = ""
    for ch in (value or "").strip():
        if ch not in "0123456789":  # (not str.isdigit: "²" is a digit to it, and no int)
            break
        digits += ch
    return min(max(int(digits[:6]), 1), _MAX_SPAN) if digits else 1


class Grid:
    """One table's rows as they end (`cell`, `row`), held for `lines` at the table's end; `ok` False once the table
    is known not to be labelled (its rows are then not held)."""

    def __init__(self, role: str | None = None) -> None:
        self.ok = (role or "").strip().lower() not in ("presentation", "none")
        self.rows: list[dict[int, str]] = []
        self.marked: list[bool] = []  # per row held: a header row as the page marks it
        self.in_head = False  # inside the table's <thead>
        self._spans: dict[int, tuple[str, int]] = {}  # column -> (text of a cell spanning down, rows left)
        self._chars = 0

    def row(self, cells: list[tuple[str, bool, int, int]] | None) -> None:
        """A row's cells (text on one line, <th>, colspan, rowspan); None: web.py writes the row as paragraphs (a
        cell holds a block or prose: the table is page layout)."""
        if not self.ok:
            return
        if cells is None or len(self.rows) >= MAX_ROWS:
            self._drop()
            return
        out: dict[int, str] = {}
        col = 0
        texts = [c for c in cells if c[0]]
        for text, th, across, down in cells:
            while col in self._spans:  # under a cell spanning down: its text
                out[col] = self._spans[col][0]
                self._chars += len(out[col])
                col += 1
            out[col] = text
            self._chars += len(text)
            if down > 1:
                self._spans[col] = (text, down)
            col += across
        for c in sorted(k for k in self._spans if k >= col):
            out[c] = self._spans[c][0]
            self._chars += len(out[c])
        self._spans = {c: (t, n - 1) for c, (t, n) in self._spans.items() if n > 1 and c in out}
        if self._chars > MAX_CHARS:
            self._drop()
            return
        if any(out.values()):
            self.rows.append(out)
            self.marked.append(self.in_head or (bool(texts) and all(th for _, th, _, _ in texts)))

    def _drop(self) -> None:
        self.ok = False
        self.rows, self.marked, self._spans = [], [], {}

    def lines(self) -> list[str] | None:
        """The table's rows as labelled lines (module doc), or None: written `a | b`, as before."""
        if not self.ok or len(self.rows) < 2:
            return None
        # (a grid's empty top-left cell over row headers: labelled_rows keys each row by its first cell, round 55)
        return labelled_rows(self.rows, self.marked[0] and not self.marked[1])
