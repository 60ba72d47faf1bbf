"""Loaders: every format's text/title/date, and a one-line reason for every kind of bad file."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.ingest.loaders import (LoadError, iter_beir_documents, load_file, looks_binary, parse_date,
                                      read_bytes)

from .ingest_helpers import docx_bytes, pdf_bytes, write_bad, write_good


def test_markdown_front_matter_title_date(tmp_path):
    p = write_good(tmp_path)["cats.md"]
    d = load_file(p)
    assert d.kind == "md" and d.title == "Cats" and d.doc_date == "2021-06-01"
    assert d.text.startswith("# Cats") and "---" not in d.text  # front matter is not content
    assert len(d.sha256) == 64 and d.size == p.stat().st_size


def test_markdown_title_from_heading_and_bom(tmp_path):
    p = tmp_path / "notes.md"
    p.write_bytes("\ufeff# Meeting notes\n\nWe agreed on Tuesday.\r\n".encode("utf-8"))
    d = load_file(p)
    assert d.title == "Meeting notes" and not d.text.startswith("\ufeff") and "\r" not in d.text
    assert d.doc_date is None


def test_text_title_from_filename(tmp_path):
    p = tmp_path / "employee_hand-book.txt"
    p.write_text("Holidays: 25 days.\n", encoding="utf-8")
    d = load_file(p)
    assert d.kind == "txt" and d.title == "employee hand book" and d.text == "Holidays: 25 days."


def test_terminal_escapes_and_control_characters_are_not_text(tmp_path):
    # A log pasted into a .txt: kept, `ESC]0;…` would be cited, copied into an answer and retitle a terminal.
    p = tmp_path / "console.txt"
    p.write_bytes(b"Build\x1b]0;PWNED\x07 passed \x1b[1;31mred\x1b[0m and \x1b(Bplain.\x0cPage two\tends\x7f.\r\n")
    d = load_file(p)
    assert d.text == "Build passed red and plain.\nPage two\tends."
    assert load_file(write_good(tmp_path)["cats.md"]).text.startswith("# Cats")  # clean text is untouched


def test_html_drops_script_style_nav_keeps_title_and_date(tmp_path):
    d = load_file(write_good(tmp_path)["garden.html"])
    assert d.kind == "html" and d.title == "Garden" and d.doc_date == "2020-04-02"
    assert "Water tomatoes" in d.text and "# Garden tips" in d.text
    for dropped in ("scriptword", "navword", "color:red"):
        assert dropped not in d.text


def test_html_declared_charset(tmp_path):
    p = tmp_path / "old.htm"
    p.write_bytes(b"<html><head><meta charset='iso-8859-1'></head><body><p>caf\xe9</p></body></html>")
    assert "café" in load_file(p).text


@pytest.mark.parametrize("charset", ["utf-16", "UTF-16LE", "utf-32"])
def test_html_declaring_a_wide_charset_it_is_not_in_is_refused(tmp_path, charset):
    """Sweep: an ASCII page declaring charset=utf-16 (a byte not UTF-8 in it) was decoded as UTF-16: one chunk of
    CJK noise ingested, no failure."""
    p = tmp_path / "page.html"
    p.write_bytes(f"<html><head><meta charset='{charset}'></head><body><p>caf\xe9</p></body></html>".encode("latin-1"))
    with pytest.raises(LoadError, match=f"not UTF-8 text \\(it declares charset {charset}"):
        load_file(p)
    p.write_bytes(f"<html><head><meta charset='{charset}'></head><body><p>café</p></body></html>".encode())
    assert "café" in load_file(p).text  # UTF-8 bytes under the same wrong declaration still read


def test_pdf_text_title_date(tmp_path):
    p = tmp_path / "r.pdf"
    p.write_bytes(pdf_bytes())
    d = load_file(p)
    assert d.kind == "pdf" and "revenue growth" in d.text and d.title == "Report" and d.doc_date == "2023-04-05"


def test_docx_headings_tables_core_date(tmp_path):
    p = tmp_path / "policy.docx"
    p.write_bytes(docx_bytes())
    d = load_file(p)
    assert d.kind == "docx" and d.title == "Travel policy" and d.doc_date == "2022-03-01"
    assert d.text.startswith("# Travel policy") and "trains" in d.text and "Limit | 500 km" in d.text


@pytest.mark.parametrize("name,reason", [
    ("corrupt.pdf", "corrupt PDF"),
    ("locked.pdf", "encrypted PDF"),
    ("binary.txt", "binary file"),
    ("empty.md", "empty document"),
    ("latin1.txt", "not UTF-8 text"),
    ("broken.docx", "corrupt DOCX"),
])
def test_bad_files_give_one_line_reasons(tmp_path, name, reason):
    p = write_bad(tmp_path)[name]
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert ei.value.reason.startswith(reason)
    assert "\n" not in ei.value.reason and "Traceback" not in ei.value.reason


def test_whitespace_only_is_empty(tmp_path):
    p = tmp_path / "blank.txt"
    p.write_text(" \n\n\t \n", encoding="utf-8")
    with pytest.raises(LoadError, match="empty document"):
        load_file(p)


def test_size_limit_checked_before_reading(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("word " * 400_000, encoding="utf-8")  # ~2 MB
    with pytest.raises(LoadError, match="over size limit"):
        load_file(p, max_file_mb=1)
    assert load_file(p, max_file_mb=5).text.startswith("word")


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(LoadError, match="not found"):
        read_bytes(tmp_path / "nope.txt", 1)
    p = tmp_path / "x.xyz"
    p.write_text("hi")
    with pytest.raises(LoadError, match="unsupported file type"):
        load_file(p)


def test_binary_detection():
    assert looks_binary(b"abc\x00def")
    assert looks_binary(bytes(range(32)) * 10)
    assert not looks_binary("plain text\twith tabs\nand lines\n".encode())
    assert not looks_binary("ünïcödé text".encode())


def test_parse_date_forms():
    import datetime

    assert parse_date("2021-06-01") == "2021-06-01"
    assert parse_date("2021-06-01T10:00:00Z") == "2021-06-01"
    assert parse_date("D:20230405120000Z") == "2023-04-05"
    assert parse_date(datetime.datetime(2020, 1, 2, 3, 4)) == "2020-01-02"
    assert parse_date("2021-13-45") is None and parse_date("someday") is None and parse_date(None) is None


def test_beir_rows_become_documents(tmp_path):
    p = tmp_path / "corpus.jsonl"
    rows = [{"_id": "d1", "title": "Alpha", "text": "First passage.", "date": "2019-01-02"},
            {"_id": "d2", "title": "", "text": "Second passage."}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    docs = list(iter_beir_documents(p))
    assert [d.path for d in docs] == [f"{p}#d1", f"{p}#d2"]
    assert docs[0].title == "Alpha" and docs[0].doc_date == "2019-01-02" and docs[1].doc_date is None
    assert docs[0].kind == "beir" and docs[0].sha256 != docs[1].sha256


def test_beir_bad_line_fails_whole_file_with_location(tmp_path):
    p = tmp_path / "corpus.jsonl"
    p.write_text('{"_id": "d1", "text": "ok"}\n{"_id": "d2", "text": \n', encoding="utf-8")
    with pytest.raises(LoadError) as ei:
        list(iter_beir_documents(p))
    assert f"{p}:2" in ei.value.reason and "truncated JSON" in ei.value.reason


def test_utf16_is_named(tmp_path):
    p = tmp_path / "u16.txt"
    p.write_bytes("hello".encode("utf-16"))
    with pytest.raises(LoadError, match="UTF-16"):
        load_file(p)
