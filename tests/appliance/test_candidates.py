"""Answer candidates: the best of the model's spans by confidence + relevance of the sentence it comes from +
proximity of the question's words to the span."""

from __future__ import annotations

import json

from ragtune.appliance.candidates import PROXIMITY_WEIGHT, RELEVANCE_WEIGHT, choose_span
from ragtune.appliance.generate import GenResult
from ragtune.appliance.injection import source_view
from ragtune.appliance.refusal import proximity, said
from ragtune.appliance.types import ContextItem

CTX = [ContextItem(id="S1", text="The standard working week is 37.5 hours. Core hours run from 10:00 to 15:00.")]
Q = "What are the core hours?"


def res(answer, mean, status="ok", ms=10.0):
    text = json.dumps({"status": status, "answer": answer, "citations": ["S1"] if status == "ok" else []})
    return GenResult(text=text, tokens_prompt=100, tokens_completion=5, ttft_ms=ms, generation_ms=ms,
                     answer_mean_logprob=mean, answer_min_logprob=mean)


def chooser(outputs):
    calls = []

    def more(avoid):
        calls.append(avoid)
        return outputs[len(calls) - 1]
    return more, calls


def test_a_slightly_less_likely_span_from_the_sentence_about_the_question_wins():
    more, calls = chooser([res("10:00 to 15:00", -0.5), res("hours", -0.1)])
    got = choose_span(res("37.5 hours", -0.3), more, 3, Q, CTX)
    assert json.loads(got.text)["answer"] == "10:00 to 15:00"
    assert calls == [["37.5"], ["37.5", "10:00"]]  # each decode avoids the first words before it
    assert got.generation_ms == 30.0 and got.tokens_completion == 15 and got.ttft_ms == 10.0  # all time counted


def test_relevance_does_not_outweigh_a_much_likelier_span():
    far = -0.3 - RELEVANCE_WEIGHT - PROXIMITY_WEIGHT - 0.5  # the largest relevance + proximity gap cannot pay for this
    more, _ = chooser([res("10:00 to 15:00", far)])
    got = choose_span(res("37.5 hours", -0.3), more, 2, Q, CTX)
    assert json.loads(got.text)["answer"] == "37.5 hours"


def test_refusals_remote_answers_and_one_candidate_are_left_alone():
    more, calls = chooser([res("x", -0.1)])
    refused = res("The provided documents do not contain the answer to this question.", -0.1, status="refused")
    assert choose_span(refused, more, 4, Q, CTX) is refused
    remote = res("37.5 hours", None)
    assert choose_span(remote, more, 4, Q, CTX) is remote
    one = res("37.5 hours", -0.3)
    assert choose_span(one, more, 1, Q, CTX) is one
    assert calls == []


def test_the_search_stops_when_the_decoder_can_only_repeat_a_start():
    more, calls = chooser([res("37.5", -0.1), res("10:00", -0.1)])
    got = choose_span(res("37.5 hours", -0.3), more, 4, Q, CTX)
    assert json.loads(got.text)["answer"] == "37.5 hours" and len(calls) == 1


ONE = [ContextItem(id="S1", text="Core hours run from 10:00 to 15:00, and the standard week is 37.5 hours.")]


def test_within_one_sentence_the_span_beside_the_questions_words_wins():
    # Both spans come from the same sentence (same relevance): the one the question's words stand next to wins.
    more, _ = chooser([res("10:00 to 15:00", -0.4)])
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
    more, _ = chooser([res("37.5 hours", -0.3)])
    got = choose_span(res(whole, -0.2), more, 2, q, ctx)
    assert json.loads(got.text)["answer"] == "37.5 hours"


def test_said_is_the_share_of_the_questions_content_words_in_the_span():
    q = "How many hours is the standard working week?"
    assert said(q, "37.5 hours") == 0.2  # "hours" of many, hours, standard, working, week
    assert said(q, "The standard working week is 37.5 hours.") == 0.8  # all but "many"
    assert said("How?", "37.5 hours") == 0.0
