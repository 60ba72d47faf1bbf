"""Round 53: the side panels ask for a layout of the screen only when one of them changes size (widgets/refit.py), and
a question's new turn is laid out together with the panels showing its answer."""

from __future__ import annotations

import asyncio

from textual.screen import Screen

from ragtune.tui.widgets.citations import CitationsPanel
from ragtune.tui.widgets.latency import LatencyPanel
from ragtune.tui.widgets.messages import AnswerMessage, HistoryInput, MessageList
from ragtune.tui.widgets.side import SidePanels
from ragtune.tui.widgets.source import SourceView

from .test_app import ask
from .test_r50_stream_layout import count_layouts


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


def side_layouts(seen: list) -> list:
    return [w for w in seen if isinstance(w, (CitationsPanel, LatencyPanel, SourceView)) or
            isinstance(getattr(w, "parent", None), SourceView)]


async def test_another_answer_of_the_same_shape_lays_nothing_out(make_app):
    """Two answers with two citations of one-line labels, figures on four lines, a chunk of as many lines: choosing
    one or the other repaints the panels; before, each panel asked for a layout of the whole screen."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        first = await ask(pilot, "How does the LoRA adapter work?")
        second = await ask(pilot, "How does the LoRA adapter learn?")
        await settle(pilot)
        side = app.screen.query_one(SidePanels)
        source = app.screen.query_one(SourceView)
        body = source.query_one("#source-text")
        assert len(first.answer.citations) == len(second.answer.citations) == 2
        layouts = count_layouts(app.screen)
        app.screen.select(first)
        await settle(pilot)
        assert side.target is first and side_layouts(layouts) == []
        # what is drawn is the chosen answer's, at the size its content takes
        assert source.label == "[1]" and source.info.text == first.answer.citations[0].text
        assert body.size.height == body.get_content_height(source.size, app.size, body.size.width)


async def test_a_panel_that_changes_size_is_laid_out(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        answer = await ask(pilot, "How does the LoRA adapter work?")
        await settle(pilot)
        source = app.screen.query_one(SourceView)
        body = source.query_one("#source-text")
        latency = app.screen.query_one(LatencyPanel)
        citations = app.screen.query_one(CitationsPanel)
        tall = (body.size.height, latency.size.height, citations.size.height)
        layouts = count_layouts(app.screen)
        app.screen.query_one(HistoryInput).value = "Quantum entanglement of penguins"  # refused: nothing cited
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.screen.side.target is not answer and app.screen.side.target.state == "refused"
        assert side_layouts(layouts)
        assert (body.size.height, latency.size.height, citations.size.height) != tall
        assert citations.size.height == 1 and source.info is None  # "no citations", no chunk
        assert body.size.height == body.get_content_height(source.size, app.size, body.size.width)
        app.screen.select(answer)
        await settle(pilot)
        assert (body.size.height, latency.size.height, citations.size.height) == tall


async def test_ctrl_n_to_a_shorter_chunk_fits_it(make_app):
    """The second citation's chunk takes fewer lines than the first's: the Source panel's text is laid out at its own
    height (a box model kept from the last layout would have said the old height)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "How does the LoRA adapter work?")
        await settle(pilot)
        source = app.screen.query_one(SourceView)
        body = source.query_one("#source-text")
        before = body.size.height
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert source.label == "[2]"
        assert body.size.height == body.get_content_height(source.size, app.size, body.size.width) != before


async def test_a_resize_that_keeps_the_panels_lines_asks_them_for_no_layout(make_app):
    """The panels fit their text to the width on each resize (a second layout after the one that resized them)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "How does the LoRA adapter work?")
        await settle(pilot)
        latency = app.screen.query_one(LatencyPanel)
        lines = latency.size.height
        await pilot.resize_terminal(116, 40)  # the panel a column or two narrower: the same lines
        await settle(pilot)
        layouts = count_layouts(app.screen)
        latency.on_resize()
        app.screen.query_one(SourceView).on_resize()
        await settle(pilot)
        assert latency.size.height == lines and side_layouts(layouts) == []


async def test_a_question_and_the_panels_showing_it_are_laid_out_together(make_app, monkeypatch):
    """The panels' change (to the new answer, nothing cited yet) was laid out on its own before the new turn was, when
    the turn took a moment to mount (a loaded machine): two layouts of the whole screen where one does."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ask(pilot, "How does the LoRA adapter work?")
        await settle(pilot)
        ml = app.screen.query_one(MessageList)
        mount = AnswerMessage.on_mount

        async def slow_mount(self) -> None:
            await asyncio.sleep(0.2)
            mount(self)

        monkeypatch.setattr(AnswerMessage, "on_mount", slow_mount)
        laid_out: list[bool] = []  # at each layout: the new answer has its place
        original = Screen._refresh_layout

        def spy(screen, *args, **kwargs):
            result = original(screen, *args, **kwargs)
            if screen is app.screen:
                laid_out.append(len(ml.answers) == 2 and ml.answers[-1].region.height > 0)
            return result

        monkeypatch.setattr(Screen, "_refresh_layout", spy)
        app.screen.query_one(HistoryInput).value = "How does the LoRA adapter learn?"
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.02)
            if ml.answers[-1].state == "ok":
                break
        await settle(pilot)
        assert ml.answers[-1].state == "ok" and app.screen.side.target is ml.answers[-1]
        assert laid_out and laid_out[0], laid_out  # the first layout after enter has the new turn in it
