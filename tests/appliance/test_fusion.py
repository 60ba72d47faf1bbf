"""Fusion, MMR, budget trimming and the TTL/LRU cache as plain functions."""

import numpy as np
import pytest

from ragtune.appliance.fusion import rrf_fuse
from ragtune.appliance.rankstages import mmr_order, trim_to_budget
from ragtune.appliance.retrieve import TTLCache
from ragtune.appliance.types import Hit


def test_rrf_scores_and_order():
    fused = rrf_fuse({"bm25": [1, 2, 3], "vector": [3, 1]}, {"bm25": 1.0, "vector": 1.0}, 60)
    scores = dict(fused)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[2] == pytest.approx(1 / 62)
    assert [c for c, _ in fused] == [1, 3, 2]


def test_rrf_weights_shift_the_winner():
    runs = {"bm25": [1, 2], "vector": [2, 1]}
    assert rrf_fuse(runs, {"bm25": 2.0, "vector": 1.0}, 10)[0][0] == 1
    assert rrf_fuse(runs, {"bm25": 1.0, "vector": 2.0}, 10)[0][0] == 2


def test_rrf_ties_are_deterministic():
    runs = {"bm25": [5, 7], "vector": [7, 5]}
    a = rrf_fuse(runs, {"bm25": 1, "vector": 1}, 60)
    b = rrf_fuse(dict(reversed(list(runs.items()))), {"bm25": 1, "vector": 1}, 60)
    assert a == b and [c for c, _ in a] == [5, 7]


def test_rrf_zero_weight_keeps_items_last():
    fused = rrf_fuse({"bm25": [9], "vector": [1, 2]}, {"bm25": 0.0, "vector": 1.0}, 60)
    assert [c for c, _ in fused] == [1, 2, 9]


def test_rrf_empty():
    assert rrf_fuse({"bm25": [], "vector": []}, {}, 60) == []


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_mmr_identity_when_lambda_one():
    vecs = np.stack([_unit([1, 0]), _unit([1, 0]), _unit([0, 1])])
    assert mmr_order([3, 2, 1], vecs, 3, 1.0) == [0, 1, 2]


def test_mmr_demotes_near_duplicate():
    vecs = np.stack([_unit([1, 0]), _unit([1, 0.01]), _unit([0, 1])])
    assert mmr_order([1.0, 0.9, 0.8], vecs, 2, 0.5) == [0, 2]


def test_mmr_zero_vectors_are_not_similar():
    vecs = np.stack([_unit([1, 0]), np.zeros(2, np.float32), _unit([1, 0])])
    assert mmr_order([1.0, 0.9, 0.8], vecs, 2, 0.5) == [0, 1]


def test_mmr_k_larger_than_pool():
    assert mmr_order([1.0], None, 5, 0.5) == [0]
    assert mmr_order([], None, 5, 0.5) == []


def _hit(i, n, text="w " * 10):
    return Hit(chunk_id=i, doc_id=i, text=text, source=f"d{i}", n_tokens=n)


def test_trim_drops_lowest_ranked_whole_chunks():
    hits = [_hit(1, 40), _hit(2, 40), _hit(3, 40)]
    assert [h.chunk_id for h in trim_to_budget(hits, 100)] == [1, 2]
    assert [h.chunk_id for h in trim_to_budget(hits, 120)] == [1, 2, 3]


def test_trim_cuts_only_a_single_oversized_top_chunk():
    hits = [_hit(1, 500, "abc " * 500), _hit(2, 10)]
    out = trim_to_budget(hits, 100, truncate=lambda text, budget: text[: budget * 4])
    assert len(out) == 1 and out[0].chunk_id == 1 and len(out[0].text) == 400 and out[0].n_tokens == 100
    assert hits[0].text == "abc " * 500  # the input is not modified


def test_trim_counts_when_n_tokens_missing():
    hits = [_hit(1, 0, "a b c"), _hit(2, 0, "a b c d")]
    assert len(trim_to_budget(hits, 5, count=lambda t: len(t.split()))) == 1


def test_cache_lru_and_ttl():
    now = [0.0]
    c = TTLCache(maxsize=2, ttl_s=10, clock=lambda: now[0])
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1  # a is now most recent
    c.put("c", 3)  # evicts b
    assert c.get("b") is None and c.get("a") == 1 and c.get("c") == 3
    now[0] = 11
    assert c.get("a") is None and len(c) == 1


def test_cache_ttl_zero_disables():
    c = TTLCache(ttl_s=0)
    c.put("a", 1)
    assert c.get("a") is None


# -- z-score fusion (ragtune.appliance.fusion) -----------------------------------------------------------------

from ragtune.appliance.fusion import fuse, zscore_fuse, zscores  # noqa: E402


def test_zscores_standardise_and_flat_lists_carry_no_information():
    z = zscores([3.0, 2.0, 1.0])
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0) and z[0] > z[1] > z[2]
    assert list(zscores([0.5, 0.5, 0.5])) == [0.0, 0.0, 0.0] and list(zscores([7.0])) == [0.0]
    assert zscores([]).size == 0


def test_zscore_fusion_follows_the_confident_list():
    # BM25 is sure of chunk 1 (far above the rest); the vector list is flat (it does not know) and ranks 2 first.
    bm25 = [(1, 20.0), (2, 5.0), (3, 4.8), (4, 4.6)]
    vec = [(2, 0.41), (1, 0.40), (3, 0.40), (4, 0.39)]
    weights = {"bm25": 1.0, "vector": 1.0}
    assert zscore_fuse({"bm25": bm25, "vector": vec}, weights)[0][0] == 1
    # RRF only sees ranks: the vector list's first place counts as much as BM25's
    rr = fuse("rrf", {"bm25": bm25, "vector": vec}, {"bm25": 1.0, "vector": 1.1}, 60)
    assert rr[0][0] == 2


def test_zscore_missing_documents_get_the_lists_minimum_and_ties_are_deterministic():
    fused = dict(zscore_fuse({"a": [(1, 3.0), (2, 1.0)], "b": [(3, 2.0), (1, 1.0)]}, {"a": 1.0, "b": 1.0}))
    za, zb = zscores([3.0, 1.0]), zscores([2.0, 1.0])
    assert fused[2] == pytest.approx(za[1] + zb.min()) and fused[3] == pytest.approx(za.min() + zb[0])
    x = zscore_fuse({"a": [(5, 1.0), (7, 0.0)], "b": [(7, 1.0), (5, 0.0)]}, {"a": 1, "b": 1})
    y = zscore_fuse({"b": [(7, 1.0), (5, 0.0)], "a": [(5, 1.0), (7, 0.0)]}, {"a": 1, "b": 1})
    assert x == y and [c for c, _ in x] == [5, 7]


def test_zero_weight_lists_only_contribute_candidates():
    out = zscore_fuse({"a": [(1, 2.0), (2, 1.0)], "b": [(9, 5.0)]}, {"a": 1.0, "b": 0.0})
    assert out[0][0] == 1 and 9 in dict(out) and dict(out)[9] == pytest.approx(dict(out)[2])


def test_fuse_rejects_unknown_methods():
    with pytest.raises(ValueError):
        fuse("borda", {}, {})


def test_interpolate_spans_the_fused_and_the_reranker_order():
    from ragtune.appliance.fusion import interpolate

    fused, rr = [3.0, 2.0, 1.0], [0.0, 10.0, 5.0]
    assert list(np.argsort(-interpolate(fused, rr, 0.0))) == [0, 1, 2]  # weight 0: the fused order, exactly
    assert list(np.argsort(-interpolate(fused, rr, 1.0))) == [1, 2, 0]  # weight 1: the reranker's
    # scales do not matter (both standardised): a reranker 1000x louder moves nothing more
    assert np.allclose(interpolate(fused, rr, 0.5), interpolate(fused, [1000 * s for s in rr], 0.5))
    assert np.allclose(interpolate([1.0, 1.0], [2.0, 2.0], 0.5), 0.0)  # flat lists carry no information
