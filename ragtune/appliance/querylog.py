"""The query log: one `query_log` row per answered request, human review edits, and the export to the
training JSONL format (prompt.training_example) so that reviewed answers can become training data."""

from __future__ import annotations

import json
import time
from typing import Any, Iterator, TextIO

from .errors import InputError
from .prompt import SYSTEM_PROMPT, system_prompt_sha256, training_example
from .schema import validate_answer
from .store import Store, json_dumps
from .types import Answer, ContextItem, Hit

LIST_COLUMNS = ("id", "ts", "query", "status", "refusal_reason", "valid", "repaired", "cached", "model_id",
                "adapter_id", "total_ms", "reviewed")


def output_of(answer: Answer) -> dict[str, Any]:
    """The answer JSON as emitted (ids only)."""
    return {"status": answer.status, "answer": answer.answer, "citations": [c.id for c in answer.citations]}


def log_answer(store: Store, answer: Answer, *, query: str, normalized_query: str,
               hits: list[Hit] | None = None, system: str = SYSTEM_PROMPT) -> int:
    """Insert one row; returns its id."""
    ctx = [{"id": c.id, "chunk_id": c.chunk_id, "source": c.source, "text": c.text, "sha256": c.sha256}
           for c in answer.context]
    retrieved = [{"chunk_id": h.chunk_id, "bm25_rank": h.bm25_rank, "bm25_score": h.bm25_score,
                  "vector_rank": h.vector_rank, "vector_score": h.vector_score, "fused": h.fused,
                  "rerank": h.rerank} for h in (hits or [])]
    if not retrieved:
        retrieved = [{"chunk_id": cid} for cid in answer.retrieved]
    t = answer.timings
    with store.transaction() as conn:
        conn.execute(
            """INSERT INTO query_log(ts, query, normalized_query, model_id, adapter_id, system_prompt_sha256,
                   context, retrieved, output, raw_output, valid, repaired, refused, refusal_reason, timings,
                   tokens_prompt, tokens_completion, cost, cached)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (time.time(), query, normalized_query, answer.model, answer.adapter, system_prompt_sha256(system),
             json_dumps(ctx), json_dumps(retrieved), json_dumps(output_of(answer)), answer.raw_output,
             int(answer.valid), int(answer.repaired), int(answer.status == "refused"), answer.refusal_reason,
             json_dumps({"retrieval_ms": t.retrieval_ms, "ttft_ms": t.ttft_ms, "generation_ms": t.generation_ms,
                         "total_ms": t.total_ms}),
             answer.tokens_prompt, answer.tokens_completion, answer.cost, int(answer.cached)),
        )
        return int(conn.last_insert_rowid())


_COLS = ("id", "ts", "query", "normalized_query", "model_id", "adapter_id", "system_prompt_sha256", "context",
         "retrieved", "output", "raw_output", "valid", "repaired", "refused", "refusal_reason", "timings",
         "tokens_prompt", "tokens_completion", "cost", "cached", "review")
_JSON_COLS = ("context", "retrieved", "output", "timings", "review")


def _row(row: tuple) -> dict[str, Any]:
    d = dict(zip(_COLS, row))
    for k in _JSON_COLS:
        if d[k] is not None:
            try:
                d[k] = json.loads(d[k])
            except ValueError:
                pass  # keep the raw text: a damaged row is still listed, never fatal
    for k in ("valid", "repaired", "refused", "cached"):
        d[k] = bool(d[k])
    return d


def get_entry(store: Store, log_id: int) -> dict[str, Any]:
    row = store.one(f"SELECT {', '.join(_COLS)} FROM query_log WHERE id = ?", (int(log_id),))
    if row is None:
        raise InputError(f"no query log entry {log_id}", hint="see `ragtune log list`")
    return _row(row)


def list_entries(store: Store, *, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """Newest first, summarised."""
    out = []
    for row in store.query(f"SELECT {', '.join(_COLS)} FROM query_log ORDER BY id DESC LIMIT ? OFFSET ?",
                           (int(limit), int(offset))):
        d = _row(row)
        out_json = d["output"] if isinstance(d["output"], dict) else {}
        timings = d["timings"] if isinstance(d["timings"], dict) else {}
        out.append({"id": d["id"], "ts": d["ts"], "query": d["query"], "status": out_json.get("status"),
                    "answer": out_json.get("answer"), "citations": out_json.get("citations"),
                    "refusal_reason": d["refusal_reason"], "valid": d["valid"], "repaired": d["repaired"],
                    "cached": d["cached"], "model_id": d["model_id"], "adapter_id": d["adapter_id"],
                    "total_ms": timings.get("total_ms"), "reviewed": d["review"] is not None})
    return out


def set_review(store: Store, log_id: int, answer: Any, *, max_answer_chars: int = 4000) -> dict[str, Any]:
    """Store a human edit of one answer (validated against that request's context ids)."""
    entry = get_entry(store, log_id)
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except ValueError as exc:
            raise InputError(f"review answer is not valid JSON: {exc}") from None
    ctx = entry["context"] if isinstance(entry["context"], list) else []
    ids = [c.get("id") for c in ctx if isinstance(c, dict)]
    errs = validate_answer(answer, ids, max_answer_chars)
    if errs:
        raise InputError(f"review answer for entry {log_id} is not valid: {'; '.join(errs)}",
                         hint=f"citations must be among the logged context ids: {', '.join(map(str, ids)) or '(none)'}")
    with store.transaction() as conn:
        conn.execute("UPDATE query_log SET review = ? WHERE id = ?", (json_dumps(answer), int(log_id)))
    return answer


def iter_training_examples(store: Store, *, reviewed_only: bool = False) -> Iterator[dict[str, Any]]:
    """Training JSONL lines (oldest first): the logged context and question, with the human review
    replacing the model's output when there is one."""
    sql = f"SELECT {', '.join(_COLS)} FROM query_log"
    if reviewed_only:
        sql += " WHERE review IS NOT NULL"
    sql += " ORDER BY id"
    for row in store.conn.execute(sql):
        d = _row(row)
        if not isinstance(d["context"], list) or not isinstance(d["output"], dict):
            continue  # damaged row: skip rather than export garbage
        out = d["review"] if isinstance(d["review"], dict) else d["output"]
        ctx = [ContextItem(id=c["id"], text=c.get("text", ""), chunk_id=c.get("chunk_id")) for c in d["context"]]
        yield training_example(
            SYSTEM_PROMPT, ctx, d["normalized_query"] or d["query"], out,
            log_id=d["id"], reviewed=d["review"] is not None, model=d["model_id"], adapter=d["adapter_id"],
            system_prompt_sha256=d["system_prompt_sha256"],
            system_prompt_current=d["system_prompt_sha256"] == system_prompt_sha256(SYSTEM_PROMPT),
        )


def export_train_jsonl(store: Store, out: TextIO, *, reviewed_only: bool = False) -> int:
    n = 0
    for ex in iter_training_examples(store, reviewed_only=reviewed_only):
        out.write(json.dumps(ex, ensure_ascii=False) + "\n")
        n += 1
    return n
