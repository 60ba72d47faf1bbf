"""`ragtune log review|export|list|prune` as an operator meets them: bad answers and files, a second review, damaged
rows, an empty --out (QA r37); pruning by age and count, what it keeps, its usage errors. The happy paths of the
other commands are in test_ask_cli.py."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_ask_cli import fakes  # noqa: F401  (the fixture: a home answered by fake engines)


def _one_logged(capsys) -> int:
    assert main(["ask", "--json", "--no-cache", "When was the Eiffel Tower built?"]) == 0
    assert main(["log", "list", "--json", "--limit", "1"]) == 0
    return json.loads(capsys.readouterr().out.splitlines()[-1])["entries"][0]["id"]


def test_review_errors_name_the_file_and_line_and_keep_the_previous_review(fakes, capsys, tmp_path, home):
    log_id = _one_logged(capsys)
    ok = '{"status": "ok", "answer": "1889.", "citations": ["S1"]}'
    assert main(["log", "review", str(log_id), "--answer-json", ok]) == 0
    capsys.readouterr()
    bad = tmp_path / "refusal.json"
    bad.write_text('{\n  "status": "refused",\n  "answer": "No.",\n  "citations": ["S1"]\n}', encoding="utf-8")
    assert main(["log", "review", str(log_id), "--answer-json", f"@{bad}"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4: review answer for entry {log_id} is not valid: a refusal cites nothing" in err
    assert main(["log", "review", str(log_id), "--answer-json", "@"]) == 2
    assert "give the file name after the @" in capsys.readouterr().err
    assert main(["log", "show", str(log_id)]) == 0
    assert json.loads(capsys.readouterr().out)["review"] == json.loads(ok)  # untouched by the failed ones
    second = '{"status": "ok", "answer": "From 1887 to 1889.", "citations": ["S1"]}'
    assert main(["log", "review", str(log_id), "--json", "--answer-json", second]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["review"] == json.loads(second) and out["replaced"] == json.loads(ok)
    assert main(["log", "review", str(log_id), "--answer-json", ok]) == 0
    err = capsys.readouterr().err
    assert "replaced the earlier review (kept in its history" in err and "From 1887 to 1889." in err
    # every review is kept: `log show` lists them, the current one first; the export uses the current one
    assert main(["log", "show", str(log_id), "--json"]) == 0
    captured = capsys.readouterr()
    shown = json.loads(captured.out)
    assert shown["review"] == json.loads(ok) and captured.err == ""
    assert [r["review"] for r in shown["reviews"]] == [json.loads(ok), json.loads(second), json.loads(ok)]
    assert main(["log", "show", str(log_id)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["reviews"] == shown["reviews"]
    lines = captured.err.splitlines()
    assert lines[0] == "3 review(s), the current one first:" and "From 1887 to 1889." in lines[2]
    out = tmp_path / "train.jsonl"
    assert main(["log", "export", "--reviewed-only", "--out", str(out)]) == 0
    assert [json.loads(x)["output"]["answer"] for x in out.read_text().splitlines()] == ["1889."]


def test_export_names_damaged_rows_and_refuses_an_empty_out(fakes, capsys, tmp_path, home):
    first = _one_logged(capsys)
    second = _one_logged(capsys)
    with open_store(home) as s:
        s.query("UPDATE query_log SET output = '{}' WHERE id = ?", (first,))  # was an internal KeyError
    out = tmp_path / "train.jsonl"
    assert main(["log", "export", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "exported 1 example(s)" in err and f"left out 1 damaged row(s) (context or answer not as logged): {first}" in err
    assert [json.loads(x)["meta"]["log_id"] for x in out.read_text().splitlines()] == [second]
    assert main(["log", "export", "--out", ""]) == 2  # was an internal ValueError
    assert "--out: give a file name" in capsys.readouterr().err
    assert main(["log", "export", "--reviewed-only", "--out", str(out), "--force"]) == 0  # none reviewed: empty
    assert out.read_text() == "" and "exported 0 example(s)" in capsys.readouterr().err


def test_a_review_the_dataset_builder_would_refuse_is_refused_and_a_refusal_gets_the_refusal_text(
        fakes, capsys, tmp_path):
    """QA r41: `log review 3 --answer-json '{"status":"ok","answer":"no nuts","citations":[]}'` was accepted, and
    then `dataset build --from-log` refused the whole export; a refusal reviewed as "nope" went into train.jsonl as
    "nope". The review is held to the builder's output check, and a refusal's answer is stored as REFUSAL_TEXT."""
    from ragtune.appliance.prompt import REFUSAL_TEXT

    first, second = _one_logged(capsys), _one_logged(capsys)
    assert main(["log", "review", str(first), "--answer-json",
                 '{"status":"ok","answer":"no nuts","citations":[]}']) == 2
    err = capsys.readouterr().err
    assert f"review answer for entry {first} is not valid: an answer must cite at least one source" in err
    assert "or make it a refusal" in err
    assert main(["log", "review", str(first), "--answer-json",
                 '{"status":"refused","answer":"nope","citations":[]}']) == 0
    err = capsys.readouterr().err
    assert f'note: a refusal\'s answer is always the refusal text: stored "{REFUSAL_TEXT}" instead of "nope"' in err
    assert f"entry {first} reviewed" in err
    assert main(["log", "review", str(second), "--json", "--answer-json",
                 '{"status":"refused","answer":"nope","citations":[]}']) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["review"]["answer"] == REFUSAL_TEXT and "note: a refusal's answer" in captured.err
    out = tmp_path / "reviewed.jsonl"
    assert main(["log", "export", "--reviewed-only", "--out", str(out)]) == 0
    capsys.readouterr()
    assert [json.loads(x)["output"]["answer"] for x in out.read_text().splitlines()] == [REFUSAL_TEXT] * 2
    assert main(["dataset", "build", "--from-log", str(out), "--out", str(tmp_path / "data")]) == 0
    train = [json.loads(x) for x in (tmp_path / "data" / "train.jsonl").read_text().splitlines()]
    assert [ex["output"]["answer"] for ex in train] == [REFUSAL_TEXT]  # the two lines are one once de-duplicated


def test_export_refuses_an_existing_file_unless_force(fakes, capsys, tmp_path):
    """QA r41: `log export --out data/mine/train.jsonl` silently replaced a dataset's train split."""
    _one_logged(capsys)
    out = tmp_path / "mine" / "train.jsonl"
    out.parent.mkdir()
    out.write_text("a dataset's train split\n")
    assert main(["log", "export", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {out}: already exists") and "pass --force to replace it" in err
    assert out.read_text() == "a dataset's train split\n"  # untouched
    assert main(["log", "export", "--out", str(out), "--force"]) == 0
    assert "exported 1 example(s)" in capsys.readouterr().err
    assert json.loads(out.read_text())["meta"]["reviewed"] is False
    link = tmp_path / "link.jsonl"  # a link, even a dangling one, is something there too
    link.symlink_to(tmp_path / "nowhere.jsonl")
    assert main(["log", "export", "--out", str(link)]) == 2
    assert not (tmp_path / "nowhere.jsonl").exists()
    capsys.readouterr()
    assert main(["log", "export", "--out", "/dev/null"]) == 0  # a device is written as it is, never "exists"


def test_ask_json_says_the_rollout_arm_that_answered(fakes, capsys, home, monkeypatch):
    """QA r41: `ask --json` had no `arm` during a rollout, though the query log recorded it (and /v1/ask says it)."""
    from ragtune.models.rollout import RolloutState
    from tests.serve.helpers import register_adapters

    assert main(["ask", "--json", "--no-cache", "When was the Eiffel Tower built?"]) == 0
    assert json.loads(capsys.readouterr().out)["arm"] is None  # no rollout
    register_adapters(home)
    RolloutState(home).start("alpha", 50)
    seen = set()
    for client in ("a", "b", "c", "d", "e", "f"):
        monkeypatch.setenv("RAGTUNE_CLIENT", client)
        assert main(["ask", "--json", "--no-cache", "When was the Eiffel Tower built?"]) == 0
        arm = json.loads(capsys.readouterr().out)["arm"]
        with open_store(home) as s:
            assert s.query("SELECT arm FROM query_log ORDER BY id DESC LIMIT 1")[0][0] == arm  # what the log says
        seen.add(arm)
    assert seen == {"control", "candidate"}  # the arms of these six clients (the split is by a hash of the id)


def test_list_keeps_one_entry_on_one_line(fakes, capsys, home):
    log_id = _one_logged(capsys)
    with open_store(home) as s:
        s.query("UPDATE query_log SET query = ? WHERE id = ?", ("two\nlines \x1b[31mred", log_id))
    assert main(["log", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "two\\nlines \\x1b[31mred" in lines[0]
    assert main(["log", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"][0]["query"] == "two\nlines \x1b[31mred"


# -- log prune ---------------------------------------------------------------------------------------------------
def _aged(home, ages_days, **extra) -> list[int]:
    """Rows written `ages_days` days ago (oldest first as given) in the home's log; their ids."""
    import time

    from .test_log_retention import row

    home.ensure()
    with open_store(home) as s:
        return [s.add_query_log(row(time.time() - d * 86400, **extra)) for d in ages_days]


def _ids(home) -> list[int]:
    with open_store(home) as s:
        return [r[0] for r in s.query("SELECT id FROM query_log ORDER BY id")]


def test_prune_by_age_and_count_keeps_reviewed_entries_and_says_what_it_freed(capsys, home):
    got = _aged(home, [90, 60, 45, 10, 0])
    with open_store(home) as s:
        s.set_query_review(got[1], {"status": "ok", "answer": "1889.", "citations": ["S1"]})
    assert main(["log", "prune", "--older-than", "30", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("would remove 2 entries (") and "kept 1 reviewed entry" in out and "reuses" not in out
    assert _ids(home) == got  # a dry run changes nothing
    assert main(["log", "prune", "--older-than", "30"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("removed 2 entries (") and "and 0 review(s)" in out
    assert "ragtune.db keeps its size" in out and "SQLite reuses the" in out and "--vacuum shrinks the file" in out
    assert _ids(home) == [got[1], got[3], got[4]]
    assert main(["log", "prune", "--keep", "1", "--include-reviewed", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["removed"]["rows"] == 2 and j["removed"]["reviews"] == 1 and j["kept_reviewed"] == 0
    assert j["dry_run"] is False and j["rollout_since"] is None and j["database"]["free_bytes"] > 0
    assert _ids(home) == [got[4]]


def test_prune_vacuum_shrinks_the_file(capsys, home):
    _aged(home, [40] * 200 + [0])
    with open_store(home) as s:
        before = s.database_bytes()["file"]
    assert main(["log", "prune", "--older-than", "30", "--vacuum", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["removed"]["rows"] == 200 and j["database"]["vacuumed"] is True and j["database"]["free_bytes"] == 0
    assert j["database"]["file_bytes"] < before - 200 * 2000  # each row held 2 kB of context
    assert main(["log", "prune", "--older-than", "30", "--vacuum"]) == 0
    assert "ragtune.db: " in capsys.readouterr().out


def test_prune_keeps_every_entry_a_running_rollout_reads(capsys, home):
    import time

    from ragtune.models.rollout import RolloutState
    from tests.serve.helpers import register_adapters

    register_adapters(home)
    state = RolloutState(home)
    state.start("alpha", 5)
    doc = json.loads(state.path.read_text())
    doc["started"] = time.time() - 10 * 86400  # it has been running for ten days
    state.path.write_text(json.dumps(doc))
    got = _aged(home, [20, 5, 1], arm="control", client_id="u") + _aged(home, [0])
    assert main(["log", "prune", "--older-than", "0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("removed 1 entry") and f"since rollout {doc['id']} started" in out and "it is running" in out
    assert main(["log", "prune", "--keep", "1", "--include-reviewed", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["removed"]["rows"] == 0 and _ids(home) == got[1:]
    state.rollback(reason="test")  # once it has ended, its entries are entries like any other
    assert main(["log", "prune", "--keep", "1"]) == 0 and _ids(home) == got[-1:]


@pytest.mark.parametrize("args,says", [
    ([], "give --older-than DAYS, --keep N or both"),
    (["--dry-run"], "give --older-than DAYS, --keep N or both"),
    (["--keep", "0"], "--keep"),
    (["--older-than", "-1"], "--older-than"),
    (["--older-than", "ten"], "--older-than"),
    (["--older-than", "3", "--dry-run", "--vacuum"], "--dry-run changes nothing"),
])
def test_prune_arguments_are_usage_errors_that_remove_nothing(capsys, home, args, says):
    got = _aged(home, [100, 0])
    assert main(["log", "prune", *args]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert _ids(home) == got
