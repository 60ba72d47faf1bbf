"""Fusion fitted to one home (`ragtune eval retrieval --tune`): search the fusion method and its weights on the
DEV half of a set's queries (hash split), report dev and held-out TEST numbers, and write the pick into the home's
config when it beats what is configured on dev.

Fusion only (no rerank/MMR/trim): each query's BM25 and vector lists (with scores, `candidates` per retriever,
for the normalised query and, when it adds words, the query as typed) are collected once and re-fused per
setting, built as `Retriever.rank` builds them: the typed wording only at an `original_query_weight` above 0,
its vector list only with `original_query_vectors`, a keyword list complete when no hit lay past `candidates`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

from ..fusion import fuse
from ..retrieve import _adds_words
from .ranking import mean_metrics, query_metrics, ranked_units, split_of

# RRF is invariant to scaling all weights, and z-score fusion ranks the same under it: one weight stays fixed.
GRID: dict[str, dict[str, list[Any]]] = {
    "rrf": {"bm25_weight": [0.5, 0.75, 1.0, 1.5, 2.0, 3.0], "rrf_k": [5, 10, 20, 30, 60, 100],
            # k < 5 is left out a priori: as k -> 0 RRF becomes "whichever list ranks it first wins"
            "original_query_weight": [0.0, 0.5, 1.0, 2.0, 4.0]},
    "zscore": {"bm25_weight": [0.5, 0.67, 0.8, 1.0, 1.22, 1.5, 2.0, 3.0],
               "original_query_weight": [0.0, 0.5, 1.0, 2.0, 4.0]},
}
TUNED_KEYS = ("fusion", "bm25_weight", "vector_weight", "rrf_k", "original_query_weight")


def collect_runs(ctx: dict[str, Any], *, normalize: bool = True) -> dict[str, dict[str, Any]]:
    """{qid: {"bm25": [meant, original?], "vector": [meant, original?], "complete": [meant, original?], "plain":
    the same for the text as given alone}}: scored lists, `candidates` long; "complete": whether that keyword list
    held every hit (one more was asked for, as `Retriever.rank` asks). The original wording only where it adds
    words, its vector list only where rank searches it (`original_query_vectors`)."""
    retr = ctx["retriever"]
    c = retr.cfg.candidates

    def search(text: str, vectors: bool = True) -> tuple[list, bool, list | None]:  # (keyword, complete, vector)
        bm = retr.bm25(text, c + 1)
        return bm[:c], len(bm) <= c, retr.vector(ctx["qvec"][text], c) if vectors else None

    runs = {}
    for q in ctx["queries"]:
        nq, raw = ctx["texts"][q["_id"]]
        meant = search(nq if normalize else raw)
        got = [meant]
        if normalize and raw != nq and _adds_words(raw, nq):
            got.append(search(raw, retr.cfg.original_query_vectors))
        plain = got[-1] if raw == nq or not normalize or (len(got) > 1 and got[1][2] is not None) else search(raw)
        runs[q["_id"]] = {"bm25": [g[0] for g in got], "complete": [g[1] for g in got],
                          "vector": [g[2] for g in got if g[2] is not None],
                          "plain": {"bm25": [plain[0]], "complete": [plain[1]], "vector": [plain[2]]}}
    return runs


def fused_run(run: dict[str, Any], setting: dict[str, Any]) -> list[tuple[int, float]]:
    """One query's collected lists fused under `setting`: the lists `Retriever.rank` would fuse under it."""
    lists: dict[str, list[tuple[int, float]]] = {}
    weights: dict[str, float] = {}
    complete: list[str] = []
    for name in ("bm25", "vector"):
        w = setting[f"{name}_weight"]
        for i, items in enumerate(run[name]):
            if i > 0 and setting["original_query_weight"] <= 0:  # rank does not search the original then
                continue
            lists[f"{name}.{i}"] = items
            weights[f"{name}.{i}"] = w * (1.0 if i == 0 else setting["original_query_weight"])
            if name == "bm25" and run["complete"][i]:
                complete.append(f"{name}.{i}")
    return fuse(setting["fusion"], lists, weights, setting.get("rrf_k", 60), complete)


def fusion_metrics(ctx: dict[str, Any], runs: dict[str, Any], setting: dict[str, Any], qids: Sequence[str]) -> dict[str, float]:
    """Mean metrics of one fusion setting over `qids`."""
    per = []
    for qid in qids:
        fused = fused_run(runs[qid], setting)
        per.append(query_metrics(ranked_units([c for c, _ in fused], ctx, qid), ctx["qrels"][qid]))
    return mean_metrics(per)


def _grid() -> list[dict[str, Any]]:
    out = []
    for method, g in GRID.items():
        for wb in g["bm25_weight"]:
            for rk in g.get("rrf_k", [60]):
                for wo in g["original_query_weight"]:
                    out.append({"fusion": method, "bm25_weight": wb, "vector_weight": 1.0, "rrf_k": rk,
                                "original_query_weight": wo})
    return out


def tune(ctx: dict[str, Any], *, seed: str = "ragtune", select: str = "ndcg@10", normalize: bool = True) -> dict[str, Any]:
    """The best setting on dev (ties: closer to equal weights, then RRF's usual k) and the report rows."""
    runs = collect_runs(ctx, normalize=normalize)
    qids = [q["_id"] for q in ctx["queries"]]
    dev = [q for q in qids if split_of(q, seed) == "dev"]
    test = [q for q in qids if split_of(q, seed) == "test"]
    table = [dict(s, dev=fusion_metrics(ctx, runs, s, dev)) for s in _grid()]
    best = max(table, key=lambda r: (r["dev"][select], r["dev"]["recall@6"], -abs(math.log(r["bm25_weight"])),
                                     -abs(r["rrf_k"] - 60)))
    cfg = ctx["retriever"].cfg

    def report(setting: dict[str, Any], plain: bool = False) -> dict[str, Any]:
        r = runs if not plain else {q: runs[q]["plain"] for q in qids}  # the text as given
        return dict(setting, **{split: fusion_metrics(ctx, r, setting, ids)
                                for split, ids in (("dev", dev), ("test", test), ("all", qids))})

    current = {k: getattr(cfg, k) for k in TUNED_KEYS}
    if not normalize:
        current["original_query_weight"] = 0.0
    naive = {"fusion": "rrf", "bm25_weight": 1.0, "vector_weight": 1.0, "rrf_k": 60, "original_query_weight": 0.0}
    pick = {k: best[k] for k in TUNED_KEYS}
    return {"queries": {"dev": len(dev), "test": len(test)}, "select": select,
            "best": report(pick), "current": report(current),
            "plain_rrf": report(naive), "plain_rrf_original_text": report(naive, plain=True),
            "single": {"bm25": report(dict(naive, vector_weight=0.0)), "vector": report(dict(naive, bm25_weight=0.0))},
            "grid": table}


def write_fusion(config_path: Path | str, result: dict[str, Any], *, select: str = "ndcg@10") -> dict[str, Any] | None:
    """Write the tuned fusion into [retrieve] of `config_path` when it beats the current setting on dev, as
    `ragtune config set` edits the file (config_edit.update_config: its comments, other lines, mode and symlink
    kept; validated as a whole before it replaces the old one, atomically). Returns what was written, or None."""
    from ..config_edit import update_config

    best, current = result["best"], result["current"]
    if best["dev"][select] <= current["dev"][select]:
        return None
    changes = {k: best[k] for k in TUNED_KEYS}
    update_config(Path(config_path), {f"retrieve.{k}": v for k, v in changes.items()}, what="the tuned fusion")
    return changes

