"""Answer typing: the kind a question asks for, and spans that clearly are not of it."""

from __future__ import annotations

import pytest

from ragtune.appliance.answertype import fits, kind


@pytest.mark.parametrize("question,expected", [
    ("How long can I keep a library book?", "duration"),
    ("for how long is the visitor pass valid", "duration"),
    ("how much time do we get for lunch", "duration"),
    ("How often are the fire alarms tested?", "frequency"),
    ("how many desks are on the third floor", "count"),
    ("How much is the parking permit?", "amount"),
    ("how old must a volunteer be", "count"),
    ("What time does the canteen open?", "clock"),
    ("When did the new rota start?", "date"),
    ("the printer on floor 2, when was it last serviced", "date"),
    ("In which year was the hall rebuilt?", "date"),
    ("Who signs off overtime?", "person"),
    ("whose laptop was left in room 4", "person"),
    # no clear wh-phrase: no kind
    ("What is the wifi password policy?", None),
    ("canteen opening hours friday", None),
    ("When there's a fire drill, what is the assembly point?", None),
    ("The officer who approved it, which form did she use?", None),
])
def test_kind_comes_from_a_wh_phrase_that_opens_a_clause(question, expected):
    assert kind(question) == expected


@pytest.mark.parametrize("question,answer", [
    ("How long can a van stay in the loading bay?", "40 minutes"),
    ("How long can a van stay in the loading bay?", "until 18:00"),
    ("How long is the running track?", "400 metres"),
    ("How long may I stay?", "two weeks"),
    ("How often are the fire alarms tested?", "once a week"),
    ("How often are the fire alarms tested?", "every Monday at 10:00"),
    ("How often are the fire alarms tested?", "weekly"),
    ("How often do I take it?", "every 6 hours"),
    ("how many desks are on the third floor", "twelve"),
    ("how many desks are on the third floor", "48"),
    ("How much is the parking permit?", "£35 a month"),
    ("How much is the parking permit?", "free for staff"),
    ("What time does the canteen open?", "7:30"),
    ("What time does the canteen open?", "noon"),
    ("When did the new rota start?", "1 March 2026"),
    ("When did the new rota start?", "after the spring review"),
    ("When must the form be returned?", "within ten working days"),
    ("On which day is the clinic open?", "Tuesdays and Thursdays"),
    ("Who signs off overtime?", "the line manager"),
    ("Who signs off overtime?", "Dana Whitlow"),
    ("Whose office is room 4?", "Facilities Team, Block 2"),
    # no kind asked: anything fits
    ("What is the wifi password policy?", "3.5 kg"),
])
def test_spans_of_the_asked_kind_fit(question, answer):
    assert fits(question, answer)


@pytest.mark.parametrize("question,answer", [
    ("How long can a van stay in the loading bay?", "up to 3.5 tonnes"),
    ("How often are the fire alarms tested?", "at any time of day"),
    ("How often are the fire alarms tested?", "the caretaker"),
    ("how many desks are on the third floor", "the open-plan area"),
    ("What time does the canteen open?", "the ground floor"),
    ("When did the new rota start?", "4.2 million euros"),
    ("When did the new rota start?", "£120"),
    ("When did the new rota start?", "GBP 120"),
    ("When did the new rota start?", "Lantern House"),
    ("Who holds the office record?", "42.5 kilometres"),
    ("Who holds the office record?", "1 April 2024"),
    ("Who paid for the party?", "$400"),
])
def test_spans_that_clearly_are_not_the_asked_kind_do_not(question, answer):
    assert not fits(question, answer)
