"""Round 51: load_tokens' TokenList is a tuple. It was a list with a digest index and a guard (`_size`): a list
changed after its index was built fell back to comparing every token. Nothing can change a tuple, so the index is
always the list's and the guard is gone; it still equals a list of the same tokens (`state.tokens == []`)."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import ServeConfig
from ragtune.serve.auth import TokenList, bearer_token, load_tokens

ACME, BOLT = "acme-secret-0123456789abcdef", "bolt-secret-0123456789abcdef"


def test_the_token_list_cannot_change_and_is_found_by_its_index():
    tokens = load_tokens(ServeConfig(tokens=[f"acme:{ACME}"], tokens_env="R51_NONE"), {"R51_NONE": f"bolt:{BOLT}"})
    assert isinstance(tokens, TokenList) and isinstance(tokens, tuple) and not hasattr(tokens, "_size")
    with pytest.raises(AttributeError):
        tokens.append(tokens[0])  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        tokens[0] = tokens[1]  # type: ignore[index]
    assert [t.name for t in tokens] == ["acme", "bolt"] and tokens == list(tokens) and tokens == tuple(tokens)
    assert bearer_token(f"Bearer {BOLT}", tokens).name == "bolt" and bearer_token("Bearer nope", tokens) is None
    assert set(tokens.by_digest) == {t.digest for t in tokens}
    assert load_tokens(ServeConfig(), {}) == [] and not load_tokens(ServeConfig(), {})
    assert bearer_token(f"Bearer {ACME}", list(tokens)).name == "acme"  # a caller's own list: compared one by one
