"""Fusion of ranked lists (BM25 and vector, for the normalised query and, when it differs, the query as typed).

Two methods, both plain functions over `{list name: [(chunk id, score), …]}` (best first):

- `rrf` — weighted reciprocal rank fusion (Cormack et al. 2009): `Σ_r w_r / (rrf_k + rank_r(d))`. Uses ranks
  only, so a weak retriever's first places count as much as a strong one's, whatever its scores say.
- `zscore` — a convex combination of per-query standardised scores (the score-fusion family Bruch et al. 2023
  found more accurate and more sample-efficient than RRF): each list's scores become z-scores over that list's
  own candidates, `Σ_r w_r · z_r(d)`, with a document missing from a list given that list's lowest z. The z-score
  is the per-query calibration: a retriever that is sure (one candidate far above the rest) moves the fused
  order, one whose candidates all look alike (flat scores: it does not know) barely does. That is the
  adaptivity by agreement and confidence the fixed RRF weights lacked (docs/retrieval.md has the numbers).
  A flat list (one hit, or equal scores: an exact id found by keyword only) has no spread to standardise, but
  still says "these beat what I did not find": it is standardised as found / not found over all fused candidates.
  A *complete* list (`complete`: a keyword list shorter than it was asked for holds every chunk that matched a
  query term) knows its misses scored 0: it is standardised over all fused candidates with its misses at 0, so
  a short list of two to a handful of hits (an id in a few files) ranks them as a lone hit ranks, graded by their
  scores. A cut-off list (every vector list; a keyword list that filled its limit) keeps the floor above: a
  document below its cut-off may score just under its last hit. "All fused candidates" are those of the lists
  with a weight above 0: a weight-0 list changes no score, its candidates change no z-score either.

Ties: best single rank over the lists, then chunk id (deterministic).
"""

from __future__ import annotations

from typing import Collection, Sequence

import numpy as np

FUSIONS = ("rrf", "zscore")


def rrf_fuse(rankings: dict[str, Sequence[int]], weights: dict[str, float], rrf_k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: score(d) = sum_r w_r / (rrf_k + rank_r(d)), ranks from 1. Sorted by
    score desc, ties by best single rank, then id (deterministic)."""
    scores: dict[int, float] = {}
    best: dict[int, int] = {}
    for name, ranking in rankings.items():
        w = float(weights.get(name, 1.0))
        for rank, cid in enumerate(ranking, start=1):
            if w > 0:
                scores[cid] = scores.get(cid, 0.0) + w / (rrf_k + rank)
            else:
                scores.setdefault(cid, 0.0)
            best[cid] = min(best.get(cid, rank), rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], best[kv[0]], kv[0]))


def zscores(scores: Sequence[float]) -> np.ndarray:
    """Standardised scores of one list; a list of one, or of equal scores, is all zeros (no information)."""
    s = np.asarray(scores, dtype=np.float64)
    if s.size == 0:
        return s
    sd = s.std()
    return (s - s.mean()) / sd if sd > 1e-12 else np.zeros_like(s)


def flat_zscores(found: int, pool: int) -> tuple[float, float]:
    """(z of a hit, z of a miss) for a flat list (one hit, or equal scores) that found `found` of the `pool`
    fused candidates: the z-scores of found = 1 / not found = 0 over the pool. Without this a flat list's hits
    got z 0, the same as the floor it gives the documents it missed, so an exact id that only the keyword index
    finds tied every vector-only chunk and fell below them (round 53). The gap grows with the pool: one hit in
    50 gets z = sqrt(49) = 7 (its misses -1/7), as a lone top hit stands out of a list that has a spread."""
    if pool <= found or found <= 0:
        return 0.0, 0.0  # it found everything (or nothing): no information
    p = found / pool
    return float(np.sqrt((1.0 - p) / p)), -float(np.sqrt(p / (1.0 - p)))


def pool_zscores(scores: Sequence[float], pool: int) -> tuple[np.ndarray, float]:
    """(z of each hit, z of a miss) for a complete list: `scores` standardised over the `pool` fused candidates,
    the `pool - len(scores)` it missed at 0 (at the lowest score where that is below 0: a miss never outranks a
    hit). Equal scores give `flat_zscores` (equal zeros too: a hit still beats a miss); a list that holds the
    whole pool, its own `zscores`."""
    s = np.asarray(scores, dtype=np.float64)
    missed = pool - s.size
    if s.size == 0 or missed <= 0:
        z = zscores(s)
        return z, float(z.min()) if z.size else 0.0
    scale = float(np.abs(s).max())  # z-scores ignore the scale; squares of huge scores would overflow
    if scale == 0.0 or (s / scale).std() * scale <= 1e-12:  # equal scores, as zscore_fuse tells a flat list
        hit, miss_z = flat_zscores(s.size, pool)  # found / not found is all it says
        return np.full(s.size, hit), miss_z
    s = s / scale
    miss = min(0.0, float(s.min()))
    x = np.concatenate([s, [miss]])
    n = np.concatenate([np.ones(s.size), [missed]])  # the misses as one value counted `missed` times
    mean = float((x * n).sum() / pool)
    sd = float(np.sqrt((n * (x - mean) ** 2).sum() / pool))
    if sd <= 1e-12:  # pragma: no cover - scores with a spread keep it over the pool
        return np.zeros_like(s), 0.0
    return (s - mean) / sd, (miss - mean) / sd


def zscore_fuse(lists: dict[str, Sequence[tuple[int, float]]], weights: dict[str, float],
                complete: Collection[str] = ()) -> list[tuple[int, float]]:
    """Weighted sum of per-list z-scores (see the module docstring); a document absent from a list gets that
    list's minimum z (it ranked below the list's cut-off), for a flat list `flat_zscores`, and for a list named
    in `complete` (it holds every document its retriever scored) `pool_zscores`. Sorted like `rrf_fuse`.
    The pool those two count is the candidates of the lists with a weight: a weight-0 list adds nothing to any
    score, so it must not move the others' z-scores either (the tuner's weight-0 grid points, round 54)."""
    per: list[tuple[float, dict[int, float], float]] = []
    best: dict[int, int] = {}
    weighted: set[int] = set()
    for name, items in lists.items():
        for rank, (cid, _) in enumerate(items, start=1):
            best[cid] = min(best.get(cid, rank), rank)
        if float(weights.get(name, 1.0)) > 0:
            weighted.update(cid for cid, _ in items)
    pool = len(weighted)
    for name, items in lists.items():
        w = float(weights.get(name, 1.0))
        if w <= 0:
            continue
        s = np.asarray([sc for _, sc in items], dtype=np.float64)
        if name in complete and s.size and len({cid for cid, _ in items}) == s.size:
            z, floor = pool_zscores(s, pool)
            per.append((w, {cid: float(v) for (cid, _), v in zip(items, z)}, floor))
            continue
        if s.size and s.std() <= 1e-12:  # flat: found / not found is all it says
            hit, floor = flat_zscores(len({cid for cid, _ in items}), pool)
            per.append((w, {cid: hit for cid, _ in items}, floor))
            continue
        z = zscores(s)
        per.append((w, {cid: float(v) for (cid, _), v in zip(items, z)}, float(z.min()) if z.size else 0.0))
    fused = {cid: sum(w * zs.get(cid, floor) for w, zs, floor in per) for cid in best}
    return sorted(fused.items(), key=lambda kv: (-kv[1], best[kv[0]], kv[0]))


def interpolate(fused: Sequence[float], scores: Sequence[float], weight: float) -> np.ndarray:
    """The rerank stage's final score: `(1 - weight) * z(fused) + weight * z(reranker)` over the reranked list.
    Both are standardised over the list (the reranker's scale is its own), so `weight` = 0 keeps the fused
    order exactly, 1 is the reranker's order, and between a reranker only moves what it is confident about."""
    return (1.0 - weight) * zscores(fused) + weight * zscores(scores)


def fuse(method: str, lists: dict[str, Sequence[tuple[int, float]]], weights: dict[str, float],
         rrf_k: int = 60, complete: Collection[str] = ()) -> list[tuple[int, float]]:
    """(chunk id, fused score), best first, by `method` ("rrf" or "zscore"); `complete`: the lists that hold every
    document their retriever scored (`zscore_fuse`; RRF counts ranks only)."""
    if method == "rrf":
        return rrf_fuse({n: [cid for cid, _ in items] for n, items in lists.items()}, weights, rrf_k)
    if method == "zscore":
        return zscore_fuse(lists, weights, complete)
    raise ValueError(f"unknown fusion method {method!r} (one of: {', '.join(FUSIONS)})")
