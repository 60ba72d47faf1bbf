"""Answer pipeline benchmark (issue #3). Prints, in one run on the same machine state:

1. schema adherence on N disflqa-dev questions (final answers, and raw model output before repair),
   repair rate, refusal rate;
2. constrained vs unconstrained decoding tokens/s on the same prompts (our loop with and without the grammar);
3. end-to-end `ask` time vs (retrieval time + raw llama.cpp time to evaluate the same prompt and decode the same
   tokens, with plain llama_decode calls: no sampling, no grammar, no Python wrapper);
4. time to first token with the system-prompt prefix cache warm vs cold.
Peak RSS is printed next to the timings.

    python benchmarks/bench_answer.py [--n 200] [--threads 1] [--home DIR] [--data DIR]

The corpus is ingested with the ingest pipeline into a fresh home (a temp dir unless --home is given).
Measurements are interleaved question by question so that load from other processes affects both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Recorder:
    """Wraps a generator and keeps the last GenResult (the Answer does not carry token ids)."""

    def __init__(self, gen):
        self.gen = gen
        self.last = None

    def __getattr__(self, name):
        return getattr(self.gen, name)

    def generate(self, *a, **kw):
        self.last = self.gen.generate(*a, **kw)
        return self.last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="questions for schema adherence")
    ap.add_argument("--n-speed", type=int, default=30, help="questions for the speed ratios")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--home", default=None)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "eval" / "disflqa-dev"))
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--max-seconds", type=float, default=0, help="stop the adherence loop after this long (0 = never)")
    args = ap.parse_args()

    data = Path(args.data)
    if not (data / "queries.jsonl").is_file():
        print(f"no eval data at {data}", file=sys.stderr)
        return 2
    home_dir = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="ragtune-bench-answer-"))
    os.environ["RAGTUNE_HOME"] = str(home_dir)

    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import Settings
    from ragtune.appliance.generate import LlamaGenerator
    from ragtune.appliance.home import Home
    from ragtune.appliance.prompt import SYSTEM_PROMPT, messages
    from ragtune.appliance.schema import answer_schema, parse_answer, validate_answer
    from ragtune.appliance.store import open_store

    home = Home(home_dir).ensure()
    settings = Settings(home=home)
    settings = settings.replace("generate", threads=args.threads)
    settings = settings.replace("embed", threads=args.threads)

    with open_store(home) as st:
        have = st.count_chunks()
    if not have:  # in a child process, so that the embedder's ingest memory does not count as serving RSS
        import subprocess

        code = ("import sys; from pathlib import Path; from ragtune.appliance.config import Settings; from ragtune.appliance.home import Home; "
                "from ragtune.appliance.ingest.pipeline import ingest_paths; "
                f"s = Settings(home=Home({str(home_dir)!r})).replace('embed', threads={args.threads}); "
                f"r = ingest_paths(s, [Path({str(data / 'corpus.jsonl')!r})]); print(r.chunks_added, len(r.failed))")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        print(f"ingested {data / 'corpus.jsonl'} (ingest pipeline): {out[0]} chunks, {out[1]} failed, "
              f"{time.perf_counter() - t0:.0f}s", flush=True)

    queries = [json.loads(x) for x in (data / "queries.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    queries = queries[: args.n]

    gen = LlamaGenerator(settings.generate, home)
    rec = Recorder(gen)
    eng = AnswerEngine(settings, generator=rec)
    results = {"threads": args.threads, "n": len(queries), "model": gen.model_id}

    # -- 2..4 speed, interleaved per question ----------------------------------------------------------
    speed_q = queries[: args.n_speed]
    con_tps, unc_tps, ratios_e2e, ratios_e2e_cold, warm_ttft, cold_ttft = [], [], [], [], [], []
    warm1, cold1 = [], []
    for q in speed_q:
        # e2e with every cache on (warm prefix: the KV holds the previous request); the answer cache is
        # emptied first so the model really runs
        with open_store(home) as st:
            st.clear_answer_cache()
        a = eng.ask(q["text"])
        r = rec.last
        raw = gen.raw_decode_ms(gen.tokenize_prompt(messages(SYSTEM_PROMPT, a.context, eng_last_question(eng, q))), r.tokens)
        ratios_e2e.append(a.timings.total_ms / (a.timings.retrieval_ms + raw))
        # cold: no caches at all for this request (retrieval, answer, prefix)
        b = eng.ask(q["text"], use_cache=False)
        rb = rec.last
        raw_b = gen.raw_decode_ms(gen.tokenize_prompt(messages(SYSTEM_PROMPT, b.context, eng_last_question(eng, q))), rb.tokens)
        ratios_e2e_cold.append(b.timings.total_ms / (b.timings.retrieval_ms + raw_b))
        # TTFT warm vs cold on the same prompt: warm = the system prompt prefix is in the KV cache
        msgs = messages(SYSTEM_PROMPT, a.context, eng_last_question(eng, q))
        schema = answer_schema([c.id for c in a.context], settings.generate.max_answer_chars)
        gen.generate(messages(SYSTEM_PROMPT, [], "warm-up question"), schema=answer_schema([], 50), max_tokens=16)
        w = gen.generate(msgs, schema=schema)
        c = gen.generate(msgs, schema=schema, prefix_cache=False)
        warm_ttft.append(w.ttft_ms)
        cold_ttft.append(c.ttft_ms)
        # the same with one source: the shared prefix (~130 tokens) is then most of the prompt
        m1 = messages(SYSTEM_PROMPT, a.context[:1], eng_last_question(eng, q))
        s1 = answer_schema([c.id for c in a.context[:1]], settings.generate.max_answer_chars)
        gen.generate(messages(SYSTEM_PROMPT, [], "warm-up question"), schema=answer_schema([], 50), max_tokens=16)
        warm1.append(gen.generate(m1, schema=s1, max_tokens=16).ttft_ms)
        cold1.append(gen.generate(m1, schema=s1, max_tokens=16, prefix_cache=False).ttft_ms)
        # constrained vs unconstrained decode speed (prompt eval excluded), same prompt
        u = gen.generate_unconstrained(msgs, max_tokens=settings.generate.max_tokens)
        if c.tokens_completion > 1 and u.tokens_completion > 1:
            con_tps.append(c.tokens_completion / ((c.generation_ms - c.prompt_ms) / 1000))
            unc_tps.append(u.tokens_completion / ((u.generation_ms - u.prompt_ms) / 1000))
    con = sum(con_tps) / len(con_tps)
    unc = sum(unc_tps) / len(unc_tps)
    results["speed"] = {
        "n": len(speed_q),
        "constrained_tok_s": con, "unconstrained_tok_s": unc, "tok_s_ratio": con / unc,
        "e2e_ratio_median": statistics.median(ratios_e2e), "e2e_ratio_mean": statistics.fmean(ratios_e2e),
        "e2e_ratio_no_cache_median": statistics.median(ratios_e2e_cold),
        "ttft_warm_ms_median": statistics.median(warm_ttft), "ttft_cold_ms_median": statistics.median(cold_ttft),
        "ttft_warm_cold_ratio": statistics.median(warm_ttft) / statistics.median(cold_ttft),
        "ttft_warm_cold_ratio_1_source": statistics.median(warm1) / statistics.median(cold1),
        "peak_rss_mb": peak_rss_mb(),
    }
    s = results["speed"]
    print(f"decode tok/s: constrained {con:.1f} vs unconstrained {unc:.1f} -> ratio {con / unc:.3f} (target >= 0.85)")
    print(f"end-to-end ask / (retrieval + raw llama.cpp same tokens): median {s['e2e_ratio_median']:.3f} "
          f"(mean {s['e2e_ratio_mean']:.3f}; with --no-cache {s['e2e_ratio_no_cache_median']:.3f}) (target <= 1.10)")
    print(f"TTFT warm {s['ttft_warm_ms_median']:.0f} ms vs cold {s['ttft_cold_ms_median']:.0f} ms -> ratio "
          f"{s['ttft_warm_cold_ratio']:.3f} (k sources); with 1 source {s['ttft_warm_cold_ratio_1_source']:.3f}")
    print(f"peak RSS {peak_rss_mb():.0f} MB; threads {args.threads}", flush=True)
    # -- 1. schema adherence ---------------------------------------------------------------------------
    final_ok = raw_ok = repaired = refused = cached = 0
    totals, rets, gens = [], [], []
    reasons: dict[str, int] = {}
    with open_store(home) as st:  # the speed section filled it with the first questions
        st.clear_answer_cache()
    t_start = time.perf_counter()
    done = 0
    for i, q in enumerate(queries):
        if args.max_seconds and time.perf_counter() - t_start > args.max_seconds:
            print(f"  time budget reached after {i} questions", flush=True)
            break
        a = eng.ask(q["text"])
        done += 1
        ids = [c.id for c in a.context]
        out = {"status": a.status, "answer": a.answer, "citations": [c.id for c in a.citations]}
        final_ok += not validate_answer(out, ids, settings.generate.max_answer_chars)
        obj, err = parse_answer(a.raw_output) if a.raw_output else (None, "no output")
        raw_ok += bool(a.raw_output) and err is None and not validate_answer(obj, ids, settings.generate.max_answer_chars)
        repaired += a.repaired
        refused += a.status == "refused"
        cached += a.cached
        if a.refusal_reason:
            reasons[a.refusal_reason] = reasons.get(a.refusal_reason, 0) + 1
        totals.append(a.timings.total_ms)
        rets.append(a.timings.retrieval_ms)
        gens.append(a.timings.generation_ms)
        if (i + 1) % 10 == 0:
            print(f"  {i + 1}/{len(queries)} answered ({time.perf_counter() - t_start:.0f}s)", flush=True)
    n = done
    results["n"] = n
    results["adherence"] = {
        "final_schema_valid": final_ok / n, "raw_schema_valid": raw_ok / n, "repair_rate": repaired / n,
        "refusal_rate": refused / n, "refusal_reasons": reasons, "cached": cached,
        "total_ms_p50": statistics.median(totals), "total_ms_p95": sorted(totals)[int(0.95 * (n - 1))],
        "retrieval_ms_p50": statistics.median(rets), "generation_ms_p50": statistics.median(gens),
    }
    print(f"schema adherence: final {final_ok}/{n} = {final_ok / n:.1%}; raw model output valid before repair "
          f"{raw_ok}/{n} = {raw_ok / n:.1%}; repair rate {repaired / n:.1%}; refusals {refused / n:.1%} {reasons}",
          flush=True)

    print(f"p50 ask {results['adherence']['total_ms_p50']:.0f} ms (retrieval p50 {results['adherence']['retrieval_ms_p50']:.0f} ms); "
          f"peak RSS {peak_rss_mb():.0f} MB", flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    eng.close()
    gen.close()
    return 0


def eng_last_question(eng, q) -> str:
    """The question text the model saw (normalised), as logged for the last request."""
    from ragtune.appliance.store import open_store

    with open_store(eng.settings.home) as st:
        return st.query_log_entries(limit=1)[0]["normalized_query"]


if __name__ == "__main__":
    sys.exit(main())
