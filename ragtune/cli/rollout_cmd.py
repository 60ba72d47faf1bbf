"""`ragtune rollout start|promote|rollback|status` (docs/rollout.md)."""

from __future__ import annotations

import datetime as _dt
import sys

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
    r = _state(app).rollback(reason=reason)
    if as_json:
        print_json(r.to_dict())
    else:
        click.echo(f"rollout {r.id}: rolled back; every client on {r.control[:12]}")


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
    if st["breached"]:
        sys.exit(1)


def _print_status(st) -> None:
    r = st["rollout"]
    if r is None:
        click.echo("no rollout")
        return
    when = _dt.datetime.fromtimestamp(r["started"]).strftime("%Y-%m-%d %H:%M")
    click.echo(f"rollout {r['id']} ({r['status']}), started {when}: candidate {r['candidate'][:12]} "
               f"{r['candidate_name'] or ''} on {r['share']:g}%, control {r['control'][:12]}")
    c = st["comparison"]
    click.echo(f"window: last {c['window_minutes']:g} min; rules judged from {c['min_requests']} requests per arm")
    rows = [("requests", "n", lambda v: str(v)), ("  from the cache", "cached", lambda v: f"{v} cached"),
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
    if not c["judged"]:
        click.echo("alerts: not judged yet (too few requests)")
    for b in c["breaches"]:
        click.echo(f"ALERT {b['rule']}: {b['message']}")
    if not c["breaches"] and c["judged"]:
        click.echo("alerts: none")
    if st["rolled_back"]:
        click.echo("auto-rollback: done, every client is on the control arm")
