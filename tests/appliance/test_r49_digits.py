"""Round 49: the evidence check reads the numbers of every script. "٢١" (Arabic-Indic digits) in a question and the
"21" of a source were two numbers, so `number_missing` was set and an answerable question could be refused
(no_evidence). Digits go through the keyword index's one digit map (scripts.ascii_digits); ASCII text reads as
before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.evidence import features
from ragtune.appliance.numberwords import source_numbers as _numbers_in  # round 57: the reading moved there
from ragtune.appliance.scripts import ascii_digits, script_form


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


# Arabic, Persian, Devanagari, Bengali, Thai, full width
@pytest.mark.parametrize("written", ["٢١", "۲۱", "२१", "২১", "๒๑", "２１"])
def test_digits_of_every_script_are_the_ascii_number(written):
    assert _numbers_in(f"{written} يوما") == {"21"}
    assert ascii_digits(written) == "21"


def test_an_arabic_indic_number_in_the_question_is_found_in_the_source():
    question = "كم يوماً من الإجازة؟ ٢١ يوما"
    feats = features(question, [hit("كل موظف جديد يحصل على 21 يوما من الإجازة السنوية.")])
    assert feats is not None and feats["number_missing"] == 0.0
    assert features(question, [hit("كل موظف جديد يحصل على 30 يوما من الإجازة.")])["number_missing"] == 1.0


def test_arabic_thousands_separator():
    assert _numbers_in("١٬١٧٥ ريال") == {"1175"} == _numbers_in("1,175 riyal")


@pytest.mark.parametrize("text, numbers", [  # what the round-48 code read; ASCII must read exactly the same
    ("How many days of leave in 2019?", {"2019"}),
    ("It costs 1,175 euros, or 1,17 or 12,3456.", {"1175", "1", "17", "12", "3456"}),
    ("Model HS-MSA-0417 v2.5 at 8:00-18:00, ext. 4455", {"0417", "2", "5", "8", "00", "18", "4455"}),
    ("no numbers here", set()),
    ("3,000,000 and 10,000", {"3000000", "10000"}),
])
def test_ascii_text_reads_as_before(text, numbers):
    assert _numbers_in(text) == numbers


def test_ascii_features_unchanged():
    feats = features("What did the 1926 strike cost?", [hit("The 1921 strike cost 1,175 pounds. It ended.")])
    assert feats == {"best_sentence": pytest.approx(2 / 3), "top_rerank": 1.0, "number_missing": 1.0}


def test_the_keyword_index_reads_digits_through_the_same_map():
    assert script_form("رقم ٤٤٥٥") == "رقم 4455"
    assert ascii_digits("no other digits 42") == "no other digits 42"
