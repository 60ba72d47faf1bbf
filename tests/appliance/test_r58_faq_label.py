"""Round 58 (h7): a yes/no answer served as its sentence (answer_yesno.py) leaves out an FAQ's "A:" / "Answer:" /
"Q:" label, as it leaves out a list marker. Invented FAQ (CC0)."""

from __future__ import annotations

import pytest

from ragtune.appliance.answer_yesno import ruling_sentence, sentence_of
from ragtune.appliance.extractive import check_span
from ragtune.appliance.injection import source_view
from ragtune.appliance.refusal import Verdict
from ragtune.appliance.types import ContextItem

FAQ = ("Frequently asked questions\n\nQ: Can I bring my dog?\nA: Only assistance dogs are allowed inside the "
       "building. Dogs on a lead are welcome in the garden.\n\nQuestion: Is there parking?\nAnswer: Yes, 12 spaces "
       "behind the hall.\n\nQ : Can I smoke outside?\nA : Not within 5 metres of a door.")


def _item(text):
    return ContextItem(id="S1", text=text, source="/docs/faq.txt")


@pytest.mark.parametrize("span,sentence", [
    ("assistance dogs", "Only assistance dogs are allowed inside the building."),
    ("12 spaces", "Yes, 12 spaces behind the hall."),
    ("5 metres", "Not within 5 metres of a door."),
    ("on a lead", "Dogs on a lead are welcome in the garden."),  # not the first sentence: nothing to strip
])
def test_faq_labels_are_left_out_of_the_sentence(span, sentence):
    assert sentence_of(span, _item(FAQ)) == sentence


def test_a_yes_no_answer_never_opens_with_the_label_and_stays_a_span():
    for span in ("assistance dogs", "A: Only assistance dogs"):  # the model's span may hold the label too
        v = ruling_sentence(Verdict("ok", span, ["S1"]), [_item(FAQ)], "can i bring my dog in", "extractive")
        assert v == Verdict("ok", "Only assistance dogs are allowed inside the building.", ["S1"])
        assert check_span(v.text, [("S1", source_view(FAQ).blocks)]) == (v.text, ["S1"])


def test_words_that_only_look_like_labels_stay():
    text = "Area A: the main hall is free on Mondays. Plan A is to open at 9."
    assert sentence_of("free on Mondays", _item(text)) == "Area A: the main hall is free on Mondays."
    assert sentence_of("open at 9", _item("A. Smith will open at 9.")) == "A. Smith will open at 9."
