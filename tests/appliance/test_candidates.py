"""Answer candidates: the best of the model's spans by confidence + relevance of the sentence it comes from +
proximity of the question's words to the span."""

from __future__ import annotations

import json

from ragtune.appliance.candidates import PROXIMITY_WEIGHT, RELEVANCE_WEIGHT, choose_span
from ragtune.appliance.genresult import GenResult
from ragtune.appliance.injection import source_view
from ragtune.appliance.refusal import proximity, said
from ragtune.appliance.types import ContextItem

CTX = [ContextItem(id="S1", text="The standard working week is 37.5 hours. Core hours run from 10:00 to 15:00.")]
Q = "What are the core hours?"


def res(answer, mean, status="ok", ms=10.0, complete=True):
    text = json.dumps({"status": status, "answer": answer, "citations": ["S1"] if status == "ok" else []})
    if not complete:  # decoded through the answer string only (generate.py `answer_only`)
        text = text[:text.index(', "citations"')]
    return GenResult(text=text, tokens_prompt=100, tokens_completion=5 if complete else 3, ttft_ms=ms,
                     generation_ms=ms, answer_mean_logprob=mean, answer_min_logprob=mean,
                     finish="stop" if complete else "answer")


def chooser(outputs, cut=True):
    """`more` for choose_span: the candidates (decoded through their answer only unless not `cut`) in order; asked
    to complete one, the same decode in full (as the real generator does: the same avoid list, the same tokens)."""
    calls, by_avoid = [], {}

    def more(avoid, complete):
        calls.append((avoid, complete))
        if complete:
            answer, mean = by_avoid[tuple(avoid)]
            return res(answer, mean)
        answer, mean = outputs[len([c for c in calls if not c[1]]) - 1]
        by_avoid[tuple(avoid)] = answer, mean
        return res(answer, mean, complete=not cut)
    return more, calls


def test_a_slightly_less_likely_span_from_the_sentence_about_the_question_wins():
    more, calls = chooser([("10:00 to 15:00", -0.5), ("hours", -0.1)])
    got = choose_span(res("37.5 hours", -0.3), more, 3, Q, CTX)
    assert json.loads(got.text) == {"status": "ok", "answer": "10:00 to 15:00", "citations": ["S1"]}
    # each candidate avoids the first words before it and stops after its answer; the winner is decoded again in
    # full with the avoid list it had
    assert calls == [(["37.5"], False), (["37.5", "10:00"], False), (["37.5"], True)]
    assert got.finish == "stop" and got.ttft_ms == 10.0
    assert got.generation_ms == 40.0 and got.tokens_completion == 5 + 3 + 3 + 5  # every decode counted


def test_relevance_does_not_outweigh_a_much_likelier_span():
    far = -0.3 - RELEVANCE_WEIGHT - PROXIMITY_WEIGHT - 0.5  # the largest relevance + proximity gap cannot pay for this
    more, calls = chooser([("10:00 to 15:00", far), ("37.5", -0.1)])
    first = res("37.5 hours", -0.3)
    got = choose_span(first, more, 2, Q, CTX)
    assert json.loads(got.text)["answer"] == "37.5 hours" and got.tokens == first.tokens
    # (so unlikely a candidate takes no slot, round 53: one more is asked for, here a repeated start that ends it)
    assert calls == [(["37.5"], False), (["37.5", "10:00"], False)]  # the first decode is complete: no redo
    assert got.generation_ms == 30.0 and got.tokens_completion == 11


def test_refusals_remote_answers_and_one_candidate_are_left_alone():
    more, calls = chooser([("x", -0.1)])
    refused = res("The provided documents do not contain the answer to this question.", -0.1, status="refused")
    assert choose_span(refused, more, 4, Q, CTX) is refused
    remote = res("37.5 hours", None)
    assert choose_span(remote, more, 4, Q, CTX) is remote
    one = res("37.5 hours", -0.3)
    assert choose_span(one, more, 1, Q, CTX) is one
    assert calls == []


def test_the_search_stops_when_the_decoder_can_only_repeat_a_start():
    more, calls = chooser([("37.5", -0.1), ("10:00", -0.1)])
    got = choose_span(res("37.5 hours", -0.3), more, 4, Q, CTX)
    assert json.loads(got.text)["answer"] == "37.5 hours" and len(calls) == 1



def test_candidates_cut_after_their_answer_choose_as_complete_ones_did():
    # The choice before candidates were cut (every one decoded in full) and now, over spans from each position.
    spans = [("37.5 hours", -0.3), ("10:00 to 15:00", -0.5), ("hours", -0.1), ("Core hours", -0.2),
             ("10:00 to 15:00", -2.5), ("the standard working week", -0.05)]
    for first in spans[:3]:
        for later in ([s for s in spans if s != first][:k] for k in (1, 2, 3)):
            was = choose_span(res(*first), chooser(later, cut=False)[0], len(later) + 1, Q, CTX)
            more, calls = chooser(later)
            got = choose_span(res(*first), more, len(later) + 1, Q, CTX)
            assert json.loads(got.text) == json.loads(was.text), (first, later)
            assert sum(c[1] for c in calls) == (json.loads(got.text)["answer"] != first[0])  # at most one redo
            assert got.finish == "stop" and got.answer_mean_logprob == was.answer_mean_logprob


ONE = [ContextItem(id="S1", text="Core hours run from 10:00 to 15:00, and the standard week is 37.5 hours.")]


def test_within_one_sentence_the_span_beside_the_questions_words_wins():
    # Both spans come from the same sentence (same relevance): the one the question's words stand next to wins.
    more, _ = chooser([("10:00 to 15:00", -0.4)])
    got = choose_span(res("37.5 hours", -0.3), more, 2, Q, ONE)
    assert json.loads(got.text)["answer"] == "10:00 to 15:00"


def test_proximity_counts_question_words_a_few_words_either_side_of_the_span_in_its_sentence():
    views = [source_view(ONE[0].text)]
    assert proximity(Q, "10:00 to 15:00", views) == 0.5  # "hours" is 3 words before; "core" is 4
    assert proximity(Q, "37.5 hours", views) == 0.0  # its own words do not count
    assert proximity("When does the office open?", "10:00 to 15:00", views) == 0.0
    split = [source_view("Ask about core hours. 10:00 to 15:00 is when the lab is staffed.")]
    assert proximity(Q, "10:00 to 15:00", split) == 0.0  # the previous sentence is not beside it
    assert proximity("the?", "10:00", views) == 0.0 and proximity(Q, "not there", views) == 0.0


def test_a_span_holding_the_questions_words_loses_to_the_short_answer_inside_it():
    # The whole sentence is the likelier copy and, after its heading, the nearer one; the answer is what it adds.
    ctx = [ContextItem(id="S1", text="## Working hours\n\nThe standard working week is 37.5 hours, worked Monday to "
                                     "Friday. Breaches are handled informally.")]
    q = "How many hours is the standard working week?"
    whole = "The standard working week is 37.5 hours, worked Monday to Friday."
    more, _ = chooser([("37.5 hours", -0.3)])
    got = choose_span(res(whole, -0.2), more, 2, q, ctx)
    assert json.loads(got.text)["answer"] == "37.5 hours"


def test_said_is_the_share_of_the_questions_content_words_in_the_span():
    q = "How many hours is the standard working week?"
    assert said(q, "37.5 hours") == 0.2  # "hours" of many, hours, standard, working, week
    assert said(q, "The standard working week is 37.5 hours.") == 0.8  # all but "many"
    assert said("How?", "37.5 hours") == 0.0


def test_a_span_of_the_kind_the_question_asks_for_beats_a_likelier_one_of_another_kind():
    ctx = [ContextItem(id="S1", text="Vans up to 3.5 tonnes may use the loading bay. A van may stay there for 40 minutes.")]
    q = "How long may a van stay in the loading bay?"
    more, _ = chooser([("40 minutes", -1.5)])
    got = choose_span(res("up to 3.5 tonnes", -0.1), more, 2, q, ctx)
    assert json.loads(got.text)["answer"] == "40 minutes"
    # without a kind in the question the likelier span wins as before
    more, _ = chooser([("40 minutes", -1.5)])
    got = choose_span(res("up to 3.5 tonnes", -0.1), more, 2, "loading bay van rule", ctx)
    assert json.loads(got.text)["answer"] == "up to 3.5 tonnes"
