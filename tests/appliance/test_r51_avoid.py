"""The answer candidates' `avoid` mask (sampler._mask_avoided) compares bytes: on a byte-level vocabulary a Chinese
answer's first token may be one byte of a character, which decodes to U+FFFD and, compared as text, never matched
the avoided word (candidate 2 then repeated candidate 1). A fake vocabulary: the 256 byte tokens, then a few words."""

from __future__ import annotations

import numpy as np
import pytest

from ragtune.appliance.sampler import AVOID_TOP, Sampler

WORDS = ["办公室".encode(), "会议".encode(), b'"\xe5', b"Paris", b"Par", b" Paris", b"London", b"caf\xc3",
         "café".encode(), b"1887", "€12".encode(), "\u2013 x".encode(), b'"Paris', b'"Lon']
VOCAB = [bytes([b]) for b in range(256)] + WORDS
ID = {p: i for i, p in enumerate(VOCAB)}  # the byte tokens keep their own ids (later duplicates: none here)


class _Ops:
    """GrammarOps without llama.cpp: every token allowed."""

    np = np
    n_vocab = len(VOCAB)
    empty_mask = None

    def allows(self, smpl, tok):
        return True


def _sampler(avoid, prefix=b'{"status": "ok", "answer": "'):
    s = Sampler(_Ops(), None, pick=lambda lg: int(np.argmax(lg)), piece=lambda t: VOCAB[t], greedy=True,
                avoid=avoid)
    s.js.feed(prefix)
    return s


def _masked(s) -> set[bytes]:
    out = s._mask_avoided(np.zeros(len(VOCAB), dtype=np.float32))
    return {VOCAB[t] for t in np.flatnonzero(np.isneginf(out))}


def _old_masked(avoid, text: bytes) -> bool:
    """The mask before round 51: the piece decoded with errors="replace", compared as text."""
    s = text.decode("utf-8", "replace")
    return bool(text) and any(w.startswith(s) or s.startswith(w) for w in avoid)


def test_vocabulary_is_large_enough_for_the_top_k():
    assert len(VOCAB) >= AVOID_TOP


def test_a_byte_token_starting_the_avoided_chinese_word_is_masked():
    s = _sampler(["办公室搬迁通知"])
    m = _masked(s)
    first = "办".encode()  # e5 8a 9e
    assert bytes(first[:1]) in m  # the byte token a byte-level tokenizer starts 办 with (was: U+FFFD, kept)
    assert "办公室".encode() in m
    assert "会议".encode() not in m and bytes("会".encode()[:1]) not in m  # another start stays open
    assert b"P" not in m and b"\xe4" not in m


def test_candidate_two_starts_elsewhere_when_the_model_prefers_the_byte_token():
    s = _sampler(["办公室搬迁通知"])
    logits = np.full(len(VOCAB), -5.0, dtype=np.float32)
    logits[ID[b"\xe5"]] = 9.0  # the model's first choice: the first byte of 办
    logits[ID["会议".encode()]] = 7.0
    assert VOCAB[s.choose(logits, 0)] == "会议".encode()
    s_free = _sampler([])
    assert VOCAB[s_free.choose(logits, 0)] == b"\xe5"  # without avoid: the same model starts with 办


def test_the_opening_quote_with_a_partial_character_is_masked_at_the_answer_open():
    s = _sampler(["办公室"], prefix=b'{"status": "ok", "answer": ')
    m = _masked(s)
    assert b'"\xe5' in m and b'"Paris' not in m
    s = _sampler(["Paris"], prefix=b'{"status": "ok", "answer": ')
    m = _masked(s)
    assert b'"Paris' in m and b'"\xe5' not in m and b'"' not in m  # a bare quote holds no answer text


@pytest.mark.parametrize("avoid", [["Paris"], ["Par"], ["London,"], ["1887"], ["€12"], ["–"], ["café"],
                                   ["Paris", "London"], ["办公室搬迁通知"]])
def test_old_and_new_masks_agree_on_every_cleanly_decoding_piece(avoid):
    s = _sampler(avoid)
    m = _masked(s)
    for p in VOCAB:
        try:
            p.decode("utf-8")
        except UnicodeDecodeError:
            continue
        assert (p in m) == _old_masked(avoid, p), (avoid, p)


def test_they_differ_only_for_a_piece_ending_inside_a_character_of_the_avoided_word():
    for avoid in (["Paris"], ["1887"], ["€12"], ["café"], ["办公室"], ["–"]):
        s = _sampler(avoid)
        m = _masked(s)
        diff = {p for p in VOCAB if (p in m) != _old_masked(avoid, p)}
        words = [w.encode() for w in avoid]
        for p in diff:  # new masks more, never less, and only a byte prefix cut inside a multi-byte character
            assert p in m and any(w.startswith(p) and len(p) < len(w) and w[len(p)] & 0xC0 == 0x80 for w in words)
        if avoid == ["Paris"] or avoid == ["1887"]:
            assert not diff  # ASCII words: the same mask
    assert {p for p in VOCAB if p in _masked(_sampler(["café"])) and not _old_masked(["café"], p)} == {b"caf\xc3"}


def test_a_lone_surrogate_in_an_avoided_word_matches_nothing_and_does_not_raise():
    s = _sampler(["\ud83dx"])
    assert _masked(s) == set()
