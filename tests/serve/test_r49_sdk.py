"""Round 49, a call centre's assistant on the OpenAI Python SDK: the shapes the SDK relies on, over raw HTTP (the
tests need no `openai` package).

- `error.param` names the request field for the errors raised below the request's fields (it was null):
  adapter_ambiguous / adapter_base_mismatch / adapter_misfit (`adapter` of /v1/ask, `model` of a chat completion or
  of GET /v1/models/{model}), invalid_question (`question`, `messages`).
- OpenAI options ragtune cannot honour are a 422 naming the field, not silently ignored: a JSON `response_format`
  (the SDK's `parse()` failed on the text answer with a pydantic error naming nothing), a forced `tool_choice` (an
  agent loop waited for tool calls that never come), `logprobs`.
- `stream_options: {"include_usage": true}`: `usage` in one chunk of its own with `choices: []` before [DONE], as
  OpenAI sends it (code written for OpenAI reads it there; LangChain adds up the usage of every chunk).
- `x-should-retry: false` on the 5xx a retry within seconds cannot fix (the SDK retried them twice)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.errors import ModelError
from ragtune.appliance.registry import Registry
from ragtune.serve.errors import error_for
from ragtune.serve.openapi import ERRORS
from ragtune.serve.server import make_app
from tests.gguf_helpers import write_gguf
from tests.serve.helpers import fake_factory, serve_settings
from tests.serve.test_r43_adapter_choice import shapes  # noqa: F401  (the fixture)

ASK, CHAT = "/v1/ask", "/v1/chat/completions"
Q = "Where is the Eiffel Tower?"
USER = [{"role": "user", "content": Q}]


def _err(r, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    err = r.json()["error"]
    assert err["code"] == code, err
    return err


def _events(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]", text
    return [json.loads(line[6:]) for line in lines[:-1]]


@pytest.fixture
def client(home):
    with TestClient(make_app(serve_settings(home), engine_factory=fake_factory(n_ctx=600), workers=1),
                    raise_server_exceptions=False) as c:
        yield c


# -- param of the errors below the request's fields ----------------------------------------------------------------
def test_adapter_ambiguous_names_the_field_that_gave_the_adapter(home, monkeypatch):
    reg = Registry(home)
    monkeypatch.setattr(Registry, "name_taken", lambda self, name, kind: None)  # two adapters of one name
    for t in ("one", "two"):
        reg.add(write_gguf(home.root / f"{t}.gguf", tag=t), "lora-gguf", name="twin")
    with TestClient(make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)) as c:
        assert _err(c.post(ASK, json={"question": Q, "adapter": "twin"}), 400, "adapter_ambiguous")["param"] == \
            "adapter"
        for stream in (False, True):
            r = c.post(CHAT, json={"model": "ragtune:twin", "messages": USER, "stream": stream})
            assert _err(r, 400, "adapter_ambiguous")["param"] == "model"
        assert _err(c.get("/v1/models/ragtune:twin"), 400, "adapter_ambiguous")["param"] == "model"


def test_an_adapter_the_served_model_cannot_serve_names_the_field(home, shapes):  # noqa: F811
    app = make_app(serve_settings(home), engine_factory=fake_factory(model_id=shapes["model"].id), workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        for name, code in (("theirs", "adapter_base_mismatch"), ("narrow", "adapter_misfit")):
            assert _err(c.post(ASK, json={"question": Q, "adapter": name}), 400, code)["param"] == "adapter"
            for stream in (False, True):
                r = c.post(CHAT, json={"model": f"ragtune:{shapes[name].id}", "messages": USER, "stream": stream})
                assert _err(r, 400, code)["param"] == "model"
            assert _err(c.get(f"/v1/models/ragtune:{shapes[name].id}"), 400, code)["param"] == "model"


def test_a_question_too_long_for_the_context_names_its_field(client):
    long_q = " ".join(f"w{i}" for i in range(300))  # distinct words: too long for n_ctx=600
    assert _err(client.post(ASK, json={"question": long_q}), 400, "invalid_question")["param"] == "question"
    for stream in (False, True):
        r = client.post(CHAT, json={"messages": [{"role": "user", "content": long_q}], "stream": stream})
        assert _err(r, 400, "invalid_question")["param"] == "messages"


# -- OpenAI options that cannot be honoured ------------------------------------------------------------------------
REFUSED = [
    ({"response_format": {"type": "json_object"}}, "unsupported_response_format", "response_format"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}}},
     "unsupported_response_format", "response_format"),
    ({"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required"},
     "unsupported_tool_choice", "tool_choice"),
    ({"tool_choice": {"type": "function", "function": {"name": "f"}}}, "unsupported_tool_choice", "tool_choice"),
    ({"logprobs": True}, "unsupported_logprobs", "logprobs"),
    ({"top_logprobs": 3}, "unsupported_logprobs", "top_logprobs"),
    ({"stream": True, "stream_options": {"include_usage": "yes"}}, "invalid_value", "stream_options"),
    ({"stream": True, "stream_options": ["include_usage"]}, "invalid_value", "stream_options"),
]


@pytest.mark.parametrize("extra, code, param", REFUSED, ids=[f"{r[1]}-{i}" for i, r in enumerate(REFUSED)])
def test_an_option_ragtune_cannot_honour_is_a_422_naming_it(client, extra, code, param):
    err = _err(client.post(CHAT, json={"messages": USER, **extra}), 422, code)
    assert err["param"] == param and err["type"] == "invalid_request_error"
    assert code in ERRORS[422][1]  # documented in /openapi.json


ACCEPTED = [{"response_format": {"type": "text"}}, {"tools": [{"type": "function", "function": {"name": "f"}}],
                                                    "tool_choice": "auto"},
            {"tool_choice": "none"}, {"logprobs": False, "top_logprobs": 0}, {"temperature": 1.5, "max_tokens": 4,
                                                                              "seed": 3, "stop": ["x"], "user": "a7"},
            {"stream_options": {"include_usage": False}}, {"response_format": None, "tool_choice": None}]


@pytest.mark.parametrize("extra", ACCEPTED)
def test_options_that_only_tune_decoding_are_still_ignored(client, extra):
    r = client.post(CHAT, json={"messages": USER, **extra})
    assert r.status_code == 200, r.text
    msg = r.json()["choices"][0]["message"]
    assert msg["content"] == "Eiffel Tower Paris base" and "tool_calls" not in msg


# -- stream_options.include_usage ----------------------------------------------------------------------------------
def test_include_usage_sends_usage_in_a_chunk_of_its_own(client):
    with client.stream("POST", CHAT, json={"messages": USER, "stream": True,
                                           "stream_options": {"include_usage": True}}) as r:
        assert r.status_code == 200
        events = _events(r.read().decode())
    last, finish = events[-1], events[-2]
    assert last["choices"] == [] and last["object"] == "chat.completion.chunk" and last["id"] == finish["id"]
    assert set(last["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert last["usage"]["total_tokens"] > 0
    assert finish["choices"][0]["finish_reason"] == "stop" and "usage" not in finish  # once: never counted twice
    assert finish["citations"][0]["id"] == "S1" and finish["ragtune"]["status"] == "ok"  # the extras stay there
    assert sum("usage" in e for e in events) == 1


def test_without_include_usage_the_last_choice_chunk_carries_usage_as_before(client):
    with client.stream("POST", CHAT, json={"messages": USER, "stream": True}) as r:
        events = _events(r.read().decode())
    assert all(e["choices"] for e in events)
    assert events[-1]["choices"][0]["finish_reason"] == "stop" and events[-1]["usage"]["total_tokens"] > 0


# -- x-should-retry ---------------------------------------------------------------------------------------------
def test_a_5xx_no_retry_can_fix_says_so_to_the_sdk(client):
    r = client.post(CHAT, json={"messages": USER, "in": ["/srv/docs"]})  # nothing ingested in this home's store
    assert _err(r, 503, "no_documents") and r.headers["x-should-retry"] == "false"
    assert error_for(ModelError("gone")).headers["x-should-retry"] == "false"
    ok = client.post(CHAT, json={"messages": USER})
    assert ok.status_code == 200 and "x-should-retry" not in ok.headers


def test_busy_is_retried_by_the_sdk_with_its_retry_after(home):
    app = make_app(serve_settings(home, queue=0, retry_after_s=3), engine_factory=fake_factory(delay=0.05),
                   workers=1)
    import threading

    with TestClient(app, raise_server_exceptions=False) as c:
        gen = app.state.serve.pool.engines[0]._generator
        t = threading.Thread(target=lambda: c.post(CHAT, json={"messages": USER}))
        t.start()
        assert gen.active.wait(10)
        r = c.post(CHAT, json={"messages": [{"role": "user", "content": "Where is Mount Everest?"}]})
        t.join()
    err = _err(r, 503, "busy")
    assert "x-should-retry" not in r.headers and int(r.headers["retry-after"]) >= 1 and err["type"] == "server_error"
