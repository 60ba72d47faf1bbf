"""Round 45: a query-log row that repeats an answer from the answer cache names the row that produced it
(`cached_from` in `log show`, kept in `timings`); was: `cached: true` and nothing saying whose answer it was."""

from __future__ import annotations

import json

from ragtune.appliance.querylog import show_entry
from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_ask_cli import OK, fakes  # noqa: F401  (the fixture: a home answered by fake engines)


def _ask(capsys, question: str, *flags: str) -> dict:
    assert main(["ask", "--json", *flags, question]) == 0
    return json.loads(capsys.readouterr().out)


def _show(capsys, log_id: int) -> dict:
    assert main(["log", "show", str(log_id), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_cached_answer_names_the_entry_that_produced_it(fakes, capsys):
    q = "When was the Eiffel Tower built?"
    first = _ask(capsys, q)
    assert first["cached"] is False
    again, third = _ask(capsys, q), _ask(capsys, q)
    assert again["cached"] is third["cached"] is True
    shown = _show(capsys, again["log_id"])
    assert shown["cached_from"] == first["log_id"]  # was: no such field, nothing linking the two rows
    assert shown["timings"]["cached_from"] == first["log_id"]
    assert _show(capsys, third["log_id"])["cached_from"] == first["log_id"]  # the producer, not the repeat
    assert _show(capsys, first["log_id"])["cached_from"] is None  # generated: no origin
    # another answer generated (no cache) is no origin of the cached one: it was not put into the cache
    fresh = _ask(capsys, q, "--no-cache")
    assert fresh["cached"] is False and _show(capsys, fresh["log_id"])["cached_from"] is None
    assert _show(capsys, _ask(capsys, q)["log_id"])["cached_from"] == first["log_id"]
    # text mode prints the same object
    assert main(["log", "show", str(again["log_id"])]) == 0
    assert json.loads(capsys.readouterr().out)["cached_from"] == first["log_id"]


def test_an_entry_cached_before_round_45_has_no_origin_and_forget_keeps_the_link(fakes, capsys, home):
    q = "When was the Eiffel Tower built?"
    first = _ask(capsys, q)
    with open_store(home) as s:  # as an older ragtune cached it: no log_id in the entry
        for (key,) in s.conn.execute("SELECT key FROM answer_cache").fetchall():
            value = s.cached_answer(key)
            assert value["log_id"] == first["log_id"]  # the entry names the row that produced it
            del value["log_id"]
            s.cache_answer(key, value)
    old = _ask(capsys, q)
    assert old["cached"] is True and old["cached_from"] is None  # never a guessed id
    assert _show(capsys, old["log_id"])["cached_from"] is None
    with open_store(home) as s:
        s.forget_query_log([old["log_id"]])
    assert _ask(capsys, q, "--no-cache")["cached_from"] is None
    # a forgotten repeat keeps the link (an id, no user's text, as the numbers are kept)
    with open_store(home) as s:
        s.conn.execute("DELETE FROM answer_cache")
    made = _ask(capsys, q)
    repeat = _ask(capsys, q)
    assert repeat["cached_from"] == made["log_id"]
    with open_store(home) as s:
        s.forget_query_log([repeat["log_id"]])
        assert show_entry(s, repeat["log_id"])["cached_from"] == made["log_id"]
