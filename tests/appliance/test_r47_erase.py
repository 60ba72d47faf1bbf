"""Round 47, an erasure request walked through (a personnel file ingested by mistake, three colleagues asked about
it): after `docs remove` and `log forget` of every entry it listed, the person's name, id and salary were still in
ragtune.db, in the `eval_items` an `eval run --replay` stored (each arm's answer, raw output and the sources' text).
`docs remove` and `log forget` named the replay's report files but said the items "stay in the database until the run
is deleted", and no command deletes a run. Now `log forget` blanks those items as it blanks the replay's query-log
rows (`eval_items` in its output), also for entries forgotten before (running it again reaches them)."""

from __future__ import annotations

import json

from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_log_retention import row

MARK = "Zyrkonia Vaskelund"
CHUNK = f"Personnel file: {MARK}, employee ID ZV-99317-Q, salary 71,450 euros, 14 Quillmarsh Lane."
MARKERS = (b"Vaskelund", b"ZV-99317-Q", b"Quillmarsh", "Vaskelund".encode("utf-16-le"))


def _result(log_id: int, answer: str, text: str = CHUNK) -> dict:
    """What `eval run --replay` stores for one arm (eval/metrics.py's result, with the row it logged)."""
    return {"status": "ok", "answer": answer, "cited_ids": ["S1"], "log_id": log_id, "valid": True,
            "raw_output": json.dumps({"status": "ok", "answer": answer, "citations": ["S1"]}),
            "context": [{"id": "S1", "key": "/docs/personnel_zv.md", "chunk_id": 1, "text": text}],
            "timings": {"total_ms": 12.5}, "tokens_prompt": 300, "tokens_completion": 20, "error": None}


def _home_bytes(home) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.root.rglob("*")) if p.is_file())


def _story(home) -> tuple[list[int], list[int], int]:
    """Three questions about the person, replayed (arms A and C, a row each); one other question, replayed too.
    (the users' ids, the replay's row ids, the other question's id)"""
    ctx = [{"id": "S1", "chunk_id": 1, "doc_id": 7, "source": "/docs/personnel_zv.md", "text": CHUNK}]
    with open_store(home) as s:
        users = [s.add_query_log(row(float(i), query=q, normalized_query=q, context=ctx, output={
            "status": "ok", "answer": a, "citations": ["S1"]})) for i, (q, a) in enumerate((
                (f"What is the salary of {MARK}?", "71,450 euros"),
                (f"What is the employee ID of {MARK}?", "ZV-99317-Q"),
                (f"Where does {MARK} live?", "14 Quillmarsh Lane")), 1)]
        other = s.add_query_log(row(4.0, query="When does the canteen open?"))
        s.ensure_eval_run("rp1", "replay", {"dataset": {"kind": "replay"}})
        copies = []
        for u, answer in zip(users, ("71,450 euros", "ZV-99317-Q", "14 Quillmarsh Lane")):
            for arm in ("A", "C"):
                copy = s.add_query_log(row(10.0 + u, query=f"q{u}", normalized_query=f"q{u}", context=ctx))
                copies.append(copy)
                s.put_eval_item("rp1", arm, f"log{u}", _result(copy, answer))
        replayed = s.add_query_log(row(20.0, query="When does the canteen open?"))
        s.put_eval_item("rp1", "C", f"log{other}", _result(replayed, "at noon", "The canteen opens at noon."))
        # a BEIR run whose qid looks like a replay's: another dataset's item, never touched
        s.ensure_eval_run("b1", "beir", {"dataset": {"kind": "beir"}})
        s.put_eval_item("b1", "C", f"log{users[0]}", _result(99, "beir answer", "beir text"))
    return users, copies, other


def test_forget_blanks_the_replay_items_so_no_byte_of_the_home_holds_the_person(home, capsys):
    users, copies, other = _story(home)
    assert main(["--home", str(home.root), "log", "forget", *map(str, users), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["forgotten"] == users and out["eval_items"] == 6 and out["checkpointed"] is True
    blob = _home_bytes(home)
    assert not [m for m in MARKERS if m in blob]  # was: the six items' answers and context, in ragtune.db
    with open_store(home) as s:
        items = s.eval_items("rp1")
        for u in users:
            got = items[("C", f"log{u}")]
            assert got["answer"] == got["raw_output"] == "" and got["context"] == []
            # the numbers, status, citations and the row it logged stay (replay_runs_asking, replay_log_ids)
            assert (got["status"], got["cited_ids"], got["tokens_prompt"], got["timings"]) == (
                "ok", ["S1"], 300, {"total_ms": 12.5})
        assert {items[(a, f"log{u}")]["log_id"] for u in users for a in "AC"} == set(copies)
        assert items[("C", f"log{other}")]["answer"] == "at noon"  # another question's item is kept whole
        assert s.eval_items("b1")[("C", f"log{users[0]}")]["answer"] == "beir answer"  # not a replay
        assert [r for r, _ in s.replay_runs_asking(users, copies)] == ["rp1"]  # still found, so still listed
        assert copies[0] in s.replay_log_ids()


def test_a_second_forget_reaches_the_items_an_older_forget_left(home, capsys):
    users, _, _ = _story(home)
    with open_store(home) as s:  # as round 46's forget did: the rows blanked, the items left
        s.forget_query_log(users)
        s.conn.execute("UPDATE eval_items SET result = ? WHERE run_id = 'rp1' AND qid = ?",
                       (json.dumps(_result(1, "71,450 euros")), f"log{users[0]}"))
    assert b"71,450" in _home_bytes(home)
    assert main(["--home", str(home.root), "log", "forget", str(users[0]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["already"] == [users[0]] and out["eval_items"] == 2  # arms A and C; was: no field, the item kept
    assert b"71,450" not in _home_bytes(home)
    assert main(["--home", str(home.root), "log", "forget", str(users[0]), "--json"]) == 0
    assert "eval_items" not in json.loads(capsys.readouterr().out)  # blanked once: nothing rewritten


def test_forget_passes_over_a_damaged_item(home):
    """A replay item that is not JSON made every `log forget` fail (replay_log_ids' json_extract): no erasure."""
    users, _, _ = _story(home)
    with open_store(home) as s:
        s.conn.execute("UPDATE eval_items SET result = 'not json' WHERE run_id = 'rp1' AND arm = 'A' AND qid = ?",
                       (f"log{users[1]}",))
        out = s.forget_query_log(users)
        assert out["forgotten"] == users and out["eval_items"] == 5  # was: StoreError "malformed JSON", nothing
        assert s.one("SELECT result FROM eval_items WHERE arm = 'A' AND qid = ?", (f"log{users[1]}",)) == (
            "not json",)
