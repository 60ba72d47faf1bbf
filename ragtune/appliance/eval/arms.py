"""The three arms over one answer engine, and the record each answered question leaves behind.

A = RAG-only base: retrieval + no adapter.            engine.ask(q, adapter="none", retrieve=True)
B = tune-only: the adapter, no retrieval, empty context, same system prompt.
                                                      engine.ask(q, adapter=ID, retrieve=False, context=[])
C = hybrid: retrieval + the adapter.                  engine.ask(q, adapter=ID, retrieve=True)

Training-format sets carry their context: A and C answer over it (retrieve=False, context=given), B over [].
Every arm uses the same engine, so the same system prompt, seed and decoding settings. The engine is built with
the answer cache and the retrieval cache switched off (run.py), so no arm is served another arm's (or an earlier
run's) answer or retrieval, and every latency is real; the prompt-prefix KV cache stays on, as in serving, for
every arm alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import GenerationError, InputError
from ..schema import parse_answer, validate_answer
from ..types import Answer, ContextItem

ARM_NAMES = ("A", "B", "C")
ARM_LABELS = {"A": "RAG-only (base)", "B": "tune-only (no retrieval)", "C": "hybrid (RAG + tune)"}


@dataclass(frozen=True)
class Arm:
    name: str
    adapter: str  # "none" or a registry id
    retrieve: bool  # use the engine's retriever (ignored when the item carries its own context)
    empty_context: bool  # B: answer over no sources at all

    def describe(self) -> str:
        return f"{self.name} = {ARM_LABELS[self.name]}, adapter {self.adapter}"


def parse_arms(spec: str | list[str] | tuple[str, ...]) -> list[str]:
    """'A,B,C' -> ['A', 'B', 'C'] (order kept, duplicates dropped); unknown names are an InputError."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for raw in names:
        n = raw.strip().upper()
        if not n:
            continue
        if n not in ARM_NAMES:
            raise InputError(f"unknown arm {raw.strip()!r}", hint="arms are A (RAG-only), B (tune-only), C (hybrid)")
        if n not in out:
            out.append(n)
    if not out:
        raise InputError("no arms given", hint="e.g. --arms A,B,C")
    return out


def make_arms(names: list[str], adapter: str | None) -> tuple[list[Arm], list[str]]:
    """Arms to run and notes. Without an adapter, B and C are skipped (never run with adapter 'none': that
    would be arm A under another name and could fake a 'tune')."""
    notes: list[str] = []
    arms: list[Arm] = []
    has_adapter = bool(adapter) and adapter != "none"
    for n in names:
        if n == "A":
            arms.append(Arm("A", "none", True, False))
        elif not has_adapter:
            notes.append(f"arm {n} skipped: no adapter given (--adapter ID) and none is active")
        elif n == "B":
            arms.append(Arm("B", str(adapter), False, True))
        else:
            arms.append(Arm("C", str(adapter), True, False))
    return arms, notes


def context_key(item: ContextItem, kind: str) -> str:
    """The passage key a context item stands for: the BEIR doc id (from 'corpus.jsonl#<id>' sources), the
    context id itself for training-format sets, else the source path."""
    if kind == "jsonl":
        return item.id
    src = item.source or ""
    return src.rsplit("#", 1)[1] if "#" in src else src


def record(answer: Answer, kind: str, max_answer_chars: int = 600) -> dict[str, Any]:
    """The stored JSON of one answered question (input of metrics.score_item)."""
    context = [{"id": c.id, "key": context_key(c, kind), "text": c.text, "chunk_id": c.chunk_id}
               for c in answer.context]
    ids = [c.id for c in answer.context]
    # Schema adherence is re-checked here from the raw model output, not only taken from the engine's flag:
    # the engine under test should not be able to grade itself.
    valid = bool(answer.valid)
    if answer.raw_output and not answer.cached:
        obj, err = parse_answer(answer.raw_output)
        valid = valid and err is None and not validate_answer(obj, ids, max_answer_chars)
    return {
        "status": answer.status,
        "answer": answer.answer,
        "cited_ids": [c.id for c in answer.citations],
        "context": context,
        "retrieved": list(answer.retrieved),
        "valid": valid,
        "engine_valid": bool(answer.valid),
        "repaired": bool(answer.repaired),
        "refusal_reason": answer.refusal_reason,
        "timings": {"retrieval_ms": answer.timings.retrieval_ms, "ttft_ms": answer.timings.ttft_ms,
                    "generation_ms": answer.timings.generation_ms, "total_ms": answer.timings.total_ms},
        "tokens_prompt": int(answer.tokens_prompt),
        "tokens_completion": int(answer.tokens_completion),
        "cost": float(answer.cost),
        "model": answer.model,
        "adapter": answer.adapter,
        "cached": bool(answer.cached),
        "raw_output": answer.raw_output,
        "log_id": answer.log_id,
        "mode": answer.mode,
        "p_refused": answer.p_refused,
        "answer_min_logprob": answer.answer_min_logprob,
        "evidence_score": answer.evidence_score,
        "error": None,
    }


def error_record(exc: Exception, elapsed_ms: float) -> dict[str, Any]:
    """A question the engine could not answer: counted as wrong and schema-invalid, never dropped."""
    return {"status": "error", "answer": "", "cited_ids": [], "context": [], "retrieved": [], "valid": False,
            "engine_valid": False, "repaired": False, "refusal_reason": None,
            "timings": {"retrieval_ms": 0.0, "ttft_ms": 0.0, "generation_ms": 0.0, "total_ms": elapsed_ms},
            "tokens_prompt": 0, "tokens_completion": 0, "cost": 0.0, "model": "", "adapter": "",
            "cached": False, "raw_output": "", "log_id": None, "error": f"{type(exc).__name__}: {exc}"}


def to_context(items: list[dict[str, Any]] | None) -> list[ContextItem] | None:
    if items is None:
        return None
    return [ContextItem(id=str(c["id"]), text=str(c["text"]), source=str(c.get("source", "")),
                        title=str(c.get("title", ""))) for c in items]


def ask_arm(engine: Any, arm: Arm, item: dict[str, Any], *, kind: str, max_answer_chars: int = 600,
            judge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None] | None = None) -> dict[str, Any]:
    """Answer one item with one arm. A question the engine rejects (InputError) or fails to generate for
    (GenerationError) becomes an error record; model, config and store errors abort the run.

    `judge(item, result) -> dict | None` is the optional LLM-judge hook: its verdict is stored under
    result["judge"] and reported beside (never instead of) the deterministic metrics."""
    given = item.get("context")  # training-format / safety items carry their own sources
    kwargs: dict[str, Any] = {"adapter": arm.adapter}
    if arm.empty_context:
        kwargs.update(retrieve=False, context=[])
    elif given is not None:
        kwargs.update(retrieve=False, context=to_context(given))
    else:
        kwargs.update(retrieve=True)
    t0 = time.perf_counter()
    try:
        ans = engine.ask(item["question"], **kwargs)
        res = record(ans, kind, max_answer_chars)
        res["adapter_served"] = getattr(engine, "adapter_served", None)  # merged, run-time LoRA...: as done
        if given is not None and not arm.empty_context:
            # Score against the sources the dataset gave, not what the engine says it showed: a context item
            # the engine invented or altered cannot lend support (the engine may only drop sources to fit).
            truth = {str(c["id"]): str(c["text"]) for c in given}
            kept = [c for c in res["context"] if truth.get(c["id"]) == c["text"]]
            res["context_mismatch"] = len(kept) != len(res["context"])
            res["context"] = kept
    except (InputError, GenerationError) as exc:
        res = error_record(exc, (time.perf_counter() - t0) * 1000)
    res["wall_ms"] = (time.perf_counter() - t0) * 1000
    if judge is not None:
        res["judge"] = judge(item, res)
    return res
