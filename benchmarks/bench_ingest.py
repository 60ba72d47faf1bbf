"""Ingest throughput vs the raw encoder on the same work (issue #2).

Our path: `ingest_paths` on a corpus (load, chunk, embed, SQLite + sqlite-vec, Tantivy), fresh home.
Raw path: the same embedding texts (title + chunk, as the pipeline builds them), in the same groups and the same
length-sorted, token-budgeted batches (`ragtune.appliance.embed.plan_batches`), through `tokenizers.encode_batch` +
`onnxruntime.InferenceSession.run` + mean pooling: the least work any implementation must do. An untimed
planning pass (recording encoder, scratch home) captures those groups; the raw pass then runs once before and
once after the timed pipeline run and the mean is used, so load drift on a shared machine cancels.
Ratio = raw seconds / pipeline seconds (our throughput as a fraction of the raw encoder's); target >= 0.80.
Also: chunks/s, time spent outside the encoder, a no-op re-ingest, peak RSS.

    python benchmarks/bench_ingest.py                       # disflqa-dev corpus (634 passages) if present
    python benchmarks/bench_ingest.py --limit 200 --threads 2
    python benchmarks/bench_ingest.py --synthetic 40        # 40 generated markdown files (~1,500 words each)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DISFLQA = REPO.parent / "shared" / "eval" / "disflqa-dev" / "corpus.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synthetic_docs(folder: Path, n: int, words: int = 1500) -> Path:
    rng = random.Random(0)
    vocab = [f"{a}{b}" for a in ("data", "river", "policy", "engine", "garden", "market", "signal", "memory")
             for b in ("", "s", "ing", "ed", "al", "ity", "ous", "er")]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        parts = [f"# Document {i}\n"]
        left = words
        sec = 0
        while left > 0:
            sec += 1
            parts.append(f"## Section {sec}\n")
            para = []
            for _ in range(rng.randint(3, 8)):
                k = rng.randint(8, 25)
                para.append(" ".join(rng.choice(vocab) for _ in range(k)).capitalize() + ".")
                left -= k
            parts.append(" ".join(para) + "\n")
        (folder / f"doc{i:04d}.md").write_text("\n".join(parts), encoding="utf-8")
    return folder


def raw_encode_seconds(groups: list[list[str]], onnx: Path, tok_path: Path, threads: int, batch_size: int,
                       max_len: int) -> float:
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from ragtune.appliance.embed import plan_batches

    tok = Tokenizer.from_file(str(tok_path))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(onnx), so, providers=["CPUExecutionProvider"])
    t0 = time.perf_counter()
    for texts in groups:
        ids = [e.ids for e in tok.encode_batch(texts)]
        for idx in plan_batches([len(x) for x in ids], batch_size):  # the same batches as the Embedder
            w = max(len(ids[i]) for i in idx)
            a = np.zeros((len(idx), w), np.int64)
            m = np.zeros_like(a)
            for r, i in enumerate(idx):
                a[r, :len(ids[i])] = ids[i]
                m[r, :len(ids[i])] = 1
            (h,) = sess.run(["last_hidden_state"], {"input_ids": a, "attention_mask": m, "token_type_ids": np.zeros_like(a)})
            mf = m[:, :, None].astype(np.float32)
            v = (h * mf).sum(1) / mf.sum(1)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DISFLQA, help="a BEIR corpus.jsonl (default: disflqa-dev)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N corpus rows (0 = all)")
    ap.add_argument("--synthetic", type=int, default=0, help="ingest N generated markdown files instead")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from ragtune.appliance.config import Settings
    from ragtune.appliance.embed import Embedder
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.chunker import embedding_text
    from ragtune.appliance.ingest.pipeline import ingest_paths
    from ragtune.appliance.store import EMBED_DIM, Store
    from ragtune.appliance.default_models import locate_all

    tmp = Path(tempfile.mkdtemp(prefix="ragtune-bench-ingest-"))
    if args.synthetic:
        src = synthetic_docs(tmp / "docs", args.synthetic)
        label = f"synthetic markdown x{args.synthetic}"
    else:
        if not args.corpus.is_file():
            print(f"corpus not found: {args.corpus} (use --synthetic N)", file=sys.stderr)
            return 2
        src = args.corpus
        if args.limit:
            src = tmp / "corpus.jsonl"
            with open(args.corpus, encoding="utf-8") as fh, open(src, "w", encoding="utf-8") as out:
                for i, line in enumerate(fh):
                    if i >= args.limit:
                        break
                    out.write(line)
        label = f"{args.corpus.parent.name}/{args.corpus.name}" + (f" (first {args.limit})" if args.limit else "")

    settings = Settings(home=Home(tmp / "home"))
    settings = settings.replace("embed", threads=args.threads, batch_size=args.batch_size)
    onnx, tok_path = locate_all(settings.embed.model, settings.home)

    # Warm both paths once (session creation, page cache) outside the timings.
    emb = Embedder(settings.embed, settings.home)
    emb.encode(["warm up"] * 4)
    import numpy as np

    # Planning pass (untimed, scratch home): the pipeline with an encoder that only records what it is asked,
    # so the raw pass can replay the very same groups BEFORE and AFTER the timed pipeline run.
    class Recorder:
        tokenizer, max_seq_len, model_id, dim = emb.tokenizer, emb.max_seq_len, emb.model_id, EMBED_DIM

        def __init__(self) -> None:
            self.groups: list[list[str]] = []

        def encode(self, texts):
            self.groups.append(list(texts))
            v = np.random.default_rng(0).standard_normal((len(texts), EMBED_DIM)).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)

        def close(self) -> None:
            pass

    rec = Recorder()
    ingest_paths(Settings(home=Home(tmp / "plan")).replace("embed", threads=args.threads, batch_size=args.batch_size),
                 [src], embedder=rec)
    groups = rec.groups

    def raw_pass() -> float:
        # in a forked child, so the raw session's memory never shows in this process's peak RSS
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as ex:
            return ex.submit(raw_encode_seconds, groups, onnx, tok_path, args.threads, args.batch_size,
                             emb.max_seq_len).result()

    raw1 = raw_pass()

    # The timed pipeline run, with its encoder time measured from inside.
    seen_groups: list[list[str]] = []
    enc_s = [0.0]
    orig = emb.encode

    def timed_encode(texts, **kw):
        seen_groups.append(list(texts))
        t = time.perf_counter()
        try:
            return orig(texts, **kw)
        finally:
            enc_s[0] += time.perf_counter() - t

    emb.encode = timed_encode  # type: ignore[method-assign]
    t0 = time.perf_counter()
    summary = ingest_paths(settings, [src], embedder=emb)
    pipe_s = time.perf_counter() - t0
    rss_pipeline = peak_rss_mb()
    if summary.failed:
        print(f"warning: {len(summary.failed)} failed: {summary.failed[:3]}", file=sys.stderr)
    assert seen_groups == groups, "the planning pass did not predict the pipeline's work"

    raw2 = raw_pass()
    raw_s = (raw1 + raw2) / 2  # raw runs before and after the pipeline: load drift on a shared box cancels

    with Store(settings.home.db_path) as st:
        n_chunks = st.count_chunks()
        n_tokens = st.chunk_token_total()
        rows = st.chunks_by_ids(sorted(cid for cid, _ in st.chunk_sources()))
        rebuilt = [embedding_text(r["title"], r["text"], r["n_tokens"], emb.tokenizer, emb.max_seq_len)
                   for r in rows.values()]
    assert sorted(rebuilt) == sorted(t for g in groups for t in g), "raw pass would not do the same work"

    t0 = time.perf_counter()
    again = ingest_paths(settings, [src], embedder=emb)
    noop_s = time.perf_counter() - t0
    emb.close()

    res = {
        "benchmark": "ingest",
        "data": label,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "documents": summary.added,
        "chunks": n_chunks,
        "tokens": n_tokens,
        "pipeline_s": round(pipe_s, 2),
        "pipeline_encode_s": round(enc_s[0], 2),
        "raw_encoder_s": round(raw_s, 2),
        "raw_encoder_s_runs": [round(raw1, 2), round(raw2, 2)],
        "ratio_raw_over_pipeline": round(raw_s / pipe_s, 3),
        # load-independent view: the share of the pipeline's own time spent outside the encoder
        "non_encoder_s": round(pipe_s - enc_s[0], 2),
        "encoder_share_of_pipeline": round(enc_s[0] / pipe_s, 3),
        "target": 0.80,
        "chunks_per_s_pipeline": round(n_chunks / pipe_s, 2),
        "chunks_per_s_raw": round(n_chunks / raw_s, 2),
        "noop_reingest_s": round(noop_s, 2),
        "noop_unchanged": again.unchanged,
        "peak_rss_mb_after_pipeline": round(rss_pipeline, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(res))
    else:
        print(f"ingest benchmark: {label}; threads={args.threads} batch={args.batch_size}; load avg {res['load_avg_1m']}")
        print(f"  {summary.added} documents -> {n_chunks} chunks ({n_tokens} tokens)")
        print(f"  pipeline   {pipe_s:8.2f} s  {res['chunks_per_s_pipeline']:7.2f} chunks/s  "
              f"(of which encoder {enc_s[0]:.2f} s)")
        print(f"  raw onnx   {raw_s:8.2f} s  {res['chunks_per_s_raw']:7.2f} chunks/s  (runs {raw1:.2f}, {raw2:.2f})")
        ok = "OK" if res["ratio_raw_over_pipeline"] >= 0.80 else "BELOW TARGET"
        print(f"  ratio raw/pipeline = {res['ratio_raw_over_pipeline']:.3f}  (target >= 0.80: {ok})")
        print(f"  outside the encoder (load, chunk, SQLite, Tantivy): {pipe_s - enc_s[0]:.2f} s = "
              f"{100 * (1 - enc_s[0] / pipe_s):.1f}% of the pipeline")
        print(f"  no-op re-ingest {noop_s:.2f} s ({again.unchanged} unchanged)")
        print(f"  peak RSS {res['peak_rss_mb']:.0f} MB (after pipeline: {rss_pipeline:.0f} MB)")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
