"""Round 59 (mend4): a document table's rows each carry the nearest heading above the table and its caption, written
into the row's key as a group's name is (loaders/tabletitles.py on tablegroups.in_group): a price list's "Health Club"
rows read `Plan: Cat; Per month: £13.50` and "how much is the health club for a cat" was served the nurse-clinic row
that names the club. HTML, DOCX, ODT and DOC are read so (their loaders as the dispatch holds them, `LOADERS`); CSV
and XLSX rows are not (no heading: the file's title is searched and embedded with every chunk). Content invented for
the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders import LOADERS, load_file
from ragtune.appliance.ingest.loaders.tabletitles import titled_rows
from ragtune.appliance.ingest.table_chunks import doc_chunks, table_blocks

from . import odt_build as ob
from .ingest_helpers import docx_xml_bytes, real_tokenizer

ROWS = "Plan: Cat; Per month: £13.50\nPlan: Dog; Per month: £15.75"


def _html(body: str, title: str = "Surgery prices") -> str:
    page = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    return LOADERS["html"](Path("prices.html"), page.encode()).text


def _table(head, *rows) -> str:
    th = "".join(f"<th>{c}</th>" for c in head)
    return f"<table><tr>{th}</tr>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>"
                                             for r in rows) + "</table>"


def test_each_html_row_carries_the_heading_above_its_table():
    text = _html("<h1>Surgery prices</h1><h2>Consultations</h2>" + _table(("Service", "Price"), ("Nurse clinic",
                 "£18.00"), ("Home visit", "£85.00")) + "<h2>Pet Health Club (monthly)</h2><p>Paid by direct debit."
                 "</p>" + _table(("Plan", "Per month"), ("Cat", "£13.50"), ("Dog", "£15.75")))
    assert "Service: Nurse clinic (Consultations); Price: £18.00\nService: Home visit (Consultations); Price: £85.00" \
        in text
    # the heading's own brackets move to its end, as a group name's do; prose between heading and table is no bar
    assert "Plan: Cat (Pet Health Club (monthly)); Per month: £13.50\nPlan: Dog (Pet Health Club (monthly))" in text


def test_a_caption_is_carried_too_and_the_documents_title_is_not():
    text = _html("<h1>Surgery prices</h1>" + _table(("Plan", "Per month"), ("Cat", "£13.50"), ("Dog", "£15.75"))
                 + "<h2>Lessons</h2>" + "<table><caption>Table 2: Swim fees</caption><tr><th>Ticket</th><th>Price"
                 "</th></tr><tr><td>Adult</td><td>£5</td></tr><tr><td>Child</td><td>£3</td></tr></table>")
    assert ROWS in text  # under the page's title only: every chunk is searched and embedded with it already
    assert "Ticket: Adult (Lessons - Table 2 - Swim fees); Price: £5" in text


def test_a_heading_that_is_a_sentence_or_in_code_is_not_carried():
    assert titled_rows(f"## Prices include VAT and are due on booking\n\n{ROWS}\n") == f"## Prices include VAT and " \
        f"are due on booking\n\n{ROWS}\n"  # a clause: a note, not a name
    fenced = f"```\n# setup\n```\n\n{ROWS}\n"
    assert titled_rows(fenced) == fenced
    assert titled_rows(f"## What does the club cost?\n\n{ROWS}") == f"## What does the club cost?\n\n{ROWS}"


def test_a_matrix_row_is_keyed_by_its_first_part():
    text = "## Season tickets\n\nAdult; Peak: £120; Off-peak: £95\nChild; Peak: £60; Off-peak: £45"
    assert titled_rows(text).endswith("Adult (Season tickets); Peak: £120; Off-peak: £95\n"
                                      "Child (Season tickets); Peak: £60; Off-peak: £45")


def test_text_without_a_table_block_is_returned_as_is():
    text = "## Opening hours\n\nWe open at nine.\nName: Ann\nPhone: 5550"
    assert titled_rows(text) is text


def test_what_titles_add_is_bounded():
    row = "A: x; B: y"
    text = f"## {'Long heading words here'}\n\n" + "\n".join([row] * 40_000)
    out = titled_rows(text)
    assert len(out) - len(text) <= 65536 + len(text)


def test_docx_and_odt_rows_carry_their_heading():
    def build(d):
        d.add_heading("Opening times", level=1)  # (the document's title: not carried)
        d.add_heading("Branch opening hours", level=2)
        t = d.add_table(rows=3, cols=2)
        for r, (a, b) in enumerate([("Branch", "Saturday"), ("Central", "9:00-17:00"), ("Northgate", "closed")]):
            t.cell(r, 0).text, t.cell(r, 1).text = a, b
            if not r:
                for c in (0, 1):
                    t.cell(r, c).paragraphs[0].runs[0].bold = True
    docx = LOADERS["docx"](Path("hours.docx"), docx_xml_bytes(build=build)).text
    assert "Branch: Central (Branch opening hours); Saturday: 9:00-17:00" in docx

    def row(cells):
        return "<table:table-row>" + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>"
                                             for c in cells) + "</table:table-row>"
    body = ('<text:h text:outline-level="2">Locker hire</text:h><table:table table:name="T"><table:table-column '
            'table:number-columns-repeated="2"/><table:table-header-rows>' + row(("Size", "Per term"))
            + "</table:table-header-rows>" + row(("Small", "£12")) + row(("Large", "£20")) + "</table:table>")
    odt = LOADERS["odt"](Path("lockers.odt"), ob.odt(content_xml=ob.content(body))).text
    assert "Size: Small (Locker hire); Per term: £12\nSize: Large (Locker hire); Per term: £20" in odt


def test_each_row_chunk_holds_the_heading(tmp_path):
    page = tmp_path / "club.html"
    page.write_text("<h2>Pet Health Club</h2>" + _table(("Plan", "Per month"), ("Cat", "£13.50"), ("Dog", "£15.75"),
                                                        ("Rabbit", "£9.90")), encoding="utf-8")
    text = load_file(page).text
    assert len(table_blocks(text)) == 1
    chunks = doc_chunks(text, real_tokenizer(), chunk_text, chunk_tokens=200, overlap_tokens=20, max_seq_len=256)
    rows = [c.text for c in chunks if "Per month" in c.text]
    assert len(rows) == 3 and all("Pet Health Club" in r for r in rows)
    assert all(text[c.start_char:c.end_char] == c.text for c in chunks)


def test_csv_rows_are_not_changed(tmp_path):
    f = tmp_path / "club_prices.csv"
    f.write_text("Plan,Per month\nCat,£13.50\nDog,£15.75\n", encoding="utf-8")
    doc = load_file(f)
    assert doc.title == "club prices" and "Plan: Cat; Per month: £13.50" in doc.text


def test_a_list_item_above_a_table_is_no_caption():
    text = "## Steps\n\n- Bring gloves\n\nItem: Valve; Cost: 5\nItem: Total; Cost: 9"
    out = titled_rows(text)
    assert "Item: Valve (Steps); Cost: 5" in out and "Bring gloves)" not in out


def test_a_heading_far_above_still_names_its_sections_table():
    # the section's heading, after other paragraphs: the table is still that section's
    text = ("## Parking permits\n\nPermits are issued by the front desk.\n\nAsk Dana if the desk is closed.\n\n"
            "Type: Resident; Price: £40\nType: Visitor; Price: £5")
    assert "Type: Resident (Parking permits); Price: £40" in titled_rows(text)


def test_a_table_with_no_heading_or_caption_is_unchanged():
    text = "Some words first, as a sentence.\n\nType: Resident; Price: £40\nType: Visitor; Price: £5"
    assert titled_rows(text) == text
