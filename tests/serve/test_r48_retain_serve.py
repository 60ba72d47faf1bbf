"""Round 48: when a rollout ends (rollback, promote to 100, another process's command) the server's engines close the
adapter no unpinned request is routed to any more (server.Monitor -> server.AdapterUpkeep -> generator.retain), at
the next point each engine is idle: the losing arm stayed loaded (~250 MB, a merged model) until another adapter
took its place. A request in flight on the losing arm finishes first; the served arm is kept."""

from __future__ import annotations

import threading

from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import ServeConfig, Settings
from ragtune.appliance.registry import Registry
from ragtune.models.rollout import Rollout, RolloutState
from ragtune.serve.server import make_app
from tests.serve.helpers import FakeRetriever, TaggingGenerator, register_adapters

ASK = "/v1/ask"
Q = "Where is the Eiffel Tower?"


class RetainingGenerator(TaggingGenerator):
    """A generator that keeps every adapter it served loaded until `retain` closes it (as AdapterServing does)."""

    def __init__(self, **kw):
        super().__init__({}, **kw)
        self.loaded: list[str] = []
        self.closed: list[str] = []

    def set_adapter(self, path, sha256=None, *, scale=1.0):
        super().set_adapter(path, sha256, scale=scale)
        if self.adapter_id != "none" and self.adapter_id not in self.loaded:
            self.loaded.append(self.adapter_id)

    def retain(self, keep):
        assert not self.active.is_set(), "an adapter closed under a generation"
        gone = [a for a in self.loaded if a not in keep and a != self.adapter_id]
        self.loaded = [a for a in self.loaded if a not in gone]
        self.closed += gone
        return gone


def _app(home, **gen_kw):
    gens: list[RetainingGenerator] = []

    def factory(settings, n):
        gens.extend(RetainingGenerator(**gen_kw) for _ in range(n))
        engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=g) for g in gens]
        return engines, engines

    app = make_app(Settings(home=home, serve=ServeConfig()), engine_factory=factory, workers=1)
    app.state.serve.monitor.every_s = 0.0  # every call checks
    return app, gens


def _start(home, ids) -> None:
    Registry(home).activate(ids["beta"])  # the control: the activated adapter
    RolloutState(home)._save(Rollout(id="r48", candidate=ids["alpha"], control=ids["beta"], share=50), "start")


def _both_arms(c, home, ids, gen) -> dict[str, str]:
    """Requests of named users on each arm; a user of each arm."""
    users = {}
    for i in range(12):  # named users: the split puts some on each arm
        r = c.post(ASK, json={"question": Q, "user": f"u{i}"})
        assert r.status_code == 200
        users[r.json()["arm"]] = f"u{i}"
    assert sorted(gen.loaded) == sorted([ids["alpha"], ids["beta"]]) and len(users) == 2
    return users


def _monitor(app) -> None:
    app.state.serve.monitor()
    app.state.serve.monitor.upkeep.join(10)


def test_a_rollback_closes_the_candidate_and_keeps_the_control(home):
    ids = register_adapters(home)
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)  # sees the rollout running
        _both_arms(c, home, ids, gen)
        _monitor(app)
        assert gen.closed == []  # running: both arms stay
        RolloutState(home).rollback()  # `ragtune rollout rollback`, another process
        _monitor(app)
        assert gen.closed == [ids["alpha"]] and gen.loaded == [ids["beta"]]
        assert gen.adapter_id == ids["beta"]  # an engine last on the candidate is switched to the control first
        r = c.post(ASK, json={"question": Q, "user": "u1"})
        assert r.status_code == 200 and gen.adapter_id == ids["beta"]
        _monitor(app)
        assert gen.closed == [ids["alpha"]]  # once


def test_a_promotion_closes_the_old_control(home):
    ids = register_adapters(home)
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)
        _both_arms(c, home, ids, gen)
        RolloutState(home).promote(100, override=True, reason="test")  # the candidate becomes the active adapter
        _monitor(app)
        assert gen.closed == [ids["beta"]] and gen.loaded == [ids["alpha"]]
        assert c.post(ASK, json={"question": Q, "user": "u3"}).status_code == 200
        assert gen.adapter_id == ids["alpha"]


def test_a_request_in_flight_on_the_candidate_finishes_first(home):
    ids = register_adapters(home)
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)
        cand_user = _both_arms(c, home, ids, gen)["candidate"]
        gen.delay = 0.05  # (not cached: a new question) half a second
        done: list[int] = []
        t = threading.Thread(target=lambda: done.append(
            c.post(ASK, json={"question": "Who built the Eiffel Tower?", "user": cand_user}).status_code))
        t.start()
        assert gen.active.wait(10)
        assert gen.adapter_id == ids["alpha"]
        RolloutState(home).rollback()
        app.state.serve.monitor()  # the upkeep waits for the engine (the generation holds its lock)
        assert gen.closed == [] and gen.active.is_set()
        t.join(30)
        app.state.serve.monitor.upkeep.join(10)
        assert done == [200]
        assert gen.closed == [ids["alpha"]] and gen.adapter_id == ids["beta"]
        assert gen.log[-1] == (ids["alpha"], ids["alpha"])  # answered on the candidate to its end


def test_a_new_rollout_keeps_its_arms(home):
    """An end seen when another rollout already runs: its candidate is kept too (read at the engine's turn)."""
    ids = register_adapters(home, names=("alpha", "beta", "gamma"))
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)
        _both_arms(c, home, ids, gen)
        RolloutState(home).rollback()
        RolloutState(home)._save(Rollout(id="r48b", candidate=ids["gamma"], control=ids["beta"], share=50), "start")
        assert c.post(ASK, json={"question": Q, "adapter": "gamma"}).status_code == 200  # pinned: gamma loaded
        _monitor(app)
        assert gen.closed == [ids["alpha"]] and sorted(gen.loaded) == sorted([ids["beta"], ids["gamma"]])
