"""What the rerank stage costs per query: the reranker alone on the served hybrid's top candidates, and the whole
`retrieve()` with and without it (cache off), on real questions over a real corpus.

    python benchmarks/bench_rerank.py --rerank ID_OR_DIR [--corpus dev] [--home H] [--queries 200] [--top 20]

The corpus domains (default: the held-out dev domains) are ingested into H (default benchmarks/out/rerank-home/,
reused). One thread everywhere (embedder, onnxruntime). CPU time is the process's (time.process_time); wall time
includes waiting for a core on a shared box, so the load average is printed with the numbers. Rerank and no-rerank
runs are interleaved query by query so that load drift hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def summary(xs: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(xs), 2), "p95_ms": round(pct(xs, 95), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rerank", required=True, help="a reranker: registry id (of --registry-home) or a folder")
    ap.add_argument("--registry-home", type=Path, default=None, help="the home whose registry holds --rerank")
    ap.add_argument("--corpus", nargs="+", default=["dev"])
    ap.add_argument("--home", type=Path, default=REPO / "benchmarks" / "out" / "rerank-home")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--top", type=int, default=20)
    args = ap.parse_args()

    from ragtune.appliance.config import Settings
    from ragtune.appliance.eval.retrieval import prepared
    from ragtune.appliance.home import Home
    from ragtune.appliance.rerank import load_reranker
    from ragtune.models.corpus.retrieval import corpus_set

    reg_home = Home(args.registry_home or args.home)
    reranker = load_reranker(args.rerank, reg_home, threads=1)
    s = Settings(home=Home(args.home)).replace("embed", threads=1).replace("retrieve", rerank_top=args.top)
    out: dict = {"reranker": args.rerank, "kind": type(reranker).__name__, "top": args.top}
    with prepared(s, corpus_set(args.corpus), home=Home(args.home), quiet=True) as ctx:
        retr = ctx["retriever"]
        qs = ctx["queries"][: args.queries]
        alone_cpu, alone_wall, on_cpu, on_wall, off_cpu, off_wall = [], [], [], [], [], []
        texts = [q["text"] for q in qs]
        retr.retrieve(texts[0], use_cache=False)  # warm: embedder session, first-touch pages
        for i, q in enumerate(qs):
            nq, raw = ctx["texts"][q["_id"]]
            orig = raw if raw != nq else None
            top = retr.rank(nq, mode="hybrid", query_vector=ctx["qvec"][nq], original=orig,
                            original_vector=ctx["qvec"][orig] if orig else None)[: args.top]
            c0, t0 = time.process_time(), time.perf_counter()
            if hasattr(reranker, "score_hits"):
                reranker.score_hits(nq, top, original=orig)
            else:
                reranker.score(nq, [f"{h.title}\n{h.text}" if h.title else h.text for h in top])
            alone_cpu.append((time.process_time() - c0) * 1000)
            alone_wall.append((time.perf_counter() - t0) * 1000)
            for on in ((True, False) if i % 2 else (False, True)):
                retr.reranker = reranker if on else None
                c0, t0 = time.process_time(), time.perf_counter()
                retr.retrieve(q["text"], use_cache=False)
                (on_cpu if on else off_cpu).append((time.process_time() - c0) * 1000)
                (on_wall if on else off_wall).append((time.perf_counter() - t0) * 1000)
        out.update({"queries": len(qs), "load_avg_1m": round(os.getloadavg()[0], 2),
                    "rerank_alone": {"cpu": summary(alone_cpu), "wall": summary(alone_wall)},
                    "retrieve_with_rerank": {"cpu": summary(on_cpu), "wall": summary(on_wall)},
                    "retrieve_without_rerank": {"cpu": summary(off_cpu), "wall": summary(off_wall)}})
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
