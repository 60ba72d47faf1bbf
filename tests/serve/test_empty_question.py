"""/v1/ask and chat completions say "empty question" in retrieval's words (normalize.empty_question), as `ask` and
`search` do: 422 empty_question, before the request takes a place in the queue, for a blank question and for one
with no letter or digit to search for (punctuation, emoji: they reached retrieval, which said "empty query")."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.normalize import BLANK_HINT, NO_WORDS_HINT
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

TOKEN = "alice:" + "s3cret-token-0123456789"
AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}


@pytest.fixture
def client(home):
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=fake_factory(), workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _chat(text, **kw):
    return {"model": "ragtune", "messages": [{"role": "user", "content": text}], **kw}


@pytest.mark.parametrize("text,hint", [(" \t", BLANK_HINT), ("?!", NO_WORDS_HINT), ("...", NO_WORDS_HINT),
                                       ("\U0001f642\U0001f389", NO_WORDS_HINT)])
def test_an_empty_question_is_422_in_the_words_of_ask(client, text, hint):
    for path, body, what in [("/v1/ask", {"question": text}, "'question'"),
                             ("/v1/chat/completions", _chat(text), "the last user message"),
                             ("/v1/chat/completions", _chat(text, stream=True), "the last user message")]:
        r = client.post(path, json=body, headers=AUTH)
        assert r.status_code == 422, (path, r.text)
        err = r.json()["error"]
        assert err["code"] == "empty_question" and err["message"] == f"empty question ({what}): {hint}"
    assert client.post("/v1/ask", json={"question": "Paris?"}, headers=AUTH).status_code == 200
