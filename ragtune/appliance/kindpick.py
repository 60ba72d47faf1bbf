"""The phone number or e-mail address the chosen span's own block writes, when the span is none or only part of
one (round 59).

The 135M model often copies the right line's other value for "what number do I call for medical information?"
("09:00 to 17:00" beside "0800 555 0150 (09:00 to 17:00, Monday to Friday)"), and its other candidates start
elsewhere in the line. A phone number and an e-mail address have shapes (contactshapes.py), so when the question
asks for one (answertype.kind), the winner clearly is not one (answertype.fits) and the block of the cited source
that holds the winner writes exactly one such value, that value is served instead; a winner that is part of exactly
one such value of the cited sources ("01632" of "(01632) 960 555", "@millbrookhall.org" of an address the decoder
cut at "@"), and of no other, is served whole. Conservative: a block holding two numbers, or none, leaves the answer
alone, and codes are never picked (a code has no shape of its own)."""

from __future__ import annotations

from typing import Callable, Sequence

from .answertype import fits, kind
from .contactshapes import email_values, phone_values
from .extractive import check_span
from .injection import source_view
from .types import ContextItem


def kind_value(question: str, answer: str, citations: Sequence[str], context: Sequence[ContextItem]) -> str | None:
    """The one phone number (or e-mail address) of the block of a cited source that holds `answer`, when
    `question` asks for one and `answer` clearly is not one; else None."""
    k = kind(question)
    if k not in ("phone", "email") or not answer.strip():
        return None
    values = phone_values if k == "phone" else email_values
    cited = [(c.id, source_view(c.text).blocks) for c in context if c.id in citations]
    found = {v for _, blocks in cited for block in blocks if answer in block for v in values(block)}
    if fits(question, answer):  # a number or address cut short ("01632" of "(01632) 960 555"): the whole one
        found = {v for v in found if answer.strip() in v and answer.strip() != v}
        if len(found) != 1 or any(answer.strip() in v for v in _all(cited, values) - found):
            return None
    if len(found) != 1:
        return None
    value = found.pop()
    return value if check_span(value, cited)[0] == value else None


def _all(cited: list[tuple[str, Sequence[str]]], values: Callable[[str], list[str]]) -> set[str]:
    return {v for _, blocks in cited for block in blocks for v in values(block)}


__all__ = ["kind_value"]
