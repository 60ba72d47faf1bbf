"""Round 56: a table's group rows (loaders/tablerows.py `_grouped`, `merged_rows`; web_tables.Grid.groups): a row
the file merges into one cell across the whole table (docx `w:gridSpan` / `w:hMerge`, odt
`table:number-columns-spanned`, HTML `<th colspan>` / `<td colspan>` over every column, a lone `<th
scope="rowgroup">`, a lone `<th>` in a table not keyed by `<th>`s) titles the rows under it: each is written with the
group's name first, under no label (`Weekend; Ticket: Adult; Price: £7`). A row whose other cells are only empty is
no group (round 55, reviewer readC: `Bob Hart` is a person with no number, not a group of the next rows). Content
invented for the tests (CC0)."""

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
GROUPED = ("Summer; Ticket: Single swim; Adult: £6.50; Child: £3.40\n"
           "Summer; Ticket: Early session; Adult: £5.00; Child: £2.60\n"
           "Winter; Ticket: Single swim; Adult: £4.90; Child: £2.80\n"
           "Winter; Ticket: Early session; Adult: £4.20; Child: £2.20")
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
    assert text == "Week 1; Day: Monday; Lead: Ruth Adler\nWeek 2; Day: Monday; Lead: Tom Becker"


def test_html_groups_by_colspan_th_per_tbody_and_rowgroup():
    head = "<thead>" + _tr(("Destination", "First bus"), "th") + "</thead>"
    by_tbody = ("<table>" + head + '<tbody><tr><th colspan="2">Weekdays</th></tr>' + _tr(("Northgate", "07:15"))
                + '</tbody><tbody><tr><th colspan="2">Saturday</th></tr>' + _tr(("Northgate", "08:40"))
                + "</tbody></table>")
    want = "Weekdays; Destination: Northgate; First bus: 07:15\nSaturday; Destination: Northgate; First bus: 08:40"
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
    assert "Bob Hart; " not in _html(keyed)
    short = ("<table>" + _tr(("Name", "Phone", "Room"), "th") + _tr(("Ann Lee", "4417", "B2"))
             + '<tr><td colspan="2">Sales</td></tr>' + _tr(("Carol Jones", "4418", "B3")) + "</table>")
    assert "Sales; " not in _html(short)


def test_a_table_whose_every_body_row_is_merged_has_no_groups_and_notes_stay_notes():
    rows = [{0: "Ticket", 1: "Price"}, {0: "Summer"}, {0: "Winter"}]
    assert labelled_rows(rows, True, groups={1, 2}) == labelled_rows(rows, True)
    # a merged footnote row is a note below the rows, a merged last row too, as before
    rows = [{0: "Ticket", 1: "Adult", 2: "Child"}, {0: "Summer"}, {0: "Swim", 1: "£6", 2: "£3"}, {0: "* VAT incl."},
            {0: "Swim", 1: "£5", 2: "£2"}, {0: "Prices from May"}]
    assert labelled_rows(rows, True, groups={1, 3, 5}) == [
        "Summer; Ticket: Swim; Adult: £6; Child: £3", "Summer; Ticket: Swim; Adult: £5; Child: £2", "",
        "* VAT incl.", "Prices from May"]


def test_two_group_rows_in_a_row_the_second_titles_and_a_groups_colon_is_no_label():
    rows = [{0: "Ticket", 1: "Adult"}, {0: "Spring"}, {0: "Zone A: centre"}, {0: "Swim", 1: "£6"}]
    assert labelled_rows(rows, True, groups={1, 2}) == ["Ticket: Spring", "Zone A - centre; Ticket: Swim; Adult: £6"]


def test_a_title_row_above_the_header_and_groups_under_it():
    rows = [{0: "Prices 2026"}, {0: "Ticket", 1: "Adult"}, {0: "Summer"}, {0: "Swim", 1: "£6"}, {0: "Winter"},
            {0: "Swim", 1: "£5"}]
    assert labelled_table(rows, lambda i: i == 1, groups={0, 2, 4}) == [
        "Prices 2026", "Summer; Ticket: Swim; Adult: £6\nWinter; Ticket: Swim; Adult: £5"]


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
    assert first.startswith("| Key") or first.startswith("Group 0; Key: a0")
