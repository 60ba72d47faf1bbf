"""Round 45, a shared server under load (a team on one `ragtune serve`): what their clients saw on a real socket.

A client that writes its whole request before reading the answer (Python's http.client, requests, httpx: the
OpenAI SDK) and whose body was answered before it was read (a 413 said from Content-Length, a 401) got
"connection reset by peer" or "broken pipe", never the JSON error: the server closed the connection with the body's
bytes unread, and the kernel answered them with a reset (wire.py, lingering close)."""

from __future__ import annotations

import http.client
import json
import math
import socket
import time

import pytest

from tests.serve.test_wire import SECRET, _read, _request, server  # noqa: F401  (the real-socket server fixture)


def _post_all_then_read(port: int, body: bytes, token: str = SECRET) -> tuple[int, dict, dict]:
    """POST as http.client does: the whole body is written, then the response read."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("POST", "/v1/ask", body=body, headers={"Content-Type": "application/json",
                                                         "Authorization": f"Bearer {token}"})
        r = c.getresponse()
        return r.status, json.loads(r.read()), dict(r.getheaders())
    finally:
        c.close()


@pytest.mark.parametrize("size", [8 << 20, 32 << 20])
def test_a_body_over_the_limit_sent_whole_still_gets_its_413(server, size):  # noqa: F811
    port = server(max_body_bytes=65536)
    status, body, headers = _post_all_then_read(port, b'{"question": "' + b"a" * size + b'"}')
    assert status == 413 and body["error"]["code"] == "body_too_large"
    assert headers.get("connection") == "close"


def test_a_wrong_token_with_a_large_body_gets_its_401(server):  # noqa: F811
    port = server()  # the token is checked before the body is read: a 401 whatever its size
    status, body, headers = _post_all_then_read(port, b'{"question": "' + b"a" * (16 << 20) + b'"}', token="nope" * 5)
    assert status == 401 and body["error"]["code"] == "invalid_api_key"


def test_the_rest_of_the_body_is_dropped_and_the_connection_closed(server, monkeypatch):  # noqa: F811
    """The lingering read drops the body's bytes (never read as a next request) and ends when the client closes
    its side, or after LINGER_S when it keeps sending nothing."""
    from ragtune.serve import wire

    # a close "when the client closes" stands far apart from one after LINGER_S, even on CI's shared cores (was 5 s
    # beside a 2 s bound)
    monkeypatch.setattr(wire, "LINGER_S", 30.0)
    port = server(max_body_bytes=1024)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(_request("POST", "/v1/ask", length=100_000) + b"x" * 5000)
    out, closed = _read(s, wait=3.0)
    assert out.startswith(b"HTTP/1.1 413") and b"body_too_large" in out
    s.sendall(b"y" * 50_000 + _request("GET", "/healthz"))  # read and dropped: no second response
    out2, _ = _read(s, wait=0.5)
    assert out2 == b""
    s.shutdown(socket.SHUT_WR)
    t = time.monotonic()
    _, closed = _read(s, wait=10.0)
    assert closed and time.monotonic() - t < 10.0
    s.close()


def test_a_lingering_connection_that_sends_nothing_is_closed_after_linger_s(server, monkeypatch):  # noqa: F811
    from ragtune.serve import wire

    monkeypatch.setattr(wire, "LINGER_S", 0.5)
    port = server(max_body_bytes=1024)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(_request("POST", "/v1/ask", length=100_000))
    out, closed = _read(s, wait=10.0)  # closed at 0.5 s; the wait covers a loaded machine
    assert out.startswith(b"HTTP/1.1 413") and closed
    s.close()


# -- the queue's Retry-After: when a place is likely to free -------------------------------------------------------
# 40 clients, one engine, ~12 s an answer: Retry-After said 2 s ([serve] retry_after_s) for a wait of ~12 s, and the
# clients that honoured it were refused ~57 times per answer (2812 503s for 49 answers in 150 s).
def test_retry_after_is_the_recent_answers_engine_time_per_place():
    from ragtune.serve.pool import MAX_RETRY_AFTER_S, EnginePool

    pool = EnginePool(["e1", "e2"], queue=0)
    assert pool.retry_after(2) == 2  # nothing answered yet: [serve] retry_after_s
    pool.recent.extend([9.0, 11.0])
    assert pool.retry_after(2) == 5  # two engines: a place frees every 10 / 2 s
    assert pool.retry_after(7) == 7  # never below the configured one
    pool.recent.extend([5000.0] * 20)
    assert pool.retry_after(2) == MAX_RETRY_AFTER_S


def test_a_full_queue_says_retry_after_from_how_long_answers_take(home):
    from starlette.testclient import TestClient

    from ragtune.serve.server import make_app
    from tests.serve.helpers import fake_factory, serve_settings

    # delay: 10 x 0.25 s per (unstreamed) answer
    app = make_app(serve_settings(home, queue=0, retry_after_s=1), engine_factory=fake_factory(delay=0.25), workers=1)
    with TestClient(app) as c:
        pool = app.state.serve.pool
        assert c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?"}).status_code == 200
        assert pool.recent and pool.recent[-1] >= 2.5
        slot = pool.admit()  # the only place taken
        # another question: a cached one is answered before the queue (serve/front.py), never a 503
        r = c.post("/v1/ask", json={"question": "Who built the Eiffel Tower?"})
        s = c.post("/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": "Eiffel?"}]})
        slot.release()
        took = math.ceil(sum(pool.recent) / len(pool.recent))
    for resp in (r, s):
        assert resp.status_code == 503 and resp.json()["error"]["code"] == "busy"
        assert int(resp.headers["retry-after"]) == took >= 3  # the answer's engine time, rounded up; not the 1 set


def test_a_client_gone_before_the_lingering_close_is_simply_closed():
    """The shutdown of the write side fails when the client has reset the connection in the meantime (ENOTCONN, seen
    under load as a traceback in the server log): the connection is closed as before, and nothing is raised."""
    import h11

    from ragtune.serve.wire import _Lingering

    class Transport:
        closed = False

        def is_closing(self):
            return self.closed

        def can_write_eof(self):
            return True

        def write_eof(self):
            raise OSError(107, "Transport endpoint is not connected")

        def close(self):
            self.closed = True

    class Protocol:
        conn = type("Conn", (), {"their_state": h11.SEND_BODY})()
        loop = None  # never used: nothing lingers

    t = Transport()
    lingering = _Lingering(t, Protocol())  # type: ignore[arg-type]
    lingering.close()
    assert t.closed and not lingering.lingering
