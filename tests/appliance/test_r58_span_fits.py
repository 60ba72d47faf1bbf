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


# Reviewer readB's pairs (invented, CC0): (question, right answer, asks for money?). The price kind is conservative:
# a right answer is ruled out only where the question clearly asks what something costs.
_READ_B = [
    ("How much does the membership cost?", "40 a year", True),
    ("What's the nightly rate for a double room?", "95 a night", True),
    ("What's the hourly rate for the minibus?", "12.50 an hour", True),
    ("What's the price for a child?", "half price", True),
    ("What's the fare for a child?", "half the adult fare", True),
    ("How much will the refund be?", "a full refund", True),
    ("How much of my deposit is refunded?", "all of it", True),
    ("How much discount do members get?", "a third off", True),
    ("What's the fee for a visa in India?", "Rs 500", True),
    ("How much does the ferry cost in Norway?", "kr 250", True),
    ("What's the price of a ticket in Sydney?", "AUD 30", True),
    ("How much does the permit cost?", "nil", True),
    ("How much do I pay for parking?", "two quid", True),
    ("What's the rent for the flat?", "1,200 pcm", True),
    ("How much is the compensation for a delay of 30 minutes?", "a quarter of the ticket price", True),
    ("What's the cost of the extension?", "12,500 + VAT", True),
    ("What's the fee in Poland?", "50 zł", True),
    ("How much do you get paid for mileage?", "45p a mile", True),
    ("What's the premium for the policy?", "12.40 a month", True),
    ("What's the charge for a late return?", "the full replacement cost", True),
    ("How much does it cost to post a letter?", "the price of a first-class stamp", True),
    ("How much do we charge for room hire?", "fifteen pounds an hour", True),
    ("How much does the boiler cost to run per year in energy?", "about 2,000 kWh", False),
    ("What is the fee structure?", "a flat annual fee plus a charge per use", False),
    ("How much notice do I have to give to stop paying?", "one month", False),
    ("What's the price band?", "Band C", False),
    ("What's the fare zone for Wimbledon?", "Zone 3", False),
    ("What's the rent review date?", "1 April 2027", False),
    ("What are the fees used for?", "maintaining the paths", False),
    ("What's the toll-free number?", "0800 123 456", False),
    ("What's the rent-free period?", "three months", False),
    ("What are the charges against him?", "theft and assault", False),
    ("What's the premium version called?", "Pro", False),
    ("What's the group rate minimum?", "10 people", False),
    ("What's the room rate include?", "breakfast and parking", False),
    ("What's the flow rate for the pump?", "40 litres a minute", False),
    ("How much credit does the module carry?", "15 credits", False),
    ("How much paid leave do I get?", "25 days", False),
    ("How much luggage can I take without paying extra?", "23 kg", False),
    ("How much does a full charge give me in range?", "about 250 miles", False),
    ("How much overtime is paid at double time?", "anything over 45 hours a week", False),
    ("How much pay do I lose if I strike?", "a day's pay for each day", False),
    ("How much of the course is paid for by the council?", "two thirds", False),
    ("What was the charge?", "careless driving", False),
    ("What's the cost-of-living payment date?", "14 July", False),
    ("What's the charge on an electron?", "-1.6 x 10^-19 coulombs", False),
    ("How much did the scheme cost the council in staff time?", "about 300 hours", False),
    ("How much does a charge last?", "about 8 hours", False),
]


@pytest.mark.parametrize("question,answer,money", _READ_B)
def test_a_right_answer_to_a_money_question_or_not_fits(question, answer, money):
    assert fits(question, answer)
    # a question not about money reads as a price only where its answer names what is paid ("15 credits")
    assert money or kind(question) != "price" or answer in ("15 credits", "a day's pay for each day", "two thirds")


def test_still_ruled_out_a_price_question_answered_in_years():
    # known limit: "pay in" reads as paying, and 35 years is no sum
    assert not fits("How much do I need to pay in to get the full state pension?", "35 qualifying years")


@pytest.mark.parametrize("question", ["Whats the fee for parking", "How much will it cost me to park overnight?",
                                      "what's the parking charge?", "how much deposit do I need"])
def test_plain_price_questions_still_read_as_prices(question):
    assert kind(question) == "price"
    assert not fits(question, "up to 10 referrals a year")
