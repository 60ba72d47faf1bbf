"""`eval run --reuse RUN`: answers taken from named earlier runs, arm by arm, only where they would be the same."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import reuse
from ragtune.appliance.eval import run as R
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest
from tests.appliance.test_eval_run import beir, fake_adapters  # noqa: F401 (fixtures: a mini BEIR set, named adapters)


def run(settings, beir, engine, **kw):
    return R.run_eval(settings, beir, R.EvalOptions(safety=False, **kw), engine_factory=lambda s: engine,
                      ingest=no_ingest)


def asked(engine):
    return {("A" if a == "none" else "C", q) for q, a, _r, _n in engine.calls}


def test_arm_a_comes_from_another_adapters_run_and_arm_c_from_its_own(settings, beir, tmp_path):
    a_run = run(settings, beir, FakeEngine({"none": "good", "ad0": "bad"}), adapter="ad0", arms="A,C",
                out=tmp_path / "ad0")
    c_run = run(settings, beir, FakeEngine({"ad1": "good"}), adapter="ad1", arms="C", limit=4, seed=0,
                out=tmp_path / "ad1-c")
    eng = FakeEngine({"none": "good", "ad1": "good"})
    report = run(settings, beir, eng, adapter="ad1", arms="A,C", seed=0, out=tmp_path / "ad1",
                 reuse=[str(tmp_path / "ad0"), c_run["run_id"]])
    # A: every question from ad0's run (A does not use the adapter); C: the 4 of ad1's sample, the rest asked
    assert {arm for arm, _ in asked(eng)} == {"C"} and len(eng.calls) == len(QUERIES) - 4
    assert report["resumed"] == len(QUERIES) + 4 and report["answered_now"] == len(QUERIES) - 4
    note = next(n for n in report["notes"] if "taken from earlier runs" in n)
    assert f"{len(QUERIES)} from {a_run['run_id']}" in note and f"4 from {c_run['run_id']}" in note
    assert report["arms"]["A"] == {**a_run["arms"]["A"]} and report["arms"]["C"]["task_success"] == 1.0
    # the answers were copied into the run: re-running it without --reuse asks nothing
    again = R.run_eval(settings, beir, R.EvalOptions(safety=False, adapter="ad1", arms="A,C", seed=0,
                                                     out=tmp_path / "ad1"),
                       engine_factory=lambda s: pytest.fail("nothing to answer"), ingest=no_ingest)
    assert again["answered_now"] == 0 and again["arms"] == report["arms"]


def test_a_lender_that_would_answer_otherwise_is_refused_before_anything_is_asked(settings, beir, tmp_path):
    other_seed = run(settings, beir, FakeEngine({"none": "good"}), arms="A", seed=1, out=tmp_path / "s1")
    other_ad = run(settings, beir, FakeEngine({"ad0": "good"}), adapter="ad0", arms="C", seed=0, out=tmp_path / "c0")
    served = run(settings, beir, FakeEngine({"ad1": "good"}), adapter="ad1", arms="C", seed=0, out=tmp_path / "c1",
                 adapter_serving={"refusal_threshold": 0.4})
    for lender, why in ((other_seed["run_id"], "another seed"),
                        (other_ad["run_id"], "had another adapter or other adapter serving values"),
                        (served["run_id"], "had another adapter or other adapter serving values"),
                        ("nope", "no such eval run in this home")):
        with pytest.raises(InputError, match=why):
            run(settings, beir, FakeEngine(), adapter="ad1", arms="C", seed=0, out=tmp_path / "x", reuse=[lender],
                adapter_serving={"refusal_threshold": 0.6})
    # a run with the adapter arm refused still lends its plain arm A
    both = run(settings, beir, FakeEngine({"none": "good", "ad0": "good"}), adapter="ad0", arms="A,C", seed=0,
               out=tmp_path / "ac0")
    eng = FakeEngine({"none": "good", "ad1": "good"})
    run(settings, beir, eng, adapter="ad1", arms="A,C", seed=0, out=tmp_path / "ac1", reuse=[both["run_id"]])
    assert {arm for arm, _ in asked(eng)} == {"C"}


def test_the_adapter_scale_is_adapter_serving_and_1_matches_the_runs_before_it(settings, beir, tmp_path):
    plain = run(settings, beir, FakeEngine({"ad1": "good"}), adapter="ad1", arms="C", seed=0, out=tmp_path / "p")
    scaled = run(settings, beir, FakeEngine({"ad1": "good"}), adapter="ad1", arms="C", seed=0, out=tmp_path / "s",
                 adapter_serving={"adapter_scale": 1.25})
    with pytest.raises(InputError, match="other adapter serving values"):  # another strength: other answers
        run(settings, beir, FakeEngine(), adapter="ad1", arms="C", seed=0, out=tmp_path / "x", reuse=[scaled["run_id"]])
    # --adapter-scale 1.0 (and adapter_scale = 1.0 in the config) is the adapter as trained: the same run as before
    same = run(settings, beir, FakeEngine(), adapter="ad1", arms="C", seed=0, out=tmp_path / "p",
               adapter_serving={"adapter_scale": 1.0})
    assert same["run_id"] == plain["run_id"] and same["answered_now"] == 0
    eng = FakeEngine({"ad1": "good"})
    run(settings.replace("generate", adapter_scale=1.0), beir, eng, adapter="ad1", arms="C", seed=0,
        out=tmp_path / "y", reuse=[plain["run_id"]])
    assert eng.calls == []


def test_borrow_takes_each_question_once_from_the_first_lender_named():
    items = {"r1": {("A", "q1"): {"v": 1}}, "r2": {("A", "q1"): {"v": 2}, ("A", "q2"): {"v": 2}}}
    got = reuse.borrow([("A", "q1"), ("A", "q2"), ("C", "q1")], [("r1", ["A"]), ("r2", ["A"])],
                       lambda rid, arm: items[rid])
    assert got == {("A", "q1"): ("r1", {"v": 1}), ("A", "q2"): ("r2", {"v": 2})}
