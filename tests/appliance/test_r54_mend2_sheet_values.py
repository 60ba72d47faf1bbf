"""Round 54, mend of reviewer readA: an .xlsx fraction under 1 whose whole part ends in `0` (`0 ?/?`, `#,##0 ?/?`)
shows "0 1/2" as Excel and Calc do (was "1/2"), and a fraction format's negative section is read
(`#,##0 ?/?;(#,##0 ?/?)`: "(1,234 1/2)", was "-1,234 1/2"); an .ods duration without shown text has each xsd:duration
part optional and shows its total (PT00H90M00S as Calc's 1:30:00, was "0:90:00"; PT1H30M was lost). Invented
content (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.opendoc_sheets import load_ods
from ragtune.appliance.ingest.loaders.sheet_formats import _format_code, show_number
from ragtune.appliance.ingest.loaders.sheets import load_xlsx

from . import ods_build as b
from .xlsx_build import Cell, Sheet, build_xlsx


@pytest.mark.parametrize("code,value,shown", [
    ("0 ?/?", 0.5, "0 1/2"),
    ("#,##0 ?/?", 0.25, "0 1/4"),
    ("0 ?/?", -0.5, "-0 1/2"),
    ("0 ?/?", 0, "0"),
    ("# ?/?", 0.5, "1/2"),  # a # shows no zero whole part
    ("#,##0 ?/?;(#,##0 ?/?)", -1234.5, "(1,234 1/2)"),
    ("#,##0 ?/?;(#,##0 ?/?)", 1234.5, "1,234 1/2"),
    ('# ?/?;-# ?/?;"nil"', 0, "nil"),
    ("?/?", 0.5, "1/2"),
])
def test_xlsx_fractions_as_excel_shows_them(code, value, shown):
    assert show_number(value, _format_code(code), False) == shown


def test_a_workbook_with_a_fraction_under_one():
    sheet = Sheet("Timber", [["Item", "Offcut"], ["Beam", Cell(0.75, "0 ?/?")], ["Post", Cell(-2.5, "0 ?/?;(0 ?/?)")]])
    d = load_xlsx(Path("/c/timber.xlsx"), build_xlsx([sheet]))
    assert d.text.splitlines()[1:] == ["Item: Beam; Offcut: 0 3/4", "Item: Post; Offcut: (2 1/2)"]


@pytest.mark.parametrize("value,shown", [
    ("PT00H90M00S", "1:30:00"),
    ("PT0H0M3600S", "1:00:00"),
    ("PT1H30M", "1:30:00"),
    ("P0Y0M1DT01H00M00S", "25:00:00"),
    ("PT12M", "0:12:00"),
    ("-PT90M", "-1:30:00"),
    ("P2D", "48:00:00"),
    ("P1Y", ""),  # a year has no fixed length: not shown
    ("PT", ""),
])
def test_an_ods_duration_with_its_parts_optional(value, shown):
    cell = f'<table:table-cell office:value-type="time" office:time-value="{value}"/>'
    d = load_ods(Path("/t/hours.ods"), b.ods(b.table("T", b.row(b.s("Overtime") + cell))))
    assert d.text.splitlines()[1] == ("Overtime | " + shown if shown else "Overtime")
