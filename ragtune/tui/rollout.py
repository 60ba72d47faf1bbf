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
    session had before it is restored and the arms' other adapters are closed (close_losing)."""

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
            close_losing(engine, restore)
            return {"adapter": restore}
        return {}


def close_losing(engine: Any, restore: str) -> list[str]:
    """The rollout that routed this session has ended: the engine goes back to the adapter it had before (what the
    next answer asks for anyway) and its generator closes every other merged model and run-time LoRA
    (AdapterServing.retain), as serve's AdapterUpkeep does; the losing arm (~250 MB merged with the default model)
    stayed loaded for the rest of the session. Under the engine's lock, as an answer's own switch is. Returns the
    ids closed; a failure closes nothing and is left to the answer, whose switch says why."""
    lock = getattr(engine, "_lock", None)
    if lock is None or not getattr(engine, "holds_adapters", False):
        return []  # not loaded yet, a remote backend (nothing held here), a test's engine
    try:
        with lock:
            return engine.close_other_adapters([], switch_to=restore)  # never closed: the one serving now is kept
    except Exception:  # the chat goes on; the MERGED_KEEP bound still holds at the next switch
        return []
