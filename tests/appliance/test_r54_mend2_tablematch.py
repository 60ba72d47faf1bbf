"""Round 54, mend of reviewer readA: the row rule (tablematch.key_rows) did not narrow when the named row was its
file's only row served and a value held its own "Word:" ("Hours: Mon-Thu: 9-5"): the row read as one cell from
there on (rowcells.py: a column is a label on two served rows), the asked column hidden inside it, and the model
could copy the extension of the row whose line manager is Daniel Reed (round 52's mix-up). A label starting any
`; Label:` part of the row now counts as asked, unless its words are the key's own ("Sat:" of the key "Sat: closed")."""

from __future__ import annotations

from ragtune.appliance.extractive import extractive_sources
from ragtune.appliance.rowcells import part_labels
from ragtune.appliance.types import ContextItem

LEAD = "Name: Amy Lee; Line manager: Daniel Reed; Extension: 4413"


def _kept(first: str, question: str, second: str = LEAD) -> list[str]:
    ctx = [ContextItem("S1", first, source="/share/phones.csv"), ContextItem("S2", second, source="/share/org.csv")]
    return [cid for cid, _ in extractive_sources(ctx, question)]


def test_the_asked_column_inside_a_value_holding_its_own_word():
    assert _kept("Name: Daniel Reed; Hours: Mon-Thu: 9-5, Fri: 9-1; Extension: 4412",
                 "What is Daniel Reed's extension?") == ["S1"]
    assert _kept("Name: Daniel Reed; Subject: Re: lunch; Extension: 4412", "What is Daniel Reed's extension?") == ["S1"]


def test_a_label_of_nine_words_before_the_asked_column():
    # (a label of 9 words is no label: its part goes on inside the Team cell, which then holds a "Word:")
    row = "Name: Daniel Reed; Team: Sales; How satisfied were you with the help you got today: 5; Extension: 4412"
    assert _kept(row, "What is Daniel Reed's extension?") == ["S1"]


def test_the_keys_own_words_are_no_asked_column():
    # the key "Sat: closed" holds "Sat:"; the question asks no column of the row: nothing is left out
    assert _kept("Day: Sat: closed; Notes: Sat: shut", "Who works on Sat: closed?",
                 "Day: Mon; Notes: Sat: closed") == ["S1", "S2"]


def test_part_labels():
    assert part_labels("Name: Daniel Reed; Hours: Mon-Thu: 9-5; Extension: 4412") == {
        ("Name:",), ("Hours:",), ("Extension:",)}
