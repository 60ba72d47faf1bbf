"""Answer candidates, round 53: a candidate the model gives a mean token log-probability below WEAK_MEAN takes no
slot, so one more candidate is decoded (at most one). The demo's "What are the core hours?": the greedy span was
the heading "Working hours" (mean -3.3), so the core-hours span, the fourth start, was never decoded."""

from __future__ import annotations

import json

from ragtune.appliance.candidates import WEAK_MEAN, choose_span
from ragtune.appliance.genresult import GenResult
from ragtune.appliance.types import ContextItem

CTX = [ContextItem(id="S1", text="## Working hours\n\nThe standard working week is 37.5 hours, normally worked Monday "
                                 "to Friday. Core hours, when everyone is reachable, run from 10:00 to 15:00 local "
                                 "time.")]
Q = "What are the core hours?"
WEEK = "The standard working week is 37.5 hours, normally worked Monday to Friday."


def res(answer, mean, complete=True):
    text = json.dumps({"status": "ok", "answer": answer, "citations": ["S1"]})
    if not complete:
        text = text[:text.index(', "citations"')]
    return GenResult(text=text, tokens_prompt=100, tokens_completion=5 if complete else 3, ttft_ms=10.0,
                     generation_ms=10.0, answer_mean_logprob=mean, answer_min_logprob=mean,
                     finish="stop" if complete else "answer")


def chooser(outputs):
    """`more` for choose_span: the candidates in order, through their answer only; asked to complete one, the same
    decode in full."""
    calls, by_avoid = [], {}

    def more(avoid, complete):
        calls.append((avoid, complete))
        if complete:
            return res(*by_avoid[tuple(avoid)])
        answer, mean = outputs[len([c for c in calls if not c[1]]) - 1]
        by_avoid[tuple(avoid)] = answer, mean
        return res(answer, mean, complete=False)
    return more, calls


def answer(got):
    return json.loads(got.text)["answer"]


def test_a_weak_first_span_takes_no_slot_so_the_fourth_start_is_decoded_and_wins():
    more, calls = chooser([("37.5 hours, normally worked Monday to Friday.", -0.36), (WEEK, -0.21),
                           ("10:00 to 15:00 local time.", -0.19)])
    got = choose_span(res("Working hours", -3.3), more, 3, Q, CTX)
    assert answer(got) == "10:00 to 15:00 local time."
    assert [c[1] for c in calls] == [False, False, False, True]  # three more answer-only decodes, then the redo
    assert calls[-1] == (["Working", "37.5", "The"], True)
    assert got.tokens_completion == 5 + 3 * 3 + 5


def test_without_a_weak_candidate_the_count_is_unchanged():
    more, calls = chooser([("37.5 hours", -0.36), (WEEK, -0.21), ("10:00 to 15:00 local time.", -0.19)])
    got = choose_span(res("Monday to Friday.", -1.3), more, 3, Q, CTX)
    assert [c for c in calls if not c[1]] == [(["Monday"], False), (["Monday", "37.5"], False)]
    assert answer(got) in ("37.5 hours", WEEK, "Monday to Friday.")


def test_a_weak_later_candidate_also_gives_its_slot_away_but_only_one_extra_decode_is_made():
    weak = WEAK_MEAN - 0.5
    more, calls = chooser([("Working hours", weak), ("Core", weak), ("10:00 to 15:00 local time.", -0.19),
                           ("Friday", -0.1)])
    got = choose_span(res("37.5 hours", -0.36), more, 3, Q, CTX)
    assert len([c for c in calls if not c[1]]) == 3  # n - 1 + one spare, though two were weak
    assert answer(got) == "10:00 to 15:00 local time."


def test_the_threshold_is_strict_and_a_weak_span_still_competes():
    more, calls = chooser([("37.5 hours", WEAK_MEAN)])
    choose_span(res("Monday to Friday.", -0.5), more, 2, Q, CTX)
    assert len(calls) == 1  # exactly WEAK_MEAN is not weak: no extra decode
    # the only candidate that is not an echo is the weak one: it wins (nothing is dropped, only the count changes)
    more, calls = chooser([("Core hours", -0.1), ("hours", -0.1)])
    got = choose_span(res("10:00 to 15:00 local time.", WEAK_MEAN - 1), more, 2, Q, CTX)
    assert answer(got) == "10:00 to 15:00 local time." and len(calls) == 2


def test_the_search_still_stops_when_the_decoder_can_only_repeat_a_start():
    more, calls = chooser([("Working", -0.1), ("10:00", -0.1)])
    got = choose_span(res("Working hours", -3.3), more, 3, Q, CTX)
    assert answer(got) == "Working hours" and len(calls) == 1
