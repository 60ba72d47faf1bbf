"""Round 44's accessibility pass: a low-vision user with NO_COLOR=1 and a large font (60x20), a keyboard-only user,
a screen-reader user, TERM=dumb / TERM=linux. Meaning must never be carried by colour alone: each test checks what
is left when the colours are gone (the screen's characters, bold / underline), and fails without its fix."""

from __future__ import annotations

import ast
from pathlib import Path

from rich.style import Style
from textual.widgets import Input

from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.screens.help import HELP
from ragtune.tui.widgets.citations import CitationsPanel
from ragtune.tui.widgets.messages import AnswerMessage, answer_transcript

from .test_app import Q_OK, Q_REFUSED, ask
from .test_edges import screen_text

REPO = Path(__file__).resolve().parents[2]


def segment_styles(widget, y: int) -> list[Style]:
    """The styles of the text (not the blank) segments of a widget's line `y`, as drawn."""
    return [s.style or Style() for s in widget.render_line(y) if s.text.strip()]


async def test_every_tab_stop_shows_where_the_focus_is_without_colour(make_app, monkeypatch):
    """Before: the focused question box, answer, citations list and source panel differed from the rest by colour
    alone (a lighter border, a tinted background): with NO_COLOR (greys), 16 colours or a monochrome terminal a
    keyboard user could not tell where tab had gone. Now the screen's characters change at every stop."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        assert app.no_color  # Textual honours NO_COLOR itself (a monochrome filter): colours become greys
        await ask(pilot, Q_OK)
        seen = {}
        for _ in range(4):  # input -> the answer -> citations -> source
            seen[type(app.focused).__name__] = screen_text(app)
            await pilot.press("tab")
            await pilot.pause()
        assert isinstance(app.focused, Input)  # round the ring and back
        assert set(seen) == {"HistoryInput", "AnswerMessage", "CitationsPanel", "SourceView"}
        assert len(set(seen.values())) == 4, "two tab stops look the same without colour"


async def test_the_selected_answer_is_marked_by_its_bar_not_its_colour(make_app):
    """Before: every answer had the same `▌` bar, the selected one (whose citations the panels show) in blue. Now
    its bar is wider (`█`), also for a refusal. The focused answer (always the selected one) was bold only, which
    plain text loses (capture-pane, a screen reader): its bar is a double line `║` (round 46)."""
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:  # both answers in view
        await ask(pilot, Q_OK)
        refused = await ask(pilot, Q_REFUSED)
        assert "-selected" in refused.classes
        lines = screen_text(app).splitlines()
        assert any(line.startswith(" █ ⊘ Refused") for line in lines), lines
        assert not any(line.startswith(" ▌ ⊘ Refused") for line in lines)
        await pilot.press("tab")  # the refusal focused: its bar says so in text
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert app.focused is refused and any(line.startswith(" ║ ⊘ Refused") for line in lines), lines
        await pilot.press("up")  # the older answer focused and selected: the refusal's bar narrows again
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert any(line.startswith(" ▌ ⊘ Refused") for line in lines), lines
        assert any(line.startswith(" ║ A LoRA adapter") for line in lines), lines
        await pilot.press("tab")  # the focus on to the citations: the answer stays selected, its bar wide
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert any(line.startswith(" █ A LoRA adapter") for line in lines), lines
        assert not any(line.startswith(" ║") for line in lines), lines


async def test_the_highlighted_citation_is_underlined_while_the_list_has_no_focus(make_app):
    """Before: with the focus in the question box (ctrl+n / ctrl+p walk the citations from there) the highlighted
    citation was a faint tint and nothing else."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        panel = app.screen.query_one(CitationsPanel)
        assert isinstance(app.focused, Input) and len(panel.citations) == 2
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert panel.highlighted == 1
        first, second = segment_styles(panel, 0), segment_styles(panel, 1)
        assert all(s.underline for s in second) and not any(s.underline for s in first)


def test_the_cited_chunk_in_the_document_is_underlined_not_only_shaded():
    """Before: the cited chunk was a background shade alone (invisible in a monochrome terminal, near-black in 16
    colours)."""
    from ragtune.tui.docsource import DocumentText

    screen = DocumentScreen(DocumentText("/d/a.md", "", "before. the cited part. after."), [])
    screen.doc.span = screen.shown_span = (8, 23)
    body = screen._body()
    marked = [(s.start, s.end) for s in body.spans if Style.parse(str(s.style)).underline]
    assert marked == [(8, 23)]


async def test_the_documents_lists_highlighted_row_is_underlined_while_typing_the_filter(make_app):
    from ragtune.tui.widgets.doclist import DocumentList as DocList

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = app.screen.query_one(DocList)
        assert isinstance(app.focused, Input) and len(rows.rows) >= 2 and rows.cursor == 0
        assert all(s.underline for s in segment_styles(rows, 0))
        assert not any(s.underline for s in segment_styles(rows, 1))


async def test_ctrl_y_copies_the_selected_answer_and_its_citations_as_plain_text(make_app):
    """Before: copying an answer took a mouse selection, and the panels' borders came with it. Now ctrl+y (from
    the question box too) copies the question, the answer with its markers and each citation's document and span."""
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == "" and "No answer to copy" in list(app._notifications)[-1].message
        answer = await ask(pilot, Q_OK)
        await pilot.press("ctrl+y")
        await pilot.pause()
        text = app.clipboard
        lines = text.splitlines()
        assert lines[0] == f"Q: {Q_OK}"
        assert lines[1].startswith("A: " + answer.answer.answer.strip()) and lines[1].endswith("[1] [2]")
        assert lines[2] == "base"
        cited = answer.answer.citations
        assert lines[3:] == [f"[{n}] {c.source}, chunk {app.lookup_chunk(c).ord + 1}/2 (chars {c.start_char}-"
                             f"{c.end_char})" for n, c in enumerate(cited, 1)]  # round 47: the chunk number
        assert not set(text) & set("│╭╮╰╯▌█▊"), "no box drawing in what a screen reader or a paste gets"
        assert "Copied the answer and 2 citations" in list(app._notifications)[-1].message
        await ask(pilot, Q_REFUSED)
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert "⊘ Refused" in app.clipboard and "reason: retrieval found no relevant source" in app.clipboard


async def test_the_welcome_names_the_panels_instead_of_placing_them_on_the_right(make_app):
    """Before: "the panels on the right show the cited text and timings", at 60 columns where they are below the
    chat and there are no timings: a large-font user looked for panels that were not there."""
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = " ".join(screen_text(app).split())  # the words, wrapped or not
        assert "on the right" not in text
        assert "the Citations and Source panels show the cited text" in text


async def test_a_warning_says_it_is_one_in_words(make_app):
    """Before: an untitled warning ("No answer to copy yet", "Answer stopped") differed from information by its
    toast's colour alone."""
    app = make_app()
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await pilot.press("ctrl+y")
        await pilot.pause()
        note = list(app._notifications)[-1]
        assert note.title == "warning" and "warning" in screen_text(app)
        app.notify("done")
        await pilot.pause()
        assert list(app._notifications)[-1].title == ""  # information stays untitled


def test_ctrl_y_is_in_the_help():
    assert any(keys == "ctrl+y" for _where, keys, _what in HELP)


def test_answer_transcript_shows_control_characters():
    message = AnswerMessage("what is \x1b[2J this")
    message.state, message.error = "error", "boom \x1b]0;title\x07"
    text = answer_transcript(message)
    assert "\x1b" not in text and "\x07" not in text and "␛" in text


def test_chat_refuses_a_dumb_terminal_with_what_to_do_instead():
    """Before: TERM=dumb (Emacs shell-mode, some screen-reader and CI setups) got Textual's escape codes written
    over the text. `ragtune demo` prints its sample answers there instead of opening the app."""
    from ragtune.cli.chat_cmd import no_app_reason

    class Tty:
        def __init__(self, tty: bool):
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    assert no_app_reason(Tty(True), Tty(True), {"TERM": "xterm-256color"}) is None
    assert no_app_reason(Tty(True), Tty(True), {"TERM": "linux"}) is None  # 16 colours: no meaning is lost
    dumb = no_app_reason(Tty(True), Tty(True), {"TERM": "dumb"})
    assert dumb is not None and "TERM" in str(dumb) and "ragtune ask" in dumb.hint
    assert "needs a terminal" in str(no_app_reason(Tty(False), Tty(True), {"TERM": "xterm"}))


# -- the data.py split ------------------------------------------------------------------------------------------

def test_data_access_is_its_own_module_and_imports_point_one_way():
    """data.py (503 lines) split along its seam: the text helpers stay, the data access is docsource.py, which
    imports nothing of data.py; the old names stay importable from data.py for callers outside the TUI."""
    import ragtune.tui.data as data
    import ragtune.tui.docsource as docsource

    tree = ast.parse((REPO / "ragtune/tui/docsource.py").read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if (m or "").endswith("data")], imported
    for name in ("ChunkInfo", "DocRow", "DocumentSource", "DocumentText", "StoreDocuments", "merge_chunks",
                 "heading_lines", "section_heading"):
        assert getattr(data, name) is getattr(docsource, name)
    for module in ("data.py", "docsource.py"):
        assert len((REPO / "ragtune/tui" / module).read_text(encoding="utf-8").splitlines()) < 480


async def test_the_eval_screens_tab_stops_show_the_focus_without_colour(make_app, settings, monkeypatch):
    """Before: the report (tab from the list) showed its focus by a tint alone, and the list by its border's
    colour."""
    from .test_screens_qa import GOOD, write_report

    monkeypatch.setenv("NO_COLOR", "1")
    write_report(settings, "good", GOOD)
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        seen = []
        for _ in range(3):  # the list -> the report -> its table
            seen.append(screen_text(app))
            await pilot.press("tab")
            await pilot.pause()
        assert len(set(seen)) == 3
