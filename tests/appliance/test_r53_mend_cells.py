"""Round 53, mend of reviewer rB's table cell findings (extractive.table_cells / cell_span): a value that itself
holds "; Word:" (opening hours) is one cell, a headerless table's `a | b | c` row is cut at its "|". Invented rows."""
from __future__ import annotations

from pathlib import Path

from ragtune.appliance.extractive import cell_span, table_cells
from ragtune.appliance.ingest.loaders.delimited import load_csv
from ragtune.appliance.injection import source_view
from ragtune.appliance.types import ContextItem

SITES = ('Site,Opening hours,Phone\n'
         'Central Library,"Mon-Fri: 9-5; Sat: 10-2",01632 960100\n'
         'Kestrel Pool,"Mon-Sun: 7-9; Bank holidays: closed",01632 960200\n')


def _rows(csv: str, name: str) -> str:
    return load_csv(Path(f"/nowhere/{name}"), csv.encode()).text


def _cells(text: str) -> tuple[str, ...]:
    return table_cells(text, source_view(text).blocks)


def test_a_value_holding_its_own_labels_is_one_cell():
    text = _rows(SITES, "sites.csv")
    assert _cells(text) == ("Site: Central Library", "Opening hours: Mon-Fri: 9-5; Sat: 10-2", "Phone: 01632 960100",
                            "Site: Kestrel Pool", "Opening hours: Mon-Sun: 7-9; Bank holidays: closed",
                            "Phone: 01632 960200")  # "Phone:" is on both lines: a column; "Sat:" on one
    ctx = [ContextItem(id="S1", text=text, source="sites.csv")]
    assert cell_span("Mon-Fri: 9-5; Sat: 10-2", ctx) == "Mon-Fri: 9-5; Sat: 10-2"
    assert cell_span("Mon-Fri: 9-5; Sat: 10-2; Phone: 01632 960100", ctx) == "Mon-Fri: 9-5; Sat: 10-2"
    assert cell_span("Central Library; Opening hours: Mon-Fri: 9-5", ctx) == "Central Library"


def test_one_row_alone_keeps_a_value_with_labels_whole():
    # a chunk of one row: no other line says which labels are columns; a value that holds "Word:" goes on
    row = _rows(SITES, "sites.csv").splitlines()[0]
    ctx = [ContextItem(id="S1", text=row, source="sites.csv")]
    assert cell_span("Mon-Fri: 9-5; Sat: 10-2", ctx) == "Mon-Fri: 9-5; Sat: 10-2"
    assert cell_span("Central Library; Opening hours: Mon-Fri: 9-5", ctx) == "Central Library"
    # a plain value is still cut before the next label, even one no other line has (an empty cell elsewhere)
    one = "Issue: Broken light; Assigned to: Vik Rao; Notes: call first; Status: open"
    two = one + "\nIssue: Leak; Assigned to: Ana Ruiz; Status: closed"
    assert _cells(two)[:4] == ("Issue: Broken light", "Assigned to: Vik Rao", "Notes: call first", "Status: open")
    assert cell_span("Vik Rao; Notes: call first", [ContextItem("S1", two, source="t.csv")]) == "Vik Rao"


def test_a_headerless_row_is_cut_at_its_bars():
    text = _rows("Raj Patel,4412,07700 900123\nAna Ruiz,4413,07700 900124\n", "ext.csv")
    assert text.splitlines()[0] == "Raj Patel | 4412 | 07700 900123"
    assert _cells(text) == ("Raj Patel", "4412", "07700 900123", "Ana Ruiz", "4413", "07700 900124")
    ctx = [ContextItem(id="S1", text=text, source="ext.csv")]
    assert cell_span("4412 | 07700 900123", ctx) == "4412"
    assert cell_span("07700 900123", ctx) == "07700 900123"
    # a prose source holding the span whole is not cut, a "|" in it neither
    prose = ContextItem(id="S2", text="Dial 4412 | 07700 900123 for help.", source="notes.txt")
    assert cell_span("4412 | 07700 900123", [prose]) == "4412 | 07700 900123"
    assert cell_span("4412 | 07700 900123", ctx + [prose]) == "4412 | 07700 900123"


def test_a_bar_inside_a_labelled_value_is_no_cut():
    text = "Item: T-shirt; Sizes: S | M | L; Price: 12\nItem: Cap; Sizes: one size; Price: 8"
    assert _cells(text)[:3] == ("Item: T-shirt", "Sizes: S | M | L", "Price: 12")
    assert cell_span("S | M | L; Price: 12", [ContextItem("S1", text, source="shop.csv")]) == "S | M | L"
