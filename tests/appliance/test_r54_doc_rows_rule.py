"""Round 54: a chunk of a .docx, .odt or .doc that is one labelled row of a table inside it (ingest/table_chunks.py
doc_chunks: a row a chunk) gets the row rule (tablematch.key_rows) and the cell cut (extractive.cell_span) as a
spreadsheet's row does; the prose around the table, and every source of another kind, never do
(extractive.is_row). Content invented for the tests (CC0)."""
from __future__ import annotations

import pytest

from ragtune.appliance.extractive import cell_span, extractive_sources, is_row
from ragtune.appliance.types import ContextItem

ROWS = [f"Grade: Grade {g}; Daily allowance: £{d}; Hotel limit per night: £{h}; Rail class: {r}"
        for g, d, h, r in [(3, 30, 95, "Standard"), (5, 42, 120, "Standard"), (6, 48, 135, "Standard")]]
PROSE = "The daily allowance covers meals and incidental costs; alcohol is not reimbursed."
QUESTION = "What is the daily allowance for grade 5 staff?"


def _ctx(source: str, texts: list[str]) -> list[ContextItem]:
    return [ContextItem(f"S{i}", t, source=source) for i, t in enumerate(texts, start=1)]


@pytest.mark.parametrize("source", ["/share/travel.docx", "/share/travel.odt", "/share/TRAVEL.DOC",
                                    "/share/travel.html"])  # (html: round 55, loaders/web_tables.py)
def test_a_labelled_row_of_a_document_is_a_row(source):
    assert is_row(ContextItem("S1", ROWS[0], source=source))
    assert is_row(ContextItem("S1", "Term: Quorum; Meaning: The minimum number of members.", source=source))


@pytest.mark.parametrize("text", [
    PROSE,  # prose
    "Note: bring your receipts.",  # one labelled cell: a sentence with a colon, not a row
    "## Allowances by grade\n" + ROWS[0],  # more than one line: not a chunk of a table block
    ROWS[0] + "\n" + ROWS[1],
    "Claims are made monthly.\n\nDaily allowance: £30; Hotel limit: £95",
    "",
])
def test_the_prose_of_a_document_is_not_a_row(text):
    assert not is_row(ContextItem("S1", text, source="/share/travel.docx"))


@pytest.mark.parametrize("source", ["/share/travel.md", "/share/travel.txt", "/share/travel.eml",
                                    "/share/travel.pdf", "/share/travel.rtf", "/share/travel.pptx",
                                    "/data/scifact/corpus.jsonl#4983", "", "/share/travel"])
def test_a_source_of_another_kind_never_becomes_a_table(source):
    assert not is_row(ContextItem("S1", ROWS[1], source=source))
    ctx = _ctx(source, [ROWS[2], ROWS[1], ROWS[0]])
    assert extractive_sources(ctx, QUESTION) == extractive_sources(ctx)
    assert cell_span("£42; Hotel limit per night: £120", ctx) == "£42; Hotel limit per night: £120"


@pytest.mark.parametrize("source", ["/share/travel.xlsx", "/share/travel.csv", "/share/travel.ods"])
def test_a_spreadsheet_chunk_is_a_row_by_its_kind_alone(source):
    assert is_row(ContextItem("S1", ROWS[0], source=source))
    assert is_row(ContextItem("S1", "## Sheet: Grades\n" + ROWS[0], source=source))  # as before: by kind


def test_the_row_rule_keeps_the_named_rows_of_a_document_and_its_prose():
    ctx = _ctx("/share/travel.odt", [ROWS[2], ROWS[1], PROSE, ROWS[0]])
    assert [cid for cid, _ in extractive_sources(ctx, QUESTION)] == ["S2", "S3"]  # grade 6's £48 left out
    # no row's key named: nothing left out
    assert extractive_sources(ctx, "What does the daily allowance cover?") == extractive_sources(ctx)


def test_the_row_rule_on_a_document_matches_a_spreadsheets():
    texts = [ROWS[2], ROWS[1], ROWS[0]]
    for question in (QUESTION, "Which rail class may grade 3 use?", "What is the hotel limit for grade 6?"):
        doc = [cid for cid, _ in extractive_sources(_ctx("/share/t.docx", texts), question)]
        sheet = [cid for cid, _ in extractive_sources(_ctx("/share/t.xlsx", texts), question)]
        assert doc == sheet and len(doc) == 1


def test_the_row_rule_mixes_spreadsheet_rows_document_rows_and_prose():
    ctx = [ContextItem("S1", ROWS[2], source="/share/a.docx"), ContextItem("S2", PROSE, source="/share/a.docx"),
           ContextItem("S3", ROWS[1], source="/share/a.docx"), ContextItem("S4", ROWS[0], source="/share/b.md")]
    assert [cid for cid, _ in extractive_sources(ctx, QUESTION)] == ["S2", "S3", "S4"]


def test_the_cell_cut_on_a_documents_row():
    ctx = _ctx("/share/travel.docx", [ROWS[1], PROSE])
    assert cell_span("£42; Hotel limit per night: £120", ctx) == "£42"
    assert cell_span("Grade 5; Daily allowance: £42", ctx) == "Grade 5"
    # the prose holds the span whole: not cut
    assert cell_span("meals and incidental costs; alcohol is not reimbursed", ctx) == (
        "meals and incidental costs; alcohol is not reimbursed")


def test_spreadsheet_and_other_sources_get_what_the_old_call_gave():
    """Without a document's row among the sources, the row rule is the round-53 call, key_rows over every source
    with the kind test by path (`_is_table`): the r52/r53 table sets (xlsx, csv) are unchanged by construction."""
    from ragtune.appliance.extractive import _is_table
    from ragtune.appliance.injection import source_view
    from ragtune.appliance.tablematch import key_rows

    sheets = [ContextItem("S1", ROWS[2], source="/s/t.xlsx"), ContextItem("S2", PROSE, source="/s/t.md"),
              ContextItem("S3", ROWS[1], source="/s/t.csv"), ContextItem("S4", ROWS[0], source="/s/t.csv"),
              ContextItem("S5", ROWS[1], source="/s/c.jsonl#7"), ContextItem("S6", ROWS[0], source="/s/u.ods")]
    for question in (QUESTION, "Which rail class may grade 3 use?", "What is the hotel limit for grade 6?",
                     "What does the daily allowance cover?", "Who is on grade 5?"):
        for ctx in (sheets, sheets[1:], sheets[2:4], sheets[:2]):
            out = [(c.id, source_view(c.text).blocks) for c in ctx]
            assert extractive_sources(ctx, question) == key_rows(question, ctx, out, _is_table)
