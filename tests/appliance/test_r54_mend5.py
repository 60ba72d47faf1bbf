"""Round 54 (mend5, reviewer readC's findings on a922f6d..7114087): a table bold all over marks no header row in a
.docx or .odt (its first row is data: `Owner: Facilities`, not `Owner: Review date`), an explicit header row still
does; a run of empty sheet rows above the decided header is held as one gap (900,000 empty `<row>`s doubled an
.xlsx's memory); an ODT table whose labelled lines give up is charged its repeat budget once, for the `a | b` lines
written. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.loaders import opendoc
from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.tablerows import TableWriter
from ragtune.appliance.ingest.loaders.word import load_docx

from . import odt_build as ob
from .ingest_helpers import docx_xml_bytes
from .test_r54_doc_tables import AFTER, BEFORE, FEES, LABELLED

KEYS = [("Owner", "Facilities"), ("Review date", "May 2026"), ("Version", "3")]
KEY_LINES = "Owner: Facilities\nReview date: May 2026\nVersion: 3"
PEOPLE = [("Ann Lee", "Sales", "London"), ("Bob Ray", "Finance", "Leeds"), ("Cy Do", "IT", "York")]
PEOPLE_BARS = "Ann Lee | Sales | London\n\nBob Ray | Finance | Leeds\n\nCy Do | IT | York"


def _between(text: str) -> str:
    assert text.startswith(BEFORE + "\n\n") and text.endswith("\n\n" + AFTER)
    return text[len(BEFORE) + 2:-len(AFTER) - 2]


# -- 1. a table bold all over marks no header row -------------------------------------------------------------------

def _docx(rows, bold_rows: set[int], how: str = "run", repeat: bool = False) -> str:
    """A DOCX table of `rows`, the text of rows `bold_rows` bold by each run's `w:b` (`how` "run") or by a bold
    paragraph style ("style"); `repeat`: its first row a repeated header row (w:tblHeader)."""
    def build(d):
        from docx.enum.style import WD_STYLE_TYPE
        from docx.oxml import OxmlElement

        style = d.styles.add_style("Cell Bold", WD_STYLE_TYPE.PARAGRAPH)
        style.font.bold = True
        d.add_paragraph(BEFORE)
        t = d.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                p = t.cell(r, c).paragraphs[0]
                run = p.add_run(v)
                if r in bold_rows and how == "run":
                    run.bold = True
                elif r in bold_rows:
                    p.style = style
        if repeat:
            t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        d.add_paragraph(AFTER)
    return _between(load_docx(Path("t.docx"), docx_xml_bytes(build=build)).text)


def test_a_docx_table_bold_all_over_has_no_header_row():
    for how in ("run", "style"):
        assert _docx(KEYS, {0, 1, 2}, how) == KEY_LINES  # was "Owner: Review date; Facilities: May 2026"
        assert _docx(PEOPLE, {0, 1, 2}, how) == PEOPLE_BARS
        assert _docx(FEES, {0}, how) == LABELLED  # only the first row bold: its header
    assert _docx(FEES, {0, 1, 2, 3}, repeat=True) == LABELLED  # a repeated header row: marked, bold or not


def test_a_docx_bold_header_over_a_row_bold_in_one_cell_is_still_a_header():
    rows = [("Fee", "Amount", "Due"), ("Joining fee", "£40", "On joining")]

    def build(d):
        d.add_paragraph(BEFORE)
        t = d.add_table(rows=2, cols=3)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                t.cell(r, c).paragraphs[0].add_run(v).bold = r == 0 or c == 0  # (row keys bold too)
        d.add_paragraph(AFTER)
    assert _between(load_docx(Path("t.docx"), docx_xml_bytes(build=build)).text) == (
        "Fee: Joining fee; Amount: £40; Due: On joining")


_BOLD_STYLE = ob.AUTO_STYLES.replace("</office:automatic-styles>", '<style:style style:name="PH" style:family='
                                     '"paragraph"><style:text-properties fo:font-weight="bold"/></style:style>'
                                     "</office:automatic-styles>")


def _odt(rows, bold_rows: set[int], header_rows: bool = False) -> str:
    def row(r, cells):
        style = ' text:style-name="PH"' if r in bold_rows else ""
        return "<table:table-row>" + "".join(f"<table:table-cell><text:p{style}>{c}</text:p></table:table-cell>"
                                             for c in cells) + "</table:table-row>"
    first = row(0, rows[0])
    first = f"<table:table-header-rows>{first}</table:table-header-rows>" if header_rows else first
    xml = (f"<text:p>{BEFORE}</text:p><table:table>{first}{''.join(row(r, c) for r, c in enumerate(rows) if r)}"
           f"</table:table><text:p>{AFTER}</text:p>")
    return _between(load_odt(Path("t.odt"), ob.odt(content_xml=ob.content(xml, _BOLD_STYLE))).text)


def test_an_odt_table_bold_all_over_has_no_header_row():
    assert _odt(KEYS, {0, 1, 2}) == KEY_LINES
    assert _odt(PEOPLE, {0, 1, 2}) == PEOPLE_BARS
    assert _odt(FEES, {0}) == LABELLED
    assert _odt(FEES, {0, 1, 2, 3}, header_rows=True) == LABELLED  # a heading row: marked, bold or not


# -- 3. a run of empty rows before the header is decided: one gap -----------------------------------------------

def test_a_run_of_empty_rows_is_held_as_one_gap():
    def lines(empties: int) -> tuple[list[str], int]:
        out: list[str] = []
        w = TableWriter(out)
        w.add({0: "Name", 1: "Qty"}, {0: True, 1: True})
        for _ in range(empties):
            w.add({}, {})
        held = len(w.held)
        w.add({0: "a", 1: "1"}, {0: True, 1: False})
        w.add({0: "b", 1: "2"}, {0: True, 1: False})
        w.close()
        return out, held
    one, held_one = lines(1)
    many, held_many = lines(5000)
    assert many == one and held_many == held_one == 2
    assert one == ["Name: a; Qty: 1", "Name: b; Qty: 2"]


# -- 4. an ODT table that is not labelled after all: its repeats charged once ------------------------------------

def test_an_odt_table_whose_labels_give_up_is_charged_its_repeats_once(monkeypatch):
    monkeypatch.setattr(opendoc, "_REPEAT_CHARS", 135_000)
    head = "".join(f"<table:table-cell><text:p>Label {i} " + "x" * 70 + "</text:p></table:table-cell>"
                   for i in range(8))
    cell = "<table:table-cell><text:p>v</text:p></table:table-cell>"
    rows = "".join('<table:table-row table:number-rows-repeated="100">' + cell * 8 + "</table:table-row>"
                   for _ in range(3))
    long = (f"<table:table><table:table-header-rows><table:table-row>{head}</table:table-row>"
            f"</table:table-header-rows>{rows}</table:table>")  # labels over 4x the cells' text: `a | b`
    plain = ("<table:table>" + '<table:table-row table:number-rows-repeated="100"><table:table-cell><text:p>row '
             "two text</text:p></table:table-cell><table:table-cell><text:p>b</text:p></table:table-cell>"
             "</table:table-row>" * 5 + "</table:table>")  # (a key/value table: `row two text: b`)
    text = load_odt(Path("h.odt"), ob.odt(f"<text:p>Intro.</text:p>{long}{plain}<text:p>End.</text:p>")).text
    assert text.count(" | ".join(["v"] * 8)) == 300  # every repeat of the long table's rows (was 138)
    assert text.count("row two text: b") == 500  # and of the next table's (was 5: its budget spent twice)
