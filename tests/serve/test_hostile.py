"""A hostile client against the HTTP API (fake engines, no models): every bad input is a clear 4xx in the one error
shape, never a traceback in the response or the log, never a held engine, never a bad row in the query log."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.errors import GenerationError, ModelError
from ragtune.appliance.store import open_store
from ragtune.appliance.text import CONTROLS
from ragtune.serve import body as body_mod
from ragtune.serve.server import make_app
from tests.serve.helpers import asgi_call as _call, fake_factory, register_adapters, serve_settings

TOKEN = "alice:" + "s3cret-token-0123456789"
AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}
Q = "Where is the Eiffel Tower?"
ASK, CHAT = "/v1/ask", "/v1/chat/completions"


@pytest.fixture
def client(home):
    factory = fake_factory()
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=factory, workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.factory = factory
        c.app_ = app
        yield c


def _error(r, status: int, code: str | None = None, says: str = "") -> dict:
    """The response is the API's error shape with this status (and code, and text in the message)."""
    assert r.status_code == status, (r.status_code, r.text)
    j = r.json()
    assert set(j) == {"error"} and set(j["error"]) == {"message", "type", "param", "code"}, j
    assert code is None or j["error"]["code"] == code, j
    assert says in j["error"]["message"], j
    assert "Traceback" not in r.text
    return j["error"]


def _no_tracebacks(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()], caplog.text


BAD_BODIES = [  # (what, raw body, status, code, message fragment)
    ("empty body", b"", 400, "invalid_json", "the body is empty"),
    ("not JSON", b"{not json", 400, "invalid_json", "line 1, column 2"),
    # 30,000 levels: past every Python's json (3.13 reads 3,000), within max_body_bytes (test_body_fuzz.py)
    ("deeply nested", b'{"question": "q", "user": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", 400, "invalid_json",
     "nested too deeply"),
    ("NaN", b'{"question": "q", "k": NaN}', 400, "invalid_json", "NaN is not a JSON value"),
    ("a huge integer", b'{"question": "q", "k": ' + b"9" * 5000 + b"}", 400, "invalid_json", "too many digits"),
    ("not UTF-8", b'{"question": "\xff"}', 400, "invalid_json", "not UTF-8 (byte 0xff at offset 14)"),
    ("a lone surrogate", b'{"question": "Where \\ud800 is it?"}', 400, "invalid_json", "unpaired UTF-16 surrogate"),
    ("a lone surrogate in user", b'{"question": "q", "user": "\\udfff"}', 400, "invalid_json", "(\\udfff)"),
    ("an array", b"[1]", 422, None, "must be a JSON object, not an array"),
    ("null", b"null", 422, None, "not null"),
]


@pytest.mark.parametrize("what,body,status,code,says", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bodies_that_are_not_a_json_object(client, caplog, what, body, status, code, says):
    # before the sweep: deep nesting and a lone surrogate in `user` were 500s (the latter leaking the query log's
    # write error); a huge integer's message told the client to call sys.set_int_max_str_digits()
    _error(client.post(ASK, content=body, headers=AUTH), status, code, says)
    _no_tracebacks(caplog)


BAD_FIELDS = [  # /v1/ask fields of the wrong type or value -> 422 (400 for an adapter the server does not have)
    ({"question": 1}, "'question' must be a non-empty string, not a number"),
    ({"question": [Q]}, "not an array"),
    ({"question": None}, "not null"),
    ({"question": " \t\n"}, "empty question ('question'): ask a question with some words in it"),
    ({"question": "\u200b\u0000"}, "empty question ('question'): ask a"),  # was a 400 from the engine
    # no word to search for: was a 400 "empty query" from retrieval, once the request had waited in the queue
    ({"question": "?!"}, "empty question ('question'): the question has no words to search for"),
    ({"question": "\U0001f642\U0001f389"}, "empty question ('question'): the question has no words to search for"),
    ({"question": Q, "k": "3"}, "'k' must be an integer 1..6"),
    ({"question": Q, "k": 2.5}, "'k' must be an integer 1..6"),
    ({"question": Q, "k": True}, "'k' must be an integer 1..6"),
    ({"question": Q, "k": 0}, "'k' must be an integer 1..6"),
    ({"question": Q, "k": 7}, "'k' must be an integer 1..6"),
    ({"question": Q, "k": -1}, "'k' must be an integer 1..6"),
    ({"question": Q, "mode": "poetry"}, "'mode' must be one of"),
    ({"question": Q, "adapter": 5}, "'adapter' must be"),
    ({"question": Q, "adapter": "x" * 10000}, "longer than 256 characters"),  # was a 500 (ENAMETOOLONG)
    ({"question": Q, "user": {"a": 1}}, "'user' must be a string, not an object"),  # was silently ignored
    ({"question": Q, "user": 5}, "'user' must be a string, not a number"),
    ({"question": Q, "extra": 1}, "unknown field(s): extra"),
]


@pytest.mark.parametrize("body,says", BAD_FIELDS, ids=[json.dumps(b)[:40] for b, _ in BAD_FIELDS])
def test_ask_fields_of_the_wrong_type(client, caplog, body, says):
    _error(client.post(ASK, json=body, headers=AUTH), 422, None, says)
    _no_tracebacks(caplog)


def test_a_path_is_never_an_adapter(client, home, tmp_path):
    """`adapter` names a registered adapter, never a file: a path (the engine would hash it and hand it to
    llama.cpp as a LoRA) is an unknown adapter, and nothing is loaded."""
    from tests.gguf_helpers import write_gguf

    ids = register_adapters(home, names=("alpha",))
    loose = write_gguf(tmp_path / "loose.gguf", tag="loose")  # a real GGUF LoRA, just not registered
    for ref in (str(loose), "/etc/passwd", "../../etc/passwd", "~/.bashrc", "nope"):
        e = _error(client.post(ASK, json={"question": Q, "adapter": ref}, headers=AUTH), 400, "adapter_not_found")
        assert "registry" not in e["message"] and str(home.root) not in e["message"]  # no server path either
    gens = [e.generator for e in client.factory.engines]
    assert all(call[0] is None or "loose" not in str(call[0]) for g in gens for call in g.adapter_calls)
    r = client.post(ASK, json={"question": Q, "adapter": "alpha"}, headers=AUTH)  # by name: still works
    assert r.status_code == 200 and r.json()["adapter"] == ids["alpha"]
    r = client.post(ASK, json={"question": Q, "adapter": ids["alpha"][:12]}, headers=AUTH)  # id prefix
    assert r.status_code == 200 and r.json()["adapter"] == ids["alpha"]
    assert client.post(ASK, json={"question": Q, "adapter": "NONE"}, headers=AUTH).json()["adapter"] == "none"


def _chat(client, messages, **extra):
    return client.post(CHAT, json={"model": "ragtune", "messages": messages, **extra}, headers=AUTH)


def test_chat_message_shapes(client, caplog):
    text_parts = [{"type": "text", "text": "Where is the"}, {"type": "text", "text": "Eiffel Tower?"}]
    r = _chat(client, [{"role": "user", "content": text_parts}])
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "Eiffel Tower Paris base"
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    # an image with text was answered as if the image were not there; alone it was "the last user message has no text"
    for content in ([image], text_parts + [image]):
        _error(_chat(client, [{"role": "user", "content": content}]), 422, "unsupported_content",
               "'image_url' parts are not supported")
    _error(_chat(client, [{"role": "user", "content": [{"type": "text", "text": 5}]}]), 422, None,
           'messages[0].content[0] must be {"type": "text"')  # was a 500 (TypeError in the join)
    _error(_chat(client, [{"role": "user", "content": ["bare string"]}]), 422, None, "messages[0].content[0]")
    _error(_chat(client, [{"role": "user", "content": None}]), 422, None, "not null")
    _error(_chat(client, [{"role": "user", "content": Q}, {"role": "wizard", "content": "x"}]), 422, None,
           "messages[1]: unknown role 'wizard'")  # was answered
    _error(_chat(client, [{"role": "assistant", "content": Q}]), 422, None, "no user message")
    _error(_chat(client, [{"role": "user", "content": Q}], n=2), 422, None, "'n' must be 1")  # gave 1 choice
    _error(_chat(client, [{"role": "user", "content": Q}], n=0), 422, None, "'n' must be 1")
    assert _chat(client, [{"role": "user", "content": Q}], n=1).status_code == 200
    _error(_chat(client, [{"role": "user", "content": Q}], user={"id": 1}), 422, None, "'user' must be a string")
    for stream in ("yes", 1, [], {}):
        _error(_chat(client, [{"role": "user", "content": Q}], stream=stream), 422, None, "'stream' must be")
    r = client.post(CHAT, json={"model": "ragtune:" + "x" * 300, "messages": [{"role": "user", "content": Q}]},
                    headers=AUTH)
    _error(r, 422, None, "'model' is longer than 256 characters")
    r = client.post(CHAT, json={"model": "ragtune:../../etc/passwd", "messages": [{"role": "user", "content": Q}]},
                    headers=AUTH)
    _error(r, 404, "model_not_found")
    _no_tracebacks(caplog)


def test_unknown_routes_and_methods_use_the_error_shape(client):
    # were Starlette's plain-text "Not Found" / "Method Not Allowed"
    e = _error(client.get(ASK, headers=AUTH), 405, "method_not_allowed", "GET is not allowed on /v1/ask; use POST")
    assert e["type"] == "invalid_request_error"
    assert client.get(ASK).headers["allow"] == "POST"
    _error(client.post("/healthz"), 405, "method_not_allowed")
    _error(client.get("/v1/nope", headers=AUTH), 404, "not_found", "no such route: /v1/nope")
    _error(client.post("/v1/completions", json={}, headers=AUTH), 404, "not_found")
    text = client.get("/metrics", headers=AUTH).text
    assert 'ragtune_requests_total{code="405",route="/v1/ask"} 2.0' in text
    assert 'ragtune_requests_total{code="404",route="-"} 2.0' in text


def test_a_trailing_slash_is_the_same_route_never_a_redirect(client):
    """Starlette answered POST /v1/ask/ with a 307 whose Location it built from the Host header: a client that
    follows no redirect (httpx's default, curl without -L) failed, and the Host header chose where it was sent."""
    evil = {**AUTH, "Host": "attacker.example"}
    r = client.post(ASK + "/", json={"question": Q}, headers=evil, follow_redirects=False)
    assert r.status_code == 200 and "location" not in r.headers and r.json()["answer"] == "Eiffel Tower Paris base"
    r = client.post(CHAT + "/", json={"messages": [{"role": "user", "content": Q}]}, headers=evil,
                    follow_redirects=False)
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "Eiffel Tower Paris base"
    for path in ("/v1/models/", "/healthz/", "/metrics/"):
        assert client.get(path, headers=evil, follow_redirects=False).status_code == 200, path
    e = _error(client.get(ASK + "/", headers=evil, follow_redirects=False), 405, "method_not_allowed", "use POST")
    for path in (ASK + "//", "/v1/models//", "/v1//ask"):  # one slash, not any number of them: no redirect either
        r = client.post(path, json={"question": Q}, headers=evil, follow_redirects=False)
        _error(r, 404, "not_found")
        assert "location" not in r.headers
    text = client.get("/metrics", headers=AUTH).text  # counted under the route's one name
    assert 'ragtune_requests_total{code="200",route="/v1/ask"} 1.0' in text
    assert 'ragtune_requests_total{code="405",route="/v1/ask"} 1.0' in text
    assert 'route="/v1/ask/"' not in text


def test_content_types_and_charsets(client):
    body = json.dumps({"question": Q}).encode()
    for ctype in (None, "text/plain", "application/json; charset=UTF-8", "application/vnd.api+json"):
        headers = AUTH if ctype is None else {**AUTH, "Content-Type": ctype}
        assert client.post(ASK, content=body, headers=headers).status_code == 200, ctype
    for charset in ("latin-1", "utf-16", '"iso-8859-1"'):
        _error(client.post(ASK, content=body, headers={**AUTH, "Content-Type": f"application/json; charset={charset}"}),
               415, "unsupported_media_type", "the body must be UTF-8 JSON")
    e = _error(client.post(ASK, content=b"question=hi", headers={**AUTH, "Content-Type":
                                                                  "application/x-www-form-urlencoded"}),
               400, "invalid_json")
    assert "Content-Type: application/json" in e["message"]
    assert client.post(ASK, content=b"\xef\xbb\xbf" + body, headers=AUTH).status_code == 200  # a BOM is ignored
    chunked = iter([b'{"question": ', json.dumps(Q).encode(), b"}"])  # no Content-Length
    assert client.post(ASK, content=chunked, headers=AUTH).status_code == 200
    big = iter([b'{"question": "'] + [b"x" * 65536] * 3 + [b'"}'])
    _error(client.post(ASK, content=big, headers=AUTH), 413, "body_too_large", "[serve] max_body_bytes")
    _error(client.post(ASK, content=b'{"question": "' + b"x" * 10_000_000 + b'"}', headers=AUTH), 413,
           "body_too_large")


def test_authorization_header_forms(client):
    secret = "s3cret-token-0123456789"
    for value in (None, "Bearer", "Bearer ", f"Basic {secret}", f"Token {secret}", secret, f"Bearer\t{secret}",
                  f"Bearer {secret[:8]} {secret[8:]}", f"Bearer {secret}, Bearer x", f"Bearer {'x' * 60000}",
                  f"Bearer {secret}\xe9".encode("latin-1")):
        headers = {} if value is None else {"Authorization": value}
        e = _error(client.post(ASK, json={"question": Q}, headers=headers), 401, "invalid_api_key")
        assert e["message"] == "missing or invalid bearer token"
    for value in (f"bearer {secret}", f"BEARER {secret}", f"Bearer  {secret}  "):
        assert client.post(ASK, json={"question": Q}, headers={"Authorization": value}).status_code == 200


def test_the_query_log_gets_no_control_characters(client, home):
    r = client.post(ASK, json={"question": Q, "user": "bo\u0000b\n"}, headers=AUTH)
    assert r.status_code == 200
    r2 = client.post(ASK, json={"question": Q}, headers={**AUTH, "X-Ragtune-Client": "café".encode("utf-8")})
    assert r2.status_code == 200
    with open_store(home) as s:
        rows = [s.one("SELECT client_id FROM query_log WHERE id = ?", (j["log_id"],))[0] for j in (r.json(), r2.json())]
    assert rows == ["alice/bob", "alice/café"]  # no NUL, no newline; the header read as UTF-8, not latin-1


def test_an_error_message_with_a_lone_surrogate_still_renders():
    # a lone surrogate in an error (a model name quoted back) made JSONResponse fail: a plain-text 500 + traceback
    r = body_mod.HTTPError(404, "the model '\udfff' does not exist").response()
    assert r.status_code == 404 and json.loads(r.body)["error"]["message"] == "the model '\udfff' does not exist"


def test_server_faults_are_500s_without_details_and_one_log_line(home, caplog):
    def broken(gen):
        raise ModelError(f"{home.root}/models/x.gguf: file of artifact abc is missing", hint="restore it")

    app = make_app(serve_settings(home), engine_factory=fake_factory(answer=broken), workers=1)
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.INFO, "ragtune.serve"):
        e = _error(c.post(ASK, json={"question": Q}), 500, "model_error")  # was a 400 quoting the server's path
        assert str(home.root) not in e["message"] and e["type"] == "server_error"
        r = c.post(CHAT, json={"stream": True, "messages": [{"role": "user", "content": Q}]})
        assert _error(r, 500, "model_error") == e  # before the first token: its own status, not a 200 stream
    lines = [r for r in caplog.records if r.name == "ragtune.serve"]
    assert len(lines) == 2 and all("file of artifact abc is missing" in r.getMessage() for r in lines)
    _no_tracebacks(caplog)


def test_a_failing_generation_server_is_a_fixed_502_and_its_text_goes_to_the_log_only(home, caplog):
    # was: a 502 whose message was the backend's own text (its address, its reply body: anything, any size)
    backend = ("the generation server at http://10.0.0.7:8080/v1 answered 500 on /completions: \x1b]0;owned\x07"
               "oops\nERROR forged log line \ud800" + "x" * 5000)

    def failing(gen):
        raise GenerationError(backend)

    app = make_app(serve_settings(home), engine_factory=fake_factory(answer=failing), workers=1)
    want = {"message": "the generation server failed; see the server log", "type": "server_error",
            "param": None, "code": "generation_backend_failed"}
    msgs = [{"role": "user", "content": Q}]
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.INFO, "ragtune.serve"):
        assert _error(c.post(ASK, json={"question": Q}), 502) == want
        assert _error(c.post(CHAT, json={"messages": msgs}), 502) == want
        r = c.post(CHAT, json={"stream": True, "messages": msgs})
        assert _error(r, 502) == want and "10.0.0.7" not in r.text  # before the first token: the same JSON error
    lines = [r.getMessage() for r in caplog.records if r.name == "ragtune.serve"]
    assert len(lines) == 3
    for line in lines:  # the backend's text, each control character as its escape, bounded
        assert "http://10.0.0.7:8080/v1 answered 500 on /completions: \\x1b]0;owned\\x07oops\\nERROR forged" in line
        assert "\\ud800" in line and not CONTROLS.search(line) and "\n" not in line
        assert len(line) < 1100 and line.endswith("more characters)")
    _no_tracebacks(caplog)


def _stream_events(text: str) -> list[dict]:
    """The events of a server-sent-events body, which must end with [DONE]."""
    lines = [line for line in text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]", text
    return [json.loads(line[6:]) for line in lines[:-1]]


def test_a_stream_error_before_the_first_token_has_its_status(home):
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=fake_factory(n_ctx=600), workers=1)
    with TestClient(app, raise_server_exceptions=False) as client:
        _a_stream_error_before_the_first_token_has_its_status(client)


def _a_stream_error_before_the_first_token_has_its_status(client):
    long_q = " ".join(f"w{i}" for i in range(300))  # distinct words (repeats are cut as disfluencies)
    plain = _error(client.post(CHAT, json={"messages": [{"role": "user", "content": long_q}]}, headers=AUTH), 400,
                   "invalid_question", "too long for the model's context window")
    r = client.post(CHAT, json={"stream": True, "messages": [{"role": "user", "content": long_q}]}, headers=AUTH)
    assert _error(r, 400) == plain and r.headers["content-type"] == "application/json"  # not a 200 carrying it
    with client.stream("POST", CHAT, headers=AUTH, json={"stream": True, "messages": [
            {"role": "user", "content": Q}]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = _stream_events(r.read().decode())
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events) == "Eiffel Tower Paris base"
    assert events[-1]["choices"][0]["finish_reason"] == "stop"


def test_an_error_after_the_stream_started_is_in_band_and_counted_as_that_error(home, caplog):
    """The status line said 200, but /metrics counts the stream as the error it ended with (was: a 200)."""
    from ragtune.appliance.answer import AnswerEngine
    from tests.serve.helpers import FakeRetriever, TaggingGenerator

    class MidStreamFailure(TaggingGenerator):
        def generate(self, messages, *, schema, on_token=None, **kw):
            if on_token is not None:
                on_token('{"status": "ok", "answer": "Eiffel')
            raise GenerationError("the generation server at http://10.0.0.7 dropped the connection")

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=MidStreamFailure({}))
                   for _ in range(n)]
        return engines, engines

    app = make_app(serve_settings(home), engine_factory=factory, workers=1)
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.INFO, "ragtune.serve"):
        with c.stream("POST", CHAT, json={"stream": True, "messages": [{"role": "user", "content": Q}]}) as r:
            assert r.status_code == 200
            events = _stream_events(r.read().decode())
        text = c.get("/metrics").text
    assert events[-1] == {"error": {"message": "the generation server failed; see the server log",
                                    "type": "server_error", "param": None, "code": "generation_backend_failed"}}
    assert 'ragtune_requests_total{code="502",route="/v1/chat/completions"} 1.0' in text
    assert 'code="200",route="/v1/chat/completions"' not in text
    _no_tracebacks(caplog)


def test_with_answer_candidates_the_stream_starts_at_the_first_token_and_a_client_that_leaves_stops_them(home):
    """With several answer candidates no answer text streams before the chosen one. The stream still starts with
    the first decoded token (it waited for the chosen answer: seconds of a slow model, and the candidates were not
    stopped when the client left), then the answer comes whole."""
    settings = serve_settings(home)
    settings.generate.answer_mode, settings.generate.answer_candidates = "extractive", 3
    factory = fake_factory(delay=0.05, answer_min_logprob=-0.1,
                           answer=lambda gen: {"status": "ok", "answer": "Paris", "citations": ["S1"]})
    app = make_app(settings, engine_factory=factory, workers=1)
    gen = factory.engines[0].generator
    body = json.dumps({"stream": True, "messages": [{"role": "user", "content": Q}]}).encode()
    first: list[tuple[bytes, int, bool]] = []  # (first body chunk, decodes begun, the first one still going)

    def on_send(msg: dict) -> None:
        if msg["type"] == "http.response.body" and not first:
            first.append((msg["body"], len(gen.calls), gen.active.is_set()))

    sent = asyncio.run(_call(app, CHAT, body, on_send=on_send))
    assert sent[0]["status"] == 200
    chunk, decodes, going = first[0]
    assert json.loads(chunk.decode()[6:])["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert decodes == 1 and going  # sent while the first candidate was being decoded
    assert len(gen.calls) >= 2 and all(gen.streamed)  # every candidate decode reports its tokens ("")
    events = _stream_events(b"".join(m.get("body", b"") for m in sent[1:]).decode())
    assert [e["choices"][0]["delta"].get("content") for e in events] == ["", "Paris", None]
    assert events[-1]["choices"][0]["finish_reason"] == "stop" and events[-1]["ragtune"]["status"] == "ok"
    # a client that leaves during the candidates stops them at their next token
    n_calls = len(gen.calls)
    body = json.dumps({"stream": True, "messages": [{"role": "user", "content": "Where is it?"}]}).encode()
    pool = app.state.serve.pool

    async def leave() -> list[dict]:
        sent = await _call(app, CHAT, body, leave_after_chunks=1)  # another question: no cached answer
        await _settle(pool)  # on the loop the request ran on (the engine's end is posted to it)
        return sent

    sent = asyncio.run(leave())
    assert sent[0]["status"] == 200 and pool.cancelled == 1 and len(gen.calls) == n_calls + 1
    pool.close()


# -- the ASGI level: a client that goes away ---------------------------------------------------------------
async def _settle(pool) -> None:
    for _ in range(200):
        if pool.admitted == 0 and pool.running == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the pool did not settle: admitted {pool.admitted}, running {pool.running}")


def _metrics_text(app) -> str:
    return app.state.serve.metrics.render().decode()


def _count(app, name: str) -> float:
    for line in app.state.serve.metrics.render().decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(name)


def test_clients_that_leave_free_the_engine_and_are_counted(home, caplog):
    factory = fake_factory(delay=0.03)
    app = make_app(serve_settings(home), engine_factory=factory, workers=1)
    pool = app.state.serve.pool
    chat = json.dumps({"stream": True, "messages": [{"role": "user", "content": Q}]}).encode()

    async def scenario() -> None:
        # mid-stream: the stream had started (200); was freed and counted in ragtune_cancelled_total, and as
        # the 200 it was sent in ragtune_requests_total (a client leaving is no error of the server's)
        sent = await _call(app, CHAT, chat, leave_after_chunks=3)
        assert sent[0]["status"] == 200
        await _settle(pool)
        assert _count(app, "ragtune_cancelled_total") == 1 and pool.cancelled == 1
        assert 'ragtune_requests_total{code="200",route="/v1/chat/completions"} 1.0' in _metrics_text(app)
        # before the first token, and a plain /v1/ask while generating (was a 500, InvalidStateError): each
        # counted as a cancel
        for path, body in ((CHAT, chat), (ASK, json.dumps({"question": Q}).encode())):
            sent = await _call(app, path, body, leave_after_s=0.1)
            assert sent[0]["status"] == 499
            await _settle(pool)
        assert _count(app, "ragtune_cancelled_total") == 3
        # a stream still waiting for the engine (another answer holds it): nothing was sent, so a 499
        busy = asyncio.ensure_future(_call(app, ASK, json.dumps({"question": Q}).encode(), leave_after_s=30))
        while pool.running == 0:
            await asyncio.sleep(0.01)
        sent = await _call(app, CHAT, chat, leave_after_s=0.1)
        assert sent[0]["status"] == 499 and pool.running == 1
        assert (await busy)[0]["status"] == 200
        await _settle(pool)
        assert _count(app, "ragtune_cancelled_total") == 4
        # a client gone at once, before its stream could start
        sent = await _call(app, CHAT, chat, leave_after_s=0)
        await _settle(pool)
        # the engine is free: the next request is answered
        sent = await _call(app, ASK, json.dumps({"question": Q}).encode(), leave_after_s=30)
        assert sent[0]["status"] == 200 and json.loads(sent[1]["body"])["answer"] == "Eiffel Tower Paris base"
        # every stopped generation stopped early, with its adapter unchanged
        assert all(a == b for a, b in factory.engines[0].generator.log)

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
        pool.close()
    # was: "Future exception was never retrieved ... Traceback ... Cancelled" per disconnect (asyncio's logger)
    _no_tracebacks(caplog)
    assert "never retrieved" not in caplog.text and "destroyed but it is pending" not in caplog.text


def test_a_body_that_stops_arriving_is_a_408_and_a_body_cut_off_is_a_cancel(home):
    app = make_app(serve_settings(home, body_timeout_s=0.2), engine_factory=fake_factory(), workers=1)

    async def scenario() -> None:
        t0 = time.perf_counter()
        sent = await _call(app, ASK, [b'{"question": '], partial=True)  # was: waits as long as the client likes
        assert sent[0]["status"] == 408 and time.perf_counter() - t0 < 5  # [serve] body_timeout_s, not 30 s
        assert json.loads(sent[1]["body"])["error"] == {
            "message": "the request body did not arrive within 0.2 s", "type": "invalid_request_error",
            "param": None, "code": "body_timeout"}
        sent = await _call(app, ASK, [b'{"question": '], partial=True, leave_after_s=0)  # gone mid-body: was a 500
        assert sent[0]["status"] == 499
        assert _count(app, "ragtune_cancelled_total") == 1

    asyncio.run(scenario())
    app.state.serve.pool.close()


def test_healthz_and_metrics_answer_while_every_engine_is_busy(home):
    """All engines busy, the queue full, and a slow rollout check: /healthz still answers at once, /metrics shows
    the load, and a request beyond the queue is a 503 with Retry-After (a stream too, before it starts)."""
    release = threading.Event()

    def held(_generator):  # an answer lasts until the checks below are done (was ~1 s: a loaded machine outran it)
        release.wait(60)
        return None  # then the usual answer

    app = make_app(serve_settings(home, queue=1, retry_after_s=3), engine_factory=fake_factory(answer=held), workers=1)
    state = app.state.serve

    def slow_monitor() -> list[str]:  # was run on the event loop: a slow check stalled every request
        release.wait(60)
        return []

    with TestClient(app) as c:
        state.monitor = slow_monitor
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(c.post(ASK, json={"question": Q}).status_code))
                   for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while state.pool.admitted != 2:  # one running, one waiting (a loaded machine may take seconds to get here)
            assert time.monotonic() < deadline, f"admitted {state.pool.admitted}, not 2"
            time.sleep(0.01)
        m = threading.Thread(target=lambda: results.append(c.get("/metrics").status_code))
        m.start()
        t0 = time.perf_counter()
        h = c.get("/healthz")
        assert time.perf_counter() - t0 < 10  # a stalled loop would wait for the monitor: until `release`, 60 s
        assert h.json() == {"status": "ok", "workers": 1, "waiting": 1, "running": 1}
        e = _error(c.post(ASK, json={"question": Q}), 503, "busy")
        assert e["type"] == "server_error"
        r = c.post(CHAT, json={"stream": True, "messages": [{"role": "user", "content": Q}]})
        assert r.status_code == 503 and r.headers["retry-after"] == "3"
        release.set()
        for t in threads + [m]:
            t.join(10)
        assert sorted(results) == [200, 200, 200]
        text = c.get("/metrics").text
        assert "ragtune_rejected_total 2.0" in text and "ragtune_inflight 0.0" in text


def test_a_server_with_no_documents_says_so_with_a_503(home):
    from ragtune.appliance.answer import AnswerEngine
    from tests.serve.helpers import FakeRetriever, TaggingGenerator

    def factory(settings, n):  # nothing ingested: retrieval finds nothing and the store counts 0 chunks
        engines = [AnswerEngine(settings, retriever=FakeRetriever(texts=[]), generator=TaggingGenerator({}))
                   for _ in range(n)]
        return engines, engines

    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=factory, workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        _error(c.post(ASK, json={"question": Q}, headers=AUTH), 503, "no_documents", "no documents yet")
        _error(c.post(CHAT, json={"model": "ragtune", "messages": [{"role": "user", "content": Q}]}, headers=AUTH),
               503, "no_documents")
