"""Round 45: `log forget` lists the report files of the replay evaluations that asked a forgotten question
(`replay_reports` in --json, a note on stderr), which it does not edit; was: blanked the rows in the database and
said nothing of `eval run --replay --out DIR`'s report.json/.md/.html and items.jsonl, which hold the question."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_log_retention import row

SECRET = "is my landlord-7731 allowed to keep the deposit?"
REPORT = ("report.json", "report.md", "report.html", "items.jsonl")


def _report(folder: Path, text: str = SECRET) -> list[str]:
    folder.mkdir(parents=True)
    for name in REPORT:
        (folder / name).write_text(json.dumps({"question": text}) + "\n", encoding="utf-8")
    return [str(folder / name) for name in REPORT]


def _replay(s, run: str, out: Path | None, items: dict[int, int]) -> None:
    """An `eval run --replay [--out OUT]` that asked the questions of the entries `items` (keys) and wrote rows
    (values)."""
    s.ensure_eval_run(run, "replay", {"dataset": {"kind": "replay"}, **({"out": str(out)} if out else {})})
    for user, written in items.items():
        s.put_eval_item(run, "C", f"log{user}", {"log_id": written, "answer": "a"})


def test_forget_lists_the_replay_report_files_it_does_not_reach(home, tmp_path, capsys):
    outside, other_out, gone = tmp_path / "reports" / "replay1", tmp_path / "reports" / "other", tmp_path / "moved"
    with open_store(home) as s:
        user = s.add_query_log(row(1.0, query=SECRET, normalized_query=SECRET))
        copy = s.add_query_log(row(2.0, query=SECRET, normalized_query=SECRET))
        other = s.add_query_log(row(3.0, query="another question", normalized_query="another question"))
        answer = s.add_query_log(row(4.0, query="another question", normalized_query="another question"))
        _replay(s, "r1", outside, {user: copy})
        _replay(s, "r2", other_out, {other: answer})  # another question: not listed
        _replay(s, "r3", gone, {user: copy})  # its folder moved away since
        s.ensure_eval_run("b1", "beir", {"dataset": {"kind": "beir"}, "out": str(tmp_path / "beir")})
        s.put_eval_item("b1", "C", f"log{user}", {"log_id": copy})  # not a replay (a BEIR qid that looks alike)
    files = _report(outside)
    _report(other_out, "another question")
    assert main(["--home", str(home.root), "log", "forget", str(user), "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["forgotten"] == [user] and out["replays"] == [copy]
    assert out["replay_reports"] == [  # was: no such field
        {"run": "r1", "folder": str(outside), "files": files},
        {"run": "r3", "folder": str(gone), "files": []}]
    assert "replay evaluations asked these questions too" in captured.err
    for f in files:
        assert f"  {f}  (run r1)" in captured.err
        assert SECRET in Path(f).read_text(encoding="utf-8")  # listed, not edited: the user's to delete
    assert f"{gone} (not found here: moved or deleted" in captured.err and str(other_out) not in captured.err
    # forgotten already: the files are still there, so still said (the item names the entry)
    assert main(["--home", str(home.root), "log", "forget", str(user)]) == 0
    captured = capsys.readouterr()
    assert f"  {files[0]}  (run r1)" in captured.err and f"already forgotten: {user}" in captured.err
    # once deleted by hand, only the folder is said, as not found
    for f in files:
        Path(f).unlink()
    assert main(["--home", str(home.root), "log", "forget", str(user), "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)["replay_reports"]
    assert reports[0] == {"run": "r1", "folder": str(outside), "files": []}
    # no replay asked it: an empty list, nothing said
    assert main(["--home", str(home.root), "log", "forget", str(answer), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["replay_reports"] == [] and "replay evaluations" not in captured.err


def test_a_duplicate_forgotten_reaches_the_report_of_the_question_replayed(home, tmp_path, capsys):
    """Replay asks one of a question's duplicates for all (its item names the oldest): forgetting a later duplicate
    reaches the report through the replay row it blanks (same text)."""
    folder = tmp_path / "rep"
    with open_store(home) as s:
        first = s.add_query_log(row(1.0, query=SECRET, normalized_query=SECRET))
        twin = s.add_query_log(row(2.0, query=SECRET, normalized_query=SECRET))
        copy = s.add_query_log(row(3.0, query=SECRET, normalized_query=SECRET))
        _replay(s, "r1", folder, {first: copy})
    files = _report(folder)
    assert main(["--home", str(home.root), "log", "forget", str(twin), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["replays"] == [copy] and out["replay_reports"] == [{"run": "r1", "folder": str(folder),
                                                                   "files": files}]


def test_a_damaged_run_record_is_passed_over(home):
    """Forget asks after it committed: a run config or item that is not JSON must not fail the command."""
    with open_store(home) as s:
        user = s.add_query_log(row(1.0, query=SECRET, normalized_query=SECRET))
        s.conn.execute("INSERT INTO eval_runs(id, created, dataset, config) VALUES ('bad', 1, 'x', '{not json')")
        s.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('bad', 'C', ?, 'nope')",
                       (f"log{user}",))
        _replay(s, "r1", None, {user: user + 1})
        s.conn.execute("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('r1', 'A', 'x', '[[[')")
        assert s.replay_runs_asking([user], [user + 1]) == [("r1", None)]
        assert s.replay_runs_asking([], [user + 1]) == [("r1", None)]
        assert s.replay_runs_asking([], []) == []
