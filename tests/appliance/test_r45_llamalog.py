"""Round 45: llama.cpp's "n_ctx_seq (2048) > n_ctx_train (0)" warning on every model load (a GGUF whose training
context is not recorded) reached an embedding app's WARNING log each time; it is DEBUG now. Other warnings stay."""

from __future__ import annotations

import logging

from ragtune.appliance.llamalog import level_of


def test_a_load_warning_that_says_nothing_is_debug():
    line = "llama_context: n_ctx_seq (2048) > n_ctx_train (0) -- possible training context overflow"
    assert level_of(3, line) == logging.DEBUG
    assert level_of(3, "llama_context: n_ctx_seq (4096) > n_ctx_train (2048) -- possible training context "
                       "overflow") == logging.WARNING  # a real overflow is still said
    assert level_of(4, "failed to allocate buffer") == logging.ERROR and level_of(2, "loading") == logging.INFO
