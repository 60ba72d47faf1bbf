"""Round 54: an .ods duration cell without shown text keeps its sign (-PT01H30M00S was "1:30:00"), and an .xlsx
fraction format with a thousands separator groups its whole part as Excel shows it (`#,##0 ?/?`: "1,234 1/2", was
"1234 1/2"). Invented content (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.opendoc_sheets import load_ods
from ragtune.appliance.ingest.loaders.sheet_formats import _format_code, show_number
from ragtune.appliance.ingest.loaders.sheets import load_xlsx

from . import ods_build as b
from .xlsx_build import Cell, Sheet, build_xlsx


def _time(value: str) -> str:
    return f'<table:table-cell office:value-type="time" office:time-value="{value}"/>'


@pytest.mark.parametrize("value,shown", [
    ("-PT01H30M00S", "-1:30:00"),  # minus an hour and a half: the sign kept
    ("PT09H30M00S", "9:30:00"),  # as before
    ("PT36H05M07.5S", "36:05:07"),
    ("P1DT02H00M00S", "26:00:00"),  # with days
    ("-PT00H00M00S", "0:00:00"),  # no minus zero
    pytest.param("PT" + "9" * 5000 + "H00M00S", "", id="5000-digit hours"),  # bounded: no failed sheet
])
def test_a_duration_without_shown_text(value, shown):
    d = load_ods(Path("/t/hours.ods"), b.ods(b.table("T", b.row(b.s("Overtime") + _time(value)))))
    assert d.text.splitlines()[1] == ("Overtime | " + shown if shown else "Overtime")


@pytest.mark.parametrize("code,value,shown", [
    ("#,##0 ?/?", 1234.5, "1,234 1/2"),
    ("#,##0 ?/?", -1234567.25, "-1,234,567 1/4"),
    ("#,##0 ?/?", 12000, "12,000"),
    ("#,##0 ?/?", 0.5, "0 1/2"),  # the whole part's last placeholder a 0: shown (mend of reviewer readA)
    ("# ?/?", 0.5, "1/2"),
    ("#,### ??/??", 2500.75, "2,500 3/4"),
    ('#,##0 ?/8" in"', 1500.5, "1,500 4/8 in"),
    ("# ?/?", 1234.5, "1234 1/2"),  # no separator: as before
    ("?/?", 1234.5, "2469/2"),
])
def test_a_fractions_whole_part_grouped_as_excel_shows_it(code, value, shown):
    assert show_number(value, _format_code(code), False) == shown


def test_a_workbook_with_a_grouped_fraction():
    sheet = Sheet("Timber", [["Item", "Length"], ["Beam", Cell(1250.25, "#,##0 ?/?")]])
    d = load_xlsx(Path("/c/timber.xlsx"), build_xlsx([sheet]))
    assert d.text.splitlines()[1:] == ["Item: Beam; Length: 1,250 1/4"]
