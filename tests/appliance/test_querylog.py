"""Query log rows, human review, and the train-jsonl export."""

from __future__ import annotations

import io
import json

import pytest

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.errors import InputError
from tests.fakes import FakeGenerator
from ragtune.appliance.prompt import REFUSAL_TEXT, SYSTEM_PROMPT
from ragtune.appliance.querylog import export_train_jsonl, get_entry, list_entries, set_review, show_entry
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
                                  "answer_min_logprob", "evidence_score", "provenance"}
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


def test_a_refusal_that_cites_is_refused_and_a_second_review_reports_what_it_replaced(logged):
    """QA r37: `log review` stored {"status": "refused", "citations": ["S1"]}, which the answer contract (and the
    grammar) forbid, and a second review replaced the first without a word."""
    store, a, b = logged
    with pytest.raises(InputError, match="a refusal cites nothing"):
        set_review(store, a.log_id, {"status": "refused", "answer": "No.", "citations": ["S1"]})
    assert get_entry(store, a.log_id)["review"] is None  # a failed review writes nothing
    first = {"status": "ok", "answer": "From 1887.", "citations": ["S1"]}
    assert set_review(store, a.log_id, first) == (first, None)
    second = {"status": "refused", "answer": REFUSAL_TEXT, "citations": []}
    assert set_review(store, a.log_id, second) == (second, first)
    with pytest.raises(InputError):
        set_review(store, a.log_id, {"status": "ok", "answer": "x", "citations": ["S9"]})
    assert get_entry(store, a.log_id)["review"] == second  # the previous review survives a failed one
    assert [r["review"] for r in show_entry(store, a.log_id)["reviews"]] == [second, first]  # both kept


def test_show_lists_every_review_current_first_and_export_uses_the_current_one(logged):
    store, a, b = logged
    assert show_entry(store, a.log_id)["reviews"] == []
    reviews = [{"status": "ok", "answer": f"From 188{i}.", "citations": ["S1"]} for i in range(3)]
    for r in reviews:
        set_review(store, a.log_id, r)
    shown = show_entry(store, a.log_id)
    assert shown["review"] == reviews[-1] and [r["review"] for r in shown["reviews"]] == reviews[::-1]
    assert all(isinstance(r["reviewed_at"], float) for r in shown["reviews"])
    buf = io.StringIO()
    assert export_train_jsonl(store, buf, reviewed_only=True) == 1
    assert json.loads(buf.getvalue())["output"]["answer"] == "From 1882."


def test_a_review_read_from_a_file_names_the_file_and_the_key_line(logged):
    store, a, b = logged
    text = '{\n  "status": "ok",\n  "answer": "x",\n  "extra": 1,\n  "citations": ["S1"]\n}'
    with pytest.raises(InputError, match=r"^r\.json:4: review answer for entry \d+ is not valid: unexpected keys"):
        set_review(store, a.log_id, json.loads(text), origin=("r.json", text))
    text = '{\n  "status": "ok",\n  "answer": "x",\n  "citations": ["S7"]\n}'
    with pytest.raises(InputError, match=r"^r\.json:4: .*citations not in the context: S7"):
        set_review(store, a.log_id, json.loads(text), origin=("r.json", text))


@pytest.mark.parametrize("column, value, exported", [
    ("output", "{}", False),  # an output without keys (a row of an older version, or edited): was a KeyError
    ("output", '{"status": "ok"}', False),
    ("output", '"text"', False),
    ("review", "garbage", False),  # a damaged review never falls back to the output it corrected
    ("review", '{"status": "ok"}', False),
    ("review", '{"status": "ok", "answer": "Fixed.", "citations": []}', True),
])
def test_export_leaves_out_and_names_rows_it_cannot_render(logged, column, value, exported):
    store, a, b = logged
    store.query(f"UPDATE query_log SET {column} = ? WHERE id = ?", (value, a.log_id))
    if column == "review":  # a usable review is exported even when the model output is damaged
        store.query("UPDATE query_log SET output = '{}' WHERE id = ?", (a.log_id,))
    buf, skipped = io.StringIO(), []
    assert export_train_jsonl(store, buf, skipped=skipped) == (2 if exported else 1)
    assert skipped == ([] if exported else [a.log_id])


def test_list_tolerates_a_query_that_is_not_text(logged):
    store, a, b = logged
    store.query("UPDATE query_log SET query = 5 WHERE id = ?", (a.log_id,))
    assert [r["query"] for r in list_entries(store)][-1] == "5"


def test_a_large_log_exports_in_constant_memory(settings, tmp_path):
    """QA r37 numbers: 100k real-sized rows exported in 6 s, 42 MB RSS. Here: 5k small rows, and the export
    never holds them all (rows are streamed from SQLite, lines written one at a time)."""
    import tracemalloc

    with open_store(settings.home) as store:
        row = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none",
               "system_prompt_sha256": "s", "context": [{"id": "S1", "chunk_id": 1, "text": "t" * 200}],
               "retrieved": [], "output": {"status": "ok", "answer": "a", "citations": ["S1"]}, "raw_output": "",
               "valid": True, "repaired": False, "refused": False, "timings": {}, "tokens_prompt": 1,
               "tokens_completion": 1}
        with store.transaction():
            for i in range(5000):
                store.add_query_log({**row, "query": f"q{i}"})

        class Sink(io.TextIOBase):
            n = 0

            def write(self, s):
                self.n += len(s)
                return len(s)

        tracemalloc.start()
        sink = Sink()
        assert export_train_jsonl(store, sink) == 5000
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert sink.n > 5000 * 800 and peak < sink.n / 10, (sink.n, peak)  # ~5 MB written, far less held


SHAPE = 'a review answer is {"status": "ok"|"refused", "answer": str, "citations": [ids]}'
IDS = "citations must be among the logged context ids: S1, S2, S3"
UNCITED = ('cite the logged context ids that hold the answer (S1, S2, S3), or make it a refusal: {"status": '
           '"refused", "answer": "…", "citations": []}')


@pytest.mark.parametrize("answer, hint", [
    ({"status": "maybe", "answer": "x", "citations": []}, SHAPE),
    (["not", "an", "object"], SHAPE),
    ({"status": "ok", "answer": " ", "citations": []}, f"{SHAPE}; {UNCITED}"),
    ({"status": "ok", "answer": " ", "citations": ["S1"]}, SHAPE),
    ({"status": "ok", "answer": "x", "citations": []}, UNCITED),
    ({"status": "ok", "answer": "x", "citations": "S1"}, SHAPE),
    ({"status": "refused", "answer": "No.", "citations": ["S1"]}, SHAPE),
    ({"status": "ok", "answer": "x", "citations": ["S7"]}, IDS),
    ({"status": "maybe", "answer": "x", "citations": ["S7"]}, f"{SHAPE}; {IDS}"),
])
def test_a_review_error_s_hint_fits_the_error(logged, answer, hint):
    """QA r41: every validation error (a bad status, not an object, an empty answer) came with the hint about the
    logged context ids; only a citation not among them gets it, the rest the answer's shape."""
    store, a, b = logged
    with pytest.raises(InputError) as e:
        set_review(store, a.log_id, answer)
    assert e.value.hint == hint


def test_a_review_is_held_to_the_dataset_builders_output_check(logged, tmp_path):
    """QA r41: `log review` stored {"status": "ok", "citations": []}; `dataset build --from-log` then refused the
    whole export ("an answer must cite at least one source"). The review is held to the builder's own check."""
    from ragtune.models.dataset import build_from_log

    store, a, b = logged
    with pytest.raises(InputError) as e:
        set_review(store, a.log_id, {"status": "ok", "answer": "no nuts", "citations": []})
    assert "is not valid: an answer must cite at least one source" in e.value.message
    assert "cite the logged context ids that hold the answer (S1, S2, S3), or make it a refusal" in e.value.hint
    assert get_entry(store, a.log_id)["review"] is None  # nothing written
    # a file names the line of the citations key
    text = '{\n  "status": "ok",\n  "answer": "no nuts",\n  "citations": []\n}'
    with pytest.raises(InputError, match=r"^r\.json:4: review answer"):
        set_review(store, a.log_id, text, origin=("r.json", text))
    # what is accepted, the builder takes
    set_review(store, a.log_id, {"status": "ok", "answer": "From 1887 to 1889.", "citations": ["S1"]})
    set_review(store, b.log_id, {"status": "refused", "answer": REFUSAL_TEXT, "citations": []})
    out = tmp_path / "reviewed.jsonl"
    with out.open("w") as fh:
        assert export_train_jsonl(store, fh, reviewed_only=True) == 2
    rows, stats = build_from_log(out)
    assert len(rows) == 2 and (stats.answered, stats.refused) == (1, 1)


def test_a_refusals_answer_is_stored_as_the_refusal_text_and_said(logged):
    """QA r41: a refused review with its own words ("nope") went into train.jsonl as the refusal's answer, which is
    always prompt.REFUSAL_TEXT (docs/tuning.md): stored as that, with a note."""
    store, a, b = logged
    notes: list[str] = []
    saved, _ = set_review(store, a.log_id, '{"status": "refused", "answer": "nope", "citations": []}', notes=notes)
    assert saved == {"status": "refused", "answer": REFUSAL_TEXT, "citations": []}
    assert get_entry(store, a.log_id)["review"] == saved
    assert notes[0] == f'a refusal\'s answer is always the refusal text: stored "{REFUSAL_TEXT}" instead of "nope"'
    assert notes[1:] == ["removed 1 cached answer(s) holding the answer this review corrects: the question is "
                         "answered afresh next time"]  # the logged answer was "ok": a correction
    buf = io.StringIO()
    export_train_jsonl(store, buf, reviewed_only=True)
    assert json.loads(buf.getvalue())["output"]["answer"] == REFUSAL_TEXT
    notes.clear()  # the refusal text itself: nothing to say of it (the answer it corrects left the cache)
    set_review(store, b.log_id, {"status": "refused", "answer": REFUSAL_TEXT, "citations": []}, notes=notes)
    assert notes == ["removed 1 cached answer(s) holding the answer this review corrects: the question is answered "
                     "afresh next time"]
    with pytest.raises(InputError, match="answer must be a non-empty string"):  # otherwise invalid: still refused
        set_review(store, b.log_id, {"status": "refused", "answer": " ", "citations": []}, notes=notes)


def test_a_review_is_no_longer_than_a_training_line_holds(logged, tmp_path):
    """Round 41: a review was held to [generate] max_answer_chars (up to 4000), the dataset builder to 600, so one
    long review made `dataset build --from-log` refuse the whole export."""
    from ragtune.appliance.schema import TRAINING_ANSWER_CHARS
    from ragtune.models.dataset import read_examples

    store, a, _b = logged
    long = {"status": "ok", "answer": "x" * (TRAINING_ANSWER_CHARS + 1), "citations": ["S1"]}
    with pytest.raises(InputError, match=f"longer than {TRAINING_ANSWER_CHARS}"):
        set_review(store, a.log_id, long, max_answer_chars=4000)
    set_review(store, a.log_id, dict(long, answer="x" * TRAINING_ANSWER_CHARS), max_answer_chars=4000)
    out = tmp_path / "log.jsonl"
    with out.open("w", encoding="utf-8") as f:
        export_train_jsonl(store, f)
    assert len(read_examples(out)) == 2  # the builder's reader takes every line
