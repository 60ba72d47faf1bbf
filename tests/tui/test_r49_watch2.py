"""Round 49 (mend): the store watch's own refresh called app.documents_changed, which told the watch `loaded`: a
second read of the index version, whose value was taken as seen. Another process's ingest landing between the two
reads was never refreshed. Now only an in-app ingest's end calls `loaded`."""

from __future__ import annotations

import threading

from ragtune.tui import watch
from tests.tui.fakes import wait_until

from .test_app import Q_OK, ask
from .test_r47_chat_watch import MovingStore


class RacingStore(MovingStore):
    """Once armed: the first version read returns `version`; a later read from a worker thread waits until the
    refresh that read caused has counted the documents, and another process's ingest (version + 1) has landed."""

    def __init__(self) -> None:
        super().__init__()
        self.armed, self.reads, self.landed = False, 0, threading.Event()

    def index_version(self) -> int | None:
        if self.armed:
            self.reads += 1
            if self.reads >= 2 and threading.current_thread() is not threading.main_thread():
                self.landed.wait(5.0)
        return self.version

    def count_documents(self) -> int | None:
        if self.armed and not self.landed.is_set():  # the refresh runs: another ingest lands meanwhile
            self.paths["docs/other.md"] = 4
            self.version += 1
            self.landed.set()
        return super().count_documents()


async def test_an_ingest_between_the_watchs_two_reads_is_refreshed(make_app, monkeypatch):
    monkeypatch.setattr(watch, "EVERY", 3600.0)  # the test reads the version itself (StoreWatch.check)
    docs = RacingStore()
    app = make_app(documents=docs)
    async with app.run_test(size=(120, 30)) as pilot:
        await ask(pilot, Q_OK)
        await wait_until(pilot, lambda: app.store_watch.seen == docs.version, tries=200)
        before = docs.counted
        docs.paths["docs/new.md"] = 3  # another process's ingest
        docs.version += 1
        docs.armed = True
        app.store_watch.check()
        await wait_until(pilot, lambda: docs.counted > before and docs.landed.is_set(), tries=200)
        counted = docs.counted
        assert counted > before  # refreshed for the first ingest; the second landed during that refresh
        for _ in range(20):  # the next reads see the second ingest's version: refreshed too
            app.store_watch.check()
            await wait_until(pilot, lambda: docs.counted > counted, tries=10)
            if docs.counted > counted:
                break
        assert docs.counted > counted


async def test_an_ingest_in_the_app_is_refreshed_once(make_app, monkeypatch):
    """The ingest screen's end (its dismissal's callback) refreshes, and tells the watch: its next read is not
    refreshed a second time (the test of test_r49_watch.py, through the ingest's end)."""
    from ragtune.tui.screens.ingest import IngestScreen

    monkeypatch.setattr(watch, "EVERY", 0.02)
    docs = MovingStore()
    app = make_app(documents=docs)
    async with app.run_test(size=(120, 30)) as pilot:
        await ask(pilot, Q_OK)
        reads = []
        real = docs.index_version
        docs.index_version = lambda: reads.append(1) or real()
        app.action_ingest()
        await wait_until(pilot, lambda: isinstance(app.screen, IngestScreen), tries=100)
        docs.paths["docs/new.md"] = 3  # the ingest screen's ingest, then its refresh
        docs.version += 1
        before = docs.counted
        app.screen.dismiss(object())  # its summary
        await wait_until(pilot, lambda: len(reads) >= 8, tries=200)
        counted = docs.counted
        assert len(reads) >= 8 and counted == before + 1  # once; the watch read the version, and took it as seen
        docs.version += 1  # another process's ingest after it: still refreshed
        docs.paths["docs/other.md"] = 4
        await wait_until(pilot, lambda: docs.counted > counted, tries=200)
        assert docs.counted > counted
