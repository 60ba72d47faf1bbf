"""Round 47: `models activate` / `models deactivate` while a rollout runs change what `rollout rollback` serves
(every client goes to the served adapter, not the control recorded at the start): both commands say so at once,
naming the running rollout and what a rollback now serves (before, only a later `rollout status` or `rollback`
did)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ragtune.cli import cli
from ragtune.models.rollout import RolloutState
from tests.serve.helpers import register_adapters


def _run(*args: str):
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output
    return res


def test_activate_during_a_rollout_warns_what_a_rollback_now_serves(home):
    ids = register_adapters(home)
    r = RolloutState(home).start("alpha", 10)  # control: none (the base model)
    res = _run("models", "activate", "beta")
    assert f"active adapter: {ids['beta'][:16]}" in res.stdout  # what it printed before, unchanged
    warn = res.stderr
    assert f"warning: rollout {r.id} is running" in warn, warn
    assert f"a `ragtune rollout rollback` now sends every client to {ids['beta'][:12]} (beta), not the control " \
        "none" in warn, warn
    assert "`ragtune models deactivate`" in warn  # how to serve the control again
    # --json: stdout stays one JSON object; the warning is on stderr
    res = _run("models", "activate", "beta", "--json")
    assert json.loads(res.stdout)["active_adapter"] == ids["beta"]
    assert f"rollout {r.id} is running" in res.stderr


def test_deactivate_during_a_rollout_warns_too(home):
    ids = register_adapters(home)
    _run("models", "activate", "beta")
    r = RolloutState(home).start("alpha", 10)  # control: beta, the active adapter
    res = _run("models", "deactivate")
    assert f"warning: rollout {r.id} is running" in res.stderr, res.stderr
    assert f"now sends every client to none (the base model), not the control {ids['beta'][:12]}" in res.stderr
    assert f"`ragtune models activate {ids['beta'][:12]}`" in res.stderr
    # back to the control: a rollback serves it again; said, not warned
    res = _run("models", "activate", "beta")
    assert "warning" not in res.stderr and f"rollout {r.id} is running" in res.stderr, res.stderr
    assert f"a `ragtune rollout rollback` sends every client to the control {ids['beta'][:12]} (beta) again" \
        in res.stderr
    res = _run("models", "rollback")  # `models rollback` changes the served adapter too (back to none here)
    assert f"warning: rollout {r.id} is running" in res.stderr and "now sends every client to none" in res.stderr


def test_no_word_without_a_running_rollout(home):
    register_adapters(home)
    r = RolloutState(home).start("alpha", 10)
    RolloutState(home).rollback(reason="t")
    assert r.id not in _run("models", "activate", "beta").stderr
    assert "rollout" not in _run("models", "deactivate").stderr
