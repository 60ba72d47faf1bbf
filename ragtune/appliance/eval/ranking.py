"""Ranking metrics of retrieval evaluation (trec_eval / pytrec_eval definitions, as BEIR uses) and the mapping of
a chunk ranking to a query's ranking of judged units. Plain functions, shared by `retrieval.py` and
`fusion_tune.py`."""

from __future__ import annotations

import hashlib
import math
from typing import Any, Sequence

METRICS = ("ndcg@10", "recall@1", "recall@6", "recall@20", "mrr@10")


# -- metrics ------------------------------------------------------------------------------------------------------

def ndcg_at(ranked: Sequence[str], qrels: dict[str, int], k: int = 10) -> float:
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    if idcg == 0:
        return 0.0
    dcg = sum(qrels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if qrels.get(d, 0) > 0)
    return dcg / idcg


def recall_at(ranked: Sequence[str], qrels: dict[str, int], k: int) -> float:
    rel = {d for d, g in qrels.items() if g > 0}
    if not rel:
        return 0.0
    return len(rel.intersection(ranked[:k])) / len(rel)


def mrr_at(ranked: Sequence[str], qrels: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k], start=1):
        if qrels.get(d, 0) > 0:
            return 1.0 / i
    return 0.0


def query_metrics(ranked: Sequence[str], qrels: dict[str, int]) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at(ranked, qrels, 10),
        "recall@1": recall_at(ranked, qrels, 1),
        "recall@6": recall_at(ranked, qrels, 6),
        "recall@20": recall_at(ranked, qrels, 20),
        "mrr@10": mrr_at(ranked, qrels, 10),
    }


def mean_metrics(per_query: Sequence[dict[str, float]]) -> dict[str, float]:
    if not per_query:
        return {m: 0.0 for m in METRICS}
    return {m: round(sum(q[m] for q in per_query) / len(per_query), 4) for m in METRICS}


def dedupe_docs(chunk_ids: Sequence[int], doc_of: dict[int, str | None]) -> list[str]:
    """Chunk ranking -> document ranking (first occurrence wins); chunks of other documents keep their slot as
    a non-relevant entry so that foreign documents in a shared home still cost rank positions."""
    seen: set[str] = set()
    out: list[str] = []
    for cid in chunk_ids:
        d = doc_of.get(cid)
        key = d if d is not None else f"\0chunk{cid}"
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def split_of(qid: str, seed: str = "ragtune") -> str:
    """Deterministic ~50/50 dev/test split by a hash of the query id (stable across runs and machines)."""
    return "dev" if hashlib.sha256(f"{seed}:{qid}".encode()).digest()[0] % 2 == 0 else "test"


def ranked_units(chunk_ids: Sequence[int], ctx: dict[str, Any], qid: str) -> list[str]:
    """A chunk ranking as the query's ranking of judged units (see RetrievalSet)."""
    over = ctx["units"].get(qid)
    if not over:
        return dedupe_docs(chunk_ids, ctx["doc_of"])
    doc_of = ctx["doc_of"]
    return dedupe_docs(chunk_ids, {c: over.get(c, doc_of.get(c)) for c in chunk_ids})
