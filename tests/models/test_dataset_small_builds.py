"""A small build's report (round 41): a 4-line `dataset build --from-log` said "1 examples added (20.0% of train)"
although --mix-frac is 0.05-0.10, and "0 lines from None on" for its holdout, exported log lines having no date.
The mix is now never over 10 % of train (a set too small gets none, and the report says from how many lines one
is added); a build with nothing held out says why (ragtune/models/curate.py)."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance import prompt
from ragtune.cli import main
from ragtune.models import curate as cu


def ex(i, date=None):
    out = {"status": "ok", "answer": "At 06:00.", "citations": ["S1"]}
    meta = {"intent": "fact", **({"date": date} if date else {})}
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": "Gate opens at 06:00."}],
                                   f"When does gate {i} open?", out, **meta)


def curated(n, **cfg):
    return cu.curate([(f"in.jsonl:{i}", ex(i)) for i in range(n)], cu.CurateConfig(**cfg))


def test_a_set_too_small_for_one_mix_line_gets_none_and_is_told_why():
    train, _, rep = curated(4)
    assert rep["mix"]["added"] == 0 and len(train) == 4
    assert rep["mix"]["too_few"] == {"train": 4, "from": 9}
    md = cu.report_markdown(rep)
    assert "none added: 4 train lines are too few for a 0.07 share (a mix line is added from 9 lines on" in md
    assert "20.0%" not in md
    train, _, rep = curated(9)  # from there on: one line, 10 % of train
    assert rep["mix"]["added"] == 1 and rep["mix"]["share"] == 0.1 and "too_few" not in rep["mix"]


@pytest.mark.parametrize("frac", [0.05, 0.07, 0.08, 0.1])
def test_the_mix_is_never_over_ten_percent_and_otherwise_as_before(frac):
    for n in range(1, 400):
        lines = cu._mix_lines(frac, n)
        assert lines / (n + lines) <= cu.MIX_MAX_SHARE + 1e-12, (frac, n)
        before = max(1, int(round(frac * n / (1 - frac))))  # round 40's count: kept wherever it was within 10 %
        if before / (n + before) <= cu.MIX_MAX_SHARE:
            assert lines == before, (frac, n)


@pytest.mark.parametrize("cfg,why", [
    ({}, "no dated lines (meta.date / meta.time): undated lines always train"),
    ({"holdout_frac": 0.0}, "--holdout-frac 0")])
def test_a_build_that_holds_nothing_out_says_why_not_none(cfg, why):
    _, hold, rep = curated(12, **cfg)
    md = cu.report_markdown(rep)
    assert hold == [] and f"holdout: nothing held out — {why}; train" in md and "None" not in md


def test_too_few_dated_lines_for_one_held_out_is_said():
    rows = [(f"in.jsonl:{i}", ex(i, date=f"2024-01-0{i + 1}")) for i in range(2)]
    _, hold, rep = cu.curate(rows, cu.CurateConfig(mix_frac=0.0))
    assert hold == [] and "0.2 of the dated lines is less than one line" in cu.report_markdown(rep)


def test_dated_holdouts_read_as_before():
    rows = [(f"in.jsonl:{i}", ex(i, date=f"2024-01-{i + 10}")) for i in range(10)]
    _, hold, rep = cu.curate(rows, cu.CurateConfig(mix_frac=0.0))
    assert len(hold) == 2
    assert "holdout = newest 0.2 by date: 2 lines from 2024-01-18 on; train 8 (0 undated)." in cu.report_markdown(rep)


def test_a_four_line_log_build_reports_no_mix_and_no_none(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(dict(ex(i), meta={"log_id": i, "reviewed": True})) + "\n" for i in range(4)))
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "from None on" not in out and "20.0%" not in out
    assert "holdout: nothing held out — no dated lines" in out and "none added: 4 train lines are too few" in out
