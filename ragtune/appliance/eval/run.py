"""`ragtune eval run`: load a dataset (datasets.py), answer it with arms A/B/C, store every answer, score,
report, decide.

Resumable: each answered (arm, question) is one row of eval_items under a run id that hashes everything that
changes answers (dataset content, arms, adapter, seed, limit, answer-affecting settings, the answer code's digest).
A re-run of the same command skips stored rows answered by this code (each row records its code). Questions are
answered interleaved (q1: A, B, C; q2: A, B, C; ...) so that load on a shared machine hits every arm alike instead
of whichever arm happened to run last.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..atomic import make_dir
from ..calibrated import CALIBRATED
from ..config import Settings
from ..errors import InputError, located
from ..home import Home
from ..refusal import keyed, resolve_serving
from ..store import Store
from ..text import check_utf8_path
from . import losses, metrics, paired
from .arms import ARM_LABELS, Arm, ask_arm, make_arms, parse_arms
from .datasets import (SPLITS, Dataset, load_beir, load_dataset, load_replay, load_safety, load_training_jsonl,
                       sample, split_items)
from .identity import (RUN_VERSION, answer_code, answer_settings, builtin_note, make_run_id, resolve_adapter,
                       served_refusal_model)
from .progress import Progress
from .report import mark_smoke_test
from .scratch import corpus_home, corpus_is_ingested, mark_corpus_ingested

# -- the run ------------------------------------------------------------------------------------------------------
def _default_engine(settings: Settings) -> Any:
    from ..answer import AnswerEngine

    return AnswerEngine(settings)


def _default_ingest(settings: Settings, corpus: Path, progress: Progress | None) -> Any:
    from ..ingest.pipeline import ingest_paths

    cb = None
    if progress is not None:
        cb = lambda done, total, path: progress(done, total, "ingest", None)  # noqa: E731
    summary = ingest_paths(settings, [corpus], progress=cb)
    if getattr(summary, "failed", None):
        path, reason = summary.failed[0]
        raise InputError(f"{located(path)}: cannot ingest the corpus: {reason}")
    return summary


@dataclass
class EvalOptions:
    arms: str | list[str] = "A,B,C"
    adapter: str | None = None
    limit: int | None = None
    seed: int | None = None
    out: Path | None = None
    replay: bool = False
    safety: bool | None = None  # None: the safety set runs unless --limit asks for a small sample
    mode: str | None = None  # generate.answer_mode for every arm (default: the config's)
    split: str | None = None  # "dev" | "test": a fixed half of the questions (split_items)
    refusal_threshold: float | None = None  # generate.refusal_threshold for every arm (calibration runs use 1.0)
    # for the [generate] values calibrated per adapter (calibrated.CALIBRATED) set to "auto": the values of the arms with
    # the adapter (B, C) instead of its manifest's (an adapter not installed yet)
    adapter_serving: dict[str, Any] | None = None
    concurrency: int = 1  # engines answering at once (eval/parallel.py)
    reuse: list[str] = dataclasses.field(default_factory=list)  # runs (ids or report folders) to take answers from


# The run is recorded in the home's database by its dataset and report folder, and SQLite holds UTF-8 text: a path
# whose bytes are not UTF-8 ended in a UnicodeEncodeError there, after the questions were sampled.
_RECORDED = "the run records it"
_SAY_SCORING = 2000  # stored answers from which the scoring after the last one is said on the progress stream


def run_eval(settings: Settings, dataset_path: str | Path | None, opts: EvalOptions | None = None, *,
             engine_factory: Callable[[Settings], Any] | None = None,
             ingest: Callable[[Settings, Path, Progress | None], Any] | None = None,
             progress: Progress | None = None,
             judge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None] | None = None,
             results: Callable[[list[dict[str, Any]], dict[tuple[str, str], dict[str, Any]]], None] | None = None,
             ) -> dict[str, Any]:
    """Run (or continue) one evaluation and write its report. Returns the report object (the `--json` output).

    `engine_factory(settings)` builds the answer engine (default: ragtune.appliance.answer.AnswerEngine); `ingest`
    loads a BEIR corpus into the scratch home; `judge(item, result)` is the optional LLM-judge hook."""
    from .report import check_out, code_of, report_warnings, write_reports

    opts = opts or EvalOptions()
    check_utf8_path(dataset_path, "DATASET", _RECORDED)
    check_utf8_path(opts.out, "--out", _RECORDED)
    t_start = time.perf_counter()
    seed = settings.generate.seed if opts.seed is None else int(opts.seed)
    if seed < 0:
        raise InputError("--seed must be >= 0")
    settings = settings.replace("generate", seed=seed)  # one seed for sampling and decoding, every arm
    code = answer_code()  # once: the run id, every stored answer and the report name the same code
    if opts.mode is not None:
        settings = settings.replace("generate", answer_mode=opts.mode)
    if opts.refusal_threshold is not None:
        settings = settings.replace("generate", refusal_threshold=opts.refusal_threshold)
    names = parse_arms(opts.arms)
    adapter_ref, adapter = resolve_adapter(settings, opts.adapter)
    arms, notes = make_arms(names, adapter_ref)
    if not arms:  # a report of no arm at all would only say "no-go"
        raise InputError(f"--arms {','.join(names)}: {'; '.join(notes)}", hint="name an adapter (--adapter ID), or add arm A")
    notes += builtin_note(adapter)

    main_store = Store(settings.home.db_path)
    try:
        dataset = load_dataset(dataset_path, replay=opts.replay, store=main_store)
        items = sample(split_items(dataset.items, opts.split), opts.limit, seed)
        if opts.limit is not None and opts.limit > len(items):  # the report's limit would read as the sample size
            notes.append(f"--limit {opts.limit} is more than the {len(items)} questions"
                         f"{f' of the {opts.split} split' if opts.split else ''}: every one is asked")
        # `--limit N` means N questions per arm: the safety set joins a limited run only when asked (--safety).
        safety = opts.safety if opts.safety is not None else opts.limit is None
        if opts.safety is None and not safety:
            notes.append(f"safety set skipped: --limit {opts.limit} answers only the sampled questions "
                         "(add --safety to run the safety set too)")
        run_id = make_run_id(dataset, [a.name for a in arms], adapter, seed, opts.limit, settings, safety,
                             opts.split, opts.adapter_serving, code=code)
        out = Path(opts.out) if opts.out else settings.home.eval_dir / run_id
        check_out(out, run_id, code)
        config = {"dataset": dataset.summary(), "arms": [a.name for a in arms], "adapter": adapter or "none",
                  "seed": seed, "limit": opts.limit, "split": opts.split, "safety": safety,
                  "settings": answer_settings(settings),
                  "out": str(out), "version": RUN_VERSION, "answer_code": code}
        lends = {a.name: a.adapter != "none" for a in arms}
        run_id_of = lambda cfg: make_run_id(dataset, cfg["arms"], adapter, seed, cfg.get("limit"),  # noqa: E731
                                            settings, bool(cfg.get("safety")), cfg.get("split"), opts.adapter_serving,
                                            code=code)
        if opts.reuse:  # every --reuse checked before the report folder and the run's record are made: a refused
            from .reuse import lent_arms, resolve_run  # one left an empty folder under HOME/eval (round 54)

            for ref in opts.reuse:
                rid, cfg = resolve_run(main_store, ref)
                if rid != run_id:
                    lent_arms(rid, cfg, config, lends, run_id_of)
        make_dir(out)
        # Answers come from a scratch home (it keeps eval traffic out of the user's query log): a BEIR corpus gets
        # one shared by every run over the same corpus and ingest settings (HOME/eval/corpora/KEY: a new --limit or
        # --out does not ingest it again); a training set one under the out dir; a replay uses the home it replays.
        if dataset.kind == "replay":
            run_settings = settings
        elif dataset.corpus is not None:
            run_settings = dataclasses.replace(settings, home=Home(corpus_home(settings, dataset.corpus)))
        else:
            run_settings = dataclasses.replace(settings, home=Home(out / "home"))
        from ..rerank import effective_rerank, resolve_reranker

        rerank = effective_rerank(settings.retrieve.rerank)
        if rerank and run_settings.home != settings.home:
            # a scratch home has a registry of its own: hand it the user's reranker by its folder
            run_settings = run_settings.replace("retrieve", rerank=str(resolve_reranker(rerank, settings.home)))
        # No answer or retrieval cache: each arm pays for its own retrieval and generation (arms A and C ask the
        # same question, and a resumed run re-asks nothing it could take from a cache).
        run_settings = run_settings.replace("generate", answer_cache=False).replace("retrieve", cache=False)
        main_store.ensure_eval_run(run_id, dataset.path, config)
        done, redo = _done_by(main_store, run_id, code)
        if redo:
            notes.append(redo)
            if progress is not None:
                progress(0, 0, redo, None)
        safety_items = load_safety() if safety else []
        todo: list[tuple[Arm, dict[str, Any], str]] = []
        for it in items:
            for arm in arms:
                todo.append((arm, it, dataset.kind))
        for sit in safety_items:
            for arm in arms:
                if arm.empty_context and sit["kind"] == "injection":
                    continue  # B answers over no sources, so there is nothing to inject: not applicable
                todo.append((arm, sit, "safety"))
        total = len(todo)
        pending = [t for t in todo if (t[0].name, t[1]["qid"]) not in done]
        if opts.reuse:
            from .reuse import take

            taken, note = take(main_store, opts.reuse, run_id, config, lends,
                               [(a.name, it["qid"]) for a, it, _ in pending], run_id_of)
            pending = [t for t in pending if (t[0].name, t[1]["qid"]) not in taken]
            notes += [note] if note else []
        resumed = total - len(pending)

        answered_now = 0
        if pending and dataset.corpus is not None and not corpus_is_ingested(run_settings, dataset.corpus):
            (ingest or _default_ingest)(run_settings, dataset.corpus, progress)
            mark_corpus_ingested(run_settings, dataset.corpus)
        t_loop = time.perf_counter()

        def answer(engine: Any, task: tuple[Arm, dict[str, Any], str]) -> dict[str, Any]:
            arm, it, kind = task
            return ask_arm(engine, arm, it, kind=kind, max_answer_chars=settings.generate.max_answer_chars,
                           judge=judge)

        def store(task: tuple[Arm, dict[str, Any], str], res: dict[str, Any]) -> None:
            nonlocal answered_now
            arm, it, _ = task
            main_store.put_eval_item(run_id, arm.name, it["qid"], {**res, "answer_code": code})
            answered_now += 1
            if progress is not None:
                rate = (time.perf_counter() - t_loop) / answered_now
                progress(resumed + answered_now, total, f"eval {arm.name}", rate * (total - resumed - answered_now))

        if pending:
            from .parallel import answer_all

            if progress is not None:
                progress(resumed, total, f"eval {pending[0][0].name}", None)
            def make_engine() -> Any:
                engine = (engine_factory or _default_engine)(run_settings)
                if opts.adapter_serving and hasattr(engine, "adapter_serving"):
                    engine.adapter_serving = dict(opts.adapter_serving)
                return engine

            answer_all(pending, make_engine, opts.concurrency, answer, store)
            if progress is not None:
                progress(total, total, "eval", 0.0)

        stored = main_store.eval_items(run_id)
    finally:
        main_store.close()

    if results is not None:
        results(items, stored)
    if progress is not None and len(stored) >= _SAY_SCORING:  # 10,000 answers take ~20 s per arm: not a hang
        progress(0, 0, f"scoring {len(stored)} answers and writing the report to {out}", None)
    scores: dict[tuple[str, str], dict[str, Any]] = {}  # each answer scored once: the rows' scores, reused
    rows = paired.question_rows(items, [a.name for a in arms], stored, f1_threshold=settings.eval.f1_threshold,
                                scores=scores)
    report = build_report(settings, dataset, items, safety_items, arms, stored, adapter=adapter, notes=notes + dataset.notes,
                          run_id=run_id, out=out, adapter_serving=opts.adapter_serving, rows=rows, scores=scores)
    report["code"] = code_of(code)
    report["warnings"] = report_warnings(report)
    report["split"], report["limit"] = opts.split, opts.limit  # with seed and answer_mode: the run's command
    if not safety:  # the reports say why it did not run: "--no-safety" misread a plain `--limit N` run
        report["safety"]["skipped"] = ("--no-safety" if opts.safety is False
                                       else f"--limit {opts.limit} without --safety")
    report["answered_now"] = answered_now
    report["resumed"] = resumed
    report["elapsed_s"] = round(time.perf_counter() - t_start, 2)
    write_reports(report, out, rows, run_id)  # with items.jsonl, as one set (a full disk leaves the previous one)
    return report


def _done_by(store: Store, run_id: str, code: str) -> tuple[set[tuple[str, str]], str | None]:
    """(arm, qid) of the stored answers this code made, and the line that says how many others are asked again:
    answers of other code (a row records the code that answered since round 52; one without is older) or that do
    not read (damaged rows: the report skips them, so they are answered again rather than left out)."""
    done, other, damaged = store.eval_done_by(run_id, code)  # each row read as the report reads it
    if not other and not damaged:
        return done, None
    every = len(done) + other + damaged
    what = [f"{other} of {every} stored answers were made by other answer code"] if other else []
    what += [f"{damaged} of {every} stored answers do not read (damaged)"] if damaged else []
    return done, f"{' and '.join(what)}; asking them again"


def categories(items: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    """Task success by a BEIR query's `metadata.category` (round 49): {category: {arm: {"n", "correct"}}} over the
    labelled questions, from the rows already scored (the same verdicts as the arms' task success); {} when no
    question has a category. A question without one is under "(none)"."""
    cat = {it["qid"]: it.get("category") for it in items}
    if not any(cat.values()):
        return {}
    out: dict[str, dict[str, dict[str, int]]] = {}
    for r in rows:
        if r["correct"] is None:  # unlabeled: not in task success
            continue
        cell = out.setdefault(cat.get(r["qid"]) or "(none)", {}).setdefault(r["arm"], {"n": 0, "correct": 0})
        cell["n"] += 1
        cell["correct"] += bool(r["correct"])
    return dict(sorted(out.items()))


def served_as(settings: Settings, arms: list[Arm], stored: dict[tuple[str, str], dict[str, Any]]
              ) -> tuple[dict[str, Any], list[str]]:
    """How the adapter arms' answers were served, as the engine did it, and a note when that is not what was set:
    ({"adapter_merge": True (all merged) | False (none) | None (mixed), "adapter_served": {"merged" | "lora" |
    "remote": answers}}, notes). Results stored before engines reported it fall back to the setting."""
    names = {a.name for a in arms if a.adapter != "none"}
    counts = Counter(r["adapter_served"] for (arm, _), r in stored.items()
                     if arm in names and r.get("adapter_served") not in (None, "none"))
    if not counts:
        return {"adapter_merge": settings.generate.adapter_merge, "adapter_served": {}}, []
    total, merged = sum(counts.values()), counts.get("merged", 0)
    notes = []
    if settings.generate.adapter_merge and counts.get("lora"):
        notes.append(f"generate.adapter_merge is on, but {counts['lora']} answers of arm(s) {'/'.join(sorted(names))} "
                     f"were served as a run-time LoRA: the adapter could not be merged, so their latencies are not "
                     f"those of merged serving")
    return {"adapter_merge": True if merged == total else False if merged == 0 else None,
            "adapter_served": dict(counts)}, notes


def build_report(settings: Settings, dataset: Dataset, items: list[dict[str, Any]], safety_items: list[dict[str, Any]],
                 arms: list[Arm], stored: dict[tuple[str, str], dict[str, Any]], *, adapter: str | None,
                 notes: list[str], run_id: str, out: Path,
                 adapter_serving: dict[str, Any] | None = None,
                 rows: list[dict[str, Any]] | None = None,
                 scores: dict[tuple[str, str], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Metrics per arm, deltas, decision and safety from the stored results (pure given its inputs). `rows` are
    the scored per-question rows (paired.question_rows), `scores` the score_item of each (arm, qid) made with them
    (reused by metrics.aggregate, not scored again); both computed here when either is not given."""
    cfg = settings.eval
    if rows is None or scores is None:
        scores = {}
        rows = paired.question_rows(items, [a.name for a in arms], stored, f1_threshold=cfg.f1_threshold,
                                    scores=scores)
    per_arm: dict[str, dict[str, Any]] = {}
    failures: dict[str, list[dict[str, Any]]] = {}
    for arm in arms:
        pairs = [(it, stored[(arm.name, it["qid"])]) for it in items if (arm.name, it["qid"]) in stored]
        m = metrics.aggregate([p[0] for p in pairs], [p[1] for p in pairs], f1_threshold=cfg.f1_threshold,
                              scores=[scores[(arm.name, it["qid"])] for it, _ in pairs])
        m["label"] = ARM_LABELS[arm.name]
        # Show the adapter's identity (sha256), not the file path the engine was handed.
        m["adapter"] = "none" if arm.adapter == "none" else (adapter or arm.adapter)
        # what answered, as the engine reported it per answer (an arm that never answered: [])
        for key, col in (("model_ids", "model"), ("adapter_ids", "adapter")):
            m[key] = sorted({str(r[col]) for _, r in pairs if r.get("status") != "error" and r.get(col)})
        m["complete"] = len(pairs) == len(items)
        # 95 % intervals: how far the rate of this many questions can be from the rate of the population
        m["task_success_ci95"] = paired.wilson(m["n_correct_answers"] + m["n_correct_refusals"], m["n_labeled"])
        n_ans = sum(1 for it, _ in pairs if it.get("answerable") is True)
        m["task_success_answerable_ci95"] = paired.wilson(m["n_correct_answers"], n_ans)
        judged = [p[1].get("judge") for p in pairs if isinstance(p[1].get("judge"), dict)]
        if judged:
            m["judge_correct"] = metrics.mean(j.get("correct") for j in judged)
            m["judge_grounded"] = metrics.mean(j.get("grounded") for j in judged)
        per_arm[arm.name] = m
        fl = []
        scored = paired.rows_by_qid(rows, arm.name)  # the rows hold each answer's score: not scored again here
        for it, res in pairs:
            s = scored[it["qid"]]
            if s["correct"] is False or s["hallucinated"] or s["status"] == "error":
                fl.append({"qid": it["qid"], "question": it["question"], "gold": it.get("answers", []),
                           "answerable": it.get("answerable"), "status": res.get("status"),
                           "answer": res.get("answer"), "cited": res.get("cited_ids"), "where": losses.where(s),
                           "hallucinated": bool(s["hallucinated"]), "error": res.get("error")})
        failures[arm.name] = fl[:15]
    deltas: dict[str, Any] = {}
    if "C" in per_arm and "A" in per_arm:
        deltas["C-A"] = metrics.deltas(per_arm["C"], per_arm["A"])
    if "C" in per_arm and "B" in per_arm:
        deltas["C-B"] = metrics.deltas(per_arm["C"], per_arm["B"])
    # The same questions, question by question: only flips count, judged by the exact sign test (paired.py).
    paired_deltas = {f"{x}-{y}": paired.compare_rows(paired.rows_by_qid(rows, y),
                                                     paired.rows_by_qid(rows, x))["task_success"]
                     for x, y in (("C", "A"), ("C", "B")) if x in per_arm and y in per_arm}
    # where each arm's answers were lost: retrieval, the checks before the model, its refusals, its reading
    lost = {arm.name: losses.tally(r for r in rows if r["arm"] == arm.name) for arm in arms}
    by_category = categories(items, rows)  # here: `rows` is reused for the safety set below
    decision = metrics.decide(per_arm, cfg, adapter=adapter)
    # The engine reports which adapter answered: A must be the base, B and C must not be. A mismatch means the
    # comparison is not what it claims to be.
    for arm in arms:
        answered = [r for (a, q), r in stored.items() if a == arm.name and r.get("status") != "error"]
        wrong = [r for r in answered if (r.get("adapter") or "none") == "none"] if arm.adapter != "none" else \
            [r for r in answered if (r.get("adapter") or "none") != "none"]
        if wrong:
            decision["go"] = False
            decision["reasons"].append(f"arm {arm.name}: {len(wrong)} answers came from the wrong model "
                                       f"(adapter {wrong[0].get('adapter')!r}, expected {'none' if arm.adapter == 'none' else 'an adapter'})")
    incomplete = [a for a, m in per_arm.items() if not m["complete"]]
    if incomplete:
        decision["go"] = False
        decision["reasons"].append(f"incomplete arms: {', '.join(incomplete)}")
    mark_smoke_test(decision, per_arm)  # too few labelled questions: no decision at all (docs/eval.md)

    safety: dict[str, Any] = {"n_items": len(safety_items), "arms": {}}
    for arm in arms:
        rows = []
        for sit in safety_items:
            res = stored.get((arm.name, sit["qid"]))
            if res is None:
                continue
            ok, why = metrics.safety_verdict(sit, res, settings.generate.max_answer_chars)
            rows.append({"id": sit["id"], "kind": sit["kind"], "safe": ok, "why": why, "status": res.get("status"),
                         "answer": res.get("answer")})
        n_safe = sum(r["safe"] for r in rows)
        safety["arms"][arm.name] = {
            "n": len(rows), "safe": n_safe, "share_safe": (n_safe / len(rows)) if rows else None,
            "injection_share_safe": metrics.mean(r["safe"] for r in rows if r["kind"] == "injection"),
            "jailbreak_share_safe": metrics.mean(r["safe"] for r in rows if r["kind"] == "jailbreak"),
            "failures": [r for r in rows if not r["safe"]],
        }
    served, served_notes = served_as(settings, arms, stored)
    scale = resolve_serving("adapter_scale", settings.generate.adapter_scale, adapter,
                            (adapter_serving or {}).get("adapter_scale")) if adapter else 1.0
    shown = [key for key in CALIBRATED if keyed(key, scale if key == "adapter_scale" else None)]
    return {
        "run_id": run_id,
        "out": str(out),
        "dataset": dataset.summary(),
        "arms": per_arm,
        "deltas": deltas,
        "paired": paired_deltas,
        "losses": lost,
        **({"by_category": by_category} if by_category else {}),
        "items_file": paired.ITEMS_FILE,
        "decision": decision,
        "safety": safety,
        "criteria": dataclasses.asdict(cfg),
        "adapter": adapter or "none",
        "seed": settings.generate.seed,
        "answer_mode": settings.generate.answer_mode,
        "settings": answer_settings(settings),  # the values that change answers, as the run id keys them
        **served,  # how arms B and C were served (merged.py)
        # the values calibrated per adapter, as set, and what they were for the adapter's arms (B, C): "auto" resolved
        **{key: getattr(settings.generate, key) for key in shown},
        **{f"{key}_adapter": resolve_serving(key, getattr(settings.generate, key), adapter,
                                             (adapter_serving or {}).get(key)) for key in shown},
        **({"refusal_model_adapter": model.to_dict()}
           if (model := served_refusal_model(settings, adapter, adapter_serving)) is not None else {}),
        "n_questions": len(items),
        "notes": notes + served_notes,
        "failures": failures,
        "definitions": "docs/eval.md",
        "support_threshold": metrics.SUPPORT_THRESHOLD,
        "metrics_version": metrics.METRICS_VERSION,  # how answers were scored: `eval compare` warns on a mismatch
    }


__all__ = ["SPLITS", "Dataset", "EvalOptions", "answer_settings", "build_report", "builtin_note", "load_beir",
           "load_dataset", "load_replay", "load_safety", "load_training_jsonl", "make_run_id", "resolve_adapter",
           "run_eval", "sample", "split_items"]
