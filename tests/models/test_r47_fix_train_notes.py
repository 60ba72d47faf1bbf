"""Round 47 fix: the notes on a raw `train --data FILE` (models/train/data.py raw_file_notes) are said by
`loop.prepare`, once, after the OUT checks: `ragtune train`, `python -m ragtune.models.train` (the module
`accelerate launch -m` runs, one process per rank: only RANK 0 says them). The training stack is not loaded: `setup`
is replaced by a stop."""

from __future__ import annotations

import importlib
import runpy
import sys

import pytest

from ragtune.appliance import prompt
from ragtune.cli import main
from ragtune.models.dataset import write_jsonl

CTX = "The MV Pelham sails from Haverstock to Minnowgate in 35 minutes."


class Stop(Exception):
    pass


@pytest.fixture
def no_stack(monkeypatch):
    loop = importlib.import_module("ragtune.models.train.loop")  # the package's `loop` is the function

    def setup(*a, **k):
        raise Stop
    monkeypatch.setattr(loop, "setup", setup)
    monkeypatch.delenv("RANK", raising=False)


def _raw(tmp_path):
    refused = prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": CTX}], "Do they serve meals?",
                                      {"status": "refused", "answer": "Yes, hot meals.", "citations": []})
    data = tmp_path / "mine.jsonl"
    write_jsonl(data, [refused])
    return data


def _run_module(args):
    old = sys.argv
    sys.argv = ["ragtune.models.train", *args]
    try:
        with pytest.raises(SystemExit) as ex:
            runpy.run_module("ragtune.models.train", run_name="__main__")
    finally:
        sys.argv = old
    return ex.value.code


def _notes(err):
    return [line for line in err.splitlines() if line.startswith("note:")]


@pytest.mark.parametrize("entry", ["cli", "module"])
def test_each_entry_point_says_the_notes_once(tmp_path, home, no_stack, capsys, entry):
    data = _raw(tmp_path)
    args = ["--data", str(data), "--out", str(tmp_path / "run")]
    code = main(["train", *args]) if entry == "cli" else _run_module(args)
    err = capsys.readouterr().err
    assert code != 0  # the stop
    notes = _notes(err)
    assert len(notes) == 1 and "are refusals whose answer is not the refusal text" in notes[0], err


def test_a_later_rank_of_accelerate_launch_says_nothing(tmp_path, home, no_stack, capsys, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    _run_module(["--data", str(_raw(tmp_path)), "--out", str(tmp_path / "run")])
    assert _notes(capsys.readouterr().err) == []


def test_a_bad_out_is_refused_before_any_note(tmp_path, home, no_stack, capsys):
    data = _raw(tmp_path)
    (tmp_path / "run").write_text("in the way")
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run")]) != 0
    err = capsys.readouterr().err
    assert _notes(err) == [] and "run" in err
