"""`eval run --mode/--split` and `eval calibrate` with fake engines."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.eval import calibrate as C
from ragtune.appliance.eval import run as R
from ragtune.appliance.types import Answer, ContextItem, Timings
from tests.appliance.eval_fakes import BY_QUESTION, DOCS, no_ingest, write_beir


class ProbabilityEngine:
    """Always answers "ok" (the gold answer, or a wrong one when unanswerable) and reports P(refused): 0.8 for
    unanswerable questions, 0.2 for answerable ones: a model whose refusal probability is informative but whose
    own pick never refuses."""

    def __init__(self):
        self.settings = None

    def ask(self, question, *, adapter=None, k=None, use_cache=True, retrieve=True, context=None, on_token=None):
        qid, answers, gold = BY_QUESTION[question]
        ctx = [ContextItem(id="S1", text=DOCS[gold], chunk_id=1, source=f"/x/corpus.jsonl#{gold}")]
        ans = answers[0] if answers else DOCS[gold].split()[1]
        return Answer(status="ok", answer=ans, citations=ctx, retrieved=[1], context=ctx,
                      timings=Timings(total_ms=10.0), model="fake-model", adapter="none",
                      raw_output='{"status": "ok", "answer": "x", "citations": ["S1"]}', valid=True,
                      p_refused=0.2 if answers else 0.8, mode=self.settings.generate.answer_mode)

    def close(self):
        pass


@pytest.fixture
def beir(tmp_path):
    return write_beir(tmp_path / "mini")


def _factory(engine):
    def make(settings):
        engine.settings = settings
        return engine
    return make


def test_calibrate_picks_the_threshold_that_separates_and_writes_it(settings, beir, tmp_path):
    eng = ProbabilityEngine()
    res = C.calibrate(settings, beir, C.CalibrateOptions(split=None, out=tmp_path / "out"),
                      engine_factory=_factory(eng), ingest=no_ingest)
    assert eng.settings.generate.refusal_threshold == 1.0  # the dev run always takes the "ok" branch
    assert res["threshold"] == 0.5 and res["dropped_constraint"] is None  # 0.2..0.8 separate; ties go up
    assert res["chosen"]["task_success"] == 1.0 and res["chosen"]["refusal_recall"] == 1.0
    one = next(r for r in res["rows"] if r["threshold"] == 1.0)
    assert one["refusal_recall"] == 0.0 and one["task_success"] < 1.0
    assert load_settings(home=settings.home).generate.refusal_threshold == 0.5
    assert res["written"] == str(settings.home.config_path)


def test_calibrate_says_which_constraint_it_dropped(settings, beir, tmp_path):
    res = C.calibrate(settings, beir, C.CalibrateOptions(split=None, min_recall=1.0, min_precision=1.0, write=False,
                                                         out=tmp_path / "o"),
                      engine_factory=_factory(ProbabilityEngine()), ingest=no_ingest)
    assert res["dropped_constraint"] is None and res["written"] is None
    rows = [{"threshold": 0.5, "task_success": 0.6, "refusal_precision": 0.5, "refusal_recall": 0.9},
            {"threshold": 0.9, "task_success": 0.7, "refusal_precision": 0.8, "refusal_recall": 0.1}]
    row, dropped = C.choose(rows, min_precision=0.7, min_recall=0.7)
    assert row["threshold"] == 0.9 and "recall" in dropped
    # nothing precise enough: refusing everything scores best on task success, but 1.0 (no refusal by
    # probability: the product default) is kept
    rows = [{"threshold": 0.0, "task_success": 0.32, "refusal_precision": 0.33, "refusal_recall": 1.0},
            {"threshold": 0.5, "task_success": 0.13, "refusal_precision": 0.33, "refusal_recall": 0.31},
            {"threshold": 1.0, "task_success": 0.05, "refusal_precision": None, "refusal_recall": 0.0}]
    row, dropped = C.choose(rows, min_precision=0.7, min_recall=0.7)
    assert row["threshold"] == 1.0 and "kept 1.0" in dropped


def test_outcome_only_flips_ok_answers_above_the_threshold():
    r = {"status": "ok", "answer": "x", "cited_ids": ["S1"], "p_refused": 0.6}
    assert C.outcome(r, 0.5)["status"] == "refused" and C.outcome(r, 0.7) is r
    assert C.outcome({**r, "p_refused": None}, 0.0)["status"] == "ok"
    assert C.outcome({**r, "status": "refused"}, 0.9)["status"] == "refused"


def test_eval_run_mode_and_split(settings, beir, tmp_path):
    eng = ProbabilityEngine()
    rep = R.run_eval(settings, beir, R.EvalOptions(arms="A", mode="extractive", split="dev", out=tmp_path / "a",
                                                   safety=False), engine_factory=_factory(eng), ingest=no_ingest)
    assert eng.settings.generate.answer_mode == "extractive" and rep["answer_mode"] == "extractive"
    dev = R.split_items(R.load_beir(beir).items, "dev")
    test = R.split_items(R.load_beir(beir).items, "test")
    assert rep["arms"]["A"]["n"] == len(dev) and dev and test
    assert not {i["qid"] for i in dev} & {i["qid"] for i in test}
    d = R.load_beir(beir)
    assert R.make_run_id(d, ["A"], None, 0, None, settings, True) != \
        R.make_run_id(d, ["A"], None, 0, None, settings.replace("generate", answer_mode="extractive"), True)
    assert R.make_run_id(d, ["A"], None, 0, None, settings, True, "dev") != \
        R.make_run_id(d, ["A"], None, 0, None, settings, True, "test")
