"""Round 57 (mend6, reader E): fluent questions the disfluency stage (disfluency_pre.py) once rewrote, on our own
(CC0) sentences: "like" after an aside in a wh-question is the verb or preposition, "you know" after "someone" is
asked, an apposition after "you know" keeps its commas, and a repair naming "the one …" keeps the noun it is about."""

import pytest

from ragtune.appliance.normalize import normalize_query

UNCHANGED = [
    # 1. ", like" closing an aside in a wh-question
    "What is the hotel, the one by the beach, like?",
    "What would my kids, aged 6 and 8, like?",
    "What's the new GP, Dr Khan, like?",
    "What was the weather, in Lisbon, like, last October?",
    "What's the food, at the school canteen, like, these days?",
    "Which flavours do the children, the younger ones, like?",
    "What are the flats, the ones above the shop, like?",
    "How was the food, at the wedding, like?",
    "What is the campsite, the one near the lake, like in August?",
    "Which toppings do the twins, both of them, like?",
    "What's the commute, from Hove to Brighton, like, at rush hour?",
    # 3. "you know" after an indefinite pronoun is asked
    "Is it someone, you know?",
    "Was it somebody, you know?",
    "Is there anything, anyone, you know?",
]


@pytest.mark.parametrize("fluent", UNCHANGED)
def test_fluent_questions_are_unchanged(fluent):
    assert normalize_query(fluent) == fluent


REPAIRS = [
    # 2. an apposition after "you know" keeps a comma: not a copula question ("Are the fees the ones ...")
    ("Are the fees, you know, the ones on the website, up to date?",
     "Are the fees, the ones on the website, up to date?"),
    ("Is the deposit, you know, the one we paid in May, refundable?",
     "Is the deposit, the one we paid in May, refundable?"),
    # 4. a repair "the one(s) …" says which, it names no other thing
    ("Is the fee, the one for parking I mean, refundable?", "Is the fee, the one for parking, refundable?"),
    ("Is the deadline, the one for the grant I mean, in May?", "Is the deadline, the one for the grant, in May?"),
    ("Are the lockers, the ones by the pool I mean, free?", "Are the lockers, the ones by the pool, free?"),
    # still repaired as before
    ("What time is the, like, the pool open?", "What time is the pool open?"),
    ("What would you, like, recommend for a first visit?", "What would you recommend for a first visit?"),
    ("Is the gym open on Sundays, you know?", "Is the gym open on Sundays?"),
    ("Is the mayor, you know, the guy who runs the council?", "Is the mayor the guy who runs the council?"),
    ("when does the gym open, the pool I mean, on Sundays?", "when does the pool open on Sundays?"),
]


@pytest.mark.parametrize("raw, expected", REPAIRS)
def test_repairs(raw, expected):
    assert normalize_query(raw) == expected


def test_many_likes_in_a_wh_question_stay_linear():
    # the wh-question's first comma is found once, not once per "like"
    import time

    def cpu(reps):
        q = "What is the hotel, the one by the beach, " + "like, the pool, " * reps + "like?"
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            normalize_query(q)
            best = min(best, time.process_time() - t)
        return best

    small, large = cpu(500), cpu(2000)
    assert large < 6 * small + 0.05
