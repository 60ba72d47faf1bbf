"""The status bar's rollout alert (docs/rollout.md), read after each answer in the chat's worker."""

from __future__ import annotations

from typing import Any


def rollout_alert(settings: Any) -> str | None:
    """`canary 10%`, `canary 10% ALERT rule`, `canary rolled back: rule`, or None (no rollout running). Applies
    auto-rollback when configured. Raises what the rollout files raise: the caller keeps the chat going."""
    from ..models.rollout_watch import check

    st = check(settings)
    r = st["rollout"]
    if r is None or not (r["status"] == "running" or st["rolled_back"]):
        return None
    rules = sorted({b["rule"] for b in (st["comparison"] or {}).get("breaches", [])})
    if st["rolled_back"]:
        return "canary rolled back: " + ", ".join(rules)
    return f"canary {r['share']:g}%" + (" ALERT " + ", ".join(rules) if rules else "")


class SessionRoute:
    """This terminal session's sticky rollout arm: ask() arguments while a rollout runs; once it ends, the adapter the
    session had before it is restored."""

    def __init__(self) -> None:
        self.before: str | None = None  # the session's adapter when a rollout first routed it

    def kwargs(self, home: Any, engine: Any) -> dict[str, Any]:
        try:
            from ..models.rollout import Router, terminal_client

            client = terminal_client()
            route = Router(home, default=None).route(client)
        except Exception:  # a damaged rollout file must not stop the chat
            return {}
        if route.arm is not None:
            if self.before is None:
                self.before = getattr(engine, "adapter_id", None) or "none"
            return {"adapter": route.adapter, "client_id": client, "arm": route.arm, "rollout": route.rollout}
        if self.before is not None:
            restore, self.before = self.before, None
            return {"adapter": restore}
        return {}
