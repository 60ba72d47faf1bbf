"""Round 55: an HTML table under a header row the page marks (<th> cells, a <thead>) is written as a document's table
is, `Label: value; …` a row a line in a block of its own (loaders/web_tables.py on tablerows.labelled_rows), and
chunked a row a chunk (chunker.DOC_TABLE_KINDS); other tables as before. Content invented for the tests (CC0)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from ragtune.appliance.config import Settings
from ragtune.appliance.extractive import is_row
from ragtune.appliance.home import Home
from ragtune.appliance.ingest import chunker, ingest_paths
from ragtune.appliance.ingest.chunker import DOC_TABLE_KINDS, chunk_text
from ragtune.appliance.ingest.loaders import LOADER_VERSIONS
from ragtune.appliance.ingest.loaders.web import html5_eof, load_html, page_text
from ragtune.appliance.ingest.loaders.web_tables import MAX_CHARS, span
from ragtune.appliance.types import ContextItem

PROSE = "<p>The leisure centre's prices were agreed by the council in March and apply from April.</p>"
FEES = ("<table><caption>Season tickets</caption><tr><th>Ticket</th><th>Season</th><th>Monthly</th></tr>"
        "<tr><td>Adult</td><td>£120</td><td>£95</td></tr><tr><td>Child</td><td>£60</td><td></td></tr>"
        "<tr><td>Senior</td><td>£80</td><td>£70</td></tr></table>")
LABELLED = ("Ticket: Adult; Season: £120; Monthly: £95\nTicket: Child; Season: £60\n"
            "Ticket: Senior; Season: £80; Monthly: £70")


def _text(body: str) -> str:
    return load_html(Path("page.html"), f"<html><body>{body}</body></html>".encode()).text


def test_a_th_header_row_labels_the_rows_in_a_block_of_their_own_the_prose_as_before():
    text = _text(PROSE + FEES + PROSE)
    prose = "The leisure centre's prices were agreed by the council in March and apply from April."
    assert text == f"{prose}\n\nSeason tickets\n\n{LABELLED}\n\n{prose}"  # (an empty cell left out)


def test_a_thead_marks_the_header_even_with_cells_and_rows_left_open():
    text = _text("<table><thead><tr><td>Name<td>Extension</thead><tbody><tr><td>Maria Gomez<td>4417"
                 "<tr><td>Tom Reilly<td>4418</tbody></table>")
    assert text == "Name: Maria Gomez; Extension: 4417\nName: Tom Reilly; Extension: 4418"


def test_a_grid_with_an_empty_corner_labels_its_columns_and_keeps_each_rows_header():
    text = _text("<table><tr><th></th><th>Peak</th><th>Off-peak</th></tr><tr><th>Adult</th><td>£4.50</td>"
                 "<td>£3.20</td></tr><tr><th>Child</th><td>£2.50</td><td>£1.80</td></tr></table>")
    assert text == "Adult; Peak: £4.50; Off-peak: £3.20\nChild; Peak: £2.50; Off-peak: £1.80"


def test_unmarked_tables_two_columns_of_short_keys_are_pairs_others_as_before():
    pairs = _text("<table><tr><th>Phone</th><td>01632 960 111</td></tr><tr><th>Email</th><td>desk@example.org"
                  "</td></tr></table>")
    assert pairs == "Phone: 01632 960 111\nEmail: desk@example.org"
    # row headers over unnamed columns, a first row of data: `a | b` rows, the form stored so far
    assert _text("<table><tr><th>Mon</th><td>9:00</td><td>17:00</td></tr><tr><th>Tue</th><td>9:00</td>"
                 "<td>17:30</td></tr></table>") == "| Mon | 9:00 | 17:00\n\n| Tue | 9:00 | 17:30"
    assert _text("<table><tr><td>Room</td><td>Day</td><td>Tutor</td></tr><tr><td>Cedar</td><td>Mon</td>"
                 "<td>Ann</td></tr></table>") == "| Room | Day | Tutor\n\n| Cedar | Mon | Ann"


@pytest.mark.parametrize("table", [
    "<table><tr><th>A</th><th>B</th><th>C</th></tr><tr><th>x</th><th>y</th><th>z</th></tr></table>",  # th all over
    "<table><tr><th colspan=2>2025</th><th>Due</th></tr><tr><th>Fee</th><th>Amount</th><th>Date</th></tr>"
    "<tr><td>Joining</td><td>£40</td><td>May</td></tr></table>",  # two header rows
    "<table><tr><th>Fee</th><th>Amount</th></tr><tr><td>Joining</td><td>£40</td><td>extra</td></tr></table>",  # past
    "<table><tr><th>Fee</th><th></th></tr><tr><td>Joining</td><td>£40</td></tr></table>",  # a value under no label
    "<table><tr><th>Fee</th><th>Fee</th></tr><tr><td>Joining</td><td>£40</td></tr></table>",  # labels alike
    "<table><tr><th>Fee</th><th>Amount</th></tr></table>",  # a header alone
    "<table role=presentation><tr><th>Fee</th><th>Amount</th></tr><tr><td>Joining</td><td>£40</td></tr></table>",
    "<table><tr><th>Fee</th><th>Amount</th></tr>stray words<tr><td>Joining</td><td>£40</td></tr></table>",
])
def test_tables_not_labelled_stay_bar_rows(table):
    text = _text(table)
    assert ": " not in text.replace("role", "") and "| " in text


def test_a_layout_table_is_paragraphs_and_a_data_table_nested_in_it_is_labelled():
    story = "word " * 100
    text = _text(f"<table><tr><th>Menu</th><th>Story</th></tr><tr><td><a>Home</a></td><td><h2>News</h2><p>{story}"
                 "</p></td></tr></table>")
    assert "Menu: " not in text and "## News" in text
    text = _text("<table><tr><td><table><tr><th>Fee</th><th>Amount</th></tr><tr><td>Joining</td><td>£40</td></tr>"
                 "<tr><td>Locker</td><td>£30</td></tr></table></td><td>Side note</td></tr></table>")
    assert "Fee: Joining; Amount: £40\nFee: Locker; Amount: £30" in text and "Side note" in text


def test_spanned_cells_read_whole_in_each_row():
    text = _text("<table><tr><th>Day</th><th>Shift</th><th>Staff</th></tr><tr><td rowspan='2'>Monday</td>"
                 "<td>Early</td><td>Ann</td></tr><tr><td>Late</td><td>Bob</td></tr><tr><td colspan=2>Tuesday</td>"
                 "<td>Cy</td></tr></table>")
    assert text == ("Day: Monday; Shift: Early; Staff: Ann\nDay: Monday; Shift: Late; Staff: Bob\n"
                    "Day: Tuesday; Staff: Cy")
    assert [span(v) for v in (None, "", "0", "3", " 2x", "-1", "9" * 12, "²", "3²")] == [1, 1, 1, 3, 2, 1, 1000, 1, 3]


def test_a_table_left_open_at_the_end_of_the_page_is_labelled_and_a_mail_body_is_not():
    page = "<table><tr><th>Fee</th><th>Amount</th></tr><tr><td>Joining</td><td>£40</td></tr><tr><td>Locker<td>£30"
    assert _text(page) == "Fee: Joining; Amount: £40\nFee: Locker; Amount: £30"
    text, _ = page_text(html5_eof(page))  # (mail.py's call: a mail's HTML body reads as before)
    assert "| Fee | Amount" in text and "Fee: " not in text


def test_a_rowspan_cannot_multiply_a_pages_text():
    cell = "x" * 1000
    page = f"<table><tr><th>A</th><th>B</th></tr><tr><td rowspan=65534>{cell}</td><td>1</td></tr>" + \
        "<tr><td>2</td></tr>" * 5000 + "</table>"
    t0 = time.process_time()
    text = _text(page)
    assert time.process_time() - t0 < 10
    assert len(text) < 200_000 and "A: " not in text  # past MAX_CHARS held: `a | b`, each copy not written
    assert MAX_CHARS < 5 * 1000 * 5000


def test_html_rows_chunked_a_row_a_chunk_and_read_by_the_row_rule(tokenizer):
    text = _text(PROSE + FEES + PROSE)
    chunks = [c.text for c in chunk_text(text, tokenizer, chunk_tokens=200, overlap_tokens=40, doc_tables=True)]
    assert all(r in chunks for r in LABELLED.splitlines())
    assert "html" in DOC_TABLE_KINDS and DOC_TABLE_KINDS.isdisjoint(chunker.TABLE_KINDS)
    assert LOADER_VERSIONS["html"] >= 14 and LOADER_VERSIONS["doc"] >= 5
    assert is_row(ContextItem("S1", LABELLED.splitlines()[0], source="/share/prices.html"))
    assert not is_row(ContextItem("S1", "Season tickets", source="/share/prices.html"))
    assert not is_row(ContextItem("S1", "| Adult | £120 | £95", source="/share/prices.html"))


def test_pipeline_chunks_an_html_tables_rows_one_a_chunk(tmp_path, fake):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "prices.html").write_text(f"<html><body>{PROSE}{FEES}{PROSE}</body></html>", encoding="utf-8")
    settings = Settings(home=Home(tmp_path / "home"))
    assert ingest_paths(settings, [docs], embedder=fake).added == 1
    from ragtune.appliance.store import Store

    with Store(settings.home.db_path) as st:
        texts = [t for _, _, _, t in st.iter_chunk_texts(None)]
    # the row, alone in its chunk (round 59: with its caption in its key, loaders/tabletitles.py)
    assert texts.count("Ticket: Adult (Season tickets); Season: £120; Monthly: £95") == 1


def test_a_web_page_saved_as_doc_reads_its_tables_so_too():
    from ragtune.appliance.ingest.loaders.worddoc import load_doc

    doc = load_doc(Path("prices.doc"), f"<html><body>{PROSE}{FEES}</body></html>".encode())
    assert doc.kind == "doc" and LABELLED in doc.text  # (doc 5: a kind in DOC_TABLE_KINDS, chunked a row a chunk)


def test_a_table_opened_among_another_tables_rows_keeps_all_the_text():  # (review: the inner text was cut away)
    head = "<table><tr><th>Name</th><th>Ext</th></tr><tr><td>Ann</td><td>11</td></tr>"
    text = _text(head + "<table><tr><th>Room</th><th>Floor</th></tr><tr><td>Oak</td><td>2</td></tr><tr><td>Elm</td>"
                 "<td>3</td></tr></table></table>")
    assert "| Name | Ext\n\n| Ann | 11" in text and "Room: Oak; Floor: 2\nRoom: Elm; Floor: 3" in text
    text = _text(head + "<div><table><tr><td>x</td><td>y</td></tr><tr><td>z</td><td>w</td></tr></table></div>")
    assert all(w in text for w in ("Ann", "11", "x", "y", "z", "w"))
    assert _text(head * 50).count("Ann") == 50  # `</table>` left out each time


@pytest.mark.parametrize("table", [
    "<tr><td>Name</td><td>Extension</td></tr><tr><td>Ann Lee</td><td>4417</td></tr>",  # a header not marked
    "<tr><td><b>Team</b></td><td><b>Captain</b></td></tr><tr><td>Reds</td><td>Ann</td></tr>",
    "<tr><td>Apples</td><td>Pears</td></tr><tr><td>Plums</td><td>Figs</td></tr>",
    "<thead><tr><th>Site</th><th>Open</th></tr><tr><th>Main</th><th>9</th></tr></thead>"
    "<tr><td>Pool</td><td>9</td></tr>",  # two header rows
    "<thead><tr><th>Name</th><th>Ext</th></tr><tr><td>Ann</td><td>11</td></tr><tr><td>Bob</td><td>12</td></tr>",
    # (a `<th colspan=2>Adults</th>` row under the header: a group row since round 56, test_r56_group_rows.py)
    "<tr><th>Phone</th><th>01632</th></tr><tr><th>Email</th><th>desk@x</th></tr>",  # th all over
])
def test_two_columns_are_key_value_pairs_only_under_row_headers(table):
    text = _text(f"<table>{table}</table>")
    assert ": " not in text and "| " in text


def test_a_cell_spanning_rows_and_columns_keeps_the_next_rows_cells_in_their_columns():
    text = _text("<table><tr><th>Day</th><th>Morning</th><th>Afternoon</th><th>Coach</th></tr><tr><td>Mon</td>"
                 "<td colspan=2 rowspan=2>Closed for works</td><td>Ann</td></tr><tr><td>Tue</td><td>Bob</td></tr>"
                 "</table>")
    assert text == ("Day: Mon; Morning: Closed for works; Coach: Ann\n"
                    "Day: Tue; Morning: Closed for works; Coach: Bob")


def test_many_empty_cells_spanning_rows_stay_small():
    import tracemalloc
    page = "<table><tr><th>A</th><th>B</th></tr><tr>" + "<td rowspan=1000></td>" * 20000 + "</tr>" + \
        "<tr><td>y</td></tr>" * 1000 + "</table>"
    tracemalloc.start()
    try:
        text = _text(page)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000 and text.count("| y") == 1000  # (round 55 before this: 1.2 GB)


def test_copies_of_cells_spanning_rows_are_bounded_by_the_tables_own_text():
    txt = ("lorem ipsum dolor " * 22)[:390]
    one = ("<table><tr>" + "".join(f"<th>C{i}</th>" for i in range(6)) + "</tr><tr>" +
           f"<td rowspan=1000>{txt}</td>" * 5 + "<td>y</td></tr>" + "<tr><td>y</td></tr>" * 999 + "</table>")
    text = _text(one * 3)
    assert len(text) < 3 * len(one) and "C0: " not in text  # (before: 94 times the page)
    # a page of many small tables under long labels: the page's room for labels is spent, the rest `a | b`
    head = "".join(f"<th>{'L' * 70}{i}</th>" for i in range(8))
    small = f"<table><tr>{head}</tr>" + ("<tr>" + "<td>1</td>" * 8 + "</tr>") * 60 + "</table>"
    page = small * 60
    text = _text(page)
    assert len(text) < 4 * len(page) and "| 1 | 1" in text and "L0: 1" in text


def test_a_cell_hidden_but_by_display_keeps_its_place_in_the_row():
    for style in ("visibility:hidden", "color:#fff;background:#fff"):
        text = _text(f"<table><tr><th>Name</th><th>Dept</th><th>Ext</th></tr><tr><td>Ann</td><td style='{style}'>"
                     "Sales</td><td>11</td></tr><tr><td>Bob</td><td>HR</td><td>12</td></tr></table>")
        assert text == "Name: Ann; Ext: 11\nName: Bob; Dept: HR; Ext: 12"


def test_rowspan_0_spans_its_section_and_a_header_cell_spanning_into_data_is_not_labelled():
    text = _text("<table><tr><th>Day</th><th>Shift</th></tr><tbody><tr><td rowspan=0>Mon</td><td>Early</td></tr>"
                 "<tr><td>Late</td></tr></tbody><tbody><tr><td>Tue</td><td>Early</td></tr></tbody></table>")
    assert text == "Day: Mon; Shift: Early\nDay: Mon; Shift: Late\nDay: Tue; Shift: Early"
    text = _text("<table><tr><th rowspan=2>Name</th><th>Ext</th></tr><tr><td>11</td></tr><tr><td>Bob</td>"
                 "<td>12</td></tr></table>")
    assert text == "| Name | Ext\n\n| 11\n\n| Bob | 12"


def test_a_row_of_cells_spanning_far_both_ways_gives_up_the_labels_before_holding_their_columns():
    # (review: a row of 10,000 `colspan=1000 rowspan=1000` cells, a 0.35 MB page, held 10 million spanned columns
    # before the table's cell budget was checked at the row's end: 6 s, 2.1 GB; now checked before each is held)
    import tracemalloc
    page = "<table><tr><th>A</th><th>B</th></tr><tr>" + "<td colspan=1000 rowspan=1000></td>" * 10000 + "</tr>" + \
        "<tr><td>y</td></tr>" * 10 + "</table>"
    t0 = time.process_time()
    tracemalloc.start()
    try:
        text = _text(page)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - t0 < 10 and peak < 60_000_000
    assert text == "| A | B\n\n" + "\n\n".join(["| y"] * 10)  # (the grid given up: `a | b` rows, as before)
