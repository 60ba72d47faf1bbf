"""Scopes in the chat app: `ragtune chat --in REF` and `a` in the document view answer the next questions within
part of the documents (every `engine.ask` gets the scope's filters), the status bar says so, and ctrl+s (chat or
document view) answers from every document again."""

from __future__ import annotations

import types

import pytest

from ragtune.tui.docsource import DocumentText
from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.widgets.status import StatusBar
from tests.tui.fakes import FAKE_DOC_IDS, FakeDocuments
from tests.tui.test_app import ask

Q_OK = "How does the LoRA adapter work?"
ADAPTERS = FAKE_DOC_IDS["docs/adapters.md"]
APPLIANCE = FAKE_DOC_IDS["docs/appliance.md"]


def status_line(app) -> str:
    return app.screen.query_one(StatusBar).render().plain


def shown_keys(screen) -> set[str]:
    """The keys the footer shows (bindings whose check_action hides them are left out)."""
    return {k for k, b in screen.active_bindings.items() if b.binding.show}


async def test_a_scope_from_the_command_line_reaches_every_ask(make_app, fake_engine):
    app = make_app(scope={"doc_ids": [ADAPTERS]})
    async with app.run_test(size=(120, 30)) as pilot:
        assert "within 1 document" in status_line(app)
        assert "ctrl+s" in shown_keys(app.screen)
        msg = await ask(pilot, "What does the appliance answer offline?")  # the words of the other document
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": [ADAPTERS]}
        assert msg.state == "ok" and {c.source for c in msg.answer.citations} <= {"docs/adapters.md"}
        await ask(pilot, Q_OK)
        assert [a["filters"] for a in fake_engine.asked] == [{"doc_ids": [ADAPTERS]}] * 2


async def test_without_a_scope_nothing_is_filtered_and_ctrl_s_is_not_shown(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        assert "within" not in status_line(app) and "ctrl+s" not in shown_keys(app.screen)
        await pilot.press("ctrl+s")  # nothing to clear: nothing happens
        await pilot.pause()
        assert app.scope is None and isinstance(app.screen, ChatScreen)
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] is None


async def test_ctrl_s_answers_from_every_document_again(make_app, fake_engine):
    app = make_app(scope={"doc_ids": [ADAPTERS, APPLIANCE]})
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        assert "within 2 documents" in status_line(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.scope is None and "within" not in status_line(app)
        assert "ctrl+s" not in shown_keys(app.screen)
        assert any("every document" in n.message for n in app._notifications)
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] is None


async def test_the_status_bar_keeps_the_scope_when_it_is_compact(make_app):
    app = make_app(scope={"doc_ids": [1, 2, 3]})
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        line = status_line(app)
        assert "within 3 documents" in line and "model" not in line  # the labels went, the scope stayed


def test_with_the_state_first_the_scope_comes_next():
    bar = StatusBar()
    bar.model_id, bar.documents, bar.state, bar.scope = "f00dfeed" * 8, 12, "answering… esc: stop", "3 documents"
    assert bar._full().plain.endswith(" │ 12 docs │ within 3 documents │ answering… esc: stop")
    first = bar._compact(state_first=True).plain
    assert first.startswith(" answering… esc: stop │ within 3 documents │ f00dfeed")


async def open_cited_document(pilot) -> DocumentScreen:
    await ask(pilot, Q_OK)
    await pilot.press("ctrl+n")
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DocumentScreen)
    return pilot.app.screen


async def test_a_in_the_document_view_asks_within_that_document(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        doc = await open_cited_document(pilot)
        assert "a" in shown_keys(doc) and "ctrl+s" not in shown_keys(doc)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)  # back to ask
        want = {"doc_ids": [FAKE_DOC_IDS[doc.doc.source]]}
        assert app.scope == want and "within 1 document" in status_line(app)
        assert any(doc.doc.source.rsplit("/", 1)[-1] in n.message for n in app._notifications)
        await ask(pilot, "What does the appliance answer offline?")
        assert fake_engine.asked[-1]["filters"] == want
        # ctrl+s in the document view clears it too, and the chat says so when it comes back
        await open_cited_document(pilot)
        assert "ctrl+s" in shown_keys(app.screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.scope is None and "ctrl+s" not in shown_keys(app.screen)
        await pilot.press("escape")
        await pilot.pause()
        assert "within" not in status_line(app)
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] is None


async def test_a_document_no_longer_stored_cannot_be_asked_within(make_app):
    class Gone(FakeDocuments):
        def document(self, item):
            return DocumentText(item.source, "", item.text, (0, len(item.text)), note="no longer stored")

    app = make_app(documents=Gone())
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await open_cited_document(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen) and app.scope is None
        assert any("no longer stored" in n.message for n in app._notifications)


async def test_the_scope_set_while_answering_is_for_the_next_question(make_app):
    import threading

    from tests.tui.fakes import FakeEngine, ask_until_streaming

    gate = threading.Event()
    engine = FakeEngine(gate=gate)
    app = make_app(engine=engine, scope={"doc_ids": [ADAPTERS]})
    async with app.run_test(size=(120, 30)) as pilot:
        await ask_until_streaming(pilot, Q_OK)
        await pilot.press("ctrl+s")
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert engine.asked[-1]["filters"] == {"doc_ids": [ADAPTERS]} and app.scope is None


# -- `ragtune chat --in REF` ------------------------------------------------------------------------------------------

@pytest.fixture
def chat_cli(home, monkeypatch):
    """`ragtune chat` as if on a terminal, the app replaced by a record of what it was opened with."""
    import ragtune.cli.chat_cmd as chat_mod

    tty = types.SimpleNamespace(isatty=lambda: True)
    monkeypatch.setattr(chat_mod, "sys", types.SimpleNamespace(stdin=tty, stdout=tty))
    opened: list = []
    monkeypatch.setattr(chat_mod, "_open_app",
                        lambda settings, scope=None, scope_refs=None, **_kw: opened.append((scope, scope_refs)))
    return opened


@pytest.fixture
def stored(home, tmp_path):
    """Three stored documents: DOCS/hr/leave.md, DOCS/hr/sick.md, DOCS/other.md (ids in that order)."""
    from ragtune.appliance.store import Store
    from tests.appliance.test_retrieve import FakeEmbedder
    from tests.appliance.test_retrieve_scope import _put

    home.ensure()
    docs = tmp_path / "docs"
    store = Store(home.db_path)
    emb = FakeEmbedder()
    with store.transaction():
        ids = [_put(store, emb, f"{docs}/{p}", [f"text of {p}"]) for p in ("hr/leave.md", "hr/sick.md", "other.md")]
    store.close()
    return docs, ids


def _run(argv, capsys):
    from ragtune.cli import main

    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_chat_in_opens_the_app_scoped(chat_cli, stored, capsys):
    docs, ids = stored
    assert _run(["chat", "--in", str(docs / "hr")], capsys)[0] == 0
    assert _run(["chat", "--in", str(ids[2]), "--in", str(docs / "hr" / "sick.md")], capsys)[0] == 0
    assert _run(["chat"], capsys)[0] == 0
    # the refs go along: the app follows the folder when documents come and go (test_documents.py)
    assert chat_cli == [({"doc_ids": sorted(ids[:2])}, [str(docs / "hr")]),
                        ({"doc_ids": sorted(ids[1:])}, [str(ids[2]), str(docs / "hr" / "sick.md")]), (None, [])]


def test_chat_in_a_ref_that_matches_nothing_is_exit_2_before_the_app(chat_cli, stored, capsys):
    docs, _ids = stored
    for ref in (str(docs / "h"), "999999"):
        code, _out, err = _run(["chat", "--in", str(docs / "hr"), "--in", ref], capsys)
        assert code == 2 and "no ingested document matches" in err and ref in err, err
        assert "Traceback" not in err
    assert chat_cli == []


def test_chat_in_on_a_home_without_documents_creates_nothing(chat_cli, home, capsys):
    home.ensure()
    code, _out, err = _run(["chat", "--in", "/srv/hr"], capsys)
    assert code == 2 and "nothing is ingested yet" in err and chat_cli == []
    assert not home.db_path.exists()


def test_chat_in_is_in_the_help(capsys):
    code, out, _ = _run(["chat", "--help"], capsys)
    assert code == 0 and "--in REF" in out


async def test_an_answer_given_within_a_scope_says_so_after_the_scope_is_cleared(make_app):
    """The status bar says the scope only while it holds: each answer's own line keeps the scope it was asked in,
    so after ctrl+s the transcript does not read as if every document had been searched."""
    import threading

    from tests.tui.fakes import FakeEngine, ask_until_streaming
    from tests.tui.test_app import Q_REFUSED

    gate = threading.Event()
    gate.set()
    app = make_app(engine=FakeEngine(gate=gate), scope={"doc_ids": [ADAPTERS, APPLIANCE]})
    async with app.run_test(size=(120, 30)) as pilot:
        scoped = await ask(pilot, Q_OK)
        refused = await ask(pilot, Q_REFUSED)
        gate.clear()
        late = await ask_until_streaming(pilot, Q_OK)  # ctrl+s while it is answered: it was asked within them
        await pilot.press("ctrl+s")
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.scope is None and "within" not in status_line(app)
        unscoped = await ask(pilot, Q_OK)
        assert scoped.state == "ok" and refused.state == "refused" and late.state == "ok"
        for msg in (scoped, refused, late):
            assert "within 2 documents" in msg.render_text().plain.splitlines()[-1]
        assert "within" not in unscoped.render_text().plain
