"""`f` on the documents screen chooses the highlighted document's folder: resolved in a worker, never on the UI
thread (a folder of 100k documents takes ~50 ms), and another choice or ctrl+s made before its result wins. The
folder's name in the notifications ("f00/ (10 documents)") keeps its count current as the scope is followed."""

from __future__ import annotations

import threading

from textual.widgets import Input

from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.documents import DocumentsScreen
from tests.tui.fakes import wait_until
from tests.tui.test_app import ask
from tests.tui.test_documents import open_documents
from tests.tui.test_scopes import F00, Recording, status_line

Q_OK = "How does the LoRA adapter work?"
F01 = "/home/org/docs/f01"  # ManyDocuments(20, folders=2): ids 1, 3, …, 19
EVEN, ODD = list(range(2, 21, 2)), list(range(1, 20, 2))


class Held(Recording):
    """Resolving a ref in `held` waits for its event (a slow folder); `started` and `resolved` list the refs as
    their resolving starts and ends."""

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[str, threading.Event] = {}
        self.started: list[str] = []
        self.resolved: list[str] = []

    def resolve(self, refs):
        self.started.append(refs[0])
        if refs[0] in self.held:
            self.held[refs[0]].wait(5)
        try:
            return super().resolve(refs)
        finally:
            self.resolved.append(refs[0])


async def highlight(pilot, screen: DocumentsScreen, path: str) -> None:
    """The list focused, `path` highlighted (the filter "report-0000": f00's 2, 4, 6, 8, then f01's 1, 3, …)."""
    if not screen.query_one("#docs-filter").value:
        await pilot.press(*"report-0000", "tab")
    rows = [r.path for r in screen.listing.rows]
    screen.listing.cursor = rows.index(path)
    await pilot.pause()
    assert screen.listing.highlighted.path == path and not isinstance(screen.focused, Input)  # `f` is the list's


async def choose_folder(pilot, path: str) -> DocumentsScreen:
    """ctrl+t, `path` highlighted, `f`."""
    screen = await open_documents(pilot)
    await highlight(pilot, screen, path)
    await pilot.press("f")
    return screen


async def test_f_resolves_the_folder_in_a_worker_not_on_the_ui_thread(make_app, fake_engine):
    docs = Recording()
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await choose_folder(pilot, f"{F01}/report-00003.md")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen), tries=300)
        assert isinstance(app.screen, ChatScreen) and app.scope == {"doc_ids": ODD} and app.scope_refs == [F01]
        assert "resolve" in [w for w, _ in docs.threads] and docs.on_ui_thread() == []  # nor the version
        assert any("f01/ (10 documents)" in n.message for n in app._notifications)
        await ask(pilot, Q_OK)  # resolved at the version it was chosen at: nothing to follow
        assert fake_engine.asked[-1]["filters"] == {"doc_ids": ODD} and docs.on_ui_thread() == []


async def test_a_second_choice_while_the_first_resolves_wins(make_app):
    docs = Held()
    docs.held = {F00: threading.Event(), F01: threading.Event()}
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await choose_folder(pilot, f"{F00}/report-00002.md")
        await wait_until(pilot, lambda: F00 in docs.started)
        await highlight(pilot, screen, f"{F01}/report-00001.md")
        await pilot.press("f")  # chosen again before f00's result
        await wait_until(pilot, lambda: F01 in docs.started)
        docs.held[F00].set()  # f00's result comes first, late: dropped
        await wait_until(pilot, lambda: F00 in docs.resolved)
        for _ in range(5):
            await pilot.pause(0.02)
        assert app.screen is screen and app.scope is None
        docs.held[F01].set()
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen), tries=300)
        assert app.scope == {"doc_ids": ODD} and app.scope_refs == [F01] and "within 10 documents" in status_line(app)


async def test_ctrl_s_while_a_folder_resolves_keeps_every_document(make_app):
    docs = Held()
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        for before in ({"doc_ids": [3]}, None):  # a scope set before (ctrl+s clears it), and none
            if before:
                app.set_scope(before, "report-00003.md")
            docs.held = {F00: threading.Event()}
            docs.started.clear()
            docs.resolved.clear()
            screen = await choose_folder(pilot, f"{F00}/report-00002.md")
            await wait_until(pilot, lambda: F00 in docs.started)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.scope is None
            docs.held[F00].set()
            await wait_until(pilot, lambda: F00 in docs.resolved)
            for _ in range(5):
                await pilot.pause(0.02)
            assert app.screen is screen and app.scope is None and app.scope_refs is None
            await pilot.press("escape")
            await pilot.pause()


async def test_a_folder_that_cannot_be_resolved_or_is_empty_is_said(make_app):
    from ragtune.appliance.errors import StoreError

    docs = Recording()
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        docs.fail = StoreError("database disk image is malformed")
        screen = await choose_folder(pilot, f"{F00}/report-00002.md")
        await wait_until(pilot, lambda: any("malformed" in n.message for n in app._notifications))
        assert any("malformed" in n.message and n.severity == "error" for n in app._notifications)
        assert app.screen is screen and app.scope is None
        docs.fail = None
        docs.paths = {p: i for p, i in docs.paths.items() if "/f00/" not in p}  # removed since the list was read
        await pilot.press("f")
        await wait_until(pilot, lambda: any("No ingested document is under" in n.message for n in app._notifications))
        assert any(f"under {F00} any more" in n.message for n in app._notifications)
        assert app.screen is screen and app.scope is None and docs.on_ui_thread() == []


async def test_the_folders_name_keeps_its_count_as_it_is_followed(make_app):
    docs = Recording()
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await choose_folder(pilot, f"{F00}/report-00002.md")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen), tries=300)
        assert app.scope_what == f"{F00}/ (10 documents)"
        docs.paths[f"{F00}/new.md"] = 99  # an ingest into the folder
        docs.version += 1
        app.documents_changed()
        await wait_until(pilot, lambda: "within 11 documents" in status_line(app), tries=300)
        assert app.scope == {"doc_ids": [*EVEN, 99]} and app.scope_what == f"{F00}/ (11 documents)"
        docs.paths = {p: i for p, i in docs.paths.items() if "/f00/" not in p}  # all of it removed
        docs.version += 1
        app.documents_changed()
        await wait_until(pilot, lambda: app.scope is None, tries=300)
        said = [n.message for n in app._notifications if "is stored any more" in n.message]
        assert said and f"({F00}/ (11 documents))" in said[-1] and app.scope_what == ""


async def test_a_and_ids_scopes_are_named_without_a_count(make_app):
    docs = Recording()
    app = make_app(documents=docs)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_documents(pilot)
        await highlight(pilot, screen, f"{F01}/report-00003.md")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert app.scope == {"doc_ids": [3]} and app.scope_what == "report-00003.md"
        assert any("only from report-00003.md (ctrl+s" in n.message for n in app._notifications)
