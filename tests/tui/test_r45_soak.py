"""Round 45 soak of `ragtune chat`: one session asked hundreds of questions. The transcript kept every question and
answer (two widgets each) and the question history every question: memory and the work of each layout and
selection grew without end. Both are bounded now; the newest answers stay, and the chat says how many went."""

from __future__ import annotations

from ragtune.tui.widgets.messages import AnswerMessage, HistoryInput, MessageList, QuestionMessage

from .test_app import Q_OK, Q_REFUSED, ask


def _shown(app) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("#trimmed"))


async def test_the_transcript_keeps_the_newest_answers(make_app, monkeypatch):
    monkeypatch.setattr(MessageList, "MAX_ANSWERS", 3)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(7):
            await ask(pilot, f"{Q_OK} ({i})")
        await pilot.pause()
        ml = app.screen.query_one(MessageList)
        answers = list(ml.query(AnswerMessage))
        assert [a.question for a in answers] == [f"{Q_OK} ({i})" for i in (4, 5, 6)]
        assert [q.question for q in ml.query(QuestionMessage)] == [f"{Q_OK} ({i})" for i in (4, 5, 6)]
        assert all(a.state == "ok" for a in answers)
        # the welcome, then the note, then the kept questions and answers, in order
        ids = [w.id for w in ml.children[:2]]
        assert ids == ["welcome", "trimmed"]
        assert "4 earlier questions no longer shown" in _shown(app)
        assert app.screen.selected is answers[-1]
        # up on the newest answer walks to the older ones still shown
        answers[-1].focus()
        await pilot.press("up")
        assert app.focused is answers[-2]


async def test_a_selected_answer_is_kept_while_it_is_read(make_app, monkeypatch):
    monkeypatch.setattr(MessageList, "MAX_ANSWERS", 2)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        first = await ask(pilot, Q_OK)
        await ask(pilot, Q_REFUSED)
        app.screen.select(first)  # the reader went back to the first answer; then asks on
        first.add_class("-selected")
        ml = app.screen.query_one(MessageList)
        ml.add(QuestionMessage("q"))
        extra = AnswerMessage("q")
        ml.add(extra)
        await pilot.pause()
        assert first in ml.answers and extra in ml.answers and len(ml.answers) == 2


async def test_a_long_session_stays_bounded(make_app, monkeypatch):
    monkeypatch.setattr(MessageList, "MAX_ANSWERS", 5)
    monkeypatch.setattr(HistoryInput, "MAX_HISTORY", 4)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(20):
            await ask(pilot, f"{Q_OK} {i}")
        await pilot.pause()
        ml = app.screen.query_one(MessageList)
        assert len(ml.answers) == 5 and len(ml.children) == 2 + 2 * 5
        assert "15 earlier questions" in _shown(app)
        box = app.screen.query_one(HistoryInput)
        assert box.history == [f"{Q_OK} {i}" for i in range(16, 20)]
