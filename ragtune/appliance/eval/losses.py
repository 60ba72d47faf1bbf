"""Where answers are lost: every labelled question of an arm in one place, so a run says which stage to work on.

An answerable question is judged by what the model was shown. When a gold answer occurs in the shown context
(normalised as the F1 is, on word boundaries), the model had it and lost it by refusing (each refusal reason
apart), by copying a wrong span of a source that holds the gold answer (it read the right source wrongly), or by
answering from another source. When no gold answer was shown, retrieval (or the context's trimming) lost it first,
or the gold answer is worded unlike the source. A question refused before the model was called (the evidence gate,
no sources, an override question) was shown nothing: its loss belongs to that check. A refusal made by a check after
the model answered (off_topic, echo, …) keeps the model's answer in the raw output: whether that answer was right
is what the check cost. An unanswerable question is refused (by reason) or answered.

The facts go into each question's row (`items.jsonl`: `outcome`, `shown`, `reason`, `withheld`), so `eval compare` can say
where the flipped questions came from; `tally` counts them for the report.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any, Iterable

from ..schema import parse_answer
from .metrics import best_match, normalize_answer

_PUNCT = re.compile("[" + re.escape(string.punctuation) + "]")
# outcome of an answerable question: right | wrong_span | wrong_source | wrong | refused | error;
# of an unanswerable one: refused | answered | error
OUTCOMES = ("right", "wrong_span", "wrong_source", "wrong", "refused", "answered", "error")


def _words(text: str) -> str:
    """' w1 w2 … ': lower case, articles dropped, and punctuation read as a space, not deleted as the F1 does, so
    that "Israel-Lebanon" is found in a source tokenised as "Israel - Lebanon"."""
    return f" {normalize_answer(_PUNCT.sub(' ', str(text)))} "


def gold_holders(answers: Iterable[str], context: Iterable[dict[str, Any]]) -> list[str]:
    """Ids of the shown context items whose text holds a gold answer (normalised, on word boundaries)."""
    golds = [g for g in map(_words, answers) if g.strip()]
    if not golds:
        return []
    texts = [(str(c.get("id")), _words(c.get("text", ""))) for c in context]
    return [cid for cid, text in texts if any(g in text for g in golds)]


def withheld(item: dict[str, Any], result: dict[str, Any], f1_threshold: float) -> bool | None:
    """A check after the model (off_topic, echo, …) refused an answer the model gave: was that answer right?
    None when the model itself refused, nothing was generated, or the question is not answerable."""
    if result.get("status") != "refused" or not item.get("answerable") or not result.get("raw_output"):
        return None
    obj, err = parse_answer(str(result["raw_output"]))
    if err is not None or not isinstance(obj, dict) or obj.get("status") != "ok":
        return None
    em, f1 = best_match(str(obj.get("answer") or ""), item.get("answers") or [])
    return em or f1 >= f1_threshold


def classify(item: dict[str, Any], result: dict[str, Any], correct: bool | None,
             f1_threshold: float = 0.5) -> dict[str, Any]:
    """{"outcome", "shown", "reason", "withheld"} of one answered question. `shown`: a gold answer was in the
    context the model saw (None: unanswerable, unlabelled, or nothing shown); `reason`: the refusal reason of a
    refusal; `withheld`: `withheld()`."""
    status = result.get("status")
    context = result.get("context") or []
    refused = status == "refused"
    reason = _named(result.get("refusal_reason")) if refused else None
    answerable = item.get("answerable")
    holders = gold_holders(item.get("answers") or [], context) if answerable and context else []
    shown = None if not answerable or not context else bool(holders)
    if status == "error":
        outcome = "error"
    elif answerable is False:
        outcome = "refused" if refused else "answered"
    elif correct:
        outcome = "right"
    elif refused:
        outcome = "refused"
    elif shown:
        outcome = "wrong_span" if set(map(str, result.get("cited_ids") or [])) & set(holders) else "wrong_source"
    else:
        outcome = "wrong"
    return {"outcome": outcome, "shown": shown, "reason": reason, "withheld": withheld(item, result, f1_threshold)}


def _named(reason: str | None) -> str:
    return reason or "model"  # a refusal without a reason is the model's


def _reason(row: dict[str, Any]) -> str:
    return _named(row.get("reason"))


def _refused_key(row: dict[str, Any]) -> str:
    """The tally key of an answerable question's refusal: by what the model was shown."""
    shown = row.get("shown")
    return "refused_shown" if shown else "refused_not_shown" if shown is False else "refused_before_model"


def tally(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts over one arm's scored rows (those without `outcome`, written before it existed, are skipped)."""
    ans: Counter[str] = Counter()
    una: Counter[str] = Counter()
    refused: dict[str, Counter[str]] = {k: Counter() for k in ("refused_shown", "refused_not_shown",
                                                               "refused_before_model", "withheld", "unanswerable")}
    for r in rows:
        outcome = r.get("outcome")
        if outcome is None or r.get("answerable") is None:
            continue
        if r["answerable"] is False:
            una["n"] += 1
            una[outcome] += 1
            if outcome == "refused":
                refused["unanswerable"][_reason(r)] += 1
            continue
        ans["n"] += 1
        ans["shown"] += bool(r.get("shown"))
        if outcome == "refused":
            refused[_refused_key(r)][_reason(r)] += 1
            if r.get("withheld"):
                refused["withheld"][_reason(r)] += 1
        elif outcome == "wrong":
            ans["wrong_not_shown"] += 1
        else:
            ans[outcome] += 1
    return {
        "answerable": {"n": ans["n"], "shown": ans["shown"], "right": ans["right"],
                       "wrong_span": ans["wrong_span"], "wrong_source": ans["wrong_source"],
                       "refused_shown": dict(refused["refused_shown"]), "wrong_not_shown": ans["wrong_not_shown"],
                       "refused_not_shown": dict(refused["refused_not_shown"]),
                       "refused_before_model": dict(refused["refused_before_model"]),
                       "withheld_right": dict(refused["withheld"]), "error": ans["error"]},
        "unanswerable": {"n": una["n"], "refused": dict(refused["unanswerable"]), "answered": una["answered"],
                         "error": una["error"]},
    }


# (key in tally()["answerable"] or ["unanswerable"], the row's words): the report's table, in this order
ANSWERABLE_ROWS = (
    ("right", "right"),
    ("wrong_span", "gold answer shown: a wrong span of a source that holds it"),
    ("wrong_source", "gold answer shown: answered from another source"),
    ("refused_shown", "gold answer shown: refused"),
    ("wrong_not_shown", "gold answer not shown: answered wrong"),
    ("refused_not_shown", "gold answer not shown: refused"),
    ("refused_before_model", "refused before the model (nothing shown)"),
    ("withheld_right", "of the refusals: a right answer the model gave, withheld by a check"),
    ("error", "errors"),
)
UNANSWERABLE_ROWS = (("refused", "refused"), ("answered", "answered"), ("error", "errors"))
# the same rows in short words: the CLI's line (summary) and each flipped question (where)
SHORT = {"wrong_span": "wrong span of the gold source", "wrong_source": "answered from another source",
         "refused_shown": "refused with the gold shown", "wrong_not_shown": "gold not shown, wrong",
         "refused_not_shown": "gold not shown, refused", "refused_before_model": "refused before the model",
         "withheld_right": "of the refusals, right answers withheld by a check"}


def _total(value: int | dict[str, int] | None) -> int:
    """A row's count: a number, or a count by reason; a key a report of an earlier version lacks counts 0."""
    return sum(value.values()) if isinstance(value, dict) else int(value or 0)


def cell(value: int | dict[str, int], n: int) -> str:
    """'60 (20.4%): model 41, off_topic 19' for a reason count, '108 (36.7%)' for a plain one."""
    total = _total(value)
    text = f"{total} ({100 * total / n:.1f}%)" if n else str(total)
    if isinstance(value, dict) and value:
        text += ": " + ", ".join(f"{k} {v}" for k, v in sorted(value.items(), key=lambda kv: (-kv[1], kv[0])))
    return text


def table(losses: dict[str, dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(row words, one cell per arm) for the report; arms in the order given."""
    arms = list(losses)
    out: list[tuple[str, list[str]]] = []
    for group, rows, title in (("answerable", ANSWERABLE_ROWS, "answerable questions"),
                               ("unanswerable", UNANSWERABLE_ROWS, "unanswerable questions")):
        if not any(losses[a][group]["n"] for a in arms):
            continue
        head = [str(losses[a][group]["n"]) for a in arms]
        if group == "answerable":
            head = [f"{h}, gold answer shown for {losses[a][group]['shown']}" for h, a in zip(head, arms)]
        out.append((title, head))
        for key, words in rows:
            if any(_total(losses[a][group].get(key)) for a in arms):  # a row of zeros says nothing
                out.append((words, [cell(losses[a][group].get(key) or 0, losses[a][group]["n"]) for a in arms]))
    return out


def summary(t: dict[str, Any]) -> str:
    """One line for the CLI: where an arm's answerable questions were lost."""
    a = t["answerable"]
    if not a["n"]:
        return ""
    parts = [f"right {a['right']}"]
    for key, words in SHORT.items():
        total = _total(a.get(key))
        if total:
            parts.append(f"{words} {total}")
    return f"{a['n']} answerable: " + ", ".join(parts)


def where(row: dict[str, Any]) -> str:
    """Where one answer went, in words ('refused with the gold shown (model)'); a row without an outcome (written
    before this module) gives its status."""
    outcome, reason = row.get("outcome"), _reason(row)
    if outcome is None:
        return str(row.get("status"))
    if outcome == "refused":
        if row.get("answerable") is False:
            return f"refused ({reason})"
        if row.get("withheld"):
            reason += ", a right answer withheld"
        return f"{SHORT[_refused_key(row)]} ({reason})"
    return SHORT.get("wrong_not_shown" if outcome == "wrong" else outcome, outcome)
