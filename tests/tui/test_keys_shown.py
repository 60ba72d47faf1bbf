"""Round 41's Pilot pass of the keys: `?` opens the help wherever the help says it does (but is typed in an input),
the footer under a prompt or the help shows that screen's keys, not the chat's, and the help says what escape does
on the ingest prompt. One test per fix."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from textual.widgets import Input

from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.screens.documents import DocumentsScreen
from ragtune.tui.screens.evals import EvalScreen
from ragtune.tui.screens.help import HELP, HelpScreen
from ragtune.tui.screens.ingest import IngestScreen
from tests.tui.fakes import wait_until

from .test_app import Q_OK, ask
from .test_edges import screen_text
from .test_screens_qa import GOOD, write_report

CHAT_ONLY = ("^l", "Base/LoRA", "^o", "^g", "^r", "^t")


def footer(app) -> str:
    return screen_text(app).rstrip("\n").splitlines()[-1]


async def press_question_mark(pilot) -> None:
    await pilot.press("question_mark")
    await pilot.pause()


# -- ? opens the help --------------------------------------------------------------------------------------------

async def test_question_mark_opens_the_help_on_the_document_view(make_app):
    """Before: `?` did nothing there (only f1 worked), though the help lists it under "Anywhere"."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        await press_question_mark(pilot)
        assert isinstance(app.screen, HelpScreen)
        await press_question_mark(pilot)  # and closes it
        assert isinstance(app.screen, DocumentScreen)


async def test_question_mark_is_typed_in_the_filter_and_opens_the_help_from_the_list(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: getattr(app.screen, "all", None) is not None)
        assert isinstance(app.screen, DocumentsScreen) and isinstance(app.focused, Input)
        await press_question_mark(pilot)
        assert isinstance(app.screen, DocumentsScreen) and app.focused.value == "?"  # a character of the filter
        await pilot.press("backspace", "tab")
        await press_question_mark(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_question_mark_opens_the_help_on_the_eval_reports(make_app, settings):
    write_report(settings, "good", GOOD)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, EvalScreen)
        await press_question_mark(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_question_mark_in_the_chat_input_is_still_a_character(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press_question_mark(pilot)
        assert isinstance(app.screen, ChatScreen) and app.focused.value == "?"


# -- the footer under a modal ------------------------------------------------------------------------------------

async def test_the_ingest_prompt_has_its_own_footer(make_app, tmp_path):
    """Before: the chat's footer stayed under the prompt with ^l ^o ^g ^r ^t, keys that do nothing there (a modal
    takes no key of the screen beneath). The prompt's footer says what escape does now: stop, then close."""
    doc = tmp_path / "a.md"
    doc.write_text("# a\n")
    release = threading.Event()

    def ingest(settings, paths, *, progress=None, should_stop=None):
        progress(0, 1, str(paths[0]), None, stage="reading")
        release.wait(5)
        return SimpleNamespace(added=1, updated=0, unchanged=0, chunks_added=1, failed=[])

    app = make_app(ingest=ingest)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen)
        line = footer(app)
        assert "Close" in line and not any(k in line for k in CHAT_ONLY), line
        app.screen.query_one("#ingest-path").value = str(doc)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.ingest_status is not None and "files" in app.ingest_status)
        await pilot.pause()
        line = footer(app)
        assert "Stop ingest" in line and "Close" not in line, line
        await pilot.press("escape")
        await pilot.pause()
        line = footer(app)
        assert "Close" in line and "Stop ingest" not in line, line
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)


async def test_the_help_has_its_own_footer(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        line = footer(app)
        assert "Close" in line and not any(k in line for k in CHAT_ONLY), line


# -- the help's words ----------------------------------------------------------------------------------------------

async def test_the_help_says_escape_stops_an_ingest_first(make_app):
    """Before: "escape: close the prompt; a running ingest goes on", while the first escape stops it (docs/tui.md
    said so)."""
    (what,) = [what for where, keys, what in HELP if where == "ingest" and keys == "escape"]
    assert what.startswith("stop a running ingest") and "escape again closes the prompt" in what
    app = make_app()
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "stop a running ingest" in text and "goes on, its result" not in text
