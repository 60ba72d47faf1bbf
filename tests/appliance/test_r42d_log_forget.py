"""`ragtune log forget ID [ID...]` (security review, round 42): a user asked for their question to be erased. The
row's text (question, sources, answer, raw output, scope, reviews) is blanked in the file, its id, time and numbers
stay, it is marked forgotten (`log list`/`log show` say so; `log export`, the replay eval and the chat history leave
it out), and the answer-cache entry that held its answer goes. An unknown id changes nothing (exit 2). Was: no way
to erase one question short of pruning the whole log by age or count."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.appliance.eval.datasets import load_replay
from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_ask_cli import fakes  # noqa: F401  (the fixture: a home answered by fake engines)
from .test_log_retention import row

SECRET_Q = "does-my-divorce-8812 affect my pension?"
SECRET_A = "pension-answer-5521 text"
SECRET_SRC = "hr-file-4471 " * 30


def _raw(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists())


def _secret_row(ts: float = 1.0, **extra) -> dict:
    return row(ts, query=SECRET_Q, normalized_query=SECRET_Q.lower(),
               context=[{"id": "S1", "chunk_id": 1, "text": SECRET_SRC}], retrieved=[{"chunk_id": 1, "fused": 0.5}],
               output={"status": "ok", "answer": SECRET_A, "citations": ["S1"]},
               raw_output=json.dumps({"answer": SECRET_A}),
               timings={"total_ms": 12.5, "answer_mode": "free", "scope": {"under": "/srv/hr/divorce-8812"}},
               tokens_prompt=40, tokens_completion=7, client_id="alice", arm="candidate", refusal_reason=None, **extra)


def test_forget_blanks_the_text_keeps_the_numbers_and_leaves_no_trace_in_the_file(home):
    with open_store(home) as s:
        keep = s.add_query_log(row(0.5, query="an unrelated question"))
        gone = s.add_query_log(_secret_row())
        review = {"status": "ok", "answer": "reviewed-" + SECRET_A, "citations": ["S1"]}
        assert s.set_query_review(gone, review) and s.set_query_review(gone, review)
        s.cache_answer("k-secret", {"status": "ok", "answer": SECRET_A, "citations": ["S1"], "valid": True,
                                    "repaired": False, "refusal_reason": None,
                                    "raw_output": json.dumps({"answer": SECRET_A})})
        s.cache_answer("k-other", {"status": "ok", "answer": "other", "raw_output": "x"})
        s.cache_answer("k-damaged", "not an object")
        before = s.query_log_entry(gone)
        assert SECRET_Q.encode() in _raw(home.db_path)

        out = s.forget_query_log([gone])
        assert out == {"forgotten": [gone], "already": [], "replays": [], "unknown": [], "reviews": 2, "cache": 1,
                       "checkpointed": True}
        e = s.query_log_entry(gone)
        assert e["forgotten"] is not None and s.query_log_entry(keep)["forgotten"] is None
        assert e["query"] == e["normalized_query"] == e["raw_output"] == ""
        assert e["context"] == [] and e["retrieved"] == []
        assert e["output"] == {"status": "ok", "answer": "", "citations": ["S1"]}  # what rollout metrics count
        assert e["review"] is None  # round 43: not training data any more (the history keeps status and ids)
        assert [r["review"] for r in s.query_review_history(gone)] == [{"status": "ok", "answer": "",
                                                                        "citations": ["S1"]}] * 2
        assert e["client_id"] is None  # round 43: who asked identifies the user too
        assert e["timings"] == {"total_ms": 12.5, "answer_mode": "free"}  # the scope's folder is text too
        for k in ("id", "ts", "valid", "repaired", "refused", "cached", "tokens_prompt", "tokens_completion", "cost",
                  "model_id", "adapter_id", "arm"):
            assert e[k] == before[k], k
        assert s.cached_answer("k-secret") is None and s.cached_answer("k-other") is not None
        assert s.scalar("SELECT count(*) FROM answer_cache") == 2  # the damaged entry is left: it holds no answer
        # the row is still counted, but nothing that reads the log whole sees it
        assert s.scalar("SELECT count(*) FROM query_log") == 2
        assert [d["id"] for d in s.iter_query_log()] == [keep]
        assert s.recent_questions() == ["an unrelated question"]
        assert [i["question"] for i in load_replay(s).items] == ["an unrelated question"]
        assert not s.set_query_review(gone, review)  # a forgotten row takes no review (its text would come back)
        # again: left as it is
        assert s.forget_query_log([gone])["already"] == [gone]
    # closed: the WAL checkpointed and removed; secure_delete zeroed the old cells in the database's pages
    raw = _raw(home.db_path)
    for secret in (SECRET_Q, SECRET_Q.lower(), SECRET_A, SECRET_SRC[:26], "divorce-8812"):
        assert secret.encode() not in raw, secret


def test_forget_checkpoints_the_write_ahead_log_while_the_connection_stays_open(home):
    with open_store(home) as s:
        gone = s.add_query_log(_secret_row())
        s.forget_query_log([gone])
        assert SECRET_Q.encode() not in _raw(home.db_path)  # not only after the close


def test_an_unknown_id_changes_nothing(home):
    with open_store(home) as s:
        gone = s.add_query_log(_secret_row())
        out = s.forget_query_log([gone, gone + 5])
        assert out["unknown"] == [gone + 5] and out["forgotten"] == []
        assert s.query_log_entry(gone)["query"] == SECRET_Q and s.query_log_entry(gone)["forgotten"] is None


def test_a_damaged_answer_clears_the_whole_cache(home):
    with open_store(home) as s:
        gone = s.add_query_log(_secret_row())
        s.query("UPDATE query_log SET output = 'not json' WHERE id = ?", (gone,))
        s.cache_answer("a", {"answer": "x", "raw_output": "y"})
        assert s.forget_query_log([gone])["cache"] == 1 and s.cached_answer("a") is None
        assert s.query_log_entry(gone)["output"] == {"status": None, "answer": "", "citations": []}


def _ask(capsys, question: str, *flags: str) -> dict:
    assert main(["ask", "--json", *flags, question]) == 0
    return json.loads(capsys.readouterr().out)


def _log_id(capsys) -> int:
    assert main(["log", "list", "--json", "--limit", "1"]) == 0
    return json.loads(capsys.readouterr().out)["entries"][0]["id"]


def test_the_cli_forgets_an_entry_and_its_cached_answer(fakes, capsys, home, tmp_path):
    q = "When was the Eiffel Tower built? my-id-3391"
    _ask(capsys, q)
    first = _log_id(capsys)
    assert _ask(capsys, q)["cached"] is True  # the answer cache holds it
    second = _log_id(capsys)
    _ask(capsys, "Another question", "--no-cache")  # the fake's answer is the same: its entry would match too
    other = _log_id(capsys)
    assert main(["log", "review", str(first), "--answer-json",
                 '{"status": "ok", "answer": "1889 my-id-3391", "citations": ["S1"]}']) == 0
    # a correction: the cached answer it corrects goes now (round 43), so the forget below finds none left
    assert "removed 1 cached answer(s) holding the answer this review corrects" in capsys.readouterr().err

    # unknown ids (with a known one): exit 2, nothing forgotten
    assert main(["log", "forget", str(first), "999999"]) == 2
    err = capsys.readouterr().err
    assert "no query log entry 999999: nothing was forgotten" in err
    assert main(["log", "show", str(first), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["query"] == q

    assert main(["log", "forget", str(first), str(second), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["forgotten"] == [first, second] and out["reviews"] == 1 and out["cache"] == 0
    assert main(["log", "forget", str(first)]) == 0
    captured = capsys.readouterr()
    assert "forgot 0 entries" in captured.out and f"already forgotten: {first}" in captured.err

    assert main(["log", "show", str(first)]) == 0
    captured = capsys.readouterr()
    shown = json.loads(captured.out)
    assert shown["forgotten"] is not None and shown["query"] == "" and shown["context"] == []
    assert f"entry {first} was forgotten" in captured.err and "my-id-3391" not in captured.out + captured.err
    assert main(["log", "list", "--json"]) == 0
    entries = {e["id"]: e for e in json.loads(capsys.readouterr().out)["entries"]}
    assert entries[first]["forgotten"] and entries[second]["forgotten"] and not entries[other]["forgotten"]
    assert main(["log", "list"]) == 0
    lines = {int(line.split()[0]): line for line in capsys.readouterr().out.splitlines()}
    assert lines[first].endswith("(forgotten)") and "Another question" in lines[other]
    export = tmp_path / "x.jsonl"
    assert main(["log", "export", "--out", str(export)]) == 0
    assert [json.loads(x)["meta"]["log_id"] for x in export.read_text().splitlines()] == [other]
    assert main(["log", "review", str(first), "--answer-json",
                 '{"status": "refused", "answer": "x", "citations": []}']) == 2
    assert "was forgotten" in capsys.readouterr().err
    # every command closed its connection: the file holds neither the question nor the reviewed answer
    assert b"my-id-3391" not in _raw(home.db_path)
    # the cache entry went: the same question is answered afresh
    assert _ask(capsys, q)["cached"] is False


def test_forget_takes_the_write_lock_before_it_reads(home, monkeypatch):
    # was: it read its rows first; a serving writer's commit in between made that read snapshot stale, and the write
    # then failed with BusyError whatever the busy timeout. Now the first statement takes the write lock.
    import apsw

    with open_store(home) as s:
        gone = s.add_query_log(_secret_row())
    seen: list[str] = []
    with open_store(home) as s:
        real = s.one

        def one(sql, params=()):  # the first read: another writer must already be shut out
            if not seen:
                other = apsw.Connection(str(home.db_path))
                other.setbusytimeout(0)
                try:
                    other.execute("INSERT INTO meta(key, value) VALUES ('x', 'y')")
                    seen.append("written")
                except apsw.BusyError:
                    seen.append("locked")
                other.close()
            return real(sql, params)

        monkeypatch.setattr(s, "one", one)
        assert s.forget_query_log([gone])["forgotten"] == [gone]
    assert seen == ["locked"]


def test_a_checkpoint_another_process_blocks_is_said_and_a_second_forget_retries_it(home, capsys):
    # was: the erased text stayed in -wal while a reader (a running serve) held it, and the command said nothing
    import apsw

    with open_store(home) as s:
        gone = s.add_query_log(_secret_row())
    reader = apsw.Connection(str(home.db_path))
    reader.execute("BEGIN")
    list(reader.execute("SELECT count(*) FROM query_log"))  # a read snapshot keeps the WAL from being truncated
    assert main(["--home", str(home.root), "log", "forget", str(gone)]) == 0
    assert "stays in" in capsys.readouterr().err
    reader.execute("COMMIT")
    reader.close()
    assert main(["--home", str(home.root), "log", "forget", str(gone), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["already"] == [gone] and out["checkpointed"] is True
    assert SECRET_Q.encode() not in _raw(home.db_path)


def test_replay_of_a_log_whose_entries_were_all_forgotten_says_so(home):
    import pytest

    from ragtune.appliance.errors import InputError
    with open_store(home) as s:
        with pytest.raises(InputError, match="it is empty"):
            load_replay(s)
        s.forget_query_log([s.add_query_log(_secret_row())])
        with pytest.raises(InputError, match=r"no question to replay \(left out: 1 forgotten\)"):
            load_replay(s)
