"""The answer path's sentences (round 59): one sentence rule (`SENTENCE_END`) and one reader of where a span stands in
a text (`located`), shared by the relevance check (refusal.py), the near-miss check (near_miss.py), focus.py and
answer_yesno.py. The near-miss check re-did the relevance check's reading over other texts and took the rule as an
argument, since refusal.py imports it: both now read here, below both.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Iterable, Iterator, NamedTuple

from .scripts import CJK_STOPS, HALFWIDTH_STOP, INDIC_ARABIC_STOPS, THAI_GAP

# One sentence rule for the relevance check and focus.py. Chinese and Japanese end a sentence with "。！？" and no
# space, Hindi with "।", Arabic "؟" (round 49): else a CJK source was one sentence, and every span of it as relevant.
# Thai with a space between its letters (scripts.THAI_GAP, round 52).
# (scripts' stop characters; not the fullwidth "．" the chunker also cuts after)
SENTENCE_END = re.compile(rf"(?<=[.!?])\s+|(?<=[{CJK_STOPS}{HALFWIDTH_STOP}])\s*|(?<=[{INDIC_ARABIC_STOPS}])\s+|{THAI_GAP}")


class Place(NamedTuple):
    """One occurrence of a span in a text: `breaks` are the sentence breaks before the sentence holding it, each (end
    of one sentence, start of the next), `end` where that sentence ends, `at` where the span starts."""

    text: str
    breaks: list[tuple[int, int]]
    end: int
    at: int

    @property
    def starts(self) -> list[int]:
        """Where each sentence starts, up to the one holding the span."""
        return [0, *(e for _, e in self.breaks)]

    @property
    def sentence(self) -> str:
        return self.text[self.starts[-1]:self.end]


def located(span: str, texts: Iterable[str]) -> Iterator[Place]:
    """Every occurrence of `span` in the texts, in order, with the sentences around it (`SENTENCE_END`, read once a
    text: a span found a hundred times in a long source read it a hundred times over). An answer span starts at a
    word start and ends at a word end (extractive.py), never inside a sentence break."""
    for text in texts:
        i = text.find(span)
        if i < 0:
            continue
        marks = [(m.start(), m.end()) for m in SENTENCE_END.finditer(text)]
        ends = [e for _, e in marks]
        starts = [s for s, _ in marks]
        while i >= 0:
            k = bisect_right(ends, i + 1)  # the breaks ending by the span's first character
            j = bisect_left(starts, i + len(span))  # the first break after it
            yield Place(text, marks[:k], starts[j] if j < len(marks) else len(text), i)
            i = text.find(span, i + 1)
