"""The served adapter, a part of the model registry: `registry/active.json` names the adapter `ask` and `serve`
use and the one before it (for an instant rollback); until a choice is made the package's built-in default adapter
serves, when its manifest says go.

Registry (registry.py) takes these methods from `ServedAdapter`; they use only the registry's own `get`, `list`,
`check_fits`, `dir` and `state_path`, so this module imports nothing of registry.py (it imports this one, never the
reverse).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from . import builtin_adapters as builtin
from .artifacts import ADAPTER_KINDS, HEX64, Artifact, check_kind
from .atomic import atomic_write_json
from .errors import ModelError, located, unreadable
from .home import make_home
from .jsonl import loads_located


def utc_now() -> str:
    """A manifest's `created`, active.json's `updated`."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class ServedAdapter:
    """Which adapter is served (Registry's `activate`, `rollback`, `active_adapter`, `default_adapter`, …)."""

    home: Any  # the Home, the registry's folder and its active.json (Registry.__init__)
    dir: Path
    state_path: Path

    def _state(self) -> dict[str, Any] | None:
        if not self.state_path.is_file():
            return None
        try:
            text = self.state_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(unreadable(self.state_path, exc),
                             hint="delete it to serve the base model with no adapter") from None
        # damaged by a crash or by hand: said, never taken for "no choice made"
        obj = loads_located(text, self.state_path, error=ModelError,
                            hint="delete it to serve the base model with no adapter")
        ok = isinstance(obj, dict) and all(
            k in obj and (obj[k] is None or (isinstance(obj[k], str) and HEX64.match(obj[k]))) for k in ("active", "previous"))
        if not ok:
            raise ModelError(f"{located(self.state_path)}: expected {{\"active\": id|null, \"previous\": id|null}}",
                             hint="delete it to serve the base model with no adapter")
        return obj

    def _chosen(self, state: dict[str, Any], key: str) -> Artifact | None:
        """The verified adapter active.json names under `key` ("active" or "previous"), or None (the base model).
        An id no manifest has (a manifest removed, a digit of the file changed) is said as active.json's error."""
        aid = state[key]
        if aid is None:
            return None
        try:
            return self.get(aid)
        except ModelError:
            if any(m["id"] == aid for m in self.list()):
                raise  # registered, but its file is missing or damaged: get's own words
            raise ModelError(f"{located(self.state_path)}: '{key}' names adapter {aid[:12]}…, which is not in the "
                             f"registry ({self.dir})", hint="`ragtune models activate ID` another one, or `ragtune "
                             "models deactivate` to serve the base model") from None

    def _set_state(self, active: str | None, previous: str | None) -> None:
        make_home(self.home.root)  # owner-only if this write makes it (`models deactivate` on a fresh home)
        atomic_write_json(self.state_path, {"active": active, "previous": previous, "updated": utc_now()})

    def activate(self, adapter_ref: str | None, *, model_id: str | None = None) -> Artifact | None:
        """Serve this adapter (a lora-gguf id/prefix/name; None = base model only); the current one is kept
        as `previous` for `rollback()` (before any activation that is the built-in default adapter, when it is
        served by default). The adapter is verified before it is switched in; given the served model's id
        (`model_id`), one trained on another base is refused (every answer would fail to load it)."""
        new = None
        if adapter_ref is not None:
            new = self.get(adapter_ref, kinds=ADAPTER_KINDS)
            if new.kind not in ADAPTER_KINDS:
                from .lineage import lora_hf_next_steps  # the exact commands, this adapter's id and base in them

                hint = "convert it first: " + lora_hf_next_steps(self, new.manifest) if new.kind == "lora-hf" else None
                raise ModelError(f"{new.id[:12]}… ({new.name}) is a {new.kind}, not a servable adapter ({', '.join(ADAPTER_KINDS)})", hint=hint)
            if (why := new.other_base(model_id)) is not None:
                raise ModelError(f"{new.id[:12]}… ({new.name}) {why}",
                                 hint="activate an adapter trained on the served model ([generate] model)")
            check_kind(new.path, new.kind)  # registered before headers were checked: refuse it here, not in llama.cpp
            if model_id is not None:  # a LoRA of another shape fails at every answer: refused before it is chosen
                self.check_fits(new.path, model_id)
        state = self._state()
        new_id = new.id if new else None
        if state is None:  # the first choice: what was served until now becomes `previous`, and the choice is kept
            self._set_state(new_id, self._default_id())
        elif state["active"] != new_id:
            self._set_state(new_id, state["active"])
        return new

    def rollback(self) -> Artifact | None:
        """Swap the active and previous adapters (rollback twice = redo). Returns the now-active one."""
        state = self._state()
        if state is None:
            raise ModelError("no adapter was ever activated: nothing to roll back")
        if state["active"] == state["previous"]:
            raise ModelError("no previous adapter to roll back to")
        prev = self._chosen(state, "previous")
        self._set_state(state["previous"], state["active"])
        return prev

    def active_adapter(self) -> Artifact | None:
        """The verified adapter to serve, or None (base model only)."""
        state = self._state()
        return self._chosen(state, "active") if state else None

    def active_state(self) -> dict[str, Any]:
        return self._state() or {"active": None, "previous": None}

    def builtin_adapter(self, name: str = builtin.DEFAULT_NAME, *, require_go: bool = True,
                        model_id: str | None = None) -> Artifact | None:
        """The package's built-in adapter `name` (default: the default one), verified; None when it is not
        shipped (no manifest, or its .gguf is absent), with `require_go` when its manifest says go: false, and with
        `model_id` when it was trained on another base (a LoRA only loads on its own base model).
        A file that does not match its manifest is refused (ModelError)."""
        b = builtin.get_builtin(name)
        if b is None or not b.present or (require_go and not b.go):
            return None
        if model_id is not None and b.manifest["base"]["sha256"] != model_id:
            return None
        return self.get(b.sha256)

    def default_adapter(self, *, model_id: str | None = None) -> Artifact | None:
        """What `[generate] adapter = "default"` serves: the registry's choice once one was made (`models
        activate|deactivate|rollback`; null = the base), else the built-in default adapter if its manifest says go
        (and, given the served model's id, it was trained on that model), else None (the base model)."""
        state = self._state()
        if state is not None:
            return self._chosen(state, "active")
        return self.builtin_adapter(model_id=model_id)

    def _default_id(self) -> str | None:
        b = builtin.get_builtin()
        return b.sha256 if b is not None and b.present and b.go else None
