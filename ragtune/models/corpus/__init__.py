"""The behaviour corpus (CC0, invented): per-domain documents and labelled questions, see README.md.

`load_corpus()` reads and validates every domain; each problem is an InputError naming file:line.
`python -m ragtune.models.corpus [DOMAIN ...]` checks the corpus and prints its counts."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragtune.appliance.errors import InputError, located

_HERE = Path(__file__).resolve().parent
STYLES = ("plain", "terse", "long", "typo", "disfluent")
WHY = ("absent_detail", "different_entity", "different_time", "false_premise", "off_topic")
INTENTS = ("fact", "date", "policy", "howto", "troubleshoot")
SPLITS = ("train", "dev")
_REQUIRED = {"id": str, "question": str, "answer": str, "answerable": bool, "intent": str, "domain": str,
             "style": str}
_OPTIONAL = {"evidence", "gold_doc", "near_doc", "why", "linking", "date"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def corpus_dir() -> Path:
    return _HERE


def norm_ws(text: str) -> str:
    """The prompt's whitespace normalisation: spans are compared after it."""
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Domain:
    name: str
    split: str
    shape: str
    about: str

    @property
    def docs(self) -> Path:
        return _HERE / self.name / "docs"

    @property
    def qa(self) -> Path:
        return _HERE / self.name / "qa.jsonl"


def load_domains(root: Path | None = None) -> dict[str, Domain]:
    path = (root or _HERE) / "domains.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{located(path)}: cannot read: {exc}") from None
    out = {}
    for name, d in raw.items():
        if d.get("split") not in SPLITS:
            raise InputError(f"{located(path)}: domain '{name}': split must be one of {', '.join(SPLITS)}")
        out[name] = Domain(name, d["split"], d.get("shape", ""), d.get("about", ""))
    return out


_TEXT_CACHE: dict[Path, str] = {}


def doc_text(path: Path) -> str:
    """A document's text exactly as ingest sees it (HTML → visible text), whitespace-normalised."""
    if path not in _TEXT_CACHE:
        from ragtune.appliance.ingest.loaders import load_file

        _TEXT_CACHE[path] = norm_ws(load_file(path).text)
    return _TEXT_CACHE[path]


def validate_row(obj: Any, where: str, domain: Domain, domains: dict[str, Domain]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object")
    unknown = sorted(set(obj) - set(_REQUIRED) - _OPTIONAL)
    if unknown:
        raise InputError(f"{where}: unknown key(s): {', '.join(unknown)}")
    for key, typ in _REQUIRED.items():
        if not isinstance(obj.get(key), typ):
            raise InputError(f"{where}: '{key}' is missing or not a {typ.__name__}")
    if obj["domain"] not in domains:
        raise InputError(f"{where}: unknown domain '{obj['domain']}' (not in domains.json)")
    if obj["domain"] != domain.name:
        raise InputError(f"{where}: domain '{obj['domain']}' in the file of domain '{domain.name}'")
    if obj["style"] not in STYLES:
        raise InputError(f"{where}: style '{obj['style']}' is not one of {', '.join(STYLES)}")
    if obj["intent"] not in INTENTS:
        raise InputError(f"{where}: intent '{obj['intent']}' is not one of {', '.join(INTENTS)}")
    if obj.get("date") is not None and not _DATE.match(str(obj["date"])):
        raise InputError(f"{where}: 'date' must be YYYY-MM-DD")
    if not obj["question"].strip():
        raise InputError(f"{where}: empty question")
    if obj["answerable"]:
        gold, ev, ans = obj.get("gold_doc"), obj.get("evidence"), obj["answer"]
        if not isinstance(gold, str) or not (domain.docs / gold).is_file():
            raise InputError(f"{where}: gold_doc {gold!r} is not a file under {domain.docs}")
        if not isinstance(ev, str) or not ev.strip():
            raise InputError(f"{where}: an answerable question needs 'evidence'")
        if not ans.strip():
            raise InputError(f"{where}: an answerable question needs a short 'answer'")
        if norm_ws(ev) not in doc_text(domain.docs / gold):
            raise InputError(f"{where}: evidence {ev[:80]!r} does not occur in {gold}")
        if norm_ws(ans) not in norm_ws(ev):
            raise InputError(f"{where}: answer {ans!r} does not occur in its evidence")
        for key in ("near_doc", "why"):
            if obj.get(key) is not None:
                raise InputError(f"{where}: '{key}' is only for unanswerable questions")
    else:
        if obj["answer"] or obj.get("gold_doc") or obj.get("evidence"):
            raise InputError(f"{where}: an unanswerable question has empty answer, no gold_doc, no evidence")
        if obj.get("why") not in WHY:
            raise InputError(f"{where}: 'why' must be one of {', '.join(WHY)}")
        near = obj.get("near_doc")
        if near is not None and not (domain.docs / near).is_file():
            raise InputError(f"{where}: near_doc {near!r} is not a file under {domain.docs}")
    return obj


def load_domain(domain: Domain, domains: dict[str, Domain], seen: dict[str, str]) -> list[dict[str, Any]]:
    path = domain.qa
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{located(path)}: cannot read: {exc}") from None
    rows = []
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        where = located(path, n)
        try:
            obj = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError(f"{where}: not UTF-8") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: invalid JSON at column {exc.colno}: {exc.msg}") from None
        row = validate_row(obj, where, domain, domains)
        if row["id"] in seen:
            raise InputError(f"{where}: duplicate id '{row['id']}' (first at {seen[row['id']]})")
        seen[row["id"]] = where
        rows.append(row)
    return rows


def load_corpus(names: list[str] | None = None) -> list[dict[str, Any]]:
    domains = load_domains()
    seen: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for name in names or sorted(domains):
        if name not in domains:
            raise InputError(f"unknown domain '{name}'")
        if domains[name].qa.is_file():
            rows.extend(load_domain(domains[name], domains, seen))
    return rows


def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by = Counter(r["domain"] for r in rows)
    unans = Counter(r["domain"] for r in rows if not r["answerable"])
    return {"questions": len(rows), "by_domain": dict(by),
            "unanswerable_share": {d: round(unans[d] / by[d], 3) for d in by},
            "styles": dict(Counter(r["style"] for r in rows)),
            "why": dict(Counter(r.get("why") for r in rows if not r["answerable"])),
            "linking": sum(1 for r in rows if r.get("linking"))}

