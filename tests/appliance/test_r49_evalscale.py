"""Round 49, `eval run` at scale (a QA lead's 10,000 questions a night on a shared box): the report set survives a
full disk whole, and the scoring after the last answer is said on the progress stream."""

from __future__ import annotations

import errno
import io
import json
import os

import pytest

from ragtune.appliance.eval import report as REP
from ragtune.appliance.eval import run as R
from ragtune.appliance.eval.progress import stderr_progress
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest, write_beir

FILES = ("items.jsonl", "report.json", "report.md", "report.html")


@pytest.fixture(autouse=True)
def fake_adapters(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))


def _run(settings, beir, out, progress=None, **kw):
    return R.run_eval(settings, beir, R.EvalOptions(arms="A", out=out, safety=False, **kw),
                      engine_factory=lambda s: FakeEngine(), ingest=no_ingest, progress=progress)


def test_a_full_disk_leaves_the_previous_report_set_whole(settings, tmp_path, monkeypatch):
    """ENOSPC while the third file was written left a new report.json and report.md beside the old report.html
    (another run's, or another --limit's): a set that disagreed with itself. Now nothing is renamed until every
    file is written and synced."""
    beir, out = write_beir(tmp_path / "set"), tmp_path / "out"
    _run(settings, beir, out, limit=4)
    before = {f: (out / f).read_bytes() for f in FILES}
    calls = [0]
    real_fsync = os.fsync

    def fsync(fd):
        calls[0] += 1
        if calls[0] == 3:  # the third file of the set
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError) as exc:
        _run(settings, beir, out, limit=6)  # another run id, the same folder
    assert exc.value.filename and exc.value.filename.startswith(str(out))  # the CLI names the file
    assert {f: (out / f).read_bytes() for f in FILES} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # no temporaries left behind
    monkeypatch.setattr(os, "fsync", real_fsync)
    report = _run(settings, beir, out, limit=6)  # space again: the same command writes the new set
    assert json.loads((out / "report.json").read_text())["run_id"] == report["run_id"]
    rows = [json.loads(line) for line in (out / "items.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and {r["run"] for r in rows} == {report["run_id"]}


def test_items_file_is_renamed_before_the_report_that_names_it(settings, tmp_path, monkeypatch):
    beir, out = write_beir(tmp_path / "set"), tmp_path / "out"
    renamed = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (renamed.append(os.path.basename(b)), real(a, b))[1])
    _run(settings, beir, out)
    assert renamed.index("items.jsonl") < renamed.index("report.json")


def test_the_scoring_after_the_last_answer_is_said(settings, tmp_path, monkeypatch):
    """A 10,000-question run spent ~20 s per arm scoring and writing after "eval 10000/10000 (100%)", silent: on a
    shared box it read as a hang."""
    monkeypatch.setattr(R, "_SAY_SCORING", 1)
    beir, out = write_beir(tmp_path / "set"), tmp_path / "out"
    calls = []
    _run(settings, beir, out, progress=lambda *a: calls.append(a))
    assert calls[-1] == (0, 0, f"scoring {len(QUERIES)} answers and writing the report to {out}", None)
    assert calls[-2][:3] == (len(QUERIES), len(QUERIES), "eval")
    calls.clear()
    monkeypatch.setattr(R, "_SAY_SCORING", 2000)  # a small run says nothing more
    _run(settings, beir, tmp_path / "out2", progress=lambda *a: calls.append(a))
    assert all(c[1] for c in calls)


class _Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("stream", [io.StringIO(), _Tty()])
def test_a_stage_without_a_count_is_one_line(stream):
    cb = stderr_progress(stream)
    cb(5, 10, "eval A", 3.0)
    cb(10, 10, "eval", 0.0)
    cb(0, 0, "scoring 10 answers", None)
    text = stream.getvalue()
    assert text.endswith("scoring 10 answers".ljust(60 if stream.isatty() else 0) + "\n")
    assert "(0%)" not in text and "ETA ?" not in text.splitlines()[-1]


def test_task_success_by_category(settings, tmp_path):
    """A 10,000-question set's `metadata.category` was read and dropped: the report had no per-category table."""
    beir, out = write_beir(tmp_path / "set"), tmp_path / "out"
    lines = [json.loads(x) for x in (beir / "queries.jsonl").read_text().splitlines()]
    for q in lines:
        if q["_id"] in ("q1", "q2", "q5"):
            q["metadata"]["category"] = "numbers" if q["_id"] != "q5" else "who | built"
    (beir / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in lines))
    report = R.run_eval(settings, beir, R.EvalOptions(arms="A", out=out, safety=False),
                        engine_factory=lambda s: FakeEngine({"none": "bad"}), ingest=no_ingest)
    # "bad" refuses everything: right on the unanswerable q5, wrong on q1 and q2
    assert report["by_category"] == {"(none)": {"A": {"n": 5, "correct": 2}}, "numbers": {"A": {"n": 2, "correct": 0}},
                                     "who | built": {"A": {"n": 1, "correct": 1}}}
    assert report["arms"]["A"]["n_labeled"] == 8  # the categories add up to the arm's labelled questions
    md = (out / "report.md").read_text()
    assert "| numbers | 0.0% (0/2) |" in md and "| who \\| built | 100.0% (1/1) |" in md
    assert "<td>numbers</td><td>0.0% (0/2)</td>" in (out / "report.html").read_text()
    # a set without categories: no key, no table (reports of existing sets stay as they were)
    plain = R.run_eval(settings, write_beir(tmp_path / "plain"), R.EvalOptions(arms="A", out=tmp_path / "o2", safety=False),
                       engine_factory=lambda s: FakeEngine(), ingest=no_ingest)
    assert "by_category" not in plain and "by category" not in (tmp_path / "o2" / "report.md").read_text()
