"""Validate the model's answer JSON and repair it, boundedly.

`valid` records whether the raw output was schema-valid *before* any repair. Repairs: deterministic fixes first
(unknown/duplicate citations dropped, control characters stripped, the answer truncated); if the output does not
parse, the model is asked again with the error appended to the user turn, at most `max_repairs` times. If it is
still invalid, `obj` is None and the caller emits a refusal ("invalid_output").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .genresult import GenResult
from .prompt import REFUSAL_TEXT
from .schema import MAX_CITATIONS, parse_answer, validate_answer


@dataclass
class Checked:
    obj: dict[str, Any] | None  # schema-valid answer object, or None when repair failed
    raw: str  # the last raw model output
    valid: bool  # the first output was valid before repair
    repaired: bool
    tokens_prompt: int
    tokens_completion: int
    ttft_ms: float
    generation_ms: float
    p_refused: float | None = None  # of the output that was kept
    answer_min_logprob: float | None = None  # of the output that was kept (genresult.GenResult)


def deterministic_repair(obj: Any, ids: list[str], max_chars: int) -> Any:
    """Fix what can be fixed without the model: unknown/duplicate citations dropped, the answer truncated
    and stripped of control characters, missing keys filled. Returns None when nothing sensible remains."""
    if not isinstance(obj, dict):
        return None
    status = obj.get("status")
    if status not in ("ok", "refused"):
        return None
    ans = obj.get("answer")
    if not isinstance(ans, str):
        ans = "" if ans is None else str(ans)
    ans = "".join(ch if (ord(ch) >= 0x20 or ch in "\n\t") else " " for ch in ans).strip()[:max_chars].strip()
    if not ans:
        if status == "refused":
            ans = REFUSAL_TEXT
        else:
            return None
    cites = obj.get("citations", [])
    if not isinstance(cites, list):
        cites = []
    allowed = set(ids)
    cites = [c for c in dict.fromkeys(c for c in cites if isinstance(c, str)) if c in allowed][:MAX_CITATIONS]
    return {"status": status, "answer": ans, "citations": cites}


def repair_note(errs: list[str]) -> str:
    """What is appended to the user turn when the model is asked again."""
    return (f"\n\nYour previous reply was not valid ({'; '.join(errs)[:200]}). "
            "Reply with exactly one JSON object as described.")


def validate_and_repair(first: GenResult, regenerate: Callable[[list[str]], GenResult], ids: list[str], *,
                        max_chars: int, max_repairs: int) -> Checked:
    """Parse + validate `first`; repair deterministically, else call `regenerate(errors)` up to `max_repairs`
    times. Token counts and generation time of the retries are added."""
    res = first
    out = Checked(obj=None, raw=res.text, valid=False, repaired=False, tokens_prompt=res.tokens_prompt,
                  tokens_completion=res.tokens_completion, ttft_ms=res.ttft_ms, generation_ms=res.generation_ms,
                  p_refused=getattr(res, "p_refused", None),
                  answer_min_logprob=getattr(res, "answer_min_logprob", None))
    obj, err = parse_answer(res.text)
    errs = [err] if err else validate_answer(obj, ids, max_chars)
    out.valid = not errs
    repairs = 0
    while errs:
        out.repaired = True
        fixed = deterministic_repair(obj, ids, max_chars)
        if fixed is not None and not validate_answer(fixed, ids, max_chars):
            obj, errs = fixed, []
            break
        if repairs >= max_repairs:
            break
        repairs += 1
        res = regenerate(errs)
        out.tokens_prompt += res.tokens_prompt
        out.tokens_completion += res.tokens_completion
        out.generation_ms += res.generation_ms
        out.raw = res.text
        out.p_refused = getattr(res, "p_refused", None)
        out.answer_min_logprob = getattr(res, "answer_min_logprob", None)
        obj, err = parse_answer(res.text)
        errs = [err] if err else validate_answer(obj, ids, max_chars)
    out.obj = None if errs else obj
    return out
