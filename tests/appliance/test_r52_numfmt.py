"""XLSX number formats (loaders/sheet_formats.py): thousands scaling and fractions shown as Excel shows them
(round 52); the formats before are unchanged. Invented content (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.sheet_formats import _format_code, show_number
from ragtune.appliance.ingest.loaders.sheets import load_xlsx

from .xlsx_build import Cell, Sheet, build_xlsx


@pytest.mark.parametrize("code,value,shown", [
    ("#,##0,", 1234567, "1,235"),  # thousands
    ("#,##0,", 499, "0"),
    ('0.0,,"M"', 12345678, "12.3M"),  # millions
    ('#,##0.0,,," bn"', 2.5e9, "2.5 bn"),
    ('0,"K"', 25400, "25K"),
    ("#,##0.00,", 1234567, "1,234.57"),
    ("#,##0,;(#,##0,)", -1234567, "(1,235)"),
    ('"£"#,##0,"k"', 48250, "£48k"),
    ("# ?/?", 1.5, "1 1/2"),  # fractions
    ("# ?/?", 0.75, "3/4"),
    ("# ?/?", 2, "2"),
    ("# ?/?", -1.25, "-1 1/4"),
    ("# ?/?", 0.99, "1"),  # rounds up to a whole number
    ("# ??/??", 3.14159, "3 14/99"),
    ("?/?", 1.5, "3/2"),  # no whole part
    ("# ?/8", 0.5, "4/8"),  # a fixed denominator is not reduced
    ("# ?/16", 2.3125, "2 5/16"),
    ("0", 1234567, "1234567"),  # unchanged
    ("#,##0", 1234567, "1,234,567"),
    ("#,##0.00", 1234.5, "1,234.50"),
    ("0.00%", 0.125, "12.50%"),
])
def test_scaling_and_fractions_as_excel_shows_them(code, value, shown):
    assert show_number(value, _format_code(code), False) == shown


def test_workbook_with_scaled_and_fraction_cells():
    sheet = Sheet("Capital", [["Scheme", "Budget", "Share"],
                              ["Library roof", Cell(2_450_000, '#,##0.0,,"M"'), Cell(0.25, "# ?/?")],
                              ["Depot yard", Cell(812_300, "#,##0,"), Cell(1.75, "# ?/?")]])
    d = load_xlsx(Path("/c/capital.xlsx"), build_xlsx([sheet]))
    assert d.text.splitlines()[1:] == ["Scheme: Library roof; Budget: 2.5M; Share: 1/4",
                                       "Scheme: Depot yard; Budget: 812; Share: 1 3/4"]
