"""`ragtune eval calibrate`: choose `generate.refusal_threshold` on a dev split, offline.

The answer engine reads the model's own P(refused) at the status value and takes the "refused" branch exactly when
it exceeds the threshold. To compare thresholds without generating every question once per threshold, the dev
split is answered once with the threshold at 1.0 (the "ok" branch is always taken, so every question gets its
answer) and P(refused) is recorded with each answer. For any threshold t the outcome is then known:
refused when P(refused) > t, else the recorded answer (which the runtime checks may still refuse).

The chosen threshold maximises task success among those meeting the refusal precision and recall constraints
(defaults: both >= 0.7, the product's targets); when none does, it maximises task success among those meeting
the precision constraint; when none meets that either (the refusals made before the model is asked count in it),
it maximises task success among those keeping at least 1 - max_answer_loss (default 90%) of the right answers,
if that beats 1.0. The result says which constraint was dropped. It is written to the
home's config.toml (`[generate] refusal_threshold`, via `config.set_config_value`, as `ragtune config set`
does) unless told not to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..config import Settings, set_config_value
from ..errors import InputError
from ..prompt import REFUSAL_TEXT
from . import metrics
from .run import EvalOptions, Progress, run_eval


@dataclass
class CalibrateOptions:
    arm: str = "A"
    adapter: str | None = None
    limit: int | None = None
    seed: int | None = None
    split: str | None = "dev"
    mode: str | None = None
    min_precision: float = 0.7
    min_recall: float = 0.7
    max_answer_loss: float = 0.1  # when no threshold reaches min_precision: share of right answers it may cost
    out: Path | None = None
    write: bool = True


# What a set on which no threshold refuses precisely enough keeps: 1.0, never refuse by probability (the product
# default: P(refused) that does not separate the questions refuses answerable ones at random).
DEFAULT_THRESHOLD = 1.0


def outcome(result: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The result a run at `threshold` would have given, from a run at 1.0."""
    p = result.get("p_refused")
    if result.get("status") == "ok" and isinstance(p, (int, float)) and p > threshold:
        return {**result, "status": "refused", "answer": REFUSAL_TEXT, "cited_ids": [], "refusal_reason": "model"}
    return result


GRID = tuple(round(0.05 * i, 2) for i in range(21))  # 0.0, 0.05, ..., 1.0


def sweep(items: list[dict[str, Any]], results: list[dict[str, Any]], *, f1_threshold: float = 0.5,
          thresholds: list[float] | None = None) -> list[dict[str, Any]]:
    """Task success and refusal precision/recall at each candidate threshold (default GRID). A grid, not every
    recorded P(refused): a threshold fitted between two questions' probabilities of a few hundred is noise."""
    if thresholds is None:
        thresholds = list(GRID)
    rows = []
    for t in thresholds:
        m = metrics.aggregate(items, [outcome(r, t) for r in results], f1_threshold=f1_threshold)
        rows.append({"threshold": t, "task_success": m["task_success"], "refusal_precision": m["refusal_precision"],
                     "refusal_recall": m["refusal_recall"], "n_refused": m["n_refused"],
                     "task_success_answerable": m["task_success_answerable"]})
    return rows


def choose(rows: list[dict[str, Any]], *, min_precision: float, min_recall: float,
           max_answer_loss: float = 0.1) -> tuple[dict[str, Any], str | None]:
    """(the chosen row, the constraint that had to be dropped or None). Ties go to the threshold nearest 0.5 (the
    model's own pick), then to the higher one (fewer refusals by probability)."""
    def ok(v: float | None, lo: float) -> bool:
        return v is not None and v >= lo

    def best(cands: list[dict[str, Any]]) -> dict[str, Any]:
        return max(cands, key=lambda r: (r["task_success"] or 0.0, -abs(r["threshold"] - 0.5), r["threshold"]))

    both = [r for r in rows if ok(r["refusal_precision"], min_precision) and ok(r["refusal_recall"], min_recall)]
    if both:
        return best(both), None
    prec = [r for r in rows if ok(r["refusal_precision"], min_precision)]
    if prec:
        return best(prec), f"refusal recall >= {min_recall:.2f}"
    # No threshold reaches the precision: the refusals made before the model is asked (evidence, support checks)
    # already hold answerable questions. A threshold still helps when the questions it refuses are more often
    # unanswerable or answered wrong than answered right: take the best task success among those that keep at
    # least 1 - max_answer_loss of the answerable questions answered right (so it can never win by refusing
    # nearly everything), and only if it beats never refusing by probability.
    default = next((r for r in rows if r["threshold"] == DEFAULT_THRESHOLD), None)
    if default is None:
        return best(rows), f"refusal precision >= {min_precision:.2f}"
    floor = (default.get("task_success_answerable") or 0.0) * (1 - max_answer_loss)
    keep = [r for r in rows if (r.get("task_success_answerable") or 0.0) >= floor - 1e-9]
    chosen = best(keep) if keep else default
    if (chosen["task_success"] or 0.0) <= (default["task_success"] or 0.0):
        chosen = default
    return chosen, (f"refusal precision >= {min_precision:.2f} (then: the best task success that keeps "
                    f"{100 * (1 - max_answer_loss):.0f}% of the right answers, else 1.0)")


def calibrate(settings: Settings, dataset: str | Path, opts: CalibrateOptions | None = None, *,
              engine_factory: Callable[[Settings], Any] | None = None,
              ingest: Callable[..., Any] | None = None, progress: Progress | None = None) -> dict[str, Any]:
    opts = opts or CalibrateOptions()
    for name, v in (("--min-precision", opts.min_precision), ("--min-recall", opts.min_recall),
                    ("--max-answer-loss", opts.max_answer_loss)):
        if not 0 <= v <= 1:
            raise InputError(f"{name} must be 0..1, got {v}")
    arm = opts.arm.strip().upper()
    if arm not in ("A", "C"):
        raise InputError(f"calibrate runs one arm with retrieval: A or C, not {opts.arm!r}")
    got: dict[str, Any] = {}

    def keep(items: list[dict[str, Any]], stored: dict[tuple[str, str], dict[str, Any]]) -> None:
        pairs = [(it, stored[(arm, it["qid"])]) for it in items if (arm, it["qid"]) in stored]
        got["items"], got["results"] = [p[0] for p in pairs], [p[1] for p in pairs]

    eopts = EvalOptions(arms=arm, adapter=opts.adapter, limit=opts.limit, seed=opts.seed, out=opts.out,
                        safety=False, mode=opts.mode, split=opts.split, refusal_threshold=1.0)
    report = run_eval(settings, dataset, eopts, engine_factory=engine_factory, ingest=ingest, progress=progress,
                      results=keep)
    if arm not in report["arms"]:
        raise InputError(f"arm {arm} did not run: {'; '.join(report.get('notes', [])) or 'no adapter'}")
    items, results = got.get("items", []), got.get("results", [])
    if not any(r.get("p_refused") is not None for r in results):
        raise InputError("no answer recorded the model's P(refused): nothing to calibrate on")
    rows = sweep(items, results, f1_threshold=settings.eval.f1_threshold)
    chosen, dropped = choose(rows, min_precision=opts.min_precision, min_recall=opts.min_recall,
                             max_answer_loss=opts.max_answer_loss)
    written = None
    if opts.write:
        set_config_value(settings.home.config_path, "generate.refusal_threshold", repr(float(chosen["threshold"])),
                         home=settings.home)
        written = str(settings.home.config_path)
    return {"threshold": chosen["threshold"], "chosen": chosen, "dropped_constraint": dropped,
            "constraints": {"min_precision": opts.min_precision, "min_recall": opts.min_recall,
                            "max_answer_loss": opts.max_answer_loss},
            "n": len(items), "arm": arm, "split": opts.split, "mode": report.get("answer_mode"),
            "run_id": report["run_id"], "out": report["out"], "written": written,
            "at_default": next((r for r in rows if r["threshold"] == DEFAULT_THRESHOLD), None), "rows": rows}
