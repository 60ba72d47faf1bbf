"""Round 56: a table's group rows (loaders/tablerows.py `_grouped`, `merged_rows`; web_tables.Grid.groups): a row
the file merges into one cell across the whole table (docx `w:gridSpan` / `w:hMerge`, odt
`table:number-columns-spanned`, HTML `<th colspan>` / `<td colspan>` over every column, a lone `<th
scope="rowgroup">`, a lone `<th>` in a table not keyed by `<th>`s) titles the rows under it: each is written with the
group's name in its first value, its key (`Ticket: Adult (Weekend); Price: £7`; round 56 mend10: a name written first,
unlabelled, read as a matrix's key, readE H2/M3). A row whose other cells are only empty is
no group (round 55, reviewer readC: `Bob Hart` is a person with no number, not a group of the next rows). Round 56's
mend (readC): only in a table (an HTML section) whose first row under the header is a group row; a row of one cell
the file does not merge, a `<tbody>`, ends a group; a `<tfoot>` row, a sentence, are none. Content invented for the
tests (CC0)."""

from __future__ import annotations

import time
from pathlib import Path

from ragtune.appliance.extractive import is_row
from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.tablerows import labelled_rows, labelled_table, merged_rows
from ragtune.appliance.ingest.loaders.web import load_html
from ragtune.appliance.ingest.loaders.word import load_docx
from ragtune.appliance.ingest.table_chunks import table_blocks
from ragtune.appliance.types import ContextItem

from . import odt_build as ob
from .ingest_helpers import _DOCX_NS, docx_xml_bytes

HEAD = ("Ticket", "Adult", "Child")
SEASONS = [HEAD, "Summer", ("Single swim", "£6.50", "£3.40"), ("Early session", "£5.00", "£2.60"),
           "Winter", ("Single swim", "£4.90", "£2.80"), ("Early session", "£4.20", "£2.20")]
GROUPED = ("Ticket: Single swim (Summer); Adult: £6.50; Child: £3.40\n"
           "Ticket: Early session (Summer); Adult: £5.00; Child: £2.60\n"
           "Ticket: Single swim (Winter); Adult: £4.90; Child: £2.80\n"
           "Ticket: Early session (Winter); Adult: £4.20; Child: £2.20")
CONTACTS = [("Name", "Role", "Phone"), ("Aisha Khan", "Shift lead", "07700 900 311"), ("Bob Hart", "", ""),
            ("Priya Shah", "Driver", "07700 900 518")]
CONTACTS_TEXT = ("Name: Aisha Khan; Role: Shift lead; Phone: 07700 900 311\nName: Bob Hart\n"
                 "Name: Priya Shah; Role: Driver; Phone: 07700 900 518")


def _docx(rows) -> str:
    """A DOCX of one table: its first row bold (the header), a str row one cell merged across (w:gridSpan)."""
    def build(d):
        width = len(rows[0])
        t = d.add_table(rows=len(rows), cols=width)
        for r, row in enumerate(rows):
            if isinstance(row, str):
                t.cell(r, 0).merge(t.cell(r, width - 1)).text = row
                continue
            for c, v in enumerate(row):
                if v:
                    t.cell(r, c).text = v
                    if not r:
                        t.cell(r, c).paragraphs[0].runs[0].bold = True
    return load_docx(Path("t.docx"), docx_xml_bytes(build=build)).text


def _odt(rows) -> str:
    width = len(rows[0])

    def row(cells):
        if isinstance(cells, str):
            return (f'<table:table-row><table:table-cell table:number-columns-spanned="{width}"><text:p>{cells}'
                    f"</text:p></table:table-cell>{'<table:covered-table-cell/>' * (width - 1)}</table:table-row>")
        return "<table:table-row>" + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" if c
                                             else "<table:table-cell/>" for c in cells) + "</table:table-row>"
    body = (f'<table:table table:name="T"><table:table-column table:number-columns-repeated="{width}"/>'
            f"<table:table-header-rows>{row(rows[0])}</table:table-header-rows>"
            + "".join(row(r) for r in rows[1:]) + "</table:table>")
    return load_odt(Path("t.odt"), ob.odt(content_xml=ob.content(body))).text


def _html(body: str) -> str:
    return load_html(Path("page.html"), f"<html><body>{body}</body></html>".encode()).text


def _tr(cells, tag="td") -> str:
    return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


def test_merged_docx_and_odt_group_rows_carry_onto_the_rows_under_them():
    assert _docx(SEASONS) == GROUPED
    assert _odt(SEASONS) == GROUPED


def test_an_unmerged_row_with_only_a_name_stays_a_row_of_its_own():  # (round 55, readC)
    assert _docx(CONTACTS) == CONTACTS_TEXT
    assert _odt(CONTACTS) == CONTACTS_TEXT
    assert _html("<table>" + _tr(CONTACTS[0], "th") + "".join(_tr(r) for r in CONTACTS[1:]) + "</table>") == \
        CONTACTS_TEXT


def test_a_word_97_merge_across_hmerge_is_a_group_row():
    def tc(text, merge=""):
        pr = f'<w:tcPr><w:hMerge{merge}/></w:tcPr>' if merge is not None else ""
        return f"<w:tc>{pr}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>" if text else f"<w:tc>{pr}<w:p/></w:tc>"

    def tr(*cells):
        return "<w:tr>" + "".join(cells) + "</w:tr>"
    bold = '<w:tc><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{}</w:t></w:r></w:p></w:tc>'
    tbl = (f"<w:tbl {_DOCX_NS}><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>"
           + tr(bold.format("Day"), bold.format("Lead"))
           + tr(tc("Week 1", ' w:val="restart"'), tc("", ""))
           + tr(tc("Monday", None), tc("Ruth Adler", None))
           + tr(tc("Week 2", ' w:val="restart"'), tc("", ' w:val="continue"'))
           + tr(tc("Monday", None), tc("Tom Becker", None)) + "</w:tbl>")
    text = load_docx(Path("t.docx"), docx_xml_bytes(tbl)).text
    assert text == "Day: Monday (Week 1); Lead: Ruth Adler\nDay: Monday (Week 2); Lead: Tom Becker"


def test_html_groups_by_colspan_th_per_tbody_and_rowgroup():
    head = "<thead>" + _tr(("Destination", "First bus"), "th") + "</thead>"
    by_tbody = ("<table>" + head + '<tbody><tr><th colspan="2">Weekdays</th></tr>' + _tr(("Northgate", "07:15"))
                + '</tbody><tbody><tr><th colspan="2">Saturday</th></tr>' + _tr(("Northgate", "08:40"))
                + "</tbody></table>")
    want = "Destination: Northgate (Weekdays); First bus: 07:15\nDestination: Northgate (Saturday); First bus: 08:40"
    assert _html(by_tbody) == want
    td_span = by_tbody.replace('<th colspan="2">', '<td colspan="2"><b>').replace("</th></tr><tr><td>N",
                                                                                "</b></td></tr><tr><td>N")
    assert _html(td_span) == want
    rowgroup = by_tbody.replace('<th colspan="2">', '<th scope="rowgroup">')
    assert _html(rowgroup) == want
    lone_th = by_tbody.replace('<th colspan="2">', "<th>")
    assert _html(lone_th) == want


def test_html_lone_th_in_a_table_keyed_by_th_or_a_short_colspan_is_no_group():
    keyed = ("<table>" + _tr(("Name", "Phone", "Room"), "th") + "<tr><th>Ann Lee</th><td>4417</td><td>B2</td></tr>"
             "<tr><th>Bob Hart</th></tr><tr><th>Carol Jones</th><td>4418</td><td>B3</td></tr></table>")
    assert "(Bob Hart)" not in _html(keyed)
    short = ("<table>" + _tr(("Name", "Phone", "Room"), "th") + _tr(("Ann Lee", "4417", "B2"))
             + '<tr><td colspan="2">Sales</td></tr>' + _tr(("Carol Jones", "4418", "B3")) + "</table>")
    assert "(Sales)" not in _html(short)


def test_a_table_whose_every_body_row_is_merged_has_no_groups_and_notes_stay_notes():
    rows = [{0: "Ticket", 1: "Price"}, {0: "Summer"}, {0: "Winter"}]
    assert labelled_rows(rows, True, groups={1, 2}) == labelled_rows(rows, True)
    # a merged footnote row is a note below the rows, a merged last row too, as before
    rows = [{0: "Ticket", 1: "Adult", 2: "Child"}, {0: "Summer"}, {0: "Swim", 1: "£6", 2: "£3"}, {0: "* VAT incl."},
            {0: "Swim", 1: "£5", 2: "£2"}, {0: "Prices from May"}]
    assert labelled_rows(rows, True, groups={1, 3, 5}) == [
        "Ticket: Swim (Summer); Adult: £6; Child: £3", "Ticket: Swim (Summer); Adult: £5; Child: £2", "",
        "* VAT incl.", "Prices from May"]


def test_two_group_rows_in_a_row_the_second_titles_and_a_groups_colon_is_no_label():
    rows = [{0: "Ticket", 1: "Adult"}, {0: "Spring"}, {0: "Zone A: centre"}, {0: "Swim", 1: "£6"}]
    assert labelled_rows(rows, True, groups={1, 2}) == ["Ticket: Spring",
                                                        "Ticket: Swim (Zone A - centre); Adult: £6"]


def test_a_title_row_above_the_header_and_groups_under_it():
    rows = [{0: "Prices 2026"}, {0: "Ticket", 1: "Adult"}, {0: "Summer"}, {0: "Swim", 1: "£6"}, {0: "Winter"},
            {0: "Swim", 1: "£5"}]
    assert labelled_table(rows, lambda i: i == 1, groups={0, 2, 4}) == [
        "Prices 2026", "Ticket: Swim (Summer); Adult: £6\nTicket: Swim (Winter); Adult: £5"]


def test_merged_rows_must_reach_the_tables_last_column():
    assert merged_rows([3, 3, 2, 3], {1, 2}) == {1}
    assert merged_rows([], set()) == set()


def test_grouped_rows_are_still_a_table_block_chunked_a_row_a_chunk_and_read_as_rows(tokenizer):
    text = "Prices for the pool.\n\n" + GROUPED + "\n\nLockers take a coin."
    assert len(table_blocks(text)) == 1
    chunks = [c.text for c in chunk_text(text, tokenizer, chunk_tokens=200, overlap_tokens=40, doc_tables=True)]
    assert all(r in chunks for r in GROUPED.splitlines())
    assert is_row(ContextItem("S1", GROUPED.splitlines()[2], source="/share/prices.docx"))


def test_a_wide_colspan_group_row_stays_within_the_tables_budgets():
    rows = "".join(f'<tr><th colspan="1000">Group {i}</th></tr><tr><td>a{i}</td><td>b{i}</td></tr>'
                   for i in range(3000))
    page = "<table><tr><th>Key</th><th>Value</th></tr>" + rows + "</table>"
    t = time.process_time()
    text = _html(page)
    assert time.process_time() - t < 10
    assert len(text) < 40 * len(page)
    first = text.splitlines()[0]
    assert first.startswith("| Key") or first.startswith("Key: a0 (Group 0)")


# Round 56 mend (reviewer readC, H2-H4, M1-M3, L3): merged rows amid ungrouped rows, a group the file did not merge,
# HTML sections and footers, sentences, a group merged down over two rows.

PRICES = [HEAD, ("Single swim", "£6.50", "£3.40"), ("Early session", "£5.00", "£2.60"), "Subtotal: £11.50",
          ("Gym", "£8.00", "£4.00"), ("Sauna", "£3.00", "£1.50")]
BUSES = [("Route", "First bus", "Last bus"), ("5", "07:10", "22:40"), "Route 5 withdrawn from 1 May",
         ("7", "06:50", "23:10"), ("9", "07:30", "21:00")]


def test_a_merged_row_amid_ungrouped_rows_is_a_row_not_a_group_of_the_rows_under_it():  # H2
    for load in (_docx, _odt):
        text = load(PRICES)
        assert "Ticket: Subtotal: £11.50\nTicket: Gym; Adult: £8.00; Child: £4.00" in text, text
        assert "Subtotal" not in text.replace("Ticket: Subtotal: £11.50", "")
        text = load(BUSES)
        assert text.splitlines() == [
            "Route: 5; First bus: 07:10; Last bus: 22:40", "Route: Route 5 withdrawn from 1 May",
            "Route: 7; First bus: 06:50; Last bus: 23:10", "Route: 9; First bus: 07:30; Last bus: 21:00"], text
    head = "<thead>" + _tr(HEAD, "th") + "</thead>"
    total = ("<table>" + head + _tr(("Swim", "£6", "£3")) + '<tr><td colspan="3">Total for swimming: £9</td></tr>'
             + _tr(("Gym", "£8", "£4")) + "</table>")
    assert _html(total) == ("Ticket: Swim; Adult: £6; Child: £3\nTicket: Total for swimming: £9\n"
                            "Ticket: Gym; Adult: £8; Child: £4")
    closed = ("<table>" + head + _tr(("Swim", "£6", "£3")) + "<tr><th>Closed Mondays</th></tr>"
              + _tr(("Gym", "£8", "£4")) + _tr(("Sauna", "£3", "£1")) + "</table>")
    assert "(Closed Mondays)" not in _html(closed)
    assert "Ticket: Closed Mondays\nTicket: Gym; Adult: £8; Child: £4" in _html(closed)


def test_a_group_typed_in_the_first_cell_only_ends_the_group_above():  # H3
    rows = [HEAD, "Summer", ("Swim", "£6.50", "£3.40"), ("Winter", "", ""), ("Swim", "£4.90", "£2.80")]
    want = ("Ticket: Swim (Summer); Adult: £6.50; Child: £3.40\nTicket: Winter\n"
            "Ticket: Swim; Adult: £4.90; Child: £2.80")
    assert _docx(rows) == want
    assert _odt(rows) == want
    page = ("<table>" + _tr(HEAD, "th") + '<tr><th colspan="3">Summer</th></tr>' + _tr(("Swim", "£6", "£3"))
            + '<tr><td colspan="2">Winter</td><td></td></tr>' + _tr(("Swim", "£5", "£2")) + "</table>")
    assert "Ticket: Swim (Summer); Adult: £5" not in _html(page)
    # a footnote between the rows does not end it, a value under another column alone neither
    rows = [{0: "Ticket", 1: "Adult", 2: "Child"}, {0: "Summer"}, {0: "Swim", 1: "£6"}, {0: "* peak days"},
            {1: "£5"}, {0: "Gym", 1: "£8"}]
    assert labelled_rows(rows, True, groups={1}) == [
        "Ticket: Swim (Summer); Adult: £6", "Adult: £5 (Summer)", "Ticket: Gym (Summer); Adult: £8", "",
        "* peak days"]


def test_html_a_lone_th_name_between_rows_is_a_row_again():  # H4 (readC's "Bob Hart", round 55)
    head = _tr(("Name", "Phone", "Room"), "th")
    bob = "<tr><th>Bob Hart</th></tr>"
    page = "<table>" + head + _tr(("Ann Lee", "4417", "B2")) + bob + _tr(("Cy Ode", "4418", "B3")) + "</table>"
    assert _html(page) == "Name: Ann Lee; Phone: 4417; Room: B2\nName: Bob Hart\nName: Cy Ode; Phone: 4418; Room: B3"
    # a table grouped by rows spanning every column: a lone narrow <th> among them is no group (a row of one
    # cell the file did not merge: it ends the group, H3)
    page = ("<table>" + head + '<tr><th colspan="3">Sales</th></tr>' + _tr(("Ann Lee", "4417", "B2")) + bob
            + _tr(("Cy Ode", "4418", "B3")) + "</table>")
    assert _html(page) == ("Name: Ann Lee (Sales); Phone: 4417; Room: B2\nName: Bob Hart\n"
                           "Name: Cy Ode; Phone: 4418; Room: B3")


def test_html_a_tbody_ends_the_group_and_a_tfoot_row_is_never_one():  # M1, M2
    head = "<thead>" + _tr(HEAD, "th") + "</thead>"
    two = ("<table>" + head + '<tbody><tr><th colspan="3">Summer</th></tr>' + _tr(("Swim", "£6", "£3")) + "</tbody>"
           "<tbody>" + _tr(("Lockers", "£1", "£1")) + "</tbody></table>")
    assert _html(two) == "Ticket: Swim (Summer); Adult: £6; Child: £3\nTicket: Lockers; Adult: £1; Child: £1"
    foot = ("<table>" + head + '<tfoot><tr><td colspan="3">Prices valid until May</td></tr></tfoot><tbody>'
            + _tr(("Swim", "£6", "£3")) + _tr(("Gym", "£8", "£4")) + "</tbody></table>")
    assert "(Prices valid until May)" not in _html(foot)
    foot_last = foot.replace("<tfoot>", "").replace("</tfoot><tbody>", "<tbody>").replace(
        "</tbody></table>", '</tbody><tfoot><tr><th colspan="3">Members half price</th></tr></tfoot></table>')
    assert "(Members half price)" not in _html(foot_last)
    # a group row last in the <thead> still titles the <tbody>'s rows
    thead = ("<table><thead>" + _tr(("Name", "Phone"), "th") + '<tr><th colspan="2">Office staff</th></tr></thead>'
             "<tbody>" + _tr(("Ann Lee", "4417")) + _tr(("Bob Hart", "4418")) + "</tbody></table>")
    assert _html(thead) == "Name: Ann Lee (Office staff); Phone: 4417\nName: Bob Hart (Office staff); Phone: 4418"


def test_a_merged_sentence_is_no_groups_name():  # M3
    head = {0: "Ticket", 1: "Adult", 2: "Child"}
    for note in ("All prices include VAT.", "Book online or at the reception desk a day ahead",
                 "Prices are per session!"):
        rows = [head, {0: note}, {0: "Swim", 1: "£6"}, {0: "Summer"}, {0: "Gym", 1: "£8"}]
        out = labelled_rows(rows, True, groups={1, 3})
        assert not any("(" in line for line in out), out  # no group written into any row
    # a one-word name ending in a stop ("Sat.") still names a group
    rows = [head, {0: "Sat."}, {0: "Swim", 1: "£6"}]
    assert labelled_rows(rows, True, groups={1}) == ["Ticket: Swim (Sat.); Adult: £6"]


def test_a_group_merged_down_over_two_rows_is_written_once():  # L3
    def build(d):
        t = d.add_table(rows=5, cols=3)
        for c, h in enumerate(HEAD):
            t.cell(0, c).text = h
            t.cell(0, c).paragraphs[0].runs[0].bold = True
        t.cell(1, 0).merge(t.cell(2, 2)).text = "Summer"
        for r, row in ((3, ("Swim", "£6", "£3")), (4, ("Gym", "£8", "£4"))):
            for c, v in enumerate(row):
                t.cell(r, c).text = v
    want = "Ticket: Swim (Summer); Adult: £6; Child: £3\nTicket: Gym (Summer); Adult: £8; Child: £4"
    assert load_docx(Path("t.docx"), docx_xml_bytes(build=build)).text == want
    cell = '<table:table-cell{}><text:p>{}</text:p></table:table-cell>'
    row = "<table:table-row>{}</table:table-row>".format
    body = ('<table:table table:name="T"><table:table-column table:number-columns-repeated="3"/>'
            "<table:table-header-rows>" + row("".join(cell.format("", h) for h in HEAD)) + "</table:table-header-rows>"
            + row(cell.format(' table:number-columns-spanned="3" table:number-rows-spanned="2"', "Summer")
                  + '<table:covered-table-cell table:number-columns-repeated="2"/>')
            + row('<table:covered-table-cell table:number-columns-repeated="3"/>')
            + row("".join(cell.format("", v) for v in ("Swim", "£6", "£3")))
            + row("".join(cell.format("", v) for v in ("Gym", "£8", "£4"))) + "</table:table>")
    assert load_odt(Path("t.odt"), ob.odt(content_xml=ob.content(body))).text == want


# Round 56 mend10 (reviewer readE): the group written into the key; H3, M2 (readE's proto for `_grouped`).

def test_a_grouped_matrix_row_carries_its_group_in_its_unlabelled_key():
    rows = [{1: "Adult", 2: "Child"}, {0: "Weekend"}, {0: "Saturday", 1: "£7", 2: "£4"}]
    assert labelled_rows(rows, True, groups={1}) == ["Saturday (Weekend); Adult: £7; Child: £4"]


def test_a_merged_last_row_of_a_grouped_table_is_no_groups_row():  # H3
    for load in (_docx, _odt):
        text = load([("Item", "Cost"), "Kitchen", ("Kettle", "£20"), "Garden", ("Hose", "£30"), "Total £50"])
        assert "Item: Total £50" in text and "(Garden)" not in text.replace("Item: Hose (Garden)", ""), text
        text = load([("Name", "Phone"), "Office", ("Ann", "4417"), "Warehouse", ("Bob", "4418"),
                     "Out of hours: 0300 123"])
        assert "Name: Out of hours: 0300 123" in text and "123 (" not in text, text


def test_a_name_with_no_other_cells_right_under_a_group_row_is_the_groups_row():  # M2
    rows = [("Name", "Role", "Phone"), "Team North", ("Bob Hart", "", ""), ("Ann Lee", "Lead", "0311"), "Team South",
            ("Cy Ode", "Driver", "0518")]
    for load in (_docx, _odt):
        assert load(rows).splitlines() == ["Name: Bob Hart (Team North)", "Name: Ann Lee (Team North); Role: Lead; "
                                           "Phone: 0311", "Name: Cy Ode (Team South); Role: Driver; Phone: 0518"]
