"""Round 59: a number that names a thing in the near-miss check (near_miss.py, `other_subject`).

"size 8" is not "size 7": the answer's sentence (or table row) giving the question's noun with another number, and
the question's number nowhere but in the answer, is a near miss; so is "the 2025 accounts" for "the 2024 accounts".
No rival: a count ("order 8 boxes"), a reference into a text ("page 3 of the policy"), a range or list that holds the
number ("sizes 6 to 9", "Years 3-6"), a bound ("Level 2 or above", "from Year 3"), the question's own list. An answer
found inside a longer number ("6" in "2.6-7.5kg") is not where it was copied from. Invented texts (CC0)."""
from __future__ import annotations

import pytest

from ragtune.appliance.injection import source_view
from ragtune.appliance.near_miss import other_subject, rival
from ragtune.appliance.refusal import refusal_check
from ragtune.appliance.types import ContextItem


@pytest.mark.parametrize("question,sentence,answer,hit", [
    ("what is the reorder level for size 8 gloves", "Gloves, nitrile, size 7: reorder level 6; on hand 5.", "6",
     ("8", "7")),
    ("What time does bus 42 leave the station?", "Bus 24 leaves the station at 08:10.", "08:10", ("42", "24")),
    ("Where is room 12?", "Room 21 is on the first floor, past the lifts.", "on the first floor", ("12", "21")),
    ("Which room is the Year 5 parents' evening in?", "The Year 6 parents' evening is in the hall.", "the hall",
     ("5", "6")),
    ("What does the level 2 first aid course cost?", "The Level 3 first aid course costs £60.", "£60", ("2", "3")),
    ("How long is platform 3?", "Platform 4 is 120 metres long.", "120 metres", ("3", "4")),
    ("How much is parking in zone 2?", "Parking in zone 1 costs £1.20 an hour.", "£1.20 an hour", ("2", "1")),
    # a year before its noun
    ("What was the surplus in the 2024 accounts?", "The 2025 accounts show a surplus of £3,400.", "£3,400",
     ("2024", "2025")),
    ("When is the 2026 AGM?", "The 2025 AGM was held on 12 May at the pavilion.", "12 May", ("2026", "2025")),
    # the question's number only as the answer: it names nothing there
    ("What is the reorder level for size 8 gloves?", "Gloves size 7 - reorder level 8", "8", ("8", "7")),
    ("How many pupils are in Year 5?", "Year 6 has 28 pupils.", "28", ("5", "6")),
    # a range that leaves the question's number out is a rival still
    ("What day does Year 5 swim?", "Years 3-4 swim on Tuesdays.", "on Tuesdays", ("5", "3-4")),
])
def test_another_number_on_the_same_noun_is_a_near_miss(question, sentence, answer, hit):
    assert rival(question, sentence, "Notes", answer) == hit


@pytest.mark.parametrize("question,sentence,answer", [
    # the question's own number
    ("what is the reorder level for size 8 gloves", "Nitrile gloves size 8: reorder level 4.", "4"),
    ("How many pupils are in Year 5?", "Year 5 has 28 pupils; Year 6 has 30.", "28"),
    ("how much is membership for the 2025 season", "Membership for the 2025 season is £40, up from £35 in 2024.",
     "£40"),
    # a range or list holding it, hyphened, dashed or in words
    ("which changing room do Year 5 use", "Years 3-6 use Room B for changing.", "Room B"),
    ("Which changing room does Year 5 use?", "Years 3–6 use Room B for changing.", "Room B"),
    ("Which floor is room 12 on?", "Rooms 10 to 14 are on the first floor.", "the first floor"),
    ("Do you have size 8 wellies in stock?", "Wellies in sizes 6 to 9 are in stock now.", "in stock"),
    ("What dose is right for a child weighing 15 kg?", "Children weighing 10 to 20 kg: 5 ml twice a day.", "5 ml"),
    # a bound
    ("What does the Level 3 first aid course cost?", "Courses at Level 2 or above cost £95.", "£95"),
    ("Where does Year 5 eat lunch?", "From Year 3 upwards, pupils eat in the main hall.", "the main hall"),
    ("Is there a discount for people aged 65?", "People aged 60 and over pay half price.", "half price"),
    ("what size 8 boots do you have", "Up to size 9 we stock the Fellrunner in black.", "the Fellrunner"),
    # the question's own list or bound
    ("When is the Year 5 and 6 trip?", "The Year 6 trip to the coast is on 12 June.", "12 June"),
    ("Is there a discount for people aged 65 or over?", "People aged 60 and over pay half price.", "half price"),
    # a count after a verb, a reference into a text
    ("do we need to order 8 boxes of gloves", "Orders over 5 boxes go in on Mondays.", "on Mondays"),
    ("can I book 3 rooms for the wedding", "Groups needing more than 2 rooms should book by email.", "by email"),
    ("What does page 3 of the policy say about refunds?", "Refunds are made within 14 days (see page 5).",
     "within 14 days"),
    ("what does section 4 say about pets", "Pets are not allowed in flats (section 6 of the lease).", "not allowed"),
    # known, let through: the question's number stands in the row as a count
    ("what is the reorder level for size 8 gloves", "Gloves size 7: 8 boxes on hand, reorder level 6.", "6"),
])
def test_no_rival_number(question, sentence, answer):
    assert rival(question, sentence, "Notes", answer) is None


ROW_7 = ("code: SUP-0077; item: Sterile surgical gloves size 7; form: box of 50; supplier: Covetrus; on_hand: 5; "
         "reorder_level: 6; location: Theatre cupboard; controlled: no")
ROW_CAT = ("code: MED-0417; item: Selamectin spot-on cat 2.6-7.5kg; form: pipette x3; supplier: NVS; on_hand: 11; "
           "reorder_level: 8; location: Pharmacy shelf C2; controlled: no")
GLOVES = "what's the reorder level for size 8 sterile gloves"


def test_a_span_inside_a_longer_number_is_no_place_of_the_answer():
    # the reader's case: "6" stands in the cat row only inside "2.6-7.5kg"; the size 7 row is the answer's
    sources = [(source_view(t), t, "drug stock") for t in (ROW_7, ROW_CAT)]
    assert other_subject(GLOVES, "6", sources) == ("8", "7")
    # where the other row gives "6" whole, the answer may be copied from it: let through
    other = ROW_CAT.replace("on_hand: 11", "on_hand: 6")
    assert other_subject(GLOVES, "6", [(source_view(t), t, "drug stock") for t in (ROW_7, other)]) is None


def test_refused_other_subject_through_the_refusal_check():
    ctx = [ContextItem(id="S1", text=ROW_7, title="drug stock"), ContextItem(id="S2", text=ROW_CAT, title="drug stock")]
    v = refusal_check({"status": "ok", "answer": "6", "citations": ["S1", "S2"]}, ctx, min_support=0.34,
                      mode="extractive", question=GLOVES, min_relevance=0.01)
    assert (v.status, v.reason) == ("refused", "other_subject")
    row_8 = ROW_7.replace("size 7", "size 8")
    v = refusal_check({"status": "ok", "answer": "6", "citations": ["S1"]},
                      [ContextItem(id="S1", text=row_8, title="drug stock")], min_support=0.34, mode="extractive",
                      question=GLOVES, min_relevance=0.01)
    assert v.status == "ok"


def test_a_table_row_is_its_own_sentence():
    text = "| Room | Seats | Kit |\n|---|---|---|\n| Room 21 | 30 | projector |\n| Room 12 | 24 | screen |"
    view = source_view(text)
    assert other_subject("What's the capacity of room 12?", "30", [(view, text, "Rooms")]) == ("12", "21")
    assert other_subject("What's the capacity of room 12?", "24", [(view, text, "Rooms")]) is None
