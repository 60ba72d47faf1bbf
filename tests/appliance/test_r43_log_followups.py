"""The query-log loop's follow-ups (round 43, a tester's run of ask → `log review`/`export` → `dataset build
--from-log` → train):
- a review that corrects an answer evicts the answer-cache entries holding it, in the review's transaction (was:
  asking again served the corrected answer from the cache, `cached: true`); a confirmation evicts nothing;
- export lines carry the entry's time (`meta.time`), so a `--from-log` build holds the newest lines out (was: no
  time, an empty holdout, nothing for train-eval to score);
- the entries `eval run --replay` wrote are left out of `log export` unless `--include-replays`, and marked
  "(replay)" in `log list` (was: an evaluated adapter's answers exported as users' requests);
- `log forget` says that exports and datasets made before are not reached."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_ask_cli import OK, fakes  # noqa: F401  (the fixture: a home answered by fake engines)
from .test_log_retention import row

RIGHT = {"status": "ok", "answer": "From 1887 to 1889.", "citations": ["S1"]}
REFUSED = {"status": "refused", "answer": "I cannot answer that from the provided sources.", "citations": []}


def _ask(capsys, question: str, *flags: str) -> dict:
    assert main(["ask", "--json", *flags, question]) == 0
    return json.loads(capsys.readouterr().out)


def _newest(capsys) -> int:
    assert main(["log", "list", "--json", "--limit", "1"]) == 0
    return json.loads(capsys.readouterr().out)["entries"][0]["id"]


# -- 1. a correction evicts the cached answer ----------------------------------------------------------------------
def test_a_correction_evicts_the_cached_answer_and_a_confirmation_does_not(fakes, capsys):
    q = "When was the Eiffel Tower built?"
    _ask(capsys, q)
    first = _newest(capsys)
    assert _ask(capsys, q)["cached"] is True
    # a confirmation (the logged answer, other whitespace, citations as logged): the cache stays
    same = {**OK, "answer": "  " + OK["answer"].replace(" ", "  ")}
    assert main(["log", "review", str(first), "--answer-json", json.dumps(same)]) == 0
    assert "cached answer" not in capsys.readouterr().err
    assert _ask(capsys, q)["cached"] is True
    # a correction of the entry served from the cache: the entry holding that answer goes
    cached_entry = _newest(capsys)
    assert main(["log", "review", str(cached_entry), "--answer-json", json.dumps(RIGHT)]) == 0
    assert "note: removed 1 cached answer(s) holding the answer this review corrects" in capsys.readouterr().err
    again = _ask(capsys, q)
    assert again["cached"] is False  # was: True, the corrected answer served again


def test_the_store_evicts_only_on_a_correction_in_the_reviews_transaction(home):
    with open_store(home) as s:
        ok = s.add_query_log(row(1.0, output=OK, raw_output="raw-ok"))
        refused = s.add_query_log(row(2.0, output=REFUSED, raw_output="raw-refused", refused=True))
        s.cache_answer("k-ok", {**OK, "raw_output": "raw-ok"})
        s.cache_answer("k-refused", {**REFUSED, "raw_output": "raw-refused"})
        s.cache_answer("k-other", {**OK, "raw_output": "another decode"})  # same text, another raw output: kept
        # confirmations: the same answer with its citations in another order; a refusal in other words
        assert s.set_query_review(ok, {**OK, "citations": list(reversed(OK["citations"]))}) == {"cache": 0}
        assert s.set_query_review(refused, {**REFUSED, "answer": "no"}) == {"cache": 0}
        assert s.scalar("SELECT count(*) FROM answer_cache") == 3
        # a correction removes the entry holding the logged answer, nothing else
        assert s.set_query_review(ok, RIGHT) == {"cache": 1}
        assert s.cached_answer("k-ok") is None and s.cached_answer("k-other") is not None
        # an entry whose answer cannot be read: the cache cannot tell its entries apart and is emptied
        damaged = s.add_query_log(row(3.0, output="not json", raw_output="x"))
        assert s.set_query_review(damaged, RIGHT) == {"cache": 2}
        # a review that is not stored (a forgotten entry) evicts nothing
        s.cache_answer("k-again", {**OK, "raw_output": "raw-ok"})
        s.forget_query_log([refused])
        s.cache_answer("k-refused", {**REFUSED, "raw_output": "raw-refused"})
        assert s.set_query_review(refused, RIGHT) is None
        assert s.scalar("SELECT count(*) FROM answer_cache") == 2


def test_the_eviction_rolls_back_with_the_review(home):
    with open_store(home) as s:
        ok = s.add_query_log(row(1.0, output=OK, raw_output="raw-ok"))
        s.cache_answer("k-ok", {**OK, "raw_output": "raw-ok"})
        with pytest.raises(RuntimeError):
            with s.transaction():  # a caller's transaction that fails after the review
                s.set_query_review(ok, RIGHT)
                raise RuntimeError("after the review")
        assert s.query_log_entry(ok)["review"] is None and s.cached_answer("k-ok") is not None


# -- 2. export lines carry the entry's time; a --from-log build holds the newest out -----------------------------
def _spread(home, n: int) -> list[int]:
    """n reviewed entries, one a day (2026-01-01 on), each its own question over its own source."""
    day0 = 1767225600.0  # 2026-01-01T00:00:00Z
    ids = []
    with open_store(home) as s:
        for i in range(n):
            ctx = [{"id": "S1", "chunk_id": i, "text": f"Building {i} opens at {i + 7} o'clock."}]
            ids.append(s.add_query_log(row(day0 + i * 86400 + 3600, query=f"When does building {i} open?",
                                           normalized_query=f"when does building {i} open?", context=ctx)))
            s.set_query_review(ids[-1], {"status": "ok", "answer": f"at {i + 7} o'clock", "citations": ["S1"]})
    return ids


def test_export_carries_the_time_and_a_from_log_build_holds_the_newest_out(home, capsys, tmp_path):
    home.ensure()
    ids = _spread(home, 10)
    export = tmp_path / "reviewed.jsonl"
    assert main(["log", "export", "--reviewed-only", "--out", str(export)]) == 0
    lines = [json.loads(x) for x in export.read_text(encoding="utf-8").splitlines()]
    assert [x["meta"]["time"] for x in lines[:2]] == ["2026-01-01T01:00:00Z", "2026-01-02T01:00:00Z"]
    out = tmp_path / "ds"
    assert main(["dataset", "build", "--from-log", str(export), "--out", str(out), "--mix-frac", "0",
                 "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["holdout_lines"] == 2 and rep["split"]["undated"] == 0  # was: 0 held out, all 10 undated
    held = [json.loads(x)["meta"]["log_id"] for x in (out / "holdout.jsonl").read_text().splitlines()]
    assert sorted(held) == ids[-2:]  # the newest two days


# -- 3. replay-eval entries: out of the export, marked in the list ------------------------------------------------
def test_replay_entries_are_left_out_of_the_export_and_marked_in_the_list(fakes, capsys, home, tmp_path):
    _ask(capsys, "When was the Eiffel Tower built?", "--no-cache")
    user = _newest(capsys)
    _ask(capsys, "When was the Eiffel Tower built?", "--no-cache")  # as `eval run --replay` asks it
    replayed = _newest(capsys)
    with open_store(home) as s:
        s.ensure_eval_run("rep", "replay", {"dataset": {"kind": "replay"}})
        s.put_eval_item("rep", "C", f"log{user}", {"log_id": replayed})
    export = tmp_path / "x.jsonl"
    assert main(["log", "export", "--out", str(export)]) == 0
    assert "left out 1 entry written by `eval run --replay` (--include-replays exports them)" in \
        capsys.readouterr().err
    assert [json.loads(x)["meta"]["log_id"] for x in export.read_text().splitlines()] == [user]
    assert main(["log", "export", "--include-replays", "--out", str(export), "--force"]) == 0
    assert "eval run --replay" not in capsys.readouterr().err
    assert [json.loads(x)["meta"]["log_id"] for x in export.read_text().splitlines()] == [user, replayed]
    assert main(["log", "list", "--json"]) == 0
    entries = {e["id"]: e for e in json.loads(capsys.readouterr().out)["entries"]}
    assert entries[replayed]["replay"] is True and entries[user]["replay"] is False
    assert main(["log", "list"]) == 0
    lines = {int(x.split()[0]): x for x in capsys.readouterr().out.splitlines()}
    assert "(replay) When was" in lines[replayed] and "(replay)" not in lines[user]


# -- 4. forget says what it cannot reach --------------------------------------------------------------------------
@pytest.mark.parametrize("as_json", [False, True])
def test_forget_says_exports_and_datasets_made_before_are_not_reached(fakes, capsys, as_json):
    _ask(capsys, "When was the Eiffel Tower built?", "--no-cache")
    log_id = _newest(capsys)
    assert main(["log", "forget", str(log_id), *(["--json"] if as_json else [])]) == 0
    err = capsys.readouterr().err
    assert "a `ragtune log export` file or a dataset built from one" in err and "delete or rebuild those files by " \
        "hand" in err
    assert main(["log", "forget", str(log_id)]) == 0  # nothing forgotten now: nothing to say
    assert "log export" not in capsys.readouterr().err
