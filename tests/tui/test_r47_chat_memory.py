"""Round 47: RSS grew ~33 KB a question after the 100-answer cap (73 → 78 MB from question 150 to 300, fake engine).
Textual 8.2 keeps a removed widget's StylesCache, with the lines it last rendered, as a key of an lru_cache
(`StylesCache.get_inner_outer`, 1,024 entries). The trimmed questions and answers now drop those lines when they
are unmounted (widgets/messages.py drop_rendered_lines)."""

from __future__ import annotations

from ragtune.tui.widgets.messages import AnswerMessage, MessageList, QuestionMessage

from .test_app import Q_OK, ask


async def test_trimmed_messages_keep_no_rendered_lines(make_app, monkeypatch):
    monkeypatch.setattr(MessageList, "MAX_ANSWERS", 2)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ask(pilot, f"{Q_OK} 0")
        first_a = app.screen.query(AnswerMessage).first()
        first_q = app.screen.query(QuestionMessage).first()
        assert first_a._styles_cache._cache  # drawn: its lines are cached while it is shown
        for i in range(1, 5):
            await ask(pilot, f"{Q_OK} {i}")
        await pilot.pause()
        assert not first_a.is_attached and not first_q.is_attached  # trimmed
        assert len(app.screen.query(AnswerMessage)) == 2
        assert not first_a._styles_cache._cache and not first_q._styles_cache._cache
