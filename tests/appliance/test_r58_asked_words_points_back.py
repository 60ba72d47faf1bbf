"""Round 58 (a reader's finding on `evidence.asked_words`): the part that asks is read alone only when it names its
own subject. "My daughter plays tennis at the Harwood club. When was it founded?" asks about the club of the
situation: read alone ("founded"), it met "Harwood Cricket Club was founded in 1884." whole (0.5 -> 1.0), and "My car
is electric. Where can I park?" ("park") met a sentence about motorbikes. A word pointing back (it, they, her, one,
that, there...) or fewer than two content words: the question is read whole, as before round 58. Invented (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.evidence import asked_words, features


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


# (question with a situation, a near-miss document it must not rise over): the reader's reproducers
POINTING_BACK = [
    ("My son is in Year 8. When is his trip?", "The Year 7 trip to York is on 3 May."),
    ("I'm on the evening course. When does it start?", "The morning course starts on 4 September."),
    ("My daughter plays tennis at the Harwood club. When was it founded?", "Harwood Cricket Club was founded in 1884."),
    ("I take the night bus home. When does the last one leave?", "The last school bus leaves at 16:10."),
    ("I had my gas meter swapped. When will it be read?", "Electricity meters are read every quarter."),
    ("We're coming to the Christmas concert. What time does it start?", "The spring concert starts at 7:30pm."),
    ("I need to renew my passport. How long does it take?", "Driving licence renewals take three weeks."),
    ("I ride a moped; is there a parking charge?", "There is a charge of £2 for car parking."),
]
TOO_SHORT = [
    ("My car is electric. Where can I park?", "Motorbikes can park in bays 20 to 24."),
    ("I teach at the Kelby campus. Where do I park?", "Staff at the Ashby campus park behind block C."),
    ("I'm in the junior choir. When do we rehearse?", "The adult choir rehearses on Thursday evenings."),
    ("My home insurance claim was refused; what is the excess?", "The car insurance excess is £250."),
    ("I'm a member of the rugby club. When is the AGM?", "The cricket club AGM is on 12 March."),
]


@pytest.mark.parametrize("question,document", POINTING_BACK + TOO_SHORT)
def test_an_asking_part_without_its_own_subject_is_not_read_alone(question, document):
    assert len(asked_words(question)) == 1  # the whole question only, as before round 58
    assert features(question, [hit(document)])["best_sentence"] < 1.0  # the situation's words stay unmet


def test_the_reader_headline_cases_stay_low():
    club = features("My daughter plays tennis at the Harwood club. When was it founded?",
                    [hit("Harwood Cricket Club was founded in 1884.")])
    assert club["best_sentence"] == 0.5  # harwood, club, founded of 6; never "founded" alone (1.0)
    car = features("My car is electric. Where can I park?", [hit("Motorbikes can park in bays 20 to 24.")])
    assert car["best_sentence"] == pytest.approx(1 / 3)  # park of car, electric, park


def test_an_asking_part_that_names_its_subject_is_still_read():
    # round 58's own gains keep their asking part: two content words or more, nothing pointing back
    q = "I drove to a client site in Leeds last week. What's the mileage rate for business travel?"
    assert asked_words(q)[1] == ["mileage", "rate", "business", "travel"]
    q = "We're running a weekend game jam at our community centre; how far ahead do we need to register the event?"
    assert len(asked_words(q)) == 2  # "we" is the asker, not a word pointing into the situation
    # a pronoun in the situation is no matter: only the asking part is looked at
    q = "My mum lost her bus pass and it had money on it. How much is a replacement bus pass?"
    assert asked_words(q)[1] == ["much", "replacement", "bus", "pass"]


def test_words_pointing_back_are_whole_words_in_any_case():
    # "Theatre", "Items", "Thesis", "Oneida" hold a pronoun's letters but are none
    q = "I'm writing up my thesis. Which items does the Oneida Theatre archive lend?"
    assert len(asked_words(q)) == 2
    assert len(asked_words("Our cat went missing. Did THEY find her collar?")) == 1
    assert len(asked_words("I've moved to Leeds. Can I vote there in May?")) == 1
