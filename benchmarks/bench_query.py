"""Query latency and vector recall at 100k (or 1M) chunks: exact KNN vs ANN side by side, bm25 / vector / hybrid
(cache off), hybrid with a reranker, and the serving process's peak RSS.

    python benchmarks/bench_query.py [--chunks 100000] [--queries 200] [--rebuild] [--rerank ID_OR_DIR]

The index (SQLite + vec0 + Tantivy + the vector index) is built once under benchmarks/out/bench<N>/ and reused.
Text is synthetic (Zipf-distributed words, ~120 per chunk, 100 chunks per document). Stored vectors are synthetic
too, drawn from a distribution fitted to real MiniLM embeddings of the behaviour corpus (ingested once into
benchmarks/out/corpus-home/): a Gaussian with their mean and covariance, in sections of 6 chunks that share a
centre (between-section variance 0.7, within 0.3, as measured on the corpus: nearest-neighbour cosine 0.77 vs
0.76 real). Uniform random unit vectors would be near-orthogonal, unlike real embeddings, and make ANN look
worse than it is; a single Gaussian (no sections) makes it look worse still (reported in benchmarks/README.md).

Queries are real: 8-word spans of stored chunks, embedded by the real int8 MiniLM inside the timed path. Recall@10
of ANN against exact is measured on those query vectors and on 200 held-out synthetic chunks (in distribution).
Each backend is measured in a fresh subprocess so that peak RSS is that serving process's alone (an exact scan
touches every row, which would count in the ANN process's RSS).
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
OUT = REPO / "benchmarks" / "out"
from ragtune.appliance.store.schema import EMBED_DIM as DIM  # noqa: E402

SECTION = 6  # chunks sharing a centre (the corpus averages ~6 chunks per document)
BETWEEN = 0.7  # share of the variance between section centres (0.67 measured on the corpus)


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def fit(home_dir: Path) -> tuple:
    """(mean, Cholesky factor of the covariance) of real chunk embeddings: the behaviour corpus, ingested once."""
    import numpy as np

    cache = OUT / "fit.npz"
    if cache.exists():
        z = np.load(cache)
        return z["mean"], z["chol"]
    from ragtune.appliance.config import Settings
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.pipeline import ingest_paths
    from ragtune.appliance.store import Store
    from ragtune.models.corpus import corpus_dir, load_domains

    settings = Settings(home=Home(home_dir))
    docs = [d.docs for d in load_domains().values() if d.docs.is_dir()]
    print(f"embedding the behaviour corpus into {home_dir} (once) …", file=sys.stderr, flush=True)
    ingest_paths(settings, docs)
    with Store(Home(home_dir).db_path) as st:
        real = np.stack([np.frombuffer(b, dtype=np.float32) for _, b in st.iter_vectors()])
    mean = real.mean(0)
    chol = np.linalg.cholesky(np.cov((real - mean).T) + 1e-5 * np.eye(DIM))
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(cache, mean=mean, chol=chol, n=len(real), corpus=str(corpus_dir()))
    return mean, chol


def sampler(mean, chol, n_sections: int, seed: int):
    """chunks(section ids) -> unit vectors: centre (between variance) + own noise (within variance)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = (rng.standard_normal((n_sections, DIM)) @ chol.T) * np.sqrt(BETWEEN)

    def chunks(sections):
        v = mean + centres[sections] + np.sqrt(1 - BETWEEN) * (rng.standard_normal((len(sections), DIM)) @ chol.T)
        v = v.astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    return chunks


def build(root: Path, n_chunks: int, seed: int = 0) -> None:
    import numpy as np

    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.chunker import Chunk
    from ragtune.appliance.lexical import LexicalIndex
    from ragtune.appliance.store import Store
    from ragtune.appliance.vectors import VectorIndex

    import shutil

    home = Home(root)
    for p in root.glob("ragtune.db*"):
        p.unlink()
    for d in (home.lexical_dir, root / "vectors"):  # derived from the old store: their markers would still match
        shutil.rmtree(d, ignore_errors=True)
    mean, chol = fit(OUT / "corpus-home")
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    syll = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "da", "ge", "zu", "an", "or", "el", "it"]
    vocab = sorted({"".join(rng.choice(syll, size=rng.integers(2, 5))) for _ in range(40000)})
    zipf = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    zipf /= zipf.sum()
    chunks_of = sampler(mean, chol, (n_chunks + SECTION - 1) // SECTION, seed)
    store = Store(home.db_path)
    # the vectors stand in for the default embedder's: recorded as its, so a real ingest into this home later still
    # searches them (meta "{}" reads as "unknown": skipped by vector search, round 46)
    from ragtune.appliance.config import EmbedConfig
    from ragtune.appliance.embed import MODEL_META, model_identity, model_key

    meta = json.dumps({MODEL_META: model_key(model_identity(EmbedConfig(), home)[0])})
    words_per_chunk, chunks_per_doc = 120, 100
    n_docs = (n_chunks + chunks_per_doc - 1) // chunks_per_doc
    cid = 0
    for d in range(n_docs):
        m = min(chunks_per_doc, n_chunks - cid)
        words = rng.choice(len(vocab), size=(m, words_per_chunk), p=zipf)
        vecs = chunks_of(np.arange(cid, cid + m) // SECTION)
        chunks = []
        for i in range(m):
            text = " ".join(vocab[w] for w in words[i])
            chunks.append(Chunk(ord=i, text=text, start_char=0, end_char=len(text), n_tokens=160))
        store.put_document(path=f"/bench/doc{d:05d}.md", sha256=f"{d:064x}", title=f"Document {d}", kind="md", size=0,
                           doc_date=None, ingested_at=time.time(), meta=meta, chunks=chunks, vectors=vecs)
        cid += m
        if d % 100 == 0:
            print(f"  built {cid} chunks ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)
    store.bump_index_version()
    t1 = time.perf_counter()
    LexicalIndex(home.lexical_dir).ensure_synced(store)
    tantivy_s = time.perf_counter() - t1
    print(f"  tantivy index: {tantivy_s:.0f}s", file=sys.stderr, flush=True)
    t1, c1 = time.perf_counter(), time.process_time()
    VectorIndex(root / "vectors", threads=2).sync(store)
    ann_s, ann_cpu = time.perf_counter() - t1, time.process_time() - c1
    print(f"  vector index (f32 rows + sign and int8 codes): {ann_s:.0f}s", file=sys.stderr, flush=True)
    store.close()
    (root / "ready.json").write_text(json.dumps({
        "chunks": n_chunks, "seed": seed, "built_s": round(time.perf_counter() - t0, 1), "tantivy_s": round(tantivy_s, 1),
        "vector_index_s": round(ann_s, 1), "vector_index_cpu_s": round(ann_cpu, 1),
        "vectors": "fitted to the behaviour corpus's MiniLM embeddings, sections of 6"}))


def measure(root: Path, n_queries: int, threads: int, backend: str, rerank: str | None,
            ann_candidates: int | None = None) -> dict:
    import numpy as np

    from ragtune.appliance.config import Settings
    from ragtune.appliance.home import Home
    from ragtune.appliance.retrieve import Retriever

    home = Home(root)
    settings = Settings(home=home).replace("embed", threads=threads).replace("retrieve", vector_search=backend, rerank="")
    if ann_candidates:
        settings = settings.replace("retrieve", ann_candidates=ann_candidates)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = Retriever(settings)
    n = r.store.count_chunks()
    rng = np.random.default_rng(1)
    ids = rng.integers(1, n + 1, size=n_queries)
    texts = r.store.chunks_by_ids([int(i) for i in ids])
    queries = []
    for i in ids:
        w = texts[int(i)]["text"].split()
        s = int(rng.integers(0, len(w) - 8))
        queries.append(" ".join(w[s:s + 8]))
    r.embedder.encode_query("warm up")
    t = time.perf_counter()
    index = r.vector_index()
    open_s = time.perf_counter() - t
    for q in queries[:5]:
        r.retrieve(q, mode="hybrid", use_cache=False)
    res: dict = {"backend": backend, "chunks": n, "queries": n_queries, "embed_threads": threads,
                 "index_open_s": round(open_s, 2), "load_avg_1m_at_start": round(os.getloadavg()[0], 1),
                 "cpus": os.cpu_count()}

    def timeit(fn, qs=None) -> dict:
        # wall time, and CPU time of the process (all threads): on a shared, oversubscribed box the wall time
        # includes waiting for a core; the CPU time is what the query itself costs
        xs, cs = [], []
        for q in qs or queries:
            c0, t = time.process_time(), time.perf_counter()
            fn(q)
            xs.append((time.perf_counter() - t) * 1000)
            cs.append((time.process_time() - c0) * 1000)
        return {"p50_ms": round(statistics.median(xs), 2), "p95_ms": round(_pct(xs, 95), 2),
                "cpu_p50_ms": round(statistics.median(cs), 2), "cpu_p95_ms": round(_pct(cs, 95), 2)}

    c = settings.retrieve.candidates
    qvecs = {q: r.embedder.encode_query(q) for q in queries}
    res["raw_embed_query"] = timeit(lambda q: r.embedder.encode_query(q))
    res["raw_tantivy"] = timeit(lambda q: r.lexical.search(q, c))
    res["raw_knn"] = timeit(lambda q: r.vector(qvecs[q], c))
    res["bm25"] = timeit(lambda q: r.retrieve(q, mode="bm25", use_cache=False))
    res["vector"] = timeit(lambda q: r.retrieve(q, mode="vector", use_cache=False))
    res["hybrid"] = timeit(lambda q: r.retrieve(q, mode="hybrid", use_cache=False))
    res["hybrid_cached"] = timeit(lambda q: r.retrieve(q, mode="hybrid"))
    res["hybrid_cached"] = timeit(lambda q: r.retrieve(q, mode="hybrid"))  # second pass: all hits
    # peak RSS of serving, before the recall check below scans every row exactly
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if backend == "ann" and index is not None:  # recall of the served ANN against exact, same rows
        from ragtune.appliance.vectors import auto_beam

        beam = settings.retrieve.ann_candidates or auto_beam(index.live_rows)
        res["ann_beam"] = beam
        top = {q: [cid for cid, _ in index.ann_knn(qvecs[q], 10, beam)] for q in queries}
        exact = {q: [cid for cid, _ in index.knn(qvecs[q], 10)] for q in queries}
        res["recall@10_real_queries"] = round(float(np.mean([len(set(top[q]) & set(exact[q])) / 10 for q in queries])), 4)
        fitz = np.load(OUT / "fit.npz")
        held = sampler(fitz["mean"], fitz["chol"], (n + SECTION - 1) // SECTION, seed=0)(rng.integers(0, n // SECTION, 200))
        res["recall@10_held_out_chunks"] = round(float(np.mean([
            len({c for c, _ in index.ann_knn(v, 10, beam)} & {c for c, _ in index.knn(v, 10)}) / 10 for v in held])), 4)
    if rerank:
        r.close()
        r = Retriever(settings.replace("retrieve", rerank=rerank))
        cands = {q: r.rank(q, mode="hybrid")[: settings.retrieve.rerank_top] for q in queries[:50]}
        res["rerank_20_candidates"] = timeit(lambda q: r.rerank(q, cands[q]), queries[:50])
        res["hybrid_rerank"] = timeit(lambda q: r.retrieve(q, mode="hybrid", use_cache=False), queries[:50])
    res["load_avg_1m_at_end"] = round(os.getloadavg()[0], 1)
    res["rss_before_open_mb"] = round(rss0 / 1024, 1)
    r.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1, help="embedder threads during measurement")
    ap.add_argument("--backends", default="exact,ann", help="vector backends to measure, each in its own process")
    ap.add_argument("--rerank", default=None, help="also time hybrid + this reranker (registry id or folder)")
    ap.add_argument("--ann-candidates", type=int, default=None, help="[retrieve] ann_candidates (default: the product's)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--measure", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="ann", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.queries, args.threads, args.backend, args.rerank,
                                 args.ann_candidates)))
        return
    root = OUT / ("bench100k" if args.chunks == 100_000 else f"bench{args.chunks}")
    ready = root / "ready.json"
    if args.rebuild or not ready.exists() or json.loads(ready.read_text()).get("chunks") != args.chunks \
            or "fitted" not in json.loads(ready.read_text()).get("vectors", ""):
        root.mkdir(parents=True, exist_ok=True)
        print(f"building {args.chunks} chunks under {root} …", file=sys.stderr)
        build(root, args.chunks)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    results = {"build": json.loads(ready.read_text())}
    for backend in args.backends.split(","):
        cmd = [sys.executable, __file__, "--measure", str(root), "--queries", str(args.queries), "--threads",
               str(args.threads), "--backend", backend] + (["--rerank", args.rerank] if args.rerank and backend == "ann" else []) \
            + (["--ann-candidates", str(args.ann_candidates)] if args.ann_candidates else [])
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if out.returncode != 0:
            sys.exit(out.stderr)
        results[backend] = json.loads(out.stdout)
    print(json.dumps(results, indent=2))
    keys = ("raw_knn", "vector", "hybrid")
    print(f"\n{'':<10}" + "".join(f"{k + ' p50/p95 ms':>26}" for k in keys) + f"{'peak RSS':>10}", file=sys.stderr)
    for b in args.backends.split(","):
        r = results[b]
        print(f"{b:<10}" + "".join(f"{r[k]['p50_ms']:>12.2f} / {r[k]['p95_ms']:<11.2f}" for k in keys)
              + f"{r['peak_rss_mb']:>8.0f}MB", file=sys.stderr)
    a = results.get("ann", {})
    if "recall@10_real_queries" in a:
        print(f"ANN recall@10 vs exact: {a['recall@10_real_queries']} (real query vectors), "
              f"{a['recall@10_held_out_chunks']} (held-out chunks); load average {a['load_avg_1m_at_start']}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
