"""A rollout arm that names an older release's built-in default adapter (docs/rollout.md, "After an upgrade").

`rollout start` records the control as the adapter served then; before round 27 that was often the package's
built-in default (`ragtune/appliance/adapters/ragtune-default.gguf`), whose bytes, and so whose id, change with each
rebuild. The registry lists only the built-ins of the installed package, so after an upgrade the recorded control is
an id nothing can load: every control request failed ("no artifact … in the registry") and status/doctor alerted on
an adapter no command could restore.

Such a control is read as what it meant, "the built-in default": the current one (when it is shipped, present and
go), else the base model ("none"), which is exactly what the engine's "default" and a `rollout rollback` serve now.
The file keeps the recorded id (its start event too); `Rollout.legacy_control` holds it and `legacy_note` says it.
Only the control is mapped: a candidate is the adapter being measured, and another adapter in its place would be a
different experiment, so an old built-in candidate stays a `candidate_adapter` breach (`rollout rollback`)."""

from __future__ import annotations

import logging
from typing import Any

from ragtune.appliance.text import escaped

log = logging.getLogger("ragtune.rollout")

# The ids (sha256) of `ragtune-default.gguf` in the releases before the current one, oldest first (git log of
# ragtune/appliance/adapters/ragtune-default.json): rounds 9, 10, 11 and 15-26.
PAST_DEFAULTS = (
    "7e29e5f6bf8c4436658b57d0033e967ab605bd30b113f5d7ddfaf4ffb34279cc",
    "e24bdb0e9384bcfdff742706e1fb975121bdbeb068caf62e2db3d1eab2058231",
    "3321ed59845e1cda9e733a69247deb7c2cff75fc328c64d736c5d5f16cabfe27",
    "2aedd9884ae5654b87e2e4feeb0c2b7e8d332e3049af256aa76764957d4b43dd",
)
_noted: set[tuple[str, str]] = set()  # (rollout id, recorded control): logged once per process


def current_default() -> str:
    """The id of the built-in default adapter this package serves by default (shipped, file present, go), else
    "none": the base model, what `[generate] adapter = "default"` serves without one."""
    from ragtune.appliance import builtin_adapters as builtin
    from ragtune.appliance.errors import RagtuneError

    try:
        b = builtin.get_builtin()
    except (RagtuneError, OSError):  # a broken manifest is doctor's `adapter` line to say
        return "none"
    return b.sha256 if b is not None and b.present and b.go else "none"


def resolve_control(registry: Any, control: str) -> str | None:
    """The adapter a recorded control stands for now, or None: it needs no mapping (the base, a registry adapter,
    or an id that is no past built-in default)."""
    from ragtune.appliance.artifacts import ADAPTER_KINDS
    from ragtune.appliance.errors import RagtuneError

    if control not in PAST_DEFAULTS:
        return None
    try:  # someone `models add`-ed the old file again: it serves as recorded (no hash here: readers call this)
        registry.get(control, verify=False, kinds=ADAPTER_KINDS)
        return None
    except (RagtuneError, OSError):
        pass
    now = current_default()
    return None if now == control else now


def legacy_note(r: Any) -> str | None:
    """One line on a mapped control (None when the rollout's control was not mapped)."""
    old = getattr(r, "legacy_control", None)
    if not old:
        return None
    now = "the base model (none)" if r.control == "none" else f"the current built-in default {r.control[:12]}"
    return (f"the control arm {old[:12]} was the built-in default adapter of an older ragtune release (not shipped "
            f"any more): it is served by {now}, as `ragtune rollout rollback` would (control answers logged before "
            f"the upgrade came from the old one)")


def note_once(r: Any) -> None:
    """Log the mapping once per process (`serve`'s log, `ask` with logging on)."""
    key = (r.id, getattr(r, "legacy_control", None) or "")
    if key[1] and key not in _noted:
        _noted.add(key)
        log.warning("rollout %s: %s", escaped(r.id), legacy_note(r))
