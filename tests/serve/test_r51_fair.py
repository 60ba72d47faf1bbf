"""Round 51, fair admission across clients: several flooding clients together no longer make a quiet client's request
the 503 `busy`.

Before: with the queue full of two (or twenty) flooding clients' requests, each within its round-50 share, a third
client's single request got the 503. Now a client holding no place (or two fewer than another) takes the place of the
newest waiting request of the client holding the most, which gets the 429 `client_busy` (pool.Shed); equals never
take a place from each other, and a server with one client is the FIFO it was."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import time

import pytest

from ragtune.appliance.answer import AnswerEngine
from tests.fakes import FakeGenerator
from tests.serve.helpers import FakeRetriever, serve_settings, start_in_thread

ACME, BOLT, CARL = "acme-secret-0123456789abcdef", "bolt-secret-0123456789abcdef", "carl-secret-0123456789abcdef"
TOKENS = [f"acme:{ACME}", f"bolt:{BOLT}", f"carl:{CARL}"]


async def _until(cond, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.002)


def _wait_for(cond, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_a_quiet_client_takes_the_newest_place_of_the_client_holding_most():
    from ragtune.serve.pool import Busy, ClientBusy, EnginePool, Shed

    async def main() -> tuple[list[str], dict[str, str]]:
        pool = EnginePool(["e"], queue=4, per_client=2)
        gate, order = threading.Event(), []

        def job(name):
            def fn(engine, cancel):
                if name == "a0":
                    gate.wait(30)  # holds the only engine while the others queue
                order.append(name)
                return name
            return fn

        tasks: dict[str, asyncio.Future] = {}

        def start(client: str, name: str) -> None:
            tasks[name] = asyncio.ensure_future(pool.admit(client).run(job(name)))

        start("acme", "a0")
        await _until(lambda: pool.running == 1, "a0 never started")
        for client, name in (("acme", "a1"), ("acme", "a2"), ("bolt", "b1"), ("bolt", "b2")):
            start(client, name)
        await _until(lambda: sum(len(q) for q in pool._turns.values()) == 4, "the four never queued")
        assert pool.admitted == pool.capacity  # the queue is full of two clients' requests, each within its share
        with pytest.raises(ClientBusy) as over:  # bolt at its share: its own 429, never a shed of another's
            pool.admit("bolt")
        assert not isinstance(over.value, Shed)
        start("carl", "c1")  # quiet: holds nothing. Was: Busy (the 503). Takes acme's newest (acme holds 3)
        start("dave", "d1")  # acme and bolt hold 2 each: the newest of them, bolt's b2
        start("erin", "e1")  # acme holds 2 (a0 running, a1): a1
        assert pool.held_by("acme") == 1 and pool.waiting_of("acme") == 0
        with pytest.raises(Busy) as full:  # acme holds 1 (running), the others 1 each: no one holds 2 more
            pool.admit("acme")
        assert type(full.value) is Busy
        await _until(lambda: all(tasks[n].done() for n in ("a2", "b2", "a1")), "the shed requests never ended")
        gate.set()
        results = await asyncio.gather(*tasks.values(), return_exceptions=True)
        outcome = {n: (r if isinstance(r, str) else type(r).__name__) for n, r in zip(tasks, results)}
        assert pool.admitted == 0 and pool.running == 0 and not pool._waiting and not pool._held and pool.shed == 3
        pool.close()
        return order, outcome

    order, outcome = asyncio.run(main())
    assert outcome == {"a0": "a0", "a1": "Shed", "a2": "Shed", "b1": "b1", "b2": "Shed", "c1": "c1", "d1": "d1",
                       "e1": "e1"}
    assert order == ["a0", "b1", "c1", "d1", "e1"]  # in turn: bolt first (it waited first), then the newcomers


def test_equals_never_take_a_place_from_each_other_and_one_client_is_the_fifo_it_was():
    from ragtune.serve.pool import Busy, EnginePool

    async def main() -> None:
        gate = threading.Event()

        def fn(engine, cancel):
            gate.wait(30)

        for per_client in (1, None):  # two clients holding 1 and 2: no shed; no share (one client): the 503
            pool = EnginePool(["e"], queue=2, per_client=per_client)
            tasks = [asyncio.ensure_future(pool.admit("acme").run(fn))]
            await _until(lambda: pool.running == 1, "never started")
            tasks += [asyncio.ensure_future(pool.admit(c).run(fn)) for c in ("bolt", "carl")]
            await _until(lambda: pool.waiting == 2, "never queued")
            for client in ("acme", "bolt") if per_client else ("dave",):
                with pytest.raises(Busy):
                    pool.admit(client)
            assert pool.shed == 0
            gate.set()
            await asyncio.gather(*tasks)
            gate.clear()
            pool.close()

    asyncio.run(main())


def test_a_streamed_request_shed_before_its_task_ran_ends_with_the_429():
    from ragtune.serve.pool import EnginePool, Shed

    async def main() -> None:
        pool = EnginePool(["e"], queue=1, per_client=1)
        gate = threading.Event()
        running = asyncio.ensure_future(pool.admit("acme").run(lambda e, c: gate.wait(30)))
        await _until(lambda: pool.running == 1, "never started")
        slot = pool.admit("acme")  # admitted (a stream's slot), its task not run yet
        other = asyncio.ensure_future(pool.admit("bolt").run(lambda e, c: "bolt"))
        with pytest.raises(Shed):
            await slot.run(lambda e, c: "never")
        gate.set()
        assert await other == "bolt"
        await running
        assert pool.admitted == 0
        pool.close()

    asyncio.run(main())


# -- on a real socket: two flooding clients fill the queue, a third's one request is answered ------------------------
def test_two_flooding_clients_and_a_quiet_one_on_a_socket(home, loopback):
    home.ensure()
    gate, order = threading.Event(), []

    def gated(messages, schema):
        gate.wait(30)
        order.append(messages[-1]["content"].split("Question:")[-1].strip()[:40])
        return {"status": "ok", "answer": "Eiffel Tower Paris", "citations": ["S1"]}

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=FakeGenerator([gated]))
                   for _ in range(n)]
        return engines, engines

    from ragtune.serve.server import make_app

    settings = serve_settings(home, tokens=TOKENS, queue=4, max_waiting_per_client=2)  # 2 waiting per client
    app = make_app(settings, engine_factory=factory, workers=1)
    pool, running = app.state.serve.pool, []
    port = start_in_thread(app, settings, running)
    got: dict[str, tuple[int, dict]] = {}

    def post(token, question):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            c.request("POST", "/v1/ask", json.dumps({"question": question}),
                      {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            r = c.getresponse()
            got[question] = (r.status, json.loads(r.read()))
        finally:
            c.close()

    threads = []

    def send(token, question, admitted):
        threads.append(threading.Thread(target=post, args=(token, question)))
        threads[-1].start()
        _wait_for(lambda: pool.admitted == admitted, f"{question}: {pool.admitted} admitted, {got}")

    try:
        send(ACME, "Where is the Eiffel Tower, acme 0?", 1)
        _wait_for(lambda: pool.running == 1, "acme 0 never ran")
        for i, n in ((1, 2), (2, 3)):
            send(ACME, f"Where is the Eiffel Tower, acme {i}?", n)
        for i, n in ((1, 4), (2, 5)):
            send(BOLT, f"Where is the Eiffel Tower, bolt {i}?", n)
        send(CARL, "Where is the Eiffel Tower, carl?", 5)  # the queue is full: was the 503 busy
        _wait_for(lambda: "Where is the Eiffel Tower, acme 2?" in got, "acme's newest was not shed")
        gate.set()
        for t in threads:
            t.join(60)
    finally:
        gate.set()
        for srv, t in running:
            srv.should_exit = True
            t.join(10)
    status = {q.rsplit(",", 1)[1].strip(" ?"): s for q, (s, _) in got.items()}
    assert status == {"acme 0": 200, "acme 1": 200, "acme 2": 429, "bolt 1": 200, "bolt 2": 200, "carl": 200}, got
    err = got["Where is the Eiffel Tower, acme 2?"][1]["error"]
    assert err["code"] == "client_busy" and err["type"] == "rate_limit_error" and "gave its place" in err["message"]
    assert "carl" not in err["message"] and "bolt" not in err["message"]  # says nothing of the other clients
    assert b"ragtune_client_rejected_total 1.0" in app.state.serve.metrics.render()
    assert b"ragtune_rejected_total 0.0" in app.state.serve.metrics.render()


def test_a_request_already_handed_an_engine_is_never_shed():
    """A freed engine is handed to a waiting request's future; its task runs later. Shedding it then would have run
    it anyway beside the request given its place (one over workers + queue)."""
    from ragtune.serve.pool import Busy, EnginePool

    async def main() -> None:
        pool = EnginePool(["e"], queue=1, per_client=1)
        gate = threading.Event()
        first = asyncio.ensure_future(pool.admit("acme").run(lambda e, c: gate.wait(30)))
        await _until(lambda: pool.running == 1, "never started")
        slot = pool.admit("acme")
        second = asyncio.ensure_future(slot.run(lambda e, c: e))
        await _until(lambda: slot.fut is not None, "never queued")
        pool._turns["acme"].popleft()  # as _give hands an engine: out of its turn, then its future's result
        slot.fut.set_result("e")
        with pytest.raises(Busy) as full:  # no await in between: its task has not resumed yet
            pool.admit("bolt")
        assert type(full.value) is Busy and pool.shed == 0
        gate.set()
        assert await second == "e"
        await first
        pool.close()

    asyncio.run(main())
