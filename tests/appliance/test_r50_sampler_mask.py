"""Round 50 mend: the sampler's empty-piece (control) tokens are one boolean mask per vocabulary (empty_mask),
indexed by the candidate ids, not a set lookup (np.isin) on every token chosen inside a string on the slow path, and
not a per-request cache of a vocabulary fact once the mask exists. The choices are those of test_r50_sampler_control."""

from __future__ import annotations

import numpy as np
import pytest

from ragtune.appliance.sampler import TOP_N, Sampler

from .test_r50_sampler_control import VOCAB, Grammar  # every id allowed, over the same vocabulary

EMPTY = set(range(0, 100)) | {250}


class SlottedGrammar:
    """A double that cannot keep the mask (no such slot): the sampler computes it for its request."""

    __slots__ = ("np", "n_vocab")
    allows, filter, allowed = Grammar.allows, Grammar.filter, Grammar.allowed

    def __init__(self):
        self.np, self.n_vocab = np, VOCAB


def _sampler(ops, piece, head=b'{"status": "ok", "answer": "ab'):
    s = Sampler(ops, None, pick=lambda lg: int(np.argmax(lg)), piece=piece, greedy=True)
    s.js.feed(head)
    return s


def _piece(calls=None):
    def piece(tok):
        if calls is not None:
            calls.append(tok)
        return b"" if tok in EMPTY else b"w"
    return piece


def test_the_mask_is_one_boolean_per_id_kept_on_the_grammar_ops():
    ops = Grammar()
    s = _sampler(ops, _piece())
    ids = np.asarray([250, 3, 120, 99, 100, 7, 299], dtype=np.intc)
    out = s._drop_empty(ids)
    assert out.dtype == np.intc and out.tolist() == [120, 100, 299]  # the order kept
    assert ops.empty_mask.dtype == bool and ops.empty_mask.shape == (VOCAB,)
    assert set(np.flatnonzero(ops.empty_mask).tolist()) == EMPTY


def test_drop_empty_does_no_set_lookup(monkeypatch):
    ops = Grammar()
    s = _sampler(ops, _piece())
    monkeypatch.setattr(np, "isin", lambda *a, **k: pytest.fail("np.isin on the slow path"))
    big = np.arange(VOCAB, dtype=np.intc)
    assert len(big) > TOP_N
    assert s._drop_empty(big).tolist() == [t for t in range(VOCAB) if t not in EMPTY]
    assert s._drop_empty(np.asarray([], dtype=np.intc)).tolist() == []
    assert s._drop_empty(np.asarray([1, 2], dtype=np.intc)).tolist() == []


def test_outside_a_string_nothing_is_dropped_and_no_mask_is_built():
    ops = Grammar()
    calls: list[int] = []
    s = _sampler(ops, _piece(calls), head=b'{"status": "ok", ')
    assert s._drop_empty([5, 160]).tolist() == [5, 160]
    assert getattr(ops, "empty_mask", None) is None and calls == []


def test_a_later_request_reads_the_mask_not_the_pieces():
    ops = Grammar()
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[:100] = 10.0 + np.arange(100)  # every top token is a control token: the whole allowed set is searched
    logits[200] = 3.0
    assert _sampler(ops, _piece()).choose(logits, 0) == 200
    calls: list[int] = []
    s = _sampler(ops, _piece(calls))
    assert s.choose(logits, 0) == 200
    assert s._is_empty(250) and not s._is_empty(251) and s._is_empty(0)
    assert [t for t in calls if t in EMPTY or t == 251] == []  # emptiness came from the mask


def test_a_double_without_the_slot_gets_the_same_choices():
    ops = SlottedGrammar()
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[[1, 150, 151]] = [9.0, 5.0, 4.0]
    s = _sampler(ops, _piece())
    assert s.choose(logits, 0) == 150 and s.fallbacks == 1
    logits[:100] = 10.0 + np.arange(100)
    logits[200] = 20.0
    assert _sampler(ops, _piece()).choose(logits, 0) == 200
    assert not hasattr(ops, "empty_mask")
