"""Round 43, own models over HTTP: a request naming an adapter the served model cannot serve (made for another base,
or of another shape) is the client's mistake, a 400 with its own code (serve/errors.py), and GET /v1/models lists
only the adapters the served model can serve (routing.Router.list_adapters)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.gguf_helpers import shaped_gguf, write_gguf
from tests.serve.helpers import fake_factory, serve_settings

ASK, CHAT = "/v1/ask", "/v1/chat/completions"
Q = "Where is the Eiffel Tower?"
OTHER = "b" * 64  # another base's id


def _error(r, status: int, code: str) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    err = r.json()["error"]
    assert err["code"] == code and err["type"] == "invalid_request_error", err
    return err["message"]


@pytest.fixture
def shapes(reg, home):
    """A registered model (its tensors) and LoRAs: one made for it, one fitting it with no base recorded, one of
    another shape with no base, one made for another base."""
    np = pytest.importorskip("numpy")
    f32 = np.float32
    d = home.root / "files"
    d.mkdir(parents=True, exist_ok=True)
    model_file = shaped_gguf(d / "m.gguf", {"blk.0.attn_q.weight": np.zeros((8, 16), f32)}, False)
    model = reg.add(model_file, "base-gguf", name="my-model")
    fit = {"blk.0.attn_q.weight.lora_a": np.zeros((2, 16), f32), "blk.0.attn_q.weight.lora_b": np.zeros((8, 2), f32)}
    made = reg.add(shaped_gguf(d / "made.gguf", fit, True), "lora-gguf", name="made", base_id=model.id)
    fit2 = {k: v + 1 for k, v in fit.items()}  # other bytes, the same shape
    loose = reg.add(shaped_gguf(d / "loose.gguf", fit2, True), "lora-gguf", name="loose")
    narrow = reg.add(shaped_gguf(d / "narrow.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 4), f32),
                                                 "blk.0.attn_q.weight.lora_b": np.zeros((4, 2), f32)}, True),
                     "lora-gguf", name="narrow")
    theirs = reg.add(write_gguf(d / "theirs.gguf", tag="theirs"), "lora-gguf", name="theirs", base_id=OTHER)
    return {"model": model, "model_file": model_file, "made": made, "loose": loose, "narrow": narrow,
            "theirs": theirs}


def test_an_adapter_made_for_another_base_is_the_clients_400(home, shapes):
    """Was: 500 model_error ("a model or adapter could not be loaded"), as if the server were broken."""
    model, theirs = shapes["model"], shapes["theirs"]
    app = make_app(serve_settings(home), engine_factory=fake_factory(model_id=model.id), workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        said = f"adapter {theirs.id[:12]}… (theirs) was made for base model {OTHER[:12]}…, but the served model " \
               f"is {model.id[:12]}… (my-model); refusing to serve it on another model"
        assert _error(c.post(ASK, json={"question": Q, "adapter": "theirs"}), 400, "adapter_base_mismatch") == said
        for stream in (False, True):  # a stream is refused before it starts, with the same status
            r = c.post(CHAT, json={"model": f"ragtune:{theirs.id}", "stream": stream,
                                   "messages": [{"role": "user", "content": Q}]})
            assert _error(r, 400, "adapter_base_mismatch") == said
        ok = c.post(ASK, json={"question": Q, "adapter": "made"})  # made for the served model: answers
        assert ok.status_code == 200, ok.text


def test_an_adapter_of_another_shape_is_the_clients_400_without_the_servers_paths(home, shapes):
    model = shapes["model"]
    app = make_app(serve_settings(home), engine_factory=fake_factory(model_id=model.id), workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        msg = _error(c.post(ASK, json={"question": Q, "adapter": "narrow"}), 400, "adapter_misfit")
        assert msg.startswith("the adapter does not fit the served model: its LoRA for blk.0.attn_q.weight is 4×4 "
                              "(rank 2), the model's weight is 8×16"), msg
        assert str(home.root) not in msg and "narrow.gguf" not in msg
        assert c.post(ASK, json={"question": Q, "adapter": "loose"}).status_code == 200  # no base, fits: served


@pytest.mark.parametrize("model_by", ["name", "path"])
def test_models_lists_only_the_adapters_the_served_model_can_serve(home, shapes, monkeypatch, model_by):
    """Was: every GGUF LoRA, also those made for another base or of another shape (each then refused if asked)."""
    from ragtune.appliance import ggufinfo
    from ragtune.serve.routing import Router

    served = "my-model" if model_by == "name" else str(shapes["model_file"])
    router = Router(home, model=served)
    want = sorted(shapes[n].id for n in ("made", "loose"))
    assert sorted(m["id"] for m in router.list_adapters()) == want
    reads = []
    real = ggufinfo.read_gguf
    monkeypatch.setattr(ggufinfo, "read_gguf", lambda p: reads.append(p) or real(p))
    assert sorted(m["id"] for m in router.list_adapters()) == want
    assert reads == []  # the shapes were checked once per adapter and model, not at every listing
    # the served model unknown here (a reference that resolves to nothing): nothing is left out, as before
    assert len(Router(home, model="nothing-of-that-name").list_adapters()) == 4
    assert len(Router(home).list_adapters()) == 4


def test_the_models_endpoint_leaves_out_what_the_router_leaves_out(home, shapes):
    from ragtune.appliance.config import GenerateConfig, Settings
    from ragtune.appliance.config_ops import ServeConfig

    # build_state passes the served model ([generate] model) to the Router
    settings = Settings(home=home, serve=ServeConfig(), generate=GenerateConfig(model="my-model"))
    app = make_app(settings, engine_factory=fake_factory(model_id=shapes["model"].id), workers=1)
    with TestClient(app) as c:
        ids = {m["id"] for m in c.get("/v1/models").json()["data"]}
    assert ids == {"ragtune", "ragtune:base", f"ragtune:{shapes['made'].id}", f"ragtune:{shapes['loose'].id}"}
