"""Free vs extractive answers, and the calibrated refusal threshold, in one command (issue 13, issue 12 item 4).

Runs, through the product's own `eval run` / `eval calibrate` code, in one home (default: a fresh temp dir; the
default models come from the shared model cache):

1. disflqa-dev, `--limit N --seed S`, free and extractive (arm A = base, or arm C with --adapter);
2. the pack holdout (`ragtune dataset build --from-pack`), free and extractive, over each line's own context;
3. `eval calibrate` on the dev split of disflqa-dev (extractive, --limit N), then the test split at the chosen
   threshold;
and prints one markdown table (the one in benchmarks/README.md) plus the calibration result.

    python benchmarks/answer_modes.py [--limit 100] [--seed 0] [--adapter ID] [--home DIR] [--skip pack,calibrate]

With --adapter the arm is C (the adapter, with retrieval) instead of A. Every run is resumable (same command,
same home). Use `generate.threads = 1` on a shared machine (the script writes it unless the home has a config).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DISFLQA = REPO.parent / "shared" / "eval" / "disflqa-dev"

COLS = [("task_success", "task success", "%"), ("task_success_answerable", "answerable right", "%"),
        ("exact_match", "EM", "%"), ("f1", "F1", "%"), ("hallucination_rate", "halluc.", "%"),
        ("groundedness", "grounded", "%"), ("refusal_precision", "refusal P", "%"),
        ("refusal_recall", "refusal R", "%"), ("citation_precision", "citation P", "%"),
        ("schema_adherence", "schema", "%"), ("n_repeated_8gram", "8-gram loops", ""),
        ("latency_p50_ms", "p50 ms", "ms"), ("latency_p95_ms", "p95 ms", "ms")]


def fmt(v, unit: str) -> str:
    if v is None:
        return "n/a"
    if unit == "%":
        return f"{100 * v:.1f}"
    if unit == "ms":
        return f"{v:,.0f}"
    return str(v)


def row(name: str, report: dict, arm: str) -> str:
    m = report["arms"][arm]
    s = report.get("safety", {}).get("arms", {}).get(arm)
    safe = f"{s['safe']}/{s['n']}" if s else "—"
    return f"| {name} | {m['n']} | " + " | ".join(fmt(m.get(k), u) for k, _, u in COLS) + f" | {safe} |"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--adapter", default=None, help="arm C with this adapter (default: arm A, the base model)")
    ap.add_argument("--home", default=None)
    ap.add_argument("--data", default=str(DISFLQA))
    ap.add_argument("--skip", default="", help="comma list of: disflqa, pack, calibrate")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    import os

    home_dir = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="ragtune-answer-modes-"))
    os.environ["RAGTUNE_HOME"] = str(home_dir)
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.eval.calibrate import CalibrateOptions, calibrate
    from ragtune.appliance.eval.run import EvalOptions, run_eval, stderr_progress
    from ragtune.appliance.home import Home

    home = Home(home_dir).ensure()
    if not home.config_path.exists():
        home.config_path.write_text("[generate]\nthreads = 1\nthreads_batch = 1\n\n[embed]\nthreads = 1\n")
    settings = load_settings(home=home)
    arm = "C" if args.adapter else "A"
    out = home.root / "answer-modes"
    lines = ["| run | n | " + " | ".join(h for _, h, _ in COLS) + " | safety |",
             "|---" * (len(COLS) + 3) + "|"]
    prog = stderr_progress()

    def run(name: str, dataset: str | Path, **kw) -> None:
        opts = EvalOptions(arms=arm, adapter=args.adapter, seed=args.seed, out=out / name, **kw)
        rep = run_eval(settings, dataset, opts, progress=prog)
        lines.append(row(name, rep, arm))
        print(lines[-1], file=sys.stderr)

    if "disflqa" not in skip:
        for mode in ("free", "extractive"):
            run(f"disflqa-{mode}", args.data, limit=args.limit, mode=mode, safety=True)
    if "pack" not in skip:
        holdout = home.root / "pack" / "holdout.jsonl"
        if not holdout.is_file():
            from click.testing import CliRunner

            from ragtune.cli import cli

            res = CliRunner().invoke(cli, ["dataset", "build", "--from-pack", "--out", str(holdout.parent)])
            if res.exit_code != 0:
                print(res.output, file=sys.stderr)
                return 1
        for mode in ("free", "extractive"):
            run(f"pack-holdout-{mode}", holdout, mode=mode, safety=False)
    cal = None
    if "calibrate" not in skip:
        cal = calibrate(settings, args.data, CalibrateOptions(arm=arm, adapter=args.adapter, limit=args.limit,
                                                              seed=args.seed, split="dev", mode="extractive",
                                                              out=out / "calibrate-dev"), progress=prog)
        settings = load_settings(home=home)  # now holds the calibrated threshold
        run(f"disflqa-test-extractive-t{cal['threshold']}", args.data, limit=args.limit, mode="extractive",
            split="test", safety=False)
    print("\n".join(lines))
    if cal is not None:
        c, d = cal["chosen"], cal["at_default"] or {}
        print(f"\ncalibrated refusal_threshold = {cal['threshold']} on {cal['n']} dev questions "
              f"(dropped constraint: {cal['dropped_constraint']}): task success {fmt(c['task_success'], '%')} %, "
              f"refusal P/R {fmt(c['refusal_precision'], '%')} / {fmt(c['refusal_recall'], '%')} %; at 0.5: "
              f"{fmt(d.get('task_success'), '%')} %, P/R {fmt(d.get('refusal_precision'), '%')} / "
              f"{fmt(d.get('refusal_recall'), '%')} %")
        (out / "calibration.json").write_text(json.dumps(cal, indent=2) + "\n", encoding="utf-8")
    print(f"\nhome: {home.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
