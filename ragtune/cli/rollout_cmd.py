"""`ragtune rollout start|promote|rollback|status` (docs/rollout.md)."""

from __future__ import annotations

import datetime as _dt
import sys
import time

import click

from .common import cli, pass_app, print_json


@cli.group("rollout")
def rollout_group() -> None:
    """Canary an adapter on a share of clients, compare it live, promote or roll back."""


def _state(app):
    from ..models.rollout import RolloutState

    return RolloutState(app.settings.home)


@rollout_group.command("start")
@click.argument("adapter")
@click.option("--share", type=float, default=5.0, show_default=True, help="Percent of clients on the candidate.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def start(app, adapter: str, share: float, as_json: bool) -> None:
    """Start serving ADAPTER (registry id/prefix/name) to SHARE% of clients; the rest keep the active one."""
    from ..appliance.refs import served_model_id

    state = _state(app)
    r = state.start(adapter, share, model_id=served_model_id(state.registry, app.settings.generate.model))
    if as_json:
        print_json(r.to_dict())
    else:
        click.echo(f"rollout {r.id}: {r.candidate[:12]} ({r.candidate_name or 'unnamed'}) on {r.share:g}% of "
                   f"clients; control {r.control[:12]}")
        click.echo(f"next: ragtune rollout status (live comparison); promoting needs an offline go: ragtune eval run "
                   f"SET --adapter {r.candidate[:12]}, then ragtune rollout promote (or rollback)", err=True)


@rollout_group.command("promote")
@click.option("--share", type=float, default=100.0, show_default=True,
              help="New share in percent; 100 makes the candidate the active adapter and ends the rollout.")
@click.option("--override", is_flag=True,
              help="Promote although the candidate's offline eval decision is no-go or missing (logged).")
@click.option("--reason", default="", help="Why (kept in the rollout history; say it when overriding).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def promote(app, share: float, override: bool, reason: str, as_json: bool) -> None:
    """Raise the candidate's share. Refused while its `eval run` decision is no-go or missing."""
    from ..models.rollout import eval_decision

    home = app.settings.home
    # the gate is read under the rollout lock, for the candidate running then: read before it, the verdict could be
    # for a rollout that a `rollout rollback` + `start` has replaced in the meantime
    r = _state(app).promote(share, decide=lambda cur: eval_decision(home, cur.candidate), override=override,
                            reason=reason)
    if as_json:
        print_json(r.to_dict())
        return
    if r.history[-1].get("override"):
        click.echo(f"warning: promoted over the gate ({r.history[-1]['gate']}); logged", err=True)
    if r.status == "promoted":
        click.echo(f"rollout {r.id}: {r.candidate[:12]} promoted to 100% and activated")
    else:
        click.echo(f"rollout {r.id}: {r.candidate[:12]} on {r.share:g}% of clients")


@rollout_group.command("rollback")
@click.option("--reason", default="manual", show_default=True, help="Kept in the rollout history.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def rollback(app, reason: str, as_json: bool) -> None:
    """Send every client back to the control arm now."""
    state = _state(app)
    r = state.rollback(reason=reason)
    if as_json:
        print_json(r.to_dict())
    else:
        served = _served(app, state)
        click.echo(f"rollout {r.id}: rolled back; every client on {(served or r.control)[:12]}")
        _warn_served(served, r.control, after=True)


def _served(app, state):
    """The adapter clients get outside a rollout (`[generate] adapter`, pinned or "default"), or None when it cannot
    be told (models.rollout.served_adapter: `models activate` says the same)."""
    from ..models.rollout import served_adapter

    return served_adapter(state.registry, app.settings.generate)


def _warn_served(served, control: str, *, after: bool) -> None:
    """`models activate` (or deactivate) while a rollout ran: what a rollback serves is no longer its control."""
    if served is None or served == control:
        return
    what = "every client now gets" if after else "a rollback would send every client to"
    click.echo(f"note: the served adapter changed after the rollout started (`ragtune models activate`): {what} "
               f"{served[:12]}, not the control {control[:12]}; `ragtune models activate {control[:12]}` (or "
               f"`models deactivate` for none) to serve the control", err=True)


def _at(ts: float, now: float) -> str:
    """A local time with its zone and how long ago: `2026-12-06 23:50 PST (1 h 5 min ago)`. A time after now (the
    clock was stepped back since) is said, not shown as a negative age."""
    from ..models.rollout_doctor import duration

    when = _dt.datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    if ts > now + 60:
        return f"{when} ({duration(ts - now)} ahead of this clock: was it set back?)"
    return f"{when} ({duration(now - ts)} ago)"


FEW_CLIENTS = 10  # fewer distinct clients than this in the window: the share cannot be what was asked


def _pct(v):
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _num(v, unit=""):
    return "n/a" if v is None else f"{v:.1f}{unit}"


@rollout_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def status(app, as_json: bool) -> None:
    """Per-arm comparison from the query log and the alert rules. Exits 1 when a rule is breached
    (and rolls back first when [rollout] auto_rollback is on)."""
    from ..models.rollout_watch import check

    st = check(app.settings)
    if as_json:
        print_json(st)
    else:
        _print_status(st)
        r = st["rollout"]
        if r is not None and r["status"] == "running":
            _warn_served(_served(app, _state(app)), r["control"], after=False)
    if st["breached"]:
        sys.exit(1)


def _print_status(st) -> None:
    r = st["rollout"]
    if r is None:
        click.echo("no rollout")
        return
    now = time.time()
    click.echo(f"rollout {r['id']} ({r['status']}), started {_at(r['started'], now)}: candidate "
               f"{r['candidate'][:12]} {r['candidate_name'] or ''} on {r['share']:g}%, control {r['control'][:12]}")
    if r["history"] and r["history"][-1].get("action") != "start":
        last = r["history"][-1]
        how = "to" if str(last.get("action")).startswith("promote") else "at"  # a rollback keeps its share
        click.echo(f"last change: {last.get('action')} {how} {last.get('share', r['share']):g}% "
                   f"{_at(last.get('ts', r['updated']), now)}")
    c = st["comparison"]
    window = c["window_minutes"]
    scope = ("since it started" if 0 <= now - r["started"] <= window * 60 else f"the last {window:g} min")
    click.echo(f"window: {scope} (window_minutes {window:g}); rules judged from {c['min_requests']} requests per arm")
    rows = [("requests", "n", lambda v: str(v)), ("  from clients", "clients", lambda v: f"{v} clients"), ("  from the cache", "cached", lambda v: f"{v} cached"),
            ("schema adherence", "schema_adherence", _pct),
            ("repair rate", "repair_rate", _pct), ("refusal rate", "refusal_rate", _pct),
            ("unsupported rate", "unsupported_rate", _pct), ("citations/answer", "citations_per_answer", _num),
            ("p50 latency", "latency_p50_ms", lambda v: _num(v, " ms")),
            ("p95 latency", "latency_p95_ms", lambda v: _num(v, " ms")),
            ("tokens/answer", "tokens_per_answer", _num),
            ("reviewed", "reviewed", lambda v: str(v)), ("  corrected", "corrected", lambda v: f"{v} corrected")]
    click.echo(f"{'':18} {'control':>12} {'candidate':>12}")
    for label, key, fmt in rows:
        click.echo(f"{label:18} {fmt(c['arms']['control'][key]):>12} {fmt(c['arms']['candidate'][key]):>12}")
    if c["arms"]["control"]["cached"] or c["arms"]["candidate"]["cached"]:
        click.echo("latency and tokens/answer: generated answers only (cached ones cost no generation)")
    n = sum(a["n"] for a in c["arms"].values())
    clients = sum(a.get("clients", 0) for a in c["arms"].values())
    if n >= c["min_requests"] and clients < FEW_CLIENTS:
        click.echo(f"note: {n} requests from {clients} client(s): the split is by client, so a few clients split "
                   "coarsely (one token with no `user` field or X-Ragtune-Client header is one client, all on one arm)")
    if not c["judged"]:
        click.echo("alerts: rules not judged yet (too few requests)")
    for b in c["breaches"]:
        click.echo(f"ALERT {b['rule']}: {b['message']}")
    if not c["breaches"] and c["judged"]:
        click.echo("alerts: none")
    if st["rolled_back"]:
        click.echo("auto-rollback: done, every client is on the control arm")
    if st.get("control_note"):
        click.echo(f"note: {st['control_note']}")
