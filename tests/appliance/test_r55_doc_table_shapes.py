"""Round 55: the shapes of a document's table (.docx, .odt, .doc) that round 54 left `a | b` or misread
(loaders/tablerows.py labelled_rows, labelled_table): a marked header whose top-left cell is empty (a matrix: each
row keyed by its first cell, `Weekday; Adult: £5; Child: £3`); a title merged across the whole table above a marked
header row (a line of its own above the labelled rows); a cell typed "# of seats" keeps its "#" (only the marks of
a cell styled as a heading are left out). Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.tablerows import Heading, labelled_rows, labelled_table, table_block
from ragtune.appliance.ingest.loaders.word import load_docx
from ragtune.appliance.ingest.table_chunks import table_blocks

from . import doc_build as db
from . import odt_build as ob
from .ingest_helpers import docx_xml_bytes
from .test_r54_doc_table_marks import _between
from .test_r54_doc_tables import AFTER, BEFORE, FEES, LABELLED, _T_HEADER, _doc, _docx, _odt

PRICES = [("", "Adult", "Child"), ("Weekday", "£5", "£3"), ("Weekend", "£7", "£4")]
MATRIX = "Weekday; Adult: £5; Child: £3\nWeekend; Adult: £7; Child: £4"
SEATS = [("Room", "# of seats"), ("Cedar", "40"), ("Oak", "12")]


def _docx_titled(title: str, rows, head: str = "bold", title_style: str | None = None) -> str:
    """A DOCX of a paragraph, a table whose first row is one cell merged across it (`title`) over `rows` (their
    first marked the header: "bold" or "repeat", w:tblHeader on the title row and the header row), a paragraph."""
    from docx.oxml import OxmlElement

    def build(d):
        d.add_paragraph(BEFORE)
        t = d.add_table(rows=len(rows) + 1, cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                t.cell(r + 1, c).text = v
                if r == 0 and head == "bold" and v:
                    t.cell(r + 1, c).paragraphs[0].runs[0].bold = True
        top = t.cell(0, 0).merge(t.cell(0, len(rows[0]) - 1))
        top.text = title
        top.paragraphs[0].runs[0].bold = True
        if title_style:
            top.paragraphs[0].style = d.styles[title_style]
        if head == "repeat":
            for r in (0, 1):
                t.rows[r]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        d.add_paragraph(AFTER)
    return load_docx(Path("t.docx"), docx_xml_bytes(build=build)).text


def _odt_titled(title: str, rows, header_rows: bool = True) -> str:
    def cells(row):
        return "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" if c else "<table:table-cell/>"
                       for c in row)
    width = len(rows[0])
    top = (f'<table:table-row><table:table-cell table:number-columns-spanned="{width}"><text:p>{title}</text:p>'
           f"</table:table-cell>{'<table:covered-table-cell/>' * (width - 1)}</table:table-row>")
    head = f"{top}<table:table-row>{cells(rows[0])}</table:table-row>"
    if header_rows:
        head = f"<table:table-header-rows>{head}</table:table-header-rows>"
    body = "".join(f"<table:table-row>{cells(r)}</table:table-row>" for r in rows[1:])
    xml = f"<text:p>{BEFORE}</text:p><table:table>{head}{body}</table:table><text:p>{AFTER}</text:p>"
    return load_odt(Path("t.odt"), ob.odt(xml)).text


# -- 1. a matrix: a header over every column but the first ---------------------------------------------------------

def test_a_marked_header_with_an_empty_top_left_cell_keys_each_row_by_its_first_cell():
    assert _between(_docx(PRICES)) == MATRIX
    assert _between(_docx(PRICES, head="repeat")) == MATRIX
    assert _between(_odt(PRICES)) == MATRIX
    assert _doc(PRICES).splitlines() == [BEFORE, "", *MATRIX.splitlines(), "", AFTER]
    text = _docx(PRICES)
    assert [text[a:b] for a, b in table_blocks(text)] == [MATRIX]  # chunked a row a chunk, as any labelled table


def test_a_matrix_header_not_marked_or_not_labelling_every_column_stays_bars():
    assert _between(_docx(PRICES, head=None)) == " | Adult | Child\n\nWeekday | £5 | £3\n\nWeekend | £7 | £4"
    # a value in a column between labels (not the first column): no label for it, `a | b` as before
    assert labelled_rows([{1: "Adult", 3: "Child"}, {0: "Weekday", 1: "£5", 2: "x", 3: "£3"}], True) is None
    # a header over the first column with a gap after it: a row's value in the gap is under no label
    assert labelled_rows([{0: "Day", 2: "Child"}, {0: "Mon", 1: "£5", 2: "£3"}], True) is None
    # a row without its key (under a matrix's empty top-left cell every row has one): `a | b`, as HTML's grid
    assert labelled_rows([{1: "Adult", 2: "Child"}, {0: "Mon", 1: "£5", 2: "£3"}, {1: "£6", 2: "£4"}], True) is None
    # two header rows (a spanning "Price" over "Adult | Child") still `a | b`
    assert labelled_rows([{1: "Price"}, {1: "Adult", 2: "Child"}, {0: "Weekday", 1: "£5", 2: "£3"}], True) is None


# -- 2. a title merged across the table above its header row -------------------------------------------------------

def test_a_title_merged_across_the_table_is_a_line_above_the_labelled_rows():
    assert _docx_titled("Club fees 2026", FEES) == f"{BEFORE}\n\nClub fees 2026\n\n{LABELLED}\n\n{AFTER}"
    assert _docx_titled("Club fees 2026", FEES, head="repeat") == (f"{BEFORE}\n\nClub fees 2026\n\n{LABELLED}\n\n"
                                                                   f"{AFTER}")
    assert _odt_titled("Club fees 2026", FEES) == f"{BEFORE}\n\nClub fees 2026\n\n{LABELLED}\n\n{AFTER}"
    text = _docx_titled("Club fees 2026", FEES)
    assert [text[a:b] for a, b in table_blocks(text)] == [LABELLED]
    # a title styled as a heading stays a heading line above the table
    assert _docx_titled("Club fees 2026", FEES, title_style="Heading 2") == (f"{BEFORE}\n\n## Club fees 2026\n\n"
                                                                             f"{LABELLED}\n\n{AFTER}")


def test_a_title_over_an_unmarked_header_reads_as_before():
    bars = "Club fees 2026\n\nFee | Amount | Due\n\nJoining fee | £40 | On joining"
    assert _between(_docx_titled("Club fees 2026", FEES, head="none")).startswith(bars)
    assert _between(_odt_titled("Club fees 2026", FEES, header_rows=False)).startswith(bars)
    # the first row of one cell with the row under it not marked: labelled_table gives the old reading
    rows = [{0: "Fees"}, {0: "Fee", 1: "Amount"}, {0: "Joining", 1: "£40"}]
    assert labelled_table(rows, lambda i: False) == ["Fees\nFee: Amount\nJoining: £40"]  # (a form: Key: value)
    assert labelled_table(rows, lambda i: i == 1) == ["Fees", "Fee: Joining; Amount: £40"]


def test_a_doc_title_row_over_a_header_row_marked_to_repeat():
    table = ["Club fees 2026\x07" + db.ROW] + ["\x07".join(r) + "\x07" + db.ROW for r in FEES]
    pieces = [db.Piece(BEFORE + "\r"), db.Piece(table[0] + table[1], para=_T_HEADER), db.Piece("".join(table[2:])),
              db.Piece(AFTER + "\r")]
    from ragtune.appliance.ingest.loaders.worddoc import load_doc
    text = load_doc(Path("t.doc"), db.word_doc(pieces)).text
    assert text.splitlines() == [BEFORE, "", "Club fees 2026", "", *LABELLED.splitlines(), "", AFTER]
    assert table_block([["Fees"], ["Fee", "Amount"], ["Joining", "£40"]], {0}) == ["Fees", "Fee | Amount",
                                                                                   "Joining | £40"]


# -- 3. "#" typed in a cell is the cell's text ---------------------------------------------------------------------

def test_a_cell_typed_with_a_hash_keeps_it_and_a_heading_styled_cell_loses_its_marks():
    want = "Room: Cedar; # of seats: 40\nRoom: Oak; # of seats: 12"
    assert _between(_docx(SEATS)) == want
    assert _between(_odt(SEATS)) == want
    assert _doc(SEATS).splitlines() == [BEFORE, "", *want.splitlines(), "", AFTER]
    got = labelled_rows([{0: "## Fee", 1: "# Amount"}, {0: "a", 1: "b"}], True, marks=[(0, 0)])
    assert got == ["Fee: a; # Amount: b"]  # only the marks a reader says are a heading's are left out
    assert isinstance(Heading("# Fee"), str) and Heading("# Fee") == "# Fee"


def test_an_odt_cell_holding_a_heading_loses_its_marks_a_typed_hash_does_not():
    row = ("<table:table-row><table:table-cell><text:h text:outline-level=\"3\">Room</text:h></table:table-cell>"
           "<table:table-cell><text:p># of seats</text:p></table:table-cell></table:table-row>")
    body = "".join(f"<table:table-row><table:table-cell><text:p>{a}</text:p></table:table-cell><table:table-cell>"
                   f"<text:p>{b}</text:p></table:table-cell></table:table-row>" for a, b in SEATS[1:])
    xml = (f"<text:p>{BEFORE}</text:p><table:table><table:table-header-rows>{row}</table:table-header-rows>{body}"
           f"</table:table><text:p>{AFTER}</text:p>")
    text = load_odt(Path("h.odt"), ob.odt(xml)).text
    assert _between(text) == "Room: Cedar; # of seats: 40\nRoom: Oak; # of seats: 12"
