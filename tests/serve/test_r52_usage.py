"""Round 52: a cached answer's `usage` (docs/serve.md "Streaming and the checks"). Before, a repeat answered from the
answer cache reported `usage` all zeros, streamed or not: a client counting tokens (LangChain's usage_metadata, a
budget) read an empty answer. Now it reports the answer as first made, its prompt counted as cached, as OpenAI
reports a prompt cache's hit (`prompt_tokens_details.cached_tokens`)."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from ragtune.appliance.store import open_store
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

Q = "How many vacation days do employees get?"


def _client(home):
    home.ensure()
    return TestClient(make_app(serve_settings(home), engine_factory=fake_factory(), workers=1))


def _ingest(home):
    from tests.serve.test_r50_tenants import _ingest as ingest  # one stored document, one chunk
    ingest(home, ["/srv/docs/vacation.md"])


def _chat(c, **kw):
    body = {"model": "ragtune", "messages": [{"role": "user", "content": Q}], **kw}
    r = c.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    if not kw.get("stream"):
        return r.json()["usage"], r.json()["ragtune"]["cached"]
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: {")]
    usages = [e["usage"] for e in events if e.get("usage")]
    assert len(usages) == 1, events  # each count once (LangChain adds up every chunk's)
    cached = next(e["ragtune"]["cached"] for e in events if e.get("ragtune"))
    return usages[0], cached


def test_a_cached_answer_reports_the_usage_it_was_first_made_with(home):
    with _client(home) as c:
        _ingest(home)
        first, cached = _chat(c)
        assert cached is False and first["completion_tokens"] > 0 and first["prompt_tokens"] > 0, first
        assert "prompt_tokens_details" not in first  # generated now: the three counts, as before
        made = {k: first[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
        for kw in ({}, {"stream": True}, {"stream": True, "stream_options": {"include_usage": True}}):
            again, cached = _chat(c, **kw)
            assert cached is True, kw
            assert {k: again[k] for k in made} == made, (kw, again)  # not zeros
            assert again["prompt_tokens_details"] == {"cached_tokens": made["prompt_tokens"]}, kw
    with open_store(home) as s:  # the query log still counts the work done: a repeat generated nothing
        rows = [s.query_log_entry(i) for i in range(1, 5)]
    assert [r["tokens_completion"] > 0 for r in rows] == [True, False, False, False], rows


def test_an_entry_cached_before_round_52_reports_zeros_as_before():
    from ragtune.appliance.answer_cache import _tokens
    from ragtune.appliance.types import Answer
    from ragtune.serve.stream import usage

    old = Answer(status="ok", answer="x", cached=True, first_tokens=_tokens(None))  # no "tokens": nothing known
    assert old.first_tokens is None
    assert usage(old) == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    assert _tokens([3, True]) is None and _tokens([3, -1]) is None and _tokens([5, 2]) == (5, 2)
