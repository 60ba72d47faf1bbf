"""`ragtune log review|export|list` as an operator meets them: bad answers and files, a second review, damaged
rows, an empty --out (QA r37). The happy paths are in test_ask_cli.py."""

from __future__ import annotations

import json

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
    assert f"{bad}:4: review answer for entry {log_id} is not valid: a refused answer cites nothing" in err
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
    assert main(["log", "export", "--reviewed-only", "--out", str(out)]) == 0  # none reviewed: an empty file
    assert out.read_text() == "" and "exported 0 example(s)" in capsys.readouterr().err


def test_list_keeps_one_entry_on_one_line(fakes, capsys, home):
    log_id = _one_logged(capsys)
    with open_store(home) as s:
        s.query("UPDATE query_log SET query = ? WHERE id = ?", ("two\nlines \x1b[31mred", log_id))
    assert main(["log", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "two\\nlines \\x1b[31mred" in lines[0]
    assert main(["log", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"][0]["query"] == "two\nlines \x1b[31mred"
