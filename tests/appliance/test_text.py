"""The shared word utilities (ragtune/appliance/text.py)."""

from __future__ import annotations

from ragtune.appliance.text import STOPWORDS, stem


def test_one_stopword_list_of_function_words():
    assert {"the", "of", "whose", "per", "yes", "up"} <= STOPWORDS
    assert not {"warranty", "river", "2019", "paris"} & STOPWORDS
    assert all(w == w.lower() and w.isalpha() for w in STOPWORDS)


def test_stem_meets_inflections_and_keeps_short_words():
    assert stem("identifying") == "identify" and stem("rocks") == "rock"
    assert stem("walked") == "walk" and stem("bus") == "bus" and stem("gas") == "gas" and stem("is") == "is"
