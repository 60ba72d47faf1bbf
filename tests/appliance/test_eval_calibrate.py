"""`eval run --mode/--split` and `eval calibrate` with fake engines."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.errors import InputError
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
    # against what was in force (1.0, no floor): the questions the threshold now refuses rightly are the flips
    assert res["in_force"]["refusal_threshold"] == 1.0 and res["in_force"]["min_answer_logprob"] is None
    v = res["vs_in_force"]
    assert v["down"] == 0 and v["up"] == round(v["n"] * (res["chosen"]["task_success"] - one["task_success"]))


def test_calibrate_says_which_constraint_it_dropped(settings, beir, tmp_path):
    res = C.calibrate(settings, beir, C.CalibrateOptions(split=None, min_recall=1.0, min_precision=1.0, write=False,
                                                         out=tmp_path / "o"),
                      engine_factory=_factory(ProbabilityEngine()), ingest=no_ingest)
    assert res["dropped_constraint"] is None and res["written"] is None
    rows = [{"threshold": 0.5, "task_success": 0.6, "refusal_precision": 0.5, "refusal_recall": 0.9},
            {"threshold": 0.9, "task_success": 0.7, "refusal_precision": 0.8, "refusal_recall": 0.1}]
    row, dropped = C.choose(rows, min_precision=0.7, min_recall=0.7)
    assert row["threshold"] == 0.9 and "recall" in dropped
    # nothing precise enough: refusing everything scores best on task success, but it costs every right answer:
    # 1.0 (no refusal by probability) is kept
    rows = [{"threshold": 0.0, "task_success": 0.32, "refusal_precision": 0.33, "refusal_recall": 1.0,
             "task_success_answerable": 0.0},
            {"threshold": 0.5, "task_success": 0.13, "refusal_precision": 0.33, "refusal_recall": 0.31,
             "task_success_answerable": 0.04},
            {"threshold": 1.0, "task_success": 0.05, "refusal_precision": None, "refusal_recall": 0.0,
             "task_success_answerable": 0.08}]
    row, dropped = C.choose(rows, min_precision=0.7, min_recall=0.7)
    assert row["threshold"] == 1.0 and "precision" in dropped


def test_calibrate_without_a_precise_threshold_takes_the_best_that_keeps_the_right_answers():
    # the refusals made before the model is asked keep every threshold's precision low; the model's own
    # refusals still help at 0.5 (task success up, 95% of the right answers kept) but not at 0.3 (a third lost)
    rows = [{"threshold": 0.3, "task_success": 0.36, "refusal_precision": 0.4, "refusal_recall": 0.8,
             "task_success_answerable": 0.20},
            {"threshold": 0.5, "task_success": 0.34, "refusal_precision": 0.45, "refusal_recall": 0.6,
             "task_success_answerable": 0.285},
            {"threshold": 1.0, "task_success": 0.31, "refusal_precision": 0.42, "refusal_recall": 0.5,
             "task_success_answerable": 0.30}]
    row, dropped = C.choose(rows, min_precision=0.7, min_recall=0.7)
    assert row["threshold"] == 0.5 and "90%" in dropped
    assert C.choose(rows, min_precision=0.7, min_recall=0.7, max_answer_loss=0.5)[0]["threshold"] == 0.3
    # no threshold beats never refusing by probability: 1.0 stays
    flat = [{**r, "task_success": 0.31} for r in rows]
    assert C.choose(flat, min_precision=0.7, min_recall=0.7)[0]["threshold"] == 1.0


def test_outcome_only_flips_ok_answers_above_the_threshold():
    r = {"status": "ok", "answer": "x", "cited_ids": ["S1"], "p_refused": 0.6}
    assert C.outcome(r, 0.5)["status"] == "refused" and C.outcome(r, 0.7) is r
    assert C.outcome({**r, "p_refused": None}, 0.0)["status"] == "ok"
    assert C.outcome({**r, "status": "refused"}, 0.9)["status"] == "refused"
    low = {**r, "answer_min_logprob": -3.0}
    assert C.outcome(low, 0.7, -2.0)["refusal_reason"] == "low_confidence"
    assert C.outcome(low, 0.7, -4.0) is low and C.outcome(low, 0.7, None) is low
    assert C.outcome(low, 0.5, -2.0)["refusal_reason"] == "model"  # the model's own refusal comes first
    scored = {**low, "evidence_score": 0.2}
    assert C.outcome(scored, 0.7, None, 0.3)["refusal_reason"] == "no_evidence"  # before the model was asked
    assert C.outcome({**scored, "status": "refused"}, 0.7, None, 0.3)["refusal_reason"] == "no_evidence"
    assert C.outcome(scored, 0.7, None, 0.1) is scored and C.outcome(scored, 0.7) is scored


def test_the_evidence_cut_is_the_best_and_then_the_one_answering_most_right():
    rows = [{"evidence_cut": 0.57, "task_success": 189 / 362, "task_success_answerable": 0.37},
            {"evidence_cut": 0.0, "task_success": 188 / 362, "task_success_answerable": 0.445},  # one question less
            {"evidence_cut": -0.5, "task_success": 186 / 362, "task_success_answerable": 0.46}]  # three less
    assert C.choose_cut(rows, n=362)["evidence_cut"] == 0.0
    assert C.choose_cut(rows, n=100)["evidence_cut"] == -0.5  # on 100 questions all three are within one


def test_the_confidence_floor_is_chosen_at_the_threshold_and_keeps_the_right_answers():
    off = {"min_answer_logprob": None, "task_success": 0.50, "task_success_answerable": 0.40}
    rows = [off,
            {"min_answer_logprob": -3.0, "task_success": 0.52, "task_success_answerable": 0.40},
            {"min_answer_logprob": -2.0, "task_success": 0.52, "task_success_answerable": 0.39},
            {"min_answer_logprob": -1.0, "task_success": 0.55, "task_success_answerable": 0.30}]
    assert C.choose_floor(rows)["min_answer_logprob"] == -3.0  # -1.0 loses a quarter of the right answers
    assert C.choose_floor(rows, max_answer_loss=0.3)["min_answer_logprob"] == -1.0
    assert C.choose_floor([off, {**off, "min_answer_logprob": -2.0}]) is off  # no better: no floor


class ConfidenceEngine(ProbabilityEngine):
    """P(refused) says nothing (0.3 everywhere); the answers to unanswerable questions are guesses (-4)."""

    def ask(self, question, **kw):
        a = super().ask(question, **kw)
        a.p_refused = 0.3
        a.answer_min_logprob = -0.5 if BY_QUESTION[question][1] else -4.0
        return a


def test_calibrate_chooses_a_floor_from_a_run_without_one_and_writes_both(settings, beir, tmp_path):
    eng = ConfidenceEngine()
    res = C.calibrate(settings, beir, C.CalibrateOptions(split=None, out=tmp_path / "out"),
                      engine_factory=_factory(eng), ingest=no_ingest)
    assert eng.settings.generate.min_answer_logprob == "off"  # the dev run keeps every answer
    assert res["threshold"] == 1.0 and -4.0 < res["min_answer_logprob"] <= -0.5
    assert res["chosen_floor"]["task_success"] == 1.0 and res["floor_rows"][0]["task_success"] < 1.0
    got = load_settings(home=settings.home).generate
    assert (got.refusal_threshold, got.min_answer_logprob) == (1.0, res["min_answer_logprob"])
    assert got.evidence_cut == "auto" and res["cut_rows"] == []  # no evidence score recorded: no cut chosen


class EvidenceEngine(ProbabilityEngine):
    """P(refused) says nothing; the evidence score does: 1.0 for answerable questions, -1.0 for the others."""

    def ask(self, question, **kw):
        a = super().ask(question, **kw)
        a.p_refused = 0.3
        a.evidence_score = 1.0 if BY_QUESTION[question][1] else -1.0
        return a


def test_calibrate_opens_the_evidence_check_and_chooses_its_cut(settings, beir, tmp_path):
    folder = tmp_path / "rr"
    folder.mkdir()
    (folder / "evidence.json").write_text(json.dumps(
        {"format": 1, "features": ["best_sentence"], "mean": [0.5], "scale": [0.2], "weights": [1.0], "bias": 0.5,
         "cut": 0.4}))
    settings = settings.replace("retrieve", rerank=str(folder))
    eng = EvidenceEngine()
    res = C.calibrate(settings, beir, C.CalibrateOptions(split=None, out=tmp_path / "out"),
                      engine_factory=_factory(eng), ingest=no_ingest)
    assert res["evidence_cut_fitted"] == 0.4
    assert res["in_force"]["evidence_cut"] == 0.4  # "auto" and no adapter: the evidence model's own cut was in force
    assert eng.settings.generate.evidence_cut == C.OPEN  # every question reached the model
    assert -1.0 <= res["evidence_cut"] < 1.0 and res["cut_rows"][0]["evidence_cut"] == res["evidence_cut_fitted"]
    assert next(r for r in res["cut_rows"] if r["evidence_cut"] == res["evidence_cut"])["task_success"] == 1.0
    assert load_settings(home=settings.home).generate.evidence_cut == res["evidence_cut"]


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
    for key, value in (("evidence_check", False), ("focus_sentences", 3)):  # they change answers: another run
        assert R.make_run_id(d, ["A"], None, 0, None, settings, True) != \
            R.make_run_id(d, ["A"], None, 0, None, settings.replace("generate", **{key: value}), True)
    for key, value in (("threads", 7), ("answer_cache", False), ("price_per_1k_prompt", 0.5)):  # they cannot
        assert R.make_run_id(d, ["A"], None, 0, None, settings, True) == \
            R.make_run_id(d, ["A"], None, 0, None, settings.replace("generate", **{key: value}), True)
    assert R.make_run_id(d, ["A"], None, 0, None, settings, True, "dev") != \
        R.make_run_id(d, ["A"], None, 0, None, settings, True, "test")


def test_an_adapters_own_threshold_is_part_of_the_run(settings, beir, tmp_path):
    d = R.load_beir(beir)
    auto = settings.replace("generate", refusal_threshold="auto")
    ids = {R.make_run_id(d, ["A", "C"], "a" * 64, 0, None, auto, True, None, {"refusal_threshold": t} if t else None)
           for t in (None, 0.5, 0.6)}
    assert len(ids) == 3  # "auto" means the adapter's threshold: another one is another run
    fixed = settings.replace("generate", refusal_threshold=0.5)
    assert R.make_run_id(d, ["A", "C"], "a" * 64, 0, None, fixed, True, None, {"refusal_threshold": 0.4}) == \
        R.make_run_id(d, ["A", "C"], "a" * 64, 0, None, fixed, True, None, {"refusal_threshold": 0.6})  # a set
    # value wins: no effect

    floor = {R.make_run_id(d, ["A", "C"], "a" * 64, 0, None, auto, True, None, {"min_answer_logprob": c})
             for c in (-1.0, -2.0)}
    assert len(floor) == 2  # so is its confidence floor

    class Engine(ProbabilityEngine):
        adapter_serving: dict = {}

    eng = Engine()
    rep = R.run_eval(auto, beir, R.EvalOptions(arms="A", out=tmp_path / "a", safety=False,
                                               adapter_serving={"refusal_threshold": 0.45}),
                     engine_factory=_factory(eng), ingest=no_ingest)
    assert eng.adapter_serving == {"refusal_threshold": 0.45} and rep["refusal_threshold"] == "auto"
    assert rep["refusal_threshold_adapter"] == 0.45 and rep["min_answer_logprob_adapter"] is None


def test_a_refitted_evidence_model_or_reranker_is_another_run(settings, beir, tmp_path):
    folder = tmp_path / "rr"
    folder.mkdir()
    (folder / "reranker.json").write_text('{"w": 1}')
    (folder / "evidence.json").write_text('{"cut": 0.5}')
    d = R.load_beir(beir)
    s = settings.replace("retrieve", rerank=str(folder))

    def rid(st):
        return R.make_run_id(d, ["A"], None, 0, None, st, True)

    first = rid(s)
    (folder / "evidence.json").write_text('{"cut": 0.0}')
    second = rid(s)
    assert first != second
    (folder / "reranker.json").write_text('{"w": 2}')
    assert rid(s) != second
    # with the evidence check off the evidence file cannot change an answer
    off = s.replace("generate", evidence_check=False)
    before = rid(off)
    (folder / "evidence.json").write_text('{"cut": 1.0}')
    assert rid(off) == before


def test_calibrate_cli_says_whether_the_change_is_more_than_chance(settings, beir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ragtune.cli import cli

    eng = ProbabilityEngine()
    monkeypatch.setattr(R, "_default_engine", lambda s: _factory(eng)(s))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)
    monkeypatch.setenv("RAGTUNE_HOME", str(settings.home.root))
    res = CliRunner().invoke(cli, ["eval", "calibrate", str(beir), "--split", "all", "--no-write",
                                   "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    # 3 unanswerable questions now refused, none lost: too few flips for the sign test
    assert "against the values in force before (1.0 / off / n/a), question by question: no difference shown: 3 up, " \
           "0 down of 8" in res.output


def test_judge_scores_given_values_against_those_in_force_on_the_same_run(settings, beir, tmp_path):
    eng = ProbabilityEngine()
    res = C.calibrate(settings, beir, C.CalibrateOptions(split=None, out=tmp_path / "out", judge=(0.5, None, None)),
                      engine_factory=_factory(eng), ingest=no_ingest)
    j = res["judged"]
    assert (j["threshold"], j["min_answer_logprob"], j["evidence_cut"]) == (0.5, None, None)
    assert j["task_success"] == 1.0 and j["vs_in_force"]["up"] == 3 and j["vs_in_force"]["down"] == 0
    assert res["written"] is None  # judging never writes the config
    assert load_settings(home=settings.home).generate.refusal_threshold == "auto"
    same = C.calibrate(settings, beir, C.CalibrateOptions(split=None, out=tmp_path / "out", judge=(1.0, None, None)),
                       engine_factory=_factory(eng), ingest=no_ingest)["judged"]  # the run is reused, not answered again
    assert same["vs_in_force"]["up"] == same["vs_in_force"]["down"] == 0
    with pytest.raises(InputError, match="--judge"):
        C.calibrate(settings, beir, C.CalibrateOptions(judge=(1.5, None, None)), engine_factory=_factory(eng),
                    ingest=no_ingest)


def test_calibrate_cli_judge(settings, beir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ragtune.cli import cli

    eng = ProbabilityEngine()
    monkeypatch.setattr(R, "_default_engine", lambda s: _factory(eng)(s))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)
    monkeypatch.setenv("RAGTUNE_HOME", str(settings.home.root))
    args = ["eval", "calibrate", str(beir), "--split", "all", "--out", str(tmp_path / "o"), "--judge"]
    res = CliRunner().invoke(cli, args + ["0.5,off,own"])
    assert res.exit_code == 0, res.output
    assert "judged 0.5 / off / n/a: task success 100.0%" in res.output and "3 up, 0 down of 8" in res.output
    assert "not written (--judge)" in res.output
    bad = CliRunner().invoke(cli, args + ["0.5,x"])
    assert bad.exit_code == 2 and "expected THRESHOLD,FLOOR|off,CUT|own" in bad.output
