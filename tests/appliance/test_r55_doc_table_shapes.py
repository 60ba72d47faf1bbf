"""Round 55: the shapes of a document's table (.docx, .odt, .doc) that round 54 left `a | b` or misread
(loaders/tablerows.py labelled_rows, labelled_table): a marked header whose top-left cell is empty (a matrix: each
row keyed by its first cell, `Weekday; Adult: £5; Child: £3`); a title merged across the whole table above a marked
header row (a line of its own above the labelled rows); a cell typed "# of seats" keeps its "#" (only the marks of
a cell styled as a heading are left out); a footnote row a plain line below the rows (mend of reviewer readA's
finding 6); a row with text in its first cell only a labelled row as before, never a group carried onto the rows
under it (reviewer readC: `Bob Hart; Name: Carol Jones` was a false fact). Content invented for the tests (CC0)."""

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


# -- 4. first-cell-only rows under a header: footnotes below the rows, others rows (reviewers readA 6, readC 1) ------

POOL = [("Item", "Peak", "Off-peak"), ("Adults", "", ""), ("Swim", "£3", "£2"), ("Gym", "£5", "£4"),
        ("Children", "", ""), ("Swim", "£1", "£0.50")]
POOL_ROWS = ("Item: Adults\nItem: Swim; Peak: £3; Off-peak: £2\nItem: Gym; Peak: £5; Off-peak: £4\nItem: Children\n"
             "Item: Swim; Peak: £1; Off-peak: £0.50")
BUSES = [("Route", "Depart", "Arrive"), ("Leeds", "09:00", "10:10"), ("York", "09:30", "10:45"),
         ("* Sundays: no service", "", "")]
TIMES = "Route: Leeds; Depart: 09:00; Arrive: 10:10\nRoute: York; Depart: 09:30; Arrive: 10:45"
PHONES = [("Name", "Phone", "Email"), ("Ann Lee", "0123", "ann@x.org"), ("Bob Hart", "", ""),
          ("Carol Jones", "0456", "carol@x.org")]
PHONE_ROWS = ("Name: Ann Lee; Phone: 0123; Email: ann@x.org\nName: Bob Hart\n"
              "Name: Carol Jones; Phone: 0456; Email: carol@x.org")


def _merge_groups(t):
    for r in (1, 4):
        text = t.cell(r, 0).text
        t.cell(r, 0).merge(t.cell(r, 2)).text = text  # (merged cells keep each one's paragraph: one text)


def test_a_first_cell_only_row_stays_a_labelled_row_never_carried_onto_the_rows_under_it():
    # (round 55's mend5 read it as a group's name and prefixed the next rows with it: a value with the others left
    # empty, "Bob Hart", became `Bob Hart; Name: Carol Jones`, a false fact; nothing in a table tells the two apart)
    assert _between(_docx(POOL)) == POOL_ROWS
    # merged across the table: group rows, carried onto the rows under them (round 56, test_r56_group_rows.py)
    assert _between(_docx(POOL, merge=_merge_groups)) == (
        "Item: Swim (Adults); Peak: £3; Off-peak: £2\nItem: Gym (Adults); Peak: £5; Off-peak: £4\n"
        "Item: Swim (Children); Peak: £1; Off-peak: £0.50")  # (round 56 mend10: the group in the row's key)
    assert _between(_odt(POOL)) == POOL_ROWS
    assert _doc(POOL).splitlines() == [BEFORE, "", *POOL_ROWS.splitlines(), "", AFTER]
    for text in (_docx(PHONES), _odt(PHONES)):
        assert _between(text) == PHONE_ROWS
        assert [text[a:b] for a, b in table_blocks(text)] == [PHONE_ROWS]  # one table block: a row a chunk
    assert _doc(PHONES).splitlines() == [BEFORE, "", *PHONE_ROWS.splitlines(), "", AFTER]


def test_reviewer_readc_first_cell_only_rows_prefix_nothing():
    assert labelled_rows([dict(enumerate(r)) for r in PHONES], True) == PHONE_ROWS.splitlines()
    # a vacant plot: a number alone, a row
    assert labelled_rows([{0: "Plot", 1: "Holder", 2: "Paid"}, {0: "1", 1: "A. Smith", 2: "Yes"}, {0: "2"},
                          {0: "3", 1: "B. Jones", 2: "No"}], True) == [
        "Plot: 1; Holder: A. Smith; Paid: Yes", "Plot: 2", "Plot: 3; Holder: B. Jones; Paid: No"]
    # a price grid's key with no price: no label to keep, a plain line below the rows (the block stays a table's)
    got = labelled_rows([{1: "Adult", 2: "Child"}, {0: "Weekday", 1: "£5", 2: "£3"}, {0: "Sunday"},
                         {0: "Bank holiday", 1: "£6", 2: "£4"}], True)
    assert got == ["Weekday; Adult: £5; Child: £3", "Bank holiday; Adult: £6; Child: £4", "", "Sunday"]
    assert not any(line.startswith("Sunday;") for line in got)
    # an HTML table's row with its other cells empty: the same writer (web_tables.py)
    from ragtune.appliance.ingest.loaders.web import load_html

    head = "<tr><th>Name</th><th>Phone</th><th>Email</th></tr>"
    page = (f"<html><body><table>{head}<tr><td>Ann</td><td>0123</td><td>a@x</td></tr><tr><td>Bob</td><td></td>"
            "<td></td></tr><tr><td>Cat</td><td>0456</td><td>c@x</td></tr></table></body></html>")
    assert load_html(Path("page.html"), page.encode()).text.split("\n") == [
        "Name: Ann; Phone: 0123; Email: a@x", "Name: Bob", "Name: Cat; Phone: 0456; Email: c@x"]


def test_a_footnote_row_is_a_plain_line_below_the_rows_not_a_row():
    want = f"{TIMES}\n\n* Sundays: no service"
    assert _between(_docx(BUSES)) == want
    assert _between(_odt(BUSES)) == want
    assert _doc(BUSES).splitlines() == [BEFORE, "", *TIMES.splitlines(), "", "* Sundays: no service", "", AFTER]
    text = _docx(BUSES)
    assert [text[a:b] for a, b in table_blocks(text)] == [TIMES]  # the note is prose after the table block


def test_note_rows_in_labelled_rows():
    head = {0: "Item", 1: "Peak", 2: "Off-peak"}
    swim, gym = {0: "Swim", 1: "£3", 2: "£2"}, {0: "Gym", 1: "£5", 2: "£4"}
    # a note in the middle goes below the rows; first-cell-only rows are rows; the last row is a note
    got = labelled_rows([head, {0: "Note: prices from May"}, {0: "Adults"}, {0: "Weekdays"}, swim, {0: "Weekends"},
                         gym, {0: "Closed on bank holidays"}], True)
    assert got == ["Item: Adults", "Item: Weekdays", "Item: Swim; Peak: £3; Off-peak: £2", "Item: Weekends",
                   "Item: Gym; Peak: £5; Off-peak: £4", "", "Note: prices from May", "Closed on bank holidays"]
    # a first-only text longer than a label is a note below the rows (it only loses its label)
    long = "Prices are reviewed by the committee every spring and posted on the board by the door"
    assert labelled_rows([head, swim, {0: "Juniors"}, {0: "† members only"}], True) == [
        "Item: Swim; Peak: £3; Off-peak: £2", "Item: Juniors", "", "† members only"]
    assert labelled_rows([head, {0: long}, swim], True) == ["Item: Swim; Peak: £3; Off-peak: £2", "", long]
    # a row with its first cell empty, or with two values, is a row as before
    assert labelled_rows([head, swim, {1: "£9"}, {0: "Sauna", 1: "£2"}], True) == [
        "Item: Swim; Peak: £3; Off-peak: £2", "Peak: £9", "Item: Sauna; Peak: £2"]
    # only notes under the header: no table rows, `a | b`
    assert labelled_rows([head, {0: "Note: none"}, {0: "* none"}], True) is None
    # two columns: a first-only row is a row ("Name: Ann" with no extension), a footnote's start still a note
    assert labelled_rows([{0: "Name", 1: "Ext"}, {0: "Ann"}, {0: "Bob", 1: "12"}, {0: "* ask reception"}], True) == [
        "Name: Ann", "Name: Bob; Ext: 12", "", "* ask reception"]
    assert labelled_rows([{0: "Name", 1: "Ext"}, {0: "Notebook"}, {0: "Bob", 1: "12"}], True) == [
        "Name: Notebook", "Name: Bob; Ext: 12"]
    # a matrix's key with no value: below the rows, never a prefix of the row under it
    assert labelled_rows([{1: "Adult", 2: "Child"}, {0: "Pool"}, {0: "Weekday", 1: "£5", 2: "£3"}], True) == [
        "Weekday; Adult: £5; Child: £3", "", "Pool"]
    # the two-column `Key: value` path (no header) is unchanged: a key without a value stands alone
    assert labelled_rows([{0: "Owner", 1: "Facilities"}, {0: "Notes"}, {0: "Version", 1: "3"}], False) == [
        "Owner: Facilities", "Notes", "Version: 3"]


def test_a_footnote_is_no_row_for_the_row_rule():
    from ragtune.appliance.extractive import is_row
    from ragtune.appliance.types import ContextItem

    assert is_row(ContextItem(id="S1", text=TIMES.splitlines()[1], source="/d/buses.docx"))
    assert not is_row(ContextItem(id="S1", text="* Sundays: no service", source="/d/buses.docx"))


def test_notes_count_against_the_labels_room_and_repeats_are_charged():
    # one-letter rows under long labels, notes among them: `a | b` past the room; notes cost only their own text
    head = {c: label * 70 for c, label in enumerate("ABC")}
    assert labelled_rows([head] + [{0: "x", 1: "y", 2: "z"}, {0: "* n"}] * 1000, True) is None
    assert len(labelled_rows([head] + [{0: "x", 1: "y", 2: "z"}, {0: "* n"}] * 3, True)) == 7
    seen: list[tuple[int, str]] = []
    got = labelled_rows([{0: "A", 1: "B", 2: "C"}, {0: "Grp"}, {0: "x", 1: "y", 2: "z"}, {0: "* n"}], True,
                        times=lambda i, line: seen.append((i, line)) or 2)
    assert got == ["A: Grp"] * 2 + ["A: x; B: y; C: z"] * 2 + ["", "* n", "* n"]
    assert seen == [(1, "A: Grp"), (2, "A: x; B: y; C: z"), (3, "* n")]
