"""GET /openapi.json against the server (round 47, an SDK writer's view): every route the app serves is in the
document and every route in it is served; each request below gets a status the document lists for its route, an
error in the one JSON shape with a code the document names for that status, and the headers a client relies on
(Content-Type, Allow on a 405, WWW-Authenticate on a 401, Retry-After on a 503, the client's X-Request-Id back).
Real uvicorn on loopback, raw bytes: the 400 and 431 of a request that is not valid HTTP come from the connection,
not the app."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from ragtune.serve.body import MAX_HEAD_BYTES
from ragtune.serve.openapi import ERRORS, document
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings, start_in_thread

SECRET = "s3cret-token-0123456789"
ASK = json.dumps({"question": "Where is the Eiffel Tower?"}).encode()
CHAT = json.dumps({"model": "ragtune", "messages": [{"role": "user", "content": "Where is the Eiffel Tower?"}]}).encode()


@pytest.fixture
def serve(home, loopback):
    """serve(delay) -> the port of a server with fake engines (one; no queue; each answer takes `delay` * 10 s)."""
    running, factories = [], []

    def start(delay: float = 0.0, **engine_kw) -> int:
        settings = serve_settings(home, tokens=["alice:" + SECRET], allowed_hosts=["rag.example.com"], queue=0,
                                  body_timeout_s=1)
        factories.append(fake_factory(delay=delay, **engine_kw))
        app = make_app(settings, engine_factory=factories[-1], workers=1)
        return start_in_thread(app, settings, running)

    start.factories = factories  # type: ignore[attr-defined]  # per start: its engines (to see one generating)
    yield start
    for srv, t in running:
        srv.should_exit = True
        t.join(10)


@pytest.fixture
def port(serve):
    return serve()


def _head(method: str, path: str, body: bytes = b"", *, auth: bool = True, extra: tuple[str, ...] = (),
          length: bool = True, host: str = "127.0.0.1", ctype: str = "application/json") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Type: {ctype}", *extra]
    if auth:
        lines.append(f"Authorization: Bearer {SECRET}")
    if length and (body or method == "POST"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _call(port: int, raw: bytes, wait: float = 8.0) -> tuple[int, dict[str, str], bytes]:
    """One request's raw bytes -> (status, headers, body) of the response (read to its Content-Length or close)."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        try:
            s.sendall(raw)
        except OSError:  # refused before all was sent: the answer is still there to read
            pass
        s.settimeout(wait)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            try:
                got = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not got:
                break
            data += got
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 1 << 30  # (none: read until the server closes)


def _schema(doc: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def _check(doc: dict, path: str, method: str, status: int, headers: dict[str, str], body: bytes) -> None:
    """The response is one the document says this route gives: its status, its media type, its required keys."""
    op = "get" if method == "HEAD" else method.lower()  # HEAD: the GET's response without its body
    responses = doc["paths"][path][op]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not in the document ({sorted(responses)})"
    media = headers.get("content-type", "").split(";")[0]
    content = responses[str(status)]["content"]
    assert media in content, f"{method} {path} {status}: {media} not documented ({list(content)})"
    if media != "application/json" or method == "HEAD":
        return
    obj = json.loads(body)
    schema = _schema(doc, content[media]["schema"])
    assert set(schema.get("required", ())) <= set(obj), f"{method} {path} {status}: keys missing in {obj}"
    if status >= 400:
        code = obj["error"]["code"]
        assert code in ERRORS[status][1], f"{method} {path} {status}: code {code!r} not documented for it"
        assert set(obj["error"]) == {"message", "type", "param", "code"}


def test_the_document_lists_exactly_the_served_routes(port):
    status, headers, body = _call(port, _head("GET", "/openapi.json"))
    assert status == 200 and headers["content-type"] == "application/json"
    doc = json.loads(body)
    assert doc == json.loads(json.dumps(document()))
    assert doc["openapi"].startswith("3.1")
    # every method on every documented path: a 405 (with the documented methods in Allow) or an answer
    served = set()
    for path in doc["paths"]:
        concrete = path.replace("{model}", "ragtune")
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            s, h, _ = _call(port, _head(method, concrete, b"{}" if method != "GET" else b""))
            if s != 405:
                served.add((path, method.lower()))
            else:
                assert set(h["allow"].replace(" ", "").split(",")) - {"HEAD"} == \
                    {m.upper() for m in doc["paths"][path]}
    assert served == {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert _call(port, _head("GET", "/v2/ask"))[0] == 404


def test_every_route_answers_as_documented(port):
    doc = document()
    big = "X-Big: " + "a" * (MAX_HEAD_BYTES + 10)
    for path, ops in doc["paths"].items():
        concrete = path.replace("{model}", "ragtune")
        for method, op in ops.items():
            m = method.upper()
            body = {"/v1/ask": ASK, "/v1/chat/completions": CHAT}.get(path, b"")
            probes = [_head(m, concrete, body),                      # 200
                      _head(m, concrete, body, host="evil.example"),  # 403 host_not_allowed
                      _head(m, concrete, body, extra=(big,)),         # 431 (whole, in one read: the app's)
                      _head("PUT", concrete, body),                   # 405
                      _head(m, concrete + "/x/y", body)]              # 404
            if op.get("security", doc["security"]):
                probes.append(_head(m, concrete, body, auth=False))  # 401
            if m == "GET":
                probes.append(_head("HEAD", concrete))
            if body:
                probes += [_head(m, concrete, b"{"),  # 400 invalid_json
                           _head(m, concrete, b"[]"),  # 422
                           _head(m, concrete, body, ctype="application/json; charset=latin-1"),  # 415
                           _head(m, concrete, b"x" * 10, length=False, extra=("Content-Length: 9999999",)),  # 413
                           _head(m, concrete, b"", length=False, extra=("Content-Length: 10",))]  # 408 (1 s)
            seen = set()
            for raw in probes:
                status, headers, resp = _call(port, raw)
                if raw.startswith(b"PUT"):  # no route takes PUT: the 405 of the route's own method
                    assert status == 405 and headers["allow"] and json.loads(resp)["error"]["code"] == \
                        "method_not_allowed"
                    raw = b""
                _check(doc, path, "HEAD" if raw.startswith(b"HEAD") else m, status, headers, resp)
                if status == 401:
                    assert headers["www-authenticate"] == "Bearer"
                seen.add(status)
            expected = {200, 403, 431, 405, 404} | ({401} if op.get("security", doc["security"]) else set()) | \
                ({400, 422, 415, 413, 408} if body else set())
            assert expected <= seen, f"{m} {path}: {sorted(expected - seen)} not seen"


def test_errors_of_the_connection_are_json_too(port):
    """A request h11 refuses never reaches the app: it was uvicorn's plain-text 400 for both."""
    doc = document()
    status, headers, body = _call(port, b"GARBAGE\r\n\r\n")
    assert status == 400 and headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "invalid_http"
    # a 1 MB header sent as fast as possible: the head is never whole in one read; the 431 is read, not a reset
    raw = _head("GET", "/healthz", extra=("X-Big: " + "a" * 1_000_000,))
    status, headers, body = _call(port, raw)
    assert status == 431 and headers["connection"] == "close"
    _check(doc, "/healthz", "GET", status, headers, body)
    # under the limit, sent in pieces: answered
    with socket.create_connection(("127.0.0.1", port)) as s:
        raw = _head("GET", "/healthz", extra=("X-Big: " + "a" * (MAX_HEAD_BYTES - 2000),))
        for i in range(0, len(raw), 4096):
            s.sendall(raw[i:i + 4096])
            time.sleep(0.01)
        s.settimeout(5)
        assert s.recv(100).startswith(b"HTTP/1.1 200 ")


def test_busy_is_a_documented_503_with_retry_after(serve):
    release = threading.Event()

    def held(_generator):  # the one engine stays busy until the 503 is seen (was ~1 s, entered after a fixed 0.3 s)
        release.wait(60)
        return None  # then the usual answer

    doc, port = document(), serve(answer=held)
    first = threading.Thread(target=_call, args=(port, _head("POST", "/v1/ask", ASK)))
    first.start()  # holds the one engine, queue = 0
    assert serve.factories[-1].engines[0].generator.active.wait(30)
    other = json.dumps({"question": "How high is Mount Everest?"}).encode()
    try:
        status, headers, body = _call(port, _head("POST", "/v1/ask", other))
    finally:
        release.set()
        first.join(30)
    assert status == 503 and int(headers["retry-after"]) >= 1
    _check(doc, "/v1/ask", "POST", status, headers, body)


def test_a_request_id_comes_back_and_is_logged(port, caplog):
    import logging

    caplog.set_level(logging.INFO, "ragtune.serve.access")
    for raw in (_head("GET", "/healthz", extra=("X-Request-Id: sdk-42",)),
                _head("GET", "/nope", extra=("X-Request-Id: sdk-43",)),
                _head("POST", "/v1/ask", b"{", extra=("X-Request-Id: sdk-44",)),
                _head("GET", "/v1/models", host="evil.example", extra=("X-Request-Id: sdk-45",))):
        status, headers, _ = _call(port, raw)
        assert headers["x-request-id"].startswith("sdk-4"), (status, headers)
    status, headers, _ = _call(port, _head("GET", "/healthz", extra=("X-Request-Id: " + "a" * 200,)))
    assert "x-request-id" not in headers  # not an id the server repeats (too long): ignored
    assert "x-request-id" not in _call(port, _head("GET", "/healthz"))[1]  # the server makes none up
    logged = " ".join(r.getMessage() for r in caplog.records)
    for n in (43, 44, 45):
        assert f"request sdk-{n})" in logged


def test_the_error_hook_is_uvicorns():
    """wire.HeadTimeoutH11.send_400_response replaces uvicorn's plain-text answer to a request h11 refuses: a uvicorn
    that renamed it would silently answer text/plain again."""
    import inspect

    from uvicorn.protocols.http.h11_impl import H11Protocol

    assert callable(getattr(H11Protocol, "send_400_response", None))
    assert "send_400_response" in inspect.getsource(H11Protocol.handle_events)
