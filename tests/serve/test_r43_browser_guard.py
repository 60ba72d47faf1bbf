"""Round 43: a web page the user opens could drive a loopback server without tokens. (a) Cross-site requests: a
`text/plain` POST is a "simple" request (no preflight) and the server reads its body as JSON, so any page got
answers and filled the query log; the browser says whose page asks in `Origin`. (b) DNS rebinding: a page of
attacker.example re-pointed at 127.0.0.1 is same-origin and reads the answers; its requests say `Host:
attacker.example:PORT`. The Host and Origin checks (guard.py) refuse both; clients without `Origin` are unaffected."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from starlette.testclient import TestClient

import ragtune.serve.server as server
from ragtune.appliance.config import ServeConfig, load_settings
from ragtune.appliance.errors import ConfigError
from ragtune.serve.guard import own_names
from tests.serve.helpers import fake_factory, listening_socket, run_uvicorn, serve_settings

PORT = 18440
Q = "Where is the Eiffel Tower?"
ASK = json.dumps({"question": Q})
SECRET = "s3cret-token-0123456789"
AUTH = {"Authorization": f"Bearer {SECRET}"}
EVIL = "https://attacker.example"
SIMPLE = {"Content-Type": "text/plain;charset=UTF-8"}  # what a page's fetch(url, {method: "POST", body}) sends


def _client(home, *, bind: str | None = "127.0.0.1", base: str = f"http://127.0.0.1:{PORT}", factory=None, **serve):
    app = server.make_app(serve_settings(home, **serve), engine_factory=factory or fake_factory(), workers=1,
                          bind=bind)
    return TestClient(app, base_url=base)


def _asks(factory) -> int:
    return sum(len(e.generator.log) for e in factory.engines)


def _error(r) -> dict:
    assert set(r.json()) == {"error"} and set(r.json()["error"]) == {"message", "type", "param", "code"}, r.text
    return r.json()["error"]


# -- the Origin check (no tokens) -----------------------------------------------------------------------------
def test_a_cross_site_text_plain_post_is_refused_before_anything_is_asked(home):
    factory = fake_factory()
    with _client(home, factory=factory) as c:
        for origin in (EVIL, f"http://127.0.0.1:{PORT + 1}", f"http://localhost:{PORT}", "null", "garbage"):
            r = c.post("/v1/ask", content=ASK, headers={**SIMPLE, "Origin": origin})
            err = _error(r)
            assert r.status_code == 403 and err["code"] == "origin_not_allowed", origin
            assert "[serve] cors_origins" in err["message"] and "access-control-allow-origin" not in r.headers
        r = c.post("/v1/chat/completions", content=json.dumps({"messages": [{"role": "user", "content": Q}]}),
                   headers={**SIMPLE, "Origin": EVIL})
        assert r.status_code == 403 and _error(r)["code"] == "origin_not_allowed"
        assert c.get("/v1/models", headers={"Origin": EVIL}).status_code == 403  # any method, any route
    assert _asks(factory) == 0  # nothing answered, nothing written to the query log


def test_the_servers_own_origin_and_clients_without_origin_are_answered(home):
    factory = fake_factory()
    with _client(home, factory=factory) as c:
        r = c.post("/v1/ask", content=ASK, headers={**SIMPLE, "Origin": f"http://127.0.0.1:{PORT}"})
        assert r.status_code == 200 and r.json()["status"] == "ok", r.text
        assert "access-control-allow-origin" not in r.headers  # same-origin needs no CORS header
        assert c.post("/v1/ask", content=ASK, headers=SIMPLE).status_code == 200  # curl, an SDK: no Origin
    with _client(home, base=f"http://localhost:{PORT}") as c:
        assert c.post("/v1/ask", content=ASK, headers={"Origin": f"http://LOCALHOST:{PORT}"}).status_code == 200
    with _client(home, base="http://localhost") as c:  # no port on either side: the scheme's default
        assert c.post("/v1/ask", content=ASK, headers={"Origin": "http://localhost:80"}).status_code == 200
        assert c.post("/v1/ask", content=ASK, headers={"Origin": "http://localhost:8080"}).status_code == 403


def test_a_listed_origin_is_answered_with_its_cors_header(home):
    with _client(home, cors_origins=["http://localhost:5173"]) as c:
        r = c.post("/v1/ask", content=ASK, headers={**SIMPLE, "Origin": "http://localhost:5173"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://localhost:5173"
        r = c.post("/v1/ask", content=ASK, headers={**SIMPLE, "Origin": EVIL})
        assert r.status_code == 403 and _error(r)["code"] == "origin_not_allowed"
    with _client(home, cors_origins=["*"]) as c:  # the operator's choice (serve warns of it at start)
        assert c.post("/v1/ask", content=ASK, headers={"Origin": EVIL}).status_code == 200


def test_with_tokens_the_token_decides_not_the_origin(home):
    """A page cannot make the browser send a token (it is no cookie); one it holds makes its request need a
    preflight, which only a listed origin passes. So an unlisted Origin is answered as any other request."""
    with _client(home, tokens=["alice:" + SECRET]) as c:
        r = c.post("/v1/ask", content=ASK, headers={**SIMPLE, "Origin": EVIL})
        assert r.status_code == 401 and _error(r)["code"] == "invalid_api_key"
        assert c.post("/v1/ask", content=ASK, headers={**AUTH, "Origin": EVIL}).status_code == 200


def test_preflights_are_answered_as_before(home):
    """cors.py answers a preflight (a listed origin 204, another 403); without cors_origins it is the route's 405."""
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    with _client(home, cors_origins=["http://localhost:5173"]) as c:
        r = c.options("/v1/ask", headers={**pre, "Origin": "http://localhost:5173"})
        assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "http://localhost:5173"
        r = c.options("/v1/ask", headers={**pre, "Origin": EVIL})
        assert r.status_code == 403 and "[serve] cors_origins lists those that may" in _error(r)["message"]
    with _client(home) as c:
        r = c.options("/v1/ask", headers={**pre, "Origin": EVIL})
        assert r.status_code == 405 and _error(r)["code"] == "method_not_allowed"


# -- the Host check (a loopback bind) ---------------------------------------------------------------------------
def test_a_rebinding_host_is_refused_on_loopback(home):
    factory = fake_factory()
    with _client(home, base=f"http://attacker.example:{PORT}", factory=factory) as c:
        # the rebinding page is same-origin: the Origin check lets it through, the Host check does not
        for headers in ({"Origin": f"http://attacker.example:{PORT}"}, {}):
            r = c.post("/v1/ask", content=ASK, headers={**SIMPLE, **headers})
            err = _error(r)
            assert r.status_code == 403 and err["code"] == "host_not_allowed", r.text
            assert "[serve] allowed_hosts" in err["message"] and "attacker.example" in err["message"]
        assert c.get("/healthz").status_code == 403 and c.get("/v1/models").status_code == 403
    assert _asks(factory) == 0
    with _client(home, tokens=["alice:" + SECRET], base="http://attacker.example") as c:  # tokens or not
        assert c.post("/v1/ask", content=ASK, headers=AUTH).status_code == 403
    for host in ("evil.localhost.example", "127.0.0.1.nip.io", "localhost:x", "[::1", "0.0.0.0", "[::]"):
        with _client(home) as c:
            r = c.get("/healthz", headers={"Host": host})
            assert r.status_code == 403 and _error(r)["code"] == "host_not_allowed", host


@pytest.mark.parametrize("host", [f"localhost:{PORT}", f"127.0.0.1:{PORT}", f"[::1]:{PORT}", "localhost",
                                  "127.0.0.1", "127.8.9.10:80", "[0:0:0:0:0:0:0:1]:1", "LocalHost.:9",
                                  "app.localhost:5173", "[::ffff:127.0.0.1]:8"])
def test_loopback_names_are_answered_on_any_port(home, host):
    with _client(home) as c:
        r = c.post("/v1/ask", content=ASK, headers={"Host": host})
        assert r.status_code == 200, r.text


def test_this_machines_own_name_is_answered(home, monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "Mybox.corp.example")
    assert own_names() == {"mybox.corp.example", "mybox"}
    with _client(home) as c:
        for host in ("mybox:8088", "MYBOX.corp.example", "mybox.corp.example:1"):
            assert c.get("/healthz", headers={"Host": host}).status_code == 200, host
        assert c.get("/healthz", headers={"Host": "corp.example"}).status_code == 403


def test_allowed_hosts_are_answered_too(home):
    with _client(home, allowed_hosts=["RAG.example.com", "*.corp.example", "[::2]"]) as c:
        for host in ("rag.example.com", "rag.example.com:443", "a.corp.example", "b.a.corp.example:8", "[::2]:1",
                     "localhost:1"):
            assert c.post("/v1/ask", content=ASK, headers={"Host": host}).status_code == 200, host
        for host in ("corp.example", "example.com", "xcorp.example", "rag.example.com.evil"):
            assert c.get("/healthz", headers={"Host": host}).status_code == 403, host
    with _client(home, allowed_hosts=["*"], base="http://anything.example") as c:
        assert c.get("/healthz").status_code == 200


def test_a_non_loopback_bind_is_not_checked_unless_allowed_hosts_is_set(home):
    tok = {"tokens": ["alice:" + SECRET]}
    for bind in ("0.0.0.0", "::", "192.0.2.7", None):
        with _client(home, bind=bind, base="http://attacker.example:8088", **tok) as c:
            assert c.post("/v1/ask", content=ASK, headers=AUTH).status_code == 200, bind
    with _client(home, bind="0.0.0.0", allowed_hosts=["rag.example.com"], base="http://other.example", **tok) as c:
        assert c.get("/healthz").status_code == 403
        assert c.get("/healthz", headers={"Host": "rag.example.com:8088"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "127.0.0.1:8088"}).status_code == 200
    with _client(home, bind="localhost", base="http://attacker.example") as c:  # --host localhost: loopback
        assert c.get("/healthz").status_code == 403


# -- counted and logged like other errors ---------------------------------------------------------------------
def test_refusals_are_counted_and_logged(home, caplog):
    with _client(home) as c, caplog.at_level(logging.INFO, logger="ragtune.serve.access"):
        c.post("/v1/ask", content=ASK, headers={"Origin": EVIL})
        c.post("/v1/ask/", content=ASK, headers={"Host": "attacker.example"})
        c.get("/v1/nope", headers={"Host": "attacker.example"})
        text = c.get("/metrics").text
    assert 'ragtune_requests_total{code="403",route="/v1/ask"} 2.0' in text
    assert 'ragtune_requests_total{code="403",route="-"} 1.0' in text
    lines = [r.getMessage() for r in caplog.records if r.name == "ragtune.serve.access"]
    assert any('"POST /v1/ask" 403 origin_not_allowed' in ln for ln in lines), lines
    assert any('"POST /v1/ask/" 403 host_not_allowed' in ln for ln in lines), lines
    assert not any(EVIL in ln or "attacker" in ln for ln in lines)  # no header is logged


# -- config -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, says", [
    (["http://rag.example.com"], "not a URL"),
    (["rag.example.com/"], "not a URL"),
    (["rag.example.com:443"], "must not have a port"),
    (["rag example"], "not a host name"),
    (["bücher.example"], "in ASCII"),
    (["[zz]"], "IPv6"),
    (["::zz:1"], "IPv6"),
    (["*.[::1]"], "domain name"),
    ([" rag.example.com"], "without spaces"),
    (["*", "rag.example.com"], '"*" (any Host) must be the only entry'),
    ("rag.example.com", "must be a list of host names"),
    ([5], "must be a list of host names"),
])
def test_a_malformed_allowed_host_is_a_config_error_naming_the_key(value, says):
    with pytest.raises(ConfigError) as caught:
        ServeConfig(allowed_hosts=value)
    assert caught.value.message.startswith("[serve] allowed_hosts: ") and says in caught.value.message


def test_allowed_hosts_from_config_toml_and_config_set(tmp_path, capsys):
    from ragtune.cli import main

    p = tmp_path / "config.toml"
    p.write_text('[serve]\nallowed_hosts = ["rag.example.com", "::1"]\n')
    assert load_settings(p).serve.allowed_hosts == ["rag.example.com", "::1"]
    assert ServeConfig().allowed_hosts == []
    p.write_text('[serve]\nport = 8088\nallowed_hosts = ["https://rag.example.com"]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(p)
    assert "config.toml:3: " in caught.value.message and "[serve] allowed_hosts:" in caught.value.message
    home = tmp_path / "h"
    assert main(["--home", str(home), "config", "set", "serve.allowed_hosts", '["rag.example.com"]']) == 0
    assert load_settings(home / "config.toml").serve.allowed_hosts == ["rag.example.com"]
    capsys.readouterr()
    assert main(["--home", str(home), "config", "set", "serve.allowed_hosts", '["rag.example.com:1"]']) != 0
    err = capsys.readouterr().err
    assert "allowed_hosts" in err and "must not have a port" in err, err
    assert load_settings(home / "config.toml").serve.allowed_hosts == ["rag.example.com"]  # the file is unchanged


# -- `ragtune serve` checks the address it binds ------------------------------------------------------------------
def test_serve_checks_the_host_for_the_address_it_listens_on(home, monkeypatch, caplog, loopback):
    """--host 127.0.0.1 over a config's 0.0.0.0: the check follows the address actually bound; a real socket."""
    import uvicorn

    from ragtune.serve import wire

    home.ensure()
    settings = serve_settings(home, host="0.0.0.0", allowed_hosts=["rag.example.com"])
    make_config, served = server.uvicorn_config, []
    monkeypatch.delenv("RAGTUNE_SERVE_TOKENS", raising=False)
    monkeypatch.setattr(server, "default_engines", fake_factory())
    monkeypatch.setattr(server, "uvicorn_config", lambda app, settings, log_level="info", **kw: served.append(app))
    monkeypatch.setattr(wire.HangupServer, "__init__", lambda self, config: None)
    monkeypatch.setattr(wire.HangupServer, "run", lambda self, sockets=None: None)
    said_by = logging.getLogger("uvicorn.error")  # (an earlier test may have run uvicorn: its loggers stop there)
    monkeypatch.setattr(said_by, "handlers", [caplog.handler])
    monkeypatch.setattr(said_by, "disabled", False)
    with caplog.at_level(logging.INFO, logger="uvicorn.error"):
        server.serve(settings, host="127.0.0.1", port=0)
    assert any("Host check: answers for rag.example.com too" in r.getMessage() for r in caplog.records)
    sock = listening_socket()  # a port of its own (was the fixed 18440: taken by another run, the test failed)
    port = sock.getsockname()[1]
    config = make_config(served[0], settings, "error", host="127.0.0.1", port=port)
    srv = uvicorn.Server(config)
    t = run_uvicorn(srv, sock)
    try:
        assert _raw(port, f"attacker.example:{port}").startswith(b"HTTP/1.1 403 ")
        assert _raw(port, f"localhost:{port}").startswith(b"HTTP/1.1 200 ")
        assert _raw(port, "rag.example.com").startswith(b"HTTP/1.1 200 ")
    finally:
        srv.should_exit = True
        t.join(10)


def _raw(port: int, host: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out
