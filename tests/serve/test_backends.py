"""Generation backends: the "openai" backend's requests and its failure modes (mock transport), then the real
thing: llama-cpp-python's own OpenAI server on loopback as the backend, and mixed adapters under concurrency with
the in-process backend and with that server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import GenerateConfig, ServeConfig, Settings
from ragtune.appliance.errors import GenerationError, ModelError
from ragtune.appliance.prompt import SYSTEM_PROMPT, messages
from ragtune.appliance.schema import answer_schema
from ragtune.appliance.types import ContextItem
from tests.serve.helpers import FakeRetriever

CTX = [ContextItem(id="S1", text="The Eiffel Tower is in Paris. It was built from 1887 to 1889 by Gustave Eiffel."),
       ContextItem(id="S2", text="Mount Everest is the highest mountain on Earth.")]
QUESTIONS = ["Where is the Eiffel Tower?", "When was the Eiffel Tower built?", "What is the highest mountain?",
             "Who built the Eiffel Tower?"]


def _model_path():
    from ragtune.appliance.generate import resolve_model
    from ragtune.appliance.home import Home

    try:
        return resolve_model("smollm2-135m-instruct-q4_1", Home())[0]
    except ModelError as exc:  # pragma: no cover
        pytest.skip(f"default GGUF not available: {exc}")


def _remote(transport, **cfg):
    from ragtune.appliance.remote import OpenAIGenerator

    _model_path()
    g = OpenAIGenerator(GenerateConfig(backend="openai", base_url="http://127.0.0.1:9/v1", **cfg),
                        client=httpx.Client(transport=transport))
    return g


# -- the openai backend against a mock transport ---------------------------------------------------------------
def test_remote_sends_prompt_grammar_and_adapter_and_checks_the_model(tmp_path):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": [{"id": "base-m"}, {"id": "tuned-m"}]})
        body = json.loads(request.content)
        seen.append(body)
        return httpx.Response(200, json={"model": body["model"], "choices": [
            {"text": '{"status": "ok", "answer": "Paris", "citations": ["S1"]}', "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 12}})

    lora = tmp_path / "a.gguf"
    lora.write_bytes(b"adapter")
    g = _remote(httpx.MockTransport(handler), remote_model="base-m", remote_adapters={"a.gguf": "tuned-m"})
    msgs = messages(SYSTEM_PROMPT, CTX, "Where is the Eiffel Tower?")
    res = g.generate(msgs, schema=answer_schema(["S1", "S2"]), max_tokens=64)
    assert res.text.startswith('{"status": "ok"') and res.tokens_completion == 12
    b = seen[-1]
    assert b["model"] == "base-m" and b["prompt"] == g.render(msgs) and "<|im_start|>" in b["prompt"]
    assert b["grammar"].startswith("root") or "root ::=" in b["grammar"]
    assert b["temperature"] == 0.0 and b["repeat_penalty"] == 1.0 and b["max_tokens"] == 64
    g.set_adapter(lora, "f" * 64)
    g.generate(msgs, schema=answer_schema(["S1", "S2"]), max_tokens=64)
    assert seen[-1]["model"] == "tuned-m" and g.adapter_id == "f" * 64
    # a name the server does not serve is refused before any request (it could answer with another model)
    g.cfg.remote_adapters["a.gguf"] = "missing-m"
    g.set_adapter(lora, "f" * 64)
    with pytest.raises(GenerationError, match="does not serve 'missing-m'"):
        g.generate(msgs, schema=answer_schema(["S1"]), max_tokens=64)


def test_remote_lora_slot_mode_and_failures(tmp_path):
    def handler(request):
        body = json.loads(request.content)
        if "boom" in body["prompt"]:
            return httpx.Response(500, text="kaput")
        return httpx.Response(200, json={"model": "other", "choices": [{"text": "{}"}]})

    lora = tmp_path / "a.gguf"
    lora.write_bytes(b"adapter")
    g = _remote(httpx.MockTransport(handler), remote_adapter_field="lora-id", remote_adapters={"a.gguf": 2})
    g.set_adapter(lora, "e" * 64)
    body = g.body([{"role": "user", "content": "q"}], gbnf="root ::= \"x\"", max_tokens=10, seed=0,
                  temperature=0.0, stream=False, prefix_cache=True)
    assert body["lora"] == [{"id": 2, "scale": 1.0}] and body["cache_prompt"] is True
    g.set_adapter(None)
    assert g.body([{"role": "user", "content": "q"}], gbnf="", max_tokens=10, seed=0, temperature=0.0,
                  stream=False, prefix_cache=True)["lora"] == []
    with pytest.raises(GenerationError, match="500"):
        g.generate([{"role": "user", "content": "boom"}], schema=answer_schema(["S1"]), max_tokens=64)
    with pytest.raises(GenerationError, match="answered as 'other'"):
        g.generate([{"role": "user", "content": "q"}], schema=answer_schema(["S1"]), max_tokens=64)
    g2 = _remote(httpx.MockTransport(lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused"))))
    with pytest.raises(GenerationError, match="unreachable"):
        g2.generate([{"role": "user", "content": "q"}], schema=answer_schema(["S1"]), max_tokens=64)


def test_remote_adapter_scale_travels_as_the_lora_scale_and_cannot_as_a_model_name(tmp_path):
    from ragtune.appliance.errors import ConfigError

    lora = tmp_path / "a.gguf"
    lora.write_bytes(b"adapter")
    never = httpx.MockTransport(lambda r: pytest.fail("no request is sent for an adapter switch"))
    g = _remote(never, remote_adapter_field="lora-id", remote_adapters={"a.gguf": 2})
    g.set_adapter(lora, "e" * 64, scale=1.25)
    body = g.body([{"role": "user", "content": "q"}], gbnf="", max_tokens=10, seed=0, temperature=0.0,
                  stream=False, prefix_cache=True)
    assert body["lora"] == [{"id": 2, "scale": 1.25}] and g.adapter_scale == 1.25
    g.set_adapter(None)
    assert g.adapter_scale == 1.0
    m = _remote(never, remote_adapters={"a.gguf": "tuned-m"})  # the "model" field: a served name, its own strength
    m.set_adapter(lora, "e" * 64, scale=1.0)
    assert m._served_name() == "tuned-m"
    with pytest.raises(ConfigError, match=r"\[generate\] adapter_scale: 1.25 is in force .* remote_adapter_field"):
        m.set_adapter(lora, "e" * 64, scale=1.25)


def test_a_server_that_ignores_the_grammar_is_caught_on_our_side(settings):
    """llama.cpp servers can fail open (accept a grammar and not apply it): the engine still validates, repairs
    or refuses."""
    def handler(request):
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": [{"id": "SmolLM2-135M-Instruct.Q4_1"}]})
        return httpx.Response(200, json={"choices": [{"text": "Sure! The tower is in Paris."}]})

    g = _remote(httpx.MockTransport(handler))
    eng = AnswerEngine(settings, retriever=FakeRetriever(), generator=g)
    ans = eng.ask("Where is the Eiffel Tower?", retrieve=False, context=CTX)
    assert ans.status == "refused" and ans.refusal_reason == "invalid_output" and not ans.valid and ans.repaired


# -- real models ------------------------------------------------------------------------------------------------
def _tiny_lora(path: Path) -> Path:
    from tests.appliance.test_generate import _tiny_lora as make

    return make(path)


@pytest.fixture(scope="module")
def lora(tmp_path_factory):
    pytest.importorskip("gguf")
    return _tiny_lora(tmp_path_factory.mktemp("lora") / "tiny-lora.gguf")


@pytest.fixture
def llama_server(lora, tmp_path, loopback):
    """llama_cpp.server on loopback serving the base model and base+tiny LoRA under two aliases."""
    pytest.importorskip("llama_cpp.server")
    from tests.conftest import free_port

    path = _model_path()
    port = free_port()
    # interrupt_requests (default on) cuts a stream short when another request waits: ours are streamed
    cfg = {"host": "127.0.0.1", "port": port, "interrupt_requests": False, "models": [
        {"model": str(path), "model_alias": "smollm2-base", "n_ctx": 2048, "n_threads": 1, "n_threads_batch": 1,
         "verbose": False},
        {"model": str(path), "model_alias": "smollm2-tiny", "lora_path": str(lora), "n_ctx": 2048,
         "n_threads": 1, "n_threads_batch": 1, "verbose": False}]}
    cfile = tmp_path / "server.json"
    cfile.write_text(json.dumps(cfg))
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--config_file", str(cfile)],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                pytest.fail("llama_cpp.server exited: " + (tmp_path / "server.log").read_text()[-2000:])
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
        log.close()


def _remote_settings(home, base_url, lora, **serve):
    from ragtune.appliance.hashing import sha256_file

    gen = GenerateConfig(backend="openai", base_url=base_url, remote_model="smollm2-base", threads=1,
                         remote_adapters={sha256_file(lora): "smollm2-tiny"}, max_tokens=64, answer_cache=False,
                         prefix_cache=False)
    return Settings(home=home, generate=gen, serve=ServeConfig(**serve))


@pytest.mark.slow
def test_llama_cpp_server_backend_answers_with_the_adapter_it_was_asked_for(home, llama_server, lora):
    """Real server: answers are checked on our side, deterministic, and the adapter changes the output. (Not
    compared byte for byte with the in-process backend: that one also decides the status from the model's
    P(refused) and constrains extractive spans while decoding, which a grammar sent to a server cannot do.)"""
    from ragtune.appliance.hashing import sha256_file

    sha = sha256_file(lora)
    got = {}
    with AnswerEngine(_remote_settings(home, llama_server, lora), retriever=FakeRetriever()) as eng:
        for adapter in ("none", str(lora), "none", str(lora)):
            a = eng.ask(QUESTIONS[0], adapter=adapter, retrieve=False, context=CTX)
            assert a.adapter == (sha if adapter != "none" else "none") and a.status in ("ok", "refused")
            got.setdefault(adapter, []).append(a.raw_output)
    assert got["none"][0] == got["none"][1] and got[str(lora)][0] == got[str(lora)][1]  # deterministic
    assert got["none"][0] != got[str(lora)][0]  # the server applied the adapter


def _mixed(app, lora_model: str, n_clients: int = 8, per_client: int = 2) -> list[tuple[str, dict]]:
    """n_clients threads, each alternating base and adapter requests through the OpenAI API."""
    out: list[tuple[str, dict]] = []
    lock = threading.Lock()
    with TestClient(app) as c:
        def client(k: int) -> None:
            for j in range(per_client):
                model, q = _plan(k, j, lora_model)
                r = c.post("/v1/chat/completions", json={"model": model, "user": f"c{k}",
                                                         "messages": [{"role": "user", "content": q}]})
                assert r.status_code == 200, r.text
                with lock:
                    out.append((model, q, r.json()))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(n_clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return out


def _plan(k: int, j: int, lora_model: str) -> tuple[str, str]:
    """Client k's j-th request: base and adapter interleaved across clients and within each client."""
    return ("ragtune:base" if (k + j) % 2 == 0 else lora_model), QUESTIONS[(k // 2 + j) % 2]


def _reference(settings, lora) -> dict:
    """Sequential answers for every (adapter, question) the mixed run asks."""
    ref = {}
    with AnswerEngine(settings, retriever=_CtxRetriever()) as eng:
        for adapter in ("none", str(lora)):
            for q in QUESTIONS[:2]:
                ref[adapter, q] = eng.ask(q, adapter=adapter).answer
    return ref


class _CtxRetriever(FakeRetriever):
    def __init__(self):
        super().__init__([c.text for c in CTX])


def _check_mixed(results, ref, lora, sha, n):
    assert len(results) == n
    for model, q, j in results:
        want = "none" if model == "ragtune:base" else sha
        assert j["ragtune"]["adapter"] == want  # reports the adapter it asked for ...
        key = "none" if want == "none" else str(lora)
        assert j["choices"][0]["message"]["content"] == ref[key, q]  # ... and was produced by it


def _engines_with(settings, retriever_cls):
    def factory(s, n):
        engines = [AnswerEngine(settings, retriever=retriever_cls()) for _ in range(n)]
        return engines, engines
    return factory


@pytest.mark.slow
def test_mixed_adapters_under_concurrency_in_process(home, lora):
    from ragtune.appliance.hashing import sha256_file
    from ragtune.appliance.registry import Registry
    from ragtune.serve.server import make_app

    art = Registry(home).add(lora, "lora-gguf", name="tiny")
    # no prompt-prefix reuse: evaluating a prompt's tail on top of another prompt's KV cache can move logits by
    # rounding and flip a near-tie, which would make the reference comparison flaky for reasons unrelated to adapters
    settings = Settings(home=home, generate=GenerateConfig(threads=1, max_tokens=64, answer_cache=False,
                                                           prefix_cache=False), serve=ServeConfig(queue=16))
    ref = _reference(settings, lora)
    app = make_app(settings, engine_factory=_engines_with(settings, _CtxRetriever), workers=2)
    _check_mixed(_mixed(app, "ragtune:tiny"), ref, lora, art.id, 16)
    assert sha256_file(lora) == art.id


@pytest.mark.slow
def test_mixed_adapters_under_concurrency_via_llama_cpp_server(home, lora, llama_server):
    from ragtune.appliance.registry import Registry
    from ragtune.serve.server import make_app

    art = Registry(home).add(lora, "lora-gguf", name="tiny")
    settings = _remote_settings(home, llama_server, lora, queue=16)
    ref = _reference(settings, lora)
    app = make_app(settings, engine_factory=_engines_with(settings, _CtxRetriever), workers=4)
    # one request per client here: llama_cpp.server reloads the model whenever the alias changes
    _check_mixed(_mixed(app, "ragtune:tiny", per_client=1), ref, lora, art.id, 8)
