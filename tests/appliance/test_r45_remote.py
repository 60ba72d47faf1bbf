"""Round 45: the "openai" backend as a team that runs the model on another box meets it. Every failure is one
line naming the server's URL, with a hint naming the setting to change; the API key (and a password in base_url)
never appears in a message; `check_server` (doctor's look at the server) says whether it answers, serves the
configured names and tokenizer, and applies grammars; `cache_scope` tells answers from different servers apart.
Fakes only: a fake vocabulary (no GGUF) and httpx's MockTransport (sockets are blocked in tests)."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from ragtune.appliance import remote
from ragtune.appliance.config import GenerateConfig
from ragtune.appliance.errors import GenerationError
from ragtune.appliance.home import Home
from ragtune.appliance.schema import answer_schema

URL = "http://gpu-box:8080/v1"
GOOD = '{"status": "ok", "answer": "Paris", "citations": ["S1"]}'
MSGS = [{"role": "system", "content": "sys"}, {"role": "user", "content": "Where is the tower?"}]
KEY = "sk-r45-secret-key"


class _FakeLlama:
    """A vocabulary-only load: the chat template renders the last turn; a token per byte."""

    def __init__(self, model_path: str, vocab_only: bool, verbose: bool):
        self.metadata = {"tokenizer.chat_template": "<{{ messages[-1]['content'] }}>"}

    def token_eos(self) -> int:
        return -1

    def token_bos(self) -> int:
        return -1

    def tokenize(self, raw: bytes, add_bos: bool, special: bool) -> list[int]:
        return list(raw)


class _FakeLlamaCpp:
    Llama = _FakeLlama


@pytest.fixture
def model(monkeypatch, tmp_path):
    pytest.importorskip("llama_cpp")  # the chat formatter is llama-cpp-python's
    monkeypatch.setattr(remote, "_llama_cpp", lambda: _FakeLlamaCpp)
    monkeypatch.setattr(remote._Vocab, "_cache", {})
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"a model")
    return path


def _gen(model, handler, *, base_url=URL, **cfg) -> remote.OpenAIGenerator:
    cfg.setdefault("remote_timeout_s", 7)
    return remote.OpenAIGenerator(GenerateConfig(backend="openai", base_url=base_url, model=str(model), **cfg),
                                  Home(model.parent / "home"),
                                  client=httpx.Client(transport=httpx.MockTransport(handler)))


def _server(completion=None, *, models=("tiny",), models_reply=None):
    """A server listing `models`, answering /completions with `completion(body)` (an httpx.Response)."""
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return models_reply or httpx.Response(200, json={"data": [{"id": m} for m in models]})
        body = json.loads(request.content)
        if completion is not None:
            return completion(body)
        return httpx.Response(200, json={"model": body["model"], "choices": [{"text": GOOD, "finish_reason": "stop"}]})
    return handler


def _ask(g, stream=False):
    pieces: list[str] = []
    return g.generate(MSGS, schema=answer_schema(["S1"]), max_tokens=16,
                      on_token=pieces.append if stream else None)


def _raise(exc):
    def handler(request):
        raise exc
    return handler


FAILURES = {  # what the team saw → (the server's behaviour, words in the message, words in the hint)
    "down": (_raise(httpx.ConnectError("[Errno 111] Connection refused")), "is unreachable", r"\[generate\] base_url"),
    "slow": (_server(lambda b: (_ for _ in ()).throw(httpx.ReadTimeout("timed out"))),
             r"did not answer /completions within 7 s", r"\[generate\] remote_timeout_s"),
    "500": (_server(lambda b: httpx.Response(500, text="CUDA error:\nout of memory")),
            r"answered 500 on /completions: CUDA error: out of memory$", "server's log"),
    "404": (_server(models_reply=httpx.Response(404, text="<html><h1>Not Found</h1></html>")),
            "answered 404 on /models", r"\[generate\] base_url.*/v1"),
    "401": (_server(models_reply=httpx.Response(401, json={"error": "invalid api key"})), "answered 401 on /models",
            r"R45_KEY \(\[generate\] api_key_env\)"),
    "invalid JSON": (_server(lambda b: httpx.Response(200, text='{"choices": [')),
                     r"reply on /completions: truncated JSON", r"\[generate\] base_url = http://gpu-box:8080/v1 "),
    "HTML": (_server(lambda b: httpx.Response(200, text="<!DOCTYPE html><p>Bad gateway</p>")),
             r"reply on /completions: invalid JSON", "base_url = http://gpu-box:8080/v1 .*OpenAI-compatible"),
    "not an object": (_server(lambda b: httpx.Response(200, json=[1])), "is not a JSON object",
                      "base_url = http://gpu-box:8080/v1 .*OpenAI-compatible"),
    "no choices": (_server(lambda b: httpx.Response(200, json={"model": "tiny", "choices": []})),
                   r"reply on http://gpu-box:8080/v1/completions has no choices", "OpenAI-compatible"),
    "another model": (_server(lambda b: httpx.Response(200, json={"model": "llama-3-70b",
                                                                   "choices": [{"text": GOOD}]})),
                      "at http://gpu-box:8080/v1 for 'tiny', it answered as 'llama-3-70b'", r"remote_model"),
    "base not listed": (_server(models=("llama-3-70b",)), "does not serve 'tiny'", r"\[generate\] remote_model"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_every_failure_is_one_line_naming_the_server_and_the_setting_to_change(model, case):
    """Round 45: messages lacked the URL ("the generation server answered 500 on /completions", "the generation
    server's reply has no choices[0].text"), a hint naming the setting (base_url, api_key_env, remote_timeout_s,
    remote_model), a timeout read "unreachable: timed out", and a server's reply of several lines broke the line."""
    handler, message, hint = FAILURES[case]
    g = _gen(model, handler, remote_model="tiny", api_key_env="R45_KEY")
    with pytest.raises(GenerationError) as err:
        _ask(g)
    exc = err.value
    assert "\n" not in exc.message and "http://gpu-box:8080/v1" in str(exc)  # the message, or the hint (JSON
    # damage keeps its message, tests/appliance/test_json_located.py)
    assert exc.hint and re.search(message, exc.message), exc.message
    assert re.search(hint, exc.hint), exc.hint


@pytest.mark.parametrize("case", ["500", "slow", "cut short", "HTML line"])
def test_a_streamed_answer_fails_the_same_way(model, case):
    def stream(lines, status=200):
        return lambda b: httpx.Response(status, content=("".join(f"data: {x}\n\n" for x in lines)).encode(),
                                        headers={"content-type": "text/event-stream"})
    chunk = json.dumps({"model": "tiny", "choices": [{"text": GOOD, "finish_reason": None}]})
    handler, message, hint = {
        "500": (_server(stream(["oops"], 500)), "at http://gpu-box:8080/v1 answered 500 on /completions", "log"),
        "slow": (_server(lambda b: (_ for _ in ()).throw(httpx.ReadTimeout("timed out"))), "within 7 s",
                 "remote_timeout_s"),
        "cut short": (_server(stream([chunk])), "at http://gpu-box:8080/v1 ended the stream", "interrupt_requests"),
        "HTML line": (_server(stream(["<html>"])), "stream: invalid JSON", "base_url = http://gpu-box:8080/v1 "),
    }[case]
    with pytest.raises(GenerationError, match=message) as err:
        _ask(_gen(model, handler, remote_model="tiny"), stream=True)
    assert hint in (err.value.hint or "")


def test_an_unlisted_adapter_names_remote_adapters(model, tmp_path):
    lora = tmp_path / "tuned.gguf"
    lora.write_bytes(b"lora")
    g = _gen(model, _server(models=("tiny",)), remote_model="tiny", remote_adapters={"tuned.gguf": "tiny-tuned"})
    g.set_adapter(lora, "a" * 64)
    with pytest.raises(GenerationError, match="does not serve 'tiny-tuned'") as err:
        _ask(g)
    assert "remote_adapters" in err.value.hint and "remote_model" not in err.value.hint


def test_the_api_key_is_sent_and_never_shown(model, monkeypatch):
    """Round 45: a server that echoes the key it refused ("Incorrect API key provided: sk-…") put the key into the
    CLI's message, the serve log and doctor's report."""
    monkeypatch.setenv("R45_KEY", KEY)
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {KEY}"}})

    g = _gen(model, handler, remote_model="tiny", api_key_env="R45_KEY")
    with pytest.raises(GenerationError) as err:
        _ask(g)
    assert seen == [f"Bearer {KEY}"]
    assert KEY not in str(err.value) and "***" in err.value.message
    assert "$R45_KEY was refused" in err.value.hint


def test_a_password_in_base_url_is_not_shown(model):
    g = _gen(model, _raise(httpx.ConnectError("refused")), base_url="http://team:hunter2@gpu-box:8080/v1",
             remote_model="tiny")
    with pytest.raises(GenerationError) as err:
        _ask(g)
    assert "hunter2" not in str(err.value) and "http://gpu-box:8080/v1 is unreachable" in err.value.message
    assert "hunter2" not in json.dumps(g.cache_scope)
    assert remote.shown_url("https://u:p@h/v1") == "https://h/v1"
    assert remote.shown_url("http://h:1/v1") == "http://h:1/v1"


def test_cache_scope_tells_servers_and_served_names_apart(model, tmp_path):
    """The answer cache keys on model_id (the local GGUF's sha256), which the local backend and every server
    share: cache_scope is what else decided the answer."""
    a = _gen(model, _server(), remote_model="tiny")
    assert a.cache_scope == {"backend": "openai", "server": URL, "served": "tiny"}
    assert _gen(model, _server(), base_url="http://other:8080/v1", remote_model="tiny").cache_scope != a.cache_scope
    assert _gen(model, _server(), remote_model="tiny-q8").cache_scope != a.cache_scope
    lora = tmp_path / "t.gguf"
    lora.write_bytes(b"lora")
    b = _gen(model, _server(), remote_model="tiny", remote_adapters={"t.gguf": "tuned"})
    b.set_adapter(lora, "b" * 64)
    assert b.cache_scope["served"] == "tuned"


# -- check_server: doctor's look at the server ---------------------------------------------------------------------
def _probe_server(text="ok", prompt_tokens=None, models=("tiny", "tuned"), seen=None):
    def completion(body):
        if seen is not None:
            seen.append(body)
        n = prompt_tokens(body) if callable(prompt_tokens) else prompt_tokens
        return httpx.Response(200, json={"model": body["model"],
                                         "choices": [{"text": text, "finish_reason": "stop"}],
                                         **({"usage": {"prompt_tokens": n}} if n is not None else {})})
    return _server(completion, models=models)


def _check(model, handler, adapter=None, **cfg):
    cfg = GenerateConfig(backend="openai", base_url=URL, model=str(model), remote_model="tiny", **cfg)
    return remote.check_server(cfg, Home(model.parent / "home"), adapter=adapter,
                               client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_check_server_ok_when_it_serves_the_names_and_tokenizer_and_applies_the_grammar(model, tmp_path):
    seen: list[dict] = []
    lora = tmp_path / "t.gguf"
    lora.write_bytes(b"lora")
    ours = lambda body: len(body["prompt"].encode())  # noqa: E731 - the fake tokenizer: a token per byte
    status, detail, hint = _check(model, _probe_server(prompt_tokens=ours, seen=seen), adapter=(lora, "c" * 64),
                                  remote_adapters={"t.gguf": "tuned"})
    assert status == "ok" and hint is None
    assert detail.startswith(f"{URL} serves 'tiny', 'tuned'") and "grammar applied" in detail
    assert seen[0]["grammar"] == remote.PROBE_GRAMMAR and seen[0]["max_tokens"] == 4 and seen[0]["model"] == "tuned"
    # one token apart (a BOS one side adds): the same tokenizer
    assert _check(model, _probe_server(prompt_tokens=lambda b: ours(b) + 1))[0] == "ok"


def test_check_server_warns_when_the_grammar_is_ignored(model):
    status, detail, hint = _check(model, _probe_server(text="Sure, ok!"))
    assert status == "warn" and "ignores grammars" in detail and "'Sure, ok!'" in detail and "GBNF" in hint


def test_check_server_fails_on_another_tokenizer_names_and_auth(model, tmp_path):
    with pytest.raises(GenerationError, match=r"counts 3 tokens in a prompt that generate.model .* counts as \d+"):
        _check(model, _probe_server(prompt_tokens=3))
    lora = tmp_path / "t.gguf"
    lora.write_bytes(b"lora")
    with pytest.raises(GenerationError, match="does not serve 'tuned'"):
        _check(model, _probe_server(models=("tiny",)), adapter=(lora, "c" * 64), remote_adapters={"t.gguf": "tuned"})
    with pytest.raises(GenerationError, match="answered 401") as err:
        _check(model, _server(models_reply=httpx.Response(401, text="no")))
    assert "api_key_env" in err.value.hint
    with pytest.raises(GenerationError, match="is unreachable"):
        _check(model, _raise(httpx.ConnectError("refused")))


def test_no_answer_is_cached_from_a_failed_call(model, settings):
    """A failed call raises before the answer cache is written: the next call asks the server again."""
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.types import ContextItem
    from tests.serve.helpers import FakeRetriever

    up = {"ok": False}

    def completion(body):
        if not up["ok"]:
            return httpx.Response(503, text="loading model")
        return httpx.Response(200, json={"model": "tiny", "choices": [{"text": GOOD, "finish_reason": "stop"}]})

    g = _gen(model, _server(completion), remote_model="tiny")
    ctx = [ContextItem(id="S1", text="The tower is in Paris.")]
    eng = AnswerEngine(settings, retriever=FakeRetriever(), generator=g)
    with pytest.raises(GenerationError, match="answered 503"):
        eng.ask("Where is the tower?", retrieve=False, context=ctx)
    up["ok"] = True
    ans = eng.ask("Where is the tower?", retrieve=False, context=ctx)
    assert not ans.cached and ans.status == "ok" and ans.answer == "Paris"
