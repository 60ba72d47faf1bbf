"""Answer candidates: the best of the model's spans by confidence + relevance of the sentence it comes from."""

from __future__ import annotations

import json

from ragtune.appliance.candidates import RELEVANCE_WEIGHT, choose_span
from ragtune.appliance.generate import GenResult
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
    far = -0.3 - RELEVANCE_WEIGHT - 0.5  # the same relevance gap cannot pay for this
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
