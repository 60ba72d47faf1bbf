"""Round 56 (mend5): a grouped row's line starts with its group's name, unlabelled (`Block B; Key no.: K-03; …`,
loaders/tablerows.py), so its key is the second cell; namedcell never moves an answer to it, while a matrix's row
(`Weekday; Adult: £5; Child: £3`, its labels the value columns) still moves between its cells. Invented rows (CC0)."""
from __future__ import annotations

import pytest

from ragtune.appliance.namedcell import _keys, named_cell
from ragtune.appliance.types import ContextItem


def _ctx(texts: list[str], source: str = "/share/x.docx") -> list[ContextItem]:
    return [ContextItem(f"S{i}", t, source=source) for i, t in enumerate(texts, start=1)]


def test_readc_reproducer_the_grouped_rows_key_is_never_the_answer():
    row = "Key no.: K-03; Holder: Ann Lee; Door: Main door"
    assert named_cell("Ann Lee", ["S1"], "Who holds the main door key?", _ctx([f"Block B; {row}"])) is None
    assert named_cell("Ann Lee", ["S1"], "Who holds the main door key?", _ctx([row])) is None  # as without a group


@pytest.mark.parametrize("row,question,answer", [
    # a group's name before keyed rows: the question names the key's column to say which row (each moved to the key
    # before: `L-12`, `P-22`, `S3`)
    ("Ground floor; Locker: L-12; Member: Tariq Aziz; Paid until: 31 March", "Who has the locker paid until 31 March?",
     "Tariq Aziz"),
    ("Stall holders, summer fair; Pitch: P-22; Stall: Cakes; Holder: Erin Walsh", "who runs the cakes pitch?",
     "Erin Walsh"),
    ("Week 3; Session: S3; Topic: Budgeting; Speaker: Kofi Mensah", "who gives the budgeting session", "Kofi Mensah"),
    ("Van fleet; Van: KX70 LMB; Driver: Sol Romero; Depot: Leeds", "who drives the leeds van", "Sol Romero"),
])
def test_invented_grouped_rows_never_move_to_their_key(row, question, answer):
    group, rest = row.split("; ", 1)
    sibling = f"{group}; {rest.split(': ', 1)[0]}: X-99; Member: Nia Bell"  # a row of the same group served beside it
    for served in ([row], [row, sibling], [rest]):
        assert named_cell(answer, ["S1"], question, _ctx(served)) is None


def test_grouped_rows_still_move_between_their_other_cells():
    ctx = _ctx(["Zone B; Permit: Resident; Annual: £95; Monthly: £11",
                "Zone B; Permit: Visitor; Annual: £75; Monthly: £12"], "/share/permits.html")
    assert named_cell("£11", ["S1"], "How much is an annual resident permit in Zone B?", ctx) == ("£95", ["S1"])
    ctx = _ctx(["Week 2 (9 to 13 March); Day: Tuesday; Morning: Grace Otieno; Afternoon: Ruth Adler"])
    assert named_cell("Ruth Adler", ["S1"], "Who is on the morning shift on Tuesday in week 2?", ctx) == \
        ("Grace Otieno", ["S1"])


@pytest.mark.parametrize("row,question,answer,want", [
    ("Weekday; Adult: £5; Child: £3", "What is the adult weekday price?", "£3", "£5"),
    ("Saturday; Opens: 09:00; Closes: 17:30", "What time does the library open on Saturday?", "17:30", "09:00"),
    ("2026; Budget: 7,150; Spent: 6,880; Forecast: 7,000", "what was the 2026 budget", "6,880", "7,150"),
    ("Weekend; Saturday; Adult: £7; Child: £4", "adult price on a saturday?", "£4", "£7"),  # a grouped matrix
])
def test_matrix_rows_still_move_to_their_first_labelled_cell(row, question, answer, want):
    assert named_cell(answer, ["S1"], question, _ctx([row])) == (want, ["S1"])


def test_a_first_cell_other_rows_repeat_is_a_group_not_a_matrix_key():
    # two rows of one table served with the same first cell: a group's rows, whose first labelled cell is the key
    rows = ["Block A; Flat: 3; Rooms: 2", "Block A; Flat: 4; Rooms: 3"]
    assert named_cell("2", ["S1"], "How many rooms has the block A flat?", _ctx(rows[:1])) is None
    assert named_cell("2", ["S1"], "Which flat in block A has 2 rooms?", _ctx(rows)) is None
    cells = [("", "Block A"), ("Flat", "3"), ("Rooms", "2")]
    assert _keys(cells, []) == 1  # alone: numbers under every label read as a matrix's
    assert _keys(cells, [[("", "Block A"), ("Flat", "4"), ("Rooms", "3")]]) == 2
    assert _keys(cells, [[("", "Block C"), ("Flat", "4"), ("Rooms", "3")]]) == 1
    assert _keys([("", "Block B"), ("Key no.", "K-03"), ("Holder", "Ann Lee")], []) == 2
    assert _keys([("Key no.", "K-03"), ("Holder", "Ann Lee")], []) == 1  # no group: the first cell keys it
