"""Requests as OpenAI clients send them (docs/serve.md): `ragtune:<ref>` model names, compressed bodies."""

from __future__ import annotations

from starlette.testclient import TestClient

from ragtune.appliance.registry import Registry
from ragtune.serve.server import make_app
from tests.gguf_helpers import write_gguf
from tests.serve.helpers import fake_factory, serve_settings

Q = "Where is the Eiffel Tower?"
CHAT = "/v1/chat/completions"


def _error(r, status: int, code: str) -> dict:
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    return r.json()["error"]


def test_a_model_name_of_several_adapters_is_ambiguous_as_for_ask(home, monkeypatch):
    """`ragtune:<name>` of two adapters was a 404 model_not_found ("does not exist"), while the same name as
    /v1/ask's `adapter` was the 400 adapter_ambiguous that says which ones match: the same, now, for both."""
    reg = Registry(home)
    # two adapters of one name: what a home registered before `add` refused a taken name (round 44) holds
    monkeypatch.setattr(Registry, "name_taken", lambda self, name, kind: None)
    ids = [reg.add(write_gguf(home.root / f"{t}.gguf", tag=t), "lora-gguf", name="twin").id for t in ("one", "two")]
    app = make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)
    msgs = [{"role": "user", "content": Q}]
    with TestClient(app) as c:
        ask = _error(c.post("/v1/ask", json={"question": Q, "adapter": "twin"}), 400, "adapter_ambiguous")
        for stream in (False, True):
            chat = _error(c.post(CHAT, json={"model": "ragtune:twin", "messages": msgs, "stream": stream}), 400,
                          "adapter_ambiguous")
            assert {**chat, "param": None} == {**ask, "param": None} and "several" in chat["message"]  # param: model vs adapter
        # each by its id is served; an unknown name is still the 404
        for i in ids:
            r = c.post(CHAT, json={"model": f"ragtune:{i}", "messages": msgs})
            assert r.status_code == 200 and r.json()["ragtune"]["adapter"] == i, r.text
        _error(c.post(CHAT, json={"model": "ragtune:nobody", "messages": msgs}), 404, "model_not_found")


def test_a_compressed_body_is_a_415_that_says_so(home):
    """A gzip body (a client that compresses its requests) was read as JSON: a 400 "not UTF-8 (byte 0x8b at offset
    1)" that does not say what to change. Now the 415 that names the Content-Encoding, before the body is read."""
    import gzip
    import json

    app = make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)
    body = gzip.compress(json.dumps({"messages": [{"role": "user", "content": Q}]}).encode())
    with TestClient(app) as c:
        for coding in ("gzip", "br, gzip"):
            r = c.post(CHAT, content=body, headers={"Content-Type": "application/json", "Content-Encoding": coding})
            e = _error(r, 415, "unsupported_media_type")
            assert coding in e["message"] and "uncompressed" in e["message"]
            assert r.headers["connection"] == "close"  # the body was not read
        r = c.post(CHAT, content=gzip.decompress(body), headers={"Content-Encoding": "identity"})
        assert r.status_code == 200, r.text


def test_query_strings_head_and_options_as_documented(home):
    app = make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)
    with TestClient(app) as c:
        r = c.post(CHAT + "?api-version=2024-02-01", json={"messages": [{"role": "user", "content": Q}]})
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "Eiffel Tower Paris base"
        r = c.head("/v1/models")
        assert r.status_code == 200 and r.content == b""
        r = c.options(CHAT, headers={"Origin": "http://intranet", "Access-Control-Request-Method": "POST"})
        assert _error(r, 405, "method_not_allowed") and r.headers["allow"] == "POST"
        assert "access-control-allow-origin" not in r.headers


def test_a_name_shared_by_a_lora_and_its_gguf_serves_the_gguf(home, tmp_path):
    """`train --out a1` registers the LoRA folder as "a1", and `convert lora … --out a1.gguf` its GGUF as "a1" too:
    `ragtune:a1` and /v1/ask's `adapter: "a1"` were a 400 adapter_ambiguous; only the GGUF can be served."""
    reg = Registry(home)
    folder = tmp_path / "a1"
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}", encoding="utf-8")
    (folder / "adapter_model.safetensors").write_bytes(b"w" * 64)
    reg.add(folder, "lora-hf", name="a1", copy=False)
    gguf = reg.add(write_gguf(home.root / "a1.gguf", tag="a1"), "lora-gguf", name="a1").id
    app = make_app(serve_settings(home), engine_factory=fake_factory(), workers=1)
    msgs = [{"role": "user", "content": Q}]
    with TestClient(app) as c:
        r = c.post(CHAT, json={"model": "ragtune:a1", "messages": msgs})
        assert r.status_code == 200 and r.json()["ragtune"]["adapter"] == gguf, r.text
        r = c.post("/v1/ask", json={"question": Q, "adapter": "a1"})
        assert r.status_code == 200, r.text
