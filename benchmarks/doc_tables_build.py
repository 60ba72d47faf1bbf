"""One writer of the table benchmarks' documents (benchmarks/r54_doc_tables_data.py, r55_doc_table_shapes_data.py,
r56_group_rows_data.py): a .docx (python-docx) or .odt (tests/appliance/odt_build.py) with a level-1 title, prose
paragraphs ("## " starts a level-2 heading) and one table between them. The table is an optional title row merged
across it (`top`), a header row, then rows: a tuple is a row (an empty cell is left empty), a str a group row (one
cell merged across the table; round 57: a tuple whose first item is an int n a .docx row that starts in grid column
n, `w:gridBefore`, the values after it its cells). `mark` says how the header row is marked, as Word and LibreOffice
users mark it: "bold" (its text bold), "style" (a table style whose first-row formatting is bold, Word's Light
Grid), "repeat" (Repeat as header row, with the title row, and bold), "heading-rows" (LibreOffice's heading rows,
the title row among them), "heading-style" (LibreOffice's bold Table Heading paragraph style), None (plain).
Used as `runpy.run_path(...)` or imported with benchmarks/ on sys.path; no module of the product imports it."""
from __future__ import annotations

import io
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ODT_BUILD = Path(__file__).resolve().parents[1] / "tests" / "appliance"


def docx_bytes(title: str, before: list[str], header: tuple[str, ...], rows: list, after: list[str],
               mark: str | None = None, top: str | None = None, grid: str | None = "Table Grid") -> bytes:
    """`grid`: the table style of a table not marked "style" (None: python-docx's unstyled table)."""
    import docx  # python-docx
    from docx.oxml import OxmlElement

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, 1)
    for para in before:
        _docx_para(d, para)
    width, skip = len(header), 1 if top else 0
    t = d.add_table(rows=len(rows) + 1 + skip, cols=width, style="Light Grid Accent 1" if mark == "style" else grid)
    bold = mark in ("bold", "repeat")
    if top:
        _docx_merged(t, 0, width, top, bold=True)
    for c, value in enumerate(header):
        t.cell(skip, c).text = value
        if bold and value:
            t.cell(skip, c).paragraphs[0].runs[0].bold = True
    starts = []  # rows starting in a later grid column
    for r, row in enumerate(rows, skip + 1):
        if isinstance(row, str):
            _docx_merged(t, r, width, row)
            continue
        skip_cols = row[0] if row and isinstance(row[0], int) else 0
        for c, value in enumerate(row[1:] if skip_cols else row, skip_cols):
            if value:
                t.cell(r, c).text = value
        if skip_cols:
            starts.append((t.rows[r]._tr, skip_cols))
    for tr, n in starts:  # (after every cell is written: python-docx finds a cell by its row's cells)
        _docx_grid_before(tr, n)
    if mark == "repeat":
        for r in range(skip + 1):
            t.rows[r]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for para in after:
        _docx_para(d, para)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _docx_grid_before(tr, n: int) -> None:
    """Row `tr` started in grid column `n` as Word writes it: its first `n` cells gone, `w:gridBefore` in its trPr."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for tc in tr.findall(qn("w:tc"))[:n]:
        tr.remove(tc)
    el = OxmlElement("w:gridBefore")
    el.set(qn("w:val"), str(n))
    tr.get_or_add_trPr().insert(0, el)


def _docx_para(d, para: str) -> None:
    d.add_heading(para[3:], 2) if para.startswith("## ") else d.add_paragraph(para)


def _docx_merged(t, r: int, width: int, text: str, bold: bool = False) -> None:
    cell = t.cell(r, 0).merge(t.cell(r, width - 1))
    cell.text = text
    if bold:
        cell.paragraphs[0].runs[0].bold = True


# LibreOffice's Table Heading paragraph style (bold), added to the automatic styles for mark "heading-style"
HEADING_STYLE = ('<style:style style:name="Table_20_Heading" style:display-name="Table Heading" '
                 'style:family="paragraph"><style:text-properties fo:font-weight="bold"/></style:style>')


def odt_bytes(title: str, before: list[str], header: tuple[str, ...], rows: list, after: list[str],
              mark: str | None = None, top: str | None = None) -> bytes:
    if str(ODT_BUILD) not in sys.path:
        sys.path.insert(0, str(ODT_BUILD))
    import odt_build as ob

    width = len(header)

    def para(p: str) -> str:
        if p.startswith("## "):
            return f'<text:h text:outline-level="2">{escape(p[3:])}</text:h>'
        return f"<text:p>{escape(p)}</text:p>"

    def row(cells, style: str = "") -> str:
        if isinstance(cells, str):  # merged across the table: one spanning cell, the rest covered
            return (f'<table:table-row><table:table-cell table:number-columns-spanned="{width}" '
                    f'office:value-type="string"><text:p>{escape(cells)}</text:p></table:table-cell>'
                    f"{'<table:covered-table-cell/>' * (width - 1)}</table:table-row>")
        return "<table:table-row>" + "".join(f'<table:table-cell office:value-type="string"><text:p{style}>'
                                             f"{escape(c)}</text:p></table:table-cell>" if c else "<table:table-cell/>"
                                             for c in cells) + "</table:table-row>"

    head = (row(top) if top else "") + row(header, ' text:style-name="Table_20_Heading"'
                                           if mark == "heading-style" else "")
    table = (f'<table:table table:name="Table1"><table:table-column table:number-columns-repeated="{width}"/>'
             + (f"<table:table-header-rows>{head}</table:table-header-rows>" if mark == "heading-rows" else head)
             + "".join(row(r) for r in rows) + "</table:table>")
    body = (f'<text:h text:outline-level="1">{escape(title)}</text:h>' + "".join(map(para, before)) + table
            + "".join(map(para, after)))
    auto = ob.AUTO_STYLES
    if mark == "heading-style":
        auto = auto.replace("</office:automatic-styles>", HEADING_STYLE + "</office:automatic-styles>")
    return ob.odt(content_xml=ob.content(body, auto), meta_xml=ob.meta(title=title))


def write(path: Path, title: str, before: list[str], header: tuple[str, ...], rows: list, after: list[str],
          mark: str | None = None, top: str | None = None, **docx_options) -> None:
    """Writes one document, .docx or .odt by `path`'s suffix."""
    if path.suffix == ".docx":
        path.write_bytes(docx_bytes(title, before, header, rows, after, mark, top, **docx_options))
    else:
        path.write_bytes(odt_bytes(title, before, header, rows, after, mark, top))
