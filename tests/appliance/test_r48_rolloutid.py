"""Round 48: the running rollout's id travels with its arm (Router.route -> Route.rollout -> AnswerEngine.ask(rollout=)
-> Answer.rollout -> the query log's `rollout`), and a rollout's reads of the log (store/rollout_log.py) count only its
own rows: a request routed before a rollback and logged after the next start is not the new rollout's."""

from __future__ import annotations

import json
import time

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import Settings
from ragtune.appliance.config_ops import ServeConfig
from ragtune.appliance.querylog import get_entry
from ragtune.appliance.store import MIGRATIONS, Store, health, open_store, rollout_log
from ragtune.appliance.store.schema import QUERY_LOG_ROLLOUT
from ragtune.cli import main
from ragtune.models.rollout import CANDIDATE, CONTROL, Rollout, RolloutState, Route, Router
from tests.fakes import FakeGenerator
from tests.serve.helpers import fake_factory, register_adapters

from .test_answer import FakeRetriever, _hits

OK = {"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]}
ROW = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
       "context": [], "retrieved": [], "output": OK, "raw_output": "", "valid": True, "repaired": False,
       "refused": False, "tokens_prompt": 5, "tokens_completion": 5, "timings": {"total_ms": 9.0}}


def _running(home, rid: str = "r48a", **kw) -> Rollout:
    return RolloutState(home)._save(Rollout(id=rid, candidate=kw.pop("candidate", "c" * 64), control="none",
                                            share=kw.pop("share", 50), **kw), "start")


def test_the_router_gives_the_running_rollouts_id_with_its_arm(home):
    assert Router(home).route("alice") == Route("default", None, None)  # no rollout: no arm, no id
    _running(home)
    route = Router(home).route("alice")
    assert route.arm in (CONTROL, CANDIDATE) and route.rollout == "r48a"
    assert Router(home).route("alice", pinned="none") == Route("none", None, None)  # pinned: not the rollout's


def test_the_engine_logs_the_rollout_id_and_answers_the_same(settings):
    with open_store(settings.home) as store:
        def ask(**kw):
            gen = FakeGenerator([OK])
            eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
            return eng.ask("When was the Eiffel Tower built?", client_id="alice", use_cache=False, **kw)

        plain, routed = ask(arm=CANDIDATE), ask(arm=CANDIDATE, rollout="r48a")
        assert routed.rollout == "r48a" and plain.rollout is None
        assert get_entry(store, routed.log_id)["rollout"] == "r48a"  # was NULL: nothing passed it down
        assert get_entry(store, plain.log_id)["rollout"] is None
        # metadata only: the answer, its status and citations are the same; --json / /v1/ask unchanged
        assert routed.to_json().keys() == plain.to_json().keys() and "rollout" not in routed.to_json()
        assert (routed.status, routed.answer, [c.chunk_id for c in routed.citations]) == \
            (plain.status, plain.answer, [c.chunk_id for c in plain.citations])


def test_ask_logs_the_rollout_that_routed_it(home, monkeypatch, capsys):
    import ragtune.appliance.generate as gen_mod
    import ragtune.appliance.retrieve as ret_mod
    import ragtune.models.rollout as rollout_mod

    home.ensure()
    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: FakeGenerator([OK]))
    monkeypatch.setattr(ret_mod, "Retriever", lambda settings, *, store=None, **kw: FakeRetriever(_hits(), store))
    monkeypatch.setattr(rollout_mod.Router, "route", lambda self, client, pinned=None: Route(None, CONTROL, "r48a"))
    assert main(["ask", "--json", "When was the Eiffel Tower built?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["arm"] == CONTROL and "rollout" not in out
    with open_store(home) as store:
        assert get_entry(store, out["log_id"])["rollout"] == "r48a"


def test_serve_logs_the_rollout_that_routed_each_request(home):
    ids = register_adapters(home)
    _running(home, candidate=ids["alpha"], share=50)
    app_factory = fake_factory()
    from ragtune.serve.server import make_app

    app = make_app(Settings(home=home, serve=ServeConfig()), engine_factory=app_factory, workers=1)
    with TestClient(app) as c:
        logged = []
        for i in range(6):
            r = c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?", "user": f"u{i}"})
            assert r.status_code == 200, r.text
            logged.append(r.json()["log_id"])
        pinned = c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?", "adapter": "none"}).json()
    with open_store(home) as store:
        assert {get_entry(store, i)["rollout"] for i in logged} == {"r48a"}
        assert get_entry(store, pinned["log_id"])["rollout"] is None


def _log(store, arm: str, rollout: str | None, client: str = "c1") -> int:
    row = {**ROW, "arm": arm, "client_id": client}
    if rollout is not None:
        row["rollout"] = rollout
    return store.add_query_log(row)


def test_a_rollout_counts_its_own_rows_not_a_request_of_the_one_rolled_back(home):
    with open_store(home) as store:
        _log(store, CONTROL, "old")  # rollout "old", rolled back at row 2
        _log(store, CANDIDATE, "old")
        log_from = rollout_log.last_id(store)  # rollout "new" starts here
        _log(store, CANDIDATE, "old", "late")  # routed by "old" before its rollback, logged after "new" started
        _log(store, CANDIDATE, "new", "c2")
        _log(store, CONTROL, None, "c3")  # no id (logged before round 48): by row id and time, as before
        since = time.time() - 60
        rows = rollout_log.rows_after(store, log_from, since, "new")
        assert [r[0] for r in rows] == [CANDIDATE, CONTROL]  # was 3 rows: the late "old" request counted
        assert len(rows[0]) == len(store.rollout_rows(since)[0])  # the same shape as store.rollout_rows
        assert len(rollout_log.rows_after(store, log_from, since)) == 3  # no id given: every row after log_from
        assert rollout_log.arm_counts_after(store, log_from, "new") == {CONTROL: 1, CANDIDATE: 1}
        assert rollout_log.arm_counts_after(store, log_from) == {CONTROL: 1, CANDIDATE: 2}
        assert rollout_log.clients_after(store, log_from, since, "new") == {CONTROL: 1, CANDIDATE: 1}


def test_a_log_without_the_column_is_read_as_it_is(tmp_path, monkeypatch):
    """doctor opens the database as it is (health.open_as_is, never migrated): a log from before round 48 has no
    `rollout` column, and its counts are those by row id."""
    import ragtune.appliance.store.base as base

    path = tmp_path / "old.db"
    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != QUERY_LOG_ROLLOUT[0]])
    with Store(path) as s:
        for arm in (CONTROL, CANDIDATE, CANDIDATE):
            s.add_query_log({**ROW, "arm": arm})
    monkeypatch.undo()
    with health.open_as_is(path) as s:
        assert rollout_log.arm_counts_after(s, 0, "new") == {CONTROL: 1, CANDIDATE: 2}
        assert len(rollout_log.rows_after(s, 1, 0.0, "new")) == 2


@pytest.mark.parametrize("rid", ["r'; DROP TABLE query_log; --", "\u00e9t\u00e9"])
def test_a_hand_edited_rollout_id_is_a_parameter_not_sql(home, rid):
    with open_store(home) as store:
        _log(store, CANDIDATE, rid)
        assert rollout_log.arm_counts_after(store, 0, rid) == {CONTROL: 0, CANDIDATE: 1}
        assert rollout_log.arm_counts_after(store, 0, "other") == {CONTROL: 0, CANDIDATE: 0}
