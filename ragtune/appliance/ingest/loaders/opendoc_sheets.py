"""ODS spreadsheets (LibreOffice Calc, OpenOffice, Google Sheets' "download as .ods"), read as sheets.py reads XLSX:
each visible sheet in order as a `## Sheet: <name>` heading and its rows (tablerows.py: `Header: value; Header: value`
under a header row, else `a | b | c`). A cell's value is the text Calc shows (its `text:p`: dates, percentages and
currencies formatted as in the sheet), else its typed value; error values (#DIV/0!…) and comments are left out; a
merged cell's value once. Hidden sheets (a table style's `table:display="false"`), rows and columns
(`table:visibility` collapse or filter) are left out and counted in a note, as is cell text drawn under 2 pt or in the
colour behind it (opendoc_look).

Calc writes a run of equal cells or rows once with a repeat count (`number-columns-repeated`,
`number-rows-repeated`): empty runs (the 1,048,576 rows after the last used one) cost nothing, a run with a value is
shown at most _MAX_REPEAT times and within a character budget, and at most sheets.MAX_CELLS cells are read. content.xml
is streamed (lxml iterparse, each row dropped once written): memory stays flat on a large sheet."""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Any

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, Document, LoadError, clean_text, clean_title, exc_line, exc_reason, require_text, \
    title_from_path
from .hidden import note as hidden_note
from .opendoc import OF, TB, T, _NS, _Reader, _Styles
from .opendoc_look import outermost
from .opendoc_package import _meta, _xml, package
from .parse_budget import budgeted, guarded
from .sheet_formats import _GENERAL, show_number
from .sheets import MAX_CELLS, _PARSER, _Peeked, _drop, _hidden_note
from .tablerows import TableWriter, one_line

_MAX_COL = 16_384  # Calc's last column (XFD), as Excel's
_MAX_REPEAT = 100  # copies of a repeated cell or row with a value (a crafted 10^9)
_REPEAT_CHARS = 10_000_000  # characters repeated copies may add in all
_BEAT_EVERY = 16_384  # cells between progress beats
_O = f"{{{_NS['office']}}}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_S = f"{{{_NS['style']}}}"
_TB = f"{{{_NS['table']}}}"
_ERRORS = re.compile(r"#(?:N/A|DIV/0!|REF!|VALUE!|NAME\?|NUM!|NULL!)|Err:\d{3}")
_HIDING = ("collapse", "filter")  # a row or column hidden by the user, or by an autofilter


class _Stop(Exception):
    """The cell budget is spent."""


class _Counted(_Peeked):
    """content.xml's stream with its bytes counted (progress) and its head looked at: a DTD is refused before the
    parser sees it (OpenDocument never has one)."""

    def __init__(self, f: Any):
        super().__init__(f, 65536)
        if re.search(rb"<!DOCTYPE|<!ENTITY", self.head):
            raise LoadError("corrupt ODS: content.xml declares a DTD or entities (not OpenDocument; not read)")


def _int(s: str | None, cap: int = 1 << 31) -> int:
    try:
        return min(max(int(s), 1), cap) if s else 1
    except ValueError:
        return 1


def _typed(cell: Any) -> str:
    """A cell's value from its attributes, where it has no text:p (a generator that wrote no shown text)."""
    vt = cell.get(f"{_O}value-type") or ""
    if vt in ("float", "percentage", "currency"):
        try:
            v = float(cell.get(f"{_O}value") or "")
        except ValueError:
            return ""
        if vt == "percentage":
            return show_number(v * 100, _GENERAL, False) + "%"
        return show_number(v, _GENERAL, False) + (f" {cell.get(f'{_O}currency')}" if vt == "currency" and
                                                   cell.get(f"{_O}currency") else "")
    if vt == "date":
        d = cell.get(f"{_O}date-value") or ""
        return d[:10] if d.endswith("T00:00:00") else d.replace("T", " ")
    if vt == "time":
        # an xsd:duration, each part optional: "-PT01H30M00S" is minus an hour and a half (its sign kept),
        # "P0Y0M1DT01H00M00S" has days, "PT00H90M00S" is 1:30:00 as Calc shows it (the total, as h:mm:ss); years or
        # months (no fixed length) are not shown; digits bounded (int() of 5,000 digits raises)
        m = re.fullmatch(r"(-?)P(?:0{1,9}Y)?(?:0{1,9}M)?(?:(\d{1,9})D)?(?:T(?:(\d{1,12})H)?(?:(\d{1,9})M)?"
                         r"(?:(\d{1,9})(?:[.,]\d*)?S)?)?", cell.get(f"{_O}time-value") or "")
        if not m or not m.group(0).rstrip("T").lstrip("-P"):  # "P", "PT": no part at all
            return ""
        days, h, mi, sec = (int(g or 0) for g in m.groups()[1:])
        total = ((days * 24 + h) * 60 + mi) * 60 + sec
        return ("-" if m.group(1) and total else "") + f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"
    if vt == "boolean":
        return "TRUE" if (cell.get(f"{_O}boolean-value") or "") == "true" else "FALSE"
    return cell.get(f"{_O}string-value") or ""


class _Sheets:
    def __init__(self, styles_root: Any, beat: Any, total: int):
        self.styles_root, self.beat, self.total = styles_root, beat, max(1, total)
        self.reader: _Reader | None = None
        self.hidden_tables: set[str] = set()  # table styles with table:display="false"
        self.lines: list[str] = []
        self.cells = 0
        self.repeat_left = _REPEAT_CHARS
        self.hidden_sheets = self.hidden_rows = self.hidden_cols = 0
        self.stopped_in: str | None = None
        self._plain: dict[str | None, bool] = {}  # cell style -> its text may be read without the reader

    def styles(self, auto: Any) -> None:
        self.reader = _Reader(_Styles(auto, self.styles_root))
        for st in auto.iter(f"{_S}style"):
            for tp in st.iterchildren(f"{_S}table-properties"):
                if tp.get(f"{_TB}display") == "false":
                    self.hidden_tables.add(st.get(f"{_S}name") or "")

    # -- a sheet ------------------------------------------------------------------------------------------------
    def start(self, table: Any) -> None:
        if self.reader is None:
            self.styles(_empty())
        self.name = one_line(table.get(f"{_TB}name") or "").strip() or "(unnamed)"
        self.hidden = (table.get(f"{_TB}style-name") or "") in self.hidden_tables
        self.hidden_sheets += self.hidden
        self.writer = TableWriter(self.lines)
        self.at = len(self.lines)
        self.lines.append(f"## Sheet: {self.name}")
        self.col_at = 0  # columns declared so far
        self.gaps: list[int] = []  # starts of hidden column runs
        self.gap_ends: list[int] = []
        self.gap_before: list[int] = [0]  # hidden columns before each run
        self.col_starts: list[int] = []  # columns' default cell styles: from col_starts[i], col_styles[i]
        self.col_styles: list[str | None] = []
        self.cols_seen: set[int] = set()

    def end(self) -> None:
        self.writer.close()
        self.hidden_cols += len(self.cols_seen)
        if self.hidden or len(self.lines) == self.at + 1:
            del self.lines[self.at:]  # a hidden sheet, or an empty one: no heading

    def column(self, col: Any) -> None:
        n = _int(col.get(TB.number_columns_repeated), _MAX_COL)
        start, self.col_at = self.col_at, min(self.col_at + n, _MAX_COL)
        if (col.get(f"{_TB}visibility") or "visible") in _HIDING and start < self.col_at:
            self.gaps.append(start)
            self.gap_ends.append(self.col_at)
            self.gap_before.append(self.gap_before[-1] + self.col_at - start)
        style = col.get(f"{_TB}default-cell-style-name")
        if start < _MAX_COL and (style or (self.col_styles and self.col_styles[-1])):
            self.col_starts.append(start)
            self.col_styles.append(style)

    def _shift(self, col: int) -> int | None:
        """The column once hidden columns close up (as Calc shows the sheet); None for a hidden column."""
        i = bisect.bisect_right(self.gaps, col) - 1
        if i >= 0 and col < self.gap_ends[i]:
            return None
        return col - self.gap_before[i + 1]

    def _col_style(self, col: int) -> str | None:
        if not self.col_starts:
            return None
        i = bisect.bisect_right(self.col_starts, col) - 1
        return self.col_styles[i] if i >= 0 else None

    def row(self, tr: Any) -> None:
        if self.hidden:
            return
        hidden_row = (tr.get(f"{_TB}visibility") or "visible") in _HIDING
        row_style = tr.get(f"{_TB}default-cell-style-name")
        cells: dict[int, str] = {}
        texts: dict[int, bool] = {}
        col = 0
        for tc in tr.iterchildren(TB.table_cell, TB.covered_table_cell):
            n = _int(tc.get(TB.number_columns_repeated), _MAX_COL)
            self.cells += 1
            if tc.tag == TB.covered_table_cell or (not len(tc) and tc.get(f"{_O}value-type") is None) \
                    or col >= _MAX_COL:
                col += n  # empty, or under a merged cell (its value is in the merged cell): nothing to read
                continue
            value, is_text = self.value(tc, tc.get(f"{_TB}style-name") or row_style or self._col_style(col))
            if value and not hidden_row:
                copies = min(n, _MAX_REPEAT, _MAX_COL - col)
                if copies > 1:
                    copies = min(copies, 1 + self.repeat_left // max(1, len(value)))
                    self.repeat_left -= (copies - 1) * len(value)
                self.cells += copies - 1
                for c in range(col, col + copies):
                    at = self._shift(c) if self.gaps else c
                    if at is None:
                        self.cols_seen.add(c)
                    else:
                        cells[at], texts[at] = value, is_text
            elif value:
                cells[col] = value
            col += n
            if self.cells > MAX_CELLS:
                raise _Stop()
        rows = _int(tr.get(TB.number_rows_repeated))
        if not cells:
            self.writer.add({}, {})  # a run of empty rows, however long: one gap
        elif hidden_row:
            self.hidden_rows += min(rows, MAX_CELLS)
        else:
            line = sum(map(len, cells.values()))
            copies = min(rows, _MAX_REPEAT)
            if copies > 1:
                copies = min(copies, 1 + self.repeat_left // max(1, line))
                self.repeat_left -= (copies - 1) * line
            for _ in range(copies):
                self.writer.add(cells, texts)
            self.cells += (copies - 1) * len(cells)
        if self.cells > MAX_CELLS:
            raise _Stop()

    def value(self, tc: Any, style: str | None) -> tuple[str, bool]:
        """(what the cell shows, whether it is text); ("", False) for an empty cell or an error value."""
        vt = tc.get(f"{_O}value-type")
        if tc.get(f"{_CALCEXT}value-type") == "error":
            return "", False
        reader = self.reader
        assert reader is not None
        ps = [p for p in tc.iterchildren(T.p)]
        if len(ps) == len(tc) == 1 and not len(ps[0]) and self._plain_style(style, ps[0].get(T.style_name)):
            text = ps[0].text or ""  # the common cell: one plain paragraph (the reader costs 10x as much)
        else:
            reader.outer = [("table-cell", style)]
            reader.behind = outermost(reader.styles.look.fill("table-cell", style))
            text = " ".join(" ".join(reader.blocks(tc, nested=True)).split())
        text = one_line(text).strip()
        if not text and not ps:
            text = one_line(_typed(tc)).strip()
        if text and tc.get(f"{_TB}formula") and _ERRORS.fullmatch(text):
            return "", False  # #DIV/0!, #N/A…: no fact
        return text, vt in (None, "string")

    def _plain_style(self, cell_style: str | None, pstyle: str | None) -> bool:
        if pstyle is not None:
            return False
        if cell_style not in self._plain:
            reader = self.reader
            assert reader is not None
            look = reader.styles.look
            behind = outermost(look.fill("table-cell", cell_style))
            self._plain[cell_style] = not look.unseen([("table-cell", cell_style)], behind)
        return self._plain[cell_style]


def _empty() -> Any:
    from lxml import etree

    return etree.Element(OF.automatic_styles)


def _read(sheets: _Sheets, stream: _Counted) -> None:
    from lxml import etree

    table_tag, depth, first = TB.table, 0, True
    beat_at = _BEAT_EVERY
    for event, el in etree.iterparse(stream, events=("start", "end"), **_PARSER,
                                     tag=(OF.automatic_styles, table_tag, TB.table_row, f"{_TB}table-column")):
        if first:
            first = False
            if el.getroottree().docinfo.doctype:
                raise LoadError("corrupt ODS: content.xml declares a DTD (not OpenDocument; not read)")
        tag = el.tag
        if tag == table_tag:
            depth += 1 if event == "start" else -1
            if depth == 1 and event == "start":
                sheets.start(el)
            elif depth == 0:
                sheets.end()
                _drop(el)
            continue
        if event != "end":
            continue
        if tag == OF.automatic_styles:
            sheets.styles(el)
            continue
        if depth != 1:
            continue  # (a table nested in a cell is read with its cell)
        if tag == TB.table_row:
            try:
                sheets.row(el)
            except _Stop:
                sheets.stopped_in = sheets.name
                sheets.end()
                return
            _drop(el)
            if sheets.beat is not None and sheets.cells >= beat_at:
                beat_at = sheets.cells + _BEAT_EVERY
                sheets.beat(min(1.0, stream.read_bytes / sheets.total))
        else:
            sheets.column(el)


@budgeted("ODS", "a workbook of millions of cells")
def load_ods(path: Path, raw: bytes) -> Document:
    z, read = package(raw, "ODS")
    with z:
        meta, styles_xml = read("meta.xml"), read("styles.xml")
        try:
            styles_root = _xml(styles_xml, "styles.xml", "ODS") if styles_xml else None
        except LoadError:
            styles_root = None  # named styles lost: hidden cell styles are then not known
        info = z.getinfo("content.xml")
        sheets = _Sheets(styles_root, guarded(PARSE_BEAT.get()), info.file_size)
        try:
            with z.open(info) as f:
                _read(sheets, _Counted(f))
        except LoadError:
            raise
        except RecursionError:
            raise LoadError("corrupt ODS: content.xml nests too deep") from None
        except Exception as exc:  # lxml syntax errors, bad zip members, CRC errors…
            if sheets.reader is not None and sheets.reader.stop is not None:
                raise sheets.reader.stop from None
            msg = exc_line(exc)
            if "encrypt" in msg.lower():
                raise LoadError("encrypted ODS (password required)") from None
            raise LoadError(f"corrupt ODS: {exc_reason(msg[:160])}") from None
    text = require_text(clean_text("\n".join(sheets.lines)), "empty document (no sheet holds a value)")
    notes = []
    if sheets.stopped_in is not None:
        notes.append(f"read the first {MAX_CELLS:,} cells: the rest of sheet '{clean_title(sheets.stopped_in)}' and "
                     "the sheets after it are not read (docs/ingest.md, Spreadsheets)")
    if sheets.hidden_sheets or sheets.hidden_rows or sheets.hidden_cols:
        notes.append(_hidden_note(sheets.hidden_sheets, sheets.hidden_rows, sheets.hidden_cols))
    reader = sheets.reader
    if reader is not None and (reader.hidden or reader.unseen):
        notes.append(hidden_note(reader.hidden + reader.unseen, "cell passage",
                                 "a style's display:none, text under 2 pt or in the colour behind it"))
    title, when = _meta(meta, "ODS")
    return Document(str(path), "ods", title or title_from_path(path), text, when, sha256_bytes(raw), len(raw),
                    tuple(notes))
