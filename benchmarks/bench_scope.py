"""Scoped retrieval at 100k chunks: query latency and peak RSS, unscoped vs a scope of 10 documents, 50, a tenth
and half of the corpus (`Retriever.retrieve(filters=…)`, what `ask --in` / `search --in` / /v1/ask "in" run), and
whether the scope's own chunk is found: scoped ranking vs the post-filter it replaced (the unscoped fused
candidates, then the scope's).

    python benchmarks/bench_scope.py [--chunks 100000] [--queries 100] [--root DIR]

The home is bench_query.py's (synthetic text and vectors, 100 chunks per document: 10 documents are 1,000 chunks),
built once under benchmarks/out/bench<N>/ (or --root). Queries are 8-word spans of chunks inside the scope,
embedded by the real int8 MiniLM inside the timed path, cache off, no reranker (its cost does not depend on the
scope). Each scope is measured in a fresh process, so its peak RSS is that serving process's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

# name -> the documents in scope (the bench's documents are /bench/doc00000.md …, 100 chunks each)
SCOPES = {"unscoped": None, "10 docs": 10, "50 docs": 50, "tenth": 0.1, "half": 0.5}


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _spans(r, rng, chunk_ids, n: int) -> list[tuple[int, str]]:
    """(chunk id, an 8-word span of its text) for n chunks drawn from chunk_ids."""
    ids = [int(i) for i in rng.choice(chunk_ids, size=n)]
    texts = r.store.chunks_by_ids(ids)
    out = []
    for cid in ids:
        w = texts[cid]["text"].split()
        s = int(rng.integers(0, len(w) - 8))
        out.append((cid, " ".join(w[s:s + 8])))
    return out


def measure(root: Path, name: str, n_queries: int) -> dict:
    import numpy as np

    from ragtune.appliance.config import Settings
    from ragtune.appliance.home import Home
    from ragtune.appliance.normalize import normalize_query
    from ragtune.appliance.retrieve import Retriever

    settings = Settings(home=Home(root)).replace("embed", threads=1).replace("retrieve", rerank="")
    r = Retriever(settings)
    docs = [d for d, _ in r.store.scope_documents()]
    size = SCOPES[name]
    rng = np.random.default_rng(7)
    if size is None:
        in_scope, filters = docs, None
    else:
        n = size if isinstance(size, int) else int(len(docs) * size)
        in_scope = sorted(rng.choice(docs, size=n, replace=False).tolist())  # scattered over the corpus
        filters = {"doc_ids": in_scope}
    allowed = set(in_scope)
    pool = r.store.chunk_ids_of_documents(in_scope)
    queries = _spans(r, rng, pool, n_queries)  # about a chunk of the scope
    r.embedder.encode_query("warm up")
    for _, q in queries[:5]:
        r.retrieve(q, filters=filters, use_cache=False)
    xs, cs, found = [], [], 0
    for cid, q in queries:
        c0, t = time.process_time(), time.perf_counter()
        res = r.retrieve(q, filters=filters, use_cache=False)
        xs.append((time.perf_counter() - t) * 1000)
        cs.append((time.process_time() - c0) * 1000)
        found += cid in {h.chunk_id for h in res.hits}
        assert all(h.doc_id in allowed for h in res.hits)
    # the scope's own cost: rank() with the query vector given (no embedding), and the scope's plan alone
    vecs = {q: r.embedder.encode_query(normalize_query(q)) for _, q in queries}
    ranks, rank_cpu, plans = [], [], []
    for _, q in queries:
        c0, t = time.process_time(), time.perf_counter()
        r.rank(normalize_query(q), filters=filters, query_vector=vecs[q])
        ranks.append((time.perf_counter() - t) * 1000)
        rank_cpu.append((time.process_time() - c0) * 1000)
        t = time.perf_counter()
        sc = r.scope(filters)
        plans.append((time.perf_counter() - t) * 1000)
    out = {"scope": name, "documents": len(in_scope), "chunks": len(pool),
           "path": "unscoped" if sc is None else ("narrow" if sc.chunk_ids is not None else "wide"),
           "p50_ms": round(statistics.median(xs), 2), "p95_ms": round(_pct(xs, 95), 2),
           "cpu_p50_ms": round(statistics.median(cs), 2), "rank_p50_ms": round(statistics.median(ranks), 2),
           "rank_p95_ms": round(_pct(ranks, 95), 2), "rank_cpu_p50_ms": round(statistics.median(rank_cpu), 2),
           "plan_p50_ms": round(statistics.median(plans), 2),
           "found_at_k": round(found / len(queries), 3),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if filters is not None:
        # the post-filter it replaced: the unscoped fused candidates, then the scope's, k at most. Asked about the
        # scope's own chunk, and asked questions from elsewhere in the corpus (a question the scope answers less
        # well than other documents do: "no sources" when none of the scope's chunks is among the candidates)
        k = settings.retrieve.k
        mine = set(pool)
        outside = _spans(r, rng, [c for c in range(1, r.store.count_chunks() + 1) if c not in mine], n_queries)
        for label, qs in (("own", queries), ("other", outside)):
            post_found = post_none = scoped_none = short = 0
            for cid, q in qs:
                kept = [h for h in r.rank(normalize_query(q), mode="hybrid") if h.doc_id in allowed][:k]
                post_found += cid in {h.chunk_id for h in kept}
                post_none += not kept
                got = r.retrieve(q, filters=filters, use_cache=False).hits
                scoped_none += not got
                short += len(got) < k
            if label == "own":
                out["post_filter_found_at_k"] = round(post_found / len(qs), 3)
            out[f"post_filter_no_sources_{label}"] = round(post_none / len(qs), 3)
            out[f"scoped_no_sources_{label}"] = round(scoped_none / len(qs), 3)
            out[f"scoped_fewer_than_k_{label}"] = round(short / len(qs), 3)
    out["load_avg_1m"] = round(os.getloadavg()[0], 1)
    r.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--root", type=Path, default=None, help="the home (default: benchmarks/out/bench<N>/)")
    ap.add_argument("--scopes", default=",".join(SCOPES), help="which scopes to measure")
    ap.add_argument("--measure", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--scope", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.scope, args.queries)))
        return
    from bench_query import OUT, build

    root = args.root or OUT / ("bench100k" if args.chunks == 100_000 else f"bench{args.chunks}")
    ready = root / "ready.json"
    if not ready.exists() or json.loads(ready.read_text()).get("chunks") != args.chunks:
        root.mkdir(parents=True, exist_ok=True)
        print(f"building {args.chunks} chunks under {root} …", file=sys.stderr)
        build(root, args.chunks)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    rows = []
    for name in args.scopes.split(","):
        cmd = [sys.executable, __file__, "--measure", str(root), "--scope", name, "--queries", str(args.queries)]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if out.returncode != 0:
            sys.exit(out.stderr)
        rows.append(json.loads(out.stdout))
    print(json.dumps(rows, indent=2))
    print(f"\n{'scope':<9}{'docs':>5}{'chunks':>7}{'path':>9}{'retrieve p50/p95':>18}{'rank p50/p95/cpu':>21}"
          f"{'plan':>6}{'found@k':>8}{'post-filter':>12}{'no sources (post / scoped)':>28}{'RSS':>7}", file=sys.stderr)
    for r in rows:
        post = f"{r['post_filter_found_at_k']:.2f}" if "post_filter_found_at_k" in r else "-"
        none = (f"own {r['post_filter_no_sources_own']:.2f}/{r['scoped_no_sources_own']:.2f}, other "
                f"{r['post_filter_no_sources_other']:.2f}/{r['scoped_no_sources_other']:.2f}") \
            if "post_filter_no_sources_own" in r else "-"
        print(f"{r['scope']:<9}{r['documents']:>5}{r['chunks']:>7}{r['path']:>9}"
              f"{r['p50_ms']:>9.1f} /{r['p95_ms']:>6.1f}{r['rank_p50_ms']:>8.1f} /{r['rank_p95_ms']:>5.1f} /"
              f"{r['rank_cpu_p50_ms']:>5.1f}"
              f"{r['plan_p50_ms']:>6.1f}{r['found_at_k']:>8.2f}{post:>12}{none:>28}{r['peak_rss_mb']:>5.0f}MB",
              file=sys.stderr)

if __name__ == "__main__":
    main()
