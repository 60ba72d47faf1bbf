"""Round 53 (h7): an exact id that only the keyword index finds must rank. A BM25 list of one hit (or of equal
scores) used to standardise to all zeros, the floor it gave every chunk it missed, so the only exact match tied
the vector-only chunks and fell below them (`ragtune search "SH012345"` showed no keyword hit). fusion.py now
standardises a flat list as found / not found over the fused candidates (`flat_zscores`)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ragtune.appliance.fusion import flat_zscores, fuse, interpolate, rrf_fuse, zscore_fuse, zscores
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.retrieve import Retriever

from .ingest_helpers import FakeEmbedder

VECTOR = [(50009, 0.366), (50011, 0.356), (13259, 0.338), (777, 0.30)]
W = {"bm25": 1.2, "vector": 1.0}


def test_h7_repro_one_bm25_hit_ranks_first():
    fused = zscore_fuse({"bm25": [(12353, 9.94)], "vector": VECTOR}, W)
    assert fused[0][0] == 12353
    assert [c for c, _ in fused[1:]] == [c for c, _ in VECTOR]  # the vector order below it is kept


def test_equal_scores_are_flat_too_and_both_hits_beat_the_misses():
    # 50 vector candidates (the default `candidates`), cosines spread like MiniLM's; two equal keyword hits
    vector = [(100 + i, 0.6 - 0.006 * i) for i in range(50)]
    fused = zscore_fuse({"bm25": [(1, 4.2), (2, 4.2)], "vector": vector}, W)
    assert [c for c, _ in fused[:2]] == [1, 2]  # tie: best single rank, then id


def test_flat_zscores_are_the_found_indicator_standardised_over_the_pool():
    hit, miss = flat_zscores(1, 5)
    z = zscores([1.0, 0, 0, 0, 0])
    assert hit == pytest.approx(z[0]) and miss == pytest.approx(z[1])
    assert flat_zscores(1, 50)[0] - flat_zscores(1, 50)[1] == pytest.approx(50 / np.sqrt(49))
    assert flat_zscores(3, 3) == (0.0, 0.0)  # found every candidate: says nothing
    assert flat_zscores(0, 3) == (0.0, 0.0)


def test_a_flat_list_that_covers_every_candidate_changes_nothing():
    one = zscore_fuse({"bm25": [(7, 3.0)]}, {"bm25": 1.0})  # bm25 mode alone, one hit
    assert one == [(7, 0.0)]
    alone = zscore_fuse({"vector": VECTOR}, W)
    both = zscore_fuse({"vector": VECTOR, "bm25": [(c, 2.0) for c, _ in VECTOR]}, W)
    assert [c for c, _ in both] == [c for c, _ in alone]


def test_lists_with_a_spread_are_unchanged():
    bm = [(1, 9.0), (2, 4.0), (3, 3.5)]
    fused = dict(zscore_fuse({"bm25": bm, "vector": VECTOR}, W))
    zb, zv = zscores([s for _, s in bm]), zscores([s for _, s in VECTOR])
    assert fused[1] == pytest.approx(1.2 * zb[0] + 1.0 * zv.min())
    assert fused[777] == pytest.approx(1.2 * zb.min() + 1.0 * zv[3])


def test_rrf_and_interpolate_have_no_such_flaw():
    # RRF counts ranks: a lone hit gets the first place's share, above the vector list's first with w_b >= w_v
    assert rrf_fuse({"bm25": [12353], "vector": [c for c, _ in VECTOR]}, W, 5)[0][0] == 12353
    assert fuse("rrf", {"bm25": [(12353, 9.94)], "vector": VECTOR}, W, 5)[0][0] == 12353
    # the rerank stage standardises over one common list (no missing documents): a flat side defers to the other
    assert list(interpolate([1.0, 1.0, 1.0], [0.2, 0.9, 0.1], 0.5)) == pytest.approx(list(0.5 * zscores([0.2, 0.9, 0.1])))
    assert list(interpolate([3.0, 2.0, 1.0], [5.0, 5.0, 5.0], 0.5)) == pytest.approx(list(0.5 * zscores([3.0, 2.0, 1.0])))


class IdBlindEmbedder(FakeEmbedder):
    """The fake bag-of-words embedder, blind to words with digits, as MiniLM is to a shipment number."""

    def _vec(self, text: str) -> np.ndarray:
        return super()._vec(" ".join(w for w in re.findall(r"\w+", text) if not re.search(r"\d", w)))


def test_end_to_end_an_id_in_one_csv_row_is_the_first_hit(settings, tmp_path, tokenizer):
    root = tmp_path / "share"
    root.mkdir()
    rows = ["shipment_id,date,depot,weight_kg,status"]
    depots = ["Utrecht", "Rotterdam", "Leiden", "Delft"]
    for i in range(120):
        rows.append(f"SH{10000 + i:06d},2024-11-{1 + i % 28:02d},{depots[i % 4]},{100 + i},"
                    f"{'delivered' if i % 3 else 'in transit'}")
    (root / "shipments.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    emb = IdBlindEmbedder(tokenizer)
    s = settings.replace("retrieve", cache=False)
    summary = ingest_paths(s, [root], embedder=emb)
    assert not summary.failed
    with Retriever(s, embedder=emb) as retr:
        for mode in ("hybrid", "bm25"):
            hits = retr.retrieve("SH010077", mode=mode).hits
            assert hits and "SH010077" in hits[0].text, (mode, [h.text[:40] for h in hits[:3]])
            assert hits[0].bm25_rank == 1
        hybrid = retr.rank("SH010077")
        assert "SH010077" in hybrid[0].text and hybrid[0].vector_rank != 1  # found by keyword, first after fusion
