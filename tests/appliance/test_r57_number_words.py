"""Round 57: the evidence check's `number_missing` reads numbers a source writes as words or as a full season
(numberwords.py). A question asks for its digits only, read as at the round's start (mend2: reading its words and
seasons too refused answerable questions whose source writes the number another way), so the module can only let a
question through that was refused before, never refuse a new one. A number is still missing when no form is anywhere."""

from __future__ import annotations

import random
import re
from types import SimpleNamespace

import pytest

from ragtune.appliance import answer_code
from ragtune.appliance.evidence import features
from ragtune.appliance.numberwords import asked_numbers, labels, numbers_missing, source_numbers
from ragtune.appliance.scripts import ascii_digits


def missing(question: str, *sources: str) -> float:
    feats = features(question, [SimpleNamespace(text=s, rerank=1.0) for s in sources])
    assert feats is not None
    return feats["number_missing"]


def start_reading(text: str) -> set[str]:
    """evidence._numbers_in at the round's start (bb40938), copied: the reading a question must keep."""
    if not text.isascii():
        text = ascii_digits(text)
    return set(re.findall(r"\d+", re.sub(r"(?<=\d)[,\u066c](?=\d{3}(?!\d))", "", text)))


PIECES = ["2021", "-", "–", "/", "22", "2022", " ", "twenty", "-", "five", "eleven", "one", "hundred", "and", "a",
          "thousand", "1,175", "٢١", "١٬١٧٥", "3rd", "third", "dozen", "'", "\u00a0", "\n", "?", "years", "x", "0",
          "1999", "00", ",", ".", "twenty-five", "Twelve", "million", "ninety-nine", "2.5", "१२"]


def test_a_question_asks_for_what_it_asked_at_the_start():
    rng = random.Random(57)
    for _ in range(3000):
        q = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        assert asked_numbers(q) == start_reading(q), q
        assert start_reading(q) <= source_numbers(q), q  # a source names at least its digits, as before


@pytest.mark.parametrize("question, source", [  # readC's pairs: answerable, the source writes it another way
    ("Is the kettle covered for two years?", "Every kettle comes with a 24-month guarantee against faults."),
    ("Do I have to give two weeks' notice before leaving?", "Tenants must give a fortnight's notice in writing."),
    ("Does the parking ticket last thirty minutes?", "A short-stay ticket covers half an hour of parking."),
    ("Is the prize fifty grand?", "The winner takes home a £50,000 prize."),
    ("Is the grant fifteen thousand pounds?", "Grants of up to £15k are available to community groups."),
    ("Did the project cost twenty million?", "The project's final cost was 20,000,000 dollars."),
    ("Who were the eleven players in the final?",
     "The final side: Ames, Brook, Carr, Dale, Ely, Frost, Gale, Hume, Ives, Judd and Kerr."),
    ("When did the Thirty Years' War end?", "The war that began in Prague in 1618 ended at Westphalia in 1648."),
    ("What happened to the mill in the nineteen sixties?", "In the 1960s the mill was converted into flats."),
    ("Is there a bus at twenty to twelve?", "Buses leave at 11:40 and 12:10."),
    ("What are the two signs you see above a chemist's door?", "A green cross and a pestle and mortar."),
    ("Who won the league in 2021-22?", "Brackley were champions in 2021/'22."),
])
def test_words_in_a_question_ask_for_nothing(question, source):
    assert asked_numbers(question) == start_reading(question)
    assert missing(question, source) == 0.0


@pytest.mark.parametrize("words, value", [
    ("eleven", "11"), ("Twenty-five", "25"), ("twenty five", "25"), ("ninety-nine", "99"), ("forty", "40"),
    ("two hundred and fifty", "250"), ("twelve hundred", "1200"), ("three thousand", "3000"), ("two", "2"),
    ("two thousand three hundred and six", "2306"), ("three hundred thousand", "300000"), ("one hundred", "100"),
    ("a hundred", "100"), ("a thousand and six", "1006"), ("twenty million", "20000000"),
    ("two billion", "2000000000"), ("twenty\u2011five", "25"), ("twenty–five", "25"), ("twenty\u00a0five", "25"),
    ("twenty\nfive", "25"), ("twenty-\nfive", "25"), ("twenty\u00adfive", "25"),
])
def test_a_source_names_cardinal_words(words, value):
    assert source_numbers(f"the {words} members") == {value}
    assert missing(f"Are there {value} members?", f"The club has {words} members.") == 0.0


@pytest.mark.parametrize("source", [
    "one bedroom", "no one came", "the third headteacher", "the twenty-first group", "a dozen routes",
    "two dozen eggs", "two thirds of the rain", "the two hundred and fiftieth year", "nineteen ninety-nine",
    "one pound per hundred words", "hundreds of people", "a second time", "two three",
])
def test_a_source_does_not_name_one_ordinals_dozens_or_numbers_side_by_side(source):
    assert source_numbers(source) == set()


def test_no_run_of_words_makes_a_number_too_long():
    for text in ["hundred " * 2200, "two hundred " * 2200, "nine hundred and ninety-nine billion " * 900,
                 "thousand million billion " * 1000, "twenty " * 5000]:
        assert all(len(n) < 14 for n in source_numbers(text))


@pytest.mark.parametrize("question, source", [  # readC's near misses: no form of the number is there
    ("Is room 1 accessible?", "Room 4 has step-free access; the other one has stairs."),
    ("Does bus 1 go to the station?", "The 7 goes to the station; there is one bus an hour."),
    ("Is court 3 free on Friday?", "A third of the courts are closed for resurfacing."),
    ("Does the 12 bus stop at the hospital?", "A dozen routes serve the town centre."),
    ("Is the 2nd floor step-free?", "The second-hand shop is step-free."),
    ("Who won in 2024?", "Our 2023-24 season guide lists every fixture."),
    ("What happened in 1999?", "See pages 1998-99 of the annual report."),
    ("Is the deposit 250 pounds?", "The deposit is two hundred pounds and fifty pence per key."),
    ("Are 21 rooms available?", "Twenty rooms plus one suite."),
    ("Is the fee 100 pounds?", "The fee is one pound per hundred words."),
    ("Did it cost 2000?", "It cost two thousand and twelve."),
    ("Is the limit 3?", "The third limit is five."),
    ("What is the fine for a DVD more than 7 days late?", "Books more than fourteen days late incur a fine."),
])
def test_near_misses_stay_refused(question, source):
    assert missing(question, source) == 1.0


def test_question_digits_meet_source_words():
    assert missing("How much is the fine for a book more than 14 days late?",
                   "Books returned more than fourteen days late incur a fine of £2.50.") == 0.0
    assert missing("Is it 1,500 people?", "The hall holds fifteen hundred.") == 0.0
    assert missing("When did the 50m pool open?", "The town's first fifty-metre pool opened in 1974.") == 0.0
    assert missing("Which one is cheaper?", "The red kettle costs £20 and the blue one £25.") == 0.0  # no number


@pytest.mark.parametrize("asked", ["2021–22", "2021-22", "2021/22", "2021 - 22"])
@pytest.mark.parametrize("written", ["2021–22", "2021-22", "2021/22", "2021-2022", "2021–2022", "2021 / 2022"])
def test_a_season_written_in_full_names_its_short_year(asked, written):
    assert missing(f"Who won the league in {asked}?", f"Brackley were champions {written}.") == 0.0


def test_a_season_names_no_year_it_does_not_write():
    assert source_numbers("the 2021-2022 season") == {"2021", "2022", "22"}
    assert source_numbers("the 1999/2000 accounts") == {"1999", "2000", "00"}
    assert source_numbers("Her 2021–22 campaign") == {"2021", "22"}
    assert missing("How many goals did she score in 2022?", "Her 2021–22 campaign brought 19 goals.") == 1.0
    assert source_numbers("a span 1990-1995") == {"1990", "1995"}  # not consecutive
    assert source_numbers("on 2011-2012-05") == {"2011", "2012", "05"}  # not a season


def test_digits_read_as_before():
    assert asked_numbers("It costs 1,175 euros in 2019, model HS-0417 v2.5") == {"1175", "2019", "0417", "2", "5"}
    assert asked_numbers("Who were the eleven players, twenty-five in all, in 2021–22?") == {"2021", "22"}
    assert source_numbers("٢١ يوما") == {"21"}


def test_a_number_found_only_raises_the_evidence_score():
    # why no question is refused newly: number_missing can only fall (1 -> 0), and its weight is negative
    from pathlib import Path

    from ragtune.appliance import evidence
    model = evidence.load(Path(evidence.__file__).parent / "rerankers/default/evidence.json")
    feats = {"best_sentence": 0.5, "top_rerank": 5.0}
    assert model.score({**feats, "number_missing": 0.0}) > model.score({**feats, "number_missing": 1.0})


def test_numberwords_is_answer_code():
    assert "numberwords" in answer_code.ANSWER_MODULES


# mend6 (reader E): a question's digits right after a content word label a thing; a source's words count things
@pytest.mark.parametrize("question, source", [
    ("Is room 2 step-free?", "Two rooms on the ground floor are step-free; room 5 is upstairs."),
    ("Does bus 11 stop at the hospital?", "Eleven buses an hour stop at the hospital (routes 4 and 7)."),
    ("What time does gate 12 open?", "Twelve gates are in use; gates open two hours before departure."),
    ("What does clause 14 say?", "The lease has fourteen clauses."),
    ("Is locker 15 mine?", "Fifteen lockers are free each day."),
    ("Can we use pitch 7 on Saturday?", "Seven pitches are marked out for the junior league."),
    ("Is bay 1,000 valid?", "A thousand bays."),
])
def test_a_label_is_met_by_digits_only(question, source):
    assert missing(question, source) == 1.0
    assert missing(question, source, f"See also {labels(question).pop()}.") == 0.0


@pytest.mark.parametrize("question, source", [
    ("Can I bring 2 guests to the members evening?", "Each member may bring up to two guests."),
    ("Was the fine 200 pounds?", "The fine was two hundred pounds."),
    ("Is the gym open 24 hours?", "The gym is open twenty-four hours a day."),
    ("Do you have a room for 2 adults?", "Every room sleeps two adults."),
    ("Is the limit 3?", "The limit is three per household."),
    ("Is the pool open until 8 on Fridays?", "On Fridays the pool stays open until eight."),
    ("How much luggage can I take on a 40 seat coach?", "Our forty-seat coaches carry 20 kg each."),
    ("How many seats, 12 or more?", "The minibus has twelve seats."),
])
def test_a_quantity_is_no_label(question, source):
    assert missing(question, source) == 0.0


def test_labels_read():
    assert labels("Is room 2417 on floor 12 near the library?") == {"2417", "12"}
    assert labels("Does ward 3 allow visitors after 8?") == {"3"}
    assert labels("Is there a discount for 2 children? Book 3 nights") == set()
    assert labels("Model HS-0417 v2.5, year 9 trip") == {"9"}
    assert labels("Who teaches the Saturday 10:00 class?") == set()  # a time


def test_a_label_never_refuses_a_new_question():
    # against the round's start (digits on both sides): a label can only keep a refusal, never add one
    rng = random.Random(58)
    words = PIECES + ["room", " ", "bus ", "gate", "Room ", "for ", "pounds", "2", "11", "twelve", "rooms"]
    for _ in range(3000):
        q = "".join(rng.choice(words) for _ in range(rng.randint(0, 10)))
        s = "".join(rng.choice(words) for _ in range(rng.randint(0, 14)))
        start = bool(start_reading(q) - start_reading(s))
        assert numbers_missing(q, [s]) <= start, (q, s)


def test_long_gaps_join_nothing_and_stay_fast():
    import time
    assert source_numbers("twenty" + " " * 41 + "five") == {"20", "5"}
    assert source_numbers("twenty" + " " * 39 + "five") == {"25"}
    t = time.process_time()
    for gap in (" ", "\u00a0"):
        source_numbers("twenty" + gap * 20000 + "-x five")
    assert time.process_time() - t < 0.5  # once about 8 s: _JOIN backtracked over every space run
