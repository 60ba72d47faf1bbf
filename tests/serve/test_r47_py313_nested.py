"""Round 47: Python 3.13's json reads 3,000 nested brackets (3.10-3.12 refuse ~1,000; 3.13 refuses ~10,000). Whatever
the Python, a body nested 3,000 deep is either refused as nested too deeply (400 invalid_json) or read and then
answered exactly as the same field holding a shallow nested list: a field check's 4xx, or accepted where the field is
ignored (`temperature`, a message's `name`: docs/serve.md). Never a 500, never a traceback."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

TOKEN = "alice:" + "s3cret-token-0123456789"
AUTH = {"Authorization": "Bearer s3cret-token-0123456789"}
DEEP, SHALLOW = "[" * 3000 + "]" * 3000, "[[[]]]"


@pytest.fixture
def client(home):
    app = make_app(serve_settings(home, tokens=[TOKEN]), engine_factory=fake_factory(), workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path, template", [
    ("/v1/ask", '{"question": "q", "k": @}'),
    ("/v1/ask", '{"question": "q", "user": @}'),
    ("/v1/ask", '{"question": @}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "q", "name": @}]}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "q"}], "temperature": @}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": @}]}'),
], ids=["ask-k", "ask-user", "ask-question", "chat-name", "chat-temperature", "chat-content"])
def test_3000_levels_are_refused_or_handled_as_any_nested_list(client, caplog, path, template):
    def post(raw: str):
        return client.post(path, content=template.replace("@", raw).encode(), headers=AUTH)

    deep, shallow = post(DEEP), post(SHALLOW)
    assert deep.status_code < 500 and "Traceback" not in deep.text, deep.text[:300]
    if deep.status_code == 400 and deep.json()["error"]["code"] == "invalid_json":  # 3.10-3.12: json refuses it
        assert "nested too deeply" in deep.json()["error"]["message"]
    else:  # 3.13: read, then checked as any list in that field
        assert deep.status_code == shallow.status_code, (deep.text[:300], shallow.text[:300])
        if shallow.status_code >= 400:
            assert deep.json()["error"] == shallow.json()["error"]
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()], caplog.text[:2000]
