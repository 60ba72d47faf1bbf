"""XLSX loader against damaged and hostile files (round 51): one-line reasons, never a traceback, a hang or a read
of a local file; bounded work on a sheet of a million empty styled rows."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import LoadError
from ragtune.appliance.ingest.loaders import sheets
from ragtune.appliance.ingest.loaders.sheets import load_xlsx
from ragtune.appliance.ingest.loaders.ole import ENCRYPTED_OFFICE  # (pinned in test_r53_encrypted_office)

from .xlsx_build import Sheet, build_xlsx

P = Path("/tmp/r51-h2/hostile.xlsx")


def _swap(raw: bytes, name: str, data: bytes) -> bytes:
    src, buf = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in src.infolist():
            z.writestr(i.filename, data if i.filename == name else src.read(i))
    return buf.getvalue()


def _reason(raw: bytes) -> str:
    with pytest.raises(LoadError) as exc:
        load_xlsx(P, raw)
    assert "\n" not in exc.value.reason
    return exc.value.reason


GOOD = build_xlsx([Sheet("S", [["Item", "Cost"], ["Pen", 2]])])


def test_damaged_files_give_one_line_reasons():
    assert _reason(b"").startswith("damaged spreadsheet (not a readable zip")
    assert _reason(b"Item,Cost\nPen,2\n").startswith("damaged spreadsheet (not a readable zip")
    assert _reason(GOOD[: len(GOOD) // 2]).startswith("damaged spreadsheet")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
    # (too damaged to walk: told by the stream's 128-byte directory entry, round 53)
    entry = "EncryptedPackage".encode("utf-16-le").ljust(0x40, b"\0") + b"\x22\0\x02"
    assert _reason(ole + b"\0" * 4 + entry.ljust(128, b"\0")) == ENCRYPTED_OFFICE
    assert _reason(ole) == "not an XLSX: an Excel 97-2003 workbook (.xls); save it as .xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert _reason(buf.getvalue()) == "not an XLSX: a Word or PowerPoint file renamed .xlsx"
    bad = _swap(GOOD, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c>")
    assert _reason(bad).startswith("damaged spreadsheet (")


def test_xml_bomb_and_external_entity_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&d;&d;&d;</t></si></sst>')
    t = time.monotonic()
    assert "declares a DTD" in _reason(_swap(GOOD, "xl/sharedStrings.xml", bomb))
    xxe = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet xmlns="http://'
           b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
           b'&x;</t></is></c></row></sheetData></worksheet>')
    reason = _reason(_swap(GOOD, "xl/worksheets/sheet1.xml", xxe))
    assert "declares a DTD" in reason and "root:" not in reason
    assert time.monotonic() - t < 5


def test_zip_bomb_by_declared_size_and_too_many_parts(monkeypatch):
    monkeypatch.setattr(sheets, "_MAX_UNPACKED", 10_000)
    big = _swap(GOOD, "xl/theme/theme1.xml", b" " * 50_000)
    assert _reason(big).startswith("damaged spreadsheet (its parts unpack to")
    monkeypatch.setattr(sheets, "_MAX_PARTS", 5)
    assert "parts in its zip" in _reason(GOOD)


def test_million_empty_styled_rows_stop_at_the_cell_budget(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_CELLS", 50_000)
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/><c r="B{r}" s="1"/></row>' for r in range(3, 200_000))
    sheet = build_xlsx([Sheet("S", [["Item", "Cost"], ["Pen", 2]], extra_xml=rows)])
    t = time.monotonic()
    d = load_xlsx(P, sheet)
    assert time.monotonic() - t < 20
    assert d.text == "## Sheet: S\nItem: Pen; Cost: 2"
    assert d.notes[0].startswith("read the first 50,000 cells: the rest of sheet 'S' and the sheets after it")


def test_one_row_of_millions_of_cells_stops_too(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_CELLS", 20_000)
    cells = "".join(f'<c t="inlineStr"><is><t>v{i}</t></is></c>' for i in range(60_000))
    d = load_xlsx(P, build_xlsx([Sheet("S", [["a"]], extra_xml=f'<row r="2">{cells}</row>')]))
    assert d.notes and d.notes[0].startswith("read the first 20,000 cells")
