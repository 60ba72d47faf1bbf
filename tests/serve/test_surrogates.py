"""A JSON body with a lone surrogate ("\\udce9" escape) is a 400 invalid_json that names the field it is in (the
check is the one every JSON reader uses: ragtune.appliance.jsonl.surrogate_field), never a 500."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}


@pytest.fixture
def client(home):
    app = make_app(serve_settings(home, tokens=["alice:s3cret-token-0123456789"]), engine_factory=fake_factory(),
                   workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("route,body,field", [
    ("/v1/ask", b'{"question": "Where is caf\\udce9 Paris?"}', "field 'question'"),
    ("/v1/chat/completions", b'{"messages": [{"role": "system", "content": "be brief"}, '
     b'{"role": "user", "content": [{"type": "text", "text": "caf\\udce9?"}]}]}', "field 'messages[1].content[0].text'"),
    ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": "q", "na\\udce9me": "x"}]}',
     "a key in 'messages[0]'"),
])
def test_a_lone_surrogate_is_a_400_naming_its_field(client, route, body, field):
    r = client.post(route, content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_json"
    assert err["message"] == (f"the body is not valid JSON: {field} holds an unpaired UTF-16 surrogate (\\udce9); "
                              "text must be valid Unicode")


def test_a_surrogate_pair_and_an_escaped_backslash_are_text(client):
    r = client.post("/v1/ask", content=b'{"question": "Where is the \\ud83d\\uddfc \\\\udce9 tower?"}',
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
