"""Round 43, adapters vs the served model, follow-ups: GET /v1/models/{model} refuses what GET /v1/models leaves out
(with a chat completion's 400), and an adapter the server routed an unpinned request to (a rollout's arm, [generate]
adapter) that the served model cannot serve is the server's 500 model_error, not the client's 400."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.config import GenerateConfig, Settings
from ragtune.appliance.config_ops import ServeConfig
from ragtune.models.rollout import Rollout, RolloutState
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory
from tests.serve.test_r43_adapter_choice import OTHER, shapes  # noqa: F401  (the fixture)

ASK, CHAT = "/v1/ask", "/v1/chat/completions"
Q = "Where is the Eiffel Tower?"


def _app(home, shapes, **generate):  # noqa: F811
    settings = Settings(home=home, serve=ServeConfig(), generate=GenerateConfig(model="my-model", **generate))
    return make_app(settings, engine_factory=fake_factory(model_id=shapes["model"].id), workers=1)


def test_retrieve_refuses_what_the_list_leaves_out(home, shapes):  # noqa: F811
    """Was: GET /v1/models/ragtune:<id> answered 200 for an adapter GET /v1/models hides (made for another base, or
    of another shape); now the 400 a chat completion naming it gets, so the list and the lookup agree."""
    model, theirs = shapes["model"], shapes["theirs"]
    with TestClient(_app(home, shapes)) as c:
        listed = {m["id"] for m in c.get("/v1/models").json()["data"]}
        for name in ("made", "loose", "theirs", "narrow"):
            model_id = f"ragtune:{shapes[name].id}"
            r = c.get(f"/v1/models/{model_id}")
            assert (r.status_code == 200) == (model_id in listed), (name, r.status_code, r.text)
            byname = c.get(f"/v1/models/ragtune:{name}")  # by its name too: the same resolver
            assert byname.status_code == r.status_code, byname.text
        r = c.get(f"/v1/models/ragtune:{theirs.id}")
        err = r.json()["error"]
        assert r.status_code == 400 and err["code"] == "adapter_base_mismatch", r.text
        assert err["message"] == f"adapter {theirs.id[:12]}… (theirs) was made for base model {OTHER[:12]}…, but " \
            f"the served model is {model.id[:12]}… (my-model); refusing to serve it on another model"
        chat = c.post(CHAT, json={"model": f"ragtune:{theirs.id}", "messages": [{"role": "user", "content": Q}]})
        assert chat.status_code == 400 and chat.json()["error"] == err  # retrieve says what the chat says
        r = c.get("/v1/models/ragtune:narrow")
        assert r.status_code == 400 and r.json()["error"]["code"] == "adapter_misfit", r.text
        assert str(home.root) not in r.text and "narrow.gguf" not in r.text
        assert c.get(f"/v1/models/ragtune:{shapes['made'].id}").json()["id"] == f"ragtune:{shapes['made'].id}"
        assert c.get("/v1/models/ragtune:base").status_code == 200 and c.get("/v1/models/ragtune").status_code == 200


def _running(home, candidate: str) -> None:
    """A rollout whose candidate arm takes every client (a rollout started while another model was served, or
    by a hand edit: `rollout start` refuses it now)."""
    st = RolloutState(home)
    st._save(Rollout(id="r1", candidate=candidate, control="none", share=100), "start")


@pytest.mark.parametrize("stream", [False, True])
def test_a_routed_candidate_made_for_another_base_is_the_servers_500(home, shapes, stream):  # noqa: F811
    """Was: 400 adapter_base_mismatch to a client that named no adapter (the rollout chose it for them)."""
    _running(home, shapes["theirs"].id)
    with TestClient(_app(home, shapes), raise_server_exceptions=False) as c:
        r = c.post(CHAT, json={"model": "ragtune", "stream": stream, "messages": [{"role": "user", "content": Q}]})
        assert r.status_code == 500, r.text
        err = r.json()["error"]
        assert err["code"] == "model_error" and err["type"] == "server_error", err
        assert "the rollout's candidate arm: it was made for another base model" in err["message"], err
        assert "not the request's fault" in err["message"]
        r = c.post(ASK, json={"question": Q})  # /v1/ask without `adapter`: routed too
        assert r.status_code == 500 and r.json()["error"]["code"] == "model_error", r.text
        # the same adapter pinned by the client stays the client's 400
        r = c.post(ASK, json={"question": Q, "adapter": "theirs"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "adapter_base_mismatch", r.text


def test_a_routed_candidate_of_another_shape_is_the_servers_500(home, shapes, caplog):  # noqa: F811
    """The 500 says why without the server's paths; the server log has the whole reason. ([generate] adapter of
    another shape is refused before serve listens: pool warm-up.)"""
    _running(home, shapes["narrow"].id)
    with TestClient(_app(home, shapes), raise_server_exceptions=False) as c:
        with caplog.at_level("ERROR", logger="ragtune.serve"):
            r = c.post(ASK, json={"question": Q})
        assert r.status_code == 500, r.text
        err = r.json()["error"]
        assert err["code"] == "model_error" and "the rollout's candidate arm: it does not fit the served model: its " \
            "LoRA for blk.0.attn_q.weight is 4×4" in err["message"], err
        assert str(home.root) not in r.text and "narrow.gguf" not in r.text
        assert any("narrow.gguf: does not fit" in rec.getMessage() and "rollout rollback" in rec.getMessage()
                   for rec in caplog.records), caplog.text
        r = c.post(ASK, json={"question": Q, "adapter": "narrow"})  # named by the client: its 400
        assert r.status_code == 400 and r.json()["error"]["code"] == "adapter_misfit", r.text
