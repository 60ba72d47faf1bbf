"""Round 50, many clients on one server: one client cannot lock the others out of the queue.

Before: one FIFO queue, no per-client share. 20 requests at once from client acme, then one from bolt: bolt got the
503 `busy` in 30 ms, and had it waited it would have been answered after all of acme's. Now a client holds at most
[serve] max_waiting_per_client waiting places (a 429 `client_busy` beyond), and a freed engine serves the waiting
clients in turn (first come first served within each). Also: /metrics (every client's totals) is refused to a
token scoped to documents, and the start names the tokens whose scope matches no stored document."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import threading
import time
from collections import Counter

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import ServeConfig
from ragtune.appliance.errors import ConfigError
from tests.fakes import FakeGenerator
from tests.serve.helpers import FakeRetriever, fake_factory, serve_settings, start_in_thread

ACME, BOLT, OPS = "acme-secret-0123456789abcdef", "bolt-secret-0123456789abcdef", "ops-secret-0123456789abcdefgh"
TOKENS = [f"acme:{ACME}", f"bolt:{BOLT}"]


def _wait_for(cond, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


# -- the pool: a share per client, and turns -----------------------------------------------------------------------
def test_a_freed_engine_serves_the_waiting_clients_in_turn():
    from ragtune.serve.pool import Busy, ClientBusy, EnginePool

    async def main() -> list[str]:
        pool = EnginePool(["e"], queue=8, per_client=4)
        gate, order = threading.Event(), []

        def job(name):
            def fn(engine, cancel):
                if name == "a0":
                    gate.wait(20)  # holds the only engine while the others queue
                order.append(name)
            return fn

        tasks = [asyncio.ensure_future(pool.admit("acme").run(job("a0")))]
        while pool.running != 1:
            await asyncio.sleep(0.005)
        tasks += [asyncio.ensure_future(pool.admit("acme").run(job(f"a{i}"))) for i in range(1, 5)]
        with pytest.raises(ClientBusy) as over:  # acme's 5th waiting request: its share is 4
            pool.admit("acme")
        assert over.value.limit == 4 and isinstance(over.value, Busy)
        tasks.append(asyncio.ensure_future(pool.admit("bolt").run(job("b1"))))  # bolt still gets a place
        await asyncio.sleep(0.05)
        assert pool.waiting == 5 and pool.waiting_of("acme") == 4 and pool.waiting_of("bolt") == 1
        gate.set()
        await asyncio.gather(*tasks)
        assert pool.admitted == 0 and pool.running == 0 and pool.waiting_of("acme") == 0
        pool.close()
        return order

    # bolt's request is the second answered after acme's first, not the last (FIFO across clients: a1 a2 a3 a4 b1)
    assert asyncio.run(main()) == ["a0", "a1", "b1", "a2", "a3", "a4"]


def test_one_client_queues_first_come_first_served_and_only_the_queue_bounds_it():
    """No per-client bound (a server with one client): the FIFO of before, and a full queue is the 503."""
    from ragtune.serve.pool import ClientBusy, EnginePool

    async def main() -> list[int]:
        pool = EnginePool(["e"], queue=3)
        gate, order = threading.Event(), []

        def job(i):
            def fn(engine, cancel):
                if i == 0:
                    gate.wait(20)
                order.append(i)
            return fn

        tasks = [asyncio.ensure_future(pool.admit().run(job(0)))]
        while pool.running != 1:
            await asyncio.sleep(0.005)
        tasks += [asyncio.ensure_future(pool.admit().run(job(i))) for i in range(1, 4)]
        with pytest.raises(Exception) as full:
            pool.admit()
        assert not isinstance(full.value, ClientBusy) and type(full.value).__name__ == "Busy"
        await asyncio.sleep(0.02)
        tasks[2].cancel()  # a client that leaves while waiting: its place, and its turn, are gone
        await asyncio.sleep(0.02)
        gate.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert pool.admitted == 0 and pool.running == 0
        pool.close()
        return order

    assert asyncio.run(main()) == [0, 1, 3]


def test_the_per_client_bound_is_automatic_only_with_two_or_more_token_names():
    from ragtune.serve.auth import load_tokens
    from ragtune.serve.pool import per_client_bound

    def bound(**kw):
        cfg = ServeConfig(**kw)
        return per_client_bound(cfg, load_tokens(cfg, {}))

    assert bound() is None and bound(queue=8) is None  # no token: one client, the queue as before
    assert bound(tokens=[f"acme:{ACME}", f"acme:{BOLT}"]) is None  # one name (a rotation): one client
    assert bound(tokens=TOKENS) == 4 and bound(tokens=TOKENS, queue=1) == 1 and bound(tokens=TOKENS, queue=9) == 4
    assert bound(tokens=TOKENS, max_waiting_per_client=2) == 2 and bound(max_waiting_per_client=3) == 3


@pytest.mark.parametrize("value", [-1, 10001, "4", 2.5, True])
def test_a_bad_max_waiting_per_client_names_the_setting(value):
    with pytest.raises(ConfigError) as caught:
        ServeConfig(max_waiting_per_client=value)
    assert "[serve] max_waiting_per_client: must be 0..10000" in caught.value.message


def test_the_setting_in_config_toml_is_located(tmp_path):
    from ragtune.appliance.config import load_settings

    p = tmp_path / "config.toml"
    p.write_text("[serve]\nqueue = 8\nmax_waiting_per_client = -2\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(p)
    assert "config.toml:3: " in caught.value.message and "max_waiting_per_client" in caught.value.message
    p.write_text("[serve]\nmax_waiting_per_client = 3\n")
    assert load_settings(p).serve.max_waiting_per_client == 3


# -- on a real socket: a flood from one client, then one request from another --------------------------------------
def test_a_flooding_client_gets_429s_and_another_client_is_answered_in_its_turn(home, loopback):
    """queue 4, two token names: a share of 2 waiting per client. acme sends 6 at once: 1 answered now, 2 wait, 3 get
    the 429 client_busy with Retry-After; bolt's one request then gets a place and is answered before acme's last."""
    home.ensure()
    gate, order = threading.Event(), []

    def gated(messages, schema):
        gate.wait(30)
        order.append("bolt" if "bolt?" in messages[-1]["content"] else "acme")
        return {"status": "ok", "answer": "Eiffel Tower Paris", "citations": ["S1"]}

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=FakeGenerator([gated]))
                   for _ in range(n)]
        return engines, engines

    from ragtune.serve.server import make_app

    settings = serve_settings(home, tokens=TOKENS, queue=4)
    app = make_app(settings, engine_factory=factory, workers=1)
    pool, running = app.state.serve.pool, []
    port = start_in_thread(app, settings, running)
    acme, bolt = [], []

    def post(token, question, out):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            c.request("POST", "/v1/ask", json.dumps({"question": question}),
                      {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            r = c.getresponse()
            out.append((r.status, json.loads(r.read()), r.getheader("Retry-After")))
        finally:
            c.close()

    threads = []
    try:
        for i in range(6):
            threads.append(threading.Thread(target=post, args=(ACME, f"Where is the Eiffel Tower, acme {i}?", acme)))
            threads[-1].start()
        _wait_for(lambda: pool.admitted == 3 and len(acme) == 3, f"acme: {pool.admitted} admitted, {acme}")
        threads.append(threading.Thread(target=post, args=(BOLT, "Where is the Eiffel Tower, bolt?", bolt)))
        threads[-1].start()
        _wait_for(lambda: pool.admitted == 4, "bolt's request admitted")
        gate.set()
        for t in threads:
            t.join(60)
    finally:
        gate.set()
        for srv, t in running:
            srv.should_exit = True
            t.join(10)
    assert Counter(s for s, _, _ in acme) == {200: 3, 429: 3}, acme
    for status, body, retry in acme:
        if status == 429:
            assert body["error"]["code"] == "client_busy" and body["error"]["type"] == "rate_limit_error"
            assert int(retry) >= 1 and "bolt" not in body["error"]["message"]
    assert [s for s, _, _ in bolt] == [200], bolt
    assert order == ["acme", "acme", "bolt", "acme"], order  # acme's first, acme's next, then bolt's turn
    assert b"ragtune_client_rejected_total 3.0" in app.state.serve.metrics.render()


# -- /metrics: every client's totals, not for a client's token -----------------------------------------------------
@pytest.mark.parametrize("default", ["all", "none"])
def test_metrics_is_refused_to_a_token_scoped_to_documents(home, default):
    home.ensure()
    settings = serve_settings(home, tokens=TOKENS + [f"ops:{OPS}"], token_scopes_default=default,
                              token_scopes={"acme": ["/srv/clients/acme/"], "bolt": ["/srv/clients/bolt/"]})
    from ragtune.serve.server import make_app

    with TestClient(make_app(settings, engine_factory=fake_factory(), workers=1)) as c:
        for secret in (ACME, BOLT):
            r = c.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
            assert r.status_code == 403 and r.json()["error"]["code"] == "metrics_forbidden", r.text
        ok = c.get("/metrics", headers={"Authorization": f"Bearer {OPS}"})  # no token_scopes entry: the operator's
        assert ok.status_code == 200 and b'ragtune_requests_total{code="403",route="/metrics"} 2.0' in ok.content
        assert c.get("/metrics").status_code == 401


# -- the start: scopes that match nothing, and the queue's share ---------------------------------------------------
def test_the_start_warns_of_scopes_that_match_no_document_and_says_the_share(home, monkeypatch, caplog, loopback):
    from ragtune.serve import server, wire
    from tests.serve.test_r50_tenants import _ingest

    home.ensure()
    _ingest(home, ["/srv/clients/acme/p.md"])  # nothing under bolt's folder yet
    monkeypatch.delenv("RAGTUNE_SERVE_TOKENS", raising=False)
    monkeypatch.setattr(server, "uvicorn_config", lambda app, settings, log_level="info", **kw: None)
    monkeypatch.setattr(server, "default_engines", fake_factory())
    monkeypatch.setattr(wire.HangupServer, "__init__", lambda self, config: None)
    monkeypatch.setattr(wire.HangupServer, "run", lambda self, sockets=None: None)
    said_by = logging.getLogger("uvicorn.error")
    monkeypatch.setattr(said_by, "handlers", [caplog.handler])
    monkeypatch.setattr(said_by, "disabled", False)
    settings = serve_settings(home, tokens=TOKENS, token_scopes_default="none",
                              token_scopes={"acme": ["/srv/clients/acme/"], "bolt": ["/srv/clients/bolt/"]})
    with caplog.at_level(logging.INFO, logger="uvicorn.error"):
        server.serve(settings, host="127.0.0.1", port=0)
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "uvicorn.error"]
    assert any(lv == "WARNING" and "1 token(s) match no stored document now: bolt;" in m for lv, m in said), said
    assert ("INFO", "queue: 8 place(s), at most 4 waiting per client; clients are answered in turn") in said, said


def test_a_stream_over_its_clients_share_is_a_429_before_it_starts(home):
    """A chat completion, streamed or not, and /v1/ask: the 429 comes before anything is sent (through the cached-
    answer lookup too, which runs first while every engine is taken); another client's place is untouched."""
    home.ensure()
    from ragtune.serve.server import make_app

    app = make_app(serve_settings(home, tokens=TOKENS, queue=4), engine_factory=fake_factory(), workers=1)
    chat = {"model": "ragtune", "messages": [{"role": "user", "content": "Where is the Eiffel Tower?"}]}
    with TestClient(app) as c:
        pool = app.state.serve.pool
        held = [pool.admit("acme") for _ in range(2)]  # acme: its 2 places (none runs)
        acme = {"Authorization": f"Bearer {ACME}"}
        for path, body in (("/v1/chat/completions", {**chat, "stream": True}), ("/v1/chat/completions", chat),
                           ("/v1/ask", {"question": "Where is the Eiffel Tower?"})):
            r = c.post(path, json=body, headers=acme)
            assert r.status_code == 429 and r.json()["error"]["code"] == "client_busy", (path, r.text)
            assert r.headers["retry-after"] and r.headers["content-type"].startswith("application/json")
        assert pool.admitted == 2 and pool.waiting_of("bolt") == 0
        for s in held:
            s.release()
        assert c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?"}, headers=acme).status_code == 200
