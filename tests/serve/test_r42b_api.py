"""Round 42 (API tester): GET /v1/models/{model} (the OpenAI SDK's models.retrieve), metrics labelled by route
template, SSE headers for proxies, an empty `model` as the 422 it is (docs/serve.md)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, register_adapters, serve_settings

Q = "Where is the Eiffel Tower?"
CHAT = "/v1/chat/completions"
SECRET = "s3cret-token-0123456789"
AUTH = {"Authorization": f"Bearer {SECRET}"}


def _error(r, status: int, code: str) -> dict:
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    assert set(r.json()["error"]) == {"message", "type", "param", "code"}
    return r.json()["error"]


def _metrics(c) -> str:
    return c.get("/metrics", headers=AUTH).text


@pytest.fixture
def client(home):
    app = make_app(serve_settings(home, tokens=["alice:" + SECRET]), engine_factory=fake_factory(), workers=1)
    with TestClient(app) as c:
        yield c


def test_a_model_is_retrieved_as_the_list_shows_it(client, home):
    """`GET /v1/models/{model}` was a 404 not_found (no such route): the OpenAI SDK's models.retrieve() failed for
    every model /v1/models lists. Now each listed id gives its list entry; anything else is a 404 model_not_found."""
    register_adapters(home)
    listed = client.get("/v1/models", headers=AUTH).json()["data"]
    assert len(listed) == 4
    for entry in listed:
        for path in (f"/v1/models/{entry['id']}", f"/v1/models/{entry['id']}/",
                     "/v1/models/" + entry["id"].replace(":", "%3A")):
            r = client.get(path, headers=AUTH)
            assert r.status_code == 200 and r.json() == entry, (path, r.text)
        assert client.head(f"/v1/models/{entry['id']}", headers=AUTH).status_code == 200
    # only registered ones (a name or id prefix is found too, as for a chat completion's `model`:
    # tests/serve/test_r43_retrieve.py)
    for unknown in ("gpt-4", "ragtune:nope", "ragtune:", "x" * 300):
        e = _error(client.get(f"/v1/models/{unknown}", headers=AUTH), 404, "model_not_found")
        assert e["type"] == "invalid_request_error" and "does not exist (GET /v1/models lists them)" in e["message"]
    # a token is needed, as for the list
    assert client.get("/v1/models/ragtune").status_code == 401
    # more segments are no model: the route's 404
    _error(client.get("/v1/models/ragtune/base", headers=AUTH), 404, "not_found")


def test_the_openai_sdk_retrieves_a_model(client, home):
    openai = pytest.importorskip("openai")
    ids = register_adapters(home)
    oc = openai.OpenAI(base_url="http://testserver/v1", api_key=SECRET, http_client=client)
    for name in ("ragtune", "ragtune:base", f"ragtune:{ids['beta']}"):
        m = oc.models.retrieve(name)
        assert (m.id, m.object, m.owned_by) == (name, "model", "ragtune")
    with pytest.raises(openai.NotFoundError) as caught:
        oc.models.retrieve("ragtune:nope")
    assert caught.value.code == "model_not_found"


def test_a_parameterised_route_makes_one_metrics_label(client):
    """Requests are counted by route template: a label per model id sent (or per path of a 405 on it) would let any
    client grow /metrics (and Prometheus' memory) without end."""
    for i in range(5):
        client.get(f"/v1/models/ragtune:nope{i}", headers=AUTH)  # 404 model_not_found
        client.post(f"/v1/models/ragtune:x{i}", json={}, headers=AUTH)  # 405 method_not_allowed
        client.delete(f"/v1/models/ragtune{'/' if i % 2 else ''}", headers=AUTH)  # 405, with and without a slash
    client.get("/v1/models/ragtune", headers=AUTH)
    text = _metrics(client)
    assert 'ragtune_requests_total{code="404",route="/v1/models/{model}"} 5.0' in text
    assert 'ragtune_requests_total{code="405",route="/v1/models/{model}"} 10.0' in text
    assert 'ragtune_requests_total{code="200",route="/v1/models/{model}"} 1.0' in text
    routes = set(re.findall(r'ragtune_requests_total\{code="\d+",route="([^"]*)"\}', text))
    assert routes == {"/v1/models/{model}"}, routes  # (this /metrics request is counted after it renders)
    # a 405 on a route without parameters is still named by its path, counted once with or without the slash
    client.get("/v1/ask/", headers=AUTH)
    assert 'ragtune_requests_total{code="405",route="/v1/ask"} 1.0' in _metrics(client)


def test_a_stream_tells_proxies_not_to_buffer_it(client):
    """nginx holds a proxied response back until a buffer fills (a short answer: whole, at the end) unless the
    upstream says `X-Accel-Buffering: no`; no cache may keep it either."""
    body = {"model": "ragtune", "stream": True, "messages": [{"role": "user", "content": Q}]}
    with client.stream("POST", CHAT, json=body, headers=AUTH) as r:
        events = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["x-accel-buffering"] == "no" and r.headers["cache-control"] == "no-cache"
    assert events[-1] == "data: [DONE]"
    # a JSON answer is one body: nothing to say to a proxy
    r = client.post(CHAT, json=body | {"stream": False}, headers=AUTH)
    assert r.status_code == 200 and "x-accel-buffering" not in r.headers


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("model", ["", "   "])
def test_an_empty_model_is_a_422_that_names_the_field(client, model, stream):
    """`"model": ""` (an unset variable in a client's settings) was the 404 model_not_found "the model '' does
    not exist": a 422 invalid_value naming the field, as for the other fields' checks, before anything streams."""
    r = client.post(CHAT, json={"model": model, "stream": stream, "messages": [{"role": "user", "content": Q}]},
                    headers=AUTH)
    e = _error(r, 422, "invalid_value")
    assert e["message"].startswith("'model' must be a model name") and "empty" in e["message"]
    assert r.headers["content-type"].startswith("application/json")
    # absent or null is still the routed model
    for body in ({}, {"model": None}):
        r = client.post(CHAT, json=body | {"messages": [{"role": "user", "content": Q}]}, headers=AUTH)
        assert r.status_code == 200 and r.json()["model"] == "ragtune", r.text
