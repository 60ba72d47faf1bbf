"""Round 53: a slide's table under a header row is written a row a line with its column labels (`Label: value;
Label: value`, as a sheet's rows: loaders/tablerows.py doc_rows, the header found by the sheets' own rule); tables
without a header, one-column tables and tables holding prose read as before (`a | b`). HTML tables are unchanged
(their `| a | b` rows are the built-in corpus's evidence: tests/models/test_corpus.py)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.loaders.slides import load_pptx
from ragtune.appliance.ingest.loaders.tablerows import doc_rows
from ragtune.appliance.ingest.loaders.web import load_html

from .pptx_build import Slide, pptx, table, title


def slide_text(rows: list[list[str]], merged: tuple[int, int] | None = None) -> str:
    return load_pptx(Path("t.pptx"), pptx([Slide([title("Restore tests"), table(rows, merged=merged)])])).text


def test_slide_tables_under_a_header_row_are_labelled_and_the_header_row_is_not_written_alone():
    text = slide_text([["Quarter", "Restore test date"], ["Q1", "12 March"], ["Q2", "11 June"]])
    assert text == ("## Slide 1: Restore tests\n\nQuarter: Q1; Restore test date: 12 March\n"
                    "Quarter: Q2; Restore test date: 11 June")


def test_slide_tables_without_a_header_read_as_before():
    assert slide_text([["2024", "12"], ["2025", "14"]]).endswith("2024 | 12\n2025 | 14")  # numbers: data, no header
    assert doc_rows([{0: "Names"}, {0: "Ann"}]) == ["Names", "Ann"]  # one column: a list
    assert doc_rows([{0: "Only", 1: "row"}]) == ["Only | row"]  # nothing under it
    assert doc_rows([{0: "A", 1: "A"}, {0: "1", 1: "2"}]) == ["A | A", "1 | 2"]  # labels repeat: not a header


def test_layout_tables_with_a_cell_of_prose_read_as_before():
    long = "word " * 100
    assert doc_rows([{0: "Topic", 1: "Text"}, {0: "a", 1: long}]) == ["Topic | Text", f"a | {long}"]


def test_merged_cells_and_an_empty_header_cell():
    text = slide_text([["Region", "Q1", "Q2"], ["EMEA", "4.1 M", "4.4 M"], ["Total of both", "covered", "8.5 M"]],
                      merged=(2, 0))
    assert text.endswith("Region: EMEA; Q1: 4.1 M; Q2: 4.4 M\nRegion: Total of both; Q2: 8.5 M")  # gridSpan: once
    assert slide_text([["", "Q1", "Q2"], ["Sales", "4", "5"]]).endswith("\nSales; Q1: 4; Q2: 5")


def test_html_tables_under_a_th_row_are_labelled_since_round_55():  # (loaders/web_tables.py; unchanged in round 53)
    page = b"<table><tr><th>Service</th><th>Price</th></tr><tr><td>Same-day</td><td>29 euros</td></tr></table>"
    assert load_html(Path("t.html"), page).text == "Service: Same-day; Price: 29 euros"
