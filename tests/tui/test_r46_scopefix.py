"""Round 46: a chat scope whose folder was removed (or renamed) was asked within every document on the question
that found it empty, answered from another team's documents maybe. The question is now asked within no document
(AnswerEngine refuses it, no_sources); the app clears the scope with its notice, for the next question."""

from __future__ import annotations

from ragtune.tui.scopes import ScopeState, follow
from tests.tui.fakes import ManyDocuments
from tests.tui.test_app import ask

Q_OK = "How does the LoRA adapter work?"
F00 = "/home/org/docs/f00"  # ManyDocuments(20, folders=2): ids 2, 4, …, 20


def test_a_scope_with_nothing_left_asks_within_no_document():
    docs = ManyDocuments(20, folders=2)
    state = ScopeState({"doc_ids": [2, 4]}, (F00,), docs.version, 0)
    docs.paths = {p: i for p, i in docs.paths.items() if "/f00/" not in p}
    docs.version += 1
    gone = follow(docs, state)
    assert gone is not None and gone.gone == [F00] and gone.filters == {"doc_ids": []}


async def test_the_question_that_finds_the_folder_gone_is_not_asked_of_every_document(make_app, fake_engine):
    docs = ManyDocuments(20, folders=2)
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.set_scope({"doc_ids": [2, 4]}, "f00/", refs=[F00])
        docs.paths = {p: i for p, i in docs.paths.items() if "/f00/" not in p}  # the folder renamed away
        docs.version += 1
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": []}  # was None: every document
        assert app.scope is None and any("every document again" in n.message for n in app._notifications)
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] is None  # the next question: every document, as the notice said

