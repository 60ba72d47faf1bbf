"""Round 51: /healthz told anyone the queue's depth (how busy the other clients keep the server). Now a caller without
a token, with a wrong one or with a client's (scoped) token gets the liveness alone, `{"status": "ok"}` with a 200 (what
a load balancer reads); the queue's numbers need a token that may read /metrics. A server without tokens (loopback,
where /metrics is open too) answers as before."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.serve.helpers import fake_factory, serve_settings

ACME, OPS = "acme-secret-0123456789abcdef", "ops-secret-0123456789abcdefgh"
DETAIL = {"status", "workers", "waiting", "running"}


@pytest.mark.parametrize("default", ["all", "none"])
def test_the_queue_depth_needs_a_metrics_token(home, default):
    home.ensure()
    settings = serve_settings(home, tokens=[f"acme:{ACME}", f"ops:{OPS}"], token_scopes_default=default,
                              token_scopes={"acme": ["/srv/clients/acme/"]})
    from ragtune.serve.server import make_app

    with TestClient(make_app(settings, engine_factory=fake_factory(), workers=1)) as c:
        for headers in ({}, {"Authorization": "Bearer wrong-secret-0123456789"}, {"Authorization": f"Bearer {ACME}"}):
            r = c.get("/healthz", headers=headers)
            assert r.status_code == 200 and r.json() == {"status": "ok"}, (headers, r.text)
            assert c.head("/healthz", headers=headers).status_code == 200
        ops = c.get("/healthz", headers={"Authorization": f"Bearer {OPS}"})  # /metrics' right: the numbers
        assert ops.status_code == 200 and set(ops.json()) == DETAIL and ops.json()["workers"] == 1
        assert c.get("/metrics", headers={"Authorization": f"Bearer {OPS}"}).status_code == 200  # the same right


def test_a_server_without_tokens_shows_the_queue_as_before(home):
    home.ensure()
    from ragtune.serve.server import make_app

    with TestClient(make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)) as c:
        r = c.get("/healthz")
        assert r.status_code == 200 and set(r.json()) == DETAIL and r.json()["waiting"] == 0
