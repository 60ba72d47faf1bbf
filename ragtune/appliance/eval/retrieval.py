"""Retrieval evaluation on a BEIR folder: nDCG@10, recall@1/@6/@20, MRR@10 for bm25, vector and hybrid, and a
grid search of the fusion weights on a dev split of the queries (reported on the held-out test split).

Definitions (as trec_eval / pytrec_eval, which BEIR uses):
- a document is relevant when its qrel grade is > 0; grades are the gains of nDCG (linear gain, log2 discount,
  ideal ranking = the query's judged documents sorted by grade);
- recall@k = relevant documents in the top k / all relevant documents of the query;
- MRR@10 = 1 / rank of the first relevant document within the top 10 (0 if none).
Rankings are over documents: chunks are mapped to their corpus document and a document counts at the rank of
its first chunk. The served top-k (after rerank/MMR/trim) comes first, then the rest of the fused candidates.
Queries without any relevant judgement are skipped (they have no defined recall/nDCG).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence


from ..config import Settings
from ..errors import InputError
from ..home import Home

METRICS = ("ndcg@10", "recall@1", "recall@6", "recall@20", "mrr@10")
MODES = ("bm25", "vector", "hybrid")


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


# -- setup ----------------------------------------------------------------------------------------------------------

def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@contextmanager
def prepared(settings: Settings, beir_dir: Path | str, *, home: Home | Path | str | None = None,
             limit: int | None = None, quiet: bool = False, normalize: bool = True) -> Iterator[dict[str, Any]]:
    """Load and validate the BEIR folder, ingest its corpus (a scratch home unless `home` is given; ingest is
    idempotent, so a given home is only filled once), open a Retriever and embed all queries once."""
    from ..beir import load_beir

    beir = load_beir(beir_dir)
    queries = [q for q in beir.queries if any(g > 0 for g in beir.qrels.get(q["_id"], {}).values())]
    if limit is not None:
        if limit < 1:
            raise InputError(f"--limit must be >= 1, got {limit}")
        queries = queries[:limit]
    if not queries:
        raise InputError(f"{beir.root}: no query has a relevant judgement in qrels/test.tsv")
    tmp = None
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="ragtune-evalret-")
        home = Home(tmp.name)
    elif not isinstance(home, Home):
        home = Home(home)
    s = dataclasses.replace(settings, home=home)
    try:
        from ..ingest.pipeline import ingest_paths

        t0 = time.perf_counter()
        summary = ingest_paths(s, [Path(beir.corpus_path)])
        if summary.failed:
            path, reason = summary.failed[0]
            raise InputError(f"{path}: {reason}")
        if not quiet:
            _log(f"ingested {beir.corpus_path} into {home.root} in {time.perf_counter() - t0:.1f}s "
                 f"({summary.chunks_added} new chunks)")
        from ..normalize import clean_text, normalize_query
        from ..retrieve import Retriever

        retr = Retriever(s)
        try:
            corpus_prefix = str(Path(beir.corpus_path).resolve()) + "#"
            doc_of: dict[int, str | None] = {}
            for cid, path in retr.store.chunk_sources():
                doc_of[int(cid)] = path.rsplit("#", 1)[1] if "#" in path else None
                if "#" in path and not path.startswith(corpus_prefix) and not path.startswith(beir.corpus_path.name + "#"):
                    doc_of[int(cid)] = None  # another corpus in a shared home
            texts = {q["_id"]: (normalize_query(q["text"]), clean_text(q["text"])) for q in queries}
            t0 = time.perf_counter()
            uniq = sorted({t for pair in texts.values() for t in (pair if normalize else pair[1:])})
            vecs = retr.embedder.encode(uniq)
            qvec = dict(zip(uniq, vecs))
            if not quiet:
                _log(f"embedded {len(uniq)} query texts in {time.perf_counter() - t0:.1f}s")
            yield {"beir": beir, "queries": queries, "retriever": retr, "doc_of": doc_of, "texts": texts,
                   "qvec": qvec, "settings": s}
        finally:
            retr.close()
    finally:
        if tmp is not None:
            tmp.cleanup()


# -- evaluation -------------------------------------------------------------------------------------------------------

def _run_modes(ctx: dict[str, Any], modes: Sequence[str], *, normalize: bool = True,
               progress: Callable[[int, int], None] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """{mode: {qid: metrics}} through the full served pipeline (fusion, rerank, MMR, trim)."""
    retr = ctx["retriever"]
    k = retr.cfg.k
    out: dict[str, dict[str, dict[str, float]]] = {m: {} for m in modes}
    qs = ctx["queries"]
    use_orig = normalize and retr.cfg.original_query_weight > 0
    for i, q in enumerate(qs, start=1):
        nq, raw = ctx["texts"][q["_id"]]
        text = nq if normalize else raw
        orig = raw if use_orig and raw != nq else None
        qrels = ctx["beir"].qrels[q["_id"]]
        for m in modes:
            hits, cands = retr.pipeline(text, k=k, mode=m, query_vector=ctx["qvec"][text],
                                        original=orig, original_vector=ctx["qvec"][orig] if orig else None)
            order = [h.chunk_id for h in hits] + [h.chunk_id for h in cands]
            out[m][q["_id"]] = query_metrics(dedupe_docs(order, ctx["doc_of"]), qrels)
        if progress:
            progress(i, len(qs))
    return out


def evaluate(settings: Settings, beir_dir: Path | str, *, modes: Sequence[str] = MODES, limit: int | None = None,
             home: Home | Path | str | None = None, normalize: bool = True, tune: bool = False,
             quiet: bool = False) -> dict[str, Any]:
    """{"bm25": {metric: value}, "vector": {…}, "hybrid": {…}, "queries": N} (only the modes asked for), through
    the served pipeline with `settings`. `tune=True` adds "tune": the `tune_weights` report (same ingest)."""
    for m in modes:
        if m not in MODES:
            raise InputError(f"unknown retrieval mode '{m}'", hint=f"one of: {', '.join(MODES)}")
    with prepared(settings, beir_dir, home=home, limit=limit, quiet=quiet, normalize=normalize) as ctx:
        per = _run_modes(ctx, modes, normalize=normalize)
        result: dict[str, Any] = {m: mean_metrics(list(per[m].values())) for m in modes}
        result["queries"] = len(ctx["queries"])
        if tune:
            result["tune"] = _tune(ctx, DEFAULT_GRID, "ragtune", normalize, "ndcg@10")
        return result


def _fuse_metrics(runs: dict[str, dict[str, list[list[int]]]], qrels: dict[str, dict[str, int]],
                  doc_of: dict[int, str | None], wb: float, wv: float, rrf_k: int, wo: float,
                  qids: Sequence[str]) -> dict[str, float]:
    """Metrics of the fusion alone. runs[qid] = {"bm25": [meant, original?], "vector": [meant, original?]}."""
    from ..retrieve import rrf_fuse

    per = []
    for qid in qids:
        r = runs[qid]
        rankings: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        for name, w in (("bm25", wb), ("vector", wv)):
            for i, ranking in enumerate(r[name]):
                rankings[f"{name}.{i}"], weights[f"{name}.{i}"] = ranking, w * (1.0 if i == 0 else wo)
        fused = rrf_fuse(rankings, weights, rrf_k)
        per.append(query_metrics(dedupe_docs([c for c, _ in fused], doc_of), qrels[qid]))
    return mean_metrics(per)


DEFAULT_GRID = {
    "bm25_weight": [0.5, 0.75, 1.0, 1.5, 2.0, 3.0],
    "vector_weight": [1.0],  # RRF is invariant to scaling all weights: one of them can stay fixed
    # k < 5 is left out a priori: as k -> 0 RRF becomes "whichever list ranks it first wins", fragile on corpora
    # where one retriever is much weaker than on the set being tuned on
    "rrf_k": [5, 10, 20, 30, 60, 100],
    "original_query_weight": [0.0, 0.5, 1.0, 2.0, 4.0],
}


def tune_weights(settings: Settings, beir_dir: Path | str, *, home: Home | Path | str | None = None,
                 limit: int | None = None, grid: dict[str, list[Any]] | None = None, seed: str = "ragtune",
                 normalize: bool = True, select: str = "ndcg@10", quiet: bool = False) -> dict[str, Any]:
    """Grid-search bm25_weight / vector_weight / rrf_k of the fusion on the DEV half of the queries (hash split),
    pick the best by `select` on dev, and report dev and TEST numbers of the pick and of plain RRF (1, 1, 60).
    Fusion only (no rerank/MMR/trim), over `settings.retrieve.candidates` per retriever."""
    with prepared(settings, beir_dir, home=home, limit=limit, quiet=quiet, normalize=normalize) as ctx:
        return _tune(ctx, grid or DEFAULT_GRID, seed, normalize, select)


def _tune(ctx: dict[str, Any], grid: dict[str, list[Any]], seed: str, normalize: bool, select: str) -> dict[str, Any]:
    retr = ctx["retriever"]
    c = retr.cfg.candidates
    runs: dict[str, dict[str, list[list[int]]]] = {}
    for q in ctx["queries"]:
        nq, raw = ctx["texts"][q["_id"]]
        texts = [nq] + ([raw] if raw != nq else []) if normalize else [raw]
        runs[q["_id"]] = {
            "bm25": [[cid for cid, _ in retr.bm25(t, c)] for t in texts],
            "vector": [[cid for cid, _ in retr.vector(ctx["qvec"][t], c)] for t in texts],
        }
    qrels, doc_of = ctx["beir"].qrels, ctx["doc_of"]
    dev = [q["_id"] for q in ctx["queries"] if split_of(q["_id"], seed) == "dev"]
    test = [q["_id"] for q in ctx["queries"] if split_of(q["_id"], seed) == "test"]
    wos = grid.get("original_query_weight", [retr.cfg.original_query_weight]) if normalize else [0.0]
    table = []
    for wb in grid["bm25_weight"]:
        for wv in grid["vector_weight"]:
            for rk in grid["rrf_k"]:
                for wo in wos:
                    m = _fuse_metrics(runs, qrels, doc_of, wb, wv, rk, wo, dev)
                    table.append({"bm25_weight": wb, "vector_weight": wv, "rrf_k": rk, "original_query_weight": wo,
                                  "dev": m})
    # best on dev; ties -> the setting closest to plain RRF (fewer surprises)
    best = max(table, key=lambda r: (r["dev"][select], r["dev"]["recall@6"],
                                     -abs(math.log(r["bm25_weight"] / r["vector_weight"])), -abs(r["rrf_k"] - 60)))

    def report(wb: float, wv: float, rk: int, wo: float) -> dict[str, Any]:
        return {"bm25_weight": wb, "vector_weight": wv, "rrf_k": rk, "original_query_weight": wo,
                "dev": _fuse_metrics(runs, qrels, doc_of, wb, wv, rk, wo, dev),
                "test": _fuse_metrics(runs, qrels, doc_of, wb, wv, rk, wo, test),
                "all": _fuse_metrics(runs, qrels, doc_of, wb, wv, rk, wo, dev + test)}

    cfg = retr.cfg
    return {"queries": {"dev": len(dev), "test": len(test)}, "select": select,
            "best": report(best["bm25_weight"], best["vector_weight"], best["rrf_k"], best["original_query_weight"]),
            "current": report(cfg.bm25_weight, cfg.vector_weight, cfg.rrf_k,
                              cfg.original_query_weight if normalize else 0.0),
            "plain_rrf": report(1.0, 1.0, 60, 0.0),
            "plain_rrf_original_text": _plain_original(runs, ctx, qrels, doc_of, dev, test),
            "single": {"bm25": report(1.0, 0.0, 60, 0.0), "vector": report(0.0, 1.0, 60, 0.0)},
            "grid": table}


def _plain_original(runs, ctx, qrels, doc_of, dev, test) -> dict[str, Any]:
    """Naive baseline: unweighted RRF (k=60) of bm25 + vector over the query exactly as given (no normalisation)."""
    alt = {}
    for q in ctx["queries"]:
        r = runs[q["_id"]]
        alt[q["_id"]] = {"bm25": [r["bm25"][-1]], "vector": [r["vector"][-1]]}
    return {"dev": _fuse_metrics(alt, qrels, doc_of, 1, 1, 60, 0, dev),
            "test": _fuse_metrics(alt, qrels, doc_of, 1, 1, 60, 0, test),
            "all": _fuse_metrics(alt, qrels, doc_of, 1, 1, 60, 0, dev + test)}
