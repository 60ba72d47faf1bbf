"""Serving an adapter: llama.cpp's run-time LoRA vs the adapter merged into a Q8_0 copy of the base (merged.py).
Prints, in one run, interleaved repetition by repetition: the time to evaluate a prompt and to decode tokens for
the base, the base + run-time LoRA and the merged model (medians, and ratios to the base), the next-token
agreement between run-time LoRA and merged model along a document (top-1 and mean KL, with the adapter-vs-base KL
for scale), the merge's build time and peak RSS.

    python benchmarks/bench_merge.py [--adapter GGUF] [--prompt 520] [--decode 60] [--reps 6] [--threads 1]

Defaults: the built-in default adapter on the default model; the text is a document of the behaviour corpus.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default=str(REPO / "ragtune/appliance/adapters/ragtune-default.gguf"))
    ap.add_argument("--prompt", type=int, default=520, help="prompt tokens")
    ap.add_argument("--decode", type=int, default=60, help="tokens decoded one at a time after the prompt")
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--positions", type=int, default=40, help="positions compared for next-token agreement")
    a = ap.parse_args()

    import numpy as np

    from ragtune.appliance.config import GenerateConfig
    from ragtune.appliance.generate import LlamaGenerator
    from ragtune.appliance.hashing import sha256_file
    from ragtune.appliance.home import Home
    from ragtune.appliance.merged import merge_into

    home = Home(tempfile.mkdtemp(prefix="bench-merge-"))
    cfg = GenerateConfig(threads=a.threads, threads_batch=a.threads, adapter_merge=False)
    gen = LlamaGenerator(cfg, home)
    adapter = Path(a.adapter)
    sha = sha256_file(adapter)
    t0 = time.perf_counter()
    out = Path(home.root) / "merged.gguf"
    n = merge_into(gen.model_path, adapter, out)
    build_s = time.perf_counter() - t0
    if n is None:
        sys.exit(f"{adapter}: not mergeable into {gen.model_path.name}")
    merged = LlamaGenerator(cfg, home, model=out)
    doc = sorted((REPO / "ragtune/models/corpus/hr-policies/docs").rglob("*.md"))[0].read_text(encoding="utf-8")
    toks = gen._vocab_llm.tokenize(doc.encode("utf-8"), add_bos=True, special=False)
    prompt = (toks * (a.prompt // max(1, len(toks)) + 1))[: a.prompt]
    comp = prompt[50: 50 + a.decode]
    sides = [("base", gen, None), ("run-time LoRA", gen, adapter), ("merged Q8_0", merged, None)]
    times: dict[str, list[tuple[float, float]]] = {s[0]: [] for s in sides}
    for _ in range(a.reps):  # interleaved: load from other processes hits all three alike
        for name, g, ad in sides:
            g.set_adapter(ad, None if ad is None else sha)
            p = g.raw_decode_ms(prompt, comp[:1])
            times[name].append((p, g.raw_decode_ms(prompt, comp) - p))

    def dists(g, ad):
        g.set_adapter(ad, None if ad is None else sha)
        out = []
        for i in range(len(toks) - a.positions, len(toks)):
            g._eval_prompt(toks[:i], False)
            lg = np.array(g._logits(), dtype=np.float64)
            p = np.exp(lg - lg.max())
            out.append(p / p.sum())
        return out

    def kl(p, q):
        return float(np.sum(p * (np.log(p + 1e-12) - np.log(q + 1e-12))))

    run_time, base, merged_d = dists(gen, adapter), dists(gen, None), dists(merged, None)
    b_p, b_d = (statistics.median(x[i] for x in times["base"]) for i in (0, 1))
    print(f"adapter {sha[:12]}… ({n} weights merged in {build_s:.1f} s), base {gen.model_path.name}, "
          f"{a.threads} thread(s), {a.reps} interleaved reps")
    print(f"{'':>14} | prompt {a.prompt} tok ms | ratio | decode {a.decode - 1} tok ms | ratio")
    for name in times:
        p, d = (statistics.median(x[i] for x in times[name]) for i in (0, 1))
        print(f"{name:>14} | {p:17.0f} | {p / b_p:5.2f} | {d:17.0f} | {d / b_d:5.2f}")
    top1 = np.mean([x.argmax() == y.argmax() for x, y in zip(run_time, merged_d)])
    print(f"next token over {a.positions} positions: run-time LoRA vs merged top-1 agreement {top1:.0%}, mean KL "
          f"{np.mean([kl(x, y) for x, y in zip(run_time, merged_d)]):.4f}; adapter vs base mean KL "
          f"{np.mean([kl(x, y) for x, y in zip(run_time, base)]):.4f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    merged.close()
    gen.close()


if __name__ == "__main__":
    main()
