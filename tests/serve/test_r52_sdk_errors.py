"""Round 52: which exception the real `openai` package (a test dependency) raises for each of ragtune's errors, as
docs/serve.md "Using the OpenAI SDK" tells an SDK user, and what it reads from the body (`code`, `param`, `type`) and
the headers (`Retry-After` on the 429 `client_busy` and the 503 `busy`). The SDK talks to the app through Starlette's
TestClient (an httpx.Client): no socket, no sleeps (max_retries=0 unless a test counts the retries)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.serve.pool import Busy, ClientBusy
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, serve_settings

openai = pytest.importorskip("openai")

SECRET = "sdk-secret-0123456789abcdef"
USER = [{"role": "user", "content": "How many vacation days do employees get?"}]


@pytest.fixture
def served(home):
    home.ensure()
    from tests.serve.test_r50_tenants import _ingest
    _ingest(home, ["/srv/docs/vacation.md"])
    with TestClient(make_app(serve_settings(home, tokens=[f"desk:{SECRET}"]), engine_factory=fake_factory(),
                             workers=1)) as http:
        yield http


def _sdk(http, key: str = SECRET, retries: int = 0):
    return openai.OpenAI(base_url="http://testserver/v1", api_key=key, http_client=http, max_retries=retries)


def _raised(call, kind):
    with pytest.raises(kind) as caught:
        call()
    return caught.value


def test_each_error_is_the_exception_the_docs_name_with_its_code_and_param(served):
    sdk = _sdk(served)
    e = _raised(lambda: sdk.chat.completions.create(model="ragtune", messages=USER, n=2),
                openai.UnprocessableEntityError)  # 422: not a BadRequestError
    assert not isinstance(e, openai.BadRequestError) and isinstance(e, openai.APIStatusError)
    assert (e.status_code, e.code, e.param, e.type) == (422, "unsupported_n", "n", "invalid_request_error")
    e = _raised(lambda: sdk.chat.completions.create(model="ragtune", messages=USER, extra_body={"in": ["/nope/"]}),
                openai.BadRequestError)
    assert (e.code, e.param) == ("document_not_found", "in")
    e = _raised(lambda: sdk.chat.completions.create(model="ragtune:nothing-such", messages=USER),
                openai.NotFoundError)
    assert (e.code, e.param) == ("model_not_found", "model")
    e = _raised(lambda: _sdk(served, key="wrong-0123456789abcdef").models.list(), openai.AuthenticationError)
    assert e.code == "invalid_api_key"


def test_busy_is_an_internal_server_error_and_client_busy_a_rate_limit_error_each_with_retry_after(served,
                                                                                                  monkeypatch):
    pool = served.app.state.serve.pool
    refusals = []

    def refuse(exc):
        def admit(client=None):
            refusals.append(client)
            raise exc
        return admit

    monkeypatch.setattr(pool, "admit", refuse(Busy()))
    e = _raised(lambda: _sdk(served).chat.completions.create(model="ragtune", messages=USER),
                openai.InternalServerError)  # the server out of capacity: a 5xx to the SDK
    assert (e.status_code, e.code, e.type) == (503, "busy", "server_error")
    assert int(e.response.headers["retry-after"]) >= 1
    monkeypatch.setattr(pool, "admit", refuse(ClientBusy(4)))
    e = _raised(lambda: _sdk(served).chat.completions.create(model="ragtune", messages=USER, stream=True),
                openai.RateLimitError)  # this client over its share: before any event, as a JSON error
    assert (e.status_code, e.code, e.type) == (429, "client_busy", "rate_limit_error")
    assert int(e.response.headers["retry-after"]) >= 1 and "4 request(s) waiting" in e.message
    # the SDK retries both (after Retry-After): with max_retries=1, one more try; the wait itself is not run here
    monkeypatch.setattr(openai.OpenAI, "_calculate_retry_timeout", lambda self, *a, **kw: 0.0)
    refusals.clear()
    _raised(lambda: _sdk(served, retries=1).chat.completions.create(model="ragtune", messages=USER),
            openai.RateLimitError)
    assert refusals == ["desk", "desk"]
