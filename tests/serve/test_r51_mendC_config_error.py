"""Round 51 (mender C): a ConfigError raised while answering (question_fit.py: the instructions and the answer's
room, generate.max_tokens, exceed generate.n_ctx, so no question can fit) is the API's 500 `config_error` with its
message (was 500 internal_error, "the server log says why"); and `serve` checks that fit once, with an empty
question, as it loads the models: such a config stops it with exit 2 and the message before it listens."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import GenerateConfig, Settings, ServeConfig
from ragtune.appliance.errors import ConfigError
from ragtune.cli import main
from ragtune.serve.errors import NO_RETRY, error_for
from ragtune.serve.server import make_app
from tests.serve.helpers import FakeRetriever, TaggingGenerator

Q = "Where is the Eiffel Tower?"
FIT = "the instructions ("  # question_fit.py's message starts so


def test_error_for_a_config_error_is_a_500_config_error_with_its_message():
    err = error_for(ConfigError("the instructions (150 tokens) and the answer's room (max_tokens 256) exceed n_ctx "
                                "(300)", hint="raise generate.n_ctx or lower generate.max_tokens"))
    assert err.status == 500 and err.code == "config_error"
    assert str(err.message) == "the instructions (150 tokens) and the answer's room (max_tokens 256) exceed n_ctx (300)"
    assert err.headers.items() >= NO_RETRY.items()  # an operator must act: the SDKs' retries cannot succeed


def _app(home, *, warm: bool):
    """Fake engines whose generator has n_ctx 300: the instructions (~150 fake tokens) and max_tokens 256 do not
    fit."""
    settings = Settings(home=home, serve=ServeConfig(), generate=GenerateConfig(max_tokens=256, answer_cache=False))

    def factory(s, n):
        engines = [AnswerEngine(s, retriever=FakeRetriever(), generator=TaggingGenerator({}, n_ctx=300))
                   for _ in range(n)]
        return engines, engines

    return make_app(settings, engine_factory=factory, workers=1, warm=warm)


def test_a_config_error_while_answering_is_a_500_config_error(home):
    with TestClient(_app(home, warm=False), raise_server_exceptions=False) as c:  # (not checked at its start)
        for path, body in (("/v1/ask", {"question": Q}),
                           ("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}]})):
            r = c.post(path, json=body)
            assert r.status_code == 500, r.text
            err = r.json()["error"]
            assert err["code"] == "config_error" and err["message"].startswith(FIT), err
            assert "exceed n_ctx (300)" in err["message"] and "Traceback" not in r.text
            assert r.headers.get("x-should-retry") == "false"


def test_the_app_refuses_to_start_when_no_question_can_fit(home):
    with pytest.raises(ConfigError) as exc:
        with TestClient(_app(home, warm=True)):
            pass
    assert exc.value.message.startswith(FIT) and "exceed n_ctx (300)" in exc.value.message


def test_serve_exits_2_with_the_message_before_it_listens(home, tmp_path, monkeypatch, capsys, loopback):
    """A real (tiny) GGUF served at n_ctx 512 with max_tokens 256 (tests/appliance/byo_gguf_build.py)."""
    pytest.importorskip("gguf")
    pytest.importorskip("tokenizers")
    pytest.importorskip("llama_cpp.llama_chat_format")
    import ragtune.serve.server as server
    from ragtune.serve import wire
    from tests.appliance.byo_gguf_build import build_gguf

    f = build_gguf(tmp_path / "m.gguf", "llama3", n_ctx_train=512)
    home.ensure()
    (home.root / "config.toml").write_text(f'[generate]\nmodel = "{f}"\nn_ctx = 512\nmax_tokens = 256\n'
                                           'threads = 1\nthreads_batch = 1\n')
    ran: list[bool] = []
    monkeypatch.setattr(server, "uvicorn_config", lambda app, settings, log_level="info", **kw: None)
    monkeypatch.setattr(wire.HangupServer, "__init__", lambda self, config: None)
    monkeypatch.setattr(wire.HangupServer, "run", lambda self, sockets=None: ran.append(True))
    capsys.readouterr()
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert f"error: {FIT}" in err and "exceed n_ctx (512)" in err and "internal error" not in err, err
    assert "generate.n_ctx" in err  # the hint: which settings to change
    assert ran == []  # it never listened
