"""Mutated request bodies against the HTTP API (fake engines): a body the server cannot use is a 4xx in the one error
shape (a number of 5,000 digits or nesting past the parser's recursion limit: 400 invalid_json), never a 500 or a
traceback in the log. The mutation engine is tests/fuzzing.py's."""

from __future__ import annotations

import random

import pytest
from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.fuzzing import HUGE_DIGITS, fuzz, json_tree, mixed
from tests.serve.helpers import fake_factory, serve_settings

TOKEN = "alice:" + "s3cret-token-0123456789"
# 30,000 levels: past every Python's json (3.13 reads tests/fuzzing's 3,000, refuses 10,000), within the default
# max_body_bytes (64 KiB: no body can nest deeper); 3,000 levels: tests/serve/test_r47_py313_nested.py
JSON_DEEP = "[" * 30_000 + "]" * 30_000
AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}
ASK_BODY = {"question": "Where is the Eiffel Tower?", "k": 3, "mode": "extractive", "user": "u1"}
CHAT_BODY = {"model": "ragtune", "stream": False, "n": 1, "user": "u1",
             "messages": [{"role": "system", "content": "Be brief."},
                          {"role": "user", "content": [{"type": "text", "text": "Where is the Eiffel Tower?"}]}]}


@pytest.fixture
def client(home):
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=fake_factory(), workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _wrong_answer(client, path: str, body: bytes) -> str | None:
    r = client.post(path, content=body, headers={**AUTH, "Content-Type": "application/json"})
    if r.status_code >= 500 or "Traceback" in r.text:
        return f"{r.status_code} {r.text[:200]}"
    if r.status_code >= 400:
        err = r.json().get("error")
        if not (isinstance(err, dict) and set(err) == {"message", "type", "param", "code"}):
            return f"{r.status_code} not the error shape: {r.text[:200]}"
    return None


@pytest.mark.parametrize("path, doc, seed", [("/v1/ask", ASK_BODY, 3831), ("/v1/chat/completions", CHAT_BODY, 3832)],
                         ids=["ask", "chat"])
def test_mutated_bodies_are_4xx_never_500(client, caplog, path, doc, seed):
    import json

    rng = random.Random(seed)
    bodies = mixed(rng, json.dumps(doc).encode(), json_tree(doc, sep=", "), 150)
    fuzz(bodies, lambda body: _wrong_answer(client, path, body), "bodies answered wrong")
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()], caplog.text[:2000]


@pytest.mark.parametrize("raw, says", [(HUGE_DIGITS.json_text, "a number has too many digits"),
                                       (JSON_DEEP, "it is nested too deeply")], ids=["5000-digits", "nested"])
@pytest.mark.parametrize("path, template", [
    ("/v1/ask", '{"question": "q", "k": @}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "q", "name": @}]}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "q"}], "temperature": @}'),
], ids=["ask-k", "chat-message", "chat-temperature"])
def test_a_body_past_the_parsers_limits_is_400_invalid_json(client, path, template, raw, says):
    r = client.post(path, content=template.replace("@", raw).encode(), headers=AUTH)
    assert r.status_code == 400, r.text[:300]
    assert r.json()["error"]["code"] == "invalid_json" and says in r.json()["error"]["message"]
