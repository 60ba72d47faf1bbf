"""Round 47: while the chat sits idle, another process ingests (a cron `ragtune ingest`) or re-ingests an edited file.
Before: the status bar's document count and the selected answer's Source panel stayed as they were until the next
answer. Now a light timer (ragtune/tui/watch.py) reads the store's index version in a worker and refreshes when it
moved, and only then."""

from __future__ import annotations

from textual.widgets import Static

from ragtune.tui import watch
from ragtune.tui.docsource import REINGESTED, ChunkInfo
from ragtune.tui.widgets.status import StatusBar
from tests.tui.fakes import FakeDocuments, wait_until

from .test_app import Q_OK, ask


class MovingStore(FakeDocuments):
    """Counts its paths, and says the cited chunks were re-ingested once `edited` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.edited = False
        self.counted = 0

    def count_documents(self) -> int | None:
        self.counted += 1
        return len(self.paths)

    def chunk(self, item) -> ChunkInfo:
        if not self.edited:
            return super().chunk(item)
        return ChunkInfo(item.source, item.text, start_char=item.start_char, end_char=item.end_char, doc_id=1,
                         note=REINGESTED)


def source_head(app) -> str:
    return str(app.screen.query_one("#source-meta", Static).render()).replace("\n", " ")


async def test_an_ingest_elsewhere_refreshes_the_idle_chat(make_app, monkeypatch):
    monkeypatch.setattr(watch, "EVERY", 0.05)
    docs = MovingStore()
    app = make_app(documents=docs)
    async with app.run_test(size=(120, 30)) as pilot:
        await ask(pilot, Q_OK)
        status = app.screen.query_one(StatusBar)
        assert status.documents == 2 and REINGESTED not in source_head(app)
        docs.paths["docs/new.md"] = 3  # another process: a new file, and the cited one edited and re-ingested
        docs.edited = True
        docs.version += 1
        await wait_until(pilot, lambda: status.documents == 3 and REINGESTED in source_head(app), tries=200)
        assert status.documents == 3
        assert REINGESTED in source_head(app)


async def test_nothing_is_refreshed_while_the_version_stays(make_app, monkeypatch):
    monkeypatch.setattr(watch, "EVERY", 0.02)
    docs = MovingStore()
    app = make_app(documents=docs)
    async with app.run_test(size=(120, 30)) as pilot:
        await ask(pilot, Q_OK)
        reads = []
        real = docs.index_version
        docs.index_version = lambda: reads.append(1) or real()
        counted = docs.counted
        await wait_until(pilot, lambda: len(reads) >= 5, tries=200)
        assert len(reads) >= 5  # the timer runs
        assert docs.counted == counted  # and reads no more than the version


async def test_an_unreadable_store_is_tried_again_quietly(make_app, monkeypatch):
    monkeypatch.setattr(watch, "EVERY", 0.02)
    docs = MovingStore()
    calls = []

    def locked():
        calls.append(1)
        raise OSError("database is locked")

    docs.index_version = locked
    app = make_app(documents=docs)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: len(calls) >= 3, tries=200)
        assert len(calls) >= 3 and not list(app._notifications)


async def test_the_real_store_seen_from_the_watch(make_app, settings, monkeypatch):
    """StoreDocuments: the version is read over the workers' connection; another connection's ingest moves it."""
    import time

    from ragtune.appliance.store import Store
    from ragtune.tui.docsource import StoreDocuments

    from .test_screens_qa import store_with_document

    monkeypatch.setattr(watch, "EVERY", 0.05)
    store_with_document(settings, "alpha beta gamma " * 10)
    docs = StoreDocuments(settings.home)
    try:
        app = make_app(documents=docs)
        async with app.run_test(size=(120, 30)) as pilot:
            status = app.screen.query_one(StatusBar)
            assert status.documents == 1
            with Store(settings.home.db_path) as store:  # another process
                with store.transaction():
                    store.conn.execute("INSERT INTO documents(id, path, sha256, title, kind, ingested_at, n_chunks) "
                                       "VALUES (2, '/docs/new.md', 'y', 'New', 'md', ?, 0)", (time.time(),))
                    store.bump_index_version()
            await wait_until(pilot, lambda: status.documents == 2, tries=200)
            assert status.documents == 2
    finally:
        docs.close()
