"""Rows below a sheet's table after an empty row (round 54, tablerows.TableWriter): notes ("Notes:", "Source: …", a
"Deposit | a sentence" block) written as they are, not labelled with the table's columns; a table with a gap in it,
a totals row, a retyped header and a second table with its own header handled as tables. The same text from .xlsx,
.ods and .csv. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.delimited import load_csv
from ragtune.appliance.ingest.loaders.opendoc_sheets import load_ods
from ragtune.appliance.ingest.loaders.sheets import load_xlsx
from ragtune.appliance.ingest.loaders.tablerows import TableWriter, is_text

from . import ods_build as b
from .xlsx_build import Cell, Sheet, build_xlsx

RATES = ["Room", "Members (per hour)", "Visitors (per hour)", "Seats", "Notes"]
NOTES = [
    ["Hall hire rates 2027"], RATES,
    ["Long Room", 14, 22, 90, "Stage lighting included"],
    ["Garden Room", 8, 12, 24, "Opens onto the lawn"],
    ["Snug", 5, 7, 10],
    [],
    ["Deposit", "A returnable deposit of £150 is taken for evening bookings"],
    ["Cancellation", "Free up to 10 days before"],
    ["Notes:"],
    ["Prices are per hour and include heating."],
    ["Source: hall committee, March 2027"],
]
NOTES_TEXT = [
    "Hall hire rates 2027",
    "Room: Long Room; Members (per hour): 14; Visitors (per hour): 22; Seats: 90; Notes: Stage lighting included",
    "Room: Garden Room; Members (per hour): 8; Visitors (per hour): 12; Seats: 24; Notes: Opens onto the lawn",
    "Room: Snug; Members (per hour): 5; Visitors (per hour): 7; Seats: 10",
    "",
    "Deposit | A returnable deposit of £150 is taken for evening bookings",
    "Cancellation | Free up to 10 days before",  # text in a column of numbers
    "Notes:",
    "Prices are per hour and include heating.",
    "Source: hall committee, March 2027",
]
GAPPED = [  # a table with gaps in it: its rows stay labelled, a totals row and a sparse row too
    ["Item", "Qty", "Unit price", "Supplier"],
    ["Stapler", 4, 6, "Deskline"],
    ["Toner", 2, 48, "Printwise"],
    [],
    ["Paper (A4 box)", 10, 21, "Deskline"],
    ["Pens", 12],
    [],
    ["Total", None, 75],
]
GAPPED_TEXT = [
    "Item: Stapler; Qty: 4; Unit price: 6; Supplier: Deskline",
    "Item: Toner; Qty: 2; Unit price: 48; Supplier: Printwise",
    "",
    "Item: Paper (A4 box); Qty: 10; Unit price: 21; Supplier: Deskline",
    "Item: Pens; Qty: 12",
    "",
    "Item: Total; Unit price: 75",
]
SECOND = [  # a second table below the first, under a title, with its own header; the first's header retyped
    ["Room", "Members (per hour)", "Visitors (per hour)"],
    ["Long Room", 14, 22],
    ["Snug", 5, 7],
    [],
    ["Room", "Members (per hour)", "Visitors (per hour)"],
    ["Garden Room", 8, 12],
    [],
    ["Room sizes"],
    ["Room", "Length (m)", "Width (m)"],
    ["Long Room", 18, 9],
    ["Snug", 4, 3],
]
SECOND_TEXT = [
    "Room: Long Room; Members (per hour): 14; Visitors (per hour): 22",
    "Room: Snug; Members (per hour): 5; Visitors (per hour): 7",
    "",
    "Room: Garden Room; Members (per hour): 8; Visitors (per hour): 12",
    "",
    "Room sizes",
    "Room: Long Room; Length (m): 18; Width (m): 9",
    "Room: Snug; Length (m): 4; Width (m): 3",
]
PAIRS = [  # two columns: a short name after a gap is still a row; a sentence is a note
    ["Name", "Extension"], ["Ann Lee", 4101], ["Bo Tan", 4102], [], ["Cy Roe"], ["Source: switchboard list, May 2027"],
]
PAIRS_TEXT = ["Name: Ann Lee; Extension: 4101", "Name: Bo Tan; Extension: 4102", "", "Name: Cy Roe",
              "Source: switchboard list, May 2027"]
CASES = [(NOTES, NOTES_TEXT), (GAPPED, GAPPED_TEXT), (SECOND, SECOND_TEXT), (PAIRS, PAIRS_TEXT)]


def _xlsx(rows):
    return load_xlsx(Path("/c/rates.xlsx"), build_xlsx([Sheet("Rates", rows)])).text.splitlines()[1:]


def _ods(rows):
    def cell(v):
        return b.empty() if v is None else b.f(str(v), str(v)) if isinstance(v, int) else b.s(v)
    body = "".join(b.row(*map(cell, r)) if r else b.row(b.empty(5)) for r in rows)
    return load_ods(Path("/c/rates.ods"), b.ods(b.table("Rates", body))).text.splitlines()[1:]


def _csv(rows):
    text = "\n".join(",".join("" if v is None else f'"{v}"' if "," in str(v) else str(v) for v in r) for r in rows)
    return load_csv(Path("/c/rates.csv"), (text + "\n").encode()).text.splitlines()


@pytest.mark.parametrize("load", [_xlsx, _ods, _csv], ids=["xlsx", "ods", "csv"])
@pytest.mark.parametrize("rows, text", CASES, ids=["notes", "gapped", "second", "pairs"])
def test_rows_after_a_gap_in_each_format(load, rows, text):
    assert load(rows) == text


@pytest.mark.parametrize("load", [_xlsx, _ods, _csv], ids=["xlsx", "ods", "csv"])
def test_notes_below_a_long_table_written_as_they_come(load):
    """Past the HEAD_ROWS rows held to find the header (a CSV's values then come without kinds)."""
    body = [[f"Room {i}", i, i + 5, 10 + i, f"Floor {i % 3}"] for i in range(1, 31)]
    lines = load([RATES, *body, [], *NOTES[6:]])
    assert lines[:30] == [f"Room: Room {i}; Members (per hour): {i}; Visitors (per hour): {i + 5}; Seats: {10 + i}; "
                          f"Notes: Floor {i % 3}" for i in range(1, 31)]
    assert lines[30:] == NOTES_TEXT[4:]


def test_an_empty_row_excel_keeps_in_the_file_is_a_gap_a_hidden_one_is_not():
    """Excel writes a row with a border or a height and no value as a <row> of empty cells: the sheet shows a gap."""
    styled = [Cell(None, fmt="0.00")] * 2
    rows = [RATES, ["Snug", 5, 7, 10], styled, NOTES[6]]
    assert _xlsx(rows)[1:] == ["", NOTES_TEXT[5]]
    hidden = build_xlsx([Sheet("Rates", [RATES, ["Snug", 5, 7, 10], [], rows[3]], hidden_rows={3})])
    lines = load_xlsx(Path("/c/rates.xlsx"), hidden).text.splitlines()
    assert "" not in lines and lines[-1].startswith("Room: Deposit;")  # no gap shown: a row of the table, as before


def _write(rows):
    out: list[str] = []
    w = TableWriter(out)
    for r in rows:
        cells = {i: str(v) for i, v in enumerate(r) if v is not None}
        w.add(cells, {i: is_text(v) for i, v in cells.items()})
    w.close()
    return out


def test_a_header_candidate_with_no_number_under_it_is_a_row():
    """Three texts over a column of numbers followed by texts, or by nothing: not a header, written as before."""
    head = ["Room", "Seats", "Notes"]
    rows = [head, ["Hall", "90", "Stage"], ["Snug", "10", "Small"], []]
    assert _write([*rows, ["Key holder", "Mrs Dale", "Mon-Fri"], ["Parking", "Rear yard", "Free"]])[3:] == [
        "Room: Key holder; Seats: Mrs Dale; Notes: Mon-Fri", "Room: Parking; Seats: Rear yard; Notes: Free"]
    assert _write([*rows, ["Key holder", "Mrs Dale", "Mon-Fri"]])[3:] == [
        "Room: Key holder; Seats: Mrs Dale; Notes: Mon-Fri"]
    # a one-number row under a label stays labelled; a value beyond the header's columns is a note
    assert _write([*rows, [None, None, None, None, "100"]])[3:] == [" |  |  |  | 100"]
    assert _write([*rows, [None, "100"]])[3:] == ["Seats: 100"]


def test_without_a_gap_nothing_changes():
    rows = [r for r in NOTES if r]
    lines = _write(rows)
    assert "" not in lines and lines[-1] == "Room: Source: hall committee, March 2027"
