"""Plain data passed between stages. Kept dependency-free so every layer (and test fakes) can build them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Hit:
    """One retrieved chunk with its per-stage scores (None = not found by that retriever)."""

    chunk_id: int
    doc_id: int
    text: str
    source: str  # document path (or corpus.jsonl#id)
    title: str = ""
    ord: int = 0
    start_char: int = 0
    end_char: int = 0
    n_tokens: int = 0
    sha256: str = ""
    doc_date: str | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None
    vector_rank: int | None = None
    vector_score: float | None = None
    fused: float = 0.0
    rerank: float | None = None
    table_head: str = ""  # the header row + rule of the table the chunk starts inside (tablehead.py), shown before it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ContextItem:
    """A chunk as shown to the model: short stable id (S1…Sk) mapped back to the chunk."""

    id: str
    text: str
    chunk_id: int | None = None
    source: str = ""
    title: str = ""
    start_char: int = 0
    end_char: int = 0
    sha256: str = ""

    def for_prompt(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text}


@dataclass
class Timings:
    retrieval_ms: float = 0.0
    ttft_ms: float = 0.0
    generation_ms: float = 0.0
    total_ms: float = 0.0


@dataclass
class Answer:
    """What `ask` returns. `citations` are resolved ContextItems; `output` is the emitted answer JSON."""

    status: str
    answer: str
    citations: list[ContextItem] = field(default_factory=list)
    retrieved: list[int] = field(default_factory=list)
    context: list[ContextItem] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    tokens_prompt: int = 0
    tokens_completion: int = 0
    cost: float = 0.0
    model: str = ""
    adapter: str = "none"
    valid: bool = True  # schema-valid before repair
    repaired: bool = False
    refusal_reason: str | None = None
    cached: bool = False
    raw_output: str = ""
    log_id: int | None = None
    cached_from: int | None = None  # a cached answer: the query-log entry that produced it (None: unknown or not cached)
    mode: str = "free"  # generate.answer_mode of this answer: "extractive" | "free"
    p_refused: float | None = None  # the model's P(refused) at the status value (None: the model was not asked)
    answer_min_logprob: float | None = None  # its least likely answer token's log-probability (None: none written)
    evidence_score: float | None = None  # the evidence model's score of the served context (None: not checked)
    client_id: str | None = None  # who asked (serve: the token's name / user), for the query log
    arm: str | None = None  # rollout arm that served it ("control" | "candidate"), None outside a rollout
    rollout: str | None = None  # the id of that arm's rollout (the query log's `rollout`), None outside one
    first_tokens: tuple[int, int] | None = None  # a cached answer: (prompt, completion) tokens as first made

    def to_json(self) -> dict[str, Any]:
        """The `ask --json` object (contract in issue #3). `log_id`: its query-log entry (`ragtune log show ID`), null
        when it was not logged; /v1/ask and a chat completion's `ragtune` object carry the same id."""
        return {
            "status": self.status,
            "answer": self.answer,
            "citations": [
                {"id": c.id, "chunk_id": c.chunk_id, "source": c.source, "text": c.text,
                 "span": [c.start_char, c.end_char]}
                for c in self.citations
            ],
            "retrieved": list(self.retrieved),
            "timings": asdict(self.timings),
            "tokens": {"prompt": self.tokens_prompt, "completion": self.tokens_completion},
            "cost": self.cost,
            "model": self.model,
            "adapter": self.adapter,
            "repaired": self.repaired,
            "valid": self.valid,
            "refusal_reason": self.refusal_reason,
            "cached": self.cached,
            "mode": self.mode,
            "p_refused": self.p_refused,
            "answer_min_logprob": self.answer_min_logprob,
            "evidence_score": self.evidence_score,
            "log_id": self.log_id,
            "cached_from": self.cached_from,
        }
