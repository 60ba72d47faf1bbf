"""Round 43: opt-in CORS (`[serve] cors_origins`, docs/serve.md "Browsers (CORS)"). Without it a page of another
origin (an intranet app) could not call the server: its preflight was a 405, and no response said it might read it."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

import ragtune.serve.server as server
from ragtune.appliance.config import ServeConfig, load_settings
from ragtune.appliance.errors import ConfigError
from ragtune.serve.cors import MAX_AGE_S, cors_warning
from tests.serve.helpers import fake_factory, serve_settings

Q = "Where is the Eiffel Tower?"
CHAT = "/v1/chat/completions"
SECRET = "s3cret-token-0123456789"
AUTH = {"Authorization": f"Bearer {SECRET}"}
PAGE = "https://intranet.example.com"
OTHER = "https://elsewhere.example.org"


def _preflight(c, path: str, origin: str, method: str = "POST", headers: str = "authorization,content-type", **extra):
    return c.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                    "Access-Control-Request-Headers": headers, **extra})


def _cors_headers(r) -> dict:
    return {k: v for k, v in r.headers.items() if k.startswith("access-control-")}


def _client(home, **serve):
    app = server.make_app(serve_settings(home, tokens=["alice:" + SECRET], **serve), engine_factory=fake_factory(),
                          workers=1)
    return TestClient(app)


@pytest.fixture
def client(home):
    with _client(home, cors_origins=[PAGE, "http://localhost:5173"]) as c:
        yield c


def test_without_the_key_nothing_changes(home):
    with _client(home) as c:
        r = _preflight(c, CHAT, PAGE)
        assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
        for r in (r, c.post(CHAT, json={"messages": [{"role": "user", "content": Q}]},
                            headers={**AUTH, "Origin": PAGE}), c.get("/v1/models", headers={"Origin": PAGE})):
            assert not _cors_headers(r) and "vary" not in r.headers, r.headers


def test_a_listed_origins_preflight_is_answered_without_a_token(client):
    # the OpenAI SDKs send their own headers too: a preflight naming them is not refused
    r = _preflight(client, CHAT, PAGE, headers="authorization,content-type,x-stainless-os,x-stainless-retry-count")
    assert r.status_code == 204 and r.content == b""
    h = r.headers
    assert h["access-control-allow-origin"] == PAGE
    assert {"POST", "GET"} <= {m.strip() for m in h["access-control-allow-methods"].split(",")}
    allowed = {a.strip().lower() for a in h["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-ragtune-client", "x-stainless-os", "x-stainless-retry-count"} <= allowed
    assert h["access-control-max-age"] == str(MAX_AGE_S)
    assert "Origin" in h["vary"]
    assert "access-control-allow-credentials" not in h  # a bearer token is no credential in CORS' sense
    # any route, its slash, an unknown one (the request that follows gets its 404 with the headers)
    for path in ("/v1/ask", "/v1/models/ragtune:base", "/v1/models/", "/v1/nope"):
        assert _preflight(client, path, "http://localhost:5173", "GET").status_code == 204, path
    # a header that is no header name is not echoed
    r = _preflight(client, CHAT, PAGE, headers="authorization, bad header, x\r\ny, " + "z" * 200)
    assert r.headers["access-control-allow-headers"] == "Authorization, Content-Type, X-Ragtune-Client"
    # Chrome's Private Network Access question is answered for a listed origin
    r = _preflight(client, CHAT, PAGE, **{"Access-Control-Request-Private-Network": "true"})
    assert r.headers["access-control-allow-private-network"] == "true"
    assert "access-control-allow-private-network" not in _preflight(client, CHAT, PAGE).headers


def test_an_unlisted_origins_preflight_is_a_403_in_the_api_shape(client):
    for origin in (OTHER, PAGE + ":8443", "http://intranet.example.com", "null"):
        r = _preflight(client, CHAT, origin)
        assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed", origin
        assert set(r.json()["error"]) == {"message", "type", "param", "code"} and "[serve] cors_origins" in \
            r.json()["error"]["message"]
        assert "access-control-allow-origin" not in r.headers and "Origin" in r.headers["vary"]
    # an OPTIONS that is no preflight (no Access-Control-Request-Method) is the route's 405, as before
    r = client.options(CHAT, headers={"Origin": PAGE})
    assert r.status_code == 405 and r.headers["access-control-allow-origin"] == PAGE


def test_every_response_to_a_listed_origin_carries_the_header(client):
    """The page must be able to read an error (a 401, 404, 413, 422) as well as an answer, and a stream."""
    o = {"Origin": PAGE}
    msgs = {"messages": [{"role": "user", "content": Q}]}
    cases = {
        "answer": client.post(CHAT, json=msgs, headers={**AUTH, **o}),
        "no token": client.post(CHAT, json=msgs, headers=o),
        "bad token": client.post(CHAT, json=msgs, headers={**o, "Authorization": "Bearer nope-nope-nope-nope"}),
        "no route": client.get("/v1/nope", headers={**AUTH, **o}),
        "method": client.get(CHAT, headers={**AUTH, **o}),
        "too large": client.post("/v1/ask", content=b"{" + b" " * 70000 + b"}", headers={**AUTH, **o}),
        "bad body": client.post("/v1/ask", json={"question": 5}, headers={**AUTH, **o}),
        "unknown model": client.get("/v1/models/gpt-4", headers={**AUTH, **o}),
        "models": client.get("/v1/models", headers={**AUTH, **o}),
        "healthz": client.get("/healthz", headers=o),
    }
    statuses = {k: r.status_code for k, r in cases.items()}
    assert statuses == {"answer": 200, "no token": 401, "bad token": 401, "no route": 404, "method": 405,
                        "too large": 413, "bad body": 422, "unknown model": 404, "models": 200, "healthz": 200}
    for what, r in cases.items():
        assert r.headers.get("access-control-allow-origin") == PAGE, what
        assert r.headers.get("access-control-expose-headers") == "Retry-After, X-Request-Id", what
        assert r.headers.get("vary") == "Origin", what
    assert cases["no token"].headers["www-authenticate"] == "Bearer"  # auth still applies to the real request
    with client.stream("POST", CHAT, json={**msgs, "stream": True}, headers={**AUTH, **o}) as r:
        body = b"".join(r.iter_bytes())
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == PAGE
        assert r.headers["content-type"].startswith("text/event-stream") and r.headers["x-accel-buffering"] == "no"
    assert body.endswith(b"data: [DONE]\n\n")


def test_an_unlisted_origin_is_answered_as_before_without_the_header(client):
    """CORS decides what a page may read, not who may ask: the token does that."""
    r = client.post(CHAT, json={"messages": [{"role": "user", "content": Q}]}, headers={**AUTH, "Origin": OTHER})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers and r.headers["vary"] == "Origin"
    r = client.get("/v1/models", headers=AUTH)  # no Origin (curl, an SDK): no CORS header either
    assert "access-control-allow-origin" not in r.headers


def test_any_origin(home):
    with _client(home, cors_origins=["*"]) as c:
        r = _preflight(c, CHAT, OTHER)
        assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
        r = c.post(CHAT, json={"messages": [{"role": "user", "content": Q}]}, headers={"Origin": "null"})
        assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "*"


def test_origins_are_matched_as_browsers_write_them(home):
    """A browser's Origin is lower case without the scheme's default port: the config's spelling is normalised."""
    with _client(home, cors_origins=["HTTPS://Intranet.Example.com:443", "http://[::1]:8080"]) as c:
        for origin in (PAGE, "http://[::1]:8080"):
            assert _preflight(c, CHAT, origin).headers.get("access-control-allow-origin") == origin


def test_preflights_are_counted_and_logged_under_their_route(client, caplog):
    with caplog.at_level(logging.INFO, logger="ragtune.serve.access"):
        _preflight(client, CHAT, PAGE)
        _preflight(client, CHAT + "/", OTHER)
        _preflight(client, "/v1/models/ragtune:x", PAGE, "GET")
    text = client.get("/metrics", headers=AUTH).text
    assert 'ragtune_requests_total{code="204",route="/v1/chat/completions"} 1.0' in text
    assert 'ragtune_requests_total{code="403",route="/v1/chat/completions"} 1.0' in text
    assert 'ragtune_requests_total{code="204",route="/v1/models/{model}"} 1.0' in text
    lines = [r.getMessage() for r in caplog.records if r.name == "ragtune.serve.access"]
    assert any('"OPTIONS /v1/chat/completions/" 403 origin_not_allowed' in ln and "(CORS preflight)" in ln
               for ln in lines), lines


@pytest.mark.parametrize("value, says", [
    (["https://intranet.example.com/"], "has a path"),
    (["https://intranet.example.com/app"], "has a path"),
    (["intranet.example.com"], "must start with http:// or https://"),
    (["ftp://intranet.example.com"], "must start with http:// or https://"),
    (["null"], "sandboxed"),
    (["https://user@intranet.example.com"], "user name"),
    (["https://intranet.example.com:99999"], "port"),
    (["https://bücher.example"], "in ASCII"),
    ([" https://intranet.example.com"], "without spaces"),
    (["*", "https://intranet.example.com"], '"*" (any origin) must be the only entry'),
    ("https://intranet.example.com", "must be a list of origins"),
    ([5], "must be a list of origins"),
])
def test_a_malformed_origin_is_a_config_error_naming_the_key(value, says):
    with pytest.raises(ConfigError) as caught:
        ServeConfig(cors_origins=value)
    assert caught.value.message.startswith("[serve] cors_origins: ") and says in caught.value.message


def test_the_key_is_read_from_config_toml(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text(f"[serve]\ncors_origins = {json.dumps([PAGE, 'http://localhost:5173'])}\n")
    assert load_settings(p).serve.cors_origins == [PAGE, "http://localhost:5173"]
    assert ServeConfig().cors_origins == []  # the default: no CORS
    p.write_text('[serve]\nport = 8088\ncors_origins = ["https://intranet.example.com/"]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(p)
    assert "config.toml:3: " in caught.value.message and "[serve] cors_origins:" in caught.value.message


def test_any_origin_without_a_token_is_warned_of_at_start(home, monkeypatch, caplog, loopback):
    assert cors_warning(["*"], open_server=True) and "any web page" in cors_warning(["*"], open_server=True)
    assert cors_warning(["*"], open_server=False) is None and cors_warning([PAGE], open_server=True) is None
    from ragtune.serve import wire

    home.ensure()
    monkeypatch.delenv("RAGTUNE_SERVE_TOKENS", raising=False)
    monkeypatch.setattr(server, "uvicorn_config", lambda app, settings, log_level="info", **kw: None)
    monkeypatch.setattr(server, "default_engines", fake_factory())
    monkeypatch.setattr(wire.HangupServer, "__init__", lambda self, config: None)
    monkeypatch.setattr(wire.HangupServer, "run", lambda self, sockets=None: None)
    said_by = logging.getLogger("uvicorn.error")  # (an earlier test may have run uvicorn: its loggers stop there)
    monkeypatch.setattr(said_by, "handlers", [caplog.handler])
    monkeypatch.setattr(said_by, "disabled", False)
    for origins, warned in ((["*"], True), ([PAGE], False)):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="uvicorn.error"):
            server.serve(serve_settings(home, cors_origins=origins), host="127.0.0.1", port=0)
        said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "uvicorn.error"]
        assert any(m.startswith("CORS: browser pages of ") for _, m in said), said
        assert any(lv == "WARNING" and "any web page" in m for lv, m in said) == warned, said
