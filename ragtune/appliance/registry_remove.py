"""`ragtune models remove`: take an artifact out of the registry (registry.py has no room: kept beside it). What
is in use is refused, naming what uses it: the configured `[generate] model`, `[generate] adapter`, the activated
adapter, a running rollout's arms. The manifest goes first, then a copy the registry holds (`registry/blobs/<id>/`);
a file registered in place is the user's and stays where it is. A kill between the two leaves an unreferenced blob
folder (disk, never a manifest without its bytes); the next remove of the same bytes, or `models add` of them,
finds it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .errors import InputError
from .lineage import lineage_ids
from .text import escaped


def in_use(reg: Any, settings: Any, artifact_id: str, rollout: Any = None) -> tuple[str, str] | None:
    """What serves the artifact now (what, and the command that frees it), or None. `rollout`: the running one
    (models/rollout.py's RolloutState.current(), which this layer cannot import), or None."""
    from .errors import RagtuneError
    from .refs import resolve_model_value

    gen = settings.generate
    try:
        read = resolve_model_value(reg, "generate.model", gen.model, verify=False)
        if read.id == artifact_id:
            return ("it is the configured [generate] model", "ragtune config set generate.model ANOTHER first")
    except RagtuneError:
        pass
    adapter = str(gen.adapter or "").strip()
    if adapter and adapter.lower() not in ("default", "active", "none"):
        try:
            if reg.manifest(adapter)["id"] == artifact_id:
                return ("it is the configured [generate] adapter", "ragtune config set generate.adapter default first")
        except RagtuneError:
            pass
    try:
        state = reg.active_state()
    except RagtuneError:
        state = {"active": None}
    if state.get("active") == artifact_id:
        return ("it is the activated adapter (`ask` serves it)",
                "ragtune models deactivate (or models activate ANOTHER) first")
    if rollout is not None and artifact_id in (rollout.candidate, rollout.control):
        return (f"it is an arm of rollout {rollout.id}", "ragtune rollout rollback (or promote) first")
    return None


def remove(reg: Any, settings: Any, ref: str, *, rollout: Any = None) -> dict[str, Any]:
    """Remove the artifact `ref` names; its manifest as it was, with "removed_file" (the blob folder deleted, or
    None: a file registered in place, left) and "notes"."""
    m = dict(reg.manifest(ref))
    label = f"{m['id'][:12]}… ({escaped(m['name'])})"
    if m.get("builtin"):
        raise InputError(f"{label}: a built-in artifact ships with ragtune and cannot be removed",
                         hint="`ragtune models deactivate` serves the base model instead" if m["kind"] == "lora-gguf"
                         else None)
    used = in_use(reg, settings, m["id"], rollout)
    if used is not None:
        raise InputError(f"{label}: not removed: {used[0]}", hint=used[1])
    notes = []
    state = reg.active_state()
    if state.get("previous") == m["id"]:  # the rollback target: forgotten, so a rollback never names a missing id
        reg._set_state(state.get("active"), None)
        notes.append("it was what `models rollback` went back to: rollback now has no target")
    # every lineage id counts (base, adapter, parent, a soup's parents), not only the base (round 48)
    heirs = [o["name"] for o in reg.list() if o["id"] != m["id"] and m["id"] in lineage_ids(o.get("lineage"))]
    if heirs:
        notes.append(f"{len(heirs)} artifact(s) name it in their lineage (kept, their lineage unchanged): "
                     + ", ".join(escaped(h) for h in heirs[:5]))
    path = reg.path_of(m)
    mpath = reg.dir / f"{m['id']}.json"
    mpath.unlink()
    folder = reg.dir / "blobs" / m["id"]
    removed = None
    if Path(path).is_relative_to(folder) and folder.is_dir():
        shutil.rmtree(folder)
        removed = str(folder)
    else:
        notes.append(f"registered in place: its file is left where it is ({path})")
    return {**m, "removed_file": removed, "notes": notes}
