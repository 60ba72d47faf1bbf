"""Round 49, eval report speed at 10,000 questions: every answer is scored once (the per-question rows' scores are
reused by the arms' metrics), with a report identical to one scored twice; the queries file walks a line's strings
for lone surrogates only where its bytes hold a "\\uD8xx" escape, with the same errors."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance import beir, jsonl
from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import metrics as M
from ragtune.appliance.eval import paired as P
from ragtune.appliance.eval import run as R
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest, write_beir


@pytest.fixture(autouse=True)
def fake_adapters(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))


def _run(settings, tmp_path):
    return R.run_eval(settings, write_beir(tmp_path / "set"),
                      R.EvalOptions(arms="A,C", adapter="ad1", out=tmp_path / "o", safety=False),
                      engine_factory=lambda s: FakeEngine({"none": "good", "ad1": "good"}), ingest=no_ingest)


def test_each_answer_is_scored_once(settings, tmp_path, monkeypatch):
    calls = [0]
    real = M.score_item

    def counted(*a, **kw):
        calls[0] += 1
        return real(*a, **kw)

    monkeypatch.setattr(M, "score_item", counted)
    monkeypatch.setattr(P, "score_item", counted)
    rep = _run(settings, tmp_path)
    assert rep["arms"]["A"]["n"] == len(QUERIES) and rep["arms"]["C"]["n"] == len(QUERIES)
    assert calls[0] == 2 * len(QUERIES)  # two arms, each answer once (it was twice: rows, then aggregate)


def test_the_report_is_byte_identical_to_one_scored_twice(settings, tmp_path, monkeypatch):
    real = R.build_report
    seen = {}

    def both(*a, **kw):
        reused = real(*a, **kw)
        scored_again = real(*a, **{**kw, "scores": None})  # the rows given, no scores: aggregate scores each answer
        fresh = real(*a, **{**kw, "rows": None, "scores": None})  # nothing given: scored inside
        seen["same"] = (json.dumps(reused, sort_keys=True) == json.dumps(scored_again, sort_keys=True)
                        == json.dumps(fresh, sort_keys=True))
        return reused

    monkeypatch.setattr(R, "build_report", both)
    rep = _run(settings, tmp_path)
    assert seen["same"] is True
    assert rep["arms"]["A"]["task_success"] is not None


def _queries(tmp_path, lines):
    p = tmp_path / "queries.jsonl"
    p.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return p


def test_queries_are_walked_for_surrogates_only_where_an_escape_is(tmp_path, monkeypatch):
    calls = []
    real = jsonl.check_json_unicode
    monkeypatch.setattr(jsonl, "check_json_unicode", lambda obj, where: calls.append(where) or real(obj, where))
    good = [json.dumps({"_id": f"q{i}", "text": f"question {i} \u00e9\U0001F600"}) for i in range(20)]
    assert len(beir.load_queries(_queries(tmp_path, good))) == 20
    assert len(calls) == 20  # json.dumps writes the emoji as an escaped pair ("\ud83d\ude00"): walked, and valid
    calls.clear()
    plain = [json.dumps({"_id": f"q{i}", "text": f"question {i}"}, ensure_ascii=False) for i in range(20)]
    assert len(beir.load_queries(_queries(tmp_path, plain))) == 20
    assert calls == []


@pytest.mark.parametrize("line, field", [
    ('{"_id": "q2", "text": "bad \\udce9 text"}', "field 'text'"),
    ('{"_id": "q\\ud800", "text": "ok"}', "field '_id'"),
    ('{"_id": "q2", "text": "ok", "metadata": {"answers": ["x\\uDCE9"]}}', "field 'metadata.answers[0]'"),
])
def test_a_lone_surrogate_is_the_same_error(tmp_path, line, field):
    p = _queries(tmp_path, ['{"_id": "q1", "text": "fine"}', line])
    with pytest.raises(InputError) as exc:
        beir.load_queries(p)
    assert str(exc.value).startswith(f"{p}:2: {field} is not valid Unicode (a lone surrogate \\u")
