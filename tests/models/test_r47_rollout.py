"""Round 47, the operator rolling out an adapter on a live server with an imperfect clock: a rollout's rows are the
query log's rows after its start by row id (an NTP step back does not hide them), an arm whose adapter file is gone
is an alert at once (its failed requests write no row: it looked idle), `rollout status` says times with their zone
and age, and `rollout status|rollback` say when `models activate` changed what a rollback serves."""

from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner

from ragtune.appliance.config import RolloutConfig, Settings
from ragtune.appliance.doctor import Report
from ragtune.appliance.errors import ModelError
from ragtune.appliance.registry import Registry
from ragtune.appliance.store import open_store
from ragtune.cli import cli
from ragtune.models import rollout_doctor
from ragtune.models.rollout import CANDIDATE, CONTROL, RolloutState
from ragtune.models.rollout_watch import check, compare
from tests.serve.helpers import register_adapters

OUT = {"status": "ok", "answer": "Paris.", "citations": ["S1"]}
ROW = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
       "context": [{"id": "S1", "text": "Paris."}], "retrieved": [], "output": OUT, "raw_output": "", "valid": True,
       "repaired": False, "refused": False, "tokens_prompt": 5, "tokens_completion": 5, "timings": {"total_ms": 9.0}}


def _log(home, arm: str, n: int, ts: float) -> None:
    with open_store(home) as s:
        for _ in range(n):
            s.add_query_log({**ROW, "arm": arm, "ts": ts})


def test_rows_logged_after_the_clock_steps_back_an_hour_still_count(home):
    register_adapters(home)
    _log(home, CANDIDATE, 3, time.time() - 30)  # an earlier rollout's rows, from before this one started
    r = RolloutState(home).start("alpha", 50)
    assert r.log_from is not None and r.log_from >= 3
    back = r.started - 3600  # NTP steps the clock back an hour right after the start
    for arm in (CONTROL, CANDIDATE):
        _log(home, arm, 5, back + 10)
    with open_store(home) as s:
        arms = compare(s, r, RolloutConfig(), now=back + 60)["arms"]
        assert (arms[CONTROL]["n"], arms[CANDIDATE]["n"]) == (5, 5)  # was (0, 0): every row "before" the start
        # a day later by the clock (a step forward): the window is the last window_minutes as the clock reads them
        arms = compare(s, r, RolloutConfig(), now=r.started + 86400)["arms"]
        assert (arms[CONTROL]["n"], arms[CANDIDATE]["n"]) == (0, 0)
    rep = Report(home=str(home.root), quick=True)
    rollout_doctor.check(home, True, rep)
    assert "answers logged since it started: 5 candidate, 5 control" in rep.checks[0].detail


def test_a_rollout_file_from_before_round_47_is_read_by_time(home):
    register_adapters(home)
    st = RolloutState(home)
    r = st.start("alpha", 50)
    old = {k: v for k, v in r.to_dict().items() if k != "log_from"}
    st.path.write_text(json.dumps(old, indent=2))
    r = RolloutState(home).load()
    assert r.log_from is None
    _log(home, CONTROL, 2, r.started - 10)  # before the start by the clock: not counted without the row anchor
    _log(home, CONTROL, 4, r.started + 1)
    with open_store(home) as s:
        assert compare(s, r, RolloutConfig(), now=r.started + 5)["arms"][CONTROL]["n"] == 4


@pytest.mark.parametrize("bad", ['"12"', "-1", "true", "1.5"])
def test_a_hand_edited_log_from_is_an_error_naming_its_line(home, bad):
    register_adapters(home)
    st = RolloutState(home)
    st.start("alpha", 5)
    text = st.path.read_text()
    st.path.write_text(_set_key(text, "log_from", bad))
    line = next(n for n, ln in enumerate(st.path.read_text().splitlines(), 1) if '"log_from"' in ln)
    with pytest.raises(ModelError, match=rf"rollout.json:{line}: .*'log_from' must be"):
        RolloutState(home).load()


def _set_key(text: str, key: str, raw: str) -> str:
    obj = json.loads(text)
    obj[key] = "@@"
    return json.dumps(obj, indent=2).replace('"@@"', raw)


def _adapter_path(home, name: str):
    reg = Registry(home)
    return reg.path_of(reg.get(name).manifest)


def test_a_missing_candidate_file_is_an_alert_at_once_and_auto_rolls_back(home):
    register_adapters(home)
    st = RolloutState(home)
    st.start("alpha", 10)
    os.unlink(_adapter_path(home, "alpha"))
    settings = Settings(home=home, rollout=RolloutConfig(auto_rollback=False))
    out = check(settings)
    assert out["breached"] and [b["rule"] for b in out["comparison"]["breaches"]] == ["candidate_adapter"]
    assert "is missing" in out["comparison"]["breaches"][0]["message"] and st.current() is not None
    res = CliRunner().invoke(cli, ["rollout", "status"])
    assert res.exit_code == 1 and "ALERT candidate_adapter: the file of the candidate adapter" in res.output
    out = check(Settings(home=home, rollout=RolloutConfig(auto_rollback=True)))
    assert out["rolled_back"] and st.current() is None
    assert st.load().history[-1]["action"] == "auto-rollback"


def test_a_missing_control_file_is_an_alert_but_never_a_rollback_to_it(home):
    register_adapters(home)
    Registry(home).activate("beta")
    st = RolloutState(home)
    assert st.start("alpha", 10).control == Registry(home).get("beta").id
    os.unlink(_adapter_path(home, "beta"))
    out = check(Settings(home=home, rollout=RolloutConfig(auto_rollback=True)))
    assert out["breached"] and not out["rolled_back"] and st.current() is not None
    assert [b["rule"] for b in out["comparison"]["breaches"]] == ["control_adapter"]


def test_status_says_times_with_their_zone_and_age(home, monkeypatch):
    from ragtune.cli.rollout_cmd import _at

    register_adapters(home)
    RolloutState(home).start("alpha", 10)
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        res = CliRunner().invoke(cli, ["rollout", "status"])
        assert res.exit_code == 0, res.output
        first = res.output.splitlines()[0]
        assert " IST (" in first and " ago)" in first and "window: since it started" in res.output
        now = time.time()
        assert "ahead of this clock" in _at(now + 3600, now) and _at(now - 7260, now).endswith("(2 h 1 min ago)")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_status_and_rollback_say_when_models_activate_changed_what_a_rollback_serves(home):
    ids = register_adapters(home)
    RolloutState(home).start("alpha", 10)  # control: none (the base model)
    assert CliRunner().invoke(cli, ["models", "activate", "beta"]).exit_code == 0
    res = CliRunner().invoke(cli, ["rollout", "status"])
    assert "a rollback would send every client to " + ids["beta"][:12] in res.output
    res = CliRunner().invoke(cli, ["rollout", "rollback"])
    assert res.exit_code == 0, res.output
    assert f"every client on {ids['beta'][:12]}" in res.output and "not the control none" in res.output


def test_status_counts_clients_per_arm_and_says_when_few_clients_split_coarsely(home):
    register_adapters(home)
    r = RolloutState(home).start("alpha", 50)
    with open_store(home) as s:  # one front end's token, no `user` ids: every request is one client, on one arm
        for _ in range(25):
            s.add_query_log({**ROW, "arm": CONTROL, "client_id": "frontend", "ts": r.started - 60})
    arms = check(Settings(home=home), apply=False)["comparison"]["arms"]
    assert (arms[CONTROL]["clients"], arms[CANDIDATE]["clients"]) == (1, 0)
    res = CliRunner().invoke(cli, ["rollout", "status"])
    assert "note: 25 requests from 1 client(s): the split is by client" in res.output
    assert "1 clients" in res.output
    RolloutState(home).rollback(reason="t")
    assert "last change: rollback at 50%" in CliRunner().invoke(cli, ["rollout", "status"]).output
