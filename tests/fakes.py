"""Test doubles for the answer path (never shipped in the product): a scripted Generator."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

from ragtune.appliance.errors import GenerationError
from ragtune.appliance.genresult import GenResult, OnToken
from ragtune.appliance.grammar import gbnf_from_schema


class FakeGenerator:
    """Scripted outputs for tests. Each script item is a string (emitted as-is), a dict (json-dumped), or a
    callable(messages, schema) -> str; the last item repeats. Streams the text in small pieces."""

    def __init__(self, outputs: Sequence[Any] | None = None, *, model_id: str = "fake-model",
                 n_ctx: int = 2048, chars_per_token: int = 4, piece: int = 3, p_refused: float | None = None,
                 answer_min_logprob: float | None = None):
        self.outputs = list(outputs or [{"status": "ok", "answer": "Fake answer.", "citations": ["S1"]}])
        self.model_id = model_id
        self.adapter_id = "none"
        self.serves = "merged"  # how an adapter is served, as LlamaGenerator.adapter_served says
        self.n_ctx = n_ctx
        self.chars_per_token = chars_per_token
        self.piece = piece
        self.calls: list[dict[str, Any]] = []
        self.adapter_calls: list[tuple[Any, Any]] = []
        self.adapter_scale = 1.0
        self.scale_calls: list[float] = []  # the scale of each set_adapter call
        self.closed = False
        self.p_refused = p_refused  # reported with every result, like the real sampler's status probability
        self.answer_min_logprob = answer_min_logprob  # likewise the answer's least likely token (and the mean)

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        return sum(len(m["content"]) for m in messages) // self.chars_per_token + 8

    def generate(self, messages: list[dict[str, str]], *, schema: dict[str, Any], max_tokens: int | None = None,
                 seed: int | None = None, on_token: OnToken | None = None, **kw: Any) -> GenResult:
        t0 = time.perf_counter()
        if self.closed:
            raise GenerationError("the generator is closed")
        gbnf_from_schema(schema)  # same fail-closed check as the real one
        i = min(len(self.calls), len(self.outputs) - 1)
        item = self.outputs[i]
        self.calls.append({"messages": messages, "schema": schema, "max_tokens": max_tokens, "seed": seed, **kw})
        if callable(item):
            item = item(messages, schema)
        text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
        if on_token is not None:
            for j in range(0, len(text), self.piece):
                on_token(text[j:j + self.piece])
        n_out = max(1, len(text) // self.chars_per_token)
        ms = (time.perf_counter() - t0) * 1000  # real (tiny) times, so totals stay consistent
        return GenResult(text=text, tokens_prompt=self.count_tokens(messages), tokens_completion=n_out,
                         ttft_ms=ms / 2, generation_ms=ms, prompt_ms=ms / 2, p_refused=self.p_refused,
                         answer_min_logprob=self.answer_min_logprob, answer_mean_logprob=self.answer_min_logprob)

    @property
    def adapter_served(self) -> str:
        return "none" if self.adapter_id == "none" else self.serves

    def set_adapter(self, path: Path | str | None, sha256: str | None = None, *, scale: float = 1.0) -> None:
        self.adapter_calls.append((path, sha256))
        self.adapter_id = (sha256 or "none") if path is not None else "none"
        self.adapter_scale = float(scale) if path is not None else 1.0  # the strength it was given
        self.scale_calls.append(self.adapter_scale)

    def close(self) -> None:
        self.closed = True
