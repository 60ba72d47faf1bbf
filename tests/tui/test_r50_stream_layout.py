"""Round 50: a streamed token repaints its answer; the screen is laid out again (every widget of the conversation
re-arranged) only when the answer's height changed, checked once for the tokens queued together."""

from __future__ import annotations

from textual import messages

from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.widgets.messages import AnswerMessage, MessageList, QuestionMessage

from .test_edges import screen_text


def count_layouts(screen) -> list:
    """The layout requests posted to the screen (each one re-arranges the whole conversation)."""
    seen: list = []
    post = screen.post_message

    def spy(message):
        if isinstance(message, messages.Layout):
            seen.append(message.widget)
        return post(message)

    screen.post_message = spy
    return seen


async def streaming_answer(pilot, earlier: int = 0) -> AnswerMessage:
    """An answer in the transcript after `earlier` finished-looking ones, its first token shown."""
    ml = pilot.app.screen.query_one(MessageList)
    for i in range(earlier):
        ml.add(QuestionMessage(f"question {i}"))
        old = AnswerMessage(f"question {i}")
        ml.add(old)
        old.append_token(f"answer {i}\nwith a second line")
    ml.add(QuestionMessage("q"))
    answer = AnswerMessage("q")
    ml.add(answer)
    await pilot.pause()
    pilot.app.screen.post_message(ChatScreen.Token(answer, "The appliance"))
    await pilot.pause()
    await pilot.pause()
    return answer


async def test_tokens_that_keep_the_height_ask_for_no_layout(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        answer = await streaming_answer(pilot, earlier=5)
        assert answer.size.height == 1
        layouts = count_layouts(app.screen)
        for _ in range(20):  # each token on its own (a model's pace): 20 layouts before
            app.screen.post_message(ChatScreen.Token(answer, "x"))
            await pilot.pause()
        for _ in range(20):  # queued together
            app.screen.post_message(ChatScreen.Token(answer, "y"))
        await pilot.pause()
        await pilot.pause()
        assert answer.size.height == 1  # the case under test: the answer still fits its one line
        assert len(layouts) <= 1, layouts
        # ...and every token was painted
        assert "The appliance" + "x" * 20 + "y" * 20 + "▌" in screen_text(app)


async def test_a_growing_answer_grows_on_screen_scrolled_to_its_end(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        answer = await streaming_answer(pilot, earlier=6)
        ml = app.screen.query_one(MessageList)
        layouts = count_layouts(app.screen)
        words = [f" word{i:03d}" for i in range(120)]
        for i, word in enumerate(words):
            app.screen.post_message(ChatScreen.Token(answer, word))
            if i % 3 == 0:  # some tokens alone, some queued together
                await pilot.pause()
        await pilot.pause()
        await pilot.pause()
        width = answer.content_size.width
        expected = answer.get_content_height(ml.size, app.size, width)
        assert expected > 10 and answer.content_size.height == expected
        assert 10 <= len(layouts) < len(words)  # the answer asked for a layout as its lines were added, not per token
        assert ml.max_scroll_y > 0 and ml.scroll_y == ml.max_scroll_y  # followed to the end, as before
        shown = screen_text(app)
        assert "word119▌" in shown  # the last line is on screen
        assert answer.region.bottom <= ml.region.bottom


async def test_the_finished_answer_is_laid_out(make_app):
    """set_answer still lays the final form out (citation marks, the served-model line) after a queued check."""
    from ragtune.appliance.types import Answer

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        answer = await streaming_answer(pilot, earlier=6)
        ml = app.screen.query_one(MessageList)
        app.screen.post_message(ChatScreen.Token(answer, " answers offline."))
        answer.set_answer(Answer(status="ok", answer="The appliance answers offline.", citations=[]))
        await pilot.pause()
        await pilot.pause()
        assert answer.content_size.height == 2  # the answer, then "base · no sources cited"
        assert ml.scroll_y == ml.max_scroll_y
        assert "no sources cited" in screen_text(app)
