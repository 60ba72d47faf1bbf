"""The HTTP API over fake engines (no models): plain HTTP and the official openai client, auth, bad bodies,
streaming, the bounded queue, disconnects, the query log's client id."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
from starlette.testclient import TestClient

from ragtune.appliance.config import ServeConfig
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.store import open_store
from ragtune.serve.auth import check_bearer, check_bind, load_tokens, parse_token
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, register_adapters, serve_settings

TOKEN = "alice:" + "s3cret-token-0123456789"
AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}


@pytest.fixture
def client(home):
    factory = fake_factory()
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=factory, workers=2)
    with TestClient(app) as c:
        c.factory = factory
        yield c


def test_ask_returns_the_ask_json_and_logs_the_client(client, home):
    r = client.post("/v1/ask", json={"question": "Where is the Eiffel Tower?", "user": "bob"}, headers=AUTH)
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["status"] == "ok" and j["answer"] == "Eiffel Tower Paris base" and j["adapter"] == "none"
    assert j["citations"][0]["source"] == "/docs/d0.md" and j["citations"][0]["span"][0] == 0
    assert set(j) >= {"timings", "tokens", "model", "retrieved", "refusal_reason", "arm", "log_id"}
    with open_store(home) as s:
        row = s.one("SELECT client_id, arm FROM query_log WHERE id = ?", (j["log_id"],))
    assert row == ("alice/bob", None)


def test_auth_failures_say_nothing(client):
    for headers in ({}, {"Authorization": "Bearer wrong-token-xxxxxxxxxxxx"}, {"Authorization": "Basic abc"}):
        r = client.post("/v1/ask", json={"question": "q"}, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json() == {"error": {"message": "missing or invalid bearer token", "type": "invalid_request_error",
                                      "param": None, "code": "invalid_api_key"}}
    assert client.get("/v1/models").status_code == 401
    assert client.get("/metrics").status_code == 401
    assert client.get("/healthz").status_code == 200  # liveness needs no token


def test_bad_bodies(client):
    r = client.post("/v1/ask", content=b"{not json", headers=AUTH)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    assert client.post("/v1/ask", json=["a list"], headers=AUTH).status_code == 422
    r = client.post("/v1/ask", json={"question": "", "k": 3}, headers=AUTH)
    assert r.status_code == 422 and "question" in r.json()["error"]["message"]
    assert client.post("/v1/ask", json={"question": "q", "k": 9}, headers=AUTH).status_code == 422
    assert client.post("/v1/ask", json={"question": "q", "nope": 1}, headers=AUTH).status_code == 422
    assert client.post("/v1/ask", json={"question": "q", "mode": "poetry"}, headers=AUTH).status_code == 422
    big = {"question": "x" * 70000}
    r = client.post("/v1/ask", json=big, headers=AUTH)
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    r = client.post("/v1/chat/completions", json={"model": "ragtune", "messages": []}, headers=AUTH)
    assert r.status_code == 422
    r = client.post("/v1/chat/completions", json={"model": "ragtune", "messages": [{"role": "system", "content": "x"}]},
                    headers=AUTH)
    assert r.status_code == 422 and "user message" in r.json()["error"]["message"]
    r = client.post("/v1/chat/completions", json={"model": "gpt-4", "messages": [{"role": "user", "content": "q"}]},
                    headers=AUTH)
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = client.post("/v1/ask", json={"question": "q", "adapter": "no-such-adapter"}, headers=AUTH)
    assert r.status_code == 400 and r.json()["error"]["code"] == "adapter_not_found"
    assert "no adapter 'no-such-adapter'" in r.json()["error"]["message"]
    # sweep: "stream": "false" (a string, truthy) streamed an SSE answer to a client expecting one JSON object
    r = client.post("/v1/chat/completions", json={"model": "ragtune", "stream": "false",
                                                  "messages": [{"role": "user", "content": "q"}]}, headers=AUTH)
    assert r.status_code == 422 and "'stream' must be true or false" in r.json()["error"]["message"]


def test_unanswerable_question_is_a_refusal(client):
    r = client.post("/v1/ask", json={"question": "zzz unknown thing"}, headers=AUTH)
    assert r.status_code == 200
    assert r.json()["status"] == "refused" and r.json()["refusal_reason"] == "no_sources"
    assert r.json()["citations"] == []


def test_openai_client_chat_stream_and_models(client, home):
    openai = pytest.importorskip("openai")
    ids = register_adapters(home)
    oc = openai.OpenAI(base_url="http://testserver/v1", api_key="s3cret-token-0123456789", http_client=client)
    names = [m.id for m in oc.models.list().data]
    assert names[:2] == ["ragtune", "ragtune:base"] and f"ragtune:{ids['alpha']}" in names
    res = oc.chat.completions.create(model="ragtune", messages=[
        {"role": "system", "content": "ignored"}, {"role": "user", "content": "Where is the Eiffel Tower?"}])
    assert res.choices[0].message.content == "Eiffel Tower Paris base"
    extra = res.model_extra
    assert extra["citations"][0]["id"] == "S1" and extra["ragtune"]["status"] == "ok"
    assert res.usage.total_tokens == res.usage.prompt_tokens + res.usage.completion_tokens
    stream = oc.chat.completions.create(model="ragtune:alpha", stream=True,
                                        messages=[{"role": "user", "content": "Where is the Eiffel Tower?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Eiffel Tower Paris base" or text.startswith("Eiffel Tower Paris")
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["ragtune"]["adapter"] == ids["alpha"]
    with pytest.raises(openai.NotFoundError):
        oc.chat.completions.create(model="ragtune:nope", messages=[{"role": "user", "content": "q"}])


def test_stream_withdraws_an_answer_the_check_refuses(home):
    # The model streams an answer its sources do not support: the stream ends with the refusal, flagged.
    bad = {"status": "ok", "answer": "Bananas grow on the moon.", "citations": ["S1"]}
    app = make_app(serve_settings(home), engine_factory=fake_factory(answer=lambda g: bad), workers=1)
    with TestClient(app) as c:
        with c.stream("POST", "/v1/chat/completions", json={"model": "ragtune", "stream": True, "messages": [
                {"role": "user", "content": "Where is the Eiffel Tower?"}]}) as r:
            events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
    content = "".join(e["choices"][0]["delta"].get("content", "") for e in events)
    assert content.startswith("Bananas grow on the moon.\n\n[withdrawn] ")
    assert events[-1]["choices"][0]["finish_reason"] == "content_filter"
    assert events[-1]["ragtune"]["status"] == "refused" and events[-1]["ragtune"]["refusal_reason"] == "unsupported"


def test_queue_bound_gives_503_with_retry_after(home):
    factory = fake_factory(delay=0.05)
    app = make_app(serve_settings(home, queue=1, retry_after_s=7), engine_factory=factory, workers=1)
    results: list[int] = []
    with TestClient(app) as c:
        def one():
            results.append(c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?"}).status_code)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        r503 = [s for s in results if s == 503]
        assert len(r503) >= 3 and results.count(200) >= 2 and set(results) <= {200, 503}
        r = c.get("/metrics")
        assert "ragtune_rejected_total" in r.text
    # a full queue answers at once with Retry-After
    app2 = make_app(serve_settings(home, queue=0, retry_after_s=7), engine_factory=fake_factory(delay=0.05), workers=1)
    with TestClient(app2) as c:
        pool = app2.state.serve.pool
        slot = pool.admit()  # take the only place
        r = c.post("/v1/ask", json={"question": "q"})
        assert r.status_code == 503 and r.headers["retry-after"] == "7"
        slot.release()
        assert c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?"}).status_code == 200


def test_metrics_count_answers_refusals_and_queue(client):
    client.post("/v1/ask", json={"question": "Where is the Eiffel Tower?"}, headers=AUTH)
    client.post("/v1/ask", json={"question": "zzz"}, headers=AUTH)
    text = client.get("/metrics", headers=AUTH).text
    assert 'ragtune_answers_total{adapter="none",arm="-",status="ok"} 1.0' in text
    assert 'ragtune_refusals_total{adapter="none",reason="no_sources"} 1.0' in text
    assert 'ragtune_requests_total{code="200",route="/v1/ask"} 2.0' in text
    assert "ragtune_request_seconds_bucket" in text and "ragtune_queue_depth 0.0" in text
    assert "ragtune_workers 2.0" in text


def test_disconnect_frees_the_slot(home):
    """A client that goes away while its answer is generated stops the generation and frees the engine."""
    from ragtune.serve.pool import Cancelled, EnginePool, cancel_check

    class Eng:
        def __init__(self):
            self.started = threading.Event()
            self.stopped = threading.Event()

        def work(self, cancel):
            self.started.set()
            on_token = cancel_check(cancel)
            try:
                for _ in range(1000):
                    time.sleep(0.01)
                    on_token("x")
            except Cancelled:
                self.stopped.set()
                raise
            return "done"

    async def scenario():
        eng = Eng()
        pool = EnginePool([eng], queue=1)
        slot = pool.admit()
        task = asyncio.ensure_future(slot.run(lambda e, c: e.work(c)))
        await asyncio.get_running_loop().run_in_executor(None, eng.started.wait, 5)
        # a second request waits; cancelling it while queued gives its place back
        slot2 = pool.admit()
        waiting = asyncio.ensure_future(slot2.run(lambda e, c: "second"))
        await asyncio.sleep(0.05)
        assert pool.waiting == 1
        waiting.cancel()
        await asyncio.sleep(0.01)
        assert pool.admitted == 1
        task.cancel()  # what the server does when the client disconnects
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.get_running_loop().run_in_executor(None, eng.stopped.wait, 5)
        for _ in range(100):
            if pool.admitted == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.admitted == 0 and pool.running == 0 and eng.stopped.is_set()
        third = pool.admit()
        assert await third.run(lambda e, c: "third") == "third"
        pool.close()

    asyncio.run(scenario())


def test_tokens_and_bind_rules():
    assert parse_token("s3cret-token-0123456789", "x").name.startswith("token-")
    with pytest.raises(ConfigError, match="16 characters"):
        parse_token("short", "x")
    toks = load_tokens(ServeConfig(tokens=[TOKEN]), {"RAGTUNE_SERVE_TOKENS": "ci:another-token-0123456789,"})
    assert [t.name for t in toks] == ["alice", "ci"]
    assert check_bearer("Bearer another-token-0123456789", toks) == "ci"
    assert check_bearer("bearer s3cret-token-0123456789", toks) == "alice"
    assert check_bearer("Bearer s3cret-token-012345678", toks) is None
    assert check_bearer(None, toks) is None
    check_bind("127.0.0.1", [])
    check_bind("::1", [])
    with pytest.raises(ConfigError, match="without a token"):
        check_bind("0.0.0.0", [])
    check_bind("0.0.0.0", toks)


def test_serve_cli_refuses_public_bind_without_token(home, capsys):
    from ragtune.cli import main

    home.ensure()  # `serve` refuses a home that does not exist (tests/serve/test_serve_home.py)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "without a token" in capsys.readouterr().err


def test_real_socket_with_plain_http(home, loopback):
    """uvicorn on loopback, plain HTTP from httpx: the same API over a real socket."""
    import uvicorn

    from tests.serve.helpers import listening_socket, run_uvicorn

    sock = listening_socket()  # bound from the start: a port picked then bound later may be taken meanwhile
    port = sock.getsockname()[1]
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=fake_factory(), workers=1)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    t = run_uvicorn(server, sock)  # started, or said at once why not (was: 4 s, then requests to a closed port)
    try:
        base = f"http://127.0.0.1:{port}"
        r = httpx.post(base + "/v1/ask", json={"question": "Where is the Eiffel Tower?"}, headers=AUTH)
        assert r.status_code == 200 and r.json()["status"] == "ok"
        assert httpx.get(base + "/healthz").json()["status"] == "ok"
        assert httpx.post(base + "/v1/ask", json={"question": "q"}).status_code == 401
    finally:
        server.should_exit = True
        t.join(10)
