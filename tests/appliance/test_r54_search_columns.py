"""`ragtune search`'s table (round 54, mend1): it printed the hits in the reranker's order beside the fused score
alone, so rank 2 (fused 0.42) read as a mis-sort below rank 3 (0.58). Now `fused` is the hit's rank:score in the fused
list, a `rerank` column shows the reranker's score where one ran, and when # is not the fused order one stderr line
says what it is; `--json` adds each hit's `fused_rank` and renames nothing."""

from __future__ import annotations

import json

from ragtune.appliance.retrieve import RetrievalResult
from ragtune.appliance.types import Hit
from ragtune.cli import main
from ragtune.cli.search_cmd import print_hits

from .search_helpers import searchable_home


def _hit(cid: int, fused: float, rerank: float | None = None) -> Hit:
    return Hit(chunk_id=cid, doc_id=1, text=f"text {cid}", source=f"/d/{cid}.md", bm25_rank=cid, bm25_score=1.0,
               fused=fused, rerank=rerank)


def _result(order: list[int], reranked: bool) -> RetrievalResult:
    fused = {1: 0.58, 2: 0.42, 3: 0.30}
    cands = [_hit(c, fused[c]) for c in (1, 2, 3)]
    scores = {1: 0.1, 2: 3.2, 3: -1.0}
    hits = [_hit(c, fused[c], scores[c] if reranked else None) for c in order]
    return RetrievalResult(hits=hits, normalized_query="q", retrieval_ms=1.0, candidates=cands)


def test_a_reranked_table_shows_the_fused_rank_and_the_rerank_score(capsys):
    print_hits(_result([2, 1, 3], reranked=True))
    out, err = capsys.readouterr()
    head, first, _, second, _, third, _ = out.splitlines()
    assert head.split() == ["#", "fused", "bm25", "vector", "rerank", "source"]
    assert first.split()[:2] == ["1", "2:0.4200"] and first.split()[4] == "3.200"  # fused rank 2 served first
    assert second.split()[:2] == ["2", "1:0.5800"] and second.split()[4] == "0.100"
    assert third.split()[:2] == ["3", "3:0.3000"]
    assert "# is the served order: by the reranker's score blended with the fused score, then MMR diversity" in err


def test_a_table_in_the_fused_order_has_no_rerank_column_and_no_note(capsys):
    print_hits(_result([1, 2, 3], reranked=False))
    out, err = capsys.readouterr()
    assert out.splitlines()[0].split() == ["#", "fused", "bm25", "vector", "source"]
    assert out.splitlines()[1].split()[:2] == ["1", "1:0.5800"]
    assert err == ""


def test_mmr_alone_moving_a_hit_is_said_too(capsys):
    print_hits(_result([1, 3, 2], reranked=False))
    assert "# is the served order: by the fused score, then MMR diversity" in capsys.readouterr().err


class _Reverse:
    """A reranker that puts the fused list upside down (weight 1: its order alone)."""

    weight = 1.0

    def score(self, query, texts):
        return [float(i) for i in range(len(texts))]


def _reranked_home(home, monkeypatch):
    searchable_home(home, monkeypatch, reranker=_Reverse(), mmr_lambda=1.0)


def test_search_end_to_end_with_a_reranker(home, monkeypatch, capsys):
    _reranked_home(home, monkeypatch)
    assert main(["search", "capital of France bread", "--k", "3", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    rows = out.splitlines()[1::2]
    assert "rerank" in out.splitlines()[0] and "# is the served order" in err
    fused_ranks = [int(r.split()[1].split(":")[0]) for r in rows]
    assert fused_ranks != sorted(fused_ranks)  # the reranker's order, each hit's fused rank shown
    assert main(["search", "capital of France bread", "--k", "3", "--no-cache", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert [h["fused_rank"] for h in obj["hits"]] == fused_ranks
    assert all({"fused", "rerank", "bm25_rank", "vector_rank", "chunk_id"} <= set(h) for h in obj["hits"])
