"""Round 47: a QA lead's own BEIR set (40 invented service sheets, 120 questions, 24 unanswerable) through eval
run / compare / calibrate / retrieval. What that found, each with its test (fake engines, no models):

- a gold answer typed "Kraków" (NFC) against a document saved decomposed ("Krako\u0301w", a Mac export) scored a
  right answer as wrong (F1 0) and "gold not shown": 3 of 96 answerable questions on that set;
- an answerable query with no gold passage (no qrels row > 0, no context_id) silently left the citation metrics,
  and a query whose metadata lacks both keys silently left task success;
- `"answers": "Paris"` or `"answers": [2011]` was refused without saying which value or how to write it;
- a replay's identity hashed the answers but not the labels: "unlabeled" and "refused" (both with no answers) gave
  the same run id, so the later replay's report replaced the earlier one's.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import losses
from ragtune.appliance.eval.datasets import load_beir, load_replay
from ragtune.appliance.eval.metrics import exact_match, normalize_answer, score_item, token_f1
from ragtune.appliance.store import json_dumps, open_store
from tests.appliance.eval_fakes import write_beir
from tests.appliance.test_log_retention import row

NFC, NFD = unicodedata.normalize("NFC", "Kraków"), unicodedata.normalize("NFD", "Kraków")


def _set_meta(root: Path, qid: str, meta: dict) -> int:
    path = root / "queries.jsonl"
    lines = path.read_text().splitlines()
    for n, line in enumerate(lines, start=1):
        obj = json.loads(line)
        if obj["_id"] == qid:
            obj["metadata"] = meta
            lines[n - 1] = json.dumps(obj)
            path.write_text("\n".join(lines) + "\n")
            return n
    raise AssertionError(qid)


# -- the metrics compare characters, not code points --------------------------------------------------------------
def test_a_gold_answer_matches_the_same_word_written_decomposed():
    assert NFC != NFD
    assert exact_match(NFD, NFC) and token_f1(NFD, NFC) == 1.0
    assert normalize_answer("２０１１") == "2011"  # full-width digits (a Japanese keyboard's) are the year
    item = {"qid": "q", "answerable": True, "answers": [NFC], "gold_keys": ["d1"]}
    ctx = [{"id": "S1", "key": "d1", "text": f"It is run from the {NFD} office."}]
    result = {"status": "ok", "answer": NFD, "cited_ids": ["S1"], "context": ctx, "valid": True}
    scored = score_item(item, result)
    assert scored["correct"] is True and scored["em"] is True and scored["grounded"] is True
    assert losses.gold_holders([NFC], ctx) == ["S1"]  # "gold shown", not "retrieval lost it"


# -- what the loader says instead of leaving silently -------------------------------------------------------------
def test_an_answerable_query_without_a_gold_passage_is_named(tmp_path):
    beir = write_beir(tmp_path / "set")
    qrels = beir / "qrels" / "test.tsv"
    qrels.write_text("".join(line for line in qrels.read_text().splitlines(keepends=True) if not line.startswith("q1\t")))
    _set_meta(beir, "q1", {"answers": ["1889"], "answerable": True})  # and no context_id
    ds = load_beir(beir)
    assert any("1 answerable query has no gold passage" in n and "(q1)" in n and "citation precision" in n
               for n in ds.notes), ds.notes


def test_queries_without_labels_are_named(tmp_path):
    beir = write_beir(tmp_path / "set")
    _set_meta(beir, "q2", {})
    _set_meta(beir, "q4", {"context_id": "d4"})
    ds = load_beir(beir)
    assert any(n.startswith("2 queries have neither metadata.answers nor metadata.answerable") and "q2, q4" in n
               for n in ds.notes), ds.notes
    assert ds.summary()["n_unlabeled"] == 2


@pytest.mark.parametrize("answers, said", [
    ("1889", 'got a string: write ["1889"]'),
    ([1889], '(answers[0] is 1889: write "1889")'),
    (["1889", None], "(answers[1] is null)"),
    ({"text": "1889"}, "got dict"),
])
def test_gold_answers_of_the_wrong_type_say_which_and_how_to_write_them(tmp_path, answers, said):
    beir = write_beir(tmp_path / "set")
    line = _set_meta(beir, "q1", {"answers": answers, "answerable": True})
    with pytest.raises(InputError) as e:
        load_beir(beir)
    assert f"queries.jsonl:{line}: query q1: metadata.answers must be a list of strings" in str(e.value)
    assert said in str(e.value)


# -- a replay's identity holds its labels ---------------------------------------------------------------------------
def test_a_replay_relabelled_as_a_refusal_is_another_set(home):
    refused = {"status": "refused", "answer": "I cannot answer from the provided documents.", "citations": []}
    with open_store(home) as s:
        first = s.add_query_log(row(1.0, query="Who runs Larkspur?", normalized_query="who runs larkspur"))
        s.add_query_log(row(2.0, query="Where is Quiver?", normalized_query="where is quiver"))
        before = load_replay(s)
        # the identity of a replay without refusals is the one it had before round 47 (its runs keep their id)
        old = hashlib.sha256(json_dumps([[i["qid"], i["question"], i["answers"]]
                                                       for i in before.items]).encode()).hexdigest()
        assert before.identity == old
        s.set_query_review(first, refused)
        after = load_replay(s)
        assert after.items[0]["answerable"] is False and after.items[0]["answers"] == before.items[0]["answers"] == []
        assert after.identity != before.identity
