"""Round 57: the evidence check's `number_missing` reads numbers written as words and seasons (numberwords.py).
"11 players" in a question met no "eleven players" in a source, and "2021–22" no "2022" nor "2021-2022", so an
answerable question could be refused (no_evidence). A number is still missing when no form of it is anywhere."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance import answer_code
from ragtune.appliance.evidence import features
from ragtune.appliance.numberwords import COUNT_WORDS, asked_numbers, source_numbers


def missing(question: str, *sources: str) -> float:
    feats = features(question, [SimpleNamespace(text=s, rerank=1.0) for s in sources])
    assert feats is not None
    return feats["number_missing"]


@pytest.mark.parametrize("words, value", [
    ("eleven", "11"), ("Twenty-five", "25"), ("twenty five", "25"), ("ninety-nine", "99"), ("forty", "40"),
    ("two hundred and fifty", "250"), ("twelve hundred", "1200"), ("three thousand", "3000"),
    ("two thousand three hundred and six", "2306"), ("three hundred thousand", "300000"), ("one hundred", "100"),
])
def test_number_words_are_numbers_both_ways(words, value):
    assert asked_numbers(f"the {words} members") == {value} == source_numbers(f"the {words} members")


@pytest.mark.parametrize("source, value", [
    ("a dozen eggs", "12"), ("two dozen eggs", "24"), ("the third headteacher", "3"), ("the twenty-first group", "21"),
    ("one bedroom", "1"), ("a thousand people", "1000"), ("the two hundred and fiftieth year", "250"),
])
def test_a_source_is_read_generously(source, value):
    assert value in source_numbers(source)


@pytest.mark.parametrize("question", [
    "Which one is open on Sunday?", "Is there no one on duty at night?", "the one who signed the lease",
    "What's a zero-hours contract?", "Can I renew a second time?", "Who was the first mayor?",
    "Who came third?", "How much for a dozen eggs?", "What about dozens of boxes?", "Is a hundred enough?",
    "which houses are nineteen ninety-nine builds",  # numbers side by side: a year, a code, a list
    "Hundreds of people came, and thousands more watched",
])
def test_a_question_does_not_ask_for_words_that_are_often_no_number(question):
    assert asked_numbers(question) == set()


def test_question_digits_meet_source_words_and_words_meet_digits():
    assert missing("How much is the fine for a book more than 14 days late?",
                   "Books returned more than fourteen days late incur a fine of £2.50.") == 0.0
    assert missing("Which room is the eleven o'clock talk in?", "Saturday's 11 o'clock talk is in the Orchard Room.") == 0.0
    assert missing("Who was the 3rd headteacher?", "The third headteacher, Margaret Olowe, led the school.") == 0.0
    assert missing("How much are 12 eggs?", "A dozen free-range eggs costs £3.20.") == 0.0


def test_a_number_is_missing_when_no_form_of_it_is_anywhere():
    assert missing("What is the fine for a DVD more than 7 days late?",
                   "Books returned more than fourteen days late incur a fine of £2.50.") == 1.0
    assert missing("Who were the eleven founding members?", "The society's 7 founding members were ...") == 1.0
    assert missing("Who was the 4th headteacher?", "The third headteacher, Margaret Olowe, led the school.") == 1.0
    assert missing("Which one is cheaper?", "The red kettle costs £20 and the blue one £25.") == 0.0  # no number


@pytest.mark.parametrize("asked", ["2021–22", "2021-22", "2021/22", "2021-2022", "2021 - 22", "2021—22"])
@pytest.mark.parametrize("written", ["2021–22", "2021-22", "2021/22", "2021-2022", "in 2021 and 2022"])
def test_season_forms_meet_each_other(asked, written):
    assert asked_numbers(f"Who won the league in {asked}?") == {"2021", "2022"}
    assert missing(f"Who won the league in {asked}?", f"Brackley were champions {written}.") == 0.0


def test_a_season_names_its_second_year():
    assert missing("How many goals did she score in 2022?", "Her 2021–22 campaign brought 19 goals.") == 0.0
    assert missing("Who was top scorer in 22?", "Her 2021–22 campaign brought 19 goals.") == 0.0
    assert missing("How many goals did she score in 2023?", "Her 2021–22 campaign brought 19 goals.") == 1.0
    assert missing("Who won in 2021-22?", "Brackley were champions in 2021.") == 1.0  # one of the two years only
    assert asked_numbers("the 1999/00 accounts") == {"1999", "2000"}


@pytest.mark.parametrize("text, numbers", [
    ("a span 1990-95", {"1990", "95"}),  # not consecutive: two numbers as before
    ("on 2011-12-05", {"2011", "12", "05"}),  # a date, not the 2011-12 season
    ("version 2.2021-22", {"2", "2021", "22"}),
    ("call 0161-2021-22", {"0161", "2021", "22"}),
])
def test_only_consecutive_years_are_a_season(text, numbers):
    assert asked_numbers(text) == numbers


@pytest.mark.parametrize("text", [
    "Who won the league in 2021–22 with twenty-five wins?", "Which one of the two hundred and fifty seats?",
    "the third of three", "No one came in 1999/00; a dozen came in 2001-02.", "٢١ يوما and 1,175 riyal",
    "twenty a hundred ninety nine 2019-2020 first 3rd", "",
])
def test_what_a_question_asks_a_source_quoting_it_holds(text):
    assert asked_numbers(text) <= source_numbers(text)
    if asked_numbers(text):
        assert missing(text, text) == 0.0


def test_digits_read_as_before():
    assert asked_numbers("It costs 1,175 euros in 2019, model HS-0417 v2.5") == {"1175", "2019", "0417", "2", "5"}
    assert source_numbers("٢١ يوما") == {"21"}


def test_numberwords_is_answer_code():
    assert "numberwords" in answer_code.ANSWER_MODULES


# mend1: a small number word in a question counts the items the answer lists, or sets up a general case; the source
# lists them without the word, so it asks for nothing. Digits, words from eleven up and seasons still ask.
@pytest.mark.parametrize("question, source", [
    ("What are the two signs you see above a chemist's door?",
     "A green cross and a pestle and mortar have long marked the chemist's shop."),
    ("Which two sisters turned down the freedom of the town?",
     "Both Agnes and Maud Feltham declined the honour in 1958, saying the mill workers deserved it more."),
    ("when three weights hang off one beam what happens to it",
     "Weights hung from a beam add up; the beam bends until its stiffness balances their total."),
    ("If two thirds of the rain runs off into the brook, where does the rest go?",
     "Most rainfall runs off into the brook; what remains soaks into the chalk and feeds the springs."),
    ("Name ten of the birds seen at the reserve this winter.",
     "Winter sightings: bittern, smew, goldeneye, water rail, marsh harrier, redwing, fieldfare, siskin, "
     "brambling, snipe and a short-eared owl."),
    ("Why did six of the parish councillors step down?",
     "Several councillors resigned in March over the sale of the playing field."),
    ("What are the four things I need to bring to the first lesson?",
     "Please bring a swimsuit, a towel, goggles and a drink."),
])
def test_a_small_count_word_asks_for_nothing(question, source):
    assert asked_numbers(question) == set()
    assert missing(question, source) == 0.0


@pytest.mark.parametrize("question, number", [
    ("Who were the eleven players picked for the final?", "11"), ("the club's twenty-five founding members", "25"),
    ("Are there three hundred seats?", "300"), ("What do twelve eggs cost?", "12"), ("twenty minutes late", "20"),
    ("Is ten thousand people the limit?", "10000"), ("What are the 2 symbols of pharmacy?", "2"),
    ("What does the ten-night walking holiday include?", "10"), ("Is the kettle covered for two years?", "2"),
    ("what happens after three days", "3"), ("Can I park for four hours?", "4"),  # a length of time, not a count
    ("Who won the league in 2021–22?", "2022"),
])
def test_digits_words_from_eleven_up_and_seasons_still_ask(question, number):
    assert number in asked_numbers(question)


def test_the_count_cut_is_ten():
    assert COUNT_WORDS == 10
    assert asked_numbers("What are the ten rules?") == set() and asked_numbers("the eleven rules") == {"11"}
    assert missing("What are the 2 signs above a chemist's door?",
                   "A green cross and a pestle and mortar mark the chemist's shop.") == 1.0  # a digit asks as before
    assert missing("Who were the eleven founding members?", "The founders were Ada Pole and Joan Rook.") == 1.0
    assert missing("What does the ten-night holiday include?", "Our five-night holiday includes breakfasts.") == 1.0
    assert missing("What does the ten-night holiday include?", "Our 10-night holiday includes breakfasts.") == 0.0
    assert asked_numbers("Which two weekdays is it open?") == set()  # "weekdays" is no unit of time after "two"
