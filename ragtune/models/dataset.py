"""The training JSONL format: validation, reading and atomic writing; and the query-log pass-through builder.

Labelled questions become examples in `ragtune.models.raft` (the RAFT-style builder: serving retrieval over a
scratch home, answer/refusal targets, distractors, shuffling, augmentation). A query-log export (`ragtune log
export`, reviewed edits applied) is validated line by line and passed through here. The tune teaches behaviour
(schema, citations, refusals), never facts: facts stay in retrieval.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ragtune.appliance.atomic import atomic_open
from ragtune.appliance.errors import InputError, located
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


# ------------------------------------------------------------------------------------------------------------
# Builders: labelled questions → `ragtune.models.raft`; a reviewed query log → passed through here
# ------------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class LogStats:
    questions: int = 0
    answered: int = 0
    refused: int = 0

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def build_from_log(path: Path | str) -> tuple[list[dict[str, Any]], LogStats]:
    """A `ragtune log export` file: every line validated (file:line on the first bad one) and passed through."""
    rows = read_examples(path, strict=True)
    stats = LogStats(questions=len(rows))
    out = []
    for where, ex in rows:
        meta = dict(ex.get("meta") or {})
        meta.setdefault("source", "log")
        meta.setdefault("where", where)
        ex = {"prompt": ex["prompt"], "output": ex["output"], "meta": meta}
        if ex["output"]["status"] == "ok":
            stats.answered += 1
        else:
            stats.refused += 1
        out.append(ex)
    return out, stats


def stderr_progress(label: str) -> Progress:
    def cb(done: int, total: int, what: str) -> None:
        if done == total or done % 25 == 0:
            print(f"{label}: {done}/{total} {what}", file=sys.stderr, flush=True)
    return cb
