"""`ragtune serve` loads every engine's models before it listens (docs/serve.md, "While the models load"): the adapter
a request for the routed name gets, the served model's weights (the base's too: they were loaded on the first
request, so a GGUF moved or deleted after the start failed every request with 500 model_error), the shared
retriever's embedding model; a model that cannot load stops `serve` with exit 3 before anything listens. And the
marker `config set` looks for is held while it serves."""

from __future__ import annotations

import shutil

import pytest
from starlette.testclient import TestClient

import ragtune.serve.server as server
from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.errors import ModelError
from ragtune.cli import main
from ragtune.serve.marker import serving
from tests.serve.helpers import FakeRetriever, TaggingGenerator, register_adapters, serve_settings


class LoadingGenerator(TaggingGenerator):
    """Records load() (the in-process generator's eager load of its weights); `fail`: the model cannot load."""

    def __init__(self, *, fail: bool = False, **kw):
        super().__init__({}, **kw)
        self.loads, self.fail = [], fail

    def load(self):
        if self.fail:
            raise ModelError("/models/gone.gguf: llama.cpp cannot load the model: file not found")
        self.loads.append(self.adapter_id)  # the adapter applied when the weights were loaded


class WarmRetriever(FakeRetriever):
    def __init__(self):
        super().__init__()
        self.warmed = 0

    def warm(self):
        self.warmed += 1


def _factory(made: list, *, fail: bool = False):
    shared = WarmRetriever()

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=shared, generator=LoadingGenerator(fail=fail)) for _ in range(n)]
        made.extend(engines)
        return engines, engines

    factory.retriever = shared  # type: ignore[attr-defined]
    return factory


def test_every_engine_loads_its_weights_with_the_served_adapter_before_the_first_request(home):
    from ragtune.appliance.config import GenerateConfig
    from ragtune.appliance.registry import Registry

    ids = register_adapters(home, names=("alpha",))
    Registry(home).activate(ids["alpha"])  # the served default: a request for `ragtune` gets it
    made: list = []
    factory = _factory(made)
    settings = serve_settings(home)
    settings.generate = GenerateConfig(adapter="default")  # the activated one
    app = server.make_app(settings, engine_factory=factory, workers=2)
    with TestClient(app):  # the lifespan has run; no request yet
        assert [e.generator.loads for e in made] == [[ids["alpha"]], [ids["alpha"]]]
        assert factory.retriever.warmed == 2  # (SharedRetriever.warm loads once, under its lock)
    made.clear()
    settings.generate = GenerateConfig(adapter="none")  # the routed name serves what [generate] adapter says
    app = server.make_app(settings, engine_factory=_factory(made), workers=1)
    with TestClient(app) as client:
        assert made[0].generator.loads not in ([ids["alpha"]], [])
        assert app.state.serve.router.served_default() == "none"
        assert client is not None


def test_with_a_rollout_running_its_control_arm_is_loaded(home):
    from ragtune.appliance.registry import Registry
    from ragtune.models.rollout import RolloutState

    ids = register_adapters(home)  # alpha, beta
    Registry(home).activate(ids["alpha"])
    r = RolloutState(home).start("beta", 5)  # 95% of clients keep alpha, the control
    Registry(home).activate(None)  # the served default changes; the running rollout's control does not
    made: list = []
    app = server.make_app(serve_settings(home), engine_factory=_factory(made), workers=1)
    with TestClient(app):
        assert r.control == ids["alpha"] and made[0].generator.loads == [ids["alpha"]]


@pytest.fixture
def listen_here(home, loopback, monkeypatch):
    """`ragtune serve` on 127.0.0.1:0 with `uvicorn.Server.run` recorded instead of run (whether it would have
    listened, and whether the marker was held then)."""
    ran: list[bool] = []
    monkeypatch.setattr(server, "uvicorn_config", lambda app, settings, log_level="info", **kw: None)
    from ragtune.serve import wire

    monkeypatch.setattr(wire.HangupServer, "__init__", lambda self, config: None)
    monkeypatch.setattr(wire.HangupServer, "run", lambda self, sockets=None: ran.append(serving(home.root)))
    return ran


def test_a_model_that_cannot_load_stops_serve_with_exit_3_before_it_listens(home, monkeypatch, listen_here, capsys):
    home.ensure()
    monkeypatch.setattr(server, "default_engines", _factory([], fail=True))
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 3
    err = capsys.readouterr().err
    assert "error: /models/gone.gguf: llama.cpp cannot load the model" in err and "Traceback" not in err
    assert listen_here == []  # uvicorn never ran


def test_serve_holds_the_marker_while_it_serves(home, monkeypatch, listen_here):
    home.ensure()
    monkeypatch.setattr(server, "default_engines", _factory([]))
    assert not serving(home.root)
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 0
    assert listen_here == [True]  # held while it served
    assert not serving(home.root)  # and dropped once it stopped


def test_the_served_base_model_is_loaded_at_start_and_survives_its_file_being_deleted(home, tmp_path):
    """The real GGUF: with no adapter served by default the base's weights were loaded on the first request."""
    from ragtune.appliance.config import GenerateConfig, Settings
    from ragtune.appliance.generate import LlamaGenerator

    try:
        with LlamaGenerator(GenerateConfig(threads=1)) as probe:
            src = probe.model_path
    except ModelError as exc:  # pragma: no cover
        pytest.skip(f"default GGUF not available: {exc}")
    copy = tmp_path / "moved-later" / "model.gguf"
    copy.parent.mkdir()
    shutil.copyfile(src, copy)
    settings = Settings(home=home, generate=GenerateConfig(model=str(copy), threads=1))
    home.ensure()
    made: list = []

    def factory(settings, n):  # the real generator; a fake retriever (no embedding model needed here)
        engines = [AnswerEngine(settings, retriever=FakeRetriever()) for _ in range(n)]
        made.extend(engines)
        return engines, engines

    app = server.make_app(settings, engine_factory=factory, workers=1)
    with TestClient(app):
        gen = made[0].generator
        assert gen.adapter_served == "none" and gen._llm is not None  # the base's weights, not just its vocabulary
        copy.unlink()  # moved or deleted while serving
        toks = gen.tokenize_prompt([{"role": "user", "content": "Where is the Eiffel Tower?"}])
        assert gen.raw_decode_ms(toks, toks[-2:]) > 0  # the model still evaluates: it was loaded before
