"""The refusal model (refusal_model.py): its file format (every wrong field named), its arithmetic, the answer's
sentence share, the built-in adapter serving it ("uncertain"), `generate.refusal_model = "off"`, and calibrate
applying it exactly."""

from __future__ import annotations

import math

import pytest

from ragtune.appliance import builtin_adapters as builtin
from ragtune.appliance.errors import ConfigError, ModelError
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.refusal_model import FEATURES, RefusalModel, answer_sentence, parse
from tests.gguf_helpers import DEFAULT_LLM_SHA256, write_builtin

GOOD = {"features": list(FEATURES), "mean": [-1.0, 0.8, -0.8, 0.3], "scale": [2.0, 0.5, 1.0, 0.25],
        "weights": [1.0, -0.5, -0.5, -0.8], "bias": 0.25, "threshold": 0.65}
TOWER = {"S1": "The tower is 330 metres tall. It was built from 1887 to 1889 for the fair.",
         "S2": "| Tower | Built | Height |\n|---|---|---|\n| Eiffel Tower | 1887 to 1889 | 330 m |"}


def test_p_wrong_is_the_logistic_of_the_standardised_signals():
    m = parse(GOOD)
    z = 0.25 + 1.0 * (math.log(0.4 / 0.6) + 1.0) / 2.0 - 0.5 * (1.3 - 0.8) / 0.5 - 0.5 * (-2.8 + 0.8) / 1.0 \
        - 0.8 * (0.5 - 0.3) / 0.25
    assert m.p_wrong(0.4, 1.3, -2.8, 0.5) == pytest.approx(1 / (1 + math.exp(-z)))
    # a missing signal counts at its mean: it moves nothing
    assert m.p_wrong(0.4, None, -2.8, 0.5) == pytest.approx(m.p_wrong(0.4, 0.8, -2.8, 0.5))
    assert m.p_wrong(None, None, None, None) == pytest.approx(1 / (1 + math.exp(-0.25)))
    assert 0.0 < m.p_wrong(1.0, -1e9, -1e9, 0.0) <= 1.0  # extreme inputs stay finite
    assert parse(m.to_dict()) == m


def test_refuses_reads_the_answers_sentence():
    m = parse(GOOD)
    signals = {"p_refused": 0.4, "evidence_score": 1.3, "answer_min_logprob": -1.2}
    assert answer_sentence("When was it built?", "1887 to 1889", ["S1"], TOWER) == 1.0
    assert not m.refuses("When was it built?", "1887 to 1889", ["S1"], TOWER, **signals)  # P(wrong) 0.12
    # the same span for a question its sentence does not speak of: refused (P(wrong) 0.77)
    assert answer_sentence("When was it painted?", "1887 to 1889", ["S1"], TOWER) == 0.0
    assert m.refuses("When was it painted?", "1887 to 1889", ["S1"], TOWER, **signals)


def test_answer_sentence_reads_the_cited_source_first_and_splits_tables_and_lines():
    q = "How tall is the Eiffel Tower?"
    assert answer_sentence(q, "330", ["S1"], TOWER) == pytest.approx(2 / 3)  # "tall", "tower"; not "eiffel"
    # cited S2: a table cell is a sentence of its own, so "330 m" shares no word with the question
    assert answer_sentence(q, "330 m", ["S2"], TOWER) == 0.0
    # uncited: the first source holding it, case-insensitive, a final full stop ignored
    assert answer_sentence("When was it built?", "BUILT FROM 1887.", [], TOWER) == 1.0
    assert answer_sentence(q, "1920", ["S1"], TOWER) == 0.0  # in no source
    assert answer_sentence("Why?", "330", ["S1"], TOWER) == 0.0  # no content word in the question
    assert answer_sentence(q, "  ", ["S1"], TOWER) == 0.0


@pytest.mark.parametrize("change, message", [
    ({"colour": 1}, "unknown keys ['colour']"),
    ({"features": ["p_refused_logit"]}, "'features' must be"),
    ({"mean": [0.0, 0.0]}, "'mean' must be 4 finite numbers"),
    ({"weights": [1.0, float("nan"), 0.0, 0.0]}, "'weights' must be 4 finite numbers"),
    ({"scale": [1.0, 0.0, 1.0, 1.0]}, "'scale' must be > 0"),
    ({"bias": True}, "'bias' must be a finite number"),
    ({"threshold": 1.0}, "'threshold' must be a number between 0 and 1"),
])
def test_every_wrong_field_is_named(change, message):
    with pytest.raises(ValueError, match=None) as exc:
        parse({**GOOD, **change})
    assert message in str(exc.value)
    with pytest.raises(ValueError, match="missing keys"):
        parse({k: v for k, v in GOOD.items() if k != "bias"})
    with pytest.raises(ValueError, match="must be an object"):
        parse([1, 2, 3])


def test_a_manifest_with_a_broken_refusal_model_names_file_and_key(tmp_path, monkeypatch):
    monkeypatch.setenv(builtin.ENV, str(tmp_path))
    _, mpath = write_builtin(tmp_path, serving={"k": 3, "refusal_model": {**GOOD, "threshold": 2}})
    with pytest.raises(ModelError) as exc:
        builtin.list_builtins()
    assert str(mpath) in exc.value.message and "'serving.refusal_model': 'threshold'" in exc.value.message


def test_config_accepts_auto_and_off_only(settings):
    assert settings.generate.refusal_model == "auto"
    assert settings.replace("generate", refusal_model="off").generate.refusal_model == "off"
    with pytest.raises(ConfigError, match="refusal_model"):
        settings.replace("generate", refusal_model="on")


def test_the_builtin_serves_its_refusal_model_and_off_turns_it_off(tmp_path, monkeypatch, settings):
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.store import open_store
    from tests.appliance.test_answer import FakeRetriever, _hits
    from tests.fakes import FakeGenerator

    monkeypatch.setenv(builtin.ENV, str(tmp_path / "shipped"))
    gguf, _ = write_builtin(tmp_path / "shipped", serving={"k": 3, "refusal_threshold": 1.0, "refusal_model": GOOD})
    bid = sha256_file(gguf)
    assert builtin.refusal_model_for("auto", bid) == parse(GOOD)
    assert builtin.refusal_model_for("off", bid) is None and builtin.refusal_model_for("auto", "none") is None
    store = open_store(settings.home)
    try:
        ok = {"status": "ok", "answer": "It was built from 1887 to 1889.", "citations": ["S1"]}
        # P(refused) 0.6, a token the model hardly wanted, a sentence holding 2 of the question's 3 words (no
        # evidence score without reranking: at its mean): P(wrong) 0.71 > 0.65
        gen = FakeGenerator([ok], model_id=DEFAULT_LLM_SHA256, p_refused=0.6, answer_min_logprob=-3.0)
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store=store), generator=gen, store=store)
        a = eng.ask("When was the Eiffel Tower built?", use_cache=False)
        assert a.adapter == bid and a.status == "refused" and a.refusal_reason == "uncertain"
        b = eng.ask("When was the Eiffel Tower built?", adapter="none", use_cache=False)
        assert b.status == "ok" and eng.refusal_model is None  # the base: no refusal model
        off = AnswerEngine(settings.replace("generate", refusal_model="off"),
                           retriever=FakeRetriever(_hits(), store=store), generator=gen, store=store)
        assert off.ask("When was the Eiffel Tower built?", use_cache=False).status == "ok"
        sure = FakeGenerator([ok], model_id=DEFAULT_LLM_SHA256, p_refused=0.05, answer_min_logprob=-0.1)
        eng2 = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store=store), generator=sure, store=store)
        assert eng2.ask("When was the Eiffel Tower built?", use_cache=False).status == "ok"
        assert eng2._decoding()["refusal_model"] == GOOD  # in the answer-cache key
        # what "auto" means for the adapter, set by an eval of it (a rebuild's): the override decides
        eng.adapter_serving = {"refusal_model": {**GOOD, "threshold": 0.9}}
        assert eng.ask("When was the Eiffel Tower built?", use_cache=False).status == "ok"
    finally:
        store.close()


def test_calibrate_applies_the_model_in_force_exactly():
    from ragtune.appliance.eval.calibrate import outcome, with_refusal_model

    m = RefusalModel(*(tuple(GOOD[k]) for k in ("mean", "scale", "weights")), GOOD["bias"], GOOD["threshold"])
    item = {"qid": "q1", "question": "When was it built?"}
    context = [{"id": k, "text": v} for k, v in TOWER.items()]
    result = {"status": "ok", "answer": "1887 to 1889", "cited_ids": ["S1"], "p_refused": 0.4,
              "answer_min_logprob": -1.2, "evidence_score": 1.3, "context": context}
    assert with_refusal_model(item, result, m) is result  # its sentence is about the question: P(wrong) 0.12
    painted = {**item, "question": "When was it painted?"}
    assert with_refusal_model(painted, result, m)["refusal_reason"] == "uncertain"
    # the question as the model read it: the false start "painted" is not what it answered
    spoken = {**item, "question": "When was it painted, no sorry, when was it built?"}
    assert with_refusal_model(spoken, result, m) is result
    assert with_refusal_model(painted, result, None) is result
    refused = {**result, "status": "refused"}
    assert with_refusal_model(painted, refused, m) is refused
    # the cut before the model still decides first
    assert outcome(with_refusal_model(painted, result, m), 1.0, None, 2.0)["refusal_reason"] == "no_evidence"
