"""Round 58: the evidence check reads a question that first sets out the asker's situation ("We're running a game jam
at our community centre; how far ahead do we need to register the event?") also by the part that asks
(`evidence.asked_words`): the situation's words are the asker's, no document needs them, and they diluted
`best_sentence` until an answerable question was refused "no_evidence". Invented text (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

from ragtune.appliance.evidence import asked_words, features


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


def test_a_bare_question_is_read_as_before():
    assert asked_words("How late is the pharmacy open on Saturdays?") == [["late", "pharmacy", "open", "saturdays"]]
    assert asked_words("when is bin day") == [["bin", "day"]]
    # a full stop ends a part only before a question's first word: "Dr. Patel", "10 a.m." are no situation
    assert len(asked_words("What time does Dr. Patel see patients on Mondays?")) == 1
    assert len(asked_words("Is the 10 a.m. class full?")) == 1
    assert len(asked_words("I drove to Leeds. The mileage rate?")) == 1
    assert len(asked_words("Sorry. ")) == 1  # a part without a content word is none


def test_the_part_that_asks_is_read_too():
    words = asked_words("I drove to a client site in Leeds last week. What's the mileage rate for business travel?")
    assert len(words) == 2 and words[1] == ["mileage", "rate", "business", "travel"]
    assert set(words[1]) < set(words[0])  # the whole question is still read
    # a clause of its own after a semicolon or a colon; the part with the question mark, wherever it stands
    assert asked_words("our spaniel got out; how much is the release fee")[1] == ["much", "release", "fee"]
    assert asked_words("Quick one: when does the choir rehearse?")[1] == ["choir", "rehearse"]
    assert asked_words("When does the choir rehearse? I used to sing at school.")[1] == ["choir", "rehearse"]


def test_best_sentence_is_the_larger_share():
    doc = hit("Mileage for business travel is paid at 45p per mile. Claims are made within 60 days.")
    situated = "I drove to a client site in Leeds last week in my own car. What's the mileage rate for business travel?"
    assert features(situated, [doc])["best_sentence"] == 0.75  # 3 of "mileage rate business travel"
    bare = "What's the mileage rate for business travel?"
    assert features(bare, [doc])["best_sentence"] == 0.75
    # never lower than the whole question's share
    both = "Mileage claims for Leeds. Is parking at the station paid?"
    whole = len({"mileage", "claims"}) / len(asked_words(both)[0])
    assert features(both, [doc])["best_sentence"] >= whole


def test_a_near_miss_stays_a_miss():
    doc = hit("Mileage for business travel is paid at 45p per mile.")
    near = "I drove to a client site in Leeds last week in my own car. Can I claim for parking at the station?"
    assert features(near, [doc])["best_sentence"] == 0.0
