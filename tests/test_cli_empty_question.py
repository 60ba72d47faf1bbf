"""A question with nothing to search for is "empty question" in every place that takes one, its hint saying why:
blank (only spaces) or no letter or digit (punctuation, emoji; `ask` said "empty query" for those). The words are
normalize.empty_question's; the server's 422 (tests/serve/test_hostile.py) says them too."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.normalize import BLANK_HINT, NO_WORDS_HINT
from ragtune.cli import main
from tests.appliance.search_helpers import searchable_home
from tests.fakes import FakeGenerator


@pytest.fixture
def filled(home, monkeypatch):
    """A home with documents, a real retriever over them (fake embedder and keyword index), a fake generator."""
    import ragtune.appliance.generate as gen_mod

    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: FakeGenerator([]))
    return searchable_home(home, monkeypatch)


@pytest.mark.parametrize("command", ["ask", "search"])
@pytest.mark.parametrize("question", ["?!", "...", "\U0001f642\U0001f389", "\u0301\u0301"])
def test_no_words_is_an_empty_question_with_its_hint(filled, capsys, command, question):
    assert main([command, "--json", question]) == 2
    err = json.loads(capsys.readouterr().out)["error"]
    assert (err["message"], err["hint"]) == ("empty question", NO_WORDS_HINT)
    assert main([command, question]) == 2
    assert capsys.readouterr().err == f"error: empty question\n  hint: {NO_WORDS_HINT}\n"


def test_a_blank_question_to_ask_says_the_same_words(filled, capsys):
    assert main(["ask", "--json", "   "]) == 2
    err = json.loads(capsys.readouterr().out)["error"]
    assert (err["message"], err["hint"]) == ("empty question", BLANK_HINT)
