"""Answers that need no engine, given before the queue: a question whose answer is in the answer cache (or that is
refused before any generation: nothing found, an override attempt) is answered at once, even while every engine
generates and the queue is full (it waited behind uncached questions, and could get the busy 503).

The lookup is the engine's own: `Front` keeps one more AnswerEngine (the shared retriever, its own store
connection) whose generator never generates (`_Mirror`): it tokenizes and names the model and adapter as an engine's
generator serving the same adapter does, and raises `NotCached` where the engine would generate. So a hit is what
the queued path gives for the same question, byte for byte (the same retrieval, context, cache key, Answer and
query-log row, written by the same code); a miss writes nothing and goes to the queue as before. The cache logic
stays in ragtune/appliance (answer.py, answer_cache.py); nothing here reads or writes the cache.

One lookup at a time, in a thread of its own (retrieval takes milliseconds; the engines' threads are busy), and
at most `max_pending` waiting for it: beyond that a request goes on to the queue (or its 503) without a lookup, so
a flood of uncached questions cannot make every request wait for the lookups of the others (round 46, 10 clients on
a loaded 2-core box: ~100 ms a lookup, ~1 s waiting for the thread).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

log = logging.getLogger("ragtune.serve")


class NotCached(BaseException):
    """The answer needs generating (or the lookup cannot be sure it would be the engine's): queue it. A
    BaseException, not an Exception: nothing on the way out of the engine may catch it (answer._emit turned it into
    "cannot write the query log", a 500, when the adapter switched under a rollout while a refusal was logged)."""


class _Mirror:
    """The lookup engine's generator: an engine's generator as seen from outside while that engine generates. What
    it reads (model id and file, context size, the tokenizer, how the adapter is served) is read-only in the
    generators (LlamaGenerator tokenizes with a vocabulary-only model; the remote one under its lock), so it is safe
    from this thread. Only an engine's generator that serves the same adapter at the same scale now (its `twin`)
    says how that adapter is served: with none, the lookup cannot know the cache key and gives up (NotCached)."""

    def __init__(self, engines: list[Any]):
        self._engines = engines
        self.adapter_id, self.adapter_scale = "none", 1.0

    def _gens(self) -> list[Any]:
        return [g for g in (getattr(e, "_generator", None) for e in self._engines) if g is not None]

    def _twin(self) -> Any:
        for g in self._gens():
            aid, scale = getattr(g, "adapter_id", "none"), getattr(g, "adapter_scale", 1.0)
            if (aid, scale) == (self.adapter_id, self.adapter_scale):
                return g
        raise NotCached()

    def _any(self) -> Any:
        gens = self._gens()
        if not gens:  # no engine has loaded its model yet
            raise NotCached()
        return gens[0]

    @property
    def model_id(self) -> str:
        return self._any().model_id

    @property
    def model_path(self) -> Any:
        return getattr(self._any(), "model_path", None)

    @property
    def n_ctx(self) -> int:
        return self._any().n_ctx

    def count_tokens(self, messages: Any) -> int:
        return self._any().count_tokens(messages)

    @property
    def adapter_served(self) -> str:
        g = self._twin()
        served = g.adapter_served
        if (g.adapter_id, getattr(g, "adapter_scale", 1.0)) != (self.adapter_id, self.adapter_scale):
            raise NotCached()  # it switched while being read
        return served

    @property
    def cache_scope(self) -> Any:
        g = self._twin()
        if not hasattr(g, "cache_scope"):
            raise AttributeError("cache_scope")  # (the engine reads it with getattr: a local generator has none)
        return g.cache_scope

    def set_adapter(self, path: Any, sha256: str | None = None, *, scale: float = 1.0) -> None:
        # what the engine would apply: only recorded (the lookup never loads an adapter)
        self.adapter_id = (sha256 or "none") if path is not None else "none"
        self.adapter_scale = float(scale) if path is not None else 1.0

    def generate(self, *args: Any, **kw: Any) -> Any:
        raise NotCached()

    def close(self) -> None:
        pass


class Front:
    """The lookup before the queue. `await front.lookup(...)`: the Answer, or None (queue it)."""

    def __init__(self, settings: Any, engines: list[Any], max_pending: int = 8):
        from ..appliance.answer import AnswerEngine

        self.engine = AnswerEngine(settings, retriever=engines[0]._retriever, generator=_Mirror(engines))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ragtune-cache")
        self._closed = threading.Event()
        self.max_pending, self.pending = max(1, max_pending), 0

    @classmethod
    def of(cls, settings: Any, engines: list[Any], max_pending: int = 8) -> "Front | None":
        """A Front over these engines, or None where they are not AnswerEngines sharing one retriever (a test's
        own engines, an engine that would open a retriever of its own)."""
        from ..appliance.answer import AnswerEngine

        if not engines or not all(isinstance(e, AnswerEngine) for e in engines) or engines[0]._retriever is None:
            return None
        return cls(settings, engines, max_pending)

    async def lookup(self, fn: Callable[[Any], Any]) -> Any:
        """fn(engine) as the queued job would run it on an engine (engine.ask(...)); None where it would generate."""
        if self._closed.is_set() or self.pending >= self.max_pending:
            return None

        queued = time.perf_counter()

        def run() -> Any:
            t0 = time.perf_counter()
            try:
                ans = fn(self.engine)
            except NotCached:
                ans = None
            log.debug("cache lookup: %s in %.0f ms (%.0f ms waiting for the lookup thread)", "miss" if ans is None
                      else "answered", (time.perf_counter() - t0) * 1000, (t0 - queued) * 1000)
            return ans

        self.pending += 1  # (in the event loop's thread, as the check above)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, run)
        finally:
            self.pending -= 1

    def close(self) -> None:
        """Stop taking lookups; the one running (milliseconds) ends before the store connection closes."""
        self._closed.set()
        self._executor.shutdown(wait=True)
        self.engine.close()
