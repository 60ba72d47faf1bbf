"""Round 54 (mend4, reviewer readB on h1's complete keyword lists): a complete list is standardised over the
fused pool, so (5) the pool must not hold the candidates of lists with weight 0, and the tuner must fuse the
lists `Retriever.rank` fuses (no original wording at weight 0, no original vectors with original_query_vectors
off); (6) a keyword list of exactly `candidates` hits is complete when there was no hit past it (one more is
asked for); (7) equal scores of a complete list, zeros included, are standardised as found / not found."""

from __future__ import annotations

import numpy as np
import pytest

from ragtune.appliance import retrieve as retrieve_mod
from ragtune.appliance.eval.fusion_tune import TUNED_KEYS, collect_runs, fused_run
from ragtune.appliance.fusion import flat_zscores, pool_zscores, zscore_fuse
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.retrieve import Retriever

from .ingest_helpers import FakeEmbedder

VECTOR = [(100 + i, 0.6 - 0.006 * i) for i in range(50)]


# -- 5: weight-0 lists -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bm", [[(1, 10.0), (2, 4.0)], [(1, 10.0)], [(1, 4.0), (2, 4.0)]])
def test_a_list_with_weight_0_moves_no_other_lists_z_scores(bm):
    extra = [(500 + i, 0.5 - 0.005 * i) for i in range(50)]  # e.g. the original wording's vector list, weight 0
    served = zscore_fuse({"bm25.0": bm, "vector.0": VECTOR}, {"bm25.0": 1, "vector.0": 1}, ["bm25.0"])
    tuned = zscore_fuse({"bm25.0": bm, "vector.0": VECTOR, "vector.1": extra},
                        {"bm25.0": 1, "vector.0": 1, "vector.1": 0.0}, ["bm25.0"])
    assert [(c, pytest.approx(s)) for c, s in tuned if c < 500] == served  # readB p11: chunk 2 ranked 2nd, not 12th
    assert {c for c, _ in tuned} == {c for c, _ in served} | {c for c, _ in extra}  # its candidates stay


class _Docs:
    TEXTS = ["The quokka colony on Rottnest island grows every spring.",
             "Penguins nest along the southern coast in winter.",
             "The harbour ferry leaves at nine and returns at five.",
             "Island rangers count the quokka population each year.",
             "A lighthouse guides ships past the reef at night.",
             "Spring rain fills the island lakes with fresh water."]


@pytest.fixture
def corpus(settings, tmp_path, tokenizer):
    root = tmp_path / "share"
    root.mkdir()
    for i, text in enumerate(_Docs.TEXTS):
        (root / f"d{i}.txt").write_text(text + "\n", encoding="utf-8")
    emb = FakeEmbedder(tokenizer)
    assert not ingest_paths(settings, [root], embedder=emb).failed
    return emb


@pytest.mark.parametrize("vectors", [True, False])
@pytest.mark.parametrize("weight", [0.0, 2.0])
def test_the_tuner_fuses_the_lists_rank_fuses(settings, corpus, weight, vectors):
    # 3 candidates of 6 chunks: the repair's lists hold chunks the meant wording's do not
    s = settings.replace("retrieve", cache=False, k=3, candidates=3, original_query_weight=weight,
                         original_query_vectors=vectors)
    queries = {"q1": ("quokka island spring", "the harbour ferry leaves, no, quokka island spring"),  # a repair: adds words
               "q2": ("quokka island", "quokka quokka island"),  # a stutter: rank does not search it again
               "q3": ("lighthouse reef", "lighthouse reef")}
    emb = corpus
    with Retriever(s, embedder=emb) as retr:
        ctx = {"retriever": retr, "queries": [{"_id": q} for q in queries], "texts": queries,
               "qvec": {t: emb.encode_query(t) for pair in queries.values() for t in pair}}
        runs = collect_runs(ctx)
        setting = {k: getattr(s.retrieve, k) for k in TUNED_KEYS}
        for qid, (nq, raw) in queries.items():
            served = retr.rank(nq, original=raw)
            tuned = fused_run(runs[qid], setting)
            assert [c for c, _ in tuned] == [h.chunk_id for h in served], qid
            assert [f for _, f in tuned] == pytest.approx([h.fused for h in served]), qid
        assert len(runs["q1"]["bm25"]) == 2 and len(runs["q1"]["vector"]) == (2 if vectors else 1)
        assert len(runs["q2"]["bm25"]) == 1 and len(runs["q2"]["vector"]) == 1
        ferry = {h.chunk_id for h in retr.rank("ferry")[:1]}
        assert bool(ferry & {c for c, _ in fused_run(runs["q1"], setting)}) is (weight > 0)  # only the repair finds it
        # the report's "text as given" is that text's own lists, whatever rank searches
        assert runs["q2"]["plain"]["bm25"][0] == retr.bm25("quokka quokka island", 3)
        assert runs["q1"]["plain"]["vector"][0] == retr.vector(emb.encode_query(queries["q1"][1]), 3)


# -- 6: a list of exactly `candidates` hits ----------------------------------------------------------------------

@pytest.mark.parametrize("matching, complete", [(4, True), (5, False), (3, True)])
def test_a_keyword_list_of_exactly_candidates_hits_is_complete_when_nothing_lies_past_it(
        settings, tmp_path, tokenizer, monkeypatch, matching, complete):
    root = tmp_path / "share"
    root.mkdir()
    for i in range(10):
        word = "zorblat" if i < matching else "plain"
        (root / f"d{i}.txt").write_text(f"Note {i}: the {word} report of week {i} for the depot.\n", encoding="utf-8")
    emb = FakeEmbedder(tokenizer)
    s = settings.replace("retrieve", cache=False, k=3, candidates=4)
    assert not ingest_paths(s, [root], embedder=emb).failed
    seen = []

    def spy(method, lists, weights, rrf_k=60, complete=()):
        seen.append((dict(lists), list(complete)))
        return real(method, lists, weights, rrf_k, complete)

    real = retrieve_mod.fuse
    monkeypatch.setattr(retrieve_mod, "fuse", spy)
    with Retriever(s, embedder=emb) as retr:
        hits = retr.rank("zorblat")
    lists, names = seen[-1]
    assert len(lists["bm25.0"]) == min(matching, 4)  # one more was asked for, only `candidates` kept
    assert ("bm25.0" in names) is complete
    assert max(h.bm25_rank or 0 for h in hits) == min(matching, 4)


# -- 7: equal scores of a complete list --------------------------------------------------------------------------

@pytest.mark.parametrize("score", [0.0, 4.2, 1e200])
def test_equal_scores_of_a_complete_list_are_found_or_not(score):
    z, miss = pool_zscores([score, score], 80)
    hit, floor = flat_zscores(2, 80)
    assert list(z) == pytest.approx([hit, hit]) and miss == pytest.approx(floor)  # readB p4: zeros were 0 / 0
    fused = zscore_fuse({"bm25": [(1, score), (2, score)], "vector": VECTOR}, {"bm25": 1.2, "vector": 1.0}, ["bm25"])
    assert [c for c, _ in fused[:2]] == [1, 2]


def test_huge_scores_are_standardised_as_their_scaled_down_copies():
    z, miss = pool_zscores([3e200, 1e200], 10)
    z2, miss2 = pool_zscores([3.0, 1.0], 10)
    assert np.all(np.isfinite(z)) and list(z) + [miss] == pytest.approx(list(z2) + [miss2])
