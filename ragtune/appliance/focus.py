"""Which sentences an extractive answer may quote: the few that share the most (rare) words with the question.

The model reads every source; what it may *copy* is narrowed to the `keep` sentences of the served context that
best match the question. A 135M model copying from ~30 sentences picks a span from the wrong one far more often
than the retriever misses (the demo's "What are the core hours?" answered "37.5 hours" from the sentence before
the one that names core hours); the sentence that shares the question's rarest words is, in extractive QA, the
one holding the answer most of the time. Off by default (`generate.focus_sentences = 0`): measured with the
default model it did not pay (benchmarks/README.md, "Answer quality, round 4").

Score of a sentence: the sum, over the question's distinct content-word stems it holds, of their inverse
sentence frequency in this context (log(1 + n / df)): "core" (one sentence) outweighs "hours" (ten). Sentences
that hold none of them are never kept; when no sentence holds any, nothing is narrowed (the model then chooses
from everything, and the refusal checks decide as before). Ties keep context order, so the top-ranked source
wins them.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

from .refusal import content_words
from .sentences import SENTENCE_END
from .text import prefix5

_NUMERIC_Q = re.compile(r"\b(when|how (many|much|long|old|far|big|large|high|tall|often|early|late|soon)|what "
                        r"(year|date|day|month|time|age|percentage|percent|number|size|temperature)|which (year|date))\b",
                        re.IGNORECASE)
_DIGIT = re.compile(r"\d")

Sources = Sequence[tuple[str, Sequence[str]]]


def sentences(segment: str) -> list[str]:
    return [s for s in SENTENCE_END.split(segment) if s.strip()]


def focus(question: str, sources: Sources, keep: int) -> list[tuple[str, tuple[str, ...]]]:
    """`sources` ((context id, clean segments), as extractive.SpanConstraint takes them) narrowed to the `keep`
    best-matching sentences, each its own segment, in context order; unchanged when `keep` <= 0 or no sentence
    shares a content word with the question."""
    src = [(cid, tuple(segs)) for cid, segs in sources]
    stems = {prefix5(w) for w in content_words(question)}
    if keep <= 0 or not stems:
        return src
    rows: list[tuple[int, str, frozenset[str]]] = []  # (source index, sentence, question stems it holds)
    for si, (_, segs) in enumerate(src):
        for seg in segs:
            for s in sentences(seg):
                rows.append((si, s, frozenset(prefix5(w) for w in content_words(s)) & stems))
    df = {t: sum(t in r[2] for r in rows) for t in stems}
    total = len(rows)
    weight = {t: math.log1p(total / df[t]) for t in stems if df[t]}
    bonus = min(weight.values(), default=0.0) / 2 if _NUMERIC_Q.search(question) else 0.0
    scored = [(sum(weight[t] for t in r[2]) + (bonus if r[2] and _DIGIT.search(r[1]) else 0.0), -i)
              for i, r in enumerate(rows)]
    best = sorted((x for x in scored if x[0] > 0), reverse=True)[:keep]
    if not best:
        return src
    chosen = sorted(-i for _, i in best)
    out: dict[int, list[str]] = {}
    for i in chosen:
        out.setdefault(rows[i][0], []).append(rows[i][1])
    return [(src[si][0], tuple(out[si])) for si in sorted(out)]
