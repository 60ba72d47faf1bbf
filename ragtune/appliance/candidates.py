"""Answer candidates (`generate.answer_candidates`): an extractive answer chosen among the model's best spans, not
only its first.

The first decode is the model's greedy answer. When it is an "ok" span, the decoder is asked again, each time
avoiding the first words of the answers so far (sampler.py `avoid`), which gives the best span starting
elsewhere; the prompt is evaluated once (the rest reuse its KV cache), so each candidate costs only its few answer
tokens. Each candidate scores its mean token log-probability (the model's own view) plus RELEVANCE_WEIGHT times
the relevance of the sentence it was copied from (refusal.relevance: the share of the question's content words it
holds; the classic prior of extractive QA that the answer sits in the sentence that talks about the question),
plus PROXIMITY_WEIGHT times its `proximity`: the share of the question's content words within a few words of the
span. The second prior picks within the sentence: the 135M model's wrong spans are mostly the right sentence's
other entity ("3 March 2023" for when a rule "took effect on 1 April 2023"), and the asked-for one stands next to
the words the question repeats. Last, it subtracts SAID_WEIGHT times the share of the question's content words the
span itself holds (`refusal.said`): the answer is the part the question does not say, and a span holding the
question's words is the whole sentence around the answer. The best score wins (ties: the earlier candidate), a
span that only repeats the question's words (refusal.echoes) never does unless all do, and after that a span of
the kind the question asks for (answertype.fits: a duration for "how long", a date for "when") beats one that
clearly is not; the refusal check then judges the winner like any answer. A candidate the model itself gives a mean
token log-probability below WEAK_MEAN is a guess, not an alternative (the demo's "Working hours", -3.3, for "What are
the core hours?"): it still competes but takes no slot, so one more candidate is decoded (at most one; round 53).

Only the winner's citations are used, so the later candidates are decoded only through their answer string
(`complete=False`); a later winner is then decoded again in full with the avoid list it had. The decode is greedy
over the same KV cache (the same prompt, the answer prefix replayed: generate.py), so it takes the same tokens.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Callable, Sequence

from .answertype import fits
from .extractive import cell_span
from .genresult import GenResult
from .namedcell import named_cell
from .injection import source_view
from .kindpick import kind_value
from .refusal import echoes, proximity, relevance, said
from .schema import parse_answer
from .types import ContextItem

# Chosen on the corpus calibration half (benchmarks/README.md, "Answer quality", rounds 13, 18 and 19).
RELEVANCE_WEIGHT = 1.0
PROXIMITY_WEIGHT = 1.0
SAID_WEIGHT = 0.5
# Below this mean token log-probability a candidate takes no slot (one more is decoded, at most one): the candidate
# records' plateau, -3.0 to -1.75 (benchmarks/README.md, round 53).
WEAK_MEAN = -2.0
# the choice rule's version, in the answer cache key: 1 confidence + relevance, 2 + proximity, 3 − said, 4 the
# answer's kind, 5 a weak candidate takes no slot, 6 the cell the question names (namedcell.py), 7 the one phone
# number or e-mail address of the winner's block (kindpick.py)
RULE = 7


def first_word(answer: str) -> str:
    return answer.split()[0] if answer.split() else ""


def _ok_span(res: GenResult) -> str | None:
    obj = parse_answer(res.text + "}" if res.finish == "answer" else res.text)[0]  # "answer": cut after it
    if not isinstance(obj, dict) or obj.get("status") != "ok" or res.answer_mean_logprob is None:
        return None
    text = obj.get("answer")
    return text if isinstance(text, str) and text.strip() else None


def _weak(res: GenResult) -> bool:
    return res.answer_mean_logprob is not None and res.answer_mean_logprob < WEAK_MEAN


def choose_span(first: GenResult, more: Callable[[list[str], bool], GenResult], n: int, question: str,
                context: Sequence[ContextItem]) -> GenResult:
    """The best of up to `n` candidate answers (n + 1 when one is weak), `first` the model's own; `more(avoid,
    complete)` decodes the next one, through its answer string only unless `complete`. A refusal, an answer without
    confidence (a remote model) or n <= 1 returns `first` untouched. The result keeps the first decode's time to
    first token and adds every decode's time and tokens (the winner's second decode too)."""
    answer = _ok_span(first)
    if n <= 1 or answer is None:
        return first
    views = [source_view(c.text) for c in context]

    def score(res: GenResult, text: str) -> tuple[bool, bool, float]:
        return (not echoes(question, text), fits(question, text),
                float(res.answer_mean_logprob or 0.0) + RELEVANCE_WEIGHT * relevance(question, text, views)
                + PROXIMITY_WEIGHT * proximity(question, text, views) - SAID_WEIGHT * said(question, text))

    scored = [(score(first, answer), first)]
    avoid = [first_word(answer)]
    spent = [first]
    spare = _weak(first)  # a weak candidate's slot is given to one more decode, once
    left = n - 1 + spare
    while left > 0:
        left -= 1
        res = more(list(avoid), False)
        spent.append(res)
        text = _ok_span(res)
        if text is None or first_word(text) in avoid:
            break  # no other start left (or the decoder could not avoid it)
        avoid.append(first_word(text))
        scored.append((score(res, text), res))
        if not spare and _weak(res):
            spare, left = True, left + 1
    best = max(range(len(scored)), key=lambda i: (scored[i][0], -i))
    won = scored[best][1]
    if best > 0:  # the same decode again, to the end: its avoid list was the first words of the ones before it
        won = more(avoid[:best], True)
        spent.append(won)
    spent_ms, spent_tokens = sum(r.generation_ms for r in spent), sum(r.tokens_completion for r in spent)
    return dataclasses.replace(won, text=_in_one_cell(won.text, context, question), ttft_ms=first.ttft_ms,
                               prompt_ms=first.prompt_ms, reused_prompt_tokens=first.reused_prompt_tokens,
                               generation_ms=spent_ms, tokens_completion=spent_tokens)


def _in_one_cell(text: str, context: Sequence[ContextItem], question: str) -> str:
    """The winner's answer object with its span cut at the end of a table cell (extractive.cell_span: "Broken
    light", not "Broken light; Assigned to: Vik Rao"); chosen first, cut after, so a run-on span still competes.
    Then, when that span is one cell of a table row and the question names another cell's label of that row clearly
    better, that cell's value, citing its row (namedcell.py, round 55: the non-parishioner rate, not the
    parishioner rate beside it)."""
    obj = parse_answer(text)[0]
    answer = obj.get("answer") if isinstance(obj, dict) and obj.get("status") == "ok" else None
    if not isinstance(answer, str):
        return text
    cut = cell_span(answer, context)
    cites = obj.get("citations")
    named = named_cell(cut, [c for c in cites if isinstance(c, str)] if isinstance(cites, list) else [], question,
                       context)
    if named is not None:
        return json.dumps({**obj, "answer": named[0], "citations": named[1]}, ensure_ascii=False)
    picked = kind_value(question, cut, [c for c in cites if isinstance(c, str)] if isinstance(cites, list) else [],
                        context)  # a phone number asked, "09:00 to 17:00" chosen: the line's one number (round 59)
    if picked is not None:
        return json.dumps({**obj, "answer": picked}, ensure_ascii=False)
    return text if cut == answer else json.dumps({**obj, "answer": cut}, ensure_ascii=False)
