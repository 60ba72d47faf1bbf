"""Round 47: a curator's own training data. Files as other tools write them (a JSON array, pretty-printed objects, a
CSV export, OpenAI/Alpaca lines, NaN) are refused naming file:line and what to do; refusals with other words, and
contexts serving never shows, are listed; a merge never trains its holdout lines; lines asking an evaluation set's
questions are warned about. Invented content only (Tollbridge ferries)."""

import json

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.cli import main
from ragtune.models import leakage
from ragtune.models.curate import curate, report_markdown
from ragtune.models.dataset import read_examples, write_jsonl
from ragtune.models.merge import merge_datasets

CTX = "The MV Pelham sails from Haverstock to Minnowgate in 35 minutes. A single adult fare is 12 crowns."


def ex(question="How long does the MV Pelham take from Haverstock to Minnowgate?", answer="35 minutes",
       status="ok", context=None, date="2025-03-01"):
    out = ({"status": "ok", "answer": answer, "citations": ["S1"]} if status == "ok" else
           {"status": "refused", "answer": answer or prompt.REFUSAL_TEXT, "citations": []})
    row = prompt.training_example(prompt.SYSTEM_PROMPT, context or [{"id": "S1", "text": CTX}], question, out)
    row["meta"] = {"source": "team", "date": date}
    return row


def _raises(path, *needles):
    with pytest.raises(InputError) as info:
        read_examples(path)
    text = str(info.value)
    for n in needles:
        assert n in text, text
    return text


def test_files_from_other_tools_say_what_they_are_and_what_to_do(tmp_path):
    rows = [ex(), ex("What is the adult fare on the MV Pelham?", "12 crowns")]
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps(rows, indent=2))  # a JSON array, pretty-printed: was "truncated JSON" alone
    _raises(p, "t.jsonl:1:", "one JSON array, not JSON Lines", "jq -c '.[]'")
    p.write_text(json.dumps(rows))  # on one line
    _raises(p, "t.jsonl:1: a JSON array, not one object", "jq -c '.[]'")
    p.write_text("\n".join(json.dumps(r, indent=2) for r in rows))
    _raises(p, "t.jsonl:1:", "pretty-printed JSON", "jq -c .")
    p.write_text("\ufeffsystem,context,user,status,answer,citations\r\nYou answer,\"[]\",Q?,ok,A,S1\r\n")
    _raises(p, "t.jsonl:1:", "looks like a CSV export (its first line: system,context,user")
    p.write_text(json.dumps({"messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A"}]}))
    _raises(p, "t.jsonl:1: an OpenAI chat-format line", "not ragtune's training format", '"prompt": {"system"')
    p.write_text(json.dumps({"instruction": "Q?", "input": CTX, "output": "35 minutes"}))
    _raises(p, "t.jsonl:1: an Alpaca line (instruction/input/output)")
    bad = ex()
    bad["meta"]["score"] = float("nan")  # json.loads reads NaN; jq and other tools do not
    write_jsonl(p, [ex(), bad])
    _raises(p, "t.jsonl:2: meta.score is NaN or Infinity, which is not JSON")
    # what is fine stays fine: a byte-order mark, CRLF ends and blank lines
    p.write_text("\ufeff\r\n" + "\r\n\r\n".join(json.dumps(r) for r in rows) + "\r\n\r\n")
    assert [w for w, _ in read_examples(p)] == [f"{p}:2", f"{p}:4"]


def test_the_cli_refuses_another_format_without_a_traceback(tmp_path, capsys):
    p = tmp_path / "chat.jsonl"
    p.write_text(json.dumps({"messages": [{"role": "user", "content": "Q?"}]}) + "\n")
    assert main(["dataset", "build", "--from-log", str(p), "--out", str(tmp_path / "ds")]) == 2
    err = capsys.readouterr().err
    assert "chat.jsonl:1: an OpenAI chat-format line" in err and "hint:" in err and "Traceback" not in err
    assert not (tmp_path / "ds").exists()


def test_a_refusal_with_other_words_gets_the_refusal_text_and_is_listed():
    lines = [("a.jsonl:1", ex()), ("a.jsonl:2", ex("Do they serve hot meals?", "Yes, hot meals.", status="refused"))]
    train, holdout, report = curate(lines)
    refused = [e for e in train + holdout if e["output"]["status"] == "refused" and "meta" in e
               and e["meta"].get("source") == "team"]
    assert [e["output"]["answer"] for e in refused] == [prompt.REFUSAL_TEXT]
    assert report["checks"]["refusal_text_replaced"] == 1
    assert report["checks"]["refusal_text_examples"] == ['a.jsonl:2: "Yes, hot meals."']
    assert "refusals whose answer was not the refusal text" in report_markdown(report)
    # a build without one keeps its report as it was (no new keys)
    assert "refusal_text_replaced" not in curate(lines[:1])[2]["checks"]


def test_contexts_serving_never_shows_are_listed():
    many = [{"id": f"S{i}", "text": CTX} for i in range(1, 8)]
    long = [{"id": "S1", "text": CTX + " The harbour office opens at dawn." * 300}]
    lines = [("a.jsonl:1", ex(context=many)), ("a.jsonl:2", ex("Fare?", "12 crowns", context=long)),
             ("a.jsonl:3", ex())]
    report = curate(lines, serving={"context_tokens": 1100})[2]
    assert report["checks"]["not_served_shape"] == 2
    assert report["checks"]["not_served_shape_examples"][0] == "a.jsonl:1: 7 sources (serving shows at most 6: retrieve.k)"
    assert report["checks"]["not_served_shape_examples"][1].startswith("a.jsonl:2: sources of 1818 words (serving's "
                                                                       "context budget is retrieve.context_tokens=1100")
    assert "lines whose sources serving never shows" in report_markdown(report)
    assert curate(lines[1:], serving=None)[2]["checks"].get("not_served_shape") is None  # no budget: no word check


def _folder(path, train, holdout=()):
    path.mkdir()
    write_jsonl(path / "train.jsonl", train)
    write_jsonl(path / "holdout.jsonl", list(holdout))
    return path


def test_a_merge_never_trains_its_holdout_lines_and_says_when_data_repeats(tmp_path):
    q = [ex(f"How long is crossing {i} of the MV Pelham?") for i in range(4)]
    built = _folder(tmp_path / "built", q[:3], q[3:])
    raw = tmp_path / "raw.jsonl"  # the file the build was made from, merged by mistake
    write_jsonl(raw, q)
    notes = []
    cfg = merge_datasets([built, raw], tmp_path / "m", log=notes.append)
    train = [e["prompt"]["user"] for _, e in read_examples(tmp_path / "m" / "train.jsonl")]
    # the raw file's lines the build holds are kept once (round 50), its holdout line left out of train
    assert q[3]["prompt"]["user"] not in train and len(train) == 3
    assert cfg["holdout_lines_left_out_of_train"] == 1 and cfg["train"]["lines"] == 3
    assert any("left 1 line(s) out of train.jsonl" in n for n in notes)
    assert any(f"4 of the 4 lines of {raw} are already in the datasets before it" in n for n in notes)
    other = _folder(tmp_path / "other", [ex("Who captains the MV Osric?", "Ada Venn")])
    notes.clear()
    cfg = merge_datasets([built, other], tmp_path / "m2", log=notes.append)
    assert notes == [] and "holdout_lines_left_out_of_train" not in cfg


def test_overlap_finds_the_same_and_nearly_the_same_question_only():
    qs = [("ev.jsonl", "L1", "How long does the MV Pelham take from Haverstock to Minnowgate?"),
          ("ev.jsonl", "L2", "What is the fare?")]
    lines = [("t:1", ex("how long does the MV Pelham take from Haverstock to Minnowgate")),  # case, punctuation
             ("t:2", ex("How long does the MV Pelham take from Haverstock to Minnowgate on Sundays?")),
             ("t:3", ex("How long does the MV Osric take from Corlan Pier to Selby Reach?")),  # the template only
             ("t:4", ex("What is the fare?")), ("t:5", ex("What is the fare today?"))]  # short: only when equal
    res = leakage.overlap(lines, qs)
    assert res["lines"] == 3 and res["by_set"] == {"ev.jsonl": 3}
    assert res["examples"] == ["t:1: the same question as ev.jsonl#L1", "t:2: nearly the question of ev.jsonl#L1",
                               "t:4: the same question as ev.jsonl#L2"]


def test_a_build_warns_about_questions_of_an_evaluation_set(tmp_path, capsys):
    mine = [ex(f"How long is the MV Pelham crossing number {i} from Haverstock?", date=f"2025-0{1 + i % 9}-01")
            for i in range(12)]
    data = tmp_path / "mine.jsonl"
    write_jsonl(data, mine)
    evalset = tmp_path / "ev.jsonl"
    write_jsonl(evalset, [mine[5]])
    assert main(["dataset", "build", "--from-log", str(data), "--eval-set", str(evalset),
                 "--out", str(tmp_path / "ds")]) == 0
    out, err = capsys.readouterr()
    assert "warning: 1 training line(s) ask a question of an evaluation set" in err
    assert f"first: {data}:6: the same question as {evalset}#" in err
    assert "## Evaluation overlap" in out
    report = json.loads((tmp_path / "ds" / "report.json").read_text())
    assert report["eval_overlap"]["lines"] == 1 and report["eval_overlap"]["sets"] == [str(evalset)]
    # without a set (none given, none run in this home): no check, no new key
    assert main(["dataset", "build", "--from-log", str(data), "--out", str(tmp_path / "ds2")]) == 0
    assert "evaluation set" not in capsys.readouterr().err
    assert "eval_overlap" not in json.loads((tmp_path / "ds2" / "report.json").read_text())


def test_the_sets_the_home_evaluated_on_are_checked(tmp_path, home, capsys):
    from ragtune.appliance.store import open_store

    assert leakage.home_eval_sets(home) == []  # no database: none, and none is created
    assert not home.db_path.exists()
    evalset = tmp_path / "ev.jsonl"
    write_jsonl(evalset, [ex("Who captains the MV Osric on the Selby Reach route?", "Ada Venn",
                             context=[{"id": "S1", "text": "Ada Venn captains the MV Osric."}])])
    report = tmp_path / "run"
    report.mkdir()
    (report / "report.json").write_text(json.dumps({"dataset": {"kind": "jsonl", "path": str(evalset)}}))
    with open_store(home) as store:
        store.ensure_eval_run("r1", str(evalset), {"out": str(report)})
        store.ensure_eval_run("r2", "replay", {"out": str(tmp_path / "gone")})  # no report: passed over
    assert leakage.home_eval_sets(home) == [str(evalset)]
    data = tmp_path / "mine.jsonl"
    write_jsonl(data, [ex(), ex("Who captains the MV Osric on the Selby Reach route?", "Ada Venn",
                             context=[{"id": "S1", "text": "Ada Venn captains the MV Osric."}])])
    a = tmp_path / "a"
    write_jsonl(tmp_path / "b.jsonl", [ex("Does the MV Wendle carry bicycles?", status="refused")])
    assert main(["dataset", "merge", str(data), str(tmp_path / "b.jsonl"), "--out", str(a)]) == 0
    assert f"a question of an evaluation set ({evalset} (1))" in capsys.readouterr().err


def test_report_of_a_file_checks_shapes_and_evaluation_sets_too(tmp_path, home, capsys):
    from ragtune.appliance.store import open_store

    evalset = tmp_path / "ev.jsonl"
    write_jsonl(evalset, [ex()])
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "report.json").write_text(json.dumps({"dataset": {"kind": "jsonl", "path": str(evalset)}}))
    with open_store(home) as store:
        store.ensure_eval_run("r1", str(evalset), {"out": str(tmp_path / "run")})
    data = tmp_path / "mine.jsonl"
    many = [{"id": f"S{i}", "text": CTX} for i in range(1, 8)]
    data.write_text("\n".join([json.dumps(ex()), json.dumps(ex("Fare?", "12 crowns", context=many)),
                               json.dumps({"prompt": "not an object"}), "[1, 2]"]) + "\n")
    assert main(["dataset", "report", str(data)]) == 0
    out, err = capsys.readouterr()
    assert f"warning: 1 training line(s) ask a question of an evaluation set ({evalset} (1))" in err
    assert f"{data}:2: 7 sources (serving shows at most 6" in out and "2 rejected" in out
