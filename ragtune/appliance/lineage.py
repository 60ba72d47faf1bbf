"""What an artifact records about its own making, for `ragtune models add`: the registry's lineage, never guessed.

A converter's stage sidecar (ragtune/converters/__init__.py writes it): `<file>.json` beside a converted file,
`ragtune_stage.json` inside a converted folder. It names the stage, the ids of its inputs (base, adapter, parent)
and the tools that ran it; the dataset and training config come from the registered adapter or parent it names.
A sidecar that cannot be read, is not a stage record, or describes other bytes is an error naming the file and
the key's line: registering the artifact without its lineage, or with another file's, would be silent and wrong.

The tools of the machine that registers an artifact are never its lineage (registry.add's `record_tools`): only
the `tools` its own records name. The registry is passed in (duck-typed), so registry.py can import this module.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from .errors import InputError, RagtuneError, located
from .jsonl import json_key_line, read_json_object, read_json_object_text, surrogate_field

STAGE_FILE = "ragtune_stage.json"
# Each converter stage and the kinds its output is registered as.
STAGE_KINDS = {"lora": ("lora-gguf",), "soup": ("lora-gguf",), "gguf": ("merged-gguf", "base-gguf"),
               "quantize": ("quantized-gguf",), "merge": ("hf-model",)}
# Sidecar key -> lineage key: the inputs' ids (input_id: gguf/quantize; a_sha256: soup's first LoRA) ...
_IDS = {"base_id": "base_id", "adapter_id": "adapter_id", "input_id": "parent_id", "a_sha256": "parent_id",
        "training_config_sha256": "training_config_sha256", "dataset_sha256": "dataset_sha256"}
# ... and what the stage wrote them as.
_TEXT = {"outtype": "outtype", "type": "quantization"}
# What a derived artifact carries over from its registered parent (the converters use `registered_lineage` too).
INHERITED = ("base_id", "adapter_id", "training_config_sha256", "dataset_sha256", "outtype", "quantization")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HINT = "fix it, or move it aside to register the artifact without the lineage it records"


def sidecar_path(path: Path) -> Path:
    """Where a converter puts the stage record of `path` (converters.write_stage_config)."""
    return path / STAGE_FILE if path.is_dir() else path.with_name(path.name + ".json")


def not_unicode(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, str] | None:
    """(key, "field 'K' is not valid Unicode (a lone surrogate \\udce9)") for the first of `keys` of a record file
    whose value holds a lone surrogate, else None. Only the values that become lineage (stored in the registry and
    shown: `models list --json` would fail on them for good) are checked, not the whole file: the paths a record
    names may hold a non-UTF-8 file name's escapes (the product writes them with ensure_ascii)."""
    for key in keys:
        found = surrogate_field({key: obj[key]}) if key in obj else None
        if found is not None:
            return key, f"{found[0]} is not valid Unicode (a lone surrogate {found[1]})"
    return None


def _hex64(v: Any) -> bool:
    return isinstance(v, str) and bool(_HEX64.match(v))


def stage_lineage(path: Path | str, kind: str, digest: str, registry: Any = None) -> dict[str, Any] | None:
    """The lineage the stage sidecar of the artifact at `path` (sha256 `digest`, registered as `kind`) records,
    `tools` included; None when it has none. `registry`: the lineage of the parent or adapter it names is carried
    over when that is registered there. InputError (file:line) for a sidecar that cannot be used."""
    path = Path(path)
    side = sidecar_path(path)
    if not side.is_file():
        return None
    obj, text = read_json_object_text(side)  # unreadable, not UTF-8, invalid JSON (its line), not an object: named

    def bad(msg: str, key: str | None = None, hint: str = _HINT) -> InputError:
        return InputError(f"{located(side, json_key_line(text, key) if key else None)}: stage record of "
                          f"{path.name}: {msg}", hint=hint)

    stage = obj.get("stage")
    if not isinstance(stage, str) or stage not in STAGE_KINDS:  # a list or an object is no stage (nor hashable)
        raise bad(f"'stage' must be one of {', '.join(STAGE_KINDS)}, got {stage!r:.80}",
                  "stage" if "stage" in obj else None)
    if kind not in STAGE_KINDS[stage]:
        want = " or ".join(STAGE_KINDS[stage])
        raise bad(f"a '{stage}' stage makes a {want}, not a {kind}", "stage", hint=f"register it with --kind {want}")
    if not path.is_dir():  # a file's record names the bytes it describes (a folder's is part of its bytes)
        key = "sha256" if "sha256" in obj else "id"
        want = obj.get(key)
        if not _hex64(want):
            raise bad(f"'{key}' must be the file's 64-character lowercase sha256", key if key in obj else None)
        if want != digest:
            raise bad(f"it describes sha256 {want[:12]}…, but the file is {digest[:12]}… (not this file's record)", key)
    if (problem := not_unicode(obj, (*_TEXT, "tools"))) is not None:
        raise bad(problem[1], problem[0])
    lineage: dict[str, Any] = {}
    for key, to in _IDS.items():
        if obj.get(key) is not None:
            if not _hex64(obj[key]):
                raise bad(f"'{key}' must be a 64-character lowercase sha256 or null", key)
            lineage.setdefault(to, obj[key])
    if stage == "soup" and _hex64(obj.get("a_sha256")) and _hex64(obj.get("b_sha256")):
        lineage["parent_ids"] = f"{obj['a_sha256']},{obj['b_sha256']}"  # both of its inputs, not A alone
    for key, to in _TEXT.items():
        if obj.get(key) is not None:
            if not (isinstance(obj[key], str) and obj[key]):
                raise bad(f"'{key}' must be a non-empty string", key)
            lineage[to] = obj[key]
    tools = obj.get("tools")
    if tools is not None:
        if not (isinstance(tools, dict) and all(isinstance(v, str) for v in tools.values())):
            raise bad("'tools' must be an object of tool = version strings", "tools")
        if tools:
            lineage["tools"] = dict(tools)  # the tools that ran this stage, wherever that was
    for key, val in registered_lineage(registry, lineage.get("parent_id") or lineage.get("adapter_id")).items():
        lineage.setdefault(key, val)  # what the stage's input recorded (the adapter's dataset, training config)
    return lineage


def registered_lineage(registry: Any, ref: str | None) -> dict[str, Any]:
    """The lineage a derived artifact carries over from `ref`, its registered parent or adapter ({} if it is not
    registered in this home: the artifact's own records are then all there is)."""
    if registry is None or not ref:
        return {}
    try:
        m = registry.manifest(ref)
    except RagtuneError:  # not registered in this home: the sidecar's own ids are all there is
        return {}
    return {k: v for k, v in m.get("lineage", {}).items() if k in INHERITED}


def lora_hf_next_steps(registry: Any, manifest: dict[str, Any], adapter: str | Path | None = None) -> str:
    """The exact commands that serve a registered peft adapter (kind lora-hf): `ragtune convert lora ADAPTER --base
    BASE --out NAME.gguf, then: ragtune models activate NAME`. ADAPTER: `adapter` (the folder given) or its id;
    BASE: the registered base its lineage names (by id), else a placeholder to fill in."""
    name = manifest.get("name") or manifest["id"][:12]
    base = "BASE"
    base_id = (manifest.get("lineage") or {}).get("base_id")
    if base_id:
        try:
            base = registry.manifest(base_id)["id"][:12]
        except RagtuneError:
            pass  # trained on a base this home does not hold: the user names it
    steps = (f"ragtune convert lora {shlex.quote(str(adapter or manifest['id'][:12]))} --base {base} "
             f"--out {shlex.quote(name + '.gguf')}, then: ragtune models activate {shlex.quote(name)}")
    if base == "BASE":
        steps += " (BASE: the model it was trained on: a .gguf, a Hugging Face folder or a registry id)"
    return steps


REF_KEYS = ("base_id", "adapter_id", "parent_id")  # lineage keys that name another artifact by its sha256
MULTI_REF_KEYS = ("parent_ids",)  # ... and those that name several, comma-separated (a soup's A,B)


def lineage_keys(lineage: dict[str, Any] | None) -> dict[str, str | list[str]]:
    """The artifact ids a lineage names, by key: {REF_KEYS key: id} and {MULTI_REF_KEYS key: [ids, in order]}, each
    a 64-hex id (anything else in those keys is no reference); keys naming none are left out. The one walk of the
    keys: `models remove`'s heirs (lineage_ids) and `models show`'s references (lineage_refs)."""
    lineage = lineage or {}
    out: dict[str, str | list[str]] = {k: v for k in REF_KEYS if isinstance(v := lineage.get(k), str) and _hex64(v)}
    for key in MULTI_REF_KEYS:
        val = lineage.get(key)
        if ids := ([i for i in val.split(",") if _hex64(i)] if isinstance(val, str) else []):
            out[key] = ids
    return out


def lineage_ids(lineage: dict[str, Any] | None) -> set[str]:
    """Every artifact id a lineage names (lineage_keys): what `models remove` counts as heirs."""
    return {i for v in lineage_keys(lineage).values() for i in ([v] if isinstance(v, str) else v)}


def _ref(registry: Any, ref: str) -> dict[str, Any]:
    try:
        m = registry.manifest(ref)
    except RagtuneError:
        return {"id": ref, "registered": False}
    return {"id": ref, "registered": True, "name": m.get("name"), "kind": m.get("kind")}


def lineage_refs(registry: Any, manifest: dict[str, Any]) -> dict[str, Any]:
    """For `models show`: what each id the lineage names is in this home, so an audit can follow it by a command
    (`ragtune models show ID`): {key: {"id", "registered": True, "name", "kind"}}, or {"id", "registered": False}
    for one never added here or removed since (the child's lineage keeps the id: the ids are the record);
    `parent_ids` (a soup's inputs): a list of those, in input order."""
    return {key: _ref(registry, v) if isinstance(v, str) else [_ref(registry, i) for i in v]
            for key, v in lineage_keys(manifest.get("lineage")).items()}


def training_record(path: Path | str) -> dict[str, Any] | None:
    """What a registered peft adapter folder's training_config.json says about its making, for `models show`
    (None: no readable record): the data folder and base it was trained from, the seed and the dataset's sha256.
    Paths are where they were on the training machine: the sha256s are what identify them."""
    cfg_p = Path(path) / "training_config.json"
    if not cfg_p.is_file():
        return None
    try:
        cfg = read_json_object(cfg_p)
    except RagtuneError:  # a damaged record: the manifest's lineage is still shown
        return None
    opts = cfg.get("config") if isinstance(cfg.get("config"), dict) else {}
    base = cfg.get("base") if isinstance(cfg.get("base"), dict) else {}
    return {"data": opts.get("data"), "dataset_sha256": cfg.get("dataset_sha256"), "seed": opts.get("seed"),
            "base": {k: base.get(k) for k in ("kind", "path", "sha256")}, "init_adapter": cfg.get("init_adapter") or None}
