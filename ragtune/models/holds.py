"""Which sources hold the answer, for the dataset builder: a source holds it when its text contains the evidence
span (whitespace-normalised), or — a chunk boundary cut the evidence — the answer span with at least half of the
evidence around it, in the gold document. Rows without evidence (the sample pack) fall back to the key-token test
of `ragtune.models.dataset.holds_answer`. A context that must lack the answer also excludes every source that
merely mentions it."""

from __future__ import annotations

import re
from typing import Any

from ragtune.appliance.prompt import source_text as norm_ws  # the prompt's own whitespace normalisation

from .dataset import holds_answer


def span_holds(chunk_text: str, evidence: str, answer: str, min_cover: float = 0.5) -> bool:
    """The chunk holds the evidence span, or the answer span with ≥ `min_cover` of the evidence around it (a
    chunk boundary cut the evidence). Whitespace-normalised, case-sensitive: these are copied spans."""
    t, ev, ans = norm_ws(chunk_text), norm_ws(evidence), norm_ws(answer)
    if not ev:
        return False
    if ev in t:
        return True
    if not ans:
        return False
    for m in re.finditer(re.escape(ans), ev):
        lo, hi = m.start(), m.end()
        if ev[lo:hi] not in t:
            continue
        grew = True
        while grew:  # widen word by word while the window still occurs in the chunk
            grew = False
            nlo = ev.rfind(" ", 0, max(0, lo - 1)) + 1 if lo > 0 else 0
            if nlo < lo and ev[nlo:hi] in t:
                lo, grew = nlo, True
            nhi = ev.find(" ", hi + 1)
            nhi = len(ev) if nhi < 0 else nhi
            if nhi > hi and ev[lo:nhi] in t:
                hi, grew = nhi, True
        if hi - lo >= min_cover * len(ev):
            return True
    return False


def mentions(text: str, answer: str) -> bool:
    """The answer's words occur in the text (case-insensitive, whole words): such a chunk must not stand in for
    'the answer is not here'."""
    a = norm_ws(answer).lower().strip(" .")
    if not a:
        return False
    return re.search(r"(?<!\w)" + re.escape(a) + r"(?!\w)", norm_ws(text).lower()) is not None


class Answer:
    """What one answerable row needs to judge sources."""

    def __init__(self, row: dict[str, Any], style: str):
        self.row = row
        self.evidence = row.get("evidence") or ""
        self.gold = (row.get("gold_doc") or "").replace("\\", "/").lstrip("./")
        self.short = norm_ws(row.get("answer", ""))
        self.text = norm_ws(self.evidence) if style == "sentence" and self.evidence else self.short

    def holds(self, text: str, rel: str) -> bool:
        same = rel == self.gold
        if self.evidence and span_holds(text, self.evidence, self.short if same else ""):
            return True
        return same and not self.evidence and holds_answer(text, self.row)  # sample-pack rows without evidence

    def excluded(self, text: str, rel: str) -> bool:
        """Not allowed in a context that must lack the answer."""
        return self.holds(text, rel) or mentions(text, self.short) or (rel == self.gold and holds_answer(text, self.row))
