"""From a reviewed query log to training lines (round 43, a support lead's two weeks of `log review`):
- a request refused before the model ran (the evidence gate's `no_evidence`) is exported with no sources; its
  reviewed refusal went into train as a refusal target serving never asks the model for, and was counted as one of
  the refusals the lead meant to teach. `dataset build --from-log` now leaves it out and names it;
- a question asked again (or answered from the answer cache) after the lead corrected it: a full export carried the
  correction and the model's uncorrected answer to the same prompt, and both were trained. The unreviewed line is
  now left out, and curation lists any prompt left with two targets (ragtune/models/dataset.py, curate.py)."""

from __future__ import annotations

import json

from ragtune.appliance import prompt
from ragtune.cli import main
from ragtune.models import curate as cu
from ragtune.models import dataset as ds

SOURCES = [{"id": "S1", "text": "If you lost the old phone, the service desk issues a temporary access pass."},
           {"id": "S2", "text": "Guests use NW-Guest."}]
WRONG = {"status": "ok", "answer": "register it at mfa.example", "citations": ["S1"]}
RIGHT = {"status": "ok", "answer": "the service desk issues a temporary access pass", "citations": ["S1"]}
REFUSED = {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}


def line(log_id, out, *, reviewed, question="How do I get a temporary access pass?", context=SOURCES):
    return prompt.training_example(prompt.SYSTEM_PROMPT, context, question, out, log_id=log_id, reviewed=reviewed)


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_refusal_made_before_the_model_ran_is_left_out_and_named(tmp_path):
    log = write(tmp_path / "log.jsonl", [line(1, RIGHT, reviewed=True),
                                         line(2, REFUSED, reviewed=True, question="Cafeteria menu?", context=[]),
                                         line(3, REFUSED, reviewed=True, question="Parking fee?")])
    rows, stats = ds.build_from_log(log)
    assert [r["meta"]["log_id"] for r in rows] == [1, 3]  # a refusal over real sources stays a refusal target
    assert (stats.questions, stats.answered, stats.refused, stats.no_sources) == (3, 1, 1, 1)
    assert stats.left_out_examples == [f"{log}:2: no sources (serving refuses such a request before the model runs)"]


def test_an_unreviewed_answer_to_a_reviewed_request_is_left_out(tmp_path):
    log = write(tmp_path / "log.jsonl", [line(10, RIGHT, reviewed=True), line(22, WRONG, reviewed=False),
                                         line(23, WRONG, reviewed=False, question="How do I get a pass?")])
    rows, stats = ds.build_from_log(log)
    assert [(r["meta"]["log_id"], r["output"]) for r in rows] == [(10, RIGHT), (23, WRONG)]  # another question stays
    assert (stats.superseded, stats.unreviewed) == (1, 1)
    assert stats.left_out_examples == [f"{log}:2: unreviewed, and a person reviewed the same request on another line"]


def test_the_cli_says_what_it_left_out(tmp_path, capsys):
    log = write(tmp_path / "log.jsonl", [line(10, RIGHT, reviewed=True), line(22, WRONG, reviewed=False),
                                         line(13, REFUSED, reviewed=True, question="Menu?", context=[])])
    out = tmp_path / "ds"
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(out), "--json"]) == 0
    cap = capsys.readouterr()
    assert "left out 2 of 3 line(s)" in cap.err and ": 1 with no sources" in cap.err and ", 1 unreviewed" in cap.err
    assert "are unreviewed" not in cap.err  # the one unreviewed line was left out: nothing unreviewed is trained
    rep = json.loads(cap.out)
    assert (rep["build"]["no_sources"], rep["build"]["superseded"]) == (1, 1)
    assert [json.loads(x)["meta"]["log_id"] for x in (out / "train.jsonl").read_text().splitlines()] == [10]
    assert "no sources (serving refuses such a request before the model runs)" in (out / "report.md").read_text(encoding="utf-8")


def test_one_prompt_with_two_targets_is_kept_and_listed():
    lines = [("a.jsonl:1", line(1, RIGHT, reviewed=True)), ("a.jsonl:2", line(2, WRONG, reviewed=True)),
             ("a.jsonl:3", line(3, RIGHT, reviewed=True)),  # a duplicate of line 1: dedup's, not a conflict
             ("a.jsonl:4", line(4, WRONG, reviewed=True, question="Another question?"))]
    train, _, rep = cu.curate(lines, cu.CurateConfig(mix_frac=0))
    assert len(train) == 3 and rep["dedup"]["removed"] == 1
    assert rep["checks"]["conflicting_targets"] == 1
    assert rep["checks"]["conflicting_targets_examples"] == ["a.jsonl:1, a.jsonl:2"]
    md = cu.report_markdown(rep)
    assert "1 prompts with more than one target" in md and "- a.jsonl:1, a.jsonl:2" in md


def test_a_set_without_conflicts_reports_none():
    _, _, rep = cu.curate([("a.jsonl:1", line(1, RIGHT, reviewed=True))], cu.CurateConfig(mix_frac=0))
    assert rep["checks"]["conflicting_targets"] == 0
    assert "more than one target" not in cu.report_markdown(rep)


def test_after_a_log_build_the_hint_continues_the_adapter_that_answered(tmp_path, capsys, monkeypatch):
    # the hint was a plain `ragtune train`: a fresh LoRA on the base model, trained on a few reviewed lines, loses
    # what the served built-in adapter learnt (two steps: train loss 1.0 against 0.1 continuing the built-in)
    import os

    from tests.gguf_helpers import write_builtin

    gguf, mpath = write_builtin(os.environ["RAGTUNE_BUILTIN_ADAPTERS"],
                                training={"config": {"targets": "all-linear", "r": 16, "alpha": 32},
                                          "config_sha256": "c" * 64, "seed": 0})
    served = json.loads(mpath.read_text())["sha256"]
    rows = [line(i, RIGHT, reviewed=True, question=f"Question {i}?") for i in range(3)]
    for r in rows:
        r["meta"]["adapter"] = served
    log = write(tmp_path / "log.jsonl", rows)
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(tmp_path / "ds")]) == 0
    err = capsys.readouterr().err
    assert (f"next: ragtune train --data {tmp_path / 'ds'} --out runs/ds --init-adapter {gguf} --targets all-linear "
            "--r 16 --alpha 32   (continue ragtune-default, the adapter that answered these questions") in err
    for r in rows:
        r["meta"]["adapter"] = "ab" * 32  # not a built-in: its id, and what to give
    write(log, rows)
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(tmp_path / "ds2")]) == 0
    assert "--init-adapter ADAPTER --targets T --r R   (ADAPTER: the peft folder or GGUF LoRA of abababababab" \
        in capsys.readouterr().err
    for r in rows:
        r["meta"]["adapter"] = None  # the base model answered: nothing to continue
    write(log, rows)
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(tmp_path / "ds3")]) == 0
    assert capsys.readouterr().err.rstrip().endswith(f"next: ragtune train --data {tmp_path / 'ds3'} --out runs/ds3")


def test_the_note_names_only_what_was_left_out(tmp_path, capsys):
    log = write(tmp_path / "log.jsonl", [line(1, RIGHT, reviewed=True),
                                         line(2, REFUSED, reviewed=True, question="Menu?", context=[])])
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(tmp_path / "ds")]) == 0
    err = capsys.readouterr().err
    assert "left out 1 of 2 line(s)" in err and "1 with no sources" in err and "unreviewed answer" not in err
    log = write(tmp_path / "log.jsonl", [line(1, RIGHT, reviewed=True)])
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(tmp_path / "ds2")]) == 0
    assert "left out" not in capsys.readouterr().err


def test_a_piped_export_is_named_by_its_pipe_in_the_notes(tmp_path, capsys, monkeypatch):
    # `dataset build --from-log <(ragtune log export)` said "line(s) of /tmp/ragtune-pipe-…/63 are unreviewed":
    # a temporary file gone once the command ended, where every record names the pipe as it was given
    import os
    import tempfile
    import threading

    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    data = "".join(json.dumps(r) + "\n" for r in [line(10, RIGHT, reviewed=True), line(22, WRONG, reviewed=False),
                                                   line(5, RIGHT, reviewed=False, question="Other?")]).encode()
    fifo = tmp_path / "63"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as fh:
            fh.write(data)
    threading.Thread(target=write, daemon=True).start()
    assert main(["dataset", "build", "--from-log", str(fifo), "--out", str(tmp_path / "ds")]) == 0
    err = capsys.readouterr().err
    assert f"left out 1 of 3 line(s) of {fifo} (a pipe):" in err
    assert f"1 of 3 line(s) of {fifo} (a pipe) are unreviewed" in err and "ragtune-pipe-" not in err
