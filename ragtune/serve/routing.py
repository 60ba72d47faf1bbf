"""OpenAI model names -> adapters: `ragtune` (routed: the rollout arm, else the served default: the activated
adapter, else the built-in default adapter when its manifest says go), `ragtune:base`
(no adapter), `ragtune:<adapter id, prefix or name>` (that adapter, pinned)."""

from __future__ import annotations

from typing import Any

from ..appliance.home import Home
from ..models.rollout import Route, Router as _Router

MODEL = "ragtune"
MODEL_PREFIX = MODEL + ":"
BASE_MODEL = MODEL_PREFIX + "base"

__all__ = ["BASE_MODEL", "MODEL", "MODEL_PREFIX", "Route", "Router", "UnknownModel"]


class UnknownModel(LookupError):
    """A model name this server does not serve (HTTP 404)."""


class Router(_Router):
    def __init__(self, home: Home | None = None, *, default: str = "default"):
        super().__init__(home, default=default)
        self.home = self.state.home

    def pinned_adapter(self, model: str) -> str | None:
        """None for the routed name; the adapter reference otherwise. Unknown names are a 404."""
        if model == MODEL:
            return None
        if model == BASE_MODEL:
            return "none"
        if model.startswith(MODEL_PREFIX):
            ref = model[len(MODEL_PREFIX):]
            try:
                m = self.state.registry.manifest(ref)
            except Exception:
                m = None
            if m is not None and m.get("kind") == "lora-gguf":
                return m["id"]
        raise UnknownModel(model)

    def list_adapters(self) -> list[dict[str, Any]]:
        return self.state.registry.list(kind="lora-gguf")
