"""Round 45, answer.py: a question refused by the evidence check before the model is asked says when it is in
another language than its sources (`language`, was `no_evidence`); and the answer cache tells remote servers apart
(a generator's `cache_scope`: was keyed on the local GGUF's sha256 only, so an answer made by one server, or
locally, was served as another server's)."""

from __future__ import annotations

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.store import open_store
from ragtune.appliance.types import ContextItem
from tests.fakes import FakeGenerator

from .test_answer import FakeRetriever, _hits

ENGLISH = ["The Eiffel Tower was built from 1887 to 1889 for the World's Fair in Paris, and it is 330 metres tall.",
           "Visitors can take the lifts to the top floor, which is open every day of the year from 9:30."]


class NoEvidence:
    def holds(self, question, hits, cut=None):
        return False, -20.0


def test_a_no_evidence_refusal_of_a_question_in_another_language_says_language(settings, monkeypatch):
    monkeypatch.setattr(AnswerEngine, "evidence", property(lambda self: NoEvidence()))
    with open_store(settings.home) as store:
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(ENGLISH), store), generator=FakeGenerator(),
                           store=store)
        german = eng.ask("Wann wurde der Eiffelturm gebaut und wie hoch ist er?")
        assert (german.status, german.refusal_reason) == ("refused", "language")  # was: "no_evidence"
        english = eng.ask("When was the Eiffel Tower built and how tall is it?")
        assert (english.status, english.refusal_reason) == ("refused", "no_evidence")
        assert german.answer == english.answer and german.citations == english.citations == []


class Served(FakeGenerator):
    def __init__(self, scope):
        super().__init__()
        if scope is not None:
            self.cache_scope = scope


def test_the_answer_cache_key_names_the_server_that_answers(settings):
    ctx = [ContextItem(id="S1", chunk_id=1, source="/d.md", text=ENGLISH[0])]
    keys = []
    with open_store(settings.home) as store:
        for scope in (None, {"backend": "openai", "server": "http://a:8080/v1", "served": "smollm2"},
                      {"backend": "openai", "server": "http://b:8080/v1", "served": "smollm2"},
                      {"backend": "openai", "server": "http://a:8080/v1", "served": "other"}):
            eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(ENGLISH), store), generator=Served(scope),
                               store=store)
            keys.append(eng.cache_key(ctx, "When was it built?"))
        plain = AnswerEngine(settings, retriever=FakeRetriever(_hits(ENGLISH), store), generator=FakeGenerator(),
                             store=store)
        assert plain.cache_key(ctx, "When was it built?") == keys[0]  # the local backend's keys are unchanged
    assert len(set(keys)) == 4  # was: one key for the local backend and every server
