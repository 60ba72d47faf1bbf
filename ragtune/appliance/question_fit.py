"""Whether a question can be asked at all: the instructions, the question and the answer's room (`generate.max_tokens`)
must fit the model's context window (`generate.n_ctx`) before any source is added (answer.py checks it first)."""

from __future__ import annotations

from typing import Any

from .errors import ConfigError, InputError
from .prompt import SYSTEM_PROMPT, messages


def check_question_fits(gen: Any, nq: str, *, n_ctx: int, max_tokens: int) -> None:
    """InputError when the question makes the prompt too long; ConfigError when the instructions alone (no question,
    no source) and the answer's room already exceed `n_ctx` (a model served at n_ctx 512 with max_tokens 256): no
    question could fit, so "shorten the question" would send the user after the wrong thing. The second count is
    made only when the first fails, and not for an empty question (serve's start-up check): the first was that one."""
    n = gen.count_tokens(messages(SYSTEM_PROMPT, [], nq))
    if n + max_tokens <= n_ctx:
        return
    base = gen.count_tokens(messages(SYSTEM_PROMPT, [], "")) if nq else n
    if base + max_tokens > n_ctx:
        raise ConfigError(f"the instructions ({base} tokens) and the answer's room (max_tokens {max_tokens}) exceed "
                          f"n_ctx ({n_ctx})", hint="raise generate.n_ctx or lower generate.max_tokens")
    raise InputError(f"the question is too long for the model's context window ({n_ctx} tokens incl. "
                     f"{max_tokens} for the answer)", hint="shorten the question")
