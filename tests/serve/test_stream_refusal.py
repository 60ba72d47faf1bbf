"""A streamed refusal that was never streamed as an answer ends with finish_reason "stop", as without streaming:
`content_filter` is only for a checked answer that differs from what was streamed (docs/serve.md). A refusal decided
before generation arrived whole as the one content delta and was still marked content_filter (the empty streamed
text compared with the refusal)."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings


def _events(c: TestClient, question: str) -> list[dict]:
    with c.stream("POST", "/v1/chat/completions", json={"model": "ragtune", "stream": True, "messages": [
            {"role": "user", "content": question}]}) as r:
        assert r.status_code == 200
        return [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]


def test_a_refusal_before_generation_streams_whole_and_ends_with_stop(home):
    app = make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)
    with TestClient(app) as c:
        events = _events(c, "zzz unknown")  # retrieval finds nothing: refused before the model is asked
        plain = c.post("/v1/chat/completions", json={"model": "ragtune", "messages": [
            {"role": "user", "content": "zzz unknown"}]}).json()
    content = "".join(e["choices"][0]["delta"].get("content", "") for e in events)
    assert content == plain["choices"][0]["message"]["content"] and "[withdrawn]" not in content
    assert [e["choices"][0]["finish_reason"] for e in events if e["choices"][0]["finish_reason"]] == ["stop"]
    assert plain["choices"][0]["finish_reason"] == "stop"
    assert events[-1]["ragtune"]["status"] == "refused" and events[-1]["ragtune"]["refusal_reason"] == "no_sources"
