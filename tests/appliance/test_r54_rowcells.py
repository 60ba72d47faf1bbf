"""Round 54, rowcells.py: one reader of a `Label: value; Label: value` row for the row rule (tablematch.row_cells,
key_rows) and the cell cut (extractive.table_cells). Invented rows; the rota row's shape is the bundled corpus's
(registers/rotas/ashby-library-volunteer-rota.csv: a value "Half term: ...")."""
from __future__ import annotations

from ragtune.appliance.extractive import extractive_sources, table_cells
from ragtune.appliance.injection import source_view
from ragtune.appliance.rowcells import column_labels, ends_cell, label_at, row_cells
from ragtune.appliance.tablematch import row_cells as table_row
from ragtune.appliance.types import ContextItem

HOURS = "Site: Central Library; Opening hours: Mon-Fri: 9-5; Sat: 10-2; Phone: 01632 960100"
ROTA = ["Week: 7; Monday: Half term: craft week - Nadia Firth; Tuesday: Priya Anand; Driver: Gareth Lowe",
        "Week: 8; Monday: Hollis Mbeki; Tuesday: Nadia Firth; Driver: Priya Doyle",
        "Week: 9; Monday: Gareth Lowe; Tuesday: Hollis Mbeki; Driver: Nadia Firth"]


def test_a_label_is_a_few_words_up_to_a_colon():
    words = "Assigned to: Vik Rao; then: x".split()
    assert label_at(words, 0) == ("Assigned", "to:")
    assert label_at(words, 2) is None  # "Rao;" comes first
    assert label_at("one two three four five six seven eight nine: x".split(), 0) is None  # prose, not a label


def test_cells_of_a_row():
    assert row_cells("Issue: Broken light; Assigned to: Vik Rao", set()) == [("Issue", "Broken light"),
                                                                             ("Assigned to", "Vik Rao")]
    # a value's own "; " (no label after it) and "; Word:" (its value holds a "Word:") go on inside it
    assert row_cells("Notes: call first; then wait; Status: open", set()) == [("Notes", "call first; then wait"),
                                                                              ("Status", "open")]
    assert row_cells(HOURS, set()) == [("Site", "Central Library"),
                                       ("Opening hours", "Mon-Fri: 9-5; Sat: 10-2; Phone: 01632 960100")]
    # ... unless the label is a column of the table (another row starts a part with it)
    columns = column_labels([HOURS, "Site: Kestrel Pool; Opening hours: Mon-Sun: 7-9; Phone: 01632 960200"])
    assert ("Phone:",) in columns and ("Sat:",) not in columns
    assert row_cells(HOURS, columns)[1:] == [("Opening hours", "Mon-Fri: 9-5; Sat: 10-2"), ("Phone", "01632 960100")]
    # a value under no label (an empty header cell) is a cell of its own
    assert row_cells("Stapler; Price: 4.50", set()) == [("", "Stapler"), ("Price", "4.50")]
    assert row_cells("Name: Bob ;  Team: Payroll", set()) == [("Name", "Bob"), ("Team", "Payroll")]


def test_ends_cell_is_the_cut_both_readers_make():
    words = HOURS.split()
    k = words.index("9-5;")
    assert not ends_cell(words, k, words[2:k], set()) and ends_cell(words, k, words[2:k], {("Sat:",)})
    assert not ends_cell(words, 0, [], set())  # no ";"


def test_the_row_rule_and_the_cell_cut_read_a_row_alike():
    # one row alone: neither cuts before "Tuesday:" (the value before holds "Half term:"), so the row's key and the
    # cell a span may end with agree
    assert table_row(ROTA[0]) == [("Week", "7"), ("Monday", ROTA[0].split("Monday: ")[1])]
    assert "Monday: Half term: craft week - Nadia Firth; Tuesday: Priya Anand; Driver: Gareth Lowe" in table_cells(
        ROTA[0], source_view(ROTA[0]).blocks)
    # with the table's other rows served, "Tuesday:" is a column: the row rule cuts there, as table_cells does
    # for a chunk of several rows
    assert table_row(ROTA[0], column_labels(ROTA))[1:] == [("Monday", "Half term: craft week - Nadia Firth"),
                                                           ("Tuesday", "Priya Anand"), ("Driver", "Gareth Lowe")]
    text = "\n".join(ROTA)
    assert "Monday: Half term: craft week - Nadia Firth" in table_cells(text, source_view(text).blocks)


def test_key_rows_read_the_columns_of_the_rows_served():
    rows = ["Name: Nadia Firth; Monday: Half term: craft week; Tuesday: Library; Extension: 4412",
            "Name: Hollis Mbeki; Monday: Library; Tuesday: Desk; Extension: 4413",
            "Name: Priya Doyle; Monday: Desk; Tuesday: Half term: games; Extension: 4414"]
    ctx = [ContextItem(f"S{i}", r, source="/share/rota.csv") for i, r in enumerate(rows, start=1)]
    # Nadia Firth's row holds "Half term:" in a value: cut at the columns the other rows show, its "Extension" is
    # the column asked for (alone, the row would be [Name, Monday: "Half term: craft week; Tuesday: …"], no lookup)
    assert table_row(rows[0])[1:] == [("Monday", "Half term: craft week; Tuesday: Library; Extension: 4412")]
    assert [cid for cid, _ in extractive_sources(ctx, "What is Nadia Firth's extension?")] == ["S1"]
    assert [cid for cid, _ in extractive_sources(ctx, "What is Priya Doyle's extension?")] == ["S3"]
