"""Round 58 (mend7, after a reader's findings): fewer false dates and acronyms in dateforms.py and acronyms.py, and
the evidence check reads a source's date numbers only for a question that writes a date."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.acronyms import acronym_terms, asked_acronyms, spelled
from ragtune.appliance.dateforms import date_terms, dates
from ragtune.appliance.evidence import features


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


def test_a_year_is_not_a_day_the_question_asks():
    f = features("Who is on the till on 26 March?", [hit("Date: 2026-03-03; Till: Rosa Delgado")])
    assert f["number_missing"] == 1.0 and f["best_sentence"] < 0.5
    # the year's last two digits still meet a question's 2-digit year
    assert features("Who is on the till on 3/3/26?", [hit("Date: 2026-03-03; Till: Rosa Delgado")])[
        "number_missing"] == 0.0


def test_a_question_without_a_date_gets_no_date_numbers():
    assert features("Is there room for 3 people?", [hit("2026-03-03: hall booked")])["number_missing"] == 1.0
    f = features("Who is on the till on Tuesday 3 March?", [hit("Date: 2026-03-03; Till: Rosa Delgado")])
    assert f["number_missing"] == 0.0 and f["best_sentence"] == 0.5  # "3", "march" met; "tuesday" not


@pytest.mark.parametrize("question, source", [
    ("Is there a TV in the bar?", "Tom Vale runs the bar on Friday evenings."),
    ("Where is the WC?", "Wendy Clarke is on the front desk."),
])
def test_a_name_is_no_two_letter_acronym(question, source):
    assert features(question, [hit(source)])["best_sentence"] < 1.0
    assert not spelled(asked_acronyms(question), source)
    assert "zzp" + asked_acronyms(question).pop() not in acronym_terms(source)


def test_a_two_letter_acronym_the_text_defines_still_meets():
    assert spelled({"hr"}, "Ask Human Resources (HR) about leave") == {"hr"}
    assert "zzphr" in acronym_terms("Ask Human Resources (HR) about leave")
    assert "zzpagm" in acronym_terms("Annual General Meeting")  # three words need no definition


@pytest.mark.parametrize("text", ["the 4th floor", "3rd party insurance", "the 21st century club",
                                  "1st class stamps"])
def test_an_ordinal_before_a_word_is_no_day(text):
    assert date_terms(text) == []


@pytest.mark.parametrize("text", ["on the 11th", "the 11th.", "on the 11th at 3pm", "the 11th of the month"])
def test_an_ordinal_ending_its_phrase_is_a_day(text):
    assert "day11" in date_terms(text)


@pytest.mark.parametrize("text", ["add 1/2 cup of sugar", "sizes 10/12", "rated 4/5", "room 3/11 is free",
                                  "up to 1/2 price"])
def test_a_bare_pair_without_a_date_word_is_no_date(text):
    assert date_terms(text) == []


@pytest.mark.parametrize("text", ["on 3/11", "due 3/11", "until 3/11", "w/c 3/11", "Tue 3/11", "Rota - 3/11",
                                  "Fire drill 03/04/2026, then 3/11"])
def test_a_bare_pair_after_a_date_word_or_beside_a_dated_date_is_one(text):
    assert "date0311" in date_terms(text) or "date1103" in date_terms(text)


def test_overlapping_readings_and_impossible_days():
    assert dates("03 Mar 26") == [(3, 3, "")]  # not also 26 March
    assert dates("On 2 March 15 volunteers came") == [(2, 3, "")]
    assert dates("on 31/4") == [] and dates("ext 2/31") == []
    assert dates("on 29/2") == [(29, 2, "")]  # a leap day may be


def test_only_dated_dates_set_the_order():
    # "16/9" would make the text day-first; it has no year, so "03/04/2026" is read both ways
    assert dates("Fire drill 03/04/2026. Screens are 16/9.") == [(3, 4, "2026"), (4, 3, "2026"), (16, 9, "")]


def test_a_date_after_a_comma():
    assert dates("Rosa,11/03/2026,Till") == [(11, 3, "2026"), (3, 11, "2026")]
    assert dates("1,11/03/2026") == []  # a comma after a digit: a number's thousands


@pytest.mark.parametrize("text", ["v1.4.22", "version 1.2.10", "see clause 4.2.12", "section 3.1.12"])
def test_a_version_or_clause_number_is_no_date(text):
    assert date_terms(text) == []


def test_a_number_and_its_ordinal_suffix_are_one_token():
    assert acronym_terms("the 4th floor rota") == []
