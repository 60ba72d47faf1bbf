"""`ragtune eval calibrate`: choose `generate.refusal_threshold`, `generate.min_answer_logprob` and
`generate.evidence_cut` on a dev split, offline.

The answer engine reads the model's own P(refused) at the status value and takes the "refused" branch exactly when
it exceeds the threshold. To compare thresholds without generating every question once per threshold, the dev
split is answered once with the threshold at 1.0 (the "ok" branch is always taken, so every question gets its
answer), no confidence floor and the evidence check open (every question reaches the model), and P(refused),
the answer's least likely token and the evidence score are recorded with each answer. For any threshold t the
outcome is then known: refused when P(refused) > t, else the recorded answer (which the runtime checks may still
refuse).

The chosen threshold maximises task success among those meeting the refusal precision and recall constraints
(defaults: both >= 0.7, the product's targets); when none does, it maximises task success among those meeting
the precision constraint; when none meets that either (the refusals made before the model is asked count in it),
it maximises task success among those keeping at least 1 - max_answer_loss (default 90%) of the right answers,
if that beats 1.0. The result says which constraint was dropped.

Then, at the chosen threshold, the confidence floor (`min_answer_logprob`: refuse an "ok" answer whose least likely
token is less likely than this). Each value is chosen after the one before it, not jointly: values fitted at once
to a few hundred questions would fit their noise. The floor: the best task success among the floors that keep at
least 1 - max_answer_loss of the right answers the threshold alone keeps, if it beats no floor; ties go to the
lowest floor (fewest refusals). The threshold and the floor are chosen at the evidence model's own cut (or the
one the config sets).

Last, at that threshold and floor, the evidence cut (the check before the model): the best task success, and
among the cuts within one question of it the one that answers the most questions right. With refusals made after
the model (its own, the floor) behind it, the check before it may refuse less: a cut that refuses fewer
questions at the same task success lets right answers through.

`--judge T,FLOOR,CUT` scores given values (chosen on another split) against those in force on this run, question by
question: one open run judges both, where two served runs would each answer every question.

All three are written to the home's config.toml (`[generate] refusal_threshold`, `min_answer_logprob` and
`evidence_cut`, via `config_edit.update_config`, as `ragtune config set` does) unless told not to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..builtin_adapters import refusal_model_for
from ..config import Settings
from ..config_edit import update_config
from ..errors import InputError
from ..normalize import normalize_query
from ..prompt import REFUSAL_TEXT
from ..refusal import resolve_serving
from . import metrics, paired
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
    concurrency: int = 1  # engines answering the dev run at once
    # (threshold, floor or None, cut or None = the evidence model's own): values to judge against those in force on
    # the same open run, question by question (exact: `outcome` takes the runtime's branches); nothing is written.
    judge: tuple[float, float | None, float | None] | None = None


# What a set on which no threshold refuses precisely enough keeps: 1.0, never refuse by probability (the product
# default: P(refused) that does not separate the questions refuses answerable ones at random).
DEFAULT_THRESHOLD = 1.0


def outcome(result: dict[str, Any], threshold: float, floor: float | None = None,
            cut: float | None = None) -> dict[str, Any]:
    """The result a run at `threshold` (and confidence `floor`, and evidence `cut`) would have given, from a run
    at 1.0 with no floor (and the evidence check open)."""
    ev = result.get("evidence_score")
    if cut is not None and isinstance(ev, (int, float)) and ev <= cut:  # refused before the model was asked
        return {**result, "status": "refused", "answer": REFUSAL_TEXT, "cited_ids": [], "refusal_reason": "no_evidence"}
    if result.get("status") != "ok":
        return result
    p, lp = result.get("p_refused"), result.get("answer_min_logprob")
    if isinstance(p, (int, float)) and p > threshold:
        return {**result, "status": "refused", "answer": REFUSAL_TEXT, "cited_ids": [], "refusal_reason": "model"}
    if floor is not None and isinstance(lp, (int, float)) and lp < floor:
        return {**result, "status": "refused", "answer": REFUSAL_TEXT, "cited_ids": [],
                "refusal_reason": "low_confidence"}
    return result


def recorded_answer(item: dict[str, Any], result: dict[str, Any]) -> tuple[str, str, list[str], dict[str, str]]:
    """What the refusal model reads of a recorded answer besides its three numbers, as serving read it: (the
    question as the model read it, normalized; the answer; its cited ids; source id -> text)."""
    return (normalize_query(item["question"]), result.get("answer") or "", result.get("cited_ids") or [],
            {c["id"]: c["text"] for c in result.get("context") or []})


def with_refusal_model(item: dict[str, Any], result: dict[str, Any], model: Any) -> dict[str, Any]:
    """The result with the refusal model in force (refusal_model.py) applied, as serving would have (the question
    it reads is the normalized one the model read). Its decision reads none of the three values calibrate chooses,
    so applying it before them is exact for every threshold, floor and cut."""
    if model is None or result.get("status") != "ok":
        return result
    if not model.refuses(*recorded_answer(item, result), p_refused=result.get("p_refused"),
                         evidence_score=result.get("evidence_score"),
                         answer_min_logprob=result.get("answer_min_logprob")):
        return result
    return {**result, "status": "refused", "answer": REFUSAL_TEXT, "cited_ids": [], "refusal_reason": "uncertain"}


GRID = tuple(round(0.05 * i, 2) for i in range(21))  # 0.0, 0.05, ..., 1.0
FLOORS = tuple(round(-0.25 * i, 2) for i in range(20, 0, -1))  # -5.0, -4.75, ..., -0.25 (log-probabilities)
CUTS = tuple(round(0.25 * i, 2) for i in range(-8, 7))  # -2.0, ..., 1.5 (evidence scores: logits)
OPEN = -1e9  # the evidence cut of the dev run: below every score, so every question reaches the model


def sweep(items: list[dict[str, Any]], results: list[dict[str, Any]], *, f1_threshold: float = 0.5,
          thresholds: list[float] | None = None, cut: float | None = None) -> list[dict[str, Any]]:
    """Task success and refusal precision/recall at each candidate threshold (default GRID). A grid, not every
    recorded P(refused): a threshold fitted between two questions' probabilities of a few hundred is noise."""
    return [_row(items, results, f1_threshold, threshold=t, min_answer_logprob=None, evidence_cut=cut)
            for t in (GRID if thresholds is None else thresholds)]


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
    chosen = _best_keeping(rows, default, max_answer_loss, lambda r: (-abs(r["threshold"] - 0.5), r["threshold"]))
    return chosen, (f"refusal precision >= {min_precision:.2f} (then: the best task success that keeps "
                    f"{100 * (1 - max_answer_loss):.0f}% of the right answers, else 1.0)")


def _best_keeping(rows: list[dict[str, Any]], ref: dict[str, Any], max_answer_loss: float,
                  tie: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """The best task success (ties: `tie`) among `rows` that keep at least 1 - max_answer_loss of the right answers
    `ref` gives, if it beats `ref`; else `ref`. So a refusal rule can never win by refusing nearly everything."""
    floor = (ref.get("task_success_answerable") or 0.0) * (1 - max_answer_loss)
    keep = [r for r in rows if (r.get("task_success_answerable") or 0.0) >= floor - 1e-9]
    if not keep:
        return ref
    best = max(keep, key=lambda r: (r["task_success"] or 0.0, tie(r)))
    return best if (best["task_success"] or 0.0) > (ref["task_success"] or 0.0) else ref


def _row(items: list[dict[str, Any]], results: list[dict[str, Any]], f1_threshold: float, **at: Any) -> dict[str, Any]:
    m = metrics.aggregate(items, [outcome(r, at["threshold"], at["min_answer_logprob"], at["evidence_cut"])
                                  for r in results], f1_threshold=f1_threshold)
    return {**at, "task_success": m["task_success"], "refusal_precision": m["refusal_precision"],
            "refusal_recall": m["refusal_recall"], "n_refused": m["n_refused"],
            "task_success_answerable": m["task_success_answerable"]}


def sweep_floor(items: list[dict[str, Any]], results: list[dict[str, Any]], threshold: float, *,
                f1_threshold: float = 0.5, cut: float | None = None) -> list[dict[str, Any]]:
    """Task success, refusal precision/recall and right answers at `threshold` (and evidence `cut`) with each
    confidence floor (None: no floor, then FLOORS)."""
    return [_row(items, results, f1_threshold, threshold=threshold, min_answer_logprob=c, evidence_cut=cut)
            for c in (None, *FLOORS)]


def sweep_cut(items: list[dict[str, Any]], results: list[dict[str, Any]], threshold: float, floor: float | None,
              base: float, *, f1_threshold: float = 0.5) -> list[dict[str, Any]]:
    """The same at `threshold` and `floor` with each evidence cut: `base` (the evidence model's own) first, then
    CUTS."""
    return [_row(items, results, f1_threshold, threshold=threshold, min_answer_logprob=floor, evidence_cut=c)
            for c in dict.fromkeys((round(base, 6), *CUTS))]


def choose_cut(rows: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """The best task success; among the cuts within one question of it, the one that answers the most questions
    right (then the higher cut). Task success that close cannot tell two cuts apart on n questions; the right
    answers a lower cut lets through to the model can."""
    top = max(r["task_success"] or 0.0 for r in rows)
    near = [r for r in rows if (r["task_success"] or 0.0) >= top - 1.0 / max(n, 1) - 1e-9]
    return max(near, key=lambda r: (r["task_success_answerable"] or 0.0, r["task_success"] or 0.0,
                                    r["evidence_cut"]))


def choose_floor(rows: list[dict[str, Any]], *, max_answer_loss: float = 0.1) -> dict[str, Any]:
    """The best task success among the floors keeping 1 - max_answer_loss of the right answers of no floor (the
    first row), if it beats no floor; ties: the lowest floor."""
    return _best_keeping(rows[1:], rows[0], max_answer_loss, lambda r: -r["min_answer_logprob"])


def _evidence_cut(settings: Settings) -> float | None:
    """The evidence cut the threshold and the floor are chosen at: the one set in the config, else the evidence
    model's own (None: no evidence check)."""
    from ..evidence import for_reranker
    from ..rerank import rerank_folder

    model = (for_reranker(rerank_folder(settings.retrieve.rerank, settings.home)) if settings.generate.evidence_check
             else None)
    if model is None:
        return None
    c = settings.generate.evidence_cut
    return model.cut if c == "auto" else float(c)


def calibrate(settings: Settings, dataset: str | Path, opts: CalibrateOptions | None = None, *,
              engine_factory: Callable[[Settings], Any] | None = None,
              ingest: Callable[..., Any] | None = None, progress: Progress | None = None) -> dict[str, Any]:
    opts = opts or CalibrateOptions()
    for name, v in (("--min-precision", opts.min_precision), ("--min-recall", opts.min_recall),
                    ("--max-answer-loss", opts.max_answer_loss)):
        if not 0 <= v <= 1:
            raise InputError(f"{name} must be 0..1, got {v}")
    if opts.judge is not None:
        t, fl, jc = opts.judge
        if not (0 <= t <= 1 and (fl is None or -math.inf < fl <= 0) and (jc is None or math.isfinite(jc))):
            given = f"{t},{'off' if fl is None else fl},{'own' if jc is None else jc}"
            raise InputError(f"--judge {given}: the threshold must be 0..1, the floor a number <= 0 (or off) and the "
                             f"cut a number (or own)")
    arm = opts.arm.strip().upper()
    if arm not in ("A", "C"):
        raise InputError(f"calibrate runs one arm with retrieval: A or C, not {opts.arm!r}")
    if opts.judge is None:
        _check_both_kinds(settings, dataset, opts)
    got: dict[str, Any] = {}

    def keep(items: list[dict[str, Any]], stored: dict[tuple[str, str], dict[str, Any]]) -> None:
        pairs = [(it, stored[(arm, it["qid"])]) for it in items if (arm, it["qid"]) in stored]
        got["items"], got["results"] = [p[0] for p in pairs], [p[1] for p in pairs]

    # The dev run keeps every answer: the "ok" branch always (threshold 1.0), no confidence floor, and the evidence
    # check open (each question's score is recorded; any cut is then applied offline).
    base_cut = _evidence_cut(settings)
    settings_run = settings.replace("generate", min_answer_logprob="off", refusal_model="off",
                                    **({"evidence_cut": OPEN} if base_cut is not None else {}))
    eopts = EvalOptions(arms=arm, adapter=opts.adapter, limit=opts.limit, seed=opts.seed, out=opts.out,
                        safety=False, mode=opts.mode, split=opts.split, refusal_threshold=1.0,
                        concurrency=opts.concurrency)
    report = run_eval(settings_run, dataset, eopts, engine_factory=engine_factory, ingest=ingest, progress=progress,
                      results=keep)
    if arm not in report["arms"]:
        raise InputError(f"arm {arm} did not run: {'; '.join(report.get('notes', [])) or 'no adapter'}")
    items, results = got.get("items", []), got.get("results", [])
    if not any(r.get("p_refused") is not None for r in results):
        raise InputError("no answer recorded the model's P(refused): nothing to calibrate on")
    adapter_id = report.get("adapter") if arm == "C" and report.get("adapter") not in (None, "none") else None
    model = refusal_model_for(settings.generate.refusal_model, adapter_id)  # answered without it, served with it
    results = [with_refusal_model(i, r, model) for i, r in zip(items, results)]
    f1 = settings.eval.f1_threshold
    rows = sweep(items, results, f1_threshold=f1, cut=base_cut)
    chosen, dropped = choose(rows, min_precision=opts.min_precision, min_recall=opts.min_recall,
                             max_answer_loss=opts.max_answer_loss)
    floors = sweep_floor(items, results, chosen["threshold"], f1_threshold=f1, cut=base_cut)
    if any(r.get("answer_min_logprob") is not None for r in results):
        chosen_floor = choose_floor(floors, max_answer_loss=opts.max_answer_loss)
    else:  # a generator that does not report it (a remote server): nothing to choose from
        chosen_floor = floors[0]
    floor = chosen_floor["min_answer_logprob"]
    cuts: list[dict[str, Any]] = []
    cut = base_cut
    if base_cut is not None and any(r.get("evidence_score") is not None for r in results):
        cuts = sweep_cut(items, results, chosen["threshold"], floor, base_cut, f1_threshold=f1)
        cut = choose_cut(cuts, len(items))["evidence_cut"]
    # The chosen values against those in force before, question by question: on a few hundred questions the best
    # of a grid often wins by a handful of flips, which the sign test calls noise (paired.py).
    before = in_force(settings, adapter_id, base_cut)
    right_before = _right(items, results, f1, *before)
    vs_before = paired.paired_stats(right_before, _right(items, results, f1, chosen["threshold"], floor, cut))
    judged = None
    if opts.judge is not None:
        t, fl, jc = opts.judge
        at = (t, fl, base_cut if jc is None else jc)
        judged = {**_row(items, results, f1, threshold=at[0], min_answer_logprob=at[1], evidence_cut=at[2]),
                  "vs_in_force": paired.paired_stats(right_before, _right(items, results, f1, *at))}
    written = None
    if opts.write and judged is None:
        path, home = settings.home.config_path, settings.home
        values: dict[str, Any] = {"generate.refusal_threshold": float(chosen["threshold"]),
                                  "generate.min_answer_logprob": "off" if floor is None else float(floor)}
        if cuts:  # (else the evidence check is off, or no score was recorded: nothing was chosen)
            values["generate.evidence_cut"] = float(cut)
        update_config(path, values, home=home, what="the calibrated values")  # one edit: all of them or none
        written = str(path)
    return {"warnings": _few(items), "threshold": chosen["threshold"], "min_answer_logprob": floor,
            "evidence_cut": cut, "evidence_cut_fitted": base_cut, "chosen": chosen, "chosen_floor": chosen_floor, "floor_rows": floors,
            "cut_rows": cuts, "dropped_constraint": dropped,
            "constraints": {"min_precision": opts.min_precision, "min_recall": opts.min_recall,
                            "max_answer_loss": opts.max_answer_loss},
            "n": len(items), "arm": arm, "split": opts.split, "mode": report.get("answer_mode"),
            "run_id": report["run_id"], "out": report["out"], "written": written,
            "at_default": next((r for r in rows if r["threshold"] == DEFAULT_THRESHOLD), None), "rows": rows,
            "in_force": dict(zip(("refusal_threshold", "min_answer_logprob", "evidence_cut"), before)),
            "refusal_model": model is not None,
            "vs_in_force": vs_before, "judged": judged}


def _few(items: list[dict[str, Any]]) -> list[str]:
    """What eval run calls a smoke test: values chosen on fewer labelled questions than a decision needs fit their
    noise (a rate on n questions is uncertain by up to ±98/√n points)."""
    from .report import MIN_N_FOR_DECISION, margin_points

    n = sum(i.get("answerable") is not None for i in items)
    if n >= MIN_N_FOR_DECISION:
        return []
    return [f"chosen on n={n} labelled questions: a rate measured on {n} is uncertain by up to "
            f"±{margin_points(n):.0f} points (95%), so these values may fit this sample's noise (eval run needs "
            f"{MIN_N_FOR_DECISION} for a decision; calibrate on more, or judge the values on another split)"]


def _check_both_kinds(settings: Settings, dataset: str | Path, opts: CalibrateOptions) -> None:
    """Choosing needs answerable and unanswerable questions in the split: on one kind alone the best task success
    is "never refuse" or "refuse everything", and writing that would make serving do it. Checked before asking."""
    from .datasets import load_dataset, sample, split_items

    seed = settings.generate.seed if opts.seed is None else int(opts.seed)
    items = sample(split_items(load_dataset(dataset).items, opts.split), opts.limit, seed)
    n_yes = sum(i.get("answerable") is True for i in items)
    n_no = sum(i.get("answerable") is False for i in items)
    if not n_yes or not n_no:
        where = f"the {opts.split} split of {dataset}" if opts.split else str(dataset)
        missing = "answerable" if not n_yes else "unanswerable"
        raise InputError(f"{where}{f' (--limit {opts.limit})' if opts.limit else ''} has no {missing} questions "
                         f"({n_yes} answerable, {n_no} unanswerable, {len(items) - n_yes - n_no} unlabelled): the "
                         f"refusal values cannot be chosen on it",
                         hint="calibrate on a set with both kinds (or score given values with --judge)")


def in_force(settings: Settings, adapter_id: str | None, fitted_cut: float | None
             ) -> tuple[float, float | None, float | None]:
    """(threshold, floor, cut) as the arm would be served before this calibration: the config's values, "auto"
    resolved for the adapter (its manifest) or to the defaults; the evidence model's own cut when none is set."""
    g = settings.generate
    t = resolve_serving("refusal_threshold", g.refusal_threshold, adapter_id)
    cut = None  # no evidence check: no cut
    if fitted_cut is not None:
        cut = resolve_serving("evidence_cut", g.evidence_cut, adapter_id)
        cut = fitted_cut if cut is None else cut
    return (DEFAULT_THRESHOLD if t is None else t, resolve_serving("min_answer_logprob", g.min_answer_logprob, adapter_id),
            cut)


def _right(items: list[dict[str, Any]], results: list[dict[str, Any]], f1_threshold: float, threshold: float,
           floor: float | None, cut: float | None) -> list[bool]:
    """Right or wrong per labelled question, had the run been answered at these values."""
    out = []
    for it, r in zip(items, results):
        c = metrics.score_item(it, outcome(r, threshold, floor, cut), f1_threshold=f1_threshold)["correct"]
        if c is not None:
            out.append(bool(c))
    return out
