"""Round 59: the evidence check reads durations, weights and ranges (quantities.py): a question's "a week" or
"30kg" is met by a source's "within 7 days" or "20 kg and over"; questions without amounts are read as before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance import evidence
from ragtune.appliance.quantities import asked, met, with_amount_numbers


def _met(question: str, sentence: str) -> bool:
    return bool(met(sentence, asked(question)))


@pytest.mark.parametrize("question, sentence", [
    ("can i still get my money back in a week?", "Refunds are issued within 7 days of the return."),
    ("how much to board a 30kg labrador", "Dogs 20 kg and over: £30 per night."),
    ("will it take half an hour", "The fitting takes 30 minutes."),
    ("we're a table for 6, fine?", "We take groups of up to 8."),
    ("Is a fortnight long enough?", "Allow 14 days for delivery."),
])
def test_a_stated_amount_or_range_meets_the_question(question: str, sentence: str) -> None:
    assert _met(question, sentence)


@pytest.mark.parametrize("question, sentence", [
    ("is it ready in 30 days?", "The parcel weighs 30 kg."),  # never across kinds
    ("can I take more than 3 tablets", "Sold in a 16-tablet pack."),
    ("can my 14-month-old come along", "Classes are open from age 2."),
    ("is a 20 kg case ok", "Bags under 20 kg only."),  # "under 20" does not hold 20
])
def test_no_meeting_where_the_text_does_not_state_it(question: str, sentence: str) -> None:
    assert not _met(question, sentence)


@pytest.mark.parametrize("question", [
    "Who runs the front desk on weekends?", "what's the wifi password", "Where do I park?",
    "how do I reset my password", "Can guests bring pets", "",
])
def test_a_question_without_amounts_asks_none(question: str) -> None:
    assert asked(question) == []
    assert with_amount_numbers("Dogs 20 kg and over.", asked(question)) == "Dogs 20 kg and over."


def test_numbers_missing_no_longer_counts_a_held_weight() -> None:
    hits = [SimpleNamespace(text="Boarding prices. Dogs 20 kg and over: £30 per night.", rerank=1.0)]
    f = evidence.features("what does boarding cost for a 45kg dog?", hits)
    assert f is not None and f["number_missing"] == 0.0


def test_features_unchanged_without_amounts() -> None:
    hits = [SimpleNamespace(text="The front desk is staffed by Ana on weekends. Parking is at the rear.", rerank=0.5)]
    f = evidence.features("who is on the front desk at weekends", hits)
    assert f is not None and f["top_rerank"] == 0.5
