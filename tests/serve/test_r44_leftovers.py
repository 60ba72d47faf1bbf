"""Round 44 leftovers of the browser guard (guard.py, cors.py, auth.py): a CORS preflight with a DNS-rebinding Host
was answered 204 by cors.py before the Host check ran; the two loopback tests (auth.is_loopback, guard's
is_loopback_name) are one."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

import ragtune.serve.server as server
from tests.serve.helpers import fake_factory, serve_settings

PORT = 18460
LISTED = "http://intranet.example"
PREFLIGHT = {"Origin": LISTED, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


def _client(home, **serve):
    app = server.make_app(serve_settings(home, **serve), engine_factory=fake_factory(), workers=1, bind="127.0.0.1")
    return TestClient(app, base_url=f"http://127.0.0.1:{PORT}")


def test_a_preflight_with_a_rebinding_host_is_refused_as_any_request(home):
    """Was 204 with Access-Control-Allow-Origin: cors.py answers a preflight before the guard sees it."""
    with _client(home, cors_origins=[LISTED]) as c:
        evil = {"Host": f"attacker.example:{PORT}"}
        r = c.options("/v1/ask", headers={**PREFLIGHT, **evil})
        assert r.status_code == 403, r.text
        assert "access-control-allow-origin" not in r.headers and "access-control-allow-methods" not in r.headers
        post = c.post("/v1/ask", content=json.dumps({"question": "q"}), headers={"Origin": LISTED, **evil})
        assert post.status_code == 403
        assert r.json() == post.json() and r.json()["error"]["code"] == "host_not_allowed"  # the same body
        # both counted, as requests of their route
        assert 'ragtune_requests_total{code="403",route="/v1/ask"} 2.0' in c.get("/metrics").text
        # a loopback Host, or one [serve] allowed_hosts names, is answered as before
        assert c.options("/v1/ask", headers=PREFLIGHT).status_code == 204
        assert c.options("/v1/ask", headers={**PREFLIGHT, "Host": f"localhost:{PORT}"}).status_code == 204
    with _client(home, cors_origins=[LISTED], allowed_hosts=["rag.example.com"]) as c:
        assert c.options("/v1/ask", headers={**PREFLIGHT, "Host": "rag.example.com"}).status_code == 204
        assert c.options("/v1/ask", headers={**PREFLIGHT, "Host": "attacker.example"}).status_code == 403
    # the origin not listed: still the preflight's own 403, when the Host is answered
    with _client(home, cors_origins=[LISTED]) as c:
        r = c.options("/v1/ask", headers={**PREFLIGHT, "Origin": "https://other.example"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"


def test_without_cors_a_rebinding_preflight_was_and_is_refused(home):
    with _client(home) as c:
        r = c.options("/v1/ask", headers={**PREFLIGHT, "Host": "attacker.example"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "host_not_allowed"


@pytest.mark.parametrize("host, bind, name", [
    ("localhost", True, True), ("LOCALHOST", True, True), ("127.0.0.1", True, True), ("127.8.9.10", True, True),
    ("::1", True, True), ("[::1]", True, True), ("::ffff:127.0.0.1", False, True), ("[::ffff:127.0.0.1]", False, True),
    ("app.localhost", False, True), ("10.0.0.1", False, False), ("0.0.0.0", False, False),
    ("attacker.example", False, False), ("localhost.example", False, False), ("", False, False),
])
def test_one_loopback_test_for_the_bind_address_and_the_host(host, bind, name, monkeypatch):
    """guard.is_loopback_name is auth.is_loopback (with IPv4-mapped addresses) plus `*.localhost`: what each
    answered before, each answers now (a Host reaches it lower-cased by host_and_port)."""
    from ragtune.serve import auth, guard

    assert auth.is_loopback(host) is bind
    assert guard.is_loopback_name(host.lower()) is name
    calls = []
    monkeypatch.setattr(guard, "is_loopback", lambda h, **kw: calls.append((h, kw)) or False)
    guard.is_loopback_name("127.0.0.1")
    assert calls == [("127.0.0.1", {"mapped": True})]  # the one helper
