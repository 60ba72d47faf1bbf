"""A scope that follows its folder is resolved again in a worker, never on the UI thread (ragtune/tui/scopes.py): a
folder of 100k documents takes ~50 ms to resolve. The question is still asked within the up-to-date scope, and
the status bar and the answer's line say its new size once the worker reports it."""

from __future__ import annotations

import threading

from ragtune.tui.scopes import ScopeState, follow
from ragtune.tui.widgets.status import StatusBar
from tests.tui.fakes import ManyDocuments, wait_until
from tests.tui.test_app import ask
from tests.tui.test_documents import real_docs  # noqa: F401  (a fixture)

Q_OK = "How does the LoRA adapter work?"
F00 = "/home/org/docs/f00"  # ManyDocuments(20, folders=2): ids 2, 4, …, 20


def status_line(app) -> str:
    return app.screen.query_one(StatusBar).render().plain


class Recording(ManyDocuments):
    """Records the thread every store read for following a scope runs on; `resolve` waits for `gate` when one is
    set, and raises `fail` when one is set."""

    def __init__(self) -> None:
        super().__init__(20, folders=2)
        self.threads: list[tuple[str, threading.Thread]] = []
        self.gate: threading.Event | None = None
        self.resolving = threading.Event()
        self.fail: Exception | None = None

    def index_version(self):
        self.threads.append(("index_version", threading.current_thread()))
        return super().index_version()

    def resolve(self, refs):
        self.threads.append(("resolve", threading.current_thread()))
        self.resolving.set()
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail is not None:
            raise self.fail
        return super().resolve(refs)

    def on_ui_thread(self) -> list[str]:
        return [what for what, t in self.threads if t is threading.main_thread()]


def ingest_elsewhere(docs: Recording) -> None:
    """A document added to f00 and one removed from it, as an ingest or `docs remove` in another process does."""
    docs.paths[f"{F00}/new.md"] = 99
    del docs.paths[f"{F00}/report-00002.md"]
    docs.version += 1


async def test_a_question_follows_the_scope_in_its_worker_not_on_the_ui_thread(make_app, fake_engine):
    docs = Recording()
    app = make_app(documents=docs)
    async with app.run_test(size=(120, 30)) as pilot:
        app.set_scope({"doc_ids": [2, 4]}, "f00/", refs=[F00])
        ingest_elsewhere(docs)
        docs.threads.clear()
        msg = await ask(pilot, Q_OK)
        want = [i for i in range(4, 21, 2)] + [99]
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": want}  # asked within the scope as it is now
        assert [w for w, _ in docs.threads] == ["index_version", "resolve"]
        assert docs.on_ui_thread() == []  # neither the version nor the folder was read on the UI thread
        assert app.scope == {"doc_ids": want} and "within 10 documents" in status_line(app)
        assert "within 10 documents" in msg.render_text().plain.splitlines()[-1]
        docs.threads.clear()
        await ask(pilot, Q_OK)  # nothing changed since: one read of the version, in the worker
        assert [w for w, _ in docs.threads] == ["index_version"] and docs.on_ui_thread() == []


async def test_after_an_ingest_the_scope_is_followed_in_a_worker(make_app):
    docs = Recording()
    app = make_app(documents=docs, scope={"doc_ids": [2, 4]}, scope_refs=[F00])
    async with app.run_test(size=(120, 30)) as pilot:
        ingest_elsewhere(docs)
        docs.threads.clear()
        app.documents_changed()  # what the ingest screen calls when its ingest ends
        await wait_until(pilot, lambda: "within 10 documents" in status_line(app), tries=300)
        assert "within 10 documents" in status_line(app) and 99 in app.scope["doc_ids"]
        assert "resolve" in [w for w, _ in docs.threads] and docs.on_ui_thread() == []


async def test_a_scope_changed_while_its_worker_resolves_keeps_the_change(make_app, fake_engine):
    """ctrl+s (or another scope) while the worker resolves the old one: the question goes on within the old
    scope, as sent, but the late result does not bring it back."""
    docs = Recording()
    app = make_app(documents=docs, scope={"doc_ids": [2, 4]}, scope_refs=[F00])
    async with app.run_test(size=(120, 30)) as pilot:
        ingest_elsewhere(docs)
        docs.gate = threading.Event()
        app.screen.query_one("HistoryInput").value = Q_OK
        await pilot.press("enter")
        await wait_until(pilot, docs.resolving.is_set)
        await pilot.press("ctrl+s")
        await pilot.pause()
        docs.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert 99 in fake_engine.asked[-1]["filters"]["doc_ids"]
        assert app.scope is None and "within" not in status_line(app)
        # another scope set meanwhile stays too
        docs.gate, docs.resolving = threading.Event(), threading.Event()
        app.set_scope({"doc_ids": [3]}, "report-00003.md", refs=["/home/org/docs/f01/report-00003.md"])
        docs.version += 1  # f01 unchanged, but the version moved: the worker resolves again
        app.screen.query_one("HistoryInput").value = Q_OK
        await pilot.press("enter")
        await wait_until(pilot, docs.resolving.is_set)
        app.set_scope({"doc_ids": [5]}, "report-00005.md", refs=["/home/org/docs/f01/report-00005.md"])
        docs.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": [3]} and app.scope == {"doc_ids": [5]}
        assert "within 1 document" in status_line(app)


async def test_a_scope_that_cannot_be_followed_is_kept_and_said(make_app, fake_engine):
    from ragtune.appliance.errors import StoreError

    docs = Recording()
    app = make_app(documents=docs, scope={"doc_ids": [2, 4]}, scope_refs=[F00])
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        ingest_elsewhere(docs)
        docs.threads.clear()  # (starting read the version the scope was resolved at)
        docs.fail = StoreError("database disk image is malformed")
        await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": [2, 4]} and app.scope == {"doc_ids": [2, 4]}
        assert any(n.title == "cannot follow the scope" and "malformed" in n.message for n in app._notifications)
        docs.fail = None  # the next question tries again
        await ask(pilot, Q_OK)
        assert 99 in fake_engine.asked[-1]["filters"]["doc_ids"] and "within 10 documents" in status_line(app)
        assert docs.on_ui_thread() == []


def test_follow_reads_only_the_version_when_nothing_changed():
    docs = Recording()
    state = ScopeState({"doc_ids": [2, 4]}, (F00,), docs.version, 0)
    assert follow(docs, state) is None and [w for w, _ in docs.threads] == ["index_version"]
    assert follow(docs, None) is None and follow(docs, ScopeState(None, (), None, 0)) is None
    docs.paths.clear()
    docs.version += 1
    gone = follow(docs, state)
    assert gone is not None and gone.filters == {"doc_ids": []} and gone.gone == [F00]  # nothing left: refused


def test_store_documents_follow_in_a_worker_over_a_connection_of_their_own(settings, real_docs):  # noqa: F811
    """An apsw connection refuses to be used by two threads at once: the UI thread's lookups and a worker's
    resolve go over different ones."""
    from ragtune.tui.docsource import StoreDocuments

    folder, ids, _put = real_docs
    docs = StoreDocuments(settings.home)
    try:
        got: list = []
        worker = threading.Thread(target=lambda: got.append((docs.index_version(), docs.resolve([f"{folder}/hr"]))))
        worker.start()
        worker.join(10)
        assert got == [(docs.index_version(), (ids[:2], []))]
        assert docs._worker_store is not None and docs._store is not None and docs._worker_store is not docs._store
    finally:
        docs.close()
    assert docs._store is None and docs._worker_store is None
