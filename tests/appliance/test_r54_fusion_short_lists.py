"""Round 54 (h1): a keyword list of a few hits with different scores must rank its hits. Round 53 fixed the flat
list (one hit, equal scores); a list of two hits of different scores was still standardised over its own two
entries (z = +1 / -1) while every chunk it missed got its floor (-1): the lower hit tied every miss and the top
one got only +1, so an exact id found only by the keyword index in two files ranked below vector-only chunks. A
keyword list shorter than it was asked for holds every chunk that matched (`complete`): a chunk missing from it
scored 0, so fusion.py standardises it over all fused candidates with its misses at 0."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ragtune.appliance.fusion import flat_zscores, fuse, pool_zscores, zscore_fuse, zscores
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.retrieve import Retriever

from .ingest_helpers import FakeEmbedder

W = {"bm25": 1.2, "vector": 1.0}
# 50 vector candidates (the default `candidates`), cosines spread like MiniLM's; none holds the id
VECTOR = [(100 + i, 0.6 - 0.006 * i) for i in range(50)]
# the id in two documents: BM25 differs by document length
BM25 = [(1, 9.94), (2, 8.71)]


def test_two_keyword_hits_rank_above_the_vector_only_chunks():
    fused = zscore_fuse({"bm25": BM25, "vector": VECTOR}, W, complete={"bm25"})
    assert [c for c, _ in fused[:2]] == [1, 2]
    assert [c for c, _ in fused[2:]] == [c for c, _ in VECTOR]  # the vector order below them is kept
    assert [c for c, _ in fuse("zscore", {"bm25": BM25, "vector": VECTOR}, W, complete=["bm25"])[:2]] == [1, 2]


@pytest.mark.parametrize("hits", [3, 4, 5])
def test_short_lists_of_a_few_hits_rank_them_all(hits):
    bm = [(i + 1, 10.0 - 0.6 * i) for i in range(hits)]
    fused = zscore_fuse({"bm25": bm, "vector": VECTOR}, W, complete={"bm25"})
    assert [c for c, _ in fused[:hits]] == [c for c, _ in bm]


def test_a_complete_list_is_standardised_over_the_pool_with_its_misses_at_zero():
    vec = VECTOR[:4]
    fused = dict(zscore_fuse({"bm25": BM25, "vector": vec}, W, complete={"bm25"}))
    pool = [1, 2] + [c for c, _ in vec]
    zb = dict(zip(pool, zscores([9.94, 8.71, 0, 0, 0, 0])))
    zv = zscores([s for _, s in vec])
    assert fused[1] == pytest.approx(1.2 * zb[1] + zv.min())
    assert fused[100] == pytest.approx(1.2 * zb[100] + zv[0])


def test_pool_zscores():
    z, miss = pool_zscores([9.94, 8.71], 6)
    assert list(z) + [miss] == pytest.approx(list(zscores([9.94, 8.71, 0, 0, 0, 0]))[:3])
    z, miss = pool_zscores([4.2, 4.2], 52)
    assert (z[0], miss) == pytest.approx(flat_zscores(2, 52))
    z, miss = pool_zscores([3.0, 2.0, 1.0], 3)  # the whole pool: its own z-scores
    assert list(z) == pytest.approx(list(zscores([3.0, 2.0, 1.0]))) and miss == pytest.approx(z.min())
    z, miss = pool_zscores([1.0, -2.0], 4)  # a score below 0: the misses sit at the lowest one, never above it
    assert miss == pytest.approx(z[1]) and z[0] > miss
    z, miss = pool_zscores([0.0, 0.0], 5)  # equal zeros are equal scores too: a hit still beats a miss (mend4)
    assert (z[0], z[1], miss) == pytest.approx(flat_zscores(2, 5)[:1] * 2 + flat_zscores(2, 5)[1:])
    assert pool_zscores([], 5)[1] == 0.0


def test_the_flat_cases_are_the_same_as_round_53():
    # equal scores over the pool with misses at 0 are the found / not found indicator: flat_zscores
    flat = dict(zscore_fuse({"bm25": [(1, 4.2), (2, 4.2)], "vector": VECTOR}, W, complete={"bm25"}))
    hit, miss = flat_zscores(2, 52)
    zv = zscores([s for _, s in VECTOR])
    assert flat[1] == pytest.approx(1.2 * hit + zv.min()) and flat[100] == pytest.approx(1.2 * miss + zv[0])
    assert flat == pytest.approx(dict(zscore_fuse({"bm25": [(1, 4.2), (2, 4.2)], "vector": VECTOR}, W)))
    one = zscore_fuse({"bm25": [(7, 9.94)], "vector": VECTOR}, W, complete={"bm25"})
    assert one[0][0] == 7 and dict(one) == pytest.approx(dict(zscore_fuse({"bm25": [(7, 9.94)], "vector": VECTOR}, W)))
    assert [c for c, _ in one] == [c for c, _ in zscore_fuse({"bm25": [(7, 9.94)], "vector": VECTOR}, W)]


def test_a_list_that_covers_the_pool_or_is_cut_off_is_unchanged():
    bm = [(c, 5.0 - 0.1 * i) for i, (c, _) in enumerate(VECTOR)]  # found every candidate: nothing missing
    assert zscore_fuse({"bm25": bm, "vector": VECTOR}, W, complete={"bm25"}) == zscore_fuse({"bm25": bm, "vector": VECTOR}, W)
    # not complete (cut off at the limit): a miss may score just below its last hit, so it keeps the list's floor
    cut = dict(zscore_fuse({"bm25": BM25, "vector": VECTOR}, W))
    assert cut[2] == pytest.approx(1.2 * -1.0 + zscores([s for _, s in VECTOR]).min())
    assert cut[100] == pytest.approx(1.2 * -1.0 + zscores([s for _, s in VECTOR])[0])


def test_names_that_are_no_list_change_nothing():
    out = zscore_fuse({"bm25": BM25, "vector": VECTOR}, W, complete={"bm25", "unknown"})
    assert out == zscore_fuse({"bm25": BM25, "vector": VECTOR}, W, complete={"bm25"})
    assert zscore_fuse({"vector": VECTOR}, W, complete={"vector"}) == zscore_fuse({"vector": VECTOR}, W)


class IdBlindEmbedder(FakeEmbedder):
    """The fake bag-of-words embedder, blind to words with digits, as MiniLM is to a shipment number; a text of
    nothing else reads as a generic phrase, so the vector list has a spread (MiniLM's cosines are never flat)."""

    def _vec(self, text: str) -> np.ndarray:
        kept = " ".join(w for w in re.findall(r"\w+", text) if not re.search(r"\d", w))
        return super()._vec(kept or "Rotterdam delivered")


def test_end_to_end_an_id_in_two_files_gives_the_first_two_hits(settings, tmp_path, tokenizer):
    root = tmp_path / "share"
    root.mkdir()
    rows = ["shipment_id,date,depot,weight_kg,status"]
    depots = ["Utrecht", "Rotterdam", "Leiden", "Delft"]
    for i in range(120):
        rows.append(f"SH{10000 + i:06d},2024-11-{1 + i % 28:02d},{depots[i % 4]},{100 + i},"
                    f"{'delivered' if i % 3 else 'in transit'}")
    (root / "shipments.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "incident.txt").write_text(
        "Incident report. The pallet of shipment SH010077 was found damaged at the Leiden depot; the driver "
        "reported a broken strap and the customer was told the delivery moves to the next week.\n", encoding="utf-8")
    emb = IdBlindEmbedder(tokenizer)
    s = settings.replace("retrieve", cache=False)
    summary = ingest_paths(s, [root], embedder=emb)
    assert not summary.failed
    with Retriever(s, embedder=emb) as retr:
        assert len(retr.bm25("SH010077", 50)) == 2  # the id is in two chunks, and only there
        fused = retr.rank("SH010077")
        assert all("SH010077" in h.text for h in fused[:2]), [h.text[:40] for h in fused[:3]]
        assert {h.bm25_rank for h in fused[:2]} == {1, 2} and fused[0].bm25_score != fused[1].bm25_score
        hits = retr.retrieve("SH010077", mode="hybrid").hits
        assert sum("SH010077" in h.text for h in hits[:2]) == 2, [h.text[:40] for h in hits[:3]]
