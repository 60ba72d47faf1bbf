"""XLSX loader (round 51, loaders/sheets.py): the shapes Excel and LibreOffice write, values as Excel shows them,
header rows, hidden parts, and a labelled row kept whole by the chunker. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.sheet_formats import _format_code, show_number
from ragtune.appliance.ingest.loaders.sheets import load_xlsx

from .xlsx_build import Cell, Sheet, build_xlsx


def _load(sheets, **kw):
    return load_xlsx(Path("/tmp/r51-h2/Budget_2024.xlsx"), build_xlsx(sheets, **kw))


PRICES = Sheet("Price list", [
    ["Office supplies price list"], [],
    ["Item", "Price", "Discount", "Since", "In stock", "Lookup"],
    ["Stapler", Cell(4.5, '"$"#,##0.00'), Cell(0.125, 10), Cell(45352, 14), True, Cell(error="#N/A", formula="X")],
    ["Toner", Cell(1234.5, '#,##0.00 "EUR"'), Cell(0.05, 9), Cell(45383.5, "yyyy-mm-dd h:mm"), False,
     Cell("ok", formula='IF(1,"ok","")')],
    ["Desk", Cell(-250, "#,##0;(#,##0)"), 3.0, Cell(0.5, 20), Cell(7.25), Cell(error="#DIV/0!")],
])


def test_excel_workbook_values_as_shown():
    d = _load([PRICES], title="Supplies")
    assert d.kind == "xlsx" and d.title == "Supplies" and d.doc_date == "2024-03-05" and d.notes == ()
    assert d.text.splitlines() == [
        "## Sheet: Price list", "Office supplies price list", "",
        "Item: Stapler; Price: $4.50; Discount: 12.50%; Since: 2024-03-01; In stock: TRUE",
        "Item: Toner; Price: 1,234.50 EUR; Discount: 5%; Since: 2024-04-01 12:00; In stock: FALSE; Lookup: ok",
        "Item: Desk; Price: (250); Discount: 3; Since: 12:00; In stock: 7.25"]


def test_libreoffice_shape_1904_dates_and_title_from_file_name():
    d = _load([Sheet("Rota", [["Date", "Shift", "Person"], [Cell(0, 14), "Early", "Ana"],
                              [Cell(7305, "dd/mm/yyyy"), "Late", "Bo"]])], date1904=True, libreoffice=True,
              created=None)
    assert d.title == "Budget 2024" and d.doc_date is None
    assert "Date: 1904-01-01; Shift: Early; Person: Ana" in d.text
    assert "Date: 1924-01-01; Shift: Late; Person: Bo" in d.text


def test_1900_system_leap_bug_and_serials():
    f = _format_code("yyyy-mm-dd")
    assert show_number(1, f, False) == "1900-01-01"
    assert show_number(59, f, False) == "1900-02-28"
    assert show_number(60, f, False) == "1900-02-29"  # the day Excel counts that never was
    assert show_number(61, f, False) == "1900-03-01"
    assert show_number(45658, f, False) == "2025-01-01"
    assert show_number(-1, f, False) == "-1"  # no date: shown as the number
    g = _format_code("General")
    assert [show_number(v, g, False) for v in (3.0, 0.1 + 0.2, 1e20, -2.5)] == ["3", "0.3", "1E+20", "-2.5"]
    assert show_number(0.25, _format_code("0%"), False) == "25%"
    assert show_number(1234567.891, _format_code("#,##0.0"), False) == "1,234,567.9"
    assert show_number(1.5, _format_code("[h]:mm"), False) == "36:00"
    assert show_number(-3, _format_code('[$€-407] #,##0.00'), False) == "-€ 3.00"
    assert show_number(45352, _format_code('d "de" mmmm "de" yyyy'), False) == "2024-03-01"
    assert show_number(12, _format_code('0.00 "days"'), False) == "12.00 days"


def test_no_header_sheet_is_bar_rows_and_rich_inline_strings():
    d = _load([Sheet("Codes", [[1, 2, 3], [4, 5, 6]]),
               Sheet("Notes", [["Topic", "Note"], [Cell(runs=["Bold ", "part"]), Cell("typed inline", inline=True)],
                               ["Line", "one_x000D_\ntwo"]])])
    assert "## Sheet: Codes\n1 | 2 | 3\n4 | 5 | 6" in d.text
    assert "Topic: Bold part; Note: typed inline" in d.text
    assert "Topic: Line; Note: one two" in d.text  # a cell's line break (Alt+Enter) keeps its row on one line


def test_phonetic_runs_left_out_and_unicode():
    ruby = '<si><r><t>東京</t></r><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>'
    d = _load([Sheet("Ventes été 🌞", [["Ville", "Montant"], ["Zürich", 12], [Cell(si=ruby), 3]])])
    assert "## Sheet: Ventes été 🌞" in d.text
    assert "Ville: Zürich; Montant: 12" in d.text and "Ville: 東京; Montant: 3" in d.text
    assert "トウキョウ" not in d.text


def test_header_after_title_rows_and_merged_title():
    d = _load([Sheet("Q1", [["Departmental budget Q1", None, None, None], ["Prepared by finance", None, None],
                            [], ["Cost centre", "Line", "Budget", "Actual"], ["CC-100", "Travel", 5000, 4200],
                            ["CC-200", "Training", 3000, 3100]], merges=["A1:D1"])])
    lines = d.text.splitlines()
    assert lines[1:3] == ["Departmental budget Q1", "Prepared by finance"]
    assert "Cost centre: CC-100; Line: Travel; Budget: 5000; Actual: 4200" in lines
    assert d.text.count("Departmental budget Q1") == 1  # a merged cell's value once


def test_hidden_sheets_rows_columns_left_out_with_a_note():
    d = _load([Sheet("Visible", [["Name", "Salary", "Team"], ["Ana", 91000, "Ops"], ["Bo", 88000, "IT"]],
                     hidden_rows={3}, hidden_cols={2}),
               Sheet("Internal", [["secret", "pay scale"]], state="hidden"),
               Sheet("Deep", [["very", "hidden"]], state="veryHidden")])
    assert "Name: Ana; Team: Ops" in d.text
    assert "Bo" not in d.text and "91000" not in d.text and "secret" not in d.text and "very" not in d.text
    assert d.notes == ("2 hidden sheets, 1 hidden row and 1 hidden column left out: the file still holds their "
                       "cells, a reader of the spreadsheet does not see them (docs/ingest.md, Hidden text)",)


def test_empty_and_chart_only_workbooks():
    from ragtune.appliance.ingest.loaders import LoadError

    with pytest.raises(LoadError, match="empty document"):
        _load([Sheet("Sheet1", []), Sheet("Sheet2", [[None, Cell(None, fmt=14)]])])


def test_formula_without_cached_value_is_empty_not_evaluated():
    d = _load([Sheet("S", [["Item", "Total"], ["A", Cell(None, formula="SUM(1,2)")], ["B", 4]])])
    assert "Item: A\n" in d.text and "SUM" not in d.text and "Item: B; Total: 4" in d.text


def test_labelled_row_lands_whole_in_one_chunk():
    from ragtune.appliance.ingest.chunker import chunk_text

    from .ingest_helpers import real_tokenizer

    rows = [["Asset tag", "Description", "Location", "Cost", "Custodian"]]
    rows += [[f"AT-{i:05d}", f"Laptop model {i % 7} with dock", f"Building {i % 4}", Cell(1000 + i * 3.5, "#,##0.00"),
              f"Person {i}"] for i in range(400)]
    d = _load([Sheet("Assets", rows)])
    chunks = chunk_text(d.text, real_tokenizer(), chunk_tokens=200, overlap_tokens=40)
    fact = "Asset tag: AT-00321; Description: Laptop model 6 with dock; Location: Building 1; Cost: 2,123.50; " \
           "Custodian: Person 321"
    assert fact in d.text.splitlines()
    assert any(fact in c.text for c in chunks)
    for line in d.text.splitlines():  # every row whole in some chunk
        assert any(line in c.text for c in chunks)
