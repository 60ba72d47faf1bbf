"""The runtime refusal check: the last stage before an answer is emitted.

An "ok" answer over a non-empty context is turned into a refusal when it cites nothing ("no_citations") or when
too few of its content words occur in the sources it cites ("unsupported", threshold `generate.min_support`).
A refusal always carries `prompt.REFUSAL_TEXT` and no citations.

This check and the eval grader's support metric (`ragtune.appliance.eval.metrics.support_score`) differ on purpose:
the runtime one is lenient (a 0.34 share, 5-letter prefixes for inflections) because it decides what a user sees;
the grader is strict (0.75, suffix stemming) because it measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from .prompt import REFUSAL_TEXT
from .text import STOPWORDS
from .types import ContextItem

_WORD = re.compile(r"\w+", re.UNICODE)


def content_words(text: str) -> list[str]:
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOPWORDS]


def support_score(answer: str, sources: list[str]) -> float:
    """Share of the answer's content words that occur in the sources (1.0 when the answer has none,
    e.g. "Yes.": nothing to contradict lexically)."""
    words = content_words(answer)
    if not words:
        return 1.0
    vocab = set(content_words(" ".join(sources)))
    # tolerate simple inflection: "built" vs "build", "cities" vs "city"
    stems = {w[:5] for w in vocab if len(w) >= 5}
    hit = sum(1 for w in words if w in vocab or (len(w) >= 5 and w[:5] in stems))
    return hit / len(words)


@dataclass
class Verdict:
    """What the refusal check decided: the emitted status, text and cited ids, and why it refused (or None)."""

    status: str
    text: str
    citations: list[str]
    reason: str | None = None


def refusal_check(obj: dict[str, Any], context: Sequence[ContextItem], *, min_support: float,
                  reason: str | None = None) -> Verdict:
    """Judge a schema-valid answer object. `reason` is a refusal decided earlier (e.g. "invalid_output").
    With an empty context (the tune-only eval arm) "ok" answers are not grounding-checked."""
    status, text, cites = obj["status"], obj["answer"], list(obj["citations"])
    if status == "ok" and context:
        by_id = {c.id: c for c in context}
        if not cites:
            reason = "no_citations"
        elif support_score(text, [by_id[c].text for c in cites]) < min_support:
            reason = "unsupported"
        if reason:
            status = "refused"
    if status == "refused":
        return Verdict("refused", REFUSAL_TEXT, [], reason or "model")
    return Verdict(status, text, cites, reason)
