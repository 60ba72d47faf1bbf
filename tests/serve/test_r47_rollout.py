"""Round 47, `serve` during an adapter rollout (docs/rollout.md, docs/serve.md): a failed answer is counted per arm
(`ragtune_answer_errors_total{arm,code}`: a failed request writes no query-log row, so an arm whose adapter file is
gone showed no error rate of its own); the server log (never the client's body) names `ragtune rollout rollback`
when a rollout arm's model fails; and the log warns once when a rollout's client names no user (a reverse proxy
puts all its users on one arm)."""

from __future__ import annotations

import logging
import os

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.config import Settings
from ragtune.appliance.config_ops import ServeConfig
from ragtune.appliance.registry import Registry
from ragtune.models.rollout import Rollout, RolloutState
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, register_adapters

ASK, CHAT = "/v1/ask", "/v1/chat/completions"
Q = "Where is the Eiffel Tower?"
BODY_500 = "a model or adapter could not be loaded (the server log says why)"  # pinned by tests/serve/test_hostile


def _rollout(home, *, candidate: str, control: str = "none", share: float = 100) -> None:
    RolloutState(home)._save(Rollout(id="r47", candidate=candidate, control=control, share=share), "start")


def _remove_file(home, adapter_id: str) -> None:
    reg = Registry(home)
    os.remove(reg.path_of(reg.manifest(adapter_id)))


def _app(home):
    return make_app(Settings(home=home, serve=ServeConfig()), engine_factory=fake_factory(), workers=1)


def _metric(text: str, name: str, **labels: str) -> float | None:
    want = "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    for line in text.splitlines():
        if line.startswith(name + want + " "):
            return float(line.split()[-1])
    return None


def test_a_candidate_whose_file_is_gone_has_an_error_rate_per_arm(home, caplog):
    """Was: only ragtune_requests_total{route,code="500"}: with both arms serving, nothing said which one failed."""
    ids = register_adapters(home)
    _rollout(home, candidate=ids["alpha"], share=50)
    _remove_file(home, ids["alpha"])
    arms: dict[str, int] = {}
    with TestClient(_app(home), raise_server_exceptions=False) as c:
        with caplog.at_level(logging.ERROR, logger="ragtune.serve"):
            for i in range(24):  # named users: the split puts some on each arm
                stream = i % 3 == 0
                if i % 2:
                    r = c.post(ASK, json={"question": Q, "user": f"u{i}"})
                    arm = r.json().get("arm") if r.status_code == 200 else "candidate"
                else:
                    r = c.post(CHAT, json={"model": "ragtune", "user": f"u{i}", "stream": stream,
                                           "messages": [{"role": "user", "content": Q}]})
                    arm = "control" if r.status_code == 200 else "candidate"
                arms[arm] = arms.get(arm, 0) + 1
                if arm == "candidate":
                    assert r.status_code == 500, r.text
                    err = r.json()["error"]
                    assert err == {"message": BODY_500, "type": "server_error", "param": None, "code": "model_error"}  # unchanged
                    assert "rollback" not in r.text  # an operator command is not the client's business
                else:
                    assert r.status_code == 200, r.text
        r = c.post(ASK, json={"question": Q, "adapter": "alpha"})  # pinned: not an arm ("-", as ragtune_answers)
        assert r.status_code == 500, r.text
        text = c.get("/metrics").text
    assert arms.get("candidate") and arms.get("control"), arms
    assert _metric(text, "ragtune_answer_errors_total", arm="candidate", code="model_error") == arms["candidate"]
    assert _metric(text, "ragtune_answer_errors_total", arm="-", code="model_error") == 1
    assert _metric(text, "ragtune_answer_errors_total", arm="control", code="model_error") is None
    assert _metric(text, "ragtune_answers_total", adapter="none", arm="control", status="ok") == arms["control"]
    # the server log: the why (the registry's "restore it") and, for the routed ones, the quick way out
    lines = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.ERROR]
    routed = [ln for ln in lines if "is missing" in ln and "`ragtune rollout rollback`" in ln]
    assert len(routed) == arms["candidate"], lines
    assert all("restore it" in ln and "candidate arm" in ln for ln in routed), routed
    pinned = [ln for ln in lines if "is missing" in ln and "rollback" not in ln]
    assert len(pinned) == 1, lines  # the client named it: no rollout arm, no rollback hint


def test_the_log_hint_names_the_arm():
    from ragtune.serve.errors import rollout_hint

    assert "`ragtune rollout rollback` sends every client to the control arm" in rollout_hint("candidate")
    control = rollout_hint("control")  # a rollback would send everyone to it: not the way out
    assert "control arm" in control and "would serve to every client" in control


def Unnamed(**kw):  # noqa: N802 - imported when a test runs: each test fails on its own without the fix
    from ragtune.serve.routing import Unnamed as _Unnamed

    return _Unnamed(**kw)


def _warnings(caplog) -> list[str]:
    return [rec.getMessage() for rec in caplog.records
            if rec.levelno == logging.WARNING and "named no user" in rec.getMessage()]


@pytest.mark.parametrize("route", [ASK, CHAT])
def test_a_rollouts_unnamed_client_is_warned_of_once(home, caplog, route):
    """Was: nothing said that every user behind a reverse proxy (no `user`, no X-Ragtune-Client) was one client,
    all on one arm."""
    ids = register_adapters(home)
    _rollout(home, candidate=ids["alpha"], share=5)
    app = _app(home)
    app.state.serve.unnamed = Unnamed(limit=3)
    body = {"question": Q} if route == ASK else {"model": "ragtune", "messages": [{"role": "user", "content": Q}]}
    with TestClient(app) as c, caplog.at_level(logging.WARNING, logger="ragtune.serve"):
        for i in range(5):  # named ones are not counted
            assert c.post(route, json={**body, "user": "bob"}).status_code == 200
            assert c.post(route, json=body, headers={"X-Ragtune-Client": f"p{i}"}).status_code == 200
        assert c.post(route, json={**body, "adapter": "none"} if route == ASK else
                      {**body, "model": "ragtune:base"}).status_code == 200  # pinned: no arm, not counted
        assert not _warnings(caplog)
        for _ in range(3):
            assert c.post(route, json=body).status_code == 200
        assert not _warnings(caplog)
        for _ in range(4):
            assert c.post(route, json=body).status_code == 200
    warned = _warnings(caplog)
    assert len(warned) == 1, warned  # once per process
    assert "'anon@testclient'" in warned[0] and "`user` or X-Ragtune-Client" in warned[0], warned


def test_no_warning_without_a_rollout(home, caplog):
    app = _app(home)
    app.state.serve.unnamed = Unnamed(limit=1)
    with TestClient(app) as c, caplog.at_level(logging.WARNING, logger="ragtune.serve"):
        for _ in range(3):
            assert c.post(ASK, json={"question": Q}).status_code == 200
    assert not _warnings(caplog)


def test_unnamed_memory_is_bounded(caplog):
    u = Unnamed(limit=2, max_clients=3)
    with caplog.at_level(logging.WARNING, logger="ragtune.serve"):
        for i in range(100):
            u.seen(f"anon@10.0.0.{i}", None, "control")
        assert len(u.counts) == 3 and not u.warned
        u.seen("tok/alice", "tok", "control")  # a token's named user: not counted
        for _ in range(3):
            u.seen("tok", "tok", "candidate")  # a token alone is one client too (counted while there is room)
        assert "tok" not in u.counts
        for _ in range(2):
            u.seen("anon@10.0.0.0", None, "control")
    assert u.warned and u.counts == {} and len(_warnings(caplog)) == 1
    u.seen("anon@10.0.0.0", None, "control")
    assert u.counts == {}  # nothing is counted after the warning


def test_the_docs_say_what_the_server_does():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs"
    serve, rollout = (docs / "serve.md").read_text(encoding="utf-8"), (docs / "rollout.md").read_text(encoding="utf-8")
    assert f"more than {Unnamed().limit} requests" in serve
    assert "`ragtune_answer_errors_total{arm,code}`" in serve and "ragtune_answer_errors_total{arm=" in rollout
