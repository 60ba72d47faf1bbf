"""Round 46: the chat app says, as a notification, that the query log's retention removed old entries (the 365-day
default deletes a year of log without a word otherwise; `ragtune ask` prints the same note, `serve` logs it)."""

from __future__ import annotations

import threading

from ragtune.appliance import querylog

from .fakes import FakeEngine
from .test_app import Q_OK, ask


class _Store:
    """What querylog._tell_retention reads and writes of a store: its told-once mark and its path."""

    path = "ragtune.db"

    def __init__(self) -> None:
        self.meta: dict[str, str] = {}

    def get_meta(self, key: str) -> str | None:
        return self.meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.meta[key] = value


class RetainingEngine(FakeEngine):
    """A FakeEngine whose answer, logged in the worker thread that asked it, has retention remove 3 old entries,
    told as AnswerEngine's querylog tells it (once per home and setting)."""

    def __init__(self) -> None:
        super().__init__()
        self.store = _Store()
        self.threads: list[threading.Thread] = []

    def ask(self, question, **kwargs):
        answer = super().ask(question, **kwargs)
        self.threads.append(threading.current_thread())
        querylog._tell_retention(self.store, 3, 365, 0.0)
        return answer


def _told(app) -> list[str]:
    return [n.message for n in app._notifications if "query log retention removed" in n.message]


async def test_the_chat_shows_the_retention_note_once_and_lets_go_of_its_listener(make_app):
    engine = RetainingEngine()
    before = list(querylog.on_retention)
    app = make_app(engine=engine)
    async with app.run_test(size=(120, 30)) as pilot:
        assert len(querylog.on_retention) == len(before) + 1  # listening while the app runs
        await ask(pilot, Q_OK)
        await pilot.pause()
        assert engine.threads and engine.threads[0] is not threading.main_thread()  # told from the worker
        told = _told(app)
        assert told == [querylog.retention_note(3, 0, 365)]
        assert "365 days" in told[0] and "retention.query_log_days 0" in told[0]
        assert [n.severity for n in app._notifications if n.message == told[0]] == ["warning"]
        await ask(pilot, Q_OK)  # told once per home and setting: the second pass is quiet
        await pilot.pause()
        assert len(_told(app)) == 1
    assert querylog.on_retention == before  # the app gone, nothing of it is told any more


async def test_an_app_that_exits_before_any_answer_leaves_no_listener(make_app):
    before = list(querylog.on_retention)
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
    assert querylog.on_retention == before
