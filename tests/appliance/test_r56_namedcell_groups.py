"""Round 56: a grouped row's line carries its group's name in its first value, its key (`Key no.: K-03 (Block B); …`,
loaders/tablerows.py, mend10: written first and unlabelled it read as a matrix's key, readE H2/M3), so the key stays
the row's first cell: namedcell never moves an answer to it, while a matrix's row (`Weekday; Adult: £5; Child: £3`,
its labels the value columns) still moves to its first labelled cell. Invented rows (CC0)."""
from __future__ import annotations

import pytest

from ragtune.appliance.namedcell import named_cell
from ragtune.appliance.types import ContextItem


def _ctx(texts: list[str], source: str = "/share/x.docx") -> list[ContextItem]:
    return [ContextItem(f"S{i}", t, source=source) for i, t in enumerate(texts, start=1)]


def test_readc_reproducer_the_grouped_rows_key_is_never_the_answer():
    row = "Key no.: K-03 (Block B); Holder: Ann Lee; Door: Main door"
    assert named_cell("Ann Lee", ["S1"], "Who holds the main door key?", _ctx([row])) is None
    assert named_cell("Ann Lee", ["S1"], "Who holds the main door key?",
                      _ctx([row.replace(" (Block B)", "")])) is None  # as without a group


@pytest.mark.parametrize("row,question,answer", [
    # a grouped row's key: the question names the key's column to say which row (each moved to the key at 381d096)
    ("Locker: L-12 (Ground floor); Member: Tariq Aziz; Paid until: 31 March", "Who has the locker paid until 31 March?",
     "Tariq Aziz"),
    ("Pitch: P-22 (Stall holders, summer fair); Stall: Cakes; Holder: Erin Walsh", "who runs the cakes pitch?",
     "Erin Walsh"),
    ("Session: S3 (Week 3); Topic: Budgeting; Speaker: Kofi Mensah", "who gives the budgeting session", "Kofi Mensah"),
    ("Van: KX70 LMB (Van fleet); Driver: Sol Romero; Depot: Leeds", "who drives the leeds van", "Sol Romero"),
    # readE H2: bare numbers under every label (moved to the key `Room: 12`, `Flat: 3`, `Year: 2024` under mend5)
    ("Room: 12 (Ground floor); Capacity: 40", "How many people fit in the ground floor room?", "40"),
    ("Flat: 3 (Block A); Rooms: 2", "how big is the block A flat", "2"),
    ("Year: 2024 (North region); Members: 310", "north region numbers that year?", "310"),
])
def test_invented_grouped_rows_never_move_to_their_key(row, question, answer):
    key, rest = row.split("; ", 1)
    sibling = f"{key.split(': ', 1)[0]}: X-99 {key[key.index('('):]}; Member: Nia Bell"  # same group, beside it
    for served in ([row], [row, sibling]):
        assert named_cell(answer, ["S1"], question, _ctx(served)) is None


def test_grouped_rows_still_move_between_their_other_cells():
    ctx = _ctx(["Permit: Resident (Zone B); Annual: £95; Monthly: £11",
                "Permit: Visitor (Zone B); Annual: £75; Monthly: £12"], "/share/permits.html")
    assert named_cell("£11", ["S1"], "How much is an annual resident permit in Zone B?", ctx) == ("£95", ["S1"])
    ctx = _ctx(["Day: Tuesday (Week 2, 9 to 13 March); Morning: Grace Otieno; Afternoon: Ruth Adler"])
    assert named_cell("Ruth Adler", ["S1"], "Who is on the morning shift on Tuesday in week 2?", ctx) == \
        ("Grace Otieno", ["S1"])


@pytest.mark.parametrize("row,question,answer,want", [
    ("Weekday; Adult: £5; Child: £3", "What is the adult weekday price?", "£3", "£5"),
    ("Saturday; Opens: 09:00; Closes: 17:30", "What time does the library open on Saturday?", "17:30", "09:00"),
    ("2026; Budget: 7,150; Spent: 6,880; Forecast: 7,000", "what was the 2026 budget", "6,880", "7,150"),
    ("Saturday (Weekend); Adult: £7; Child: £4", "adult price on a saturday?", "£4", "£7"),  # a grouped matrix
    # readE M3: values of several shapes (kept by mend5's `_keys` as a group's key)
    ("Monday; Morning: Grace Otieno; Evening: Ruth Adler", "who is on the morning shift on monday", "Ruth Adler",
     "Grace Otieno"),
    ("Saturday; Opens: 10:00; Closes: noon", "what time does it open on saturday", "noon", "10:00"),
    ("Adult; Peak: £120; Off-peak: Free", "adult peak fare?", "Free", "£120"),
])
def test_matrix_rows_still_move_to_their_first_labelled_cell(row, question, answer, want):
    assert named_cell(answer, ["S1"], question, _ctx([row], "/share/x.html")) == (want, ["S1"])


def test_two_price_grids_sharing_a_key_still_move():  # readE M3: two grids in one source, the key `Adult` in each
    ctx = _ctx(["Adult; Peak: £120; Off-peak: £95", "Adult; Peak: £130; Off-peak: £99"], "/share/x.html")
    assert named_cell("£95", ["S1"], "what is the adult peak fare", ctx) == ("£120", ["S1"])
