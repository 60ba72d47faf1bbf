"""Round 58: answer typing for the wrong value from the right source. A price question ("how much … cost/pay/credit",
"what's the … fee/fare/rate/price") asks for a sum of money, free or a share; a span that is only function words
("from") is no answer of any kind; "as" alone is no length of time."""

from __future__ import annotations

import pytest

from ragtune.appliance.answertype import fits, kind


@pytest.mark.parametrize("question,expected", [
    ("What is the weekly rate for the only electric machine on the list?", "price"),
    ("what's the 2026 single fare for a resident's car?", "price"),
    ("I take the car across most days, what's the single fare for a car?", "price"),
    ("How much credit do you get when you refer a friend?", "price"),
    ("How much does a casual swim cost?", "price"),
    ("how much will I pay for a replacement key", "price"),
    ("What is the fee for a shed permit on an allotment?", "price"),
    ("What does an adult interment cost for a non-parishioner?", "price"),
    # other "how much" questions stay amounts; rates of other things are no prices
    ("How much is the parking permit?", "amount"),
    ("How much nadivatide is in the pen?", "amount"),
    ("How much did the grant come to?", "amount"),
    ("What is the rate of flow through the valve?", None),
    ("What is the rate for a double room?", "price"),
    ("What is the heart rate limit?", None),
    ("How long does it take?", "duration"),
])
def test_price_questions(question, expected):
    assert kind(question) == expected


@pytest.mark.parametrize("answer", ["£285", "£1,200 per Seat per year", "free", "Free of charge", "no charge",
                                    "3.1 million crowns", "5%", "58 per cent", "€12 per night", "£20.00",
                                    "waived in January", "12 dollars"])
def test_a_price_fits(answer):
    assert fits("What is the weekly rate for the hire?", answer)
    assert fits("How much does it cost?", answer)


@pytest.mark.parametrize("answer", ["12 metre cherry picker (CP12)", "up to 10 referrals a year", "Grisby Hire",
                                    "three days"])
def test_a_value_of_another_kind_is_no_price(answer):
    assert not fits("What is the weekly rate for the hire?", answer)
    assert not fits("How much credit do you get when you refer a friend?", answer)


@pytest.mark.parametrize("question,answer", [
    ("When do the 2026 ferry fares start?", "from"),
    ("When is the meeting?", "on the"),
    ("How many seats are there?", "of"),
    ("Who chairs the board?", "by the"),
    ("What time does it open?", "from"),
    ("How much is it?", "up to"),
])
def test_function_words_alone_fit_no_kind(question, answer):
    assert not fits(question, answer)


@pytest.mark.parametrize("question,answer", [
    ("When do the 2026 ferry fares start?", "from 16 March 2026"),
    ("When do the fares start?", "after Easter"),
    ("How many seats are there?", "none"),
    ("What is the wifi password policy?", "from"),  # no kind: unsure fits, as before
])
def test_a_value_after_a_function_word_still_fits(question, answer):
    assert fits(question, answer)


def test_as_alone_is_no_length_of_time():
    assert not fits("How long do biopsy results usually take?", "Biopsy results take longer, as explained above.")
    assert fits("How long can I keep it?", "as long as you need")
    assert fits("How long do biopsy results usually take?", "within 3 weeks")


def test_a_bare_number_may_be_a_price_from_a_table_column():
    assert fits("What is the fee for a shed permit?", "18.50")
    assert fits("How much does it cost?", "1,200")
    assert not fits("How much does it cost?", "2 guests")
