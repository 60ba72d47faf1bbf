"""Stage 2 of the answer pipeline (answer.py): the sources a question is answered from, and the check that anything
is ingested at all when retrieval finds nothing. AnswerEngine's first request retrieves before the generation model
is loaded: on an empty home the answer is the same NothingIngested either way, and loading the model first cost
seconds and hundreds of MB for nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import StoreError
from .prompt import context_from_hits
from .types import ContextItem, Hit


@dataclass
class Sources:
    """What retrieval hands on: the context in rank order and where it came from."""

    context: list[ContextItem]
    normalized: str  # the question as the model will read it
    hits: list[Hit] = field(default_factory=list)
    retrieved: list[int] = field(default_factory=list)  # chunk ids, for the log
    retrieval_ms: float = 0.0
    searched: bool = False  # retrieval ran: its ids may be renumbered, and nothing found is a refusal
    scope: dict[str, Any] | None = None  # the filters retrieval ranked within, for the query log


def require_ingested(store: Any) -> None:
    """NothingIngested when `store` holds no chunk (a clear message, not a refusal)."""
    try:
        n_chunks = store.count_chunks()
    except Exception as exc:
        raise StoreError(f"cannot read the store: {exc}") from None
    if n_chunks == 0:
        from .scope import nothing_ingested

        raise nothing_ingested(store, "answer from")  # (it says when an ingest is running)


def retrieve_sources(engine: Any, q: str, nq: str, *, k: int | None, use_cache: bool, retrieve: bool,
                     context: list[ContextItem] | None, filters: dict[str, Any] | None = None) -> Sources:
    """The caller's context as given, none (`retrieve=False`), or a hybrid retrieval by `engine.retriever`."""
    if context is not None:
        ctx = [c if isinstance(c, ContextItem) else ContextItem(**c) for c in context]
        return Sources(ctx, nq, retrieved=[c.chunk_id for c in ctx if c.chunk_id is not None])
    if not retrieve:
        return Sources([], nq)
    retriever = engine.retriever
    scoped = {"filters": filters} if filters else {}  # unscoped: the call any retriever answers
    rr = retriever.retrieve(q, k=k, mode="hybrid", use_cache=use_cache, normalized=nq, **scoped)
    if not rr.hits:
        require_ingested(getattr(retriever, "store", None) or engine.store)
    return Sources(context_from_hits(rr.hits), rr.normalized_query or nq, hits=rr.hits,
                   retrieved=[h.chunk_id for h in rr.hits], retrieval_ms=rr.retrieval_ms, searched=True,
                   scope=filters or None)
