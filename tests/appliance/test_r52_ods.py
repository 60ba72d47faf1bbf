"""ODS spreadsheets (loaders/opendoc_sheets.py): the same output as .xlsx for the same workbook, Calc's real shapes
(formatted values, merged cells, errors, comments, repeated cells and rows), hidden sheets/rows/columns, hostile
files. Invented content (CC0)."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders import KINDS, LOADER_VERSIONS, LOADERS, load_file
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.opendoc_sheets import load_ods
from ragtune.appliance.ingest.loaders.sheets import load_xlsx

from . import ods_build as b
from .ingest_helpers import real_tokenizer
from .xlsx_build import Sheet, build_xlsx

P = Path("/council/parks/budget.ods")


@pytest.fixture(scope="module")
def real():
    return load_ods(P, b.real())


def test_registered_as_a_kind_at_version_2():
    assert KINDS[".ods"] == "ods" and LOADERS["ods"] is load_ods and LOADER_VERSIONS["ods"] >= 2  # (3: round 53)


def test_title_date_and_sheets_in_order(real):
    assert real.kind == "ods" and real.title == "Parks budget 2025" and real.doc_date == "2025-01-28"
    heads = [line for line in real.text.splitlines() if line.startswith("## ")]
    assert heads == ["## Sheet: Parks 2025", "## Sheet: Contacts"]


def test_values_as_calc_shows_them_labelled_by_the_header_row(real):
    lines = real.text.splitlines()
    assert lines[1:3] == ["Parks maintenance budget", ""]
    assert "Site: Riverside Gardens; Approved: £18,500.00; Spent: 62.5%; Review date: 14/03/2025" in lines
    assert "Site: Hollin Park; Approved: £7,200.00; Review date: pending" in lines  # #DIV/0! left out
    assert "Site: Canal Path; Approved: merged note; Review date: 2025-06-01" in lines  # merged: once
    assert "Team: Grounds; Lead: Zoë Brändt" in lines and "Team: Trees; Lead: Åsa Øberg" in lines
    assert "COMMENT" not in real.text and "#DIV/0!" not in real.text


def test_hidden_sheet_and_row_left_out_with_a_note(real):
    assert "PLANTED-SHEET" not in real.text and "Old Quarry" not in real.text
    assert real.notes[0].startswith("1 hidden sheet and 1 hidden row left out")


def test_same_text_as_the_same_workbook_saved_as_xlsx():
    rows = [["Ward", "Councillor", "Surgery day"], ["Northgate", "R. Patel", "Monday"],
            ["Riverside", "J. Okafor", "Thursday"], [], ["Total wards", "2"]]
    xlsx = load_xlsx(Path("/c/wards.xlsx"), build_xlsx([Sheet("Wards", rows)], title="Wards"))
    cells = "".join(b.row(*(b.s(v) for v in r)) if r else b.row(b.empty(3)) for r in rows)
    ods = load_ods(Path("/c/wards.ods"), b.ods(b.table("Wards", cells), meta_xml=b.meta("Wards")))
    assert ods.text == xlsx.text


def test_hidden_columns_close_up_and_are_counted():
    cols = ('<table:table-column table:number-columns-repeated="1"/><table:table-column table:visibility="collapse"/>'
            '<table:table-column table:number-columns-repeated="2"/>')
    d = load_ods(P, b.ods(b.table("T", b.row(b.s("Name"), b.s("Secret"), b.s("Dept"))
                                  + b.row(b.s("Ana"), b.s("PLANTED-COL"), b.s("Parks")), columns=cols)))
    assert d.text.splitlines()[1] == "Name: Ana; Dept: Parks"
    assert "PLANTED-COL" not in d.text and "1 hidden column left out" in d.notes[0]


def test_typed_values_without_shown_text():
    cells = ('<table:table-cell office:value-type="date" office:date-value="2025-04-01T00:00:00"/>'
             '<table:table-cell office:value-type="percentage" office:value="0.25"/>'
             '<table:table-cell office:value-type="boolean" office:boolean-value="true"/>'
             '<table:table-cell office:value-type="time" office:time-value="PT09H30M00S"/>')
    d = load_ods(P, b.ods(b.table("T", b.row(cells))))
    assert d.text.splitlines()[1] == "2025-04-01 | 25% | TRUE | 9:30:00"


def test_a_million_repeated_empty_rows_and_columns_cost_nothing():
    # the shape every Calc sheet ends with, and a crafted one: 1,048,576 empty rows of 16,384 empty cells
    rows = b.row(b.s("Only"), b.s("row")) + b.row(b.empty(16384), repeat=1048576) + b.row(b.s("after"), b.s("gap"))
    tracemalloc.start()
    t = time.perf_counter()
    d = load_ods(P, b.ods(b.table("T", rows)))
    took, peak = time.perf_counter() - t, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert d.text.splitlines()[1:] == ["Only: after; row: gap"]  # (the empty run between: one gap)
    assert took < 2 and peak < 20 * 1024 * 1024


def test_repeated_values_bounded():
    rows = ('<table:table-row table:number-rows-repeated="1000000000"><table:table-cell '
            'table:number-columns-repeated="1000000000" office:value-type="string"><text:p>v</text:p>'
            "</table:table-cell></table:table-row>")
    t = time.perf_counter()
    d = load_ods(P, b.ods(b.table("T", rows)))
    assert time.perf_counter() - t < 5
    assert len(d.text) < 100 * 100 * 4 + 100 and d.text.count("\n") <= 101


def test_cell_budget_stops_with_a_note(monkeypatch):
    import ragtune.appliance.ingest.loaders.opendoc_sheets as os_

    monkeypatch.setattr(os_, "MAX_CELLS", 50)
    rows = "".join(b.row(b.s(f"r{i}"), b.s("x")) for i in range(100))
    d = load_ods(P, b.ods(b.table("Big", rows) + b.table("Next", b.row(b.s("never")))))
    assert "never" not in d.text and "the rest of sheet 'Big'" in d.notes[0]


@pytest.mark.parametrize("raw,reason", [
    (b"PK\x03\x04 not really a zip", "corrupt ODS"),
    (b.ods(b.table("T", b.row(b.empty(3)))), "empty document (no sheet holds a value)"),
    (b.ods(content_xml="<office:document-content"), "corrupt ODS:"),
    (b.ods("x", manifest=b.ODS_MANIFEST.replace(
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
        'manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data/>'
        '</manifest:file-entry>')), "encrypted ODS (password required)"),
    (b.ods("x", mimetype="application/vnd.oasis.opendocument.text"), "not an ODS: an OpenDocument text"),
    (b'<?xml version="1.0"?><office:document/>', "not an ODS: a flat OpenDocument XML file (.fods)"),
])
def test_damaged_encrypted_and_wrong_files_get_a_reason(raw, reason):
    with pytest.raises(LoadError) as e:
        load_ods(P, raw)
    assert e.value.reason.startswith(reason)


def test_xlsx_renamed_and_empty_file(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(LoadError, match="an Excel workbook"):
        load_ods(P, buf.getvalue())
    (tmp_path / "e.ods").write_bytes(b"")
    with pytest.raises(LoadError, match="empty document"):
        load_file(tmp_path / "e.ods")


BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
        + "]>\n" + b.content(b.table("T", b.row(b.s("&lol9;")))).split("\n", 1)[1])
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       + b.content(b.table("T", b.row(b.s("&x;")))).split("\n", 1)[1])


@pytest.mark.parametrize("xml", [BOMB, XXE, XXE.replace("<!DOCTYPE", "<!--" + "x" * 70000 + "-->\n<!DOCTYPE", 1)])
def test_entity_bomb_and_external_entity_refused(xml):
    t = time.perf_counter()
    with pytest.raises(LoadError, match="corrupt ODS: content.xml declares a DTD"):
        load_ods(P, b.ods(content_xml=xml))
    assert time.perf_counter() - t < 2


def test_huge_unpacked_size_refused_from_the_directory():
    raw = bytearray(b.ods(b.table("T", b.row(b.s("x"))), extra={"Pictures/fill.bin": b"\0" * 1024}))
    at = raw.rfind(b"PK\x01\x02")
    raw[at + 24:at + 28] = (201 * 1024 * 1024).to_bytes(4, "little")
    with pytest.raises(LoadError, match="corrupt ODS: its parts unpack to 201 MB"):
        load_ods(P, bytes(raw))


def test_end_to_end_a_labelled_row_lands_in_one_chunk():
    rows = b.row(b.s("Permit"), b.s("Holder"), b.s("Fee"), b.s("Notes"))
    rows += "".join(b.row(b.s(f"P-{i:04d}"), b.s(f"Holder {i}"), b.f(str(40 + i), f"£{40 + i}.00"),
                          b.s("renewed by post without change")) for i in range(300))
    d = load_ods(P, b.ods(b.table("Permits", rows)))
    chunks = chunk_text(d.text, real_tokenizer(), chunk_tokens=200, overlap_tokens=40)
    assert len(chunks) > 3
    assert any("Permit: P-0123; Holder: Holder 123; Fee: £163.00" in c.text for c in chunks)
