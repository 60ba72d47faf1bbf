"""The documents screen (ctrl+t): every ingested document, filtered as you type, read in a worker and drawn
virtualised (10,000 documents open and filter without the UI waiting); enter opens one, `a` asks within it, `f`
within its folder. And scopes that follow what was chosen: a folder's documents ingested or removed later."""

from __future__ import annotations

import threading
import time

import pytest

from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.screens.documents import DocumentsScreen, matches
from ragtune.tui.screens.help import HELP
from ragtune.tui.widgets.doclist import DocumentList
from ragtune.tui.widgets.status import StatusBar
from tests.tui.fakes import FAKE_DOC_IDS, FakeDocuments, ManyDocuments, wait_until
from tests.tui.test_app import ask

Q_OK = "How does the LoRA adapter work?"


def status_line(app) -> str:
    return app.chat.query_one(StatusBar).render().plain


def shown_keys(screen) -> set[str]:
    return {k for k, b in screen.active_bindings.items() if b.binding.show}


async def open_documents(pilot, loaded: bool = True) -> DocumentsScreen:
    await pilot.press("ctrl+t")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DocumentsScreen)
    if loaded:
        await wait_until(pilot, lambda: screen.all is not None, tries=500)
        assert screen.all is not None
    return screen


def listed(screen: DocumentsScreen) -> list[str]:
    return [r.path for r in screen.query_one(DocumentList).rows]


async def test_ctrl_t_lists_the_documents_and_is_in_the_footer_and_help(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert "ctrl+t" in shown_keys(app.screen)
        assert any("ctrl+t" in keys for _w, keys, _d in HELP)
        screen = await open_documents(pilot)
        assert listed(screen) == sorted(FAKE_DOC_IDS)
        text = "\n".join(screen.query_one(DocumentList).render_line(y).text for y in range(2))
        assert "docs/adapters.md" in text and "Adapters" in text and "2024-05-01" in text
        await pilot.press("ctrl+t")  # a second ctrl+t does not stack another
        await pilot.pause()
        assert len([s for s in app.screen_stack if isinstance(s, DocumentsScreen)]) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)


async def test_ten_thousand_documents_open_and_filter_without_blocking(make_app):
    gate = threading.Event()
    docs = ManyDocuments(10_000, gate=gate)
    app = make_app(documents=docs)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_documents(pilot, loaded=False)  # the list is still being read (gate closed)
        assert "reading" in screen.query_one("#docs-head").render().plain
        await pilot.press("f", "0", "7")  # typing works meanwhile: the UI is not waiting for the database
        assert screen.query_one("#docs-filter").value == "f07" and screen.all is None
        gate.set()
        await wait_until(pilot, lambda: screen.all is not None, tries=500)
        assert len(screen.all) == 10_000
        assert len(listed(screen)) == 100  # the filter typed while it loaded applies
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause()
        assert len(listed(screen)) == 10_000
        # a filter over 10,000 rows swaps the list: no per-row widgets, no measuring (DataTable took ~0.6 s)
        started = time.process_time()  # CPU time: a busy CI machine that sets this process aside adds none
        for query in ("report", "REPORT-0999", "f42 report-0", ""):
            screen._apply(query)
        assert time.process_time() - started < 0.5
        await pilot.press(*"quarterly REPORT-00999")  # case-insensitive, every word, title or path
        await pilot.pause()
        assert listed(screen) == ["/home/org/docs/f99/report-00999.md"]
        assert "1 of 10,000 match" in screen.query_one("#docs-head").render().plain
        # only the visible rows are ever drawn
        screen._apply("")
        await pilot.pause()
        assert len(screen.query_one(DocumentList)._lines) < 100


def test_matches_is_every_word_in_title_or_path_any_case():
    rows = ManyDocuments(30, folders=3).list_documents()
    assert [r.id for r in matches(rows, "F01 report-00001")] == [1]
    assert [r.id for r in matches(rows, "quarterly 13")] == [13]
    assert len(matches(rows, "   ")) == 30


async def test_enter_opens_the_highlighted_document_and_a_there_asks_within_it(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_documents(pilot)
        await pilot.press(*"appliance")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen) and app.screen.doc.source == "docs/appliance.md"
        assert "offline" in app.screen.doc.text
        await pilot.press("a")  # back to the chat (the documents screen goes too), scoped to that document
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert isinstance(app.screen, ChatScreen) and screen not in app.screen_stack
        assert app.scope == {"doc_ids": [FAKE_DOC_IDS["docs/appliance.md"]]}
        assert app.scope_refs == ["docs/appliance.md"]
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": [FAKE_DOC_IDS["docs/appliance.md"]]}


async def test_a_and_f_in_the_list_ask_within_the_document_or_its_folder(make_app, fake_engine):
    docs = ManyDocuments(1000, folders=10)
    app = make_app(documents=docs)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_documents(pilot)
        await pilot.press("a")  # in the filter box a letter is the filter's
        await pilot.pause()
        assert screen.query_one("#docs-filter").value == "a" and app.scope is None
        assert "a" not in shown_keys(screen)
        await pilot.press("backspace", *"report-00017", "tab")
        await pilot.pause()
        assert "a" in shown_keys(screen) and "f" in shown_keys(screen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert app.scope == {"doc_ids": [17]} and app.scope_refs == ["/home/org/docs/f07/report-00017.md"]
        assert "within 1 document" in status_line(app)
        # f: the folder, resolved like --in FOLDER
        screen = await open_documents(pilot)
        await pilot.press(*"f03", "down", "down", "tab", "f")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))  # resolved in a worker
        assert isinstance(app.screen, ChatScreen)
        assert app.scope == {"doc_ids": [i for i in range(1, 1001) if i % 10 == 3]}
        assert app.scope_refs == ["/home/org/docs/f03"] and "within 100 documents" in status_line(app)
        assert any("f03/" in n.message and "100 documents" in n.message for n in app._notifications)
        await ask(pilot, Q_OK)
        assert len(fake_engine.asked[-1]["filters"]["doc_ids"]) == 100


async def test_an_unreadable_list_is_said_and_the_screen_closes(make_app):
    class Broken(FakeDocuments):
        def list_documents(self):
            from ragtune.appliance.errors import StoreError

            raise StoreError("database disk image is malformed")

    app = make_app(documents=Broken())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_documents(pilot, loaded=False)
        await wait_until(pilot, lambda: "cannot read" in screen.query_one("#docs-head").render().plain)
        assert "malformed" in screen.query_one("#docs-head").render().plain
        await pilot.press("tab", "a", "f", "enter", "escape")  # nothing to act on: no crash
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen) and app.scope is None


# -- scopes follow what was chosen ------------------------------------------------------------------------------

async def test_a_folder_scope_follows_documents_ingested_and_removed(make_app, fake_engine):
    docs = ManyDocuments(20, folders=2)
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.set_scope({"doc_ids": [2, 4]}, "f00/", refs=["/home/org/docs/f00"])
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": [2, 4]}  # same index version: kept as it was
        docs.paths["/home/org/docs/f00/new.md"] = 99  # an ingest elsewhere (or docs remove) bumps the version
        del docs.paths["/home/org/docs/f00/report-00002.md"]
        docs.version += 1
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": [i for i in range(4, 21, 2)] + [99]}
        assert "within 10 documents" in status_line(app)
        # everything under it removed: the scope is cleared with a notification, questions are answered again
        docs.paths = {p: i for p, i in docs.paths.items() if "/f00/" not in p}
        docs.version += 1
        await ask(pilot, Q_OK)  # asked within no document (refused); the next question, every document
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": []} and app.scope is None
        assert "within" not in status_line(app)
        assert any("f00/" in n.message and "every document again" in n.message for n in app._notifications)


async def test_a_scope_follows_on_the_ingest_screens_completion(make_app, tmp_path):
    docs = FakeDocuments()

    def ingest(settings, paths, **kw):
        from tests.tui.fakes import fake_ingest

        docs.paths["docs/new.md"] = 3
        docs.version += 1
        return fake_ingest(settings, paths, **kw)

    app = make_app(documents=docs, ingest=ingest, scope={"doc_ids": [1, 2]}, scope_refs=["docs"])
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.scope_refs == ["docs"] and "within 2 documents" in status_line(app)
        from tests.tui.fakes import ingest_via_prompt

        (tmp_path / "new.md").write_text("new")
        await ingest_via_prompt(pilot, tmp_path / "new.md")
        await wait_until(pilot, lambda: app.scope == {"doc_ids": [1, 2, 3]}, tries=300)
        assert app.scope == {"doc_ids": [1, 2, 3]} and "within 3 documents" in status_line(app)


async def test_a_scope_of_ids_lets_go_of_removed_documents(make_app, fake_engine):
    docs = FakeDocuments()
    app = make_app(documents=docs, scope={"doc_ids": [1, 2]})  # create_app with ids alone: the ids are its refs
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        assert app.scope_refs == ["1", "2"]
        del docs.paths["docs/appliance.md"]
        docs.version += 1
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": [2]} and app.scope_refs == ["2"]
        assert any("No longer stored: 1" in n.message for n in app._notifications)


# -- over a real ragtune.db -----------------------------------------------------------------------------------

@pytest.fixture
def real_docs(settings, tmp_path):
    """A store with DOCS/hr/leave.md, DOCS/hr/sick.md, DOCS/other.md, and a function that stores one more."""
    from ragtune.appliance.store import Store
    from tests.appliance.test_retrieve import FakeEmbedder
    from tests.appliance.test_retrieve_scope import _put

    settings.home.ensure()
    folder = tmp_path / "docs"
    emb = FakeEmbedder()

    def put(rel: str) -> int:
        with Store(settings.home.db_path) as store:
            with store.transaction():
                doc_id = _put(store, emb, f"{folder}/{rel}", [f"text of {rel}"])
                store.bump_index_version()
        return doc_id

    ids = [put(p) for p in ("hr/leave.md", "hr/sick.md", "other.md")]
    return folder, ids, put


def test_store_documents_list_resolve_and_version(settings, real_docs):
    from ragtune.appliance.ingest.documents import remove_documents
    from ragtune.tui.docsource import StoreDocuments

    folder, ids, put = real_docs
    docs = StoreDocuments(settings.home)
    try:
        rows = docs.list_documents()  # what `ragtune docs list` lists
        assert [(r.id, r.path, r.chunks) for r in rows] == [(ids[0], f"{folder}/hr/leave.md", 1),
                                                            (ids[1], f"{folder}/hr/sick.md", 1),
                                                            (ids[2], f"{folder}/other.md", 1)]
        assert docs.resolve([f"{folder}/hr", str(ids[2]), f"{folder}/gone"]) == (sorted(ids), [f"{folder}/gone"])
        whole = docs.document_by_id(ids[1])
        assert (whole.source, whole.text, whole.doc_id) == (f"{folder}/hr/sick.md", "text of hr/sick.md", ids[1])
        v = docs.index_version()
        new = put("hr/new.md")
        assert docs.index_version() > v and docs.resolve([f"{folder}/hr"]) == (sorted([*ids[:2], new]), [])
        remove_documents(settings, [f"{folder}/hr"])
        assert docs.resolve([f"{folder}/hr"]) == ([], [f"{folder}/hr"])
        assert docs.document_by_id(ids[0]).note and docs.document_by_id(ids[0]).doc_id is None
    finally:
        docs.close()


async def test_chat_in_folder_follows_a_real_ingest_and_removal(make_app, settings, real_docs, fake_engine):
    from ragtune.appliance.ingest.documents import remove_documents
    from ragtune.cli.scope_opt import home_scope
    from ragtune.tui.docsource import StoreDocuments

    folder, ids, put = real_docs
    scope, refs = home_scope(settings, [str(folder / "hr")])  # what `ragtune chat --in DOCS/hr` opens the app with
    app = make_app(documents=StoreDocuments(settings.home), scope=scope, scope_refs=refs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        assert app.scope == {"doc_ids": ids[:2]} and app.scope_refs == [str(folder / "hr")]
        new = put("hr/new.md")
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": sorted([*ids[:2], new])}
        remove_documents(settings, [str(folder / "hr")])
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": []} and app.scope is None
