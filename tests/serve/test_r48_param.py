"""OpenAI's `error.param` in serve's error bodies (round 48): OpenAI clients read it (null, or the request field the
error is about). Every error body carries it; a 4xx about one field names that field; a body that is not JSON says
the likely cause of a syntax error where it is sure of it (a trailing comma, single quotes, Python's True/None)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.serve.body import HTTPError
from ragtune.serve.openapi import SCHEMAS
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}
ASK, CHAT = "/v1/ask", "/v1/chat/completions"
USER = [{"role": "user", "content": "Where is the Eiffel Tower?"}]


@pytest.fixture
def client(home):
    app = make_app(serve_settings(home, tokens=["alice:s3cret-token-0123456789"]), engine_factory=fake_factory(),
                   workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


FIELD_ERRORS = [
    (CHAT, {"messages": []}, "messages"),
    (CHAT, {"messages": [{"role": "robot", "content": "x"}]}, "messages"),
    (CHAT, {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "messages"),
    (CHAT, {"messages": [{"role": "user", "content": "   "}]}, "messages"),
    (CHAT, {"model": 3, "messages": USER}, "model"),
    (CHAT, {"model": "", "messages": USER}, "model"),
    (CHAT, {"model": "gpt-4o", "messages": USER}, "model"),  # 404 model_not_found
    (CHAT, {"messages": USER, "stream": "yes"}, "stream"),
    (CHAT, {"messages": USER, "n": 2}, "n"),
    (CHAT, {"messages": USER, "user": 5}, "user"),
    (CHAT, {"messages": USER, "in": []}, "in"),
    (ASK, {"question": ""}, "question"),
    (ASK, {"question": 7}, "question"),
    (ASK, {"question": "q" * 5000}, "question"),
    (ASK, {"question": "q?", "k": 9}, "k"),
    (ASK, {"question": "q?", "mode": "loud"}, "mode"),
    (ASK, {"question": "q?", "temperature": 0.2}, "temperature"),  # unknown_field: the first one
    (ASK, {"question": "q?", "adapter": ""}, "adapter"),
    (ASK, {"question": "q?", "adapter": "no-such-adapter"}, "adapter"),  # 400 adapter_not_found
    (ASK, {"question": "q?", "in": [""]}, "in"),
]


@pytest.mark.parametrize("path, body, param", FIELD_ERRORS, ids=[f"{p[4:]}-{f}-{i}" for i, (p, _, f) in
                                                                   enumerate(FIELD_ERRORS)])
def test_an_error_about_one_field_names_it_as_param(client, path, body, param):
    r = client.post(path, json=body, headers=AUTH)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}, err
    assert err["param"] == param, err


def test_param_is_null_when_not_about_one_field(client):
    r = client.post(ASK, json={"question": "q?"})  # no token
    assert r.status_code == 401 and r.json()["error"]["param"] is None, r.text
    r = client.post(ASK, content=b"not json", headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == {**r.json()["error"], "param": None, "code": "invalid_json"}
    r = client.get("/v1/nowhere", headers=AUTH)
    assert r.status_code == 404 and r.json()["error"]["param"] is None, r.text
    assert HTTPError(500, "x").body()["error"]["param"] is None


@pytest.mark.parametrize("body, hint", [
    (b'{"question": "q?",}', "a trailing comma before '}'?"),
    (b'{"messages": [{"role": "user", "content": "a?"},]}', "a trailing comma before ']'?"),
    (b"{'question': 'q?'}", "JSON needs double quotes"),
    (b'{"question": "q?", "k": None}', "Python's None? JSON writes null"),
])
def test_a_json_syntax_error_says_its_sure_cause(client, body, hint):
    r = client.post(ASK, content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_json" and hint in err["message"] and "column" in err["message"], err


def test_openapi_error_schema_has_param():
    err = SCHEMAS["Error"]["properties"]["error"]
    assert "param" in err["properties"] and "param" in err["required"]
    assert {"type": "null"} in err["properties"]["param"]["anyOf"]
