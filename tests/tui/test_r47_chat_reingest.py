"""Round 47: an answer whose cited document another process re-ingested since (an edited file: the document keeps
its path and id, every chunk is replaced by new ids). Before: ctrl+o said "this document is no longer stored" though
it was stored again at the same path, and `a` (ask within it) refused, as the view had no document id."""

from __future__ import annotations

from textual.widgets import Static

from ragtune.appliance.types import ContextItem
from ragtune.tui.docsource import REINGESTED, REINGESTED_WHOLE, StoreDocuments
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.widgets.side import SidePanels

from .test_app import ask
from .test_qa import Cites
from .test_screens_qa import store_with_document

TEXT = "alpha beta gamma " * 100


def reingest(settings, text: str = "alpha beta delta " * 90, chunk: int = 100) -> None:
    """What `put_document` does to an edited file's document: its chunks go, new ones (new ids) come, the id and
    path stay."""
    from ragtune.appliance.store import Store

    with Store(settings.home.db_path) as store:
        with store.transaction():
            store.conn.execute("DELETE FROM chunks WHERE doc_id = 1")
            store.conn.executemany(
                "INSERT INTO chunks(id, doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                "VALUES (?, 1, ?, ?, ?, ?, 3, 'h')",
                [(500 + i, i, text[i * chunk:(i + 1) * chunk], i * chunk, min(len(text), (i + 1) * chunk))
                 for i in range(-(-len(text) // chunk))])


def cited() -> ContextItem:
    return ContextItem(id="S1", text="alpha beta gamma ", chunk_id=11, source="/docs/big.md", title="Big")


async def test_ask_within_a_document_reingested_since_the_answer(make_app, settings):
    store_with_document(settings, TEXT, chunk=100)
    reingest(settings)
    docs = StoreDocuments(settings.home)
    try:
        doc = docs.document(cited())
        # round 48: the version stored now, whole (the cited text shaded where it still is)
        assert doc.doc_id == 1 and doc.note.startswith(REINGESTED_WHOLE) and doc.text.startswith("alpha beta gamma ")
        app = make_app(documents=docs)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            app.open_document(cited(), ["alpha"])
            await pilot.pause()
            assert isinstance(app.screen, DocumentScreen)
            head = str(app.screen.query_one("#doc-head", Static).render()).replace("\n", " ")
            assert "re-ingested since this answer" in head and "no longer stored" not in head
            await pilot.press("a")
            await pilot.pause()
            assert app.scope == {"doc_ids": [1]}  # the version stored now
            assert not any("nothing to ask within" in n.message for n in app._notifications)
    finally:
        docs.close()


async def test_the_source_panel_says_reingested_not_gone(make_app, settings):
    class CitesStored(Cites):  # cites chunk 11, which store_with_document stores
        def ask(self, question, **kw):
            answer = super().ask(question, **kw)
            for c in answer.citations:
                c.chunk_id = 11
            return answer

    store_with_document(settings, TEXT, chunk=100)
    docs = StoreDocuments(settings.home)
    try:
        app = make_app(engine=CitesStored("Short answer.", "/docs/big.md", "alpha beta gamma "), documents=docs)
        async with app.run_test(size=(120, 30)) as pilot:
            await ask(pilot, "What is alpha?")
            reingest(settings)
            app.screen.query_one(SidePanels).show_source()
            await pilot.pause()
            head = str(app.screen.query_one("#source-meta", Static).render()).replace("\n", " ")
            assert REINGESTED in head and "no longer stored" not in head
        assert docs.chunk(cited()).doc_id == 1
    finally:
        docs.close()


def test_a_removed_document_is_still_no_longer_stored(settings):
    from ragtune.appliance.store import Store

    store_with_document(settings, TEXT, chunk=100)
    with Store(settings.home.db_path) as store:
        store.delete_document(1)
    docs = StoreDocuments(settings.home)
    try:
        doc, info = docs.document(cited()), docs.chunk(cited())
        assert doc.doc_id is None and "no longer stored" in doc.note
        assert info.doc_id is None and "no longer stored" in info.note
    finally:
        docs.close()
