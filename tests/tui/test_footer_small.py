"""Round 42's Pilot pass: help and quit from inside the modals (the ingest prompt, the help), the footer and the
status bar at 40x12 and other small sizes, and what a new user's first ingest says. One test per fix."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.screens.documents import DocumentsScreen
from ragtune.tui.screens.evals import EvalScreen
from ragtune.tui.screens.help import HelpScreen
from ragtune.tui.screens.ingest import IngestScreen, summary_text
from ragtune.tui.widgets.messages import HistoryInput
from ragtune.tui.widgets.status import StatusBar
from tests.tui.fakes import FAKE_ADAPTER_ID, FakeEngine, ingest_via_prompt, wait_until

from .test_app import Q_OK, ask
from .test_edges import screen_text
from .test_screens_qa import GOOD, write_report
from .test_states import inside

CHAT_KEYS = ["f1 Help", "^l Base/LoRA", "^o Open", "^g Ingest", "^r Evals", "^t Docs", "^q Quit"]


def footer(app) -> str:
    return screen_text(app).rstrip("\n").splitlines()[-1]


def status_line(app) -> str:
    return app.chat.query_one(StatusBar).render().plain


def keys_fit(app) -> bool:
    """Every key the footer draws is whole and on the screen."""
    bar = app.screen.query_one(Footer)
    shown = [k for k in bar.query(FooterKey) if k.display]
    return bool(shown) and all(k.region.right <= app.screen.region.right and k.region.area > 0 for k in shown)


def blocking_ingest(release: threading.Event):
    def ingest(settings, paths, *, progress=None, should_stop=None):
        progress(0, 1, str(paths[0]), None, stage="reading")
        release.wait(5)
        return SimpleNamespace(added=1, updated=0, unchanged=0, chunks_added=1, failed=[])
    return ingest


# -- help and quit from inside a modal -----------------------------------------------------------------------------

async def test_f1_opens_the_help_over_the_ingest_prompt_and_goes_back_to_the_path(make_app):
    """Before: f1 did nothing in the ingest prompt (a modal takes no key of the app that is not a priority one),
    though the help says f1 works anywhere. `?` in the path box is still a character, as in every input."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen) and app.focused.value == "?"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen)
        assert isinstance(app.focused, Input) and app.focused.id == "ingest-path" and app.focused.value == "?"


async def test_question_mark_opens_the_help_while_an_ingest_runs_and_its_result_shows_after(make_app, tmp_path):
    """While an ingest runs the path box is disabled: `?` is no character of anything, and opens the help (before:
    nothing). The ingest ending meanwhile closes the prompt once the help is closed."""
    doc = tmp_path / "a.md"
    doc.write_text("# a\n")
    release = threading.Event()
    app = make_app(ingest=blocking_ingest(release))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, doc)
        await wait_until(pilot, lambda: app.ingest_status is not None and "files" in app.ingest_status)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert isinstance(app.screen, ChatScreen)
        assert any(n.title == "ingested" for n in app._notifications)


async def test_the_modal_footers_show_help_and_quit(make_app):
    """Before: the ingest prompt's footer said `esc Close` only, the help's too, though ctrl+q quits from both."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        line = footer(app)
        assert "esc Close" in line and "f1 Help" in line and "^q Quit" in line, line
        await pilot.press("f1")
        await pilot.pause()
        line = footer(app)
        assert isinstance(app.screen, HelpScreen) and "esc Close" in line and "^q Quit" in line, line
        await pilot.press("ctrl+q")  # what the footer says: it quits from the help over the prompt
        await pilot.pause()
    assert app.return_code == 0 and app.quitting


async def test_every_screen_s_footer_shows_help_and_quit(make_app, settings):
    """The document view, the documents list and the eval reports showed `^q Quit` but not the help's key."""
    write_report(settings, "good", GOOD)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        for key, screen in (("ctrl+o", DocumentScreen), ("ctrl+t", DocumentsScreen), ("ctrl+r", EvalScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)
            line = footer(app)
            assert line.index("f1 Help") < line.index("^q Quit"), (screen, line)
            await pilot.press("escape")
            await pilot.pause()


# -- small terminals ----------------------------------------------------------------------------------------------

async def test_at_40x12_the_status_input_and_a_footer_with_help_and_quit_stay_in_view(make_app, settings):
    """Before: at 40x12 the chat's footer ended in `^g Inge` (ctrl+q never in view) and the status bar cut its
    fields mid-word. Now the footer leaves out keys whole, never help nor quit; every screen keeps a footer."""
    write_report(settings, "good", GOOD)
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await ask(pilot, Q_OK)
        chat = app.screen
        for widget in (chat.query_one(StatusBar), chat.query_one(HistoryInput), chat.query_one(Footer)):
            assert inside(app, widget), widget
        line = footer(app)
        assert line.split() == "f1 Help ^l Base/LoRA ^o Open ^q Quit".split(), line
        assert keys_fit(app)
        assert status_line(app).rstrip().endswith("ready")
        for key in ("ctrl+g", "f1", "ctrl+t", "ctrl+r", "ctrl+o"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ChatScreen), key
            assert inside(app, app.screen.query_one(Footer)) and keys_fit(app), key
            assert "^q Quit" in footer(app), (key, footer(app))
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ChatScreen), key


async def test_the_footer_brings_its_keys_back_when_the_terminal_grows(make_app):
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert "^g Ingest" not in footer(app)
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        line = footer(app)
        assert all(k in line for k in CHAT_KEYS), line
        await pilot.resize_terminal(20, 6)
        await pilot.pause()
        assert footer(app).split() == ["f1", "Help", "^q", "Quit"] and keys_fit(app)


async def test_at_40_columns_the_status_bar_leaves_fields_out_whole(make_app):
    """Before: with an adapter and a scope the 40-column line was `ready │ within 1 d…`: the scope cut, the adapter
    gone. Now the model id and the count go first, then the adapter's id: `LoRA │ within 1 document │ ready`."""
    app = make_app(engine=FakeEngine(adapter_id=FAKE_ADAPTER_ID), scope={"doc_ids": [1]})
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        line = status_line(app)
        assert line.split(" │ ") == [" LoRA", "within 1 document", "ready"], line
    bar = StatusBar()
    bar.model_id, bar.adapter_id, bar.documents, bar.state = "f00dfeed" * 8, None, 12, "ready"
    assert bar._compact(drop=("model",)).plain == " base │ 12 docs │ ready"


async def test_at_40_columns_a_scope_keeps_its_way_out_in_the_footer(make_app):
    """Before: with a scope set the footer's `^s All` was the first key cut at 40 columns, while the status bar said
    `within 1 document`."""
    app = make_app(scope={"doc_ids": [1]})
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_until(pilot, lambda: footer(app).strip())  # a loaded machine draws the footer frames later
        line = footer(app)
        assert "^s All" in line and "f1 Help" in line and "^q Quit" in line and keys_fit(app), line
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "^o Open" in footer(app))
        assert "^s" not in footer(app) and "^o Open" in footer(app)


# -- a new user's first ingest -------------------------------------------------------------------------------------

async def test_the_documents_filter_says_enter_opens(make_app):
    """Before: from the filter box (where the screen opens) nothing said how to open the highlighted document."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "enter opens" in app.screen.query_one("#docs-filter", Input).placeholder


def test_the_ingest_result_says_how_many_other_files_it_ignored():
    """Before: a folder with `logo.xyz` beside the documents said `3 added, …`, nothing of the file left out
    (`ragtune ingest` says `ignored 1 file(s) with other extensions`)."""
    summary = SimpleNamespace(added=3, updated=0, unchanged=0, chunks_added=3, failed=[], ignored=1)
    assert summary_text(summary) == "3 added, 0 updated, 0 unchanged, 3 chunks; 1 other file ignored"
    summary.ignored = 0
    assert "ignored" not in summary_text(summary)
