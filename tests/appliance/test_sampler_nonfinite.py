"""The sampler on a model whose scores are nan/inf (damaged weights): said as the model's fault (ModelError, exit 3),
not as a grammar/vocabulary mismatch (exit 5), which it was: non-finite scores read as masked by the grammar, so no
token looked allowed. Fast: a grammar double over numpy, no llama.cpp."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ragtune.appliance.errors import GenerationError, ModelError
from ragtune.appliance.sampler import Sampler

VOCAB = 300


class Grammar:
    """GrammarOps as the sampler uses it, the grammar a set of allowed ids: `allows` checks one token with a zero
    score (as llama.cpp's one-element array), `filter` keeps the ids whose score is finite once the grammar has
    masked the others to -inf (as GrammarOps.filter reads llama.cpp's candidate array)."""

    def __init__(self, allowed: set[int]):
        self.np, self.n_vocab, self.ok = np, VOCAB, allowed

    def allows(self, smpl, tok: int) -> bool:
        return tok in self.ok

    def filter(self, smpl, ids, logits):
        ids = np.asarray(ids, dtype=np.intc)
        scores = np.array([logits[i] if int(i) in self.ok else -np.inf for i in ids], dtype=np.float32)
        return ids[np.isfinite(scores)]

    def allowed(self, smpl, logits):
        return self.filter(smpl, np.arange(VOCAB, dtype=np.intc), logits)


def _sampler(allowed: set[int], *, greedy: bool = True) -> Sampler:
    rng = np.random.default_rng(0)

    def pick(logits):
        if greedy:
            return int(np.argmax(logits))
        finite = np.flatnonzero(np.isfinite(logits))
        return int(rng.choice(finite)) if len(finite) else 0

    return Sampler(Grammar(allowed), None, pick=pick, piece=lambda t: b"x", greedy=greedy)


@pytest.mark.parametrize("greedy", [True, False])
@pytest.mark.parametrize("damage", ["nan", "inf", "some-nan"])
def test_non_finite_scores_are_a_damaged_model(damage, greedy):
    logits = np.random.default_rng(1).standard_normal(VOCAB).astype(np.float32)
    allowed = {7, 8, 9}
    if damage == "nan":
        logits[:] = np.nan
    elif damage == "inf":
        logits[::2] = np.inf
        allowed = {8, 10}
    else:  # the allowed tokens' scores among them (greedy: the first nan is the "best"; sampling: never drawn)
        logits[[7, 8, 9, 100]] = np.nan
    with pytest.raises(ModelError) as exc:
        _sampler(allowed, greedy=greedy).choose(logits, 0)
    assert re.fullmatch(r"the model produced non-finite scores: its file is probably damaged \(\d+ of 300 token "
                        r"scores are (nan|inf)\)", exc.value.message), exc.value.message
    assert exc.value.exit_code == 3 and "models verify" in exc.value.hint
    if damage == "some-nan":
        assert "(4 of 300 token scores are nan)" in exc.value.message


def test_finite_scores_with_no_allowed_token_are_still_a_grammar_mismatch():
    logits = np.random.default_rng(2).standard_normal(VOCAB).astype(np.float32)
    with pytest.raises(GenerationError, match=r"grammar/vocabulary mismatch"):
        _sampler(set()).choose(logits, 0)


def test_finite_scores_choose_the_best_allowed_token():
    logits = np.zeros(VOCAB, dtype=np.float32)
    logits[[3, 42]] = [5.0, 1.0]  # 3 is best but not allowed
    s = _sampler({42, 43})
    assert s.choose(logits, 0) == 42 and s.fallbacks == 1
