"""Round 56 (mend2): an ODT table's cells after a cell spanning columns (`table:number-columns-spanned`) stay under
their own header cells (loaders/opendoc.py `_Reader.table`). The covered cells written after a spanning cell stand
for the columns it already counted; counted again, they pushed the later cells past the header and the table fell
back to `a | b`. A covered cell standing alone (a cell merged down's continuation) still takes its column. The three
readers agree: a cell spanning columns is read under its first column (docx `w:gridSpan`, HTML `colspan`), one
spanning rows in each row it spans. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.web import load_html
from ragtune.appliance.ingest.loaders.word import load_docx

from . import odt_build as ob
from .ingest_helpers import docx_xml_bytes

HEAD = ("Name", "Phone", "Room", "Floor")
COVERED = "<table:covered-table-cell/>"


def C(text: str, across: int = 1, down: int = 1) -> tuple[str, int, int]:
    """A cell: its text, the columns and rows it spans. None in a row: a covered cell (not written in HTML)."""
    return text, across, down


def _odt_cell(c) -> str:
    if c is None:
        return COVERED
    text, across, down = c
    spans = (f' table:number-columns-spanned="{across}"' if across > 1 else "") + (
        f' table:number-rows-spanned="{down}"' if down > 1 else "")
    return f'<table:table-cell{spans} office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def _odt_xml(rows, head=HEAD, raw: str = "") -> str:
    """An ODT of one table under a heading row (`table:table-header-rows`); `raw`: row XML written as given."""
    header = "<table:table-row>" + "".join(_odt_cell(C(h)) for h in head) + "</table:table-row>"
    body = "".join("<table:table-row>" + "".join(map(_odt_cell, r)) + "</table:table-row>" for r in rows) + raw
    xml = (f'<table:table table:name="Staff"><table:table-column table:number-columns-repeated="{len(head)}"/>'
           f"<table:table-header-rows>{header}</table:table-header-rows>{body}</table:table>")
    return load_odt(Path("t.odt"), ob.odt(content_xml=ob.content(xml))).text


def _html(rows) -> str:
    def cell(c):
        return f'<td colspan="{c[1]}" rowspan="{c[2]}">{c[0]}</td>'
    table = ("<table><tr>" + "".join(f"<th>{h}</th>" for h in HEAD) + "</tr>"
             + "".join("<tr>" + "".join(cell(c) for c in r if c is not None) + "</tr>" for r in rows) + "</table>")
    return load_html(Path("page.html"), f"<html><body>{table}</body></html>".encode()).text


def _docx(rows) -> str:
    """The same table in a DOCX: its header row bold, spanning cells merged (python-docx writes gridSpan/vMerge)."""
    def build(d):
        t = d.add_table(rows=len(rows) + 1, cols=len(HEAD))
        for c, h in enumerate(HEAD):
            t.cell(0, c).text = h
            t.cell(0, c).paragraphs[0].runs[0].bold = True
        for r, row in enumerate(rows, 1):
            for col, c in enumerate(row):
                if c is not None:
                    cell = t.cell(r, col)
                    if c[1] > 1 or c[2] > 1:
                        cell = cell.merge(t.cell(r + c[2] - 1, col + c[1] - 1))
                    cell.text = c[0]
    return load_docx(Path("t.docx"), docx_xml_bytes(build=build)).text


def _all(rows) -> str:
    """The table as ODT reads it, checked the same as DOCX and HTML read it."""
    text = _odt_xml(rows)
    assert text == _docx(rows) == _html(rows)
    return text


BOB = (C("Bob Hart"), C("4418"), C("B3"), C("2"))
BOB_TEXT = "Name: Bob Hart; Phone: 4418; Room: B3; Floor: 2"


def test_a_span_mid_row_keeps_the_cells_after_it_under_their_labels():
    rows = [(C("Ann Lee"), C("4417 / B2", 2), None, C("3")), BOB]
    assert _all(rows) == f"Name: Ann Lee; Phone: 4417 / B2; Floor: 3\n{BOB_TEXT}"  # (was `Ann Lee | 4417 / B2 | 3`)


def test_a_span_at_the_row_end_and_one_over_the_first_column():
    end = [(C("Ann Lee"), C("4417"), C("B2, third floor", 2), None), BOB]
    assert _all(end) == f"Name: Ann Lee; Phone: 4417; Room: B2, third floor\n{BOB_TEXT}"
    first = [(C("Ann Lee, 4417", 2), None, C("B2"), C("3")), BOB]
    assert _all(first) == f"Name: Ann Lee, 4417; Room: B2; Floor: 3\n{BOB_TEXT}"
    # two spans in one row
    two = [(C("Ann Lee, 4417", 2), None, C("B2, floor 3", 2), None), BOB]
    assert _all(two) == f"Name: Ann Lee, 4417; Room: B2, floor 3\n{BOB_TEXT}"


def test_a_cell_merged_down_fills_its_column_in_the_rows_under_it():
    rows = [(C("Ann Lee"), C("4417"), C("B2", 1, 2), C("3")), (C("Bob Hart"), C("4418"), None, C("3")),
            (C("Cleo Park"), C("4419"), C("C1"), C("1"))]
    assert _all(rows) == ("Name: Ann Lee; Phone: 4417; Room: B2; Floor: 3\nName: Bob Hart; Phone: 4418; Room: B2; "
                          "Floor: 3\nName: Cleo Park; Phone: 4419; Room: C1; Floor: 1")


def test_rows_mixing_spans_across_and_down():
    # a cell merged two across and two down: its covered cells in its row, then two alone in the next
    square = [(C("Ann Lee"), C("shared desk", 2, 2), None, C("3")), (C("Bob Hart"), None, None, C("2")),
              (C("Cleo Park"), C("4419"), C("C1"), C("1"))]
    assert _all(square) == ("Name: Ann Lee; Phone: shared desk; Floor: 3\nName: Bob Hart; Phone: shared desk; "
                            "Floor: 2\nName: Cleo Park; Phone: 4419; Room: C1; Floor: 1")
    # a span across in the row a cell merged down continues into, the span's covered cell just before it
    mixed = [(C("Ann Lee"), C("4417"), C("B2"), C("3", 1, 2)), (C("Bob Hart"), C("4418 / B3", 2), None, None),
             BOB]
    assert _all(mixed) == ("Name: Ann Lee; Phone: 4417; Room: B2; Floor: 3\nName: Bob Hart; Phone: 4418 / B3; "
                           f"Floor: 3\n{BOB_TEXT}")


def test_covered_cells_written_with_a_repeat_count_as_libreoffice_writes_them():
    # LibreOffice writes the span's covered cell and the merged-down continuation after it as one, repeated twice
    top = "<table:table-row>" + "".join(map(_odt_cell, (C("Ann Lee"), C("4417"), C("B2"), C("3", 1, 2))))
    raw = (top + "</table:table-row><table:table-row>" + _odt_cell(C("Bob Hart")) + _odt_cell(C("4418 / B3", 2))
           + '<table:covered-table-cell table:number-columns-repeated="2"/></table:table-row>')
    assert _odt_xml([], raw=raw) == ("Name: Ann Lee; Phone: 4417; Room: B2; Floor: 3\n"
                                     "Name: Bob Hart; Phone: 4418 / B3; Floor: 3")
    # a cell repeated after a span's covered cell: each copy in a column of its own
    head = ("Day", "Lead", "Cover", "Room")
    raw = ("<table:table-row>" + _odt_cell(C("Monday, Ruth Adler", 2)) + COVERED
           + '<table:table-cell table:number-columns-repeated="2" office:value-type="string">'
           "<text:p>Hall</text:p></table:table-cell></table:table-row>")
    assert _odt_xml([], head=head, raw=raw) == "Day: Monday, Ruth Adler; Cover: Hall; Room: Hall"


def test_a_span_written_without_its_covered_cells_still_counts_its_columns():
    # (a writer that leaves the covered cells out: the next cell is still past the span)
    rows = [(C("Ann Lee"), C("4417 / B2", 2), C("3")), BOB]
    assert _odt_xml(rows) == f"Name: Ann Lee; Phone: 4417 / B2; Floor: 3\n{BOB_TEXT}"


def test_a_crafted_span_or_repeat_reads_as_before_and_quickly():
    # a span of a billion columns counts one (as before); covered cells repeated a billion times: at most 100
    raw = ("<table:table-row>" + _odt_cell(C("Ann Lee")) + '<table:table-cell table:number-columns-spanned='
           '"1000000000"><text:p>4417</text:p></table:table-cell>'
           '<table:covered-table-cell table:number-columns-repeated="1000000000"/>'
           + _odt_cell(C("3")) + "</table:table-row>")
    assert _odt_xml([], raw=raw) == "Name | Phone | Room | Floor\n\nAnn Lee | 4417 | 3"


def test_a_row_merged_across_part_of_the_table_is_no_group_row():
    # (its covered cells counted twice made it reach past the last column: a group row, carried onto the rows under it)
    rows = [(C("Ann Lee"), C("4417"), C("B2"), C("3")), (C("Sales team", 3), None, None, C("")), BOB]
    text = _all(rows)
    assert "(Sales team)" not in text and BOB_TEXT in text
    short = _odt_xml([rows[0], (C("Sales team", 3), None, None), BOB])  # a row of one cell short of the last column
    assert "(Sales team)" not in short and BOB_TEXT in short
    # merged across the whole table: a group row (round 56), its covered cells counted once
    rows = [(C("Sales team", 4), None, None, None), (C("Ann Lee"), C("4417"), C("B2"), C("3")), BOB]
    assert _all(rows) == ("Name: Ann Lee (Sales team); Phone: 4417; Room: B2; Floor: 3\n"
                          + BOB_TEXT.replace("Bob Hart", "Bob Hart (Sales team)", 1))
