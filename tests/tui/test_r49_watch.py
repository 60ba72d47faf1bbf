"""Round 49: an ingest made in the chat refreshes its screens once (app.documents_changed); the store watch then read
the new index version and refreshed them all a second time."""

from __future__ import annotations

from ragtune.tui import watch
from tests.tui.fakes import wait_until

from .test_app import Q_OK, ask
from .test_r47_chat_watch import MovingStore


async def test_an_in_app_ingest_is_not_refreshed_twice(make_app, monkeypatch):
    monkeypatch.setattr(watch, "EVERY", 0.02)
    docs = MovingStore()
    app = make_app(documents=docs)
    async with app.run_test(size=(120, 30)) as pilot:
        await ask(pilot, Q_OK)
        reads = []
        real = docs.index_version
        docs.index_version = lambda: reads.append(1) or real()
        docs.paths["docs/new.md"] = 3  # the ingest screen's ingest, then its refresh
        docs.version += 1
        before = docs.counted
        app.store_watch.loaded()  # what an ingest's end does (app.action_ingest's callback, the ingest screen)
        app.documents_changed()
        await wait_until(pilot, lambda: len(reads) >= 8, tries=200)
        counted = docs.counted
        assert len(reads) >= 8 and counted == before + 1  # once; the watch read the version, and took it as seen
        docs.version += 1  # another process's ingest after it: still refreshed
        docs.paths["docs/other.md"] = 4
        await wait_until(pilot, lambda: docs.counted > counted, tries=200)
        assert docs.counted > counted
