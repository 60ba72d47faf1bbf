"""Live comparison of a rollout's arms from the query log, and the alert rules of `[rollout]`.

Per arm, over the rows logged since the rollout started and within the window: schema adherence (valid before
repair), repair rate, refusal rate, the runtime support check's unsupported rate (refusal_reason "unsupported":
the live stand-in for hallucination), citations per answer, p50/p95 total latency, completion tokens per answer
(spend). Answers served from the answer cache count as requests (shown as `cached`) but not in latency and tokens:
they cost no generation, so an arm that happened to get more repeats would look faster and cheaper than its model
is. Beside them, how many of the arm's rows a person reviewed (`ragtune log review`) and how many of those reviews
corrected the answer (another status, text or citations: store.review_differs): counts, never a rule (a review
comes days later, and only for the rows someone read). No rule is judged until both arms have `min_requests` rows.
`check()` is what `rollout status`, serve's monitor and the chat app's status bar call: it applies the
auto-rollback when configured.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ragtune.appliance.config import RolloutConfig, Settings
from ragtune.appliance.eval.metrics import mean, percentile
from ragtune.appliance.store import rollout_log

from .rollout import CANDIDATE, CONTROL, Rollout, RolloutState
from .rollout_legacy import legacy_note

RULES = {
    "schema_adherence": "candidate schema adherence below min_schema_adherence, or more than max_adherence_drop under control",
    "repair_rate": "candidate repair rate above max_repair_rate",
    "unsupported": "candidate unsupported-answer rate (hallucination proxy) more than max_unsupported_increase above control",
    "refusal_drop": "candidate refusal rate more than max_refusal_drop below control",
    "p95_latency": "candidate p95 latency more than max_p95_ratio times control (and p95_slack_ms slower)",
    "spend": "candidate completion tokens per answer more than max_tokens_ratio times control",
    "candidate_adapter": "the candidate's adapter file is missing or unknown to the registry (judged at once)",
    "control_adapter": "the control's adapter file is missing or unknown to the registry (never rolls back)",
}


def arm_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)

    def rate(key: str) -> float | None:
        return mean(1.0 if r[key] else 0.0 for r in rows) if n else None

    generated = [r for r in rows if not r["cached"]]  # latency and spend: answers the model produced
    lat = [r["total_ms"] for r in generated if r["total_ms"] is not None]
    return {
        "n": n,
        "cached": n - len(generated),
        "schema_adherence": rate("valid"),
        "repair_rate": rate("repaired"),
        "refusal_rate": rate("refused"),
        "unsupported_rate": mean(1.0 if r["refusal_reason"] == "unsupported" else 0.0 for r in rows) if n else None,
        "citations_per_answer": mean(r["n_citations"] for r in rows) if n else None,
        "latency_p50_ms": percentile(lat, 50),
        "latency_p95_ms": percentile(lat, 95),
        "tokens_per_answer": mean(r["tokens_completion"] for r in generated) if generated else None,
        "reviewed": sum(1 for r in rows if r["reviewed"]),
        "corrected": sum(1 for r in rows if r["corrected"]),
    }


def _row(raw: tuple) -> dict[str, Any]:
    arm, valid, repaired, refused, reason, output, timings, tokens, cached, reviewed, corrected = raw
    try:
        n_cit = len(json.loads(output).get("citations") or [])
    except (ValueError, AttributeError, TypeError):
        n_cit = 0
    try:
        total = float(json.loads(timings).get("total_ms"))
    except (ValueError, AttributeError, TypeError):
        total = None
    return {"arm": arm, "valid": bool(valid), "repaired": bool(repaired), "refused": bool(refused),
            "refusal_reason": reason, "n_citations": n_cit, "total_ms": total, "tokens_completion": int(tokens or 0),
            "cached": bool(cached), "reviewed": bool(reviewed), "corrected": bool(corrected)}


def adapter_breaches(state: RolloutState, r: Rollout) -> list[dict[str, Any]]:
    """A breach per arm whose adapter is gone (rule `candidate_adapter` | `control_adapter`): its file is missing
    or the registry no longer knows it (doctor's check, without the hash: this runs every 15 s). Every request
    routed to that arm fails, and a failed request writes no query-log row: its arm would look idle ("not judged
    yet") while its clients get errors."""
    from .rollout_doctor import _adapter

    try:
        known = {m["id"]: m for m in state.registry.list()}
        found = [p for arm in (CANDIDATE, CONTROL) if (p := _adapter(state.registry, known, arm, r.adapter_of(arm),
                                                                     True))]
    except Exception:  # noqa: BLE001 - a registry that cannot be listed is doctor's to say, not a reason to roll back
        return []
    return [{"rule": f"{arm}_adapter", "message": f"{msg}: every request routed to the {arm} arm fails",
             "candidate": None, "control": None, "limit": None} for arm, msg in found]


def judge(arms: dict[str, dict[str, Any]], cfg: RolloutConfig) -> tuple[bool, list[dict[str, Any]]]:
    """(judged, breaches). Each breach: {"rule", "message", "candidate", "control", "limit"}."""
    c, b = arms[CANDIDATE], arms[CONTROL]
    if c["n"] < cfg.min_requests or b["n"] < cfg.min_requests:
        return False, []
    out: list[dict[str, Any]] = []

    def breach(rule: str, msg: str, cv: Any, bv: Any, limit: Any) -> None:
        out.append({"rule": rule, "message": msg, "candidate": cv, "control": bv, "limit": limit})

    ca, ba = c["schema_adherence"], b["schema_adherence"]
    if ca < cfg.min_schema_adherence:
        breach("schema_adherence", f"schema adherence {ca:.1%} < {cfg.min_schema_adherence:.1%}", ca, ba,
               cfg.min_schema_adherence)
    elif ba - ca > cfg.max_adherence_drop:
        breach("schema_adherence", f"schema adherence {ca:.1%} vs control {ba:.1%} (drop > {cfg.max_adherence_drop:.1%})",
               ca, ba, cfg.max_adherence_drop)
    if c["repair_rate"] > cfg.max_repair_rate:
        breach("repair_rate", f"repair rate {c['repair_rate']:.1%} > {cfg.max_repair_rate:.1%}", c["repair_rate"],
               b["repair_rate"], cfg.max_repair_rate)
    du = c["unsupported_rate"] - b["unsupported_rate"]
    if du > cfg.max_unsupported_increase:
        breach("unsupported", f"unsupported answers {c['unsupported_rate']:.1%} vs control {b['unsupported_rate']:.1%} "
               f"(+{du:.1%} > {cfg.max_unsupported_increase:.1%})", c["unsupported_rate"], b["unsupported_rate"],
               cfg.max_unsupported_increase)
    dr = b["refusal_rate"] - c["refusal_rate"]
    if dr > cfg.max_refusal_drop:
        breach("refusal_drop", f"refusal rate {c['refusal_rate']:.1%} vs control {b['refusal_rate']:.1%} "
               f"(-{dr:.1%} > {cfg.max_refusal_drop:.1%})", c["refusal_rate"], b["refusal_rate"], cfg.max_refusal_drop)
    cp, bp = c["latency_p95_ms"], b["latency_p95_ms"]
    if cp is not None and bp and cp / bp > cfg.max_p95_ratio and cp - bp > cfg.p95_slack_ms:
        breach("p95_latency", f"p95 {cp:.0f} ms vs control {bp:.0f} ms (x{cp / bp:.2f} > x{cfg.max_p95_ratio:.2f})",
               cp, bp, cfg.max_p95_ratio)
    ct, bt = c["tokens_per_answer"], b["tokens_per_answer"]
    if ct is not None and bt and ct / bt > cfg.max_tokens_ratio:
        breach("spend", f"{ct:.1f} tokens/answer vs control {bt:.1f} (x{ct / bt:.2f} > x{cfg.max_tokens_ratio:.2f})",
               ct, bt, cfg.max_tokens_ratio)
    return True, out


def rollout_rows(store: Any, rollout: Rollout, since: float) -> list[tuple]:
    """store.rollout_rows(since) of this rollout only: the rows after its `log_from` (the log's last row when it
    started) when the file has it, else those since it started by the clock. By row id, not time: after the clock is
    stepped back (NTP), rows it logs carry times before `started`; and a row logged before the start is never one of
    its own, whatever time it carries."""
    if rollout.log_from is None:  # a file written before round 47
        return store.rollout_rows(max(rollout.started, since))
    return rollout_log.rows_after(store, rollout.log_from, since, rollout.id)  # its own rows (and id-less ones)


def compare(store: Any, rollout: Rollout, cfg: RolloutConfig, *, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    start = now - cfg.window_minutes * 60
    rows = [_row(r) for r in rollout_rows(store, rollout, start)]
    since = max(rollout.started, start)  # (as the clock reads now: what status shows)
    arms = {a: arm_stats([r for r in rows if r["arm"] == a]) for a in (CONTROL, CANDIDATE)}
    # the split is by client: one token without `user` ids (every staff member behind one front end) is one client,
    # all of it on one arm; status says how many clients the requests came from
    clients = (rollout_log.clients_after(store, -1, since) if rollout.log_from is None
               else rollout_log.clients_after(store, rollout.log_from, start, rollout.id))
    for a in arms:
        arms[a]["clients"] = clients[a]
    judged, breaches = judge(arms, cfg)
    return {"since": since, "window_minutes": cfg.window_minutes, "min_requests": cfg.min_requests,
            "arms": arms, "judged": judged, "breaches": breaches}


def check(settings: Settings, *, apply: bool = True, state: RolloutState | None = None) -> dict[str, Any]:
    """Status of the home's rollout: {"rollout", "comparison", "breached", "rolled_back"}. With a breach and
    `[rollout] auto_rollback`, rolls back (when `apply`)."""
    from ragtune.appliance.store import open_store

    state = state or RolloutState(settings.home)
    r = state.load()
    out: dict[str, Any] = {"rollout": None if r is None else r.to_dict(), "comparison": None, "breached": False,
                           "rolled_back": False, "auto_rollback": settings.rollout.auto_rollback,
                           "control_note": None if r is None else legacy_note(r)}  # an old release's built-in
    if r is None:
        return out
    with open_store(settings.home) as store:
        cmp_ = compare(store, r, settings.rollout)
    if r.running:
        cmp_["breaches"] += adapter_breaches(state, r)
    out["comparison"] = cmp_
    out["breached"] = bool(cmp_["breaches"]) and r.running
    # a broken control is no reason to send everyone to it: only the candidate's own breaches roll back
    if any(b["rule"] != "control_adapter" for b in cmp_["breaches"]) and settings.rollout.auto_rollback and apply:
        def why(now: Rollout) -> str | None:  # judged again under the lock: the rollout read above may be gone
            with open_store(settings.home) as store:
                found = compare(store, now, settings.rollout)["breaches"] + adapter_breaches(state, now)
            return "; ".join(b["message"] for b in found if b["rule"] != "control_adapter") or None

        rolled = state.auto_rollback(why)
        if rolled is not None:
            out["rollout"], out["rolled_back"] = rolled.to_dict(), True
    return out
