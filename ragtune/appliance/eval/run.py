"""`ragtune eval run`: load a dataset, answer it with arms A/B/C, store every answer, score, report, decide.

Resumable: each answered (arm, question) is one row of eval_items under a run id that hashes everything that
changes answers (dataset content, arms, adapter, seed, limit, answer-affecting settings). A re-run of the same
command skips stored rows. Questions are answered interleaved (q1: A, B, C; q2: A, B, C; ...) so that load on a
shared machine hits every arm alike instead of whichever arm happened to run last.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import Settings
from ..errors import InputError, located
from ..home import Home
from ..store import Store, json_dumps
from . import metrics
from .arms import ARM_LABELS, Arm, ask_arm, make_arms, parse_arms

SAFETY_FILE = Path(__file__).with_name("safety.jsonl")
SAFETY_DOCS = Path(__file__).with_name("safety_docs")
RUN_VERSION = 1  # bump when the stored result format or the run-id recipe changes

Progress = Callable[[int, int, str, "float | None"], None]  # (done, total, label, eta_s)


@dataclass
class Dataset:
    kind: str  # "beir" | "jsonl" | "replay"
    path: str
    identity: str  # sha256 of the content that defines the questions and their gold
    items: list[dict[str, Any]]
    corpus: Path | None = None  # BEIR corpus to ingest into the scratch home
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "identity": self.identity, "n_items": len(self.items),
                "n_answerable": sum(i.get("answerable") is True for i in self.items),
                "n_unanswerable": sum(i.get("answerable") is False for i in self.items),
                "n_unlabeled": sum(i.get("answerable") is None for i in self.items)}


# -- dataset loading ----------------------------------------------------------------------------------------------
def _sha_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        with p.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _jsonl(path: Path) -> list[tuple[int, Any]]:
    """(line number, parsed object) for each non-blank line; errors name file and line."""
    out: list[tuple[int, Any]] = []
    try:
        with path.open("r", encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    out.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{located(path, n)}: invalid JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise InputError(f"{located(path)}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{located(path)}: cannot read: {exc.strerror or exc}") from None
    return out


def load_beir(folder: Path) -> Dataset:
    """A BEIR folder (read and validated by ragtune.appliance.beir): corpus.jsonl, queries.jsonl with metadata
    answers / answerable / context_id, qrels/test.tsv.

    Gold passages come from the qrels (score > 0), else from metadata.context_id. A query without `answers`
    and `answerable` metadata is unlabeled (scored for groundedness, schema and latency only)."""
    from ..beir import load_beir as read_beir

    folder = Path(folder)
    bs = read_beir(folder)
    queries = folder / "queries.jsonl"
    items: list[dict[str, Any]] = []
    for q in bs.queries:
        qid, meta = str(q["_id"]), q["metadata"]
        where = f"{located(queries)}: query {qid}"
        answers = meta.get("answers")
        if answers is not None and not (isinstance(answers, list) and all(isinstance(a, str) for a in answers)):
            raise InputError(f"{where}: metadata.answers must be a list of strings")
        answerable = meta.get("answerable")
        if answerable is not None and not isinstance(answerable, bool):
            raise InputError(f"{where}: metadata.answerable must be true or false")
        if answerable is None and answers is not None:
            answerable = bool(answers)
        if answerable and not answers:
            raise InputError(f"{where}: answerable query without gold answers")
        gold = {d for d, score in bs.qrels.get(qid, {}).items() if score > 0}
        if not gold and meta.get("context_id"):
            gold = {str(meta["context_id"])}
        items.append({"qid": qid, "question": q["text"], "answerable": answerable, "answers": list(answers or []),
                      "gold_keys": sorted(gold)})
    if not items:
        raise InputError(f"{located(queries)}: no queries")
    files = [bs.corpus_path, queries, folder / "qrels" / "test.tsv"]
    notes = [f"{len(bs.skipped_queries)} blank queries left out ({', '.join(bs.skipped_queries[:3])})"] if bs.skipped_queries else []
    return Dataset("beir", str(folder.resolve()), _sha_files(files), items, corpus=bs.corpus_path, notes=notes)


def load_training_jsonl(path: Path) -> Dataset:
    """Training-format JSONL ({"prompt": {"system", "context": [{"id", "text"}], "user"}, "output": {...}}).

    The gold is the output: status ok -> answerable with the output answer as gold and its citations as gold
    passages; refused -> unanswerable. The file's own system prompt is not used: every arm answers with the
    product's one system prompt (ragtune.appliance.prompt), as serving does."""
    path = Path(path)
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, obj in _jsonl(path):
        where = located(path, n)
        prompt = obj.get("prompt") if isinstance(obj, dict) else None
        output = obj.get("output") if isinstance(obj, dict) else None
        if not isinstance(prompt, dict) or not isinstance(output, dict):
            raise InputError(f"{where}: each line needs 'prompt' and 'output' objects (training JSONL format)")
        q, ctx = prompt.get("user"), prompt.get("context", [])
        if not isinstance(q, str) or not q.strip():
            raise InputError(f"{where}: prompt.user must be a non-empty string")
        if not isinstance(ctx, list) or not all(isinstance(c, dict) and isinstance(c.get("id"), str)
                                                and isinstance(c.get("text"), str) for c in ctx):
            raise InputError(f"{where}: prompt.context must be a list of {{'id', 'text'}} strings")
        ids = [c["id"] for c in ctx]
        if len(set(ids)) != len(ids):
            raise InputError(f"{where}: duplicate context ids")
        status, cites = output.get("status"), output.get("citations", [])
        if status not in ("ok", "refused") or not isinstance(output.get("answer"), str):
            raise InputError(f"{where}: output needs status 'ok'|'refused' and a string answer")
        if not isinstance(cites, list) or any(c not in ids for c in cites):
            raise InputError(f"{where}: output.citations must be ids from prompt.context")
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        qid = str(meta.get("id") or f"L{n}")
        if qid in seen:
            qid = f"{qid}@L{n}"
        seen.add(qid)
        items.append({"qid": qid, "question": q, "answerable": status == "ok",
                      "answers": [output["answer"]] if status == "ok" else [], "gold_keys": list(cites),
                      "context": [{"id": c["id"], "text": c["text"]} for c in ctx]})
    if not items:
        raise InputError(f"{located(path)}: no examples")
    return Dataset("jsonl", str(path.resolve()), _sha_files([path]), items)


def load_replay(store: Store) -> Dataset:
    """Distinct questions from the home's query log (oldest first). Rows written by earlier replay evals are
    excluded so that evaluating does not grow its own dataset. A human review (JSON answer) becomes the gold."""
    own = store.replay_log_ids()
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in store.iter_query_log():
        log_id, query, norm, review = entry["id"], entry["query"], entry["normalized_query"], entry["review"]
        if log_id in own or norm in seen or not str(query).strip():
            continue
        seen.add(norm)
        item: dict[str, Any] = {"qid": f"log{log_id}", "question": query, "answerable": None, "answers": [],
                                "gold_keys": []}
        # an unparsable review (the store hands out its raw text) leaves the question unlabeled
        if isinstance(review, dict) and review.get("status") in ("ok", "refused"):
            item["answerable"] = review["status"] == "ok"
            item["answers"] = [str(review.get("answer", ""))] if review["status"] == "ok" else []
        items.append(item)
    if not items:
        raise InputError("the query log is empty: nothing to replay", hint="ask some questions first (ragtune ask)")
    ident = hashlib.sha256(json_dumps([[i["qid"], i["question"], i["answers"]] for i in items]).encode()).hexdigest()
    return Dataset("replay", f"{store.path}#query_log", ident, items)


def load_dataset(path: str | Path | None, *, replay: bool = False, store: Store | None = None) -> Dataset:
    if replay:
        if path:
            raise InputError("--replay evaluates the home's query log: give no DATASET with it")
        if store is None:
            raise InputError("--replay needs the home's store")
        return load_replay(store)
    if not path:
        raise InputError("give a DATASET (a BEIR folder or a training-format .jsonl file), or --replay")
    p = Path(path)
    if p.is_dir():
        return load_beir(p)
    if p.is_file():
        return load_training_jsonl(p)
    raise InputError(f"{located(p)}: no such file or folder")


def sample(items: list[dict[str, Any]], limit: int | None, seed: int) -> list[dict[str, Any]]:
    """A deterministic seeded sample of `limit` items, stratified by answerability so the unanswerable share of
    the full set is kept (largest-remainder rounding). Order: shuffled with the same seed."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise InputError("--limit must be >= 1")
    rng = random.Random(seed)
    strata: dict[Any, list[dict[str, Any]]] = {}
    for it in sorted(items, key=lambda i: i["qid"]):
        strata.setdefault(it.get("answerable"), []).append(it)
    keys = sorted(strata, key=repr)
    exact = {k: limit * len(strata[k]) / len(items) for k in keys}
    take = {k: int(exact[k]) for k in keys}
    for k in sorted(keys, key=lambda k: (-(exact[k] - take[k]), repr(k)))[: limit - sum(take.values())]:
        take[k] += 1
    chosen: list[dict[str, Any]] = []
    for k in keys:
        pool = strata[k][:]
        rng.shuffle(pool)
        chosen.extend(pool[: take[k]])
    rng.shuffle(chosen)
    return chosen


SPLITS = ("dev", "test")


def split_items(items: list[dict[str, Any]], split: str | None) -> list[dict[str, Any]]:
    """A fixed half of the questions: "dev" (to calibrate on) or "test" (to report on), by a hash of the
    question id, so the halves never overlap and do not depend on the sample's seed."""
    if not split:
        return list(items)
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}", hint="dev or test")
    want = 0 if split == "dev" else 1
    return [i for i in items if hashlib.sha256(str(i["qid"]).encode()).digest()[0] % 2 == want]


def load_safety(path: Path = SAFETY_FILE, docs: Path = SAFETY_DOCS) -> list[dict[str, Any]]:
    """The shipped safety set: items with their documents as context (S1..Sk), answered without retrieval."""
    out: list[dict[str, Any]] = []
    for n, obj in _jsonl(path):
        where = located(path, n)
        if not isinstance(obj, dict) or obj.get("kind") not in ("injection", "jailbreak") or not isinstance(obj.get("question"), str):
            raise InputError(f"{where}: needs kind 'injection'|'jailbreak' and a question")
        ctx = []
        for i, name in enumerate(obj.get("docs", []), start=1):
            doc = docs / name
            try:
                text = doc.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{where}: document {name}: {exc}") from None
            ctx.append({"id": f"S{i}", "text": text, "source": f"safety_docs/{name}"})
        out.append({**obj, "qid": f"safety:{obj['id']}", "context": ctx})
    return out


# -- run identity -------------------------------------------------------------------------------------------------
def answer_settings(settings: Settings) -> dict[str, Any]:
    """The settings that can change an answer (threads and cache switches cannot)."""
    g = settings.generate
    return {
        "generate": {k: getattr(g, k) for k in ("model", "n_ctx", "max_tokens", "temperature", "seed",
                                                 "max_answer_chars", "max_repairs", "min_support", "answer_mode",
                                                 "refusal_threshold")},
        "retrieve": {k: v for k, v in dataclasses.asdict(settings.retrieve).items() if k not in ("cache", "cache_ttl_s")},
        "ingest": {"chunk_tokens": settings.ingest.chunk_tokens, "overlap_tokens": settings.ingest.overlap_tokens},
        "embed": {"model": settings.embed.model},
    }


def make_run_id(dataset: Dataset, arms: list[str], adapter: str | None, seed: int, limit: int | None,
                settings: Settings, safety: bool, split: str | None = None) -> str:
    blob = {"v": RUN_VERSION, "kind": dataset.kind, "dataset": dataset.identity, "arms": sorted(arms),
            "adapter": adapter or "none", "seed": seed, "limit": limit, "safety": safety,
            "settings": answer_settings(settings)}
    if split:
        blob["split"] = split
    blob = json_dumps(blob)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def resolve_adapter(settings: Settings, adapter: str | None) -> tuple[str | None, str | None]:
    """(reference for the engine, identity) of the adapter for arms B and C, or (None, None) without one.

    --adapter, else the config default, else the registry's active adapter. The identity is the adapter's
    registry id or file sha256, so a run is keyed on adapter content, not on a nickname. An unknown
    reference is an error here, before any question is answered."""
    if adapter is None:
        adapter = settings.generate.adapter if settings.generate.adapter != "none" else "active"
    ref = str(adapter).strip()
    if ref.lower() in ("", "none"):
        return None, None
    from ..registry import Registry
    from ..registry import resolve_adapter as resolve_adapter_ref

    # The engine answers in a scratch home whose registry is empty: hand it the verified file, whose sha256
    # is the registry id, never a name it would look up there.
    path, aid = resolve_adapter_ref(Registry(settings.home), ref)
    return (None, None) if path is None else (str(Path(path).resolve()), str(aid))


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


def stderr_progress(stream: Any = None) -> Progress:
    """Progress with ETA on stderr: a rewritten line on a terminal; otherwise a line every 5%, or sooner when
    30 s have passed since the last one (slow runs still show a heartbeat)."""
    stream = stream or sys.stderr
    tty = getattr(stream, "isatty", lambda: False)()
    state = {"last": -1, "t": 0.0}

    def fmt(s: float | None) -> str:
        if s is None:
            return "?"
        s = int(s)
        return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"

    def cb(done: int, total: int, label: str, eta: float | None) -> None:
        pct = 100 * done // max(total, 1)
        line = f"{label} {done}/{total} ({pct}%)" + ("" if label == "ingest" else f" ETA {fmt(eta)}")
        if tty:
            stream.write("\r" + line.ljust(60) + ("\n" if done >= total else ""))
        elif pct // 5 != state["last"] or done >= total or time.monotonic() - state["t"] >= 30:
            state["last"], state["t"] = pct // 5, time.monotonic()
            stream.write(line + "\n")
        stream.flush()

    return cb


@dataclass
class EvalOptions:
    arms: str | list[str] = "A,B,C"
    adapter: str | None = None
    limit: int | None = None
    seed: int | None = None
    out: Path | None = None
    replay: bool = False
    safety: bool = True
    mode: str | None = None  # generate.answer_mode for every arm (default: the config's)
    split: str | None = None  # "dev" | "test": a fixed half of the questions (split_items)
    refusal_threshold: float | None = None  # generate.refusal_threshold for every arm (calibration runs use 1.0)


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
    from .report import report_warnings, write_reports

    opts = opts or EvalOptions()
    t_start = time.perf_counter()
    seed = settings.generate.seed if opts.seed is None else int(opts.seed)
    if seed < 0:
        raise InputError("--seed must be >= 0")
    settings = settings.replace("generate", seed=seed)  # one seed for sampling and decoding, every arm
    if opts.mode is not None:
        settings = settings.replace("generate", answer_mode=opts.mode)
    if opts.refusal_threshold is not None:
        settings = settings.replace("generate", refusal_threshold=opts.refusal_threshold)
    names = parse_arms(opts.arms)
    adapter_ref, adapter = resolve_adapter(settings, opts.adapter)
    arms, notes = make_arms(names, adapter_ref)

    main_store = Store(settings.home.db_path)
    try:
        dataset = load_dataset(dataset_path, replay=opts.replay, store=main_store)
        items = sample(split_items(dataset.items, opts.split), opts.limit, seed)
        run_id = make_run_id(dataset, [a.name for a in arms], adapter, seed, opts.limit, settings, opts.safety,
                             opts.split)
        out = Path(opts.out) if opts.out else settings.home.eval_dir / run_id
        out.mkdir(parents=True, exist_ok=True)
        # BEIR corpora and training sets are answered in a scratch home under the out dir (reused on resume, and
        # it keeps eval traffic out of the user's query log); a replay has to use the home it replays.
        run_settings = settings if dataset.kind == "replay" else dataclasses.replace(settings, home=Home(out / "home"))
        # No answer or retrieval cache: each arm pays for its own retrieval and generation (arms A and C ask the
        # same question, and a resumed run re-asks nothing it could take from a cache).
        run_settings = run_settings.replace("generate", answer_cache=False).replace("retrieve", cache=False)
        config = {"dataset": dataset.summary(), "arms": [a.name for a in arms], "adapter": adapter or "none",
                  "seed": seed, "limit": opts.limit, "split": opts.split, "safety": opts.safety,
                  "settings": answer_settings(settings),
                  "out": str(out), "version": RUN_VERSION}
        main_store.ensure_eval_run(run_id, dataset.path, config)
        done = main_store.eval_done(run_id)
        safety_items = load_safety() if opts.safety else []
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
        resumed = total - len(pending)

        engine = None
        answered_now = 0
        if pending:
            if dataset.corpus is not None:
                (ingest or _default_ingest)(run_settings, dataset.corpus, progress)
            engine = (engine_factory or _default_engine)(run_settings)
        try:
            t_loop = time.perf_counter()
            for arm, it, kind in pending:
                if progress is not None:
                    rate = (time.perf_counter() - t_loop) / answered_now if answered_now else None
                    eta = None if rate is None else rate * (total - resumed - answered_now)
                    progress(resumed + answered_now, total, f"eval {arm.name}", eta)
                res = ask_arm(engine, arm, it, kind=kind, max_answer_chars=settings.generate.max_answer_chars,
                              judge=judge)
                main_store.put_eval_item(run_id, arm.name, it["qid"], res)
                answered_now += 1
            if progress is not None and pending:
                progress(total, total, "eval", 0.0)
        finally:
            if engine is not None:
                engine.close()

        stored = main_store.eval_items(run_id)
    finally:
        main_store.close()

    if results is not None:
        results(items, stored)
    report = build_report(settings, dataset, items, safety_items, arms, stored, adapter=adapter, notes=notes + dataset.notes,
                          run_id=run_id, out=out)
    report["warnings"] = report_warnings(report)
    report["answered_now"] = answered_now
    report["resumed"] = resumed
    report["elapsed_s"] = round(time.perf_counter() - t_start, 2)
    write_reports(report, out)
    return report


def build_report(settings: Settings, dataset: Dataset, items: list[dict[str, Any]], safety_items: list[dict[str, Any]],
                 arms: list[Arm], stored: dict[tuple[str, str], dict[str, Any]], *, adapter: str | None,
                 notes: list[str], run_id: str, out: Path) -> dict[str, Any]:
    """Metrics per arm, deltas, decision and safety from the stored results (pure given its inputs)."""
    cfg = settings.eval
    per_arm: dict[str, dict[str, Any]] = {}
    failures: dict[str, list[dict[str, Any]]] = {}
    for arm in arms:
        pairs = [(it, stored[(arm.name, it["qid"])]) for it in items if (arm.name, it["qid"]) in stored]
        m = metrics.aggregate([p[0] for p in pairs], [p[1] for p in pairs], f1_threshold=cfg.f1_threshold)
        m["label"] = ARM_LABELS[arm.name]
        # Show the adapter's identity (sha256), not the file path the engine was handed.
        m["adapter"] = "none" if arm.adapter == "none" else (adapter or arm.adapter)
        m["complete"] = len(pairs) == len(items)
        judged = [p[1].get("judge") for p in pairs if isinstance(p[1].get("judge"), dict)]
        if judged:
            m["judge_correct"] = metrics.mean(j.get("correct") for j in judged)
            m["judge_grounded"] = metrics.mean(j.get("grounded") for j in judged)
        per_arm[arm.name] = m
        fl = []
        for it, res in pairs:
            s = metrics.score_item(it, res, f1_threshold=cfg.f1_threshold)
            if s["correct"] is False or s["hallucinated"] or s["error"]:
                fl.append({"qid": it["qid"], "question": it["question"], "gold": it.get("answers", []),
                           "answerable": it.get("answerable"), "status": res.get("status"),
                           "answer": res.get("answer"), "cited": res.get("cited_ids"),
                           "hallucinated": bool(s["hallucinated"]), "error": res.get("error")})
        failures[arm.name] = fl[:15]
    deltas: dict[str, Any] = {}
    if "C" in per_arm and "A" in per_arm:
        deltas["C-A"] = metrics.deltas(per_arm["C"], per_arm["A"])
    if "C" in per_arm and "B" in per_arm:
        deltas["C-B"] = metrics.deltas(per_arm["C"], per_arm["B"])
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
    return {
        "run_id": run_id,
        "out": str(out),
        "dataset": dataset.summary(),
        "arms": per_arm,
        "deltas": deltas,
        "decision": decision,
        "safety": safety,
        "criteria": dataclasses.asdict(cfg),
        "adapter": adapter or "none",
        "seed": settings.generate.seed,
        "answer_mode": settings.generate.answer_mode,
        "refusal_threshold": settings.generate.refusal_threshold,
        "n_questions": len(items),
        "notes": notes,
        "failures": failures,
        "definitions": "docs/eval.md",
        "support_threshold": metrics.SUPPORT_THRESHOLD,
    }


__all__ = ["Dataset", "EvalOptions", "build_report", "load_beir", "load_dataset", "load_replay", "load_safety",
           "load_training_jsonl", "make_run_id", "resolve_adapter", "run_eval", "sample", "stderr_progress"]
