"""The sample domain pack (Larkspur Robotics, CC0): documents under `docs/`, labelled questions in `qa.jsonl`.

`pack_dir()` is the folder to ingest (documents only: README and qa.jsonl live one level up so they are never
ingested). `load_qa()` reads and validates the question set, naming file:line on any problem."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ragtune.appliance.errors import InputError, located
from ragtune.appliance.jsonl import expect_object

_HERE = Path(__file__).resolve().parent
INTENTS = ("policy", "howto", "fact", "date", "troubleshoot", "general", "safety")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REQUIRED = {"id": str, "question": str, "answer": str, "answerable": bool, "intent": str}
# the behaviour corpus' extra keys are allowed too, so a folder in the corpus format reads as a question set
_OPTIONAL = {"gold_doc", "evidence", "date", "style", "domain", "near_doc", "why", "linking"}


def pack_dir() -> Path:
    """Folder of the pack's documents (what `ragtune demo` ingests)."""
    return _HERE / "docs"


def qa_path() -> Path:
    return _HERE / "qa.jsonl"


def validate_qa_row(obj: Any, where: str, docs: Path | None = None) -> dict[str, Any]:
    """One labelled question; `where` is 'file:line'. Raises InputError naming it."""
    obj = expect_object(obj, where)
    unknown = sorted(set(obj) - set(_REQUIRED) - _OPTIONAL)
    if unknown:
        raise InputError(f"{where}: unknown key(s): {', '.join(unknown)}")
    for key, typ in _REQUIRED.items():
        if key not in obj:
            raise InputError(f"{where}: missing key '{key}'")
        if not isinstance(obj[key], typ):
            raise InputError(f"{where}: '{key}' must be a {typ.__name__}")
    if not obj["id"].strip() or not obj["question"].strip():
        raise InputError(f"{where}: 'id' and 'question' must be non-empty")
    if obj["intent"] not in INTENTS:
        raise InputError(f"{where}: intent '{obj['intent']}' is not one of {', '.join(INTENTS)}")
    if obj.get("date") is not None and (not isinstance(obj["date"], str) or not _DATE.match(obj["date"])):
        raise InputError(f"{where}: 'date' must be YYYY-MM-DD")
    gold = obj.get("gold_doc")
    if obj["answerable"]:
        if not obj["answer"].strip():
            raise InputError(f"{where}: an answerable question needs a non-empty 'answer'")
        if not isinstance(gold, str) or not gold:
            raise InputError(f"{where}: an answerable question needs 'gold_doc'")
        if docs is not None:
            path = docs / gold
            if not path.is_file():
                raise InputError(f"{where}: gold_doc '{gold}' not found under {docs}")
            ev = obj.get("evidence")
            if ev is not None:
                if not isinstance(ev, str) or not ev:
                    raise InputError(f"{where}: 'evidence' must be a non-empty string")
                if not _occurs(ev, path):
                    raise InputError(f"{where}: evidence {ev!r} does not occur in {gold}")
    else:
        if gold not in (None, ""):
            raise InputError(f"{where}: an unanswerable question must not have a gold_doc")
        # its target is a refusal, so a given answer would be dropped silently (`eval run` refuses the same row):
        # most often a question mislabelled
        if obj["answer"].strip():
            raise InputError(f"{where}: answerable is false but 'answer' gives {obj['answer'][:80]!r}",
                             hint="an unanswerable question has an empty answer (its target is a refusal); if it "
                                  "has one, set answerable true and give its gold_doc")
    return obj


def _occurs(span: str, path: Path) -> bool:
    """The span is in the file's text, or (whitespace-normalised) in its text as ingest sees it (HTML → text)."""
    from ragtune.models.corpus import doc_text, norm_ws

    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raw = ""
    if span in raw or norm_ws(span) in norm_ws(raw):
        return True
    try:
        return norm_ws(span) in doc_text(path)
    except InputError:
        return False


def read_qa(path: Path | str, docs: Path | str | None = None) -> list[dict[str, Any]]:
    """Labelled questions from any JSONL file in the pack's format (ids must be unique)."""
    from ragtune.appliance.jsonl import iter_jsonl

    path = Path(path)
    docs_p = Path(docs) if docs is not None else None
    rows: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for where, _n, obj in iter_jsonl(path):
        row = validate_qa_row(obj, where, docs_p)
        if row["id"] in seen:
            raise InputError(f"{where}: duplicate id '{row['id']}' (first at {seen[row['id']]})")
        seen[row["id"]] = where
        rows.append(row)
    if not rows:
        raise InputError(f"{located(path)}: no questions")
    return rows


def load_qa() -> list[dict[str, Any]]:
    """The pack's labelled questions, validated against its documents."""
    return read_qa(qa_path(), pack_dir())
