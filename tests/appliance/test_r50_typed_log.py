"""The query log keeps the question as typed (round 50): `query` was stored in NFKC (normalise_question's cleaned
text), so a full-width "？" or a "ﬁ" ligature was logged as "?"/"fi" and `log list`/`log show` never showed what the
user typed. `query` now holds the typed text (control and invisible characters cleaned as before); the NFKC text the
engine answers stays in `normalized_query`, which the export (training data) and `--search` read."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.querylog import export_train_jsonl, get_entry, list_entries, typed_question
from ragtune.appliance.store import open_store
from tests.fakes import FakeGenerator

from .test_answer import FakeRetriever, _hits

TYPED = "Where is the ﬁle\u200b for the Eiffel Tower？"  # a ligature, a zero-width space, a full-width mark
NFKC = "Where is the file for the Eiffel Tower?"


@pytest.fixture
def asked(settings):
    store = open_store(settings.home)
    out = {"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]}
    gens = [FakeGenerator([out]), FakeGenerator([out])]
    answers = [AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=g, store=store).ask(
        q, use_cache=False) for g, q in zip(gens, (TYPED, NFKC))]
    yield store, answers, gens
    store.close()


def test_the_log_keeps_the_question_as_typed_and_the_answer_is_the_one_of_its_nfkc_form(asked):
    store, (typed, plain), (g1, g2) = asked
    e = get_entry(store, typed.log_id)
    assert e["query"] == "Where is the ﬁle for the Eiffel Tower？"  # as typed, the invisible character gone
    assert get_entry(store, plain.log_id)["query"] == NFKC
    assert e["normalized_query"] == get_entry(store, plain.log_id)["normalized_query"] == NFKC.lower()
    assert g1.calls[0]["messages"] == g2.calls[0]["messages"]  # the model was asked the NFKC question, as before
    assert (typed.status, typed.answer, [c.id for c in typed.citations]) == \
        (plain.status, plain.answer, [c.id for c in plain.citations])


def test_search_finds_the_typed_entry_by_either_form_and_the_export_is_nfkc(asked):
    store, (typed, plain), _ = asked
    for text in ("ﬁle for", "file for", unicodedata.normalize("NFKC", "Tower？"), "tower？"):
        assert typed.log_id in {r["id"] for r in list_entries(store, search=text)}, text
    buf = io.StringIO()
    export_train_jsonl(store, buf)
    users = [json.loads(x)["prompt"]["user"] for x in buf.getvalue().splitlines()]
    assert users == [NFKC.lower()] * 2  # training data as it was: the question the engine answered


def test_typed_question_cleans_control_characters_but_keeps_the_characters_typed():
    assert typed_question("  Ｗｈｅｒｅ\tis\x07 it\u00ad？\r\n") == "Ｗｈｅｒｅ is it？"
    assert typed_question("caf\u00e9 vs cafe\u0301") == "caf\u00e9 vs cafe\u0301"  # not composed either (no NFC)
