"""`ragtune doctor`'s `rollout` line (ragtune/models/rollout_doctor.py, added by cli/doctor_cmd.py through
appliance/doctor.py's `extra` hook): a running rollout's adapters found and as recorded, its age and answers per arm;
a missing, unknown or changed adapter and a rollout.json that does not parse fail; an ended rollout is said; all of it
without writing a byte or waiting on the rollout lock."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ragtune.appliance.doctor import diagnose
from ragtune.appliance.errors import ModelError
from ragtune.appliance.filelock import exclusive
from ragtune.appliance.registry import Registry
from ragtune.appliance.store import open_store
from ragtune.cli import main
from ragtune.models.rollout import CANDIDATE, CONTROL, RolloutState
from ragtune.models.rollout_doctor import duration
from tests.gguf_helpers import write_gguf

from .test_doctor import _files

ROW = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
       "context": [], "retrieved": [], "output": {"status": "ok", "answer": "Paris.", "citations": ["S1"]},
       "raw_output": "", "valid": True, "repaired": False, "refused": False, "tokens_prompt": 5,
       "tokens_completion": 5, "timings": {"total_ms": 10.0}}


def _adapters(home, *names: str) -> dict[str, object]:
    """Tiny GGUF LoRA headers registered as lora-gguf. name -> Artifact."""
    reg = Registry(home)
    return {n: reg.add(write_gguf(home.root / "src" / f"{n}.gguf", tag=n), "lora-gguf", name=n) for n in names}


def _doctor(home, capsys, *args: str) -> tuple[int, dict[str, tuple[str, str]], list[str]]:
    """(exit code, {check: (status, detail)}, hint lines) of the text output."""
    rc = main(["--home", str(home.root), "doctor", *args])
    lines, hints = {}, []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith(" "):
            hints.append(line.strip())
            continue
        status, name, detail = line.split(maxsplit=2)
        lines[name] = (status, detail)
    return rc, lines, hints


def _break(path: Path, how: str) -> None:
    os.chmod(path.parent, 0o755)
    os.chmod(path, 0o644)
    if how == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:-4] + b"XXXX")


def test_no_rollout_is_an_ok_line(home, capsys):
    home.root.mkdir(parents=True)
    rc, lines, _ = _doctor(home, capsys, "--quick")
    assert rc == 0 and lines["rollout"] == ("ok", "none running")
    assert list(lines).index("rollout") == list(lines).index("adapter") + 1  # after the models' lines


def test_a_running_rollout_says_its_arms_age_and_answers_and_changes_nothing(home, capsys):
    ids = _adapters(home, "alpha")
    with open_store(home) as st:
        st.add_query_log({**ROW, "arm": CANDIDATE, "ts": time.time() - 5 * 3600})  # before this rollout
    RolloutState(home).start("alpha", 5)
    r = RolloutState(home).load()
    r.started -= 3 * 3600 + 5 * 60  # started 3 h 5 min ago (the log rows below are newer)
    RolloutState(home).path.write_text(json.dumps(r.to_dict()), encoding="utf-8")
    with open_store(home) as st:
        for arm, n in ((CANDIDATE, 2), (CONTROL, 3)):
            for _ in range(n):
                st.add_query_log({**ROW, "arm": arm})
        st.add_query_log(ROW)  # a pinned request: no arm
    before = _files(home.root)
    for quick in (False, True):
        rc, lines, _ = _doctor(home, capsys, *(["--quick"] if quick else []))
        status, detail = lines["rollout"]
        assert rc == 0 and status == "ok", lines
        assert f"{r.id} running for 3 h 5 min" in detail and f"candidate {ids['alpha'].id[:12]} (alpha)" in detail
        assert "on 5% of clients, control none (the base model)" in detail
        assert "answers logged since it started: 2 candidate, 3 control" in detail
        assert detail.endswith("sha256 not checked (--quick)" if quick else "sha256 as recorded")
    assert _files(home.root) == before  # no rollout.lock, no -wal/-shm, nothing rewritten


@pytest.mark.parametrize("how", ["missing", "changed"])
def test_a_broken_candidate_fails(home, capsys, how):
    arts = _adapters(home, "alpha")
    RolloutState(home).start("alpha", 10)
    _break(arts["alpha"].path, how)
    rc, lines, hints = _doctor(home, capsys)
    status, detail = lines["rollout"]
    assert rc == 1 and status == "fail", lines
    assert ("the file of the candidate adapter" in detail and "is missing" in detail) if how == "missing" else \
        ("does not match its id" in detail)
    assert any("ragtune rollout rollback" in h for h in hints), hints
    rc, lines, _ = _doctor(home, capsys, "--quick")  # --quick: found is all it asks
    assert (rc, lines["rollout"][0]) == ((1, "fail") if how == "missing" else (0, "ok"))


def test_a_broken_control_fails_and_says_a_rollback_does_not_help(home, capsys):
    arts = _adapters(home, "alpha", "beta")
    Registry(home).activate("beta")
    r = RolloutState(home).start("alpha", 5)
    assert r.control == arts["beta"].id
    _break(arts["beta"].path, "missing")
    rc, lines, hints = _doctor(home, capsys, "--quick")
    status, detail = lines["rollout"]
    assert rc == 1 and status == "fail" and f"control {arts['beta'].id[:12]}" in detail, lines
    assert "the file of the control adapter" in detail and "(beta) is missing" in detail
    assert any("all of them after a rollback" in h for h in hints), hints


def test_an_adapter_the_registry_does_not_know_fails(home, capsys):
    arts = _adapters(home, "alpha")
    RolloutState(home).start("alpha", 5)
    (home.registry_dir / f"{arts['alpha'].id}.json").unlink()  # its manifest removed by hand
    rc, lines, _ = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["rollout"][0] == "fail" and "is not in the registry" in lines["rollout"][1], lines


@pytest.mark.parametrize("end", ["rollback", "promote"])
def test_an_ended_rollout_is_said_not_checked(home, capsys, end):
    arts = _adapters(home, "alpha")
    st = RolloutState(home)
    st.start("alpha", 5)
    if end == "rollback":
        st.rollback(reason="test")
    else:
        st.promote(100, decision={"go": True, "why": "eval go"})
    _break(arts["alpha"].path, "changed")  # an ended rollout's adapter is not its business (the adapter line is)
    rc, lines, _ = _doctor(home, capsys, "--quick")
    status, detail = lines["rollout"]
    assert status == "ok" and detail.startswith("none running: rollout "), lines
    assert ("rolled back" if end == "rollback" else "promoted to 100%") in detail and "after 0 s" in detail


def test_a_damaged_rollout_file_fails_naming_it_and_the_rest_goes_on(home, capsys):
    _adapters(home, "alpha")
    st = RolloutState(home)
    st.start("alpha", 5)
    st.path.write_text('{"id": "x", "share": ', encoding="utf-8")
    rc, lines, hints = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["rollout"][0] == "fail" and "rollout.json:1" in lines["rollout"][1], lines
    assert "unreadable rollout state" in lines["rollout"][1] and any("move it aside" in h for h in hints)
    assert lines["disk"][0] == "ok" and lines["leftovers"][0] == "ok"


def test_doctor_does_not_wait_for_the_rollout_lock(home, capsys, monkeypatch):
    import ragtune.models.rollout as rollout_mod

    _adapters(home, "alpha")
    st = RolloutState(home)
    st.start("alpha", 5)
    # the rollout commands wait LOCK_WAIT_S, then give up: made long, so that a doctor that waited stands far apart
    # from one that did not on CI's shared cores (was 2 s, the same as the bound: a slow doctor looked like a wait)
    monkeypatch.setattr(rollout_mod, "LOCK_WAIT_S", 60.0)
    with exclusive(st.lock_path, wait_s=0):  # a `rollout promote` in progress (it holds the lock)
        t = time.monotonic()
        rc, lines, _ = _doctor(home, capsys, "--quick")
        assert time.monotonic() - t < 20
    assert rc == 0 and lines["rollout"][0] == "ok", lines


def test_json_has_the_rollout_check_in_the_same_shape(home, capsys):
    _adapters(home, "alpha")
    RolloutState(home).start("alpha", 5)
    assert main(["--home", str(home.root), "doctor", "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    (c,) = [c for c in out["checks"] if c["name"] == "rollout"]
    assert c["status"] == "ok" and c["hint"] is None and "0 candidate, 0 control" in c["detail"]
    assert set(c) == {"status", "name", "detail", "hint"} and out["counts"]["fail"] == 0


def test_the_hook_runs_checks_from_above_and_makes_their_errors_fail_lines(home):
    home.root.mkdir(parents=True)
    seen = []

    def fine(h, quick, rep):
        seen.append((h, quick))
        rep.add("ok", "above", "fine")

    def broken(h, quick, rep):
        raise ModelError("state.json:3: unreadable", hint="move it aside")

    rep = diagnose(home, quick=True, extra=[("above", fine), ("broken", broken)])
    names = [c.name for c in rep.checks]
    assert seen == [(home, True)] and names.index("above") == names.index("adapter") + 1
    (b,) = [c for c in rep.checks if c.name == "broken"]
    assert (b.status, b.detail, b.hint) == ("fail", "state.json:3: unreadable", "move it aside") and rep.failed
    assert names[-2:] == ["disk", "leftovers"]


def test_duration_says_the_two_largest_units():
    assert [duration(s) for s in (0, 12, 7 * 60 + 3, 2 * 3600 + 5 * 60, 3 * 86400 + 4 * 3600 + 59, -5)] == \
        ["0 s", "12 s", "7 min", "2 h 5 min", "3 d 4 h", "0 s"]
