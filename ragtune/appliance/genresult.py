"""What a generator returns (`GenResult`) and promises (`Generator`): the answer pipeline, the answer candidates,
repair and the test doubles use these without loading llama.cpp's wrapper (generate.py) or a remote client."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from .prompt import REFUSAL_TEXT

OnToken = Callable[[str], None]


def refusal_json(max_answer_chars: int) -> str:
    """What a refusal decodes to once the status value commits to "refused": its text is fixed (cut to the
    schema's length limit) and it cites nothing."""
    text = REFUSAL_TEXT[:max_answer_chars].rstrip()
    return '{"status": "refused", "answer": ' + json.dumps(text, ensure_ascii=False) + ', "citations": []}'


@dataclass
class GenResult:
    text: str
    tokens_prompt: int
    tokens_completion: int
    ttft_ms: float  # from the call to the first generated token (prompt eval included)
    generation_ms: float  # the whole call: prompt eval + decoding
    prompt_ms: float = 0.0
    reused_prompt_tokens: int = 0  # served from the prefix cache
    finish: str = "stop"  # stop (grammar complete / end of generation) | length | closed (budget close-out)
    # | refused (the status committed to "refused": the rest is the fixed refusal object)
    # | answer (`answer_only`: the text is the object through its answer's closing quote)
    grammar_fallbacks: int = 0  # steps where the top token was rejected (sampler.py: the fallback path)
    relaxed: int = 0  # steps where a Python-side constraint had to be relaxed (sampler.py)
    p_refused: float | None = None  # the model's P(refused) at the status value (decoding.status_split)
    answer_min_logprob: float | None = None  # the least likely answer token's log-probability (sampler.py)
    answer_mean_logprob: float | None = None  # the answer tokens' mean log-probability (candidates.py ranks by it)
    tokens: list[int] = field(default_factory=list, repr=False)


class Generator(Protocol):
    model_id: str
    adapter_served: str  # how the current adapter answers: "none", "merged", "lora" (run time) or "remote"

    def generate(self, messages: list[dict[str, str]], *, schema: dict[str, Any], max_tokens: int,
                 seed: int, on_token: OnToken | None = None,
                 extractive: Sequence[tuple[str, Sequence[str]]] | None = None,
                 refusal_threshold: float | None = None, avoid: Sequence[str] = (),
                 answer_only: bool = False) -> GenResult: ...

    def set_adapter(self, path: Path | str | None, sha256: str | None, *, scale: float = 1.0) -> None: ...

    def count_tokens(self, messages: list[dict[str, str]]) -> int: ...

    def close(self) -> None: ...
