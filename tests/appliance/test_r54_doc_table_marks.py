"""Round 54 (reviewer readB's findings on tables inside documents): a table's first row is its header only where the
file marks it so (DOCX w:tblHeader or bold text, directly or by a style; ODT table:table-header-rows or bold text;
.doc sprmTTableHeader); an unmarked two-column table of short keys is written `Key: value`, others `a | b`; a header
that does not label every value (a spanning cell over a second header row) gives `a | b`; a header retyped mid-table
is left out; heading marks are no part of a label; the heading over a table goes into its first row's chunk; labels
are charged to an ODT's repeat budget. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders import opendoc
from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.tablerows import labelled_rows
from ragtune.appliance.ingest.loaders.word import load_docx
from ragtune.appliance.ingest.loaders.worddoc import load_doc

from . import doc_build as db
from . import odt_build as ob
from .ingest_helpers import docx_xml_bytes
from .test_r54_doc_tables import AFTER, BEFORE, FEES, LABELLED, _docx, _doc, _fill, _odt

KEYS = [("Owner", "Facilities"), ("Review date", "May 2026"), ("Version", "3")]
PEOPLE = [("Ann Lee", "Sales", "London"), ("Bob Ray", "Finance", "Leeds"), ("Cy Do", "IT", "York")]


def _between(text: str) -> str:
    assert text.startswith(BEFORE + "\n\n") and text.endswith("\n\n" + AFTER)
    return text[len(BEFORE) + 2:-len(AFTER) - 2]


# -- 1. a header only where the file marks one ---------------------------------------------------------------------

def test_an_unmarked_first_row_of_text_is_data_not_a_header():
    assert _between(_docx(KEYS, head=None)) == "Owner: Facilities\nReview date: May 2026\nVersion: 3"
    assert _between(_docx(PEOPLE, head=None)) == ("Ann Lee | Sales | London\n\nBob Ray | Finance | Leeds\n\n"
                                                  "Cy Do | IT | York")
    assert _between(_odt(KEYS, header_rows=False)) == "Owner: Facilities\nReview date: May 2026\nVersion: 3"
    assert _between(_odt(PEOPLE, header_rows=False)) == ("Ann Lee | Sales | London\n\nBob Ray | Finance | Leeds\n\n"
                                                         "Cy Do | IT | York")
    assert _doc(KEYS, head=False).splitlines()[1:-1] == ["", "Owner: Facilities", "Review date: May 2026",
                                                         "Version: 3", ""]
    assert _doc(PEOPLE, head=False).splitlines()[1:-1] == [" | ".join(r) for r in PEOPLE]


def test_a_header_row_marked_by_the_file_labels_the_rows():
    assert _between(_docx(FEES, head="bold")) == LABELLED
    assert _between(_docx(FEES, head="repeat")) == LABELLED
    assert _between(_odt(FEES)) == LABELLED  # table:table-header-rows
    assert _doc(FEES).splitlines()[1:-1] == ["", *LABELLED.splitlines(), ""]  # sprmTTableHeader


def test_a_docx_header_bold_by_the_table_style_first_row_and_not_by_a_plain_style():
    def build(style: str):
        def b(d):
            d.add_paragraph(BEFORE)
            _fill(d.add_table(rows=len(FEES), cols=3, style=style), FEES, head=None)
            d.add_paragraph(AFTER)
        return load_docx(Path("s.docx"), docx_xml_bytes(build=b)).text
    assert _between(build("Light Grid Accent 1")) == LABELLED  # its firstRow formatting is bold, tblLook turns it on
    assert "Fee | Amount | Due" in build("Table Grid")  # no first-row formatting


def test_an_odt_header_bold_by_its_paragraph_style_or_spans():
    bold = ob.AUTO_STYLES.replace("</office:automatic-styles>", '<style:style style:name="PH" style:family='
                                  '"paragraph"><style:text-properties fo:font-weight="bold"/></style:style>'
                                  "</office:automatic-styles>")

    def odt(first: str) -> str:
        rows = "".join("<table:table-row>" + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>"
                                                     for c in r) + "</table:table-row>" for r in FEES[1:])
        xml = (f"<text:p>{BEFORE}</text:p><table:table><table:table-row>{first}</table:table-row>{rows}</table:table>"
               f"<text:p>{AFTER}</text:p>")
        return _between(load_odt(Path("b.odt"), ob.odt(content_xml=ob.content(xml, bold))).text)
    cells = [f"<table:table-cell><text:p text:style-name=\"PH\">{c}</text:p></table:table-cell>" for c in FEES[0]]
    assert odt("".join(cells)) == LABELLED
    spans = [f"<table:table-cell><text:p><text:span text:style-name=\"T1\">{c}</text:span></text:p></table:table-cell>"
             for c in FEES[0]]
    assert odt("".join(spans)) == LABELLED
    half = spans[:2] + [f"<table:table-cell><text:p>{FEES[0][2]}</text:p></table:table-cell>"]
    assert odt("".join(half)).startswith("Fee | Amount | Due")  # one cell not bold: not marked


# -- 2. a header that does not label every value -------------------------------------------------------------------

def test_a_spanning_header_cell_over_a_second_header_row_gives_bars():
    def merge(t):
        t.cell(0, 1).merge(t.cell(0, 2)).text = "Sales"
    rows = [("Region", "Sales", ""), ("", "Q1", "Q2"), ("North", "10", "20"), ("South", "30", "40")]
    text = _between(_docx(rows, merge=merge))
    assert "Sales:" not in text and "North | 10 | 20" in text and "South | 30 | 40" in text
    assert labelled_rows([{0: "Fee", 1: "Amount"}, {0: "Joining", 1: "£40", 2: "cash"}], True) is None


# -- 5., 6. a header retyped mid-table; heading marks ------------------------------------------------------------

def test_a_header_retyped_mid_table_is_left_out_and_heading_marks_are_no_part_of_a_label():
    rows = [("Name", "Ext"), ("Ann", "201"), ("Bob", "202"), ("Name", "Ext"), ("Cy", "203")]
    assert _between(_docx(rows)) == "Name: Ann; Ext: 201\nName: Bob; Ext: 202\nName: Cy; Ext: 203"

    def headed(d):
        d.add_paragraph(BEFORE)
        t = d.add_table(rows=3, cols=2)
        for r, row in enumerate([("Fee", "Amount"), ("Joining", "£40"), ("Annual", "£180")]):
            for c, v in enumerate(row):
                t.cell(r, c).text = v
                if r == 0:
                    t.cell(r, c).paragraphs[0].style = d.styles["Heading 3"]  # bold by its style: marked
        d.add_paragraph(AFTER)
    text = load_docx(Path("h.docx"), docx_xml_bytes(build=headed)).text
    assert _between(text) == "Fee: Joining; Amount: £40\nFee: Annual; Amount: £180"


# -- 7. a .doc read without paragraph properties -------------------------------------------------------------------

def test_a_doc_without_paragraph_properties_gets_no_key_value_lines():
    table = "".join("\x07".join(r) + "\x07" + db.ROW for r in [("Owner", "Facilities"), ("Review", "May\rJune")])
    raw = db.word_doc(BEFORE + "\r" + table + AFTER + "\r", papx=False)
    text = load_doc(Path("p.doc"), raw).text
    assert "Owner: " not in text and "Owner | Facilities" in text


# -- 3. the heading over a table goes with its first row ------------------------------------------------------

def test_the_heading_over_a_table_is_in_its_first_rows_chunk(tokenizer):
    def two(d):
        d.add_paragraph(BEFORE)
        for y, a in (("2024", "£170"), ("2025", "£180")):
            d.add_heading(f"{y} fees", 2)
            _fill(d.add_table(rows=3, cols=2), [("Fee", "Amount"), ("Annual", a), ("Joining", "£40")])
        d.add_paragraph("Table 3: lockers")
        _fill(d.add_table(rows=3, cols=2), [("Fee", "Amount"), ("Small locker", "£30"), ("Large locker", "£45")])
        d.add_heading("Hours", 2)  # a table like no other: its heading stays prose's (it outranked the other rows)
        _fill(d.add_table(rows=3, cols=2), [("Day", "Open"), ("Monday", "9-5"), ("Sunday", "Closed")])
    text = load_docx(Path("two.docx"), docx_xml_bytes(build=two)).text
    chunks = chunk_text(text, tokenizer, doc_tables=True)
    assert [c.text for c in chunks] == [BEFORE, "## 2024 fees\n\nFee: Annual; Amount: £170",
                                        "Fee: Joining; Amount: £40", "## 2025 fees\n\nFee: Annual; Amount: £180",
                                        "Fee: Joining; Amount: £40",
                                        "Table 3: lockers\n\nFee: Small locker; Amount: £30",
                                        "Fee: Large locker; Amount: £45", "## Hours", "Day: Monday; Open: 9-5",
                                        "Day: Sunday; Open: Closed"]
    assert [c.ord for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert text[c.start_char:c.end_char] == c.text
    # a sentence or a paragraph's last line above a table is prose's
    for above in ("The fees are set each spring.", "First line\nsecond line"):
        t = f"{LABELLED}\n\n{above}\n\n{LABELLED}"
        assert chunk_text(t, tokenizer, doc_tables=True)[3].text == above


# -- 4. labels within the ODT repeat budget -------------------------------------------------------------------

def test_labels_on_repeated_odt_rows_are_charged_to_the_repeat_budget(monkeypatch):
    monkeypatch.setattr(opendoc, "_REPEAT_CHARS", 50_000)
    head = "".join(f"<table:table-cell><text:p>Label {i} " + "x" * 54 + "</text:p></table:table-cell>"
                   for i in range(10))
    cell = "<table:table-cell><text:p>abcdefghijklmnopqrst</text:p></table:table-cell>"
    rows = "".join('<table:table-row table:number-rows-repeated="100">' + cell.replace("abcd", f"{k:04d}") * 10 +
                   "</table:table-row>" for k in range(40))
    xml = (f"<text:p>Intro.</text:p><table:table><table:table-header-rows><table:table-row>{head}</table:table-row>"
           f"</table:table-header-rows>{rows}</table:table><text:p>End.</text:p>")
    text = load_odt(Path("h.odt"), ob.odt(xml)).text
    first = 40 * (10 * (60 + 2 + 20) + 9 * 2 + 1)  # each row once, labelled
    assert len(text) <= 50_000 + first + 1000
    assert "Label 0 " in text
