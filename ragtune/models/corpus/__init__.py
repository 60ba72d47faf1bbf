"""The behaviour corpus (CC0, invented): per-domain documents and labelled questions, see README.md.

`load_corpus()` reads and validates every domain; each problem is an InputError naming file:line (and the column
for bad bytes / bad JSON). `python -m ragtune.models.corpus [DOMAIN ...]` checks the corpus and prints its counts.
`select()` turns `--corpus` arguments (a domain, `train`, `dev`, `all`) into domains, refusing dev domains unless
allowed: they are the "generalises to a domain it never saw" measurement and must never be trained on.

A domain's questions are `qa.jsonl`; other question files may sit beside it as `<name>.jsonl` (`contrast`: the
contrastive questions). Each is read only when asked for by name (`questions=`); the default is always `qa`."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragtune.appliance.errors import InputError, located
from ragtune.appliance.jsonl import expect_object, iter_jsonl, read_json_object
from ragtune.appliance.prompt import source_text
from ragtune.appliance.text import escaped

_HERE = Path(__file__).resolve().parent
STYLES = ("plain", "terse", "long", "typo", "disfluent")
WHY = ("absent_detail", "different_entity", "different_time", "false_premise", "off_topic")
INTENTS = ("fact", "date", "policy", "howto", "troubleshoot")
SPLITS = ("train", "dev")
MAX_EVIDENCE_CHARS = 300
MIN_UNANSWERABLE_SHARE = 0.30
_DOMAIN_KEYS = {"split", "shape", "about"}
_REQUIRED = {"id": str, "question": str, "answer": str, "answerable": bool, "intent": str, "domain": str,
             "style": str}
_OPTIONAL = {"evidence", "gold_doc", "near_doc", "why", "linking", "date"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
QUESTIONS_NAME = re.compile(r"[a-z][a-z0-9_-]*")  # a question file's name: no paths, no dots, no surprises


def corpus_dir() -> Path:
    return _HERE


def norm_ws(text: str) -> str:
    """The prompt's whitespace normalisation (`prompt.source_text`): spans are compared after it."""
    return source_text(text)


def _question_key(q: str) -> str:
    return " ".join(re.findall(r"\w+", q.lower()))


def check_questions(name: Any) -> str:
    """`name` if it names a question file (`qa`, `contrast`, …), else an InputError: it becomes a file name."""
    if not isinstance(name, str) or not QUESTIONS_NAME.fullmatch(name):
        raise InputError(f"question file {name!r}: not a name (lowercase letters, digits, '-', '_', starting with "
                         "a letter)", hint="qa (the default) or another <name>.jsonl beside it, e.g. contrast")
    return name


@dataclass(frozen=True)
class Domain:
    name: str
    split: str
    shape: str
    about: str
    root: Path = _HERE

    @property
    def docs(self) -> Path:
        return self.root / self.name / "docs"

    @property
    def qa(self) -> Path:
        return self.questions("qa")

    @property
    def has_data(self) -> bool:
        return self.qa.is_file()

    def questions(self, name: str = "qa") -> Path:
        """The question file `name`: qa.jsonl (the default) or another `<name>.jsonl` beside it."""
        return self.root / self.name / f"{check_questions(name)}.jsonl"


def load_domains(root: Path | None = None) -> dict[str, Domain]:
    root = root or _HERE
    path = root / "domains.json"
    raw = read_json_object(path)
    out = {}
    for name, d in raw.items():
        shown = escaped(name)  # the file's key: a "\udce9" in it is shown escaped (no stream can encode it)
        if not isinstance(d, dict):
            raise InputError(f"{located(path)}: domain '{shown}' must be an object")
        unknown = sorted(set(d) - _DOMAIN_KEYS)
        if unknown:
            raise InputError(f"{located(path)}: domain '{shown}': unknown key(s) {', '.join(map(escaped, unknown))}")
        if d.get("split") not in SPLITS:
            raise InputError(f"{located(path)}: domain '{shown}': split must be one of {', '.join(SPLITS)}")
        out[name] = Domain(name, d["split"], str(d.get("shape", "")), str(d.get("about", "")), root)
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        if (sub / "qa.jsonl").exists() or (sub / "docs").exists():
            if sub.name not in out:
                raise InputError(f"{located(sub)}: domain folder '{sub.name}' is not listed in {path.name}")
    return out


_TEXT_CACHE: dict[Path, str] = {}


def doc_text(path: Path) -> str:
    """A document's text exactly as ingest sees it (HTML → visible text), whitespace-normalised."""
    if path not in _TEXT_CACHE:
        from ragtune.appliance.ingest.loaders import load_file

        _TEXT_CACHE[path] = norm_ws(load_file(path).text)
    return _TEXT_CACHE[path]


def _doc_path(domain: Domain, rel: Any, key: str, where: str) -> Path:
    """A document path from a row: relative, inside the domain's docs/, an existing file."""
    if not isinstance(rel, str) or not rel.strip():
        raise InputError(f"{where}: '{key}' must be a path relative to {domain.name}/docs/")
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        raise InputError(f"{where}: {key} {rel!r} must stay inside {domain.name}/docs/ (relative, no '..')")
    full = domain.docs / p
    if not full.is_file():
        raise InputError(f"{where}: {key} {rel!r} is not a file under {domain.docs}")
    return full


def validate_row(obj: Any, where: str, domain: Domain, domains: dict[str, Domain]) -> dict[str, Any]:
    """One labelled question; every problem is an InputError naming `where` (file:line)."""
    obj = expect_object(obj, where)
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
    kind = "a" if obj["answerable"] else "u"
    if not re.fullmatch(rf"{re.escape(domain.name)}-{kind}\d+", obj["id"]):
        raise InputError(f"{where}: id '{obj['id']}' must look like '{domain.name}-{kind}001' "
                         f"({'answerable' if obj['answerable'] else 'unanswerable'})")
    if obj["style"] not in STYLES:
        raise InputError(f"{where}: unknown style '{obj['style']}' (one of {', '.join(STYLES)})")
    if obj["intent"] not in INTENTS:
        raise InputError(f"{where}: unknown intent '{obj['intent']}' (one of {', '.join(INTENTS)})")
    if obj.get("linking") is not None and not isinstance(obj["linking"], bool):
        raise InputError(f"{where}: 'linking' must be true or false")
    if obj.get("date") is not None:
        try:
            if not _DATE.match(str(obj["date"])):
                raise ValueError
            datetime.date.fromisoformat(obj["date"])
        except ValueError:
            raise InputError(f"{where}: 'date' must be a real date, YYYY-MM-DD (got {obj['date']!r})") from None
    if not obj["question"].strip():
        raise InputError(f"{where}: empty question")
    if obj["answerable"]:
        ev, ans = obj.get("evidence"), obj["answer"]
        gold = _doc_path(domain, obj.get("gold_doc"), "gold_doc", where)
        if not isinstance(ev, str) or not ev.strip():
            raise InputError(f"{where}: an answerable question needs 'evidence'")
        if not ans.strip():
            raise InputError(f"{where}: an answerable question needs a short 'answer'")
        if len(norm_ws(ev)) > MAX_EVIDENCE_CHARS:
            raise InputError(f"{where}: evidence is {len(norm_ws(ev))} characters (at most {MAX_EVIDENCE_CHARS}: "
                             f"the sentence or clause that holds the answer)")
        try:
            text = doc_text(gold)
        except InputError as exc:
            raise InputError(f"{where}: gold_doc {obj['gold_doc']!r} cannot be loaded: {exc.message}") from None
        if norm_ws(ev) not in text:
            raise InputError(f"{where}: evidence {ev[:80]!r} does not occur in its document {obj['gold_doc']} "
                             f"(copy it from the text as ingested; whitespace runs count as one space)")
        if norm_ws(ans) not in norm_ws(ev):
            raise InputError(f"{where}: answer {ans!r} does not occur in its evidence (it must be a span of it)")
        for key in ("near_doc", "why"):
            if obj.get(key) is not None:
                raise InputError(f"{where}: '{key}' is only for unanswerable questions")
    else:
        if obj["answer"] or obj.get("gold_doc") or obj.get("evidence"):
            raise InputError(f"{where}: an unanswerable question has an empty answer, no gold_doc, no evidence")
        if obj.get("why") not in WHY:
            raise InputError(f"{where}: unknown why {obj.get('why')!r} (one of {', '.join(WHY)})")
        near = obj.get("near_doc")
        if obj["why"] == "off_topic":
            if near is not None:
                raise InputError(f"{where}: an off_topic question has near_doc null")
        else:
            if near is None:
                raise InputError(f"{where}: a near miss ({obj['why']}) needs 'near_doc': the document it nearly matches")
            _doc_path(domain, near, "near_doc", where)
    return obj


def load_domain(domain: Domain, domains: dict[str, Domain], seen: dict[str, str],
                questions: str = "qa") -> list[dict[str, Any]]:
    """Rows of one domain's question file (qa.jsonl unless named), validated; `seen` (id → file:line) is shared
    across domains (and files)."""
    rows = []
    keys: dict[str, str] = {}
    for where, _n, obj in iter_jsonl(domain.questions(questions)):
        row = validate_row(obj, where, domain, domains)
        if row["id"] in seen:
            raise InputError(f"{where}: duplicate id '{row['id']}' (first at {seen[row['id']]})")
        qk = _question_key(row["question"])
        if qk in keys:
            raise InputError(f"{where}: duplicate question {row['question'][:60]!r} (first at {keys[qk]})")
        seen[row["id"]] = where
        keys[qk] = where
        rows.append(row)
    return rows


def load_corpus(names: list[str] | None = None, *, root: Path | None = None,
                questions: str = "qa") -> list[dict[str, Any]]:
    """Validated rows of the named domains' question file `questions` (default: every domain that has it)."""
    check_questions(questions)
    domains = load_domains(root)
    seen: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for name in names or sorted(domains):
        if name not in domains:
            raise InputError(f"unknown corpus domain '{name}'", hint=f"one of: {', '.join(sorted(domains))}")
        if domains[name].questions(questions).is_file():
            rows.extend(load_domain(domains[name], domains, seen, questions))
    return rows


def select(args: list[str], *, allow_dev: bool = False, root: Path | None = None,
           questions: str = "qa") -> list[Domain]:
    """Domains named by `--corpus` values: a domain, `train` (all train-split domains with data), `dev`, `all`.
    With `questions` (a question file other than qa.jsonl) `train`/`dev`/`all` pick the domains that have that file,
    and a named domain without it is an error."""
    check_questions(questions)
    domains = load_domains(root)
    has = {n for n, d in domains.items() if d.questions(questions).is_file()}
    out: dict[str, Domain] = {}
    for a in args:
        if a in ("train", "dev", "all"):
            picked = [d for d in domains.values() if d.name in has and (a == "all" or d.split == a)]
            if not picked:
                what = "data yet" if questions == "qa" else f"a {questions}.jsonl"
                raise InputError(f"--corpus {a}: no {'' if a == 'all' else a + ' '}domain has {what}")
        elif a in domains:
            if a not in has:
                raise InputError(f"--corpus {a}: the domain has no {questions}.jsonl yet",
                                 hint=None if questions == "qa" else
                                 f"domains with it: {', '.join(sorted(has)) or 'none'}")
            picked = [domains[a]]
        else:
            raise InputError(f"--corpus {a}: not a corpus domain", hint=f"one of: train, dev, all, {', '.join(sorted(domains))}")
        for d in picked:
            if d.split == "dev" and not allow_dev:
                raise InputError(f"--corpus {a}: '{d.name}' is a dev domain (the generalisation measurement): "
                                 "never train on it", hint="pass --allow-dev only to build an evaluation set")
            out[d.name] = d
    return [out[k] for k in sorted(out)]


def check_shares(rows: list[dict[str, Any]], min_share: float = MIN_UNANSWERABLE_SHARE) -> list[str]:
    """Domains whose unanswerable share is below `min_share` (as messages)."""
    c = counts(rows)
    return [f"domain '{d}': unanswerable share {s:.1%} < {min_share:.0%}"
            for d, s in sorted(c["unanswerable_share"].items()) if s < min_share]


def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by = Counter(r["domain"] for r in rows)
    unans = Counter(r["domain"] for r in rows if not r["answerable"])
    return {"questions": len(rows), "by_domain": dict(sorted(by.items())),
            "answerable": sum(1 for r in rows if r["answerable"]),
            "unanswerable": sum(1 for r in rows if not r["answerable"]),
            "unanswerable_share": {d: round(unans[d] / by[d], 3) for d in sorted(by)},
            "styles": dict(Counter(r["style"] for r in rows)),
            "why": dict(Counter(r.get("why") for r in rows if not r["answerable"])),
            "linking": sum(1 for r in rows if r.get("linking"))}
