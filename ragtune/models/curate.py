"""Stage 2 of tuning: curate built examples into train.jsonl + holdout.jsonl, with a report for every step.

Steps, in order (each one adds a section to the report):
1. schema: every line is a valid training example (answer schema, citations are ids present in the context,
   refusals cite nothing); invalid lines are dropped and listed with file:line.
2. scrub: e-mails, phone numbers, card numbers (Luhn-checked) and keys/tokens become placeholders.
3. dedup: identical normalised prompt+output pairs are kept once; one prompt with different outputs is kept but
   listed (a check for a person: the model would be taught both); near-duplicates (a question in other
   punctuation, case or small words, the same answer: `neardup`) are kept but listed with both file:lines.
4. split: temporal holdout, the newest `holdout_frac` of the dated lines by document date / log time (undated
   lines train); a held-out line with a near-duplicate in train trains too (it would score recall).
5. balance (train only, off by default: the RAFT builder's shares decide the mix): refusal share brought to
   `refusal_share` (oversample or cap), no intent above `max_intent_share`.
6. mix (train only): `mix_frac` of general-behaviour and safety examples (injected instructions, jailbreaks).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ragtune.appliance import prompt
from ragtune.appliance.atomic import atomic_write_text, make_dir
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.hashing import sha256_file

from .curate_mix import (MIX_MAX_REPEATS, MIX_MAX_SHARE, _balance_intents, _balance_refusals, _intent,
                         _is_refusal, _mix_lines, _share, mix_examples)
from . import neardup
from .dataset import (answer_in_sources, folded_ws, prompt_key, prompt_parts, splits_sha256, validate_example,
                      write_jsonl)


@dataclasses.dataclass
class CurateConfig:
    holdout_frac: float = 0.2
    refusal_share: float = -1.0  # target share of refusals in train; < 0 = as built
    max_intent_share: float = 1.0  # 1 = no cap (the behaviour corpus is ~70 % fact questions by design)
    mix_frac: float = 0.07  # general + safety examples, as a share of the final train set
    scrub: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        def check(ok: bool, key: str, msg: str) -> None:
            if not ok:
                raise ConfigError(f"curate.{key}: {msg}")
        check(isinstance(self.holdout_frac, (int, float)) and 0 <= self.holdout_frac < 1, "holdout_frac", "must be in [0, 1)")
        check(isinstance(self.refusal_share, (int, float)) and (self.refusal_share < 0 or self.refusal_share < 1),
              "refusal_share", "must be < 1 (negative = off)")
        check(isinstance(self.max_intent_share, (int, float)) and 0 < self.max_intent_share <= 1, "max_intent_share", "must be in (0, 1]")
        check(isinstance(self.mix_frac, (int, float)) and (self.mix_frac == 0 or 0.05 <= self.mix_frac <= MIX_MAX_SHARE),
              "mix_frac", f"must be 0 or 0.05..{MIX_MAX_SHARE:.2f}")
        check(isinstance(self.seed, int), "seed", "must be an integer")


# ------------------------------------------------------------------------------------------------------------
# PII / secret scrubbing
# ------------------------------------------------------------------------------------------------------------

_SECRETS = [
    ("API_KEY", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}")),
    ("AWS_KEY", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GITHUB_TOKEN", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b")),
    ("SLACK_TOKEN", re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("JWT", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
    ("PRIVATE_KEY", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----")),
]
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
# A phone number: optional +country, then digit groups separated by spaces/dots/dashes/brackets, 9-15 digits.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?![\w-])|(?<![\w+])\+\d{9,15}(?!\w)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def luhn_ok(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if alt:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        alt = not alt
    return total % 10 == 0


# What every match of a pattern holds, looked for first (round 51: a leading \b or lookbehind kept `re` from skipping
# ahead, so each sub walked every character). Not there: the same text and counts (placeholders add none; the text
# is the one the earlier subs left). A card or a phone_ok number: 9 digits, at most two of " .-()" between two.
_NEEDS = {"API_KEY": ("sk-",), "AWS_KEY": ("AKIA", "ASIA"), "GITHUB_TOKEN": ("gh", "github_pat_"),
          "SLACK_TOKEN": ("xox",), "JWT": ("eyJ",), "PRIVATE_KEY": ("-----BEGIN ",), "EMAIL": ("@",)}
_NINE_DIGITS = re.compile(r"\d(?:[ .()-]{0,2}\d){8}")  # starts at a digit: re skips to one fast


def _card_ok(s: str) -> bool:
    return 13 <= len(digits := re.sub(r"\D", "", s)) <= 19 and luhn_ok(digits)


def _phone_ok(s: str) -> bool:
    return 9 <= len(re.sub(r"\D", "", s)) <= 15 and not _DATE.match(s.strip())


def _sub(kind: str, rx: re.Pattern[str], s: str, counts: Counter, check: Any = None) -> str:
    if kind in _NEEDS and not any(n in s for n in _NEEDS[kind]):
        return s

    def rep(m: re.Match[str]) -> str:
        if check is not None and not check(m.group(0)):
            return m.group(0)
        counts[kind] += 1
        return f"[{kind}]"
    return rx.sub(rep, s)


def scrub_text(text: str, counts: Counter | None = None) -> str:
    """Replace secrets, e-mails, card numbers and phone numbers by [PLACEHOLDER]s (counted by kind), in that order."""
    counts = counts if counts is not None else Counter()
    for kind, rx in _SECRETS:
        text = _sub(kind, rx, text, counts)
    text = _sub("EMAIL", _EMAIL, text, counts)
    if _NINE_DIGITS.search(text):
        text = _sub("PHONE", _PHONE, _sub("CARD", _CARD, text, counts, _card_ok), counts, _phone_ok)
    return text


def scrub_example(ex: dict[str, Any], counts: Counter) -> dict[str, Any]:
    p, o = ex["prompt"], ex["output"]
    new = {
        "prompt": {"system": p["system"], "context": [{"id": c["id"], "text": scrub_text(c["text"], counts)} for c in p["context"]],
                   "user": scrub_text(p["user"], counts)},
        "output": {"status": o["status"], "answer": scrub_text(o["answer"], counts), "citations": list(o["citations"])},
    }
    if "meta" in ex:
        new["meta"] = ex["meta"]
    return new


# ------------------------------------------------------------------------------------------------------------
# Curation
# ------------------------------------------------------------------------------------------------------------

def example_hash(ex: dict[str, Any]) -> str:
    """Normalised prompt+output hash (whitespace and case folded): prompt_parts and the output."""
    o = ex["output"]
    key = json.dumps([*prompt_parts(ex), o["status"], folded_ws(o["answer"]), list(o["citations"])],
                     ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _date_of(ex: dict[str, Any]) -> str | None:
    meta = ex.get("meta") or {}
    d = meta.get("date") or meta.get("time") or meta.get("created_at")
    return str(d) if d else None


MAX_SERVED_SOURCES = 6  # retrieve.k is 1..6: serving never shows the model more sources than this


def _refusal_text(ex: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of a refusal line whose answer is not prompt.REFUSAL_TEXT, with that text (what serving emits,
    `log review` stores and the builder writes), or None. A hand-written "refused" line with a real answer is
    either a label error or words the model is never asked to write (decoding stops at the refusal)."""
    o = ex["output"]
    if o["status"] != "refused" or o["answer"] == prompt.REFUSAL_TEXT:
        return None
    return {**ex, "output": {**o, "answer": prompt.REFUSAL_TEXT}}


def _shape_problem(ex: dict[str, Any], serving: dict[str, Any] | None) -> str | None:
    """Why a line's context is not one serving shows the model (more sources than retrieve.k allows, more words
    than the context budget's tokens: a word is at least one token), or None."""
    ctx = ex["prompt"]["context"]
    if len(ctx) > MAX_SERVED_SOURCES:
        return f"{len(ctx)} sources (serving shows at most {MAX_SERVED_SOURCES}: retrieve.k)"
    budget = (serving or {}).get("context_tokens")
    words = sum(len(c["text"].split()) for c in ctx)
    if isinstance(budget, int) and words > budget:
        return (f"sources of {words} words (serving's context budget is retrieve.context_tokens={budget} tokens; a "
                "word is at least one)")
    return None


def curate(lines: list[tuple[str, dict[str, Any]]], cfg: CurateConfig | None = None, *,
           serving: dict[str, Any] | None = None,
           validated: bool = False) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(train, holdout, report) from (file:line, example) pairs. `serving` (retrieve.context_tokens as
    `context_tokens`): lines whose sources are over it are listed under checks. `validated`: every line passed
    validate_example already (dataset.build_from_log's, strict): not checked twice."""
    cfg = cfg or CurateConfig()
    rng = random.Random(cfg.seed)
    report: dict[str, Any] = {"config": dataclasses.asdict(cfg), "input": len(lines)}

    # 1. schema + citations present in the context
    valid: list[dict[str, Any]] = []
    valid_where: list[str] = []
    rejected: list[dict[str, Any]] = []
    ungrounded: list[str] = []
    other_prompt: list[str] = []
    refusal_text: list[str] = []
    unserved: list[str] = []
    for where, ex in lines:
        errs = [] if validated else validate_example(ex, where)
        if errs:
            rejected.append({"where": where, "errors": errs})
            continue
        fixed = _refusal_text(ex)
        if fixed is not None:
            refusal_text.append(f"{where}: {json.dumps(ex['output']['answer'], ensure_ascii=False)[:80]}")
            ex = fixed
        if (why := _shape_problem(ex, serving)) is not None:
            unserved.append(f"{where}: {why}")
        valid.append(ex)
        valid_where.append(where)
        if not answer_in_sources(ex):
            ungrounded.append(where)
        if ex["prompt"]["system"] != prompt.SYSTEM_PROMPT:
            other_prompt.append(where)
    report["schema"] = {"valid": len(valid), "rejected": len(rejected), "examples": rejected[:20]}
    # kept (a query-log line may paraphrase; the builder's own lines always pass), but counted and located
    report["checks"] = {"answer_not_in_cited_sources": len(ungrounded), "answer_not_in_cited_examples": ungrounded[:20],
                        "other_system_prompt": len(other_prompt), "other_system_prompt_examples": other_prompt[:20]}
    if refusal_text or unserved:  # only when found: the reports of builds without them stay as they were
        report["checks"].update(refusal_text_replaced=len(refusal_text), refusal_text_examples=refusal_text[:20],
                                not_served_shape=len(unserved), not_served_shape_examples=unserved[:20])

    # 2. scrub
    counts: Counter = Counter()
    if cfg.scrub:
        valid = [scrub_example(ex, counts) for ex in valid]
    report["scrub"] = {"enabled": cfg.scrub, "replaced": dict(sorted(counts.items())), "total": sum(counts.values())}

    # 3. dedup
    kept: dict[str, dict[str, Any]] = {}  # hash → the line kept (the first copy)
    uniq, uniq_where = [], []
    targets: dict[str, list[str]] = {}  # prompt → where its distinct outputs are
    newest: dict[int, str] = {}  # a kept line → its copies' newest date: a question asked again last week is recent
    for ex, where in zip(valid, valid_where):
        h = example_hash(ex)
        if h not in kept:
            kept[h] = ex
            uniq.append(ex)
            uniq_where.append(where)
            targets.setdefault(prompt_key(ex), []).append(where)
        newest[id(kept[h])] = max(newest.get(id(kept[h]), ""), _date_of(ex) or "")  # "": undated
    report["dedup"] = {"before": len(valid), "after": len(uniq), "removed": len(valid) - len(uniq)}
    # kept (which one is right is a person's call), but located: one prompt with two targets teaches both answers
    conflicts = [w for w in targets.values() if len(w) > 1]
    report["checks"].update(conflicting_targets=len(conflicts),
                            conflicting_targets_examples=[", ".join(w[:5]) for w in conflicts[:20]])
    # kept too (which copy is meant is a person's call), located, and kept on one side of the split below
    groups, near = neardup.find(uniq, uniq_where)
    if near["near_duplicates"]:  # only when found: the reports of builds without them stay as they were
        report["checks"].update(near)

    # 4. temporal holdout: the newest holdout_frac of the dated lines (newer documents are what the model meets
    # after training); stable: same-date lines keep their input order, so the split is deterministic. Variants of
    # one question (augmentations, drop/oracle twins) carry the question's date, so they land on the same side. A
    # de-duplicated line has its newest copy's date (round 51: it had the first's, in a log the oldest).
    when = lambda e: newest.get(id(e))  # noqa: E731
    dated = sorted((ex for ex in uniq if when(ex)), key=lambda e: when(e) or "")
    undated = [ex for ex in uniq if not when(ex)]
    n_hold = int(round(cfg.holdout_frac * len(dated)))
    if 0 < n_hold < len(dated):  # never split one date across the cut: its lines may be one question's twins
        cut = when(dated[len(dated) - n_hold])
        n_hold = sum(1 for e in dated if (when(e) or "") >= (cut or ""))
        if n_hold == len(dated):  # the cut's date is the oldest: hold out only the newer dates (none: nothing)
            n_hold = sum(1 for e in dated if (when(e) or "") > (cut or ""))
    holdout = dated[len(dated) - n_hold:] if n_hold else []
    hold_ids = {id(ex) for ex in holdout}
    train = [ex for ex in dated if id(ex) not in hold_ids] + undated
    train, holdout, moved = neardup.keep_together(train, holdout, groups, uniq)  # a question trained is not scored
    report["split"] = {
        "holdout_frac": cfg.holdout_frac, "train": len(train), "holdout": len(holdout), "undated": len(undated),
        "dates": len({when(e) for e in dated}),
        "cutoff_date": when(holdout[0]) if holdout else None,
        "train_date_range": [when(dated[0]) if dated else None,
                             max((when(e) or "" for e in train if when(e)), default=None)],
    }
    if moved:
        report["split"]["near_duplicates_trained"] = moved

    # 5. balance (train only)
    before = {"refusal_share": _share(train, _is_refusal), "intents": dict(Counter(map(_intent, train)))}
    train = _balance_intents(train, cfg.max_intent_share, rng)
    train = _balance_refusals(train, cfg.refusal_share, rng)
    rng.shuffle(train)
    report["balance"] = {"before": before, "after": {"refusal_share": _share(train, _is_refusal),
                                                     "intents": dict(Counter(map(_intent, train)))},
                         "target_refusal_share": cfg.refusal_share, "max_intent_share": cfg.max_intent_share,
                         "train": len(train)}

    # 6. general + safety mix (train only)
    pool = mix_examples()
    n_mix = wanted = 0
    base = len(train)
    if cfg.mix_frac > 0 and train:
        wanted = _mix_lines(cfg.mix_frac, base)
        # cycles when the set is larger than the pool, but at most MIX_MAX_REPEATS copies of each: a few hand-written
        # lines repeated dozens of times per epoch would be memorised, not generalised
        n_mix = min(wanted, MIX_MAX_REPEATS * len(pool))
        picks = [pool[i % len(pool)] for i in range(n_mix)]
        train = train + picks
        rng.shuffle(train)
    report["mix"] = {"mix_frac": cfg.mix_frac, "wanted": wanted, "added": n_mix, "pool": len(pool),
                     "max_repeats": MIX_MAX_REPEATS,
                     "share": round(n_mix / len(train), 4) if train else 0.0}
    if cfg.mix_frac > 0 and base and not wanted:  # said in the report, not a silent 0
        report["mix"]["too_few"] = {"train": base, "from": next(t for t in range(base, 10_000)
                                                                if _mix_lines(cfg.mix_frac, t))}
    report["output"] = {"train": len(train), "holdout": len(holdout),
                        "train_refusal_share": _share(train, _is_refusal),
                        "holdout_refusal_share": _share(holdout, _is_refusal)}
    return train, holdout, report


# ------------------------------------------------------------------------------------------------------------
# Artifacts
# ------------------------------------------------------------------------------------------------------------

def write_splits(out: Path, train: list[dict[str, Any]], holdout: list[dict[str, Any]]) -> dict[str, Any]:
    """train.jsonl and holdout.jsonl written atomically into `out`, and the dataset_config.json fields that name
    them (format, system prompt, each split's lines and sha256). An old dataset_config.json goes first: a crash
    before the new one is written must not leave it trusted."""
    make_dir(out)
    (out / "dataset_config.json").unlink(missing_ok=True)
    write_jsonl(out / "train.jsonl", train)
    write_jsonl(out / "holdout.jsonl", holdout)
    return {"format": "ragtune-train-v1", "system_prompt_sha256": prompt.system_prompt_sha256(),
            "train": {"path": "train.jsonl", "lines": len(train), "sha256": sha256_file(out / "train.jsonl")},
            "holdout": {"path": "holdout.jsonl", "lines": len(holdout), "sha256": sha256_file(out / "holdout.jsonl")}}


def dataset_sha256(config: dict[str, Any]) -> str:
    """The dataset hash of a dataset_config.json (`dataset.splits_sha256` of its two splits)."""
    return splits_sha256(config["train"]["sha256"], config["holdout"]["sha256"])


def write_curated(out_dir: Path | str, train: list[dict[str, Any]], holdout: list[dict[str, Any]],
                  report: dict[str, Any], *, build: dict[str, Any] | None = None,
                  options: dict[str, Any] | None = None) -> dict[str, Any]:
    """train.jsonl, holdout.jsonl, report.json, report.md, dataset_config.json (with sha256s and the build options
    the next stage reads). Every file is written atomically; dataset_config.json last, so a folder with it is
    complete. Returns the config."""
    out = Path(out_dir)
    config = {**write_splits(out, train, holdout), "curate": report.get("config", {}),
              "build_options": options or {}, "build": build or {}}
    config["dataset_sha256"] = dataset_sha256(config)
    report = dict(report, dataset_sha256=config["dataset_sha256"], build=build or {}, build_options=options or {})
    _write_text(out / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _write_text(out / "report.md", report_markdown(report))
    _write_text(out / "dataset_config.json", json.dumps(config, indent=2) + "\n")
    return config


def _holdout_markdown(sp: dict[str, Any]) -> str:
    """The holdout line: with lines held out, from which date on; without, why (a query-log export has no dates)."""
    train = f"train {sp.get('train', 0)} ({sp.get('undated', 0)} undated)"
    if sp.get("holdout"):
        moved = (f" ({sp['near_duplicates_trained']} newer lines trained instead: a near-duplicate of each trains)"
                 if sp.get("near_duplicates_trained") else "")
        return (f"holdout = newest {sp.get('holdout_frac')} by date: {sp['holdout']} lines from {sp.get('cutoff_date')} "
                f"on{moved}; {train}.")
    if not sp.get("holdout_frac"):
        why = "--holdout-frac 0"
    elif sp.get("near_duplicates_trained"):
        why = f"each of the {sp['near_duplicates_trained']} newest lines has a near-duplicate that trains"
    elif sp.get("dates") == 0:
        why = "no dated lines (meta.date / meta.time): undated lines always train"
    elif sp.get("dates") == 1:
        why = "every dated line has one date, which is never split"
    elif sp.get("dates"):
        why = f"{sp.get('holdout_frac')} of the dated lines is less than one line"
    else:  # a report written before `dates` was recorded
        return f"holdout: nothing held out; {train}."
    return f"holdout: nothing held out — {why}; {train}."


def _mix_markdown(m: dict[str, Any]) -> str:
    few = m.get("too_few")
    if few:  # none: say why, and from how many lines one is added
        return (f"none added: {few['train']} train lines are too few for a {m.get('mix_frac')} share (a mix line is "
                f"added from {few['from']} lines on, and is never over {MIX_MAX_SHARE:.0%} of train).")
    capped = f"; {m['wanted']} wanted, capped at {m.get('max_repeats')} copies of each" if m.get("wanted", 0) > m.get("added", 0) else ""
    return f"{m.get('added', 0)} examples added ({m.get('share', 0):.1%} of train, pool {m.get('pool', 0)}{capped})."


def _write_text(path: Path, text: str) -> None:
    atomic_write_text(path, text)


def report_markdown(r: dict[str, Any]) -> str:
    s = r.get("schema", {})
    sc = r.get("scrub", {})
    d = r.get("dedup", {})
    sp = r.get("split", {})
    b = r.get("balance", {})
    m = r.get("mix", {})
    o = r.get("output", {})
    lines = ["# Dataset curation report", ""]
    if r.get("dataset_sha256"):
        lines += [f"dataset sha256: `{r['dataset_sha256']}`", ""]
    if r.get("build"):
        lines += _build_markdown(r["build"], r.get("build_options") or {})
    lines += [f"## Schema\n\n{r.get('input', 0)} lines in, {s.get('valid', 0)} valid, {s.get('rejected', 0)} rejected."]
    for ex in s.get("examples", [])[:10]:
        lines.append(f"- {ex['where']}: {'; '.join(ex['errors'])}")
    ck = r.get("checks")
    if ck:
        lines += ["", f"## Checks (kept, for a person to look at)\n\n{ck.get('answer_not_in_cited_sources', 0)} answers "
                  "not found in the sources they cite; " f"{ck.get('other_system_prompt', 0)} lines under another "
                  "system prompt than serving's (the model is never shown it)."]
        lines += [f"- {w}: answer not in its cited sources" for w in ck.get("answer_not_in_cited_examples", [])[:10]]
        lines += [f"- {w}: another system prompt" for w in ck.get("other_system_prompt_examples", [])[:10]]
        if ck.get("refusal_text_replaced"):
            lines += ["", f"{ck['refusal_text_replaced']} refusals whose answer was not the refusal text, now "
                      "that text (a refusal's words are fixed; if it answers, set status ok and cite):"]
            lines += [f"- {w}" for w in ck.get("refusal_text_examples", [])[:10]]
        if ck.get("not_served_shape"):
            lines += ["", f"{ck['not_served_shape']} lines whose sources serving never shows (the model is taught "
                      "on a context it never meets):"]
            lines += [f"- {w}" for w in ck.get("not_served_shape_examples", [])[:10]]
        if ck.get("conflicting_targets"):  # absent from reports written before the check
            lines += ["", f"{ck['conflicting_targets']} prompts with more than one target (the same sources and "
                      "question, different outputs: the model is taught both; keep the right one):"]
            lines += [f"- {w}" for w in ck.get("conflicting_targets_examples", [])[:10]]
        lines += neardup.markdown(ck)
    ov = r.get("eval_overlap")
    if ov:  # build.py adds it when there was an evaluation set to check against
        lines += ["", f"## Evaluation overlap\n\n{ov.get('lines', 0)} lines ask a question of an evaluation set "
                  f"({ov.get('questions', 0)} questions in {len(ov.get('sets') or [])} set(s) checked):"]
        lines += [f"- {w}" for w in ov.get("examples", [])[:10]] + [f"- {n}" for n in ov.get("notes", [])[:5]]
    lines += ["", f"## PII / secret scrubbing\n\n{sc.get('total', 0)} replacements: "
              + (", ".join(f"{k} {v}" for k, v in sc.get("replaced", {}).items()) or "none") + ".", ""]
    lines += [f"## De-duplication\n\n{d.get('before', 0)} → {d.get('after', 0)} ({d.get('removed', 0)} duplicates removed).", ""]
    lines += [f"## Temporal holdout\n\n{_holdout_markdown(sp)}", ""]
    bb, ba = b.get("before", {}), b.get("after", {})
    lines += [f"## Balance (train)\n\nrefusal share {bb.get('refusal_share')} → {ba.get('refusal_share')} "
              f"(target {b.get('target_refusal_share')}); intents before {bb.get('intents')}, after {ba.get('intents')}.", ""]
    lines += [f"## General + safety mix\n\n{_mix_markdown(m)}", ""]
    lines += [f"## Output\n\ntrain {o.get('train', 0)} lines (refusals {o.get('train_refusal_share')}), holdout "
              f"{o.get('holdout', 0)} lines (refusals {o.get('holdout_refusal_share')}).", ""]
    return "\n".join(lines)


def _build_markdown(b: dict[str, Any], options: dict[str, Any]) -> list[str]:
    """The build section: example kinds, answer positions, refusal share, prompt tokens, the options."""
    lines = ["## Build", ""]
    if "kinds" not in b:  # a query-log pass-through
        return lines + ["```json", json.dumps(b, indent=2), "```", ""]
    lines += [f"{b.get('questions', 0)} questions, {b.get('variants', 0)} question variants (augmented: "
              f"{b.get('augmented') or 'none'}), {b.get('examples', 0)} examples in {b.get('seconds', 0)} s; "
              f"refusal share {b.get('refusal_share')}.", "",
              "| kind | examples |", "|---|---|"]
    lines += [f"| {k} | {n} |" for k, n in (b.get("kinds") or {}).items()]
    pos = b.get("answer_positions") or {}
    lines += ["", "Answer position (first cited source): " + (", ".join(f"{k} {v}" for k, v in pos.items()) or "none")
              + f"; at S1: {b.get('answer_at_s1_share')}.",
              f"Answer retrieved in the top k (original wording): {b.get('answer_recall_at_k')}; near-miss chunk "
              f"inserted {b.get('near_miss_inserted', 0)}; with distractors {b.get('distracted', 0)}; shuffled "
              f"{b.get('shuffled', 0)}; ambiguous skipped {b.get('ambiguous_skipped', 0)}; answer source did not "
              f"fit the window {b.get('not_fitted', 0)}.",
              f"Sources per example: {b.get('context_sizes')}.", ""]
    pt = b.get("prompt_tokens") or {}
    if pt:
        lines += [f"Prompt tokens ({b.get('token_counter')}): p50 {pt.get('p50')}, p90 {pt.get('p90')}, p95 "
                  f"{pt.get('p95')}, p99 {pt.get('p99')}, max {pt.get('max')}, mean {pt.get('mean')}.", ""]
    by = b.get("by_source") or {}
    if by:
        lines += ["| source | examples |", "|---|---|"] + [f"| {k} | {n} |" for k, n in by.items()] + [""]
    for sc in b.get("scratch") or []:
        lines.append(f"- scratch home for {sc.get('set')}: {sc.get('docs')} documents, {sc.get('chunks')} chunks, "
                     f"{'cached' if sc.get('cached') else 'ingested in %s s' % sc.get('ingest_seconds')}"
                     + (f", {len(sc['failed'])} failed" if sc.get("failed") else ""))
    if options:
        lines += ["", "Options:", "", "```json", json.dumps(options, indent=2), "```", ""]
    return lines
