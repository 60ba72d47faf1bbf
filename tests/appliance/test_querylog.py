"""Query log rows, human review, and the train-jsonl export."""

from __future__ import annotations

import io
import json

import pytest

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.errors import InputError
from tests.fakes import FakeGenerator
from ragtune.appliance.prompt import SYSTEM_PROMPT
from ragtune.appliance.querylog import export_train_jsonl, get_entry, list_entries, set_review
from ragtune.appliance.store import open_store

from .test_answer import FakeRetriever, _hits


@pytest.fixture
def logged(settings):
    store = open_store(settings.home)
    gen = FakeGenerator([{"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]},
                         {"status": "ok", "answer": "8849 metres.", "citations": ["S2"]}])
    eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
    a = eng.ask("When was the Eiffel Tower built?")
    b = eng.ask("How high is Everest?")
    yield store, a, b
    store.close()


def test_rows_carry_everything(logged):
    store, a, b = logged
    e = get_entry(store, a.log_id)
    assert e["query"] == "When was the Eiffel Tower built?" and e["normalized_query"]
    assert [c["id"] for c in e["context"]] == ["S1", "S2", "S3"] and e["context"][0]["chunk_id"] == 10
    assert e["retrieved"][0]["chunk_id"] == 10 and e["retrieved"][0]["bm25_rank"] == 1
    assert e["output"] == {"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]}
    assert e["valid"] and not e["repaired"] and not e["refused"] and e["model_id"] == "fake-model"
    assert set(e["timings"]) == {"retrieval_ms", "ttft_ms", "generation_ms", "total_ms", "answer_mode", "p_refused",
                                  "answer_min_logprob", "evidence_score"}
    rows = list_entries(store)
    assert [r["id"] for r in rows] == [b.log_id, a.log_id] and rows[0]["status"] == "ok"
    with pytest.raises(InputError):
        get_entry(store, 999)


def test_review_is_validated_and_replaces_output_on_export(logged):
    store, a, b = logged
    with pytest.raises(InputError, match="not in the context"):
        set_review(store, a.log_id, {"status": "ok", "answer": "x", "citations": ["S7"]})
    with pytest.raises(InputError, match="JSON"):
        set_review(store, a.log_id, "{not json")
    set_review(store, a.log_id, '{"status": "ok", "answer": "From 1887 to 1889.", "citations": ["S1"]}')
    buf = io.StringIO()
    assert export_train_jsonl(store, buf) == 2
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    first = lines[0]
    assert first["prompt"]["system"] == SYSTEM_PROMPT
    assert first["prompt"]["context"][0] == {"id": "S1", "text": _hits()[0].text}
    assert first["output"]["answer"] == "From 1887 to 1889." and first["meta"]["reviewed"] is True
    assert lines[1]["output"]["answer"] == "8849 metres." and lines[1]["meta"]["reviewed"] is False
    buf = io.StringIO()
    assert export_train_jsonl(store, buf, reviewed_only=True) == 1


@pytest.mark.parametrize("context", ['[5, "x"]', '[{"text": "no id"}]', '{"not": "a list"}'])
def test_export_skips_a_row_whose_context_is_damaged(logged, context):
    """Sweep: a query-log row whose context held non-objects made `log export` an internal TypeError."""
    store, a, b = logged
    store.query("UPDATE query_log SET context = ? WHERE id = ?", (context, a.log_id))
    buf = io.StringIO()
    assert export_train_jsonl(store, buf) == 1
    assert json.loads(buf.getvalue())["meta"]["log_id"] == b.log_id
