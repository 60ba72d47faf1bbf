"""Round 52: the conversation lays out only the turns near what the reader sees (widgets/turn_window.py). A resize
re-arranged every question and answer of the conversation, several times (~0.3 s with 100 answers); the turns far
above the reader are now `display: none` with one blank widget of their exact height in their place: nothing moves,
and they come back before the reader reaches them (scrolling, home, up on the oldest answer shown)."""

from __future__ import annotations

from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.widgets.messages import AnswerMessage, MessageList, QuestionMessage
from tests.tui.fakes import FakeEngine

QS = ["What does the appliance answer?", "How do I switch the adapter?", "Does it download anything?"]


async def fill(pilot, app, n: int, engine: FakeEngine) -> list[AnswerMessage]:
    ml = app.screen.query_one(MessageList)
    out = []
    for i in range(n):
        q = QS[i % 3] + " and a few more words to wrap" * (i % 4)  # turns of different heights
        # awaited: a later add's _trim would see the turns the cap took off still being removed, and count them again
        await ml.add(QuestionMessage(q, classes="question"))
        a = AnswerMessage(q, classes="answer")
        await ml.add(a)
        a.set_answer(engine.ask(q))
        out.append(a)
        if i % 10 == 9:
            await pilot.pause()
    await pilot.pause()
    await pilot.pause()
    return out


def shown_turns(ml: MessageList) -> int:
    return sum(1 for w in ml.children if isinstance(w, (QuestionMessage, AnswerMessage)) and w.display)


async def settle(pilot):
    for _ in range(3):
        await pilot.pause()


async def test_far_turns_are_not_laid_out_and_keep_their_rows(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        ml = app.screen.query_one(MessageList)
        await fill(pilot, app, 60, fake_engine)
        for size in [(120, 40), (80, 24), (60, 20), (120, 40)]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            shown, height = shown_turns(ml), ml.virtual_size.height
            assert shown < 60  # before: all 120 widgets laid out at every layout
            assert ml.scroll_y == ml.max_scroll_y  # still at the newest answer
            ml.reveal_count(len(ml._hidden))  # every turn laid out: the same rows, to the line
            await settle(pilot)
            assert shown_turns(ml) == 120 and ml.virtual_size.height == height
            ml._window()
            await settle(pilot)


async def test_home_and_page_up_reach_the_first_question(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ml = app.screen.query_one(MessageList)
        answers = await fill(pilot, app, 40, fake_engine)
        assert not answers[0].display
        for _ in range(200):  # page up from the question box, as a reader would
            if ml.scroll_y == 0:
                break
            await pilot.press("pageup")
        await settle(pilot)
        first = ml.children[ml.children.index(answers[0]) - 1]
        assert ml.scroll_y == 0 and first.display and answers[0].display
        assert first.region.y < ml.region.bottom  # drawn, not a blank where it was
        ml.scroll_end(animate=False)
        await settle(pilot)
        ml.scroll_home(animate=False)
        await settle(pilot)
        assert answers[0].display and answers[0].region.height > 0


async def test_up_walks_to_the_oldest_answer_then_copy_and_open_work(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        answers = await fill(pilot, app, 30, fake_engine)
        assert not answers[0].display
        answers[-1].focus()
        await pilot.pause()
        for _ in range(29):
            await pilot.press("up")
        await settle(pilot)
        assert app.focused is answers[0] and answers[0].display and answers[0].has_class("-selected")
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard.startswith(f"Q: {answers[0].question}\n")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, DocumentScreen)


async def test_the_blank_is_never_in_view_after_a_resize_while_reading_above(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        ml = app.screen.query_one(MessageList)
        await fill(pilot, app, 60, fake_engine)
        ml.scroll_to(y=ml.max_scroll_y - 3 * ml.scrollable_content_region.height, animate=False)  # reading above
        await settle(pilot)
        for size in [(60, 20), (120, 40), (40, 30)]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            earlier = ml.query_one("#earlier")
            assert ml._hidden and earlier.virtual_region.bottom <= ml.scroll_y  # what is in view is laid out


async def test_scrolling_does_not_work_out_the_blank_again_at_the_same_width(make_app, fake_engine, monkeypatch):
    """Review mend: _window ran on every scroll (each streamed height change) and measured every hidden turn again;
    now only when the width changed. The blank keeps its exact height either way."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ml = app.screen.query_one(MessageList)
        await fill(pilot, app, 40, fake_engine)
        await settle(pilot)
        assert ml._hidden
        rows = ml.query_one("#earlier").rows
        synced = []
        real = ml._sync_earlier
        monkeypatch.setattr(ml, "_sync_earlier", lambda: (synced.append(1), real())[1])
        for _ in range(5):
            ml._window()
        assert not synced
        ml._synced_width = 0  # as if the width had changed: worked out again, to the same rows
        ml._window()
        assert synced and ml.query_one("#earlier").rows == rows


async def test_walking_the_hidden_turns_does_not_search_the_conversation_each_step(make_app, fake_engine,
                                                                                  monkeypatch):
    """Review mend: _height_of searched the turns for each k (O(n²) from _show_above: Home, a drag to the top); the
    hidden turns are a prefix, so only the last one needs the turn after it. Same heights as the search gave."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ml = app.screen.query_one(MessageList)
        await fill(pilot, app, 40, fake_engine)
        await settle(pilot)
        hidden, ends = ml._hidden, ml._rows(ml._hidden)
        turns = ml._turns()

        def searched(k: int) -> int:  # the former way: the turn after the k-th hidden one, found in the turns
            after = turns[turns.index(hidden[k - 1]) + 1]
            top = after.styles.margin.top
            return ends[k - 1] + max(hidden[k - 1].styles.margin.bottom, top) - top

        calls = []
        real = ml._turns
        monkeypatch.setattr(ml, "_turns", lambda: (calls.append(1), real())[1])
        assert [ml._height_of(k, ends) for k in range(1, len(hidden))] == [searched(k) for k in range(1, len(hidden))]
        assert not calls
        assert ml._height_of(len(hidden), ends) == searched(len(hidden)) and len(calls) == 1


async def test_the_cap_counts_each_dropped_question_once(make_app, fake_engine):
    """fill() awaits each add: the turns the cap takes off are gone before the next add, so 110 answers drop 10."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        ml = app.screen.query_one(MessageList)
        await fill(pilot, app, 110, fake_engine)
        assert ml.dropped == 10 and len(ml.answers) == MessageList.MAX_ANSWERS
