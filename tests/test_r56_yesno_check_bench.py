"""benchmarks/r56_yesno_check.py and its data (round 56): the share loads, every ruling sentence is in its
document, and r55_yesno.py's runner and scorer (reused by import) score near misses: right when refused. No model."""
from __future__ import annotations

import json
import runpy
from pathlib import Path

from ragtune.appliance.ingest.loaders import load_file

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
Y = runpy.run_path(str(BENCH / "r55_yesno.py"))
CHECK = "r56_yesno_check_data.py"


def test_the_share_loads_and_every_ruling_sentence_is_in_it(tmp_path):
    runpy.run_path(str(BENCH / CHECK))["build"](tmp_path)
    (doc,) = tmp_path.iterdir()
    text = " ".join(load_file(doc).text.split())
    qs = Y["questions"](CHECK)
    assert [sum(1 for q in qs if k(q)) for k in (lambda q: q["yesno"], lambda q: q.get("near"),
                                                 lambda q: not q["yesno"] and not q.get("near"))] == [15, 8, 5]
    assert len({q["id"] for q in qs}) == len(qs) and len({q["q"].lower() for q in qs}) == len(qs)
    for q in qs:
        if q["yesno"]:
            assert q["rule"] in text and all(Y["normalise"](n) in Y["normalise"](q["rule"]) for n in q["need"]), q["id"]


def test_round_55s_set_is_read_as_before():
    qs = Y["questions"]()
    assert len(qs) == 48 and sum(q["yesno"] for q in qs) == 40 and not any(q.get("near") for q in qs)


def _ask(status, answer=""):
    return {"status": status, "answer": answer, "citations": []}


def test_near_misses_are_right_when_refused_and_rescored_from_a_file(tmp_path):
    qs = {q["id"]: q for q in Y["questions"](CHECK)}
    rows = [{**qs["n-drone"], "ask": _ask("refused")}, {**qs["n-fishing"], "ask": _ask("ok", "The river is not "
            "supervised.")}, {**qs["c-showers"], "ask": _ask("ok", "Hot showers are free of charge.")},
            {**qs["k-quiet"], "ask": _ask("ok", "from 10.30pm to 7.30am")}]
    assert [Y["verdict"](r) for r in rows] == ["near-refused", "near-answered", "right", "control"]
    out = tmp_path / "run.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = Y["table"](Y["_load"](str(out), CHECK))
    assert "yes/no 1: right 1 wrong 0 refused 0" in table and "controls 1" in table
    assert "near misses 2: refused 1 answered 1" in table
