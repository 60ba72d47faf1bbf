"""Round 43: GET /v1/models/{model} (the OpenAI SDK's models.retrieve) accepts exactly what a chat completion accepts
as `model`, by the same resolver (Router.served_model): an adapter's name or id prefix was a 404 there while
`chat.completions.create(model=...)` answered with it. It answers with the model's entry in GET /v1/models."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.gguf_helpers import write_gguf
from tests.serve.helpers import fake_factory, register_adapters, serve_settings

Q = "Where is the Eiffel Tower?"
CHAT = "/v1/chat/completions"
SECRET = "s3cret-token-0123456789"
AUTH = {"Authorization": f"Bearer {SECRET}"}


@pytest.fixture
def served(home, monkeypatch):
    """(client, alpha's id, the ids of the two adapters both named "dup"); "team/hr" names a third."""
    from ragtune.appliance.registry import Registry

    ids = register_adapters(home)
    reg = Registry(home)
    # two adapters of one name: what a home registered before `add` refused a taken name holds
    monkeypatch.setattr(Registry, "name_taken", lambda self, name, kind: None, raising=False)
    dups = [reg.add(write_gguf(home.root / f"dup{i}.gguf", tag=f"dup{i}"), "lora-gguf", name="dup").id
            for i in (1, 2)]
    reg.add(write_gguf(home.root / "hr.gguf", tag="hr"), "lora-gguf", name="team/hr")
    app = make_app(serve_settings(home, tokens=["alice:" + SECRET]), engine_factory=fake_factory(), workers=1)
    with TestClient(app) as c:
        yield c, ids["alpha"], dups


def _outcome(r) -> tuple[int, str | None]:
    return r.status_code, (None if r.status_code == 200 else r.json()["error"]["code"])


def _retrieve(c, model: str):
    from urllib.parse import quote

    return c.get("/v1/models/" + quote(model, safe=":"), headers=AUTH)  # "/" as %2F, as the OpenAI SDK sends it


def test_retrieve_accepts_what_a_chat_completion_accepts(served):
    c, alpha, dups = served
    listed = {e["id"]: e for e in c.get("/v1/models", headers=AUTH).json()["data"]}
    names = ["ragtune", "ragtune:base", "ragtune:alpha", " ragtune:alpha", "ragtune: alpha ", f"ragtune:{alpha}",
             f"ragtune:{alpha[:8]}", f"ragtune:{alpha[:12].upper()}", "ragtune:team/hr", "ragtune:dup",
             f"ragtune:{dups[0][:16]}", "ragtune:nope", "ragtune:", "ragtune: ", "ragtune:BASE", "Ragtune",
             "gpt-4", "ragtune:alpha/", "ragtune:none", "ragtune:default"]
    found = 0
    for model in names:
        chat = c.post(CHAT, json={"model": model, "messages": [{"role": "user", "content": Q}]}, headers=AUTH)
        got = _retrieve(c, model)
        assert _outcome(got) == _outcome(chat), (model, got.text, chat.text)
        if got.status_code == 200:  # the canonical entry, as the list shows it
            found += 1
            assert got.json() == listed[got.json()["id"]], model
            if model.startswith("ragtune:") and model != "ragtune:base":
                assert got.json()["id"] == "ragtune:" + chat.json()["ragtune"]["adapter"], model
        elif got.status_code == 400:  # the same message, naming the candidates
            assert got.json() == chat.json(), model
    assert found == 9  # ragtune, ragtune:base, and seven names of three adapters
    assert _retrieve(c, "ragtune:alpha").json()["id"] == f"ragtune:{alpha}"
    assert _outcome(_retrieve(c, "ragtune:dup")) == (400, "adapter_ambiguous")
    assert _outcome(_retrieve(c, "ragtune:nope")) == (404, "model_not_found")
    # a name longer than any (a chat completion's 422 invalid_value: a body's field) is not looked up
    assert _outcome(_retrieve(c, "ragtune:" + "a" * 250)) == (404, "model_not_found")


def test_a_name_is_retrieved_with_or_without_the_routes_slash(served):
    c, alpha, _ = served
    for path in ("/v1/models/ragtune:alpha", "/v1/models/ragtune:alpha/", "/v1/models/ragtune%3Aalpha",
                 "/v1/models/ragtune:team%2Fhr", "/v1/models/ragtune:team%2fhr/"):
        r = c.get(path, headers=AUTH)
        assert r.status_code == 200 and r.json()["id"].startswith("ragtune:"), (path, r.text)
    assert c.head("/v1/models/ragtune:alpha", headers=AUTH).status_code == 200
    # a literal "/" separates segments: no model is named by two of them, nor by an empty one
    for path in ("/v1/models/ragtune:team/hr", "/v1/models/ragtune/base", "/v1/models/ragtune:alpha//",
                 "/v1/models//ragtune"):
        r = c.get(path, headers=AUTH)
        assert _outcome(r) == (404, "not_found"), (path, r.text)
        assert _outcome(c.post(path, json={}, headers=AUTH)) == (404, "not_found"), path  # no route: no 405
    assert 'ragtune_requests_total{code="404",route="-"} 8.0' in c.get("/metrics", headers=AUTH).text
    assert c.get("/v1/models/ragtune:alpha").status_code == 401  # a token is needed, as for the list


def test_the_openai_sdk_retrieves_a_model_by_the_name_it_chats_with(served):
    openai = pytest.importorskip("openai")
    c, alpha, _ = served
    oc = openai.OpenAI(base_url="http://testserver/v1", api_key=SECRET, http_client=c)
    for name in ("ragtune:alpha", f"ragtune:{alpha[:8]}", "ragtune:team/hr"):
        m = oc.models.retrieve(name)
        assert m.id.startswith("ragtune:") and len(m.id) == len("ragtune:") + 64 and m.object == "model", name
        r = oc.chat.completions.create(model=name, messages=[{"role": "user", "content": Q}])
        assert m.id == "ragtune:" + r.model_extra["ragtune"]["adapter"]
    with pytest.raises(openai.BadRequestError) as caught:
        oc.models.retrieve("ragtune:dup")
    assert caught.value.code == "adapter_ambiguous"
    with pytest.raises(openai.NotFoundError):
        oc.models.retrieve("ragtune:nope")
