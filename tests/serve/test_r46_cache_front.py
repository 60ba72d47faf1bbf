"""Round 46: a question whose answer is in the answer cache is answered before the queue (serve/front.py), at once
while every engine generates and the queue is full: it waited behind uncached questions and could get the busy
503. The answer is the queued path's cache hit, byte for byte but for the times and the log id: the same JSON, the
same headers, the same query-log row. A question not cached still waits (or gets the 503) as before."""

from __future__ import annotations

import json
import threading
import time

from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import GenerateConfig, ServeConfig, Settings
from ragtune.appliance.querylog import get_entry
from ragtune.appliance.store import open_store
from ragtune.serve.server import make_app
from tests.serve.helpers import FakeRetriever, TaggingGenerator

Q = "Where is the Eiffel Tower?"
SLOW = "How high is the xyzzy mountain?"  # held in the engine until the test lets it go


class HeldGenerator(TaggingGenerator):
    """Generates SLOW only once `gate` is set (the engine is busy meanwhile)."""

    def __init__(self, gate: threading.Event):
        super().__init__({})
        self.gate, self.holding = gate, threading.Event()

    def generate(self, messages, *, schema, on_token=None, **kw):
        if "xyzzy" in messages[-1]["content"].lower():
            self.holding.set()
            assert self.gate.wait(20)
        return super().generate(messages, schema=schema, on_token=on_token, **kw)


def _app(home, gate, **serve):
    gens: list[HeldGenerator] = []

    def factory(settings, n):
        gens.extend(HeldGenerator(gate) for _ in range(n))
        engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=g) for g in gens]
        return engines, engines

    settings = Settings(home=home, serve=ServeConfig(**serve), generate=GenerateConfig(answer_mode="free"))
    return make_app(settings, engine_factory=factory, workers=1), gens


def _hold_the_engine(c, gens) -> tuple[threading.Thread, list]:
    got: list = []
    t = threading.Thread(target=lambda: got.append(c.post("/v1/ask", json={"question": SLOW})))
    t.start()
    assert gens[0].holding.wait(10)
    return t, got


def _same(resp) -> tuple[dict, dict]:
    body = resp.json()
    body.pop("log_id")
    body.pop("timings")
    headers = {k: v for k, v in resp.headers.items() if k not in ("date", "content-length")}
    return body, headers


def _row(home, log_id: int) -> dict:
    store = open_store(home)
    try:
        row = get_entry(store, log_id)
    finally:
        store.close()
    out = json.loads(json.dumps(row, default=str))
    for k in ("id", "ts", "timings", "total_ms", "retrieval_ms", "latency_ms", "created", "time"):
        out.pop(k, None)
    return {k: v for k, v in out.items() if "ms" not in k and not k.endswith("_at")}


def test_a_cached_answer_is_given_while_the_engine_is_busy_and_the_queue_full(home):
    gate = threading.Event()
    app, gens = _app(home, gate, queue=0, retry_after_s=3)
    pool = app.state.serve.pool
    with TestClient(app) as c:
        first = c.post("/v1/ask", json={"question": Q})
        assert first.status_code == 200 and first.json()["cached"] is False
        t, slow = _hold_the_engine(c, gens)
        try:
            assert pool.admitted == pool.capacity == 1  # the only engine generates, no place in the queue
            t0 = time.monotonic()
            hit = c.post("/v1/ask", json={"question": Q})
            took = time.monotonic() - t0
            assert hit.status_code == 200, hit.text  # before: 503 busy
            assert hit.json()["cached"] is True and took < 5
            chat = c.post("/v1/chat/completions", json={"model": "ragtune", "messages": [
                {"role": "user", "content": Q}]})
            assert chat.status_code == 200 and chat.json()["ragtune"]["cached"] is True
            with c.stream("POST", "/v1/chat/completions", json={"model": "ragtune", "stream": True, "messages": [
                    {"role": "user", "content": Q}]}) as r:
                assert r.status_code == 200
                events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
            assert "".join(e["choices"][0]["delta"].get("content", "") for e in events) == first.json()["answer"]
            assert events[-1]["ragtune"]["cached"] is True
            # not cached: the queue is full, as before (nothing was written for it)
            miss = c.post("/v1/ask", json={"question": "Who built the Eiffel Tower?"})
            assert miss.status_code == 503 and miss.json()["error"]["code"] == "busy"
            assert miss.headers["retry-after"] == "3"
            streamed_miss = c.post("/v1/chat/completions", json={"model": "ragtune", "stream": True, "messages": [
                {"role": "user", "content": "Who built the Eiffel Tower?"}]})
            assert streamed_miss.status_code == 503 and streamed_miss.json()["error"]["code"] == "busy"
        finally:
            gate.set()
            t.join(20)
        assert slow[0].status_code == 200
        assert pool.admitted == 0 and pool.running == 0
        queued = c.post("/v1/ask", json={"question": Q})  # an engine is free: the queued path's cache hit
        assert queued.json()["cached"] is True
    assert _same(hit) == _same(queued)
    assert _row(home, hit.json()["log_id"]) == _row(home, queued.json()["log_id"])


def test_a_miss_before_the_queue_still_waits_for_an_engine(home):
    """queue = 1: an uncached question looked up first then takes the place and is answered once the engine is
    free; an early refusal (nothing found) needs no engine either."""
    gate = threading.Event()
    app, gens = _app(home, gate, queue=1)
    with TestClient(app) as c:
        t, slow = _hold_the_engine(c, gens)
        got: list = []
        t2 = threading.Thread(target=lambda: got.append(c.post("/v1/ask", json={"question": Q})))
        try:
            t2.start()
            deadline = time.monotonic() + 10
            while app.state.serve.pool.waiting != 1:
                assert time.monotonic() < deadline, "the miss never took its place in the queue"
                time.sleep(0.02)
            refused = c.post("/v1/ask", json={"question": "zzz"})  # retrieval finds nothing: no engine needed
            assert refused.status_code == 200 and refused.json()["refusal_reason"] == "no_sources"
        finally:
            gate.set()
            t.join(20)
            t2.join(20)
    assert slow[0].status_code == 200 and got[0].status_code == 200 and got[0].json()["cached"] is False


def test_lookups_are_bounded_like_the_queue(home):
    """At most max_pending requests wait for the lookup thread; beyond that a request goes on to the queue (here
    full: the busy 503 at once) without a lookup, cached or not."""
    gate = threading.Event()
    app, gens = _app(home, gate, queue=0)
    front = app.state.serve.front
    assert front is not None and front.max_pending == 8  # max(8, workers + queue)
    with TestClient(app) as c:
        assert c.post("/v1/ask", json={"question": Q}).status_code == 200
        t, _ = _hold_the_engine(c, gens)
        try:
            front.pending = front.max_pending  # as many lookups waiting as allowed
            skipped = c.post("/v1/ask", json={"question": Q})
            assert skipped.status_code == 503 and skipped.json()["error"]["code"] == "busy"
            front.pending = 0
            assert c.post("/v1/ask", json={"question": Q}).json()["cached"] is True
        finally:
            gate.set()
            t.join(20)


def test_the_lookups_give_up_passes_every_except_exception_on_the_way_out():
    """NotCached is raised inside the engine (reading the adapter served, while a rollout switches it, as a refusal
    is logged): answer._emit's `except Exception` made it "cannot write the query log", a 500 (CI, test_rollout's
    rollback under load). It must reach the lookup, which queues the request."""
    from ragtune.serve.front import NotCached

    assert issubclass(NotCached, BaseException) and not issubclass(NotCached, Exception)
