"""Serve auth as a security review checks it (round 42; docs/security.md): every configured token compared in constant
time, a secret read with a trailing newline still matching, no listening beyond loopback without a token, and no
secret (right or wrong) in any log line or query-log row."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.config import ServeConfig
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.store import open_store
from ragtune.serve import auth
from ragtune.serve.auth import check_bearer, check_bind, load_tokens, parse_token
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

SECRET = "s3cret-token-0123456789"
OTHER = "an0ther-secret-9876543210"
WRONG = "wr0ng-guess-aaaaaaaaaaaaaa"


def test_a_secret_with_a_trailing_newline_still_matches():
    # `RAGTUNE_SERVE_TOKENS=$(cat tokens.txt)` keeps no newline, but `export X="$(cat f)\n"` or a config value pasted
    # with one does: the newline is not part of the secret a client sends.
    toks = load_tokens(ServeConfig(tokens=[f"alice:{SECRET}\n"]), {"RAGTUNE_SERVE_TOKENS": f"bob:{OTHER}\r\n"})
    assert [t.name for t in toks] == ["alice", "bob"]
    assert check_bearer(f"Bearer {SECRET}", toks) == "alice"
    assert check_bearer(f"Bearer {OTHER} ", toks) == "bob"
    assert check_bearer("Bearer ", toks) is None and check_bearer("Bearer", toks) is None


def test_every_token_is_compared_whichever_matches(monkeypatch):
    """No early exit: the time taken does not say which configured token (or none) matched."""
    toks = [parse_token(f"t{i}:{SECRET}{i}", "x") for i in range(5)]
    calls: list[tuple[int, int]] = []
    real = auth.hmac.compare_digest

    def counting(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", counting)
    for given, name in ((f"{SECRET}0", "t0"), (f"{SECRET}4", "t4"), (WRONG, None), ("x" * 5000, None)):
        calls.clear()
        assert check_bearer(f"Bearer {given}", toks) == name
        assert len(calls) == 5 and set(calls) == {(32, 32)}  # digests: equal lengths, whatever was sent


def test_a_bare_secret_is_named_without_it():
    t = parse_token(SECRET, "x")
    assert t.name.startswith("token-") and SECRET not in t.name and SECRET[:8] not in t.name


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", "10.0.0.5", "192.168.1.20", "myhost.example", "",
                                  "127.0.0.1.nip.io", "::ffff:10.0.0.5"])
def test_no_token_refuses_any_address_not_loopback(host):
    with pytest.raises(ConfigError, match="without a token"):
        check_bind(host, [])
    check_bind(host, [parse_token(SECRET, "x")])


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_no_token_is_allowed_on_loopback(host):
    check_bind(host, [])


def test_no_secret_is_ever_logged(home, caplog):
    """Every logger at DEBUG, for a good request, a wrong token, a secret in a query string and a failed request:
    neither the configured secret nor the one a client tried appears; the query log keeps the token's name only."""
    app = make_app(serve_settings(home, tokens=[f"alice:{SECRET}"]), engine_factory=fake_factory(), workers=1)
    with TestClient(app) as c, caplog.at_level(logging.DEBUG):
        r = c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?"},
                   headers={"Authorization": f"Bearer {SECRET}"})
        assert r.status_code == 200
        log_id = r.json()["log_id"]
        assert c.post("/v1/ask", json={"question": "q"},
                      headers={"Authorization": f"Bearer {WRONG}"}).status_code == 401
        assert c.get(f"/v1/models?api_key={WRONG}", headers={"Authorization": f"Bearer {WRONG}"}).status_code == 401
        assert c.post(f"/v1/ask?key={SECRET}", content=b"{bad", headers={"Authorization": f"Bearer {SECRET}"}
                      ).status_code == 400
        assert c.get("/metrics", headers={"Authorization": f"Bearer {SECRET}"}).status_code == 200
    # the server's records (the test client's own httpx logger prints the URLs it was given)
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "POST /v1/ask" in text  # the access lines were captured
    assert SECRET not in text and WRONG not in text
    with open_store(home) as s:
        row = s.one("SELECT * FROM query_log WHERE id = ?", (log_id,))
    assert not any(SECRET in str(v) for v in row) and "alice" in row
