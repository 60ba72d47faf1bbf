"""Control tokens inside the answer string (round 50): llama.cpp's grammar reads a control token as its text
(`<|im_start|>` matches inside a JSON string), but its piece is empty, so free mode could pick it and write an unseen
token into the answer. The sampler never chooses an empty-piece token inside a string. Fast: a grammar double."""

from __future__ import annotations

import numpy as np
import pytest

from ragtune.appliance.sampler import TOP_N, Sampler

VOCAB = 300
EMPTY = set(range(0, 100))  # control tokens: no bytes when decoded


class Grammar:
    """GrammarOps as the sampler uses it; the grammar allows every id (as llama.cpp does for `<|im_start|>` inside a
    string: its text is read as the piece)."""

    def __init__(self):
        self.np, self.n_vocab = np, VOCAB

    def allows(self, smpl, tok):
        return True

    def filter(self, smpl, ids, logits):
        return np.asarray(ids, dtype=np.intc)

    def allowed(self, smpl, logits):
        return np.arange(VOCAB, dtype=np.intc)


def piece(tok: int) -> bytes:
    return b"" if tok in EMPTY else b"w"


def _sampler(greedy: bool = True, head: bytes = b'{"status": "ok", "answer": "ab') -> Sampler:
    rng = np.random.default_rng(0)

    def pick(logits):
        if greedy:
            return int(np.argmax(logits))
        p = np.exp(logits - np.max(logits))
        p /= p.sum()
        return int(rng.choice(len(logits), p=p))

    s = Sampler(Grammar(), None, pick=pick, piece=piece, greedy=greedy)
    s.js.feed(head)
    return s


def test_an_empty_piece_best_token_is_not_chosen_inside_the_answer():
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[[1, 150, 151]] = [9.0, 5.0, 4.0]  # 1: `<|im_start|>`, the model's best
    s = _sampler()
    assert s.js.in_answer
    assert s.choose(logits, 0) == 150 and s.fallbacks == 1


def test_when_every_top_token_is_empty_the_whole_allowed_set_is_searched():
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[:100] = 10.0 + np.arange(100)  # the TOP_N best are all control tokens
    logits[200] = 3.0
    assert len(EMPTY) > TOP_N
    assert _sampler().choose(logits, 0) == 200


@pytest.mark.parametrize("seed_logit", [6.0, 9.0])
def test_sampling_never_draws_an_empty_piece_inside_the_answer(seed_logit):
    logits = np.full(VOCAB, -5.0, dtype=np.float32)
    logits[[3, 7]] = seed_logit  # most of the mass on two control tokens
    logits[[120, 121]] = 2.0
    s = _sampler(greedy=False)
    picks = {s.choose(logits, 0) for _ in range(40)}
    assert picks and not picks & EMPTY


def test_inside_another_string_too():
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[[5, 160]] = [9.0, 1.0]
    s = _sampler(head=b'{"status": "o')  # the status value
    assert s.js.in_string and not s.js.in_answer
    assert s.choose(logits, 0) == 160


def test_outside_a_string_the_grammar_decides():
    """Between values a control token's text ("<…") cannot match the grammar; the sampler adds no check there."""
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[[5, 160]] = [9.0, 1.0]
    s = _sampler(head=b'{"status": "ok", ')
    assert not s.js.in_string
    assert s.choose(logits, 0) == 5


def test_the_empty_ids_are_computed_once_per_vocabulary():
    calls = []

    def counted(tok):
        calls.append(tok)
        return piece(tok)

    ops = Grammar()
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[:100] = 10.0 + np.arange(100)
    logits[200] = 3.0
    for _ in range(3):
        s = Sampler(ops, None, pick=lambda lg: int(np.argmax(lg)), piece=counted, greedy=True)
        s.js.feed(b'{"status": "ok", "answer": "')
        assert s.choose(logits, 0) == 200
    assert sorted(np.flatnonzero(ops.empty_mask).tolist()) == sorted(EMPTY)
    assert len([t for t in calls if t >= 100]) <= VOCAB  # the whole vocabulary's pieces were read once
