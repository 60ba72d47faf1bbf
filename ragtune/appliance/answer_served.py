"""The checked verdict as served (round 57): a yes/no question's ruling sentence (answer_yesno), then an answer
copied from tokenized sources tidied (answer_tidy), and whether the answer is sent whole rather than streamed as
decoded. Kept apart from answer_tidy.py, whose text functions the eval and the refusal model read too: a verdict
belongs to the refusal stage, which must not import back into them (tests/test_structure.py's import loops)."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .answer_tidy import tidy, tokenized
from .answer_yesno import is_yesno, ruling_sentence
from .refusal import Verdict
from .types import ContextItem


def copied_from(answer: str, citations: Sequence[str], ctx: Sequence[ContextItem]) -> list[ContextItem]:
    """The cited sources that hold `answer` verbatim, else (a free answer) every cited source."""
    cited = [c for c in ctx if c.id in set(citations)]
    return [c for c in cited if answer in c.text] or cited


def tidy_verdict(verdict: Verdict, ctx: Sequence[ContextItem]) -> Verdict:
    """An "ok" verdict whose answer was copied from tokenized sources only, its text tidied; any other as it is."""
    if verdict.status != "ok" or not verdict.text:
        return verdict
    sources = copied_from(verdict.text, verdict.citations, ctx)
    if not sources or not all(tokenized(c.text) for c in sources):
        return verdict
    text = tidy(verdict.text, [c.text for c in sources])
    return verdict if text == verdict.text else replace(verdict, text=text)


def served_verdict(verdict: Verdict, ctx: Sequence[ContextItem], question: str, mode: str,
                   max_chars: int) -> Verdict:
    """The checked verdict as served: a yes/no question's ruling sentence (answer_yesno), then tidied."""
    return tidy_verdict(ruling_sentence(verdict, ctx, question, mode, max_chars), ctx)


def tokenized_context(ctx: Sequence[ContextItem]) -> bool:
    """Whether an answer over `ctx` may be tidied (a source of it is tokenized)."""
    return any(tokenized(c.text) for c in ctx)


def sent_whole(question: str, mode: str, ctx: Sequence[ContextItem]) -> bool:
    """Whether the answer is sent whole once decided, not streamed as decoded: its served text may not be the
    decoded one (a yes/no question's sentence in extractive mode; a context that may tidy it: which source the
    answer is copied from is known only at its end, so any tokenized source of the context does)."""
    return (mode == "extractive" and is_yesno(question)) or tokenized_context(ctx)


__all__ = ["copied_from", "sent_whole", "served_verdict", "tidy_verdict", "tokenized_context"]
