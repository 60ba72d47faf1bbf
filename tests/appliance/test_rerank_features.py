"""The learned reranker's features and model file: the sentence that answers the question is what the features
see; reranker.json is validated; `load_reranker` tells the kinds apart."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ragtune.appliance.errors import ModelError
from ragtune.appliance.rerank import CrossEncoderReranker, load_reranker
from ragtune.appliance.rerank_features import (FEATURES, FeatureReranker, candidate_features, model_spec,
                                               question_type, terms)
from ragtune.appliance.types import Hit

COL = {name: i for i, name in enumerate(FEATURES)}


def _hit(cid, text, *, doc=1, title="Harrow Line", fused=1.0, bm25=None, vec=None):
    return Hit(chunk_id=cid, doc_id=doc, text=text, source=f"d{doc}.md", title=title, fused=fused,
               bm25_score=bm25, vector_score=vec)


HITS = [
    _hit(1, "The Harrow Line runs from Velmora to Ostrand. Trains on the Harrow Line are green.", fused=2.0, bm25=9.0, vec=0.8),
    _hit(2, "History.\nThe Harrow Line opened to passengers in 1897, after a long dispute.", fused=1.5, bm25=7.0),
    _hit(3, "Bread is baked from flour, water, salt and yeast.", doc=2, title="Bread", fused=0.1, vec=0.2),
]


@pytest.mark.parametrize("q, kind", [("When did the Harrow Line open?", "when"), ("what year was it built", "when"),
                                     ("Who engineered the viaduct?", "who"), ("how many arches", "howmany"),
                                     ("Where does it end?", "where"), ("Which station is first?", "which"),
                                     ("harrow line opening", "other")])
def test_question_type(q, kind):
    assert question_type(q) == kind


def test_terms_drop_stopwords_and_stem():
    assert terms("When did the Harrow Line open its stations?") == ["harrow", "line", "open", "station"]


def test_features_find_the_answering_sentence():
    x = candidate_features("When did the Harrow Line open?", HITS)
    assert x.shape == (3, len(FEATURES)) and np.isfinite(x).all()
    # only chunk 2 holds "open", the rare term among the candidates; its best sentence also fills the "when" slot
    assert x[1, COL["best_sentence"]] > x[0, COL["best_sentence"]] > x[2, COL["best_sentence"]] == 0
    assert x[1, COL["when_year"]] == 1 and x[0, COL["when_year"]] == 0
    assert x[:, COL["who_name"]].sum() == 0  # other question types' slots stay empty
    # list-relative scores: z-scores over the list; a retriever that missed a chunk puts it at its floor
    assert x[0, COL["fused_z"]] > x[1, COL["fused_z"]] > x[2, COL["fused_z"]]
    assert x[2, COL["bm25_found"]] == 0 and x[2, COL["bm25_z"]] == x[:, COL["bm25_z"]].min()
    # document context: chunk 1 is its document's best, chunk 2 is not; chunk 3's document ranks second
    assert x[0, COL["doc_best_chunk"]] == 1 and x[1, COL["doc_best_chunk"]] == 0 and x[2, COL["doc_inv_rank"]] == 0.5
    assert candidate_features("anything", []).shape == (0, len(FEATURES))


def test_words_every_candidate_shares_say_little():
    hits = [_hit(i, f"The Harrow Line item {w}.") for i, w in enumerate(["alpha", "beta", "gamma"], start=1)]
    x = candidate_features("harrow line beta", hits)
    assert x[1, COL["cover_idf"]] > 0.5 > x[0, COL["cover_idf"]]  # "harrow line" is everywhere; "beta" decides
    assert x[0, COL["cover_terms"]] == pytest.approx(2 / 3)  # unweighted coverage still counts them


def test_original_wording_counts_separately():
    x = candidate_features("Which line opened?", HITS, original="which Velmora line no which line opened")
    assert x[0, COL["cover_original"]] == 1.0 and x[1, COL["cover_original"]] == 0.0


def _write_model(folder, coef=None, **over):
    folder.mkdir(parents=True, exist_ok=True)
    n = len(FEATURES)
    w = np.zeros(n) if coef is None else coef
    spec = model_spec(np.zeros(n), np.ones(n), w, weight=0.7, top=20)
    spec.update(over)
    (folder / "reranker.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


def test_feature_reranker_scores_and_is_loaded_by_kind(tmp_path):
    coef = np.zeros(len(FEATURES))
    coef[COL["best_sentence"]] = 1.0
    folder = _write_model(tmp_path / "m", coef)
    r = load_reranker(str(folder), home=None)
    assert isinstance(r, FeatureReranker) and r.weight == 0.7 and r.top == 20
    s = r.score_hits("When did the Harrow Line open?", HITS)
    assert len(s) == 3 and s[1] > s[0] > s[2] and r.score_hits("q", []) == []
    # a folder without a features reranker.json is a cross-encoder (and then needs its ONNX files)
    (tmp_path / "ce").mkdir()
    with pytest.raises(ModelError, match="model.onnx"):
        load_reranker(str(tmp_path / "ce"), home=None)
    assert CrossEncoderReranker.__name__  # the other kind stays importable from the same place


@pytest.mark.parametrize("over, msg", [({"kind": "cross-encoder"}, "not a feature reranker"),
                                       ({"features": ["fused_z"]}, "other features"),
                                       ({"format": 99}, "other features"),
                                       ({"weights": [1.0, 2.0]}, "malformed"),
                                       ({"weight": 1.5}, "malformed")])
def test_bad_model_files_are_refused(tmp_path, over, msg):
    with pytest.raises(ModelError, match=msg):
        FeatureReranker(_write_model(tmp_path / "m", **over))


def test_unreadable_model_file(tmp_path):
    (tmp_path / "reranker.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="reranker.json"):
        FeatureReranker(tmp_path)
    with pytest.raises(ModelError, match="reranker.json"):
        load_reranker(str(tmp_path), home=None)


# -- the built-in reranker (`[retrieve] rerank = "default"`) --------------------------------------------------------

def _shipped(monkeypatch):
    from pathlib import Path

    import ragtune.appliance.rerank as rr

    monkeypatch.delenv("RAGTUNE_BUILTIN_RERANKERS", raising=False)
    return Path(rr.__file__).resolve().parent / "rerankers" / "default"


def test_the_shipped_reranker_is_the_default_and_matches_its_manifest(monkeypatch):
    import hashlib

    from ragtune.appliance.config import RetrieveConfig
    from ragtune.appliance.rerank import effective_rerank

    folder = _shipped(monkeypatch)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert hashlib.sha256((folder / "reranker.json").read_bytes()).hexdigest() == manifest["sha256"]
    assert manifest["kind"] == "features" and manifest["licence"] and manifest["training"]["sources"]
    assert RetrieveConfig().rerank == "default"
    assert effective_rerank("default") == str(folder)
    r = load_reranker("default", home=None)
    assert isinstance(r, FeatureReranker)
    s = r.score_hits("When did the Harrow Line open?", HITS)
    assert s[1] > s[2]  # the sentence that answers beats the unrelated one


def test_no_builtin_means_no_reranking_and_other_refs_pass_through(tmp_path, monkeypatch):
    from ragtune.appliance.rerank import effective_rerank

    monkeypatch.setenv("RAGTUNE_BUILTIN_RERANKERS", str(tmp_path / "none"))
    assert effective_rerank("default") == "" and effective_rerank("") == ""
    assert effective_rerank("c102d19850fb") == "c102d19850fb" and effective_rerank("/m") == "/m"


def test_a_changed_builtin_is_refused(tmp_path, monkeypatch):
    import shutil

    from ragtune.appliance.rerank import effective_rerank

    src = _shipped(monkeypatch)
    shutil.copytree(src, tmp_path / "r" / "default")
    monkeypatch.setenv("RAGTUNE_BUILTIN_RERANKERS", str(tmp_path / "r"))
    model = tmp_path / "r" / "default" / "reranker.json"
    model.write_text(model.read_text(encoding="utf-8").replace("0.", "1.", 1), encoding="utf-8")
    with pytest.raises(ModelError, match="does not match the sha256"):
        effective_rerank("default")
    (tmp_path / "r" / "default" / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="manifest"):
        effective_rerank("default")


def test_terms_fold_accents_so_a_question_typed_without_them_meets_its_source():
    from ragtune.appliance.rerank_features import terms
    assert terms("Who is Bjorn Akesson?") == terms("Who is Björn Åkesson?") == ["bjorn", "akesson"]
    assert terms("Geschäftsführer der Müller GmbH") == ["geschaftsfuhrer", "der", "muller", "gmbh"]
    assert terms("the final price of 62 pounds") == terms("the ﬁnal price of 62 pounds")  # a ligature
    assert terms("plain ASCII text stays as it was") == ["plain", "ascii", "text", "stay"]
