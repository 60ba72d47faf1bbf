"""CSV/TSV loader (round 51, loaders/delimited.py): encodings, the delimiter scorer, quoting, ragged rows, header
rows, and a labelled row kept whole by the chunker. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import LoadError
from ragtune.appliance.ingest.loaders import delimited
from ragtune.appliance.ingest.loaders.delimited import load_csv, sniff


def _load(text, name="price_list.csv", enc="utf-8"):
    return load_csv(Path("/tmp/r51-h2") / name, text.encode(enc) if isinstance(text, str) else text)


def test_header_rows_quoted_commas_newlines_and_ragged_rows():
    d = _load('Item,Price,Owner\nStapler,4.50,Facilities\n"Desk, oak",250,"Ops\nteam"\nShort\nToner,12,IT,extra\n')
    assert d.kind == "csv" and d.title == "price list" and d.doc_date is None and d.notes == ()
    assert d.text.splitlines() == ["Item: Stapler; Price: 4.50; Owner: Facilities",
                                   "Item: Desk, oak; Price: 250; Owner: Ops team", "Item: Short",
                                   "Item: Toner; Price: 12; Owner: IT; extra"]


@pytest.mark.parametrize("text, delim", [
    ("Name;Amount;Date\nPen;1,50;01.02.2024\nInk;2,25;03.02.2024\n", ";"),  # decimal commas
    ("Pen;1,50\nInk;2,25\n", ";"),  # no header, decimal commas: both read as 2 columns
    ("a\tb, c\n1\t2, 3\n", "\t"),
    ('id|note\n1|"a, b, c"\n2|"d, e"\n', "|"),
    ('Title,Note\n"Report","uses ; and | inside"\n"Memo","x"\n', ","),
    ("just one column\nof lines\n", ","),
    ('name,comment\nA,"one; two; three"\nB,plain\nC,"four; five"\n', ","),
])
def test_sniff_scores_consistent_columns(text, delim):
    assert sniff(text) == delim


def test_semicolon_export_with_excel_sep_line_and_text_formula():
    d = _load('sep=;\nAccount;Balance;Code\nPetty cash;1.234,50;="00123"\n')
    assert d.text == "Account: Petty cash; Balance: 1.234,50; Code: 00123"


def test_tsv_and_headerless_numbers():
    assert _load("Month\tBudget\nJan\t1000\n", "b.tsv").text == "Month: Jan; Budget: 1000"
    assert _load("2024-01-01,100\n2024-01-02,200\n").text == "2024-01-01 | 100\n2024-01-02 | 200"
    assert _load("alice@example.com\nbob@example.com\n").text == "alice@example.com\nbob@example.com"


@pytest.mark.parametrize("enc", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_encodings(enc):
    d = _load("Employee,Mon,Tue\nAnaïs,früh,late\n李,off,早\n", enc=enc)
    assert "Employee: Anaïs; Mon: früh; Tue: late" in d.text and "Employee: 李; Mon: off; Tue: 早" in d.text


def test_windows_punctuation_and_failures():
    assert "Note: “quoted” – dash" in _load("Item,Note\nA,“quoted” – dash\n", enc="cp1252").text
    with pytest.raises(LoadError, match="binary file"):
        _load(b"\x00\x01\x02PK\x03\x04" * 100)
    with pytest.raises(LoadError, match="empty document"):
        _load(",,,\n , ,\n\n")


def test_unclosed_quote_is_read_without_quoting_and_said():
    d = _load('id,notes\n1,"fine"\n2,"never closed\n3,x\n4,y\n')
    assert d.notes == ("a quote opened at line 3 is never closed: the file was read without quoting",)
    assert "id: 3; notes: x" in d.text and "id: 1; notes: fine" in d.text
    big = 'id,notes\n1,"open\n' + "".join(f"{i},row {i}\n" for i in range(2, 30000))  # over the 128 KB field limit
    d = _load(big)
    assert d.notes and "id: 29999; notes: row 29999" in d.text


def test_field_budget(monkeypatch):
    monkeypatch.setattr(delimited, "MAX_CELLS", 100)
    d = _load("a,b\n" + "".join(f"x{i},{i}\n" for i in range(500)))
    assert d.notes == ("read the first 100 fields: the rows from line 51 on are not read",)
    assert d.text.count("\n") == 48


def test_row_line_whole_in_a_chunk_and_long_rows_cut_between_fields():
    from ragtune.appliance.ingest.chunker import chunk_text

    from .ingest_helpers import real_tokenizer

    tok = real_tokenizer()
    rows = ["Asset tag,Description,Location,Cost,Custodian"]
    rows += [f"AT-{i:05d},Laptop model {i % 7} with dock,Building {i % 4},{1000 + i * 3}.50,Person {i}"
             for i in range(300)]
    d = _load("\n".join(rows))
    chunks = chunk_text(d.text, tok, chunk_tokens=200, overlap_tokens=40)
    for line in d.text.splitlines():
        assert any(line in c.text for c in chunks)
    wide = "Item," + ",".join(f"Field {i}" for i in range(80)) + "\nX," + ",".join(f"value {i}" for i in range(80))
    d = _load(wide)
    assert len(d.text.splitlines()) == 1
    chunks = chunk_text(d.text, tok, chunk_tokens=100, overlap_tokens=20)
    assert len(chunks) > 2
    for c in chunks[:-1]:  # a row over the budget is cut after a `;`: each value stays beside its label
        assert c.text.endswith(";")
