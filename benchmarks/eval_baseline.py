"""RAG-only baseline of the default model (issue #4): arm A of `ragtune eval run` on N disflqa-dev questions.

Prints, from one run: wall time, time per question (p50/p95), the engine's own time (sum of answer total_ms) and
the harness overhead ratio (wall time of the answer loop / engine time; 1.00 = the eval adds nothing), the
projection for all N questions when a time budget cut the run short, peak RSS, the load average, and the metrics.

    python benchmarks/eval_baseline.py [--limit 200] [--budget-s 900] [--out DIR]

The run is resumable: the same command continues where a budget or Ctrl-C stopped it (stored answers are not
re-timed; the printed figures cover every stored answer).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ragtune.appliance.config import load_settings  # noqa: E402
from ragtune.appliance.eval import metrics  # noqa: E402
from ragtune.appliance.eval import run as R  # noqa: E402
from ragtune.appliance.home import Home  # noqa: E402
from ragtune.appliance.store import Store  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=str(REPO.parent / "shared" / "eval" / "disflqa-dev"))
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget-s", type=float, default=None, help="stop answering after this many seconds")
    ap.add_argument("--out", default=None)
    ap.add_argument("--home", default=os.environ.get("RAGTUNE_HOME"))
    ap.add_argument("--run-id", default=None, help="summarise this stored run instead of the computed one")
    args = ap.parse_args()

    settings = load_settings(home=Home(args.home) if args.home else None)
    out = Path(args.out) if args.out else settings.home.eval_dir / "baseline"
    t0 = time.perf_counter()
    deadline = None if args.budget_s is None else t0 + args.budget_s

    def factory(s):
        from ragtune.appliance.answer import AnswerEngine

        eng = AnswerEngine(s)
        real_ask = eng.ask

        def ask(*a, **kw):
            if deadline is not None and time.perf_counter() > deadline:
                raise KeyboardInterrupt  # budget spent: stored answers stay, a re-run continues
            return real_ask(*a, **kw)

        eng.ask = ask
        return eng

    opts = R.EvalOptions(arms="A", limit=args.limit, seed=args.seed, out=out, safety=False)
    finished = True
    try:
        if args.run_id:
            raise KeyboardInterrupt  # summary only
        R.run_eval(settings, args.dataset, opts, engine_factory=factory, progress=R.stderr_progress())
    except KeyboardInterrupt:
        finished = False
    wall = time.perf_counter() - t0

    # Figures from every stored answer of this run (this session's and earlier ones').
    ds = R.load_dataset(args.dataset)
    items = R.sample(ds.items, args.limit, args.seed)
    s2 = settings.replace("generate", seed=args.seed)
    run_id = args.run_id or R.make_run_id(ds, ["A"], None, args.seed, args.limit, s2, False)
    with Store(settings.home.db_path) as st:
        rows = {q: r for (_, q), r in st.eval_items(run_id, arm="A").items()}
    pairs = [(it, rows[it["qid"]]) for it in items if it["qid"] in rows]
    m = metrics.aggregate([p[0] for p in pairs], [p[1] for p in pairs], f1_threshold=settings.eval.f1_threshold)
    per_q = [p[1].get("wall_ms", 0.0) for p in pairs]
    engine_ms = sum(p[1]["timings"]["total_ms"] for p in pairs)
    n = len(pairs)
    mean_q = (sum(per_q) / n / 1000) if n else None
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"run {run_id}: {n}/{len(items)} questions answered ({'finished' if finished else 'stopped by budget'}), "
          f"this session {wall:.0f} s wall")
    if n:
        print(f"per question: mean {mean_q:.1f} s, p50 {metrics.percentile(per_q, 50) / 1000:.1f} s, "
              f"p95 {metrics.percentile(per_q, 95) / 1000:.1f} s; projected for {len(items)}: "
              f"{mean_q * len(items) / 60:.1f} min (target 15 min)")
        print(f"engine time {engine_ms / 1000:.0f} s; harness overhead (sum wall / sum engine) "
              f"{sum(per_q) / max(engine_ms, 1e-9):.3f}")
    print(f"peak RSS of this process {rss_mb:.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    keys = ("task_success", "exact_match", "f1", "groundedness", "hallucination_rate", "schema_adherence",
            "repair_rate", "refusal_precision", "refusal_recall", "citation_precision", "citation_recall",
            "latency_p50_ms", "latency_p95_ms", "retrieval_p50_ms", "ttft_p50_ms", "ttft_p95_ms",
            "tokens_prompt_mean", "tokens_completion_mean", "n_ok", "n_refused", "n_errors")
    print(json.dumps({k: (round(m[k], 4) if isinstance(m[k], float) else m[k]) for k in keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
