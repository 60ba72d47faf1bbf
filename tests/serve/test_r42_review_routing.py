"""Review of round 42: `ragtune:` with nothing after the prefix names no model. The registry refuses an empty
reference with an InputError ("empty model id"), which pinned_adapter took for an ambiguous name: a 400
adapter_ambiguous whose message named no candidates. It is the 404 model_not_found of any unknown name."""

from __future__ import annotations

from starlette.testclient import TestClient

from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

Q = "Where is the Eiffel Tower?"


def test_an_empty_adapter_after_the_prefix_is_an_unknown_model(home):
    app = make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)
    with TestClient(app) as c:
        for model in ("ragtune:", "ragtune:  "):
            for stream in (False, True):
                r = c.post("/v1/chat/completions",
                           json={"model": model, "stream": stream, "messages": [{"role": "user", "content": Q}]})
                assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found", r.text
