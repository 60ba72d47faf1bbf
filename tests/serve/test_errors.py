"""Every error the API gives has a fixed `code` (never null) a client can branch on, and the right status; a
question too long for retrieval is refused before it takes a place in the queue; OpenAI-client leniencies."""

from __future__ import annotations

import errno
import socket

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.registry import Registry
from ragtune.serve import server as server_mod
from ragtune.serve.body import MAX_QUESTION_CHARS
from ragtune.serve.server import listen_socket, make_app
from tests.gguf_helpers import write_gguf
from tests.serve.helpers import fake_factory, serve_settings

SECRET = "s3cret-token-0123456789"
AUTH = {"Authorization": f"Bearer {SECRET}"}
Q = "Where is the Eiffel Tower?"
ASK, CHAT = "/v1/ask", "/v1/chat/completions"
LONG = " ".join(f"w{i}" for i in range(MAX_QUESTION_CHARS // 3))  # > the limit once cleaned


@pytest.fixture
def client(home):
    factory = fake_factory()
    app = make_app(serve_settings(home, tokens=["alice:" + SECRET]), engine_factory=factory, workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.factory = factory
        yield c


def _user(text):
    return {"messages": [{"role": "user", "content": text}]}


CASES = [  # (what, method, path, json body or raw bytes, headers, status, code)
    ("no token", "post", ASK, {"question": Q}, {}, 401, "invalid_api_key"),
    ("not JSON", "post", ASK, b"{", AUTH, 400, "invalid_json"),
    ("not an object", "post", ASK, [Q], AUTH, 422, "invalid_body"),
    ("an unknown field", "post", ASK, {"question": Q, "temperature": 0}, AUTH, 422, "unknown_field"),
    ("a question of the wrong type", "post", ASK, {"question": 5}, AUTH, 422, "invalid_value"),
    ("no question", "post", ASK, {}, AUTH, 422, "invalid_value"),
    ("an empty question", "post", ASK, {"question": " \x00 "}, AUTH, 422, "empty_question"),
    ("k out of range", "post", ASK, {"question": Q, "k": 9}, AUTH, 422, "invalid_value"),
    ("a bad mode", "post", ASK, {"question": Q, "mode": "x"}, AUTH, 422, "invalid_value"),
    ("a question too long", "post", ASK, {"question": LONG}, AUTH, 400, "question_too_long"),
    ("an unknown adapter", "post", ASK, {"question": Q, "adapter": "nope"}, AUTH, 400, "adapter_not_found"),
    ("no messages", "post", CHAT, {"model": "ragtune"}, AUTH, 422, "invalid_messages"),
    ("a bad role", "post", CHAT, {"messages": [{"role": "bot", "content": Q}]}, AUTH, 422, "invalid_messages"),
    ("no user message", "post", CHAT, {"messages": [{"role": "system", "content": Q}]}, AUTH, 422,
     "invalid_messages"),
    ("an empty user message", "post", CHAT, _user(" "), AUTH, 422, "empty_question"),
    ("a user message too long", "post", CHAT, _user(LONG), AUTH, 400, "question_too_long"),
    ("a streamed one too long", "post", CHAT, {**_user(LONG), "stream": True}, AUTH, 400, "question_too_long"),
    ("n=3", "post", CHAT, {**_user(Q), "n": 3}, AUTH, 422, "unsupported_n"),
    ("stream as a string", "post", CHAT, {**_user(Q), "stream": "true"}, AUTH, 422, "invalid_value"),
    ("an unknown model", "post", CHAT, {**_user(Q), "model": "gpt-4o"}, AUTH, 404, "model_not_found"),
    ("an unknown route", "get", "/v1/nope", None, AUTH, 404, "not_found"),
    ("a wrong method", "delete", ASK, None, AUTH, 405, "method_not_allowed"),
    ("a latin-1 charset", "post", ASK, b'{"question": "q"}', {**AUTH, "Content-Type": "text/plain; charset=latin-1"},
     415, "unsupported_media_type"),
]


@pytest.mark.parametrize("what,method,path,body,headers,status,code", CASES, ids=[c[0] for c in CASES])
def test_every_error_has_its_status_and_a_fixed_code(client, what, method, path, body, headers, status, code):
    kw = {} if body is None else {"content": body} if isinstance(body, bytes) else {"json": body}
    r = client.request(method.upper(), path, headers=headers, **kw)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message"], err
    assert all(not e.generator.calls for e in client.factory.engines)  # nothing reached an engine


def test_a_question_too_long_is_refused_before_the_queue(client):
    """Retrieval's limit was the engine's 400 (no code) after the request had waited for an engine."""
    r = client.post(ASK, json={"question": LONG}, headers=AUTH)
    assert str(MAX_QUESTION_CHARS) in r.json()["error"]["message"]
    ok = " ".join([Q] * 4 + ["   "] * 2000)  # long only in spaces: the cleaned question is what counts
    assert client.post(ASK, json={"question": ok}, headers=AUTH).status_code == 200


def test_an_engine_fault_and_an_ambiguous_adapter_have_codes(home, monkeypatch):
    reg = Registry(home)
    # two adapters of one name: what a home registered before `add` refused a taken name (round 44) holds
    monkeypatch.setattr(Registry, "name_taken", lambda self, name, kind: None)
    for tag in ("one", "two"):  # two adapters with the same name
        reg.add(write_gguf(home.root / f"{tag}.gguf", tag=tag), "lora-gguf", name="twin")

    def broken(self, *a, **kw):
        raise RuntimeError("a bug")

    factory = fake_factory(answer=lambda gen: broken(gen))
    app = make_app(serve_settings(home), engine_factory=factory, workers=1)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post(ASK, json={"question": Q, "adapter": "twin"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "adapter_ambiguous", r.text
        assert "several" in r.json()["error"]["message"]
        r = c.post(ASK, json={"question": Q})
        assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error", r.text


def test_openai_client_leniencies(client):
    """What OpenAI clients send by default is accepted: sampling fields are ignored, null is 'not given'."""
    body = {**_user(Q), "model": None, "n": None, "stream": None, "user": None, "temperature": 0.2, "top_p": 1,
            "max_tokens": 16, "stop": ["\n"], "presence_penalty": 0, "frequency_penalty": 0, "seed": 1,
            "logit_bias": {}, "stream_options": None, "tools": [], "response_format": {"type": "text"}}
    r = client.post(CHAT, json=body, headers=AUTH)
    assert r.status_code == 200 and r.json()["model"] == "ragtune", r.text
    assert r.json()["choices"][0]["message"]["content"] == "Eiffel Tower Paris base"


@pytest.mark.parametrize("err,hint", [(errno.EADDRNOTAVAIL, "an address of this machine"),
                                      (errno.EACCES, "ports below 1024"),
                                      (errno.EADDRINUSE, "choose another --port")])
def test_a_bind_failure_hints_at_its_cause(monkeypatch, err, hint):
    def refuse(self, addr):
        raise OSError(err, f"errno {err}")

    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))])
    monkeypatch.setattr(socket.socket, "bind", refuse)
    with pytest.raises(InputError) as info:
        listen_socket("127.0.0.1", 80)
    assert hint in (info.value.hint or "")


def test_a_model_that_cannot_load_is_an_error_before_the_server_starts(home, monkeypatch):
    """It was a traceback from uvicorn's startup ('Application startup failed'); now the CLI's one-line error."""
    class Broken:
        @property
        def generator(self):
            raise ModelError("/models/x.gguf: llama.cpp cannot load the model")

        def close(self):
            pass

    started = []
    monkeypatch.setattr(server_mod, "default_engines", lambda settings, n: ([Broken()], []))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))])
    monkeypatch.setattr("uvicorn.Server.run", lambda self, **kw: started.append(True))
    with pytest.raises(ModelError, match="cannot load the model"):
        server_mod.serve(serve_settings(home), host="127.0.0.1", port=0)
    assert not started
