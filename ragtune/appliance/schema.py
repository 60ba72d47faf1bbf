"""The answer JSON schema and its validator. The grammar (GBNF) built from it lives in `grammar.py`.

Every string and array is bounded; citations can only be ids that were given in the context."""

from __future__ import annotations

from typing import Any, Sequence

from .errors import InputError
from .jsonl import loads_located

STATUS_VALUES = ("ok", "refused")
MAX_CITATIONS = 6
ID_PATTERN = r"^S[1-9][0-9]?$"


def answer_schema(context_ids: Sequence[str], max_answer_chars: int = 600) -> dict[str, Any]:
    """JSON schema for one answer given the ids actually shown to the model."""
    ids = list(dict.fromkeys(context_ids))
    citations: dict[str, Any] = {"type": "array", "maxItems": min(len(ids), MAX_CITATIONS), "uniqueItems": True}
    citations["items"] = {"type": "string", "enum": ids} if ids else {"type": "string", "enum": []}
    return {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": list(STATUS_VALUES)},
            "answer": {"type": "string", "minLength": 1, "maxLength": max_answer_chars},
            "citations": citations,
        },
        "required": ["status", "answer", "citations"],
        "additionalProperties": False,
    }


TRAINING_ANSWER_CHARS = 600  # the longest answer a training line holds (dataset.validate_example, log review)


def validate_answer(obj: Any, context_ids: Sequence[str], max_answer_chars: int = 600) -> list[str]:
    """Schema problems of a parsed answer (empty list = valid). Hand-rolled for speed and clear messages."""
    errs: list[str] = []
    if not isinstance(obj, dict):
        return ["answer is not a JSON object"]
    extra = sorted(set(obj) - {"status", "answer", "citations"})
    if extra:
        errs.append(f"unexpected keys: {', '.join(extra)}")
    for key in ("status", "answer", "citations"):
        if key not in obj:
            errs.append(f"missing key: {key}")
    if "status" in obj and obj["status"] not in STATUS_VALUES:
        errs.append(f"status must be one of {STATUS_VALUES}")
    if "answer" in obj:
        a = obj["answer"]
        if not isinstance(a, str) or not a.strip():
            errs.append("answer must be a non-empty string")
        elif len(a) > max_answer_chars:
            errs.append(f"answer longer than {max_answer_chars} characters")
        elif any(ord(ch) < 0x20 and ch not in "\n\t" for ch in a):
            errs.append("answer contains control characters")
    if "citations" in obj:
        c = obj["citations"]
        allowed = set(context_ids)
        if not isinstance(c, list) or not all(isinstance(x, str) for x in c):
            errs.append("citations must be a list of strings")
        else:
            if len(c) > MAX_CITATIONS:
                errs.append(f"more than {MAX_CITATIONS} citations")
            if len(set(c)) != len(c):
                errs.append("duplicate citations")
            bad = [x for x in c if x not in allowed]
            if bad:
                errs.append(f"citations not in the context: {', '.join(bad)}")
    return errs


# The answer contract past the schema (the grammar enforces it when decoding): what a training line's output
# (models.dataset.validate_example) and a human review (querylog.set_review) are both held to.
REFUSAL_CITES = "a refusal cites nothing"
ANSWER_UNCITED = "an answer must cite at least one source"


def validate_output(obj: Any, context_ids: Sequence[str], max_answer_chars: int = 600) -> list[str]:
    """validate_answer's problems, and the contract's: a refusal cites nothing, an answer cites at least one
    source. One check for a training line's output and a review, so a review that is stored is one the dataset
    builder takes (`log export` -> `dataset build --from-log`)."""
    errs = validate_answer(obj, context_ids, max_answer_chars)
    if not isinstance(obj, dict):
        return errs
    if obj.get("status") == "refused" and obj.get("citations"):
        errs.append(REFUSAL_CITES)
    if obj.get("status") == "ok" and isinstance(obj.get("citations"), list) and not obj["citations"]:
        errs.append(ANSWER_UNCITED)
    return errs


def parse_answer(text: str) -> tuple[Any, str | None]:
    """(object, None) or (None, parse error). The text is a model's, a remote server's or a results file's: a
    number of thousands of digits (int()'s ValueError) and [[[[… past the recursion limit are parse errors too."""
    try:
        return loads_located(text, None), None
    except InputError as exc:
        return None, exc.message
