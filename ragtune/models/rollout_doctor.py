"""`ragtune doctor`'s `rollout` line (docs/store.md, "Doctor"): the CLI hands `check` to appliance/doctor.py, which
cannot import this layer. Read-only like the rest of doctor: rollout.json is read as `ask` reads it, without the
rollout lock (a `rollout promote` or a server never waits on doctor); an adapter's file is looked for before it is
hashed (the registry's verify of a missing blob would put back a copy a killed swap left aside); the answers are
counted on the database opened as doctor opens it (store/health.py `open_as_is`).

"fail": a running rollout whose candidate or control adapter is missing, unknown to the registry or not the bytes
it records (every request routed to that arm fails), or a rollout.json that does not parse (every request fails).
An ended rollout, or none, is an ok line that says so."""

from __future__ import annotations

import time
from typing import Any

from ragtune.appliance.doctor import Report
from ragtune.appliance.errors import StoreError
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.appliance.store import health, rollout_log
from ragtune.appliance.text import escaped

from .rollout import CANDIDATE, CONTROL, PROMOTED, Rollout, RolloutState
from .rollout_legacy import legacy_note

NAME = "rollout"
_LEGACY_HINT = ("its live comparison mixes two controls: finish it (`ragtune rollout promote --share 100` or "
                "`ragtune rollout rollback`) and start it again to compare against the current one")


def check(home: Home, quick: bool, rep: Report) -> None:
    """The `rollout` line of `home`'s report (a damaged rollout.json: the ModelError of `RolloutState.load`, which
    doctor makes the fail line)."""
    state = RolloutState(home)
    r = state.load()
    if r is None:
        rep.add("ok", NAME, "none running")
        return
    rid = escaped(r.id)
    if not r.running:
        how = "promoted to 100%" if r.status == PROMOTED else "rolled back"
        rep.add("ok", NAME, f"none running: rollout {rid} of {escaped(r.candidate[:12])} {how} "
                f"{_when(r.updated)}, after {duration(r.updated - r.started)}")
        return
    reg = state.registry
    known = {m["id"]: m for m in reg.list()}
    problems = [p for p in (_adapter(reg, known, CANDIDATE, r.candidate, quick),
                            _adapter(reg, known, CONTROL, r.control, quick)) if p]
    name = f" ({escaped(r.candidate_name)})" if r.candidate_name else ""
    control = "none (the base model)" if r.control == "none" else escaped(r.control[:12])
    detail = (f"{rid} running for {duration(time.time() - r.started)}: candidate {escaped(r.candidate[:12])}{name} "
              f"on {r.share:g}% of clients, control {control}; {_answers(home, r)}")
    if problems:
        control_bad = any(arm == CONTROL for arm, _ in problems)
        rep.add("fail", NAME, f"{detail}; {'; '.join(msg for _, msg in problems)}",
                "restore the control adapter's file (or `ragtune models add` the same bytes): it serves every client "
                "not on the candidate, and all of them after a rollback" if control_bad else
                "restore the candidate's file (or `ragtune models add` the same bytes), or `ragtune rollout "
                "rollback` to send every client to the control")
    elif note := legacy_note(r):  # an older release's built-in control, served by today's equivalent: works, compare anew
        rep.add("warn", NAME, f"{detail}; {note}", _LEGACY_HINT)
    else:
        rep.add("ok", NAME, f"{detail}; adapters found" + (", sha256 not checked (--quick)" if quick
                                                           else ", sha256 as recorded"))


def _adapter(reg: Registry, known: dict[str, dict[str, Any]], arm: str, aid: str,
             quick: bool) -> tuple[str, str] | None:
    """(arm, what is wrong) with one arm's adapter, None when it is whole ("none": the base model, no file).
    `known`: the registry's manifests by id."""
    if aid == "none":
        return None
    m = known.get(aid)
    if m is None:
        return arm, f"the {arm} adapter {escaped(aid[:12])} is not in the registry ({reg.dir})"
    path = reg.path_of(m)
    if not path.exists():
        return arm, f"the file of the {arm} adapter {aid[:12]} ({escaped(m['name'])}) is missing: {escaped(path)}"
    err = None if quick else reg.verify(aid)[0][1]  # `models verify`'s own check: a fresh hash
    # its message alone: one line, the hint (`models verify`'s) left to the model check that reads the same file
    return None if err is None else (arm, f"the {arm} adapter: {err.message}")


def _answers(home: Home, r: Rollout) -> str:
    """How many answers each arm has logged since the rollout started (or why they were not counted): the rows after
    its `log_from` (by row id: the clock may have been stepped back since), else by time (an older rollout.json)."""
    if not home.db_path.is_file():
        counts: dict[str, Any] = {CANDIDATE: 0, CONTROL: 0}
    else:
        try:
            with health.open_as_is(home.db_path) as store:
                if r.log_from is None:
                    counts = health.arm_counts(store, r.started)
                else:
                    counts = rollout_log.arm_counts_after(store, r.log_from, r.id)
        except StoreError as exc:  # the database line says what is wrong with the file
            return f"answers not counted ({exc.message})"
    return f"answers logged since it started: {counts[CANDIDATE]} candidate, {counts[CONTROL]} control"


def duration(seconds: float) -> str:
    """'3 d 4 h', '2 h 5 min', '7 min', '12 s': the two largest units."""
    s = max(0, int(seconds))
    d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if d:
        return f"{d} d {h} h"
    if h:
        return f"{h} h {m} min"
    return f"{m} min" if m else f"{s} s"


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
