"""Training throughput: examples/s and tokens/s of full optimizer steps (forward + backward + AdamW) on the real
base, batch 1 vs length-bucketed batches, at fixed example lengths; one process, so the ratios are comparable
even on a loaded box.

    nice -n 10 python benchmarks/bench_train.py --lengths 512,1024 --batch-sizes 1,4,8 --examples 16 --threads 2
    python benchmarks/bench_train.py --lengths 700 --batch-sizes 1 --dropouts 0.05,0 --targets all-linear --r 16

`--dropouts`: LoRA dropout values, each on a fresh LoRA over the same base (peft leaves the dropout module out at 0,
so 0 is also a different code path, not only another number).

Examples are real-shaped: the served prompt over one source of sample-pack text cut so the whole example has the
requested number of tokens (±2), and a short answer JSON target. Every configuration trains the same examples for
the same number of optimizer steps (examples per step = --examples-per-step); the first step of each is a warmup
and is not timed. Prints one JSON line per configuration and a Markdown table."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_examples(tok, n: int, length: int) -> list[dict]:
    from ragtune.appliance import prompt
    from ragtune.models.pack import pack_dir
    from ragtune.models.train import encode_example

    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(pack_dir().rglob("*.md"))).split()
    out = []
    for i in range(n):
        start = (i * 997) % max(1, len(words) - 4000)
        lo, hi = 1, 3000
        while lo < hi:  # the most words whose example stays within `length` tokens
            mid = (lo + hi + 1) // 2
            ex = _example(prompt, " ".join(words[start:start + mid]), i)
            if len(encode_example(tok, ex)["input_ids"]) <= length:
                lo = mid
            else:
                hi = mid - 1
        out.append(_example(prompt, " ".join(words[start:start + lo]), i))
    return out


def _example(prompt, text: str, i: int) -> dict:
    ctx = [{"id": "S1", "text": text}]
    o = {"status": "ok", "answer": f"EUR {100 + i} per night", "citations": ["S1"]} if i % 3 else \
        {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}
    return prompt.training_example(prompt.SYSTEM_PROMPT, ctx, f"What is limit number {i}?", o)


def run_config(model, opt, items, pad_id, batch_size: int, per_step: int, steps: int, bf16: bool,
               device: str = "cpu") -> dict:
    import torch

    from ragtune.models.train import forward_batch

    grad_accum = max(1, per_step // batch_size)
    params = [p for p in model.parameters() if p.requires_grad]
    times, tokens = [], 0
    pos = 0
    for s in range(steps + 1):  # step 0 = warmup
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        n_tok = 0
        for _ in range(grad_accum):
            batch = [items[(pos + j) % len(items)] for j in range(batch_size)]
            pos += batch_size
            w, _, b = forward_batch(model, batch, pad_id, device, bf16)
            (w.sum() / per_step).backward()
            n_tok += b["tokens"]
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if s:
            times.append((time.perf_counter() - t0, time.process_time() - cpu0))
            tokens += n_tok
    wall = sum(t for t, _ in times)
    cpu = sum(c for _, c in times)
    ex = steps * grad_accum * batch_size
    return {"batch_size": batch_size, "grad_accum": grad_accum, "examples": ex, "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2), "examples_per_s": round(ex / wall, 3), "tokens_per_s": round(tokens / wall, 1),
            "cpu_s_per_example": round(cpu / ex, 3), "step_s_median": round(statistics.median(t for t, _ in times), 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="", help="HF folder or .gguf (default: the served SmolLM2 GGUF, dequantized)")
    ap.add_argument("--lengths", default="512,1024")
    ap.add_argument("--batch-sizes", default="1,4,8")
    ap.add_argument("--examples-per-step", type=int, default=8)
    ap.add_argument("--steps", type=int, default=2, help="timed optimizer steps per configuration")
    ap.add_argument("--examples", type=int, default=16, help="distinct examples per length")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--targets", default="attention", choices=["attention", "all-linear"])
    ap.add_argument("--r", type=int, default=8, help="LoRA rank")
    ap.add_argument("--dropouts", default="0", help="LoRA dropout values, comma-separated")
    ap.add_argument("--json-out", default="")
    a = ap.parse_args()

    from ragtune.appliance.offline import enforce_offline_env

    enforce_offline_env()  # as `ragtune train` does, before torch loads: OMP passive waiting, offline switches
    import torch
    import transformers

    from ragtune.appliance.home import Home
    from ragtune.models.train import (TrainConfig, add_lora, fix_tokenizer, hf_dir_for, load_model, pick_device,
                                      resolve_base)

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    base = resolve_base(a.base, Home())
    hf_dir = hf_dir_for(base, Home().models_dir / "hf-bases")
    tok = transformers.AutoTokenizer.from_pretrained(str(hf_dir))
    device = pick_device()  # CUDA when there is one: the batches are for the GPU
    from ragtune.models.train import encode_example

    rows = []
    env = {"device": device, "threads": a.threads, "bf16": a.bf16, "targets": a.targets, "r": a.r,
           "load_avg_start": os.getloadavg()[0], "cpu": _cpu_name(), "torch": torch.__version__}
    lengths = [int(x) for x in a.lengths.split(",")]
    batch_sizes = [int(x) for x in a.batch_sizes.split(",")]
    fix_tokenizer(tok)  # the tokens the examples are encoded with; each model's configs are aligned below
    examples = {n: [encode_example(tok, ex) for ex in make_examples(tok, a.examples, n)] for n in lengths}
    for dropout in [float(x) for x in a.dropouts.split(",")]:
        model = load_model(hf_dir, qlora=False, device=device)  # a fresh LoRA per dropout, same base and seed
        fix_tokenizer(tok, model)
        torch.manual_seed(0)
        model = add_lora(model, TrainConfig(targets=a.targets, r=a.r, dropout=dropout), qlora=False)
        model.train()
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
        for length, items in examples.items():
            real = [len(it["input_ids"]) for it in items]
            for bs in batch_sizes:
                r = run_config(model, opt, items, tok.pad_token_id, bs, a.examples_per_step, a.steps, a.bf16, device)
                r.update(length=length, dropout=dropout, mean_tokens=round(sum(real) / len(real), 1),
                         load_avg=round(os.getloadavg()[0], 2))
                rows.append(r)
                print(json.dumps(r), flush=True)
        del model, opt
    env["load_avg_end"] = os.getloadavg()[0]
    env["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({"env": env}))
    print("\n| tokens/example | dropout | batch | examples/s | tokens/s | CPU-s/example | speed-up vs the first row of its "
          "length |\n|---|---|---|---|---|---|---|")
    for r in rows:
        first = next(x for x in rows if x["length"] == r["length"])
        print(f"| {r['length']} | {r['dropout']} | {r['batch_size']} | {r['examples_per_s']} | {r['tokens_per_s']} | "
              f"{r['cpu_s_per_example']} | {first['cpu_s_per_example'] / r['cpu_s_per_example']:.2f}x |")
    if a.json_out:
        Path(a.json_out).write_text(json.dumps({"env": env, "rows": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    sys.exit(main())
