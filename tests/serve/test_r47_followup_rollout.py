"""Round 47 follow-ups on serving a rollout: a stream that fails mid-way logs its arm; the routed-adapter error's
hint offers a rollback for the candidate arm only; `rollout rollback` and `models activate` work out what a
rollback serves with one helper that honours a pinned `[generate] adapter`."""

from __future__ import annotations

import asyncio
import logging

from ragtune.appliance.config import GenerateConfig, Settings
from ragtune.appliance.errors import AdapterBaseMismatch, ModelError
from ragtune.appliance.registry import Registry
from ragtune.models.rollout import Route, served_adapter
from ragtune.serve.metrics import Metrics
from ragtune.serve.routing import routed_error
from ragtune.serve.stream import Outcome, _events
from tests.serve.helpers import register_adapters


def test_a_stream_failing_mid_way_logs_its_arm(caplog):
    async def go() -> list[str]:
        loop = asyncio.get_running_loop()
        task = loop.create_future()
        task.set_exception(ModelError("the adapter could not be loaded"))
        out = []
        async for ev in _events(task, asyncio.Queue(), "Eiffel", Route("cand", "candidate"), "c1", 0, "ragtune",
                                Outcome(), Metrics()):
            out.append(ev)
        return out

    with caplog.at_level(logging.ERROR, logger="ragtune.serve"):
        events = asyncio.run(go())
    assert events[-1] == "data: [DONE]\n\n"
    line = "\n".join(r.getMessage() for r in caplog.records)
    assert "/v1/chat/completions: 500" in line, line
    assert "candidate arm" in line and "rollout rollback" in line, line  # before: no arm, no way out said


def test_routed_error_offers_a_rollback_for_the_candidate_only():
    exc = AdapterBaseMismatch("made for another base model")
    cand = routed_error(exc, "candidate")
    assert "rollout rollback" in cand.hint
    ctrl = routed_error(exc, "control")
    assert "roll the rollout back" not in ctrl.hint  # a rollback serves the control to everyone: no help
    assert "control arm's adapter" in ctrl.hint and "models verify" in ctrl.hint, ctrl.hint
    assert "[generate] adapter" in routed_error(exc, None).hint  # no rollout: unchanged


def test_what_a_rollback_serves_honours_a_pinned_generate_adapter(home):
    ids = register_adapters(home)
    reg = Registry(home)
    reg.activate(ids["alpha"])
    # [generate] adapter pinned to beta: the server's default route (so a rollback) serves beta, not the activated
    assert served_adapter(reg, GenerateConfig(adapter="beta")) == ids["beta"]
    assert served_adapter(reg, GenerateConfig(adapter="default")) == ids["alpha"]
    assert served_adapter(reg, GenerateConfig(adapter="none")) == "none"
    assert served_adapter(reg, GenerateConfig(adapter="no-such-adapter")) is None  # cannot be told: no error


def test_rollout_rollback_and_models_activate_agree_on_a_pinned_adapter(home, monkeypatch):
    from ragtune.cli import models_cmd, rollout_cmd

    ids = register_adapters(home)

    class App:
        settings = Settings(home=home, generate=GenerateConfig(adapter="beta"))

    class State:
        registry = Registry(home)

    assert rollout_cmd._served(App(), State()) == ids["beta"]  # before: the registry's default (none here)
    assert models_cmd._served(App(), Registry(home)) == ids["beta"]
