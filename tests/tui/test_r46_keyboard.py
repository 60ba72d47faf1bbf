"""Round 46: a keyboard-only power user and a screen-reader user on an 80x24 terminal over ssh. Each test fails
without its fix: ctrl+q never drops a question typed and not asked, focus back in the box never selects (and so
replaces) the question, characters typed on an answer or a panel reach the box, page up / down scroll the
conversation from the box and a streamed answer no longer pulls a reader back down, ctrl+c's hint is plain text,
and f2 puts the panels under the conversation so each terminal line holds one region."""

from __future__ import annotations

import threading

from ragtune.tui.screens.help import HELP
from ragtune.tui.widgets.messages import AnswerMessage, HistoryInput, MessageList
from ragtune.tui.widgets.side import SidePanels

from .fakes import FakeEngine, ask_until_streaming
from .test_app import Q_OK, Q_REFUSED, ask
from .test_edges import screen_text


def box(app) -> HistoryInput:
    return app.screen.query_one(HistoryInput)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def fill(pilot, n: int = 4) -> MessageList:
    """n answers: more than an 80x24 screen holds."""
    for i in range(n):
        await ask(pilot, Q_OK if i % 2 else Q_REFUSED)
    return pilot.app.screen.query_one(MessageList)


async def test_ctrl_q_asks_before_dropping_a_question_typed_and_not_asked(make_app):
    """Before: ctrl+q quit at once and the question in the box (never asked: not in the history nor the query log)
    was gone. Now the first ctrl+q says so; the second quits."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"why lora")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and not app.quitting
        assert any("not asked yet" in m and "why lora" in m and "ctrl+q again" in m for m in notes(app))
        assert box(app).value == "why lora"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.quitting and app.return_code == 0


async def test_ctrl_q_quits_at_once_over_an_asked_question_or_an_empty_box(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        await pilot.press("up")  # an earlier question shown again: it is in the history, nothing to lose
        assert box(app).value == Q_OK and box(app).unasked() == ""
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.quitting


async def test_coming_back_to_the_box_keeps_the_question_being_written(make_app):
    """Before: tab (or escape) back into the box selected the whole question, and the next character typed replaced
    it. Now the cursor is at its end."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        await pilot.press(*"how long")
        await pilot.press("tab")
        assert isinstance(app.focused, AnswerMessage)
        await pilot.press("escape", "space", "x")
        await pilot.pause()
        assert box(app).value == "how long x"


async def test_typing_on_an_answer_or_a_panel_goes_into_the_question_box(make_app):
    """Before: the characters typed while an answer, the citations or the source had the focus were dropped."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        await pilot.press("tab")  # the answer
        await pilot.press(*"what")
        assert box(app).value == "what" and app.focused is box(app)
        await pilot.press("tab", "tab")  # the citations list
        assert not isinstance(app.focused, (HistoryInput, AnswerMessage))
        await pilot.press("space", "x")
        assert box(app).value == "what x" and app.focused is box(app)
        await pilot.press("tab", "question_mark")  # `?` on an answer is still the help
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


async def test_page_up_and_down_scroll_the_conversation_from_the_question_box(make_app):
    """Before: page up / page down did nothing in the box: reading back took a tab to an answer first."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        conversation = await fill(pilot)
        end = conversation.max_scroll_y
        assert end > 0 and conversation.scroll_y == end and app.focused is box(app)
        await pilot.press("pageup")
        await pilot.pause()
        assert conversation.scroll_y < end and app.focused is box(app)
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert conversation.scroll_y == end


async def test_a_streaming_answer_leaves_a_reader_who_scrolled_up_where_they_are(make_app):
    """Before: every streamed token scrolled the conversation to its end: paging up to reread an earlier answer
    while the next one was generated was pulled back down at once."""
    gate = threading.Event()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        conversation = await fill(pilot)
        app.engine = FakeEngine(gate=gate, piece=2)
        await ask_until_streaming(pilot, Q_OK)
        await pilot.pause()
        assert conversation.scroll_y == conversation.max_scroll_y  # asking follows the new answer
        await pilot.press("tab", "pageup", "pageup")  # on the answer: page up worked there before too
        await pilot.pause()
        read_at = conversation.scroll_y
        assert read_at < conversation.max_scroll_y
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert conversation.scroll_y == read_at
        assert app.screen.query(AnswerMessage).last().state == "ok"
        await pilot.press("escape")  # back to the box
        await ask(pilot, Q_OK)  # the next question follows its answer again
        assert conversation.scroll_y == conversation.max_scroll_y


async def test_ctrl_c_says_how_to_quit_in_plain_text(make_app):
    """Before: `Press [b]ctrl+q[/b] to quit the app`: Textual's hint is markup, and every notification here is
    shown as typed."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        for focus in ("tab", "escape"):  # on an answer, then in the box (nothing selected to copy)
            await pilot.press(focus, "ctrl+c")
            await pilot.pause()
            assert "ctrl+q quits" in notes(app)[-1]
        assert not any("[b]" in m for m in notes(app)) and app.is_running


def region_lines(app, widget) -> range:
    r = widget.region
    return range(r.y, r.y + r.height)


async def test_f2_puts_the_panels_under_the_conversation_one_region_a_line(make_app):
    """Before: at 80 columns and wider every line of the answer shared its terminal line with a citation or the
    source, and a screen reader (or capture-pane) read them as one sentence. f2 puts the panels under the chat,
    as under 72 columns; f2 again puts them back."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        answer = await ask(pilot, Q_OK)
        side = app.screen.query_one(SidePanels)

        def answer_lines() -> list[str]:
            lines = screen_text(app).splitlines()
            return [lines[y] for y in region_lines(app, answer) if 0 <= y < len(lines)]

        assert any("│" in ln for ln in answer_lines()), "beside: the answer's lines carry the panels' text"
        await pilot.press("f2")
        await pilot.pause()
        assert set(region_lines(app, answer)).isdisjoint(region_lines(app, side))
        shown = answer_lines()
        assert "A LoRA adapter" in shown[0] and not any(set(ln) & set("│╭╮╰╯") for ln in shown), shown
        assert "Citations" in screen_text(app) and "Panels under the conversation" in notes(app)[-1]
        await pilot.press("f2")
        await pilot.pause()
        assert set(region_lines(app, answer)) & set(region_lines(app, side))


def test_the_new_keys_are_in_the_help():
    listed = {keys for _w, keys, _d in HELP}
    assert {"f2", "page up / down"} <= listed


async def test_the_documents_lists_highlighted_row_is_marked_in_text(make_app):
    """Before: the highlighted document was a shade with bold or underline, none of which a screen reader (or
    `tmux capture-pane`) reads: which `a` or enter would act on was not in the text. Now a `›` (the filter box has
    the focus) or `▶` (the list has it) starts its line, and the columns still line up under the header."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+t")
        await app.workers.wait_for_complete()
        await pilot.pause()

        def rows() -> list[str]:
            return [ln for ln in screen_text(app).splitlines() if "docs/" in ln]

        header = next(ln for ln in screen_text(app).splitlines() if ln.lstrip().startswith("path"))
        first, second = rows()[:2]
        assert first.startswith("›docs/") and second.startswith(" docs/")
        assert header.index("title") == first.index("Adapters") and header.index("chunks") < first.index(" 2 ")
        await pilot.press("tab", "down")
        await pilot.pause()
        first, second = rows()[:2]
        assert first.startswith(" docs/") and second.startswith("▶docs/")
