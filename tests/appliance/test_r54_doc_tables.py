"""Round 54: a table inside a prose document (.docx, .odt, .doc) with a header row is written as a spreadsheet's rows are
(`Label: value; Label: value`, loaders/tablerows.py labelled_rows), its rows one block between blank lines; a table
without a header row stays `a | b`; the text around it is as before. The chunker (run.py's `doc_tables=` for
chunker.DOC_TABLE_KINDS) cuts such a block a row a chunk (table_chunks.doc_chunks) and the prose around it as before.
Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.config import Settings
from ragtune.appliance.home import Home
from ragtune.appliance.ingest import chunker, ingest_paths
from ragtune.appliance.ingest.chunker import DOC_TABLE_KINDS, chunk_text
from ragtune.appliance.ingest.loaders import LOADER_VERSIONS
from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.tablerows import labelled_rows, table_block
from ragtune.appliance.ingest.loaders.word import load_docx
from ragtune.appliance.ingest.loaders.worddoc import load_doc
from ragtune.appliance.ingest.table_chunks import table_blocks

from . import doc_build as db
from . import odt_build as ob
from .ingest_helpers import docx_xml_bytes

BEFORE = "The club's fees pay for boat repairs and coaching. The committee reviews them every spring."
AFTER = "Members late with a fee may not take out club boats until it is paid."
FEES = [("Fee", "Amount", "Due"), ("Joining fee", "£40", "On joining"), ("Annual subscription", "£180", "1 April"),
        ("Locker hire", "£30", "")]
LABELLED = ("Fee: Joining fee; Amount: £40; Due: On joining\nFee: Annual subscription; Amount: £180; Due: 1 April\n"
            "Fee: Locker hire; Amount: £30")


def _docx(rows, before=BEFORE, after=AFTER, merge=None, head: str | None = "bold") -> str:
    """A DOCX of a paragraph, a table of `rows`, a paragraph. `head`: how its first row is marked the header: "bold"
    (its text bold), "repeat" (Repeat as header row, w:tblHeader), None (not marked)."""
    def build(d):
        d.add_paragraph(before)
        _fill(d.add_table(rows=len(rows), cols=len(rows[0])), rows, head)
        if merge:
            merge(d.tables[-1])
        d.add_paragraph(after)
    return load_docx(Path("fees.docx"), docx_xml_bytes(build=build)).text


def _fill(t, rows, head: str | None = "bold"):
    from docx.oxml import OxmlElement

    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
            if r == 0 and head == "bold" and v:
                t.cell(r, c).paragraphs[0].runs[0].bold = True
    if head == "repeat":
        t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _odt_table(rows, header_rows: bool = True, repeat: int = 1) -> str:
    def row(cells, n=1):
        rep = f' table:number-rows-repeated="{n}"' if n > 1 else ""
        return f"<table:table-row{rep}>" + "".join(
            f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" if c else "<table:table-cell/>"
            for c in cells) + "</table:table-row>"
    head = f"<table:table-header-rows>{row(rows[0])}</table:table-header-rows>" if header_rows else row(rows[0])
    body = "".join(row(r, repeat if i == len(rows) - 2 else 1) for i, r in enumerate(rows[1:]))
    return f"<table:table>{head}{body}</table:table>"


def _odt(rows, **kw) -> str:
    xml = f"<text:p>{BEFORE}</text:p>{_odt_table(rows, **kw)}<text:p>{AFTER}</text:p>"
    return load_odt(Path("fees.odt"), ob.odt(xml)).text


def _doc(rows, head: bool = True) -> str:
    """A .doc of a paragraph, a table of `rows` (its first row marked a header row, sprmTTableHeader, with `head`), a
    paragraph."""
    table = ["\x07".join(r) + "\x07" + db.ROW for r in rows]
    pieces = [db.Piece(BEFORE + "\r"), db.Piece(table[0], para=_T_HEADER if head else b""),
              db.Piece("".join(table[1:])), db.Piece(AFTER + "\r")]
    return load_doc(Path("fees.doc"), db.word_doc(pieces)).text


_T_HEADER = b"\x04\x34\x01"  # sprmTTableHeader on


# -- loaders -----------------------------------------------------------------------------------------------------

def test_docx_table_under_a_header_row_is_labelled_rows_in_one_block_and_the_prose_is_as_before():
    assert _docx(FEES) == f"{BEFORE}\n\n{LABELLED}\n\n{AFTER}"


def test_docx_table_without_a_header_row_reads_as_before():
    rows = [("2024", "£170"), ("2025", "£180")]  # numbers first: data, no header
    assert _docx(rows, head=None) == f"{BEFORE}\n\n2024 | £170\n\n2025 | £180\n\n{AFTER}"
    assert _docx([("Joining fee", "£40")]) == f"{BEFORE}\n\nJoining fee | £40\n\n{AFTER}"  # one row: no header
    form = [("Owner:", "Facilities"), ("Review date:", "May 2026")]  # names and values: a form (round 54: key: value)
    assert _docx(form, head=None) == f"{BEFORE}\n\nOwner: Facilities\nReview date: May 2026\n\n{AFTER}"
    assert _docx(FEES, head=None) == (f"{BEFORE}\n\nFee | Amount | Due\n\nJoining fee | £40 | On joining\n\n"
                                      f"Annual subscription | £180 | 1 April\n\nLocker hire | £30 |\n\n{AFTER}")


def test_docx_merged_cells_and_a_nested_table_keep_their_values_under_their_labels():
    def merge(t):
        t.cell(1, 2).merge(t.cell(2, 2)).text = "1 April"  # one "Due" cell for two rows: each row reads it
        t.cell(3, 1).add_table(rows=1, cols=2).rows[0].cells[0].text = "per term"  # a table in a cell: inline
    rows = [("Fee", "Amount", "Due"), ("Junior", "£65", ""), ("Senior", "£180", ""), ("Locker", "£30", "1 October")]
    text = _docx(rows, merge=merge)
    assert ("Fee: Junior; Amount: £65; Due: 1 April\nFee: Senior; Amount: £180; Due: 1 April\n"
            "Fee: Locker; Amount: £30 per term; Due: 1 October") in text


def test_odt_header_rows_labelled_repeated_rows_kept_and_a_table_without_a_header_as_before():
    assert _odt(FEES) == f"{BEFORE}\n\n{LABELLED}\n\n{AFTER}"
    # round 54 (readB): a first row of text not marked the header is not taken for one (it may be data)
    assert _odt(FEES, header_rows=False) == (f"{BEFORE}\n\nFee | Amount | Due\n\nJoining fee | £40 | On joining\n\n"
                                             f"Annual subscription | £180 | 1 April\n\nLocker hire | £30 |\n\n{AFTER}")
    text = _odt([("Week", "Engineer"), ("Week 1", "Ann"), ("Week 2", "Bo")], repeat=2)
    assert "Week: Week 1; Engineer: Ann\nWeek: Week 2; Engineer: Bo\nWeek: Week 2; Engineer: Bo\n\n" in text
    assert _odt([("2024", "12"), ("2025", "14")], header_rows=False) == f"{BEFORE}\n\n2024 | 12\n\n2025 | 14\n\n{AFTER}"


def test_doc_table_under_a_header_row_is_a_block_of_labelled_rows_and_without_one_as_before():
    assert _doc(FEES).splitlines() == [BEFORE, "", *LABELLED.splitlines(), "", AFTER]
    assert _doc([("2024", "£170"), ("2025", "£180")], head=False).splitlines() == [BEFORE, "2024 | £170", "2025 | £180",
                                                                                  AFTER]
    assert _doc(FEES, head=False).splitlines() == [BEFORE, "Fee | Amount | Due", "Joining fee | £40 | On joining",
                                                   "Annual subscription | £180 | 1 April", "Locker hire | £30 |", AFTER]


def test_labels_may_not_multiply_a_tables_text():
    """A crafted table of one-letter cells under long labels is written `a | b` (its labels would have made 40 times
    its text); a real table's labels are well within the bound."""
    head = {c: f"Label number {c} " + "x" * 60 for c in range(200)}
    rows = [head] + [{c: "v" for c in range(200)} for _ in range(200)]
    assert labelled_rows(rows, True) is None
    assert table_block([[v for v in head.values()], ["v"] * 200], True) != []
    assert labelled_rows([{0: "Fee", 1: "Amount"}, {0: "Joining fee", 1: "£40"}], True) == [
        "Fee: Joining fee; Amount: £40"]


# -- chunks ------------------------------------------------------------------------------------------------------

PROSE = ("The boathouse is open from six in the morning in summer. Members sign the log book before taking a boat "
         "out and again when they bring it back; the captain checks the log each week. ") * 6


def test_table_blocks_found_only_for_labelled_rows():
    text = f"{PROSE}\n\n{LABELLED}\n\n{PROSE}"
    (a, b), = table_blocks(text)
    assert text[a:b] == LABELLED
    assert table_blocks("Name: Ann\nPhone: 5550\n\nRoom: B2") == []  # a form typed with line breaks: one label a line
    assert table_blocks("Fee: Joining fee; Amount: £40") == []  # one line: prose's
    assert table_blocks("Note: one; Owner: Ann\nThe fees are due in April.") == []  # a line with no label
    assert table_blocks(PROSE) == []


def test_doc_chunks_one_row_a_chunk_and_the_prose_around_chunked_as_before(tokenizer):
    text = _docx(FEES, before=PROSE, after=PROSE)
    chunks = chunk_text(text, tokenizer, chunk_tokens=200, overlap_tokens=40, doc_tables=True)
    rows = LABELLED.splitlines()
    got = [c.text for c in chunks]
    assert all(r in got for r in rows)
    a, b = text.index(rows[0]), text.index(rows[-1]) + len(rows[-1])
    before = chunk_text(text[:a], tokenizer, chunk_tokens=200, overlap_tokens=40)
    after = chunk_text(text[b:], tokenizer, chunk_tokens=200, overlap_tokens=40)
    assert got == [c.text for c in before] + rows + [c.text for c in after]
    assert [c.ord for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert text[c.start_char:c.end_char] == c.text


def test_doc_chunks_of_a_document_without_a_table_block_are_chunk_texts(tokenizer):
    for text in (PROSE, _docx([("2024", "£170"), ("2025", "£180")], before=PROSE, after=PROSE),
                 "Name: Ann\nPhone: 5550\n\n" + PROSE):
        assert chunk_text(text, tokenizer, doc_tables=True) == chunk_text(text, tokenizer)


def test_pipeline_chunks_a_docx_tables_rows_one_a_chunk(tmp_path, fake, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "fees.docx").write_bytes(docx_xml_bytes(build=lambda d: [d.add_paragraph(PROSE), _table(d),
                                                                    d.add_paragraph(PROSE)]))
    (docs / "policy.md").write_text(f"{PROSE}\n\n{LABELLED}\n", encoding="utf-8")
    seen: list = []
    real = chunker.chunk_text

    def spy(text, *a, **kw):
        seen.append(kw.get("doc_tables"))
        return real(text, *a, **kw)

    monkeypatch.setattr("ragtune.appliance.ingest.run.chunk_text", spy)
    settings = Settings(home=Home(tmp_path / "home"))
    assert ingest_paths(settings, [docs], embedder=fake).added == 2
    assert sorted(seen) == [False, True]  # the .md is prose: its text is chunked as it always was
    from ragtune.appliance.store import Store

    with Store(settings.home.db_path) as st:
        texts = [t for _, _, _, t in st.iter_chunk_texts(None)]
    assert texts.count("Fee: Annual subscription; Amount: £180; Due: 1 April") == 1  # the docx's row, alone


def _table(d):
    _fill(d.add_table(rows=len(FEES), cols=3), FEES)


@pytest.mark.parametrize("kind", ["docx", "odt", "doc"])
def test_doc_kinds_read_again_and_chunked_with_their_tables(kind):
    assert kind in DOC_TABLE_KINDS and DOC_TABLE_KINDS.isdisjoint(chunker.TABLE_KINDS)
    assert LOADER_VERSIONS[kind] >= {"docx": 7, "odt": 5, "doc": 4}[kind]
