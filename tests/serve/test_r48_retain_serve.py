"""Round 48: when a rollout ends (rollback, promote to 100, another process's command) the server's engines close the
adapter no unpinned request is routed to any more (server.Monitor -> server.AdapterUpkeep -> generator.retain), at
the next point each engine is idle: the losing arm stayed loaded (~250 MB, a merged model) until another adapter
took its place. A request in flight on the losing arm finishes first; the served arm is kept, and so is the adapter
an engine serves now: the upkeep never switches an engine (a switch can rebuild a pruned merged file, minutes,
under the engine's lock); the next request does, as it would anyway."""

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
        self.switchers: list[str] = []  # the thread of each set_adapter call
        self.kept: list[list[str]] = []  # each retain's keep

    def set_adapter(self, path, sha256=None, *, scale=1.0):
        self.switchers.append(threading.current_thread().name)
        super().set_adapter(path, sha256, scale=scale)
        if self.adapter_id != "none" and self.adapter_id not in self.loaded:
            self.loaded.append(self.adapter_id)

    def retain(self, keep):
        assert not self.active.is_set(), "an adapter closed under a generation"
        self.kept.append(sorted(keep))
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


def _no_upkeep_switch(gen) -> None:
    assert "ragtune-adapter-upkeep" not in gen.switchers  # every switch was a request's


def test_a_rollback_closes_the_candidate_and_keeps_the_control(home):
    ids = register_adapters(home)
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)  # sees the rollout running
        users = _both_arms(c, home, ids, gen)
        _monitor(app)
        assert gen.closed == []  # running: both arms stay
        assert c.post(ASK, json={"question": Q, "user": users["control"]}).status_code == 200
        RolloutState(home).rollback()  # `ragtune rollout rollback`, another process
        _monitor(app)
        assert gen.closed == [ids["alpha"]] and gen.loaded == [ids["beta"]]
        r = c.post(ASK, json={"question": Q, "user": "u1"})
        assert r.status_code == 200 and gen.adapter_id == ids["beta"]
        _monitor(app)
        assert gen.closed == [ids["alpha"]]  # once
        _no_upkeep_switch(gen)


def test_an_engine_last_on_the_losing_arm_is_not_switched_by_the_upkeep(home):
    """The arm an engine serves when the rollout ends is kept, the engine left on it: a switch from the upkeep
    could rebuild the served adapter's pruned merged file under the engine's lock. The next request switches."""
    ids = register_adapters(home)
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)
        users = _both_arms(c, home, ids, gen)
        assert c.post(ASK, json={"question": Q, "user": users["candidate"]}).status_code == 200
        n = len(gen.switchers)
        RolloutState(home).rollback()
        _monitor(app)
        assert gen.kept and ids["alpha"] in gen.kept[-1] and ids["beta"] in gen.kept[-1]
        assert gen.closed == [] and gen.adapter_id == ids["alpha"] and len(gen.switchers) == n
        r = c.post(ASK, json={"question": "Who built the Eiffel Tower?", "user": users["candidate"]})  # unpinned
        assert r.status_code == 200 and gen.adapter_id == ids["beta"] and gen.log[-1][1] == ids["beta"]
        _no_upkeep_switch(gen)


def test_a_pinned_clients_adapter_serving_is_kept_without_a_switch(home):
    ids = register_adapters(home, names=("alpha", "beta", "gamma"))
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)
        _both_arms(c, home, ids, gen)
        assert c.post(ASK, json={"question": Q, "adapter": "gamma"}).status_code == 200  # pinned, in no arm
        RolloutState(home).rollback()
        _monitor(app)
        assert gen.closed == [ids["alpha"]] and sorted(gen.loaded) == sorted([ids["beta"], ids["gamma"]])
        assert gen.adapter_id == ids["gamma"]
        _no_upkeep_switch(gen)


def test_a_promotion_closes_the_old_control(home):
    ids = register_adapters(home)
    _start(home, ids)
    app, (gen,) = _app(home)
    with TestClient(app) as c:
        _monitor(app)
        users = _both_arms(c, home, ids, gen)
        assert c.post(ASK, json={"question": Q, "user": users["candidate"]}).status_code == 200
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
        assert done == [200] and gen.kept  # retain ran after the generation (it asserts none is active)
        assert gen.closed == [] and gen.adapter_id == ids["alpha"]  # the engine's adapter is kept, not switched
        assert gen.log[-1] == (ids["alpha"], ids["alpha"])  # answered on the candidate to its end
        _no_upkeep_switch(gen)


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
