"""Round 51: what a question costs no longer grows with the transcript where the app can help it: typing lays
nothing out, and the answers are read from the conversation's children (no CSS query over every widget)."""

from __future__ import annotations

from ragtune.tui.widgets.messages import AnswerMessage, HistoryInput, MessageList, QuestionMessage

from .test_r50_stream_layout import count_layouts


async def test_typing_a_question_lays_out_nothing(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        ml = app.screen.query_one(MessageList)
        for i in range(5):
            ml.add(QuestionMessage(f"question {i}"))
            ml.add(AnswerMessage(f"question {i}"))
        await pilot.pause()
        layouts = count_layouts(app.screen)
        for key in "how many days of leave":  # before: a layout of the whole screen at every key
            await pilot.press(key if key != " " else "space")
        await pilot.pause()
        box = app.screen.query_one(HistoryInput)
        assert box.value == "how many days of leave" and layouts == []
        box.value = "x" * 300  # longer than the box: it still scrolls to its cursor
        box.cursor_position = 300
        await pilot.pause()
        assert box.scroll_offset.x > 0 and box.virtual_size.width >= 300


async def test_answers_are_the_conversations_answers_in_order(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        ml = app.screen.query_one(MessageList)
        ml.MAX_ANSWERS = 3
        added = []
        for i in range(5):
            ml.add(QuestionMessage(f"question {i}"))
            a = AnswerMessage(f"question {i}")
            ml.add(a)
            added.append(a)
            await pilot.pause()
            a.state = "ok"  # finished: the oldest may go
        await pilot.pause()
        assert ml.answers == list(ml.query(AnswerMessage)) == added[-3:]
        trimmed = [w for w in ml.children if w.id == "trimmed"]
        assert len(trimmed) == 1 and ml.children.index(trimmed[0]) == 1  # after the welcome text, said once
        assert "2 earlier questions no longer shown" in str(trimmed[0].render())
