"""Content words without their accents (round 43): a question typed on an English or Swiss keyboard ("Muller",
"Strasse", "Bjorn Akesson") met no word of "Müller", "Straße", "Björn Åkesson" in the evidence, focus and refusal
checks, though keyword search finds them (lexical.TOKENIZER folds accents): the evidence check refused it."""

from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pytest

from ragtune.appliance.evidence import features
from ragtune.appliance.text import content_words, folded


@pytest.mark.parametrize("word, plain", [
    ("m\u00fcller", "muller"), ("stra\u00dfe", "strasse"), ("r\u00e9sum\u00e9", "resume"), ("\u00e5kesson", "akesson"),
    ("\u0153uvre", "oeuvre"), ("\u0142\u00f3d\u017a", "lodz"), ("s\u00f8ren", "soren"), ("na\u00efve", "naive"),
    ("re\u0301sume\u0301", "resume"),  # decomposed
    ("\u03c3\u03c9\u03ba\u03c1\u03ac\u03c4\u03b7\u03c2",
     "\u03c3\u03c9\u03ba\u03c1\u03b1\u03c4\u03b7\u03c2"),  # Greek: the tonos goes
    ("\u0438\u0432\u0430\u043d\u043e\u0432\u0430", "\u0438\u0432\u0430\u043d\u043e\u0432\u0430"),  # Cyrillic as it is
    ("\u96ea\u5c71", "\u96ea\u5c71"), ("plain", "plain"),
])
def test_folded(word, plain):
    assert folded(word) == plain


def test_content_words_fold_and_leave_ascii_as_it_was():
    assert content_words("Wer ist der Gesch\u00e4ftsf\u00fchrer der M\u00fcller AG?") == \
        content_words("Wer ist der Geschaftsfuhrer der Muller AG?") == ["wer", "ist", "der", "geschaftsfuhrer", "der",
                                                                      "muller", "ag"]
    nfd = "Le d\u00e9m\u00e9nagement \uff37\uff49\uff46\uff49"  # decomposed (a corpus row), fullwidth
    assert content_words(unicodedata.normalize("NFD", nfd)) == ["le", "demenagement", "wifi"]
    ascii_text = "The Running dogs' owners re-ran 12 reports, didn't they?"
    assert content_words(ascii_text) == ["running", "dogs", "owners", "re", "ran", "12", "reports", "didn"]


def test_a_question_without_accents_finds_its_words_in_the_evidence():
    hit = SimpleNamespace(text="Le mot de passe doit comporter 12 caract\u00e8res. The IT security officer is "
                               "Bj\u00f6rn \u00c5kesson; report incidents to him.", rerank=1.0)
    assert features("Who is Bjorn Akesson?", [hit])["best_sentence"] == 1.0  # was 0.0
    assert features("Who is Bj\u00f6rn \u00c5kesson?", [hit])["best_sentence"] == 1.0
