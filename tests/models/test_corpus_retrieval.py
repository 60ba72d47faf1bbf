"""The behaviour corpus as a retrieval set: chunks of the gold document that hold the answer are the one relevant
unit of a question; everything else (other documents, the gold document's other chunks) is not; dev domains are
allowed (it is an evaluation set), unanswerable questions are left out."""

from __future__ import annotations

import json
import time

import numpy as np

from ragtune.appliance.ingest.chunker import Chunk
from ragtune.appliance.store import EMBED_DIM, Store
from ragtune.models import corpus as cp
from ragtune.models.corpus.retrieval import corpus_set

DOC = ("# The Harrow Line\n\nThe Harrow Line opened to passengers in 1897. It runs from Velmora to Ostrand.\n\n"
       "## Engineering\n\nIts engineer was Mira Tolvane. The viaduct has nine arches.\n")


def _root(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "domains.json").write_text(json.dumps({
        "towns": {"split": "train", "shape": "encyclopedia", "about": "x"},
        "clinics": {"split": "dev", "shape": "leaflet", "about": "y"}}), encoding="utf-8")
    for dom in ("towns", "clinics"):
        (tmp_path / dom / "docs" / "rail").mkdir(parents=True)
        (tmp_path / dom / "docs" / "rail" / "harrow.md").write_text(DOC, encoding="utf-8")
    rows = [
        {"id": "towns-a001", "question": "When did the Harrow Line open?", "answer": "1897",
         "evidence": "The Harrow Line opened to passengers in 1897.", "gold_doc": "rail/harrow.md",
         "answerable": True, "intent": "date", "domain": "towns", "style": "plain"},
        {"id": "towns-a002", "question": "Who engineered it?", "answer": "Mira Tolvane",
         "evidence": "Its engineer was Mira Tolvane.", "gold_doc": "rail/harrow.md", "answerable": True,
         "intent": "fact", "domain": "towns", "style": "plain"},
        {"id": "towns-u001", "question": "How long is the Harrow Line?", "answer": "", "gold_doc": None,
         "answerable": False, "intent": "fact", "domain": "towns", "style": "terse", "near_doc": "rail/harrow.md",
         "why": "absent_detail"},
    ]
    (tmp_path / "towns" / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    clinic = dict(rows[0], id="clinics-a001", domain="clinics")
    (tmp_path / "clinics" / "qa.jsonl").write_text(json.dumps(clinic) + "\n", encoding="utf-8")
    cp._TEXT_CACHE.clear()
    return tmp_path


def _put(store, path, texts):
    chunks = [Chunk(ord=i, text=t, start_char=0, end_char=len(t), n_tokens=len(t.split())) for i, t in enumerate(texts)]
    store.put_document(path=str(path), sha256=str(path), title="Harrow", kind="md", size=1, doc_date=None,
                       ingested_at=time.time(), meta="{}", chunks=chunks,
                       vectors=[np.ones(EMBED_DIM, np.float32)] * len(texts))
    return [cid for cid, _d, _t, _x in store.iter_chunk_texts()][-len(texts):]


def test_gold_chunks_are_judged_per_question(tmp_path):
    root = _root(tmp_path / "corpus")
    rset = corpus_set(["towns", "clinics"], root=root)
    assert sorted(q["_id"] for q in rset.queries) == ["clinics-a001", "towns-a001", "towns-a002"]  # no unanswerable
    assert [p.name for p in rset.paths] == ["docs", "docs"]
    with Store(tmp_path / "s.db") as store:
        towns = _put(store, (root / "towns" / "docs" / "rail" / "harrow.md").resolve(),
                     ["The Harrow Line opened to passengers in 1897. It runs from Velmora to Ostrand.",
                      "Its engineer was Mira Tolvane. The viaduct has nine arches."])
        clinics = _put(store, (root / "clinics" / "docs" / "rail" / "harrow.md").resolve(),
                       ["The Harrow Line opened to passengers in 1897."])
        doc_of, qrels, units = rset.judge(store)
    assert set(doc_of) == set(towns + clinics) and len(set(doc_of.values())) == 3  # every chunk its own unit
    assert qrels["towns-a001"] == {"gold": 1}
    assert units["towns-a001"] == {towns[0]: "gold"}   # the same text in the other domain's copy does not count
    assert units["towns-a002"] == {towns[1]: "gold"}
    assert units["clinics-a001"] == {clinics[0]: "gold"}
    assert rset.notes["no_gold_chunk"] == []


def test_ranking_by_units_counts_the_first_gold_chunk(tmp_path):
    from ragtune.appliance.eval.retrieval import query_metrics, ranked_units

    ctx = {"doc_of": {1: "chunk:1", 2: "chunk:2", 3: "chunk:3"}, "units": {"q": {2: "gold", 3: "gold"}}}
    ranked = ranked_units([1, 3, 2], ctx, "q")
    assert ranked == ["chunk:1", "gold"]
    assert query_metrics(ranked, {"gold": 1})["mrr@10"] == 0.5
