"""Fake engines for the serving tests: real AnswerEngines over a fake retriever and a scripted generator that
says which adapter produced each answer, optionally slowly (to fill the queue or be cancelled)."""

from __future__ import annotations

import threading
import time
from typing import Any

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import ServeConfig, Settings
from ragtune.appliance.retrieve import RetrievalResult
from ragtune.appliance.types import Hit
from tests.fakes import FakeGenerator

DOCS = ["The Eiffel Tower is in Paris. It was built from 1887 to 1889 by the company of Gustave Eiffel.",
        "Mount Everest is the highest mountain on Earth, 8849 metres above sea level."]


class FakeRetriever:
    def __init__(self, texts=DOCS):
        self.hits = [Hit(chunk_id=10 + i, doc_id=i, text=t, source=f"/docs/d{i}.md", start_char=0, end_char=len(t),
                         sha256=f"h{i}", bm25_rank=i + 1, fused=1.0 / (i + 1)) for i, t in enumerate(texts)]
        self.store = self  # count_chunks: "something is ingested"

    def count_chunks(self):
        return len(self.hits)

    def retrieve(self, query, *, k=None, mode="hybrid", use_cache=True, **kw):
        hits = [] if "zzz" in query else self.hits[: (k or 6)]  # "zzz": retrieval finds nothing
        return RetrievalResult(hits=[Hit(**h.to_dict()) for h in hits], normalized_query=query.lower().strip(),
                               retrieval_ms=0.5, cached=False, candidates=list(hits))

    def close(self):
        pass


class TaggingGenerator(FakeGenerator):
    """Answers "Eiffel Tower Paris <tag>" where tag names the adapter set at generation time, so a test can see
    which adapter produced an answer. `delay` seconds between streamed pieces; `log` records
    (adapter at start, adapter at end) per call: a switch during a call would show as a mismatch."""

    def __init__(self, tags: dict[str, str], *, delay: float = 0.0, answer: Any = None, **kw: Any):
        super().__init__([self._out], **kw)
        self.tags, self.delay, self.answer = tags, delay, answer
        self.log: list[tuple[str, str]] = []
        self.active = threading.Event()

    def _out(self, messages, schema):
        out = self.answer(self) if self.answer is not None else None  # None: the normal tagged answer
        if out is not None:
            return out
        tag = self.tags.get(self.adapter_id, "base")
        return {"status": "ok", "answer": f"Eiffel Tower Paris {tag}", "citations": ["S1"]}

    def generate(self, messages, *, schema, on_token=None, **kw):
        start = self.adapter_id
        self.active.set()
        try:
            if self.delay and on_token is not None:
                def slow(piece, _sink=on_token):
                    time.sleep(self.delay)
                    _sink(piece)
                res = super().generate(messages, schema=schema, on_token=slow, **kw)
            else:
                if self.delay:
                    time.sleep(self.delay * 10)
                res = super().generate(messages, schema=schema, on_token=on_token, **kw)
        finally:
            self.active.clear()
        self.log.append((start, self.adapter_id))
        return res


def fake_factory(tags: dict[str, str] | None = None, **gen_kw: Any):
    made: list[AnswerEngine] = []

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=TaggingGenerator(tags or {}, **gen_kw))
                   for _ in range(n)]
        made.extend(engines)
        return engines, engines

    factory.engines = made  # type: ignore[attr-defined]
    return factory


def register_adapters(home, names=("alpha", "beta")) -> dict[str, str]:
    """Tiny GGUF LoRA headers registered as lora-gguf (the fake generator never loads them). name -> id."""
    from ragtune.appliance.registry import Registry

    from tests.gguf_helpers import write_gguf

    reg = Registry(home)
    out = {}
    for n in names:
        p = home.root / f"{n}.gguf"
        p.parent.mkdir(parents=True, exist_ok=True)
        out[n] = reg.add(write_gguf(p, tag=n), "lora-gguf", name=n).id
    return out


def serve_settings(home, **serve) -> Settings:
    """Settings of `home` with these [serve] values."""
    return Settings(home=home, serve=ServeConfig(**serve))
