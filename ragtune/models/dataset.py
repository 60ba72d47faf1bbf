"""Stage 1 of tuning: build training examples in the training JSONL format.

From labelled QA (question, answer, gold document) the context of each example is what inference would see:
the documents are ingested into a scratch home with the serving settings (same chunking, embedder, k, MMR and
token trimming) and the real `Retriever` picks the chunks. The target cites the retrieved chunks that hold the
answer; when none does, or the question is unanswerable, the target is the refusal. The tune teaches behaviour
(schema, citations, refusals), never facts: facts stay in retrieval.

From a query-log export (`ragtune log export`, reviewed edits applied) lines are validated and passed through.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ragtune.appliance import prompt
from ragtune.appliance.atomic import atomic_open
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import InputError, located
from ragtune.appliance.home import Home
from ragtune.appliance.schema import validate_answer
from ragtune.appliance.text import STOPWORDS

Progress = Callable[[int, int, str], None]


# ------------------------------------------------------------------------------------------------------------
# The training line format
# ------------------------------------------------------------------------------------------------------------

def validate_example(obj: Any, where: str, max_answer_chars: int = 600) -> list[str]:
    """Problems of one training line (empty = valid). Structure errors and answer-schema errors alike."""
    if not isinstance(obj, dict):
        return ["line is not a JSON object"]
    errs: list[str] = []
    extra = sorted(set(obj) - {"prompt", "output", "meta"})
    if extra:
        errs.append(f"unexpected keys: {', '.join(extra)}")
    p, out = obj.get("prompt"), obj.get("output")
    if not isinstance(p, dict):
        return errs + ["missing or non-object 'prompt'"]
    if not isinstance(out, dict):
        return errs + ["missing or non-object 'output'"]
    for key in ("system", "user"):
        if not isinstance(p.get(key), str) or not p.get(key, "").strip():
            errs.append(f"prompt.{key} must be a non-empty string")
    ctx = p.get("context")
    ids: list[str] = []
    if not isinstance(ctx, list):
        errs.append("prompt.context must be a list")
    else:
        for i, c in enumerate(ctx):
            if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not isinstance(c.get("text"), str):
                errs.append(f"prompt.context[{i}] must be {{'id': str, 'text': str}}")
            else:
                ids.append(c["id"])
        if len(set(ids)) != len(ids):
            errs.append("prompt.context has duplicate ids")
    if "meta" in obj and not isinstance(obj["meta"], dict):
        errs.append("meta must be an object")
    errs += [f"output: {e}" for e in validate_answer(out, ids, max_answer_chars)]
    if out.get("status") == "refused" and out.get("citations"):
        errs.append("output: a refusal cites nothing")
    if out.get("status") == "ok" and isinstance(out.get("citations"), list) and not out["citations"]:
        errs.append("output: an answer must cite at least one source")
    return errs


def iter_jsonl(path: Path | str) -> Iterator[tuple[str, Any]]:
    """(file:line, parsed object) for every non-blank line; bad bytes/JSON are InputErrors naming line and column."""
    from ragtune.appliance.jsonl import iter_jsonl as _iter

    for where, _n, obj in _iter(path):
        yield where, obj


def read_examples(path: Path | str, *, strict: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """Training lines with their locations. strict: the first invalid line is an InputError (file:line)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for where, obj in iter_jsonl(path):
        errs = validate_example(obj, where)
        if errs and strict:
            raise InputError(f"{where}: {'; '.join(errs)}")
        out.append((where, obj))
    if not out:
        raise InputError(f"{located(path)}: no examples")
    return out


def write_jsonl(path: Path | str, rows: Iterable[dict[str, Any]]) -> int:
    """Atomic write (tmp + rename): a crash never leaves a half-written dataset."""
    n = 0
    with atomic_open(Path(path)) as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n")
            n += 1
    return n


# ------------------------------------------------------------------------------------------------------------
# Which retrieved chunks hold the answer
# ------------------------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    """Lower-case alphanumerics separated by single spaces (markdown pipes, HTML cells, wraps all vanish)."""
    return " ".join(re.findall(r"[0-9a-z]+", text.lower()))


def key_tokens(text: str) -> list[str]:
    toks = [t for t in _norm(text).split() if t not in STOPWORDS]
    return list(dict.fromkeys(toks))


def holds_answer(chunk_text: str, row: dict[str, Any], min_overlap: float = 0.8) -> bool:
    """The chunk holds the answer when it contains the evidence span (normalised), or failing that when it has
    `min_overlap` of the key tokens of the evidence/answer, all numbers included."""
    chunk = _norm(chunk_text)
    ev = row.get("evidence") or ""
    if ev and f" {_norm(ev)} " in f" {chunk} ":
        return True
    basis = ev or row.get("answer", "")
    keys = key_tokens(basis)
    if not keys:
        return False
    words = set(chunk.split())
    present = [k for k in keys if k in words]
    numbers = [k for k in keys if any(ch.isdigit() for ch in k)]
    if any(n not in words for n in numbers):
        return False
    return len(present) / len(keys) >= min_overlap


def _same_doc(source: str, gold_doc: str | None) -> bool:
    if not gold_doc:
        return True
    s, g = source.replace("\\", "/"), gold_doc.replace("\\", "/").lstrip("./")
    return s == g or s.endswith("/" + g)


def target_for(row: dict[str, Any], context: list[dict[str, str]], sources: list[str]) -> tuple[dict[str, Any], str]:
    """(output, why) for one labelled question over a given retrieved context."""
    refusal = {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}
    if not row.get("answerable", True):
        return refusal, "unanswerable"
    cites = [c["id"] for c, src in zip(context, sources) if _same_doc(src, row.get("gold_doc")) and holds_answer(c["text"], row)]
    if not cites:
        return refusal, "answer_not_retrieved"
    return {"status": "ok", "answer": row["answer"].strip(), "citations": cites}, "answered"


# ------------------------------------------------------------------------------------------------------------
# Builders
# ------------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class BuildStats:
    questions: int = 0
    answered: int = 0
    unanswerable: int = 0
    answer_not_retrieved: int = 0
    chunks: int = 0
    docs: int = 0
    ingest_failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def scratch_settings(settings: Settings, root: Path) -> Settings:
    """The serving settings pointed at a scratch home (answer cache off: it is irrelevant to retrieval)."""
    new = dataclasses.replace(settings, home=Home(root), source=f"{settings.source} (scratch)")
    return new


def build_from_qa(settings: Settings, rows: list[dict[str, Any]], docs: Path | str, *,
                  k: int | None = None, source: str = "qa", progress: Progress | None = None,
                  scratch: Path | str | None = None) -> tuple[list[dict[str, Any]], BuildStats]:
    """Training examples for labelled questions over `docs`, retrieved exactly as serving would."""
    import time

    from ragtune.appliance.ingest.pipeline import ingest_paths
    from ragtune.appliance.retrieve import Retriever

    t0 = time.perf_counter()
    docs = Path(docs)
    if not docs.exists():
        raise InputError(f"{docs}: documents folder not found")
    tmp = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="ragtune-dataset-"))
    tmp.mkdir(parents=True, exist_ok=True)
    stats = BuildStats(questions=len(rows))
    sset = scratch_settings(settings, tmp)
    try:
        summary = ingest_paths(sset, [docs], prune=False)
        stats.ingest_failed = [(str(p), str(r)) for p, r in getattr(summary, "failed", [])]
        stats.chunks = int(getattr(summary, "chunks_added", 0))
        stats.docs = int(getattr(summary, "added", 0)) + int(getattr(summary, "updated", 0)) + int(getattr(summary, "unchanged", 0))
        retriever = Retriever(sset)
        out: list[dict[str, Any]] = []
        try:
            for i, row in enumerate(rows, start=1):
                res = retriever.retrieve(row["question"], k=k or sset.retrieve.k, use_cache=False)
                ctx_items = prompt.context_from_hits(res.hits)
                context = [c.for_prompt() for c in ctx_items]
                output, why = target_for(row, context, [h.source for h in res.hits])
                setattr(stats, why, getattr(stats, why) + 1)
                meta = {"source": source, "qa_id": row.get("id"), "intent": row.get("intent", "fact"),
                        "answerable": bool(row.get("answerable", True)), "target": why,
                        "date": row.get("date") or _newest_date(res.hits, row.get("gold_doc")),
                        "chunk_ids": [c.chunk_id for c in ctx_items]}
                out.append(prompt.training_example(prompt.SYSTEM_PROMPT, context, row["question"], output, **meta))
                if progress:
                    progress(i, len(rows), row.get("id") or "")
        finally:
            retriever.close()
    finally:
        if scratch is None:
            shutil.rmtree(tmp, ignore_errors=True)
    stats.seconds = round(time.perf_counter() - t0, 2)
    return out, stats


def _newest_date(hits: list[Any], gold_doc: str | None) -> str | None:
    dates = [h.doc_date for h in hits if h.doc_date and _same_doc(h.source, gold_doc)]
    return max(dates) if dates else None


def build_from_pack(settings: Settings, **kw: Any) -> tuple[list[dict[str, Any]], BuildStats]:
    from ragtune.models.pack import load_qa, pack_dir

    return build_from_qa(settings, load_qa(), pack_dir(), source="pack", **kw)


def build_from_qa_file(settings: Settings, qa: Path | str, docs: Path | str, **kw: Any) -> tuple[list[dict[str, Any]], BuildStats]:
    from ragtune.models.pack import read_qa

    return build_from_qa(settings, read_qa(qa, docs), docs, source=str(qa), **kw)


def build_from_log(path: Path | str) -> tuple[list[dict[str, Any]], BuildStats]:
    """A `ragtune log export` file: every line validated (file:line on the first bad one) and passed through."""
    rows = read_examples(path, strict=True)
    stats = BuildStats(questions=len(rows))
    out = []
    for where, ex in rows:
        meta = dict(ex.get("meta") or {})
        meta.setdefault("source", "log")
        meta.setdefault("where", where)
        ex = {"prompt": ex["prompt"], "output": ex["output"], "meta": meta}
        if ex["output"]["status"] == "ok":
            stats.answered += 1
        else:
            stats.unanswerable += 1
        out.append(ex)
    return out, stats


def stderr_progress(label: str) -> Progress:
    def cb(done: int, total: int, what: str) -> None:
        if done == total or done % 25 == 0:
            print(f"{label}: {done}/{total} {what}", file=sys.stderr, flush=True)
    return cb
