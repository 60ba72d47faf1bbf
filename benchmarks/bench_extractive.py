"""Extractive vs free decoding on the same prompts (issue 13): decode speed, where the time goes, and memory.

For each question of the sample pack (ragtune/models/pack: in the repository, no ingest needed) the prompt holds 6
sources (the gold document's passage holding the evidence, then passages of other documents, seeded), and the
answer is generated twice on the same warm context, once per mode, in alternating order. Reported:

- decode tokens/s per mode = completion tokens / (generation time - prompt time), summed over the questions, and
  the ratio extractive/free (target >= 0.85);
- ms per token spent choosing tokens (sampler.Sampler.choose: grammar, constraints, fallbacks) vs in llama.cpp;
- fallbacks per token and relaxed steps;
- memory: the per-model vocabulary index and the per-request span index for 6 sources (tracemalloc), peak RSS.
Sources that do not fit the 2k window with 256 tokens for the answer are dropped as `ask` does (fit_context).

    python benchmarks/bench_extractive.py [--n 40] [--threads 1] [--seed 0] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PACK = REPO / "ragtune" / "models" / "pack"


def passages(text: str, size: int = 700) -> list[str]:
    """Blank-line paragraphs merged up to ~size characters."""
    out: list[str] = []
    cur = ""
    for para in (p.strip() for p in text.split("\n\n")):
        if not para:
            continue
        if cur and len(cur) + len(para) > size:
            out.append(cur)
            cur = ""
        cur = (cur + "\n\n" + para).strip()
    if cur:
        out.append(cur)
    return out


def contexts(n: int, seed: int) -> list[tuple[str, list[str]]]:
    """(question, 6 source texts) for n pack questions."""
    docs = {str(p.relative_to(PACK / "docs")): p.read_text(encoding="utf-8")
            for p in sorted((PACK / "docs").rglob("*")) if p.is_file()}
    pool = [(name, ps) for name, text in docs.items() for ps in passages(text)]
    rng = random.Random(seed)
    qs = [json.loads(x) for x in (PACK / "qa.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = [q for q in qs if q.get("answerable") and q.get("gold_doc") in docs]
    rng.shuffle(qs)
    out = []
    for q in qs[:n]:
        gold = [p for name, p in pool if name == q["gold_doc"] and q.get("evidence", "") in p] or \
               [p for name, p in pool if name == q["gold_doc"]]
        others = [p for name, p in pool if name != q["gold_doc"]]
        out.append((q["question"], [gold[0]] + rng.sample(others, 5)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()

    from ragtune.appliance import sampler as S
    from ragtune.appliance.answer import fit_context
    from ragtune.appliance.extractive import extractive_sources
    from ragtune.appliance.config import GenerateConfig
    from ragtune.appliance.extractive import SpanConstraint, VocabIndex
    from ragtune.appliance.generate import LlamaGenerator
    from ragtune.appliance.prompt import SYSTEM_PROMPT, messages
    from ragtune.appliance.schema import answer_schema
    from ragtune.appliance.types import ContextItem

    choose_s = [0.0]
    real_choose = S.Sampler.choose

    def timed_choose(self, logits, n_out):  # where the Python-side time goes
        t = time.perf_counter()
        try:
            return real_choose(self, logits, n_out)
        finally:
            choose_s[0] += time.perf_counter() - t

    S.Sampler.choose = timed_choose
    gen = LlamaGenerator(GenerateConfig(threads=args.threads, threads_batch=args.threads))
    tracemalloc.start()
    t0 = time.perf_counter()
    vi = gen.vocab_index()
    vocab_s = time.perf_counter() - t0
    vocab_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()

    items = contexts(args.n, args.seed)
    n_sources: list[int] = []
    stats = {m: {"tokens": 0, "decode_ms": 0.0, "choose_ms": 0.0, "fallbacks": 0, "relaxed": 0, "refused": 0,
                 "answers": []} for m in ("free", "extractive")}
    span_mb: list[float] = []
    for i, (q, texts) in enumerate(items):
        ctx = [ContextItem(id=f"S{j}", text=t) for j, t in enumerate(texts, start=1)]
        ctx = fit_context(gen.count_tokens, ctx, q, reserve=256, n_ctx=gen.n_ctx, renumber=True)  # as `ask` does
        n_sources.append(len(ctx))
        msgs = messages(SYSTEM_PROMPT, ctx, q)
        schema = answer_schema([c.id for c in ctx], 600)
        spans = extractive_sources(ctx)
        tracemalloc.start()
        SpanConstraint(spans, vi)
        span_mb.append(tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.stop()
        gen.generate(msgs, schema=schema, max_tokens=8, seed=args.seed, refusal_threshold=1.0)  # warm the prompt
        order = ("free", "extractive") if i % 2 == 0 else ("extractive", "free")
        for mode in order:
            choose_s[0] = 0.0
            res = gen.generate(msgs, schema=schema, seed=args.seed, refusal_threshold=1.0,
                               extractive=spans if mode == "extractive" else None)
            st = stats[mode]
            st["tokens"] += res.tokens_completion
            st["decode_ms"] += res.generation_ms - res.prompt_ms
            st["choose_ms"] += choose_s[0] * 1000
            st["fallbacks"] += res.grammar_fallbacks
            st["relaxed"] += res.relaxed
            st["refused"] += res.finish == "refused"
            st["answers"].append(json.loads(res.text).get("answer", ""))
        print(f"{i + 1}/{len(items)}", file=sys.stderr, flush=True)

    out = {"n": len(items), "sources_mean": round(sum(n_sources) / len(n_sources), 2), "threads": args.threads, "vocab_index_s": round(vocab_s, 3),
           "vocab_index_mb": round(vocab_mb, 1), "span_index_mb_6_sources_max": round(max(span_mb), 2),
           "span_index_mb_6_sources_mean": round(sum(span_mb) / len(span_mb), 2),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "load_avg": open("/proc/loadavg").read().split()[:3]}
    for m, st in stats.items():
        tok = max(st["tokens"], 1)
        out[m] = {"tokens": st["tokens"], "decode_tok_s": round(st["tokens"] / (st["decode_ms"] / 1000), 2),
                  "choose_ms_per_token": round(st["choose_ms"] / tok, 3),
                  "llama_ms_per_token": round((st["decode_ms"] - st["choose_ms"]) / tok, 3),
                  "fallbacks_per_token": round(st["fallbacks"] / tok, 3), "relaxed": st["relaxed"],
                  "mean_answer_chars": round(sum(map(len, st["answers"])) / len(st["answers"]), 1)}
    out["ratio_extractive_free_tok_s"] = round(out["extractive"]["decode_tok_s"] / out["free"]["decode_tok_s"], 3)
    print(json.dumps(out, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
