"""Round 47: a help-desk session with `ragtune chat` open all day (hundreds of questions, walking back through the
morning's answers, copying them into tickets, documents re-ingested by another process meanwhile)."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from ragtune.tui.widgets.footer import KeyFooter
from ragtune.tui.widgets.messages import AnswerMessage

from .test_app import Q_OK, ask


async def test_walking_through_answers_keeps_the_footer(make_app):
    """Textual recomposes the footer at every focus change; new footer keys made the screen lay out every widget
    again, the whole conversation included: up through 100 answers took 0.45 s a key. The same keys stay."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(4):
            await ask(pilot, f"{Q_OK} {i}")
        answers = list(app.screen.query(AnswerMessage))
        answers[-1].focus()
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        keys = list(footer.query(FooterKey))
        for _ in range(3):
            await pilot.press("up")
            await pilot.pause()
        assert app.focused is answers[0]
        assert list(footer.query(FooterKey)) == keys  # not composed again
        # keys that do change still show: ctrl+s appears with a scope
        app.set_scope({"doc_ids": [1]}, "appliance.md")
        await pilot.pause()
        await pilot.pause()
        assert "clear_scope" in [k.action for k in footer.query(FooterKey)]
