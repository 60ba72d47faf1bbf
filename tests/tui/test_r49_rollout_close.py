"""Round 49: when the rollout that routed a chat session ends, the chat closes the losing arm's model (serve did,
through server.AdapterUpkeep -> AdapterServing.retain; the chat kept it loaded until it quit)."""

from __future__ import annotations

import threading

from ragtune.appliance.answer import AnswerEngine
from ragtune.models.rollout import Rollout, RolloutState
from ragtune.tui.rollout import SessionRoute, close_losing
from tests.serve.helpers import register_adapters


class Gen:  # the generator's adapter switch, as far as retain goes
    def __init__(self):
        self.retained: list[list[str]] = []

    def retain(self, keep):
        self.retained.append(list(keep))
        return ["closed"]


class Engine:  # AnswerEngine's members close_losing uses
    close_other_adapters, holds_adapters = AnswerEngine.close_other_adapters, AnswerEngine.holds_adapters

    def __init__(self):
        self._lock, self._generator, self._closed = threading.RLock(), Gen(), False
        self.adapter_id = "none"

    def set_adapter(self, ref):
        assert self._lock._is_owned()  # under the engine's lock, as an answer's switch
        self.adapter_id = ref
        return ref


def test_the_chat_closes_the_losing_arm_once_the_rollout_ends(home, monkeypatch):
    ids = register_adapters(home)
    monkeypatch.setenv("RAGTUNE_CLIENT", "someone")
    RolloutState(home)._save(Rollout(id="r49", candidate=ids["alpha"], control="none", share=100), "start")
    engine, route = Engine(), SessionRoute()
    kw = route.kwargs(home, engine)
    assert kw["arm"] == "candidate" and kw["adapter"] == ids["alpha"]
    engine.adapter_id = ids["alpha"]  # the answer switched to the candidate
    assert engine._generator.retained == []  # running: nothing closed
    RolloutState(home).rollback()
    assert route.kwargs(home, engine) == {"adapter": "none"}  # the session's adapter before the rollout
    assert engine.adapter_id == "none" and engine._generator.retained == [["none"]]  # the candidate closed
    assert route.kwargs(home, engine) == {} and engine._generator.retained == [["none"]]  # once


def test_close_losing_leaves_engines_it_cannot_close_alone():
    assert close_losing(object(), "none") == []  # a test double, a remote backend: nothing held
    engine = Engine()
    engine._closed = True
    assert close_losing(engine, "none") == [] and engine._generator.retained == []

    class Failing(Engine):
        def set_adapter(self, ref):
            raise RuntimeError("cannot load")

    assert close_losing(Failing(), "none") == []  # the answer's own switch says why
    assert close_losing(Engine(), "none") == ["closed"]
