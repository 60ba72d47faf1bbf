"""What `ragtune serve` logs (docs/serve.md, "The server log"): one access line per request with its status, its
error code and what the answer was; a 5xx's reason with its level; an unexpected error's traceback at `--log-level
debug`. Was: uvicorn's access log off and ragtune.serve's lines left to logging's last resort, so no request was ever
logged (a 422, a 408, a client that left: nothing), a 5xx's reason had no level, and `--log-level debug` printed no
traceback although the docs said it did."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import time

import pytest
from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.serve.helpers import asgi_call, fake_factory, serve_settings, spawn_serve

TOKEN = "alice:" + "s3cret-token-0123456789"
AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}
Q = "Where is the Eiffel Tower?"
CHAT = "/v1/chat/completions"


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ragtune.serve.access"]


def test_every_request_has_one_access_line(home, caplog):
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=fake_factory(), workers=1)
    with TestClient(app) as c, caplog.at_level(logging.INFO, "ragtune.serve"):
        assert c.post("/v1/ask", json={"question": Q}, headers=AUTH).status_code == 200
        assert c.post(CHAT, json={"messages": []}, headers=AUTH).status_code == 422
        assert c.post(CHAT, json={"messages": [{"role": "user", "content": Q}]}).status_code == 401
        r = c.post(CHAT, json={"stream": True, "messages": [{"role": "user", "content": "Where is Paris?"}]},
                   headers=AUTH)
        assert r.status_code == 200 and r.text.endswith("data: [DONE]\n\n")
        assert c.get(CHAT, headers=AUTH).status_code == 405
        assert c.get("/v1/models?api_key=hunter2-secret", headers=AUTH).status_code == 200
        assert c.get("/nope%1B[2J", headers=AUTH).status_code == 404
    lines = _lines(caplog)
    assert len(lines) == 7, lines
    ask, bad, noauth, stream, wrong, models, route = lines
    assert '"POST /v1/ask" 200 ' in ask and ask.endswith("ms (answer ok, log_id 1)")
    assert '"POST /v1/chat/completions" 422 invalid_messages ' in bad
    assert '"POST /v1/chat/completions" 401 invalid_api_key ' in noauth
    assert '"POST /v1/chat/completions" 200 ' in stream and stream.endswith("(stream, answer ok, log_id 2)")
    assert '"GET /v1/chat/completions" 405 method_not_allowed' in wrong
    assert '"GET /v1/models" 200' in models and "hunter2" not in models  # no query string: it may hold a secret
    assert '"GET /nope\\x1b[2J" 404 not_found' in route  # escaped: an ESC cannot drive the operator's terminal


def test_clients_that_leave_are_logged(home, caplog):
    factory = fake_factory(delay=0.03)
    app = make_app(serve_settings(home), engine_factory=factory, workers=1)
    pool = app.state.serve.pool
    chat = json.dumps({"stream": True, "messages": [{"role": "user", "content": Q}]}).encode()

    async def scenario() -> None:
        assert (await asgi_call(app, CHAT, chat, leave_after_chunks=3))[0]["status"] == 200  # mid-stream
        assert (await asgi_call(app, "/v1/ask", json.dumps({"question": "Where is Paris?"}).encode(),
                                leave_after_s=0.1))[0]["status"] == 499  # while generating
        for _ in range(200):
            if pool.admitted == 0 and pool.running == 0:
                return
            await asyncio.sleep(0.02)

    with caplog.at_level(logging.INFO, "ragtune.serve"):
        asyncio.run(scenario())
    pool.close()
    mid, gone = _lines(caplog)
    assert '"POST /v1/chat/completions" 200 ' in mid and mid.endswith("(stream, the client left)")
    assert '"POST /v1/ask" 499 ' in gone and gone.endswith("(the client left)")


CHILD = """
import sys
from ragtune.appliance.config import ServeConfig, Settings
from ragtune.appliance.home import Home
import ragtune.serve.server as server
from tests.serve.helpers import fake_factory

def broken(gen):
    raise RuntimeError("the bug's own words")

server.default_engines = fake_factory(answer=broken)
settings = Settings(home=Home(sys.argv[1]).ensure(), serve=ServeConfig(shutdown_timeout_s=1))
server.serve(settings, host="127.0.0.1", port=int(sys.argv[2]), workers=1, log_level=sys.argv[3])
"""


@pytest.mark.parametrize("level", ["info", "debug"])
def test_the_real_server_log(home, tmp_path, loopback, level):
    log, procs = tmp_path / "serve.log", []
    # started once /healthz answers, on another port if the one picked was taken before the child bound it
    proc, port = spawn_serve(CHILD, home.root, level, log, procs)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/v1/ask", json.dumps({"question": Q}), {"Content-Type": "application/json"})
        r = conn.getresponse()
        assert r.status == 500 and json.loads(r.read())["error"]["code"] == "internal_error"
        conn.close()
        deadline = time.monotonic() + 10
        while '"POST /v1/ask" 500' not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for p in procs:
            p.terminate()
            p.wait(30)
    text = log.read_text()
    assert "ERROR:    /v1/ask: 500: unexpected RuntimeError: the bug's own words" in text, text
    assert '- "POST /v1/ask" 500 internal_error ' in text and "INFO:" in text, text
    assert ("Traceback" in text) == (level == "debug"), text  # the docs: a traceback only at --log-level debug


def test_serve_leaves_the_logging_as_it_found_it(home, monkeypatch):
    """serve() routes ragtune.serve through uvicorn's handler while it runs, and puts it back after, even when it
    stops with an error (an in-process caller, or a test, keeps its own logging: caplog saw nothing afterwards)."""
    import socket

    from ragtune.appliance.errors import ModelError
    from ragtune.serve import server as server_mod

    class Broken:
        @property
        def generator(self):
            raise ModelError("/models/x.gguf: llama.cpp cannot load the model")

        def close(self):
            pass

    monkeypatch.setattr(server_mod, "default_engines", lambda settings, n: ([Broken()], []))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))])
    ours = logging.getLogger("ragtune.serve")
    before = (ours.level, list(ours.handlers), ours.propagate)
    with pytest.raises(ModelError):
        server_mod.serve(serve_settings(home), host="127.0.0.1", port=0, log_level="debug")
    assert (ours.level, list(ours.handlers), ours.propagate) == before
