"""Round 51 (CI at fe204b6 died with an INTERNALERROR: `Overrun` raised inside pytest's own code): a parse budget
whose `with` exit is cut short by its own Overrun (raised at the exit's first bytecode, before `_stop`) stayed
`_live`, and its timer resent Overrun every 0.25 s into whatever the thread ran next. Now `budgeted` stops it again
in its `finally`, and the timer sends only while the parsing thread is inside the `budgeted` frame."""

from __future__ import annotations

import time

from ragtune.appliance.ingest.loaders import parse_budget as pb
from ragtune.appliance.ingest.loaders.base import LoadError


def _spin() -> None:
    while True:  # pure Python: an async exception lands at the next bytecode
        pass


def _no_overrun_for(seconds: float) -> bool:
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            pass
    except pb.Overrun:
        return False
    return True


def test_an_exit_cut_short_by_its_overrun_sends_nothing_after_the_parse(monkeypatch):
    real_exit = pb.Budget.__exit__
    cut = []

    def exit_cut_short(self, *exc):
        if not cut:  # the first exit is interrupted before it stops anything (as an Overrun at its RESUME would)
            cut.append(1)
            raise pb.Overrun
        return real_exit(self, *exc)

    monkeypatch.setattr(pb.Budget, "__exit__", exit_cut_short)
    token = pb.PARSE_SECONDS.set(0.05)
    try:
        load = pb.budgeted("TEST", "a spin")(lambda: _spin())
        try:
            load()
        except LoadError as exc:
            assert "TEST took over 0.05 s to read" in exc.reason
        assert cut
        assert _no_overrun_for(1.0)  # before: resent every 0.25 s into the caller
    finally:
        pb.PARSE_SECONDS.reset(token)


def test_the_timer_stops_once_the_thread_has_left_the_parse(monkeypatch):
    # even with the exit skipped entirely (its budget left live), the timer sees the frame gone and stops
    monkeypatch.setattr(pb.Budget, "__exit__", lambda self, *exc: None)
    token = pb.PARSE_SECONDS.set(0.3)
    try:
        load = pb.budgeted("TEST", "nothing")(lambda: "done")
        assert load() == "done"
        assert _no_overrun_for(1.0)
    finally:
        pb.PARSE_SECONDS.reset(token)
