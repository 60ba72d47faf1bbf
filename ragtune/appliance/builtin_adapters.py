"""Built-in adapters: GGUF LoRA files shipped inside the package, `ragtune/appliance/adapters/<name>.gguf`, each
with its manifest `<name>.json` beside it (lineage, the rebuild's machine and time, the eval summary, `go`).

The one named `ragtune-default` (DEFAULT_NAME) is the product's default adapter: `[generate] adapter = "default"`
serves it when no `ragtune models activate|deactivate` chose otherwise, and only if its manifest says `go: true`
(its eval passed the product's go bar). No folder, no manifest or no .gguf file means no built-in: the base model,
exactly as before. The registry lists built-ins as kind lora-gguf and re-hashes the file against the manifest's
sha256 before it is served (a changed file is refused). `ragtune tune default` rebuilds the default adapter and
`ragtune models promote-builtin` installs one here (ragtune/models/default_adapter.py, dev only).

`RAGTUNE_BUILTIN_ADAPTERS` points at another folder (the tests use an empty one, so a shipped adapter never changes
what they expect)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .calibrated import CALIBRATED
from .errors import ModelError, RagtuneError, located
from .errors import unreadable as unreadable_why
from .jsonl import json_key_line, loads_located
from .refusal_model import RefusalModel, parse as parse_refusal_model
from .text import escaped

ENV = "RAGTUNE_BUILTIN_ADAPTERS"
DEFAULT_NAME = "ragtune-default"
MANIFEST_FORMAT = 1
OUTTYPES = ("f16", "q8_0", "bf16", "f32")
GO_SOURCES = ("eval", "manual", "none")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
NAME_RULE = "lowercase letters, digits, '.', '_' or '-' (at most 64)"


def valid_name(name: object) -> bool:
    """A built-in adapter's name (its file names `<name>.gguf`/`<name>.json`): NAME_RULE, so never a path."""
    return isinstance(name, str) and bool(_NAME.match(name))

# Top-level keys: (type, required). Nested records are checked for the keys lineage needs; other keys inside
# them are free-form records (build options, training config, machine, metrics).
_KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "format": (int, True), "name": (str, True), "kind": (str, True), "file": (str, True), "sha256": (str, True),
    "size": (int, True), "licence": (str, True), "created": (str, True), "outtype": (str, True),
    "base": (dict, True), "dataset": (dict, True), "training": (dict, True), "recipe": (dict, True),
    "serving": (dict, True), "rebuild": (dict, True), "eval": (list, True), "go": (bool, True),
    "go_source": (str, False), "notes": (str, False),
}
_NESTED: dict[str, dict[str, str]] = {  # section -> key -> "hex64" | "str" | "dict" | "int" | "number"
    "base": {"name": "str", "sha256": "hex64"},
    "dataset": {"sha256": "hex64", "build_options": "dict"},
    "training": {"config": "dict", "config_sha256": "hex64", "seed": "int"},
    "recipe": {"path": "str", "sha256": "hex64"},
    "serving": {"k": "int"},
    "rebuild": {"command": "str", "machine": "dict", "wall_s": "number"},
}


def adapters_dir() -> Path:
    """Where the built-in adapters live: the package's `adapters/` folder, or `$RAGTUNE_BUILTIN_ADAPTERS`."""
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else Path(__file__).resolve().parent / "adapters"


def package_adapters_dir() -> Path:
    """The package's own folder (what `models promote-builtin` writes into by default), whatever the env says."""
    return Path(__file__).resolve().parent / "adapters"


@dataclass(frozen=True)
class BuiltinAdapter:
    name: str
    file: Path  # the .gguf (may be missing: then it is listed, never served)
    manifest_path: Path
    manifest: dict[str, Any]

    @property
    def sha256(self) -> str:
        return self.manifest["sha256"]

    @property
    def go(self) -> bool:
        return bool(self.manifest["go"])

    @property
    def present(self) -> bool:
        return self.file.is_file()

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_NAME

    def serving_value(self, key: str) -> float | None:
        """A value calibrated for this adapter (`serving.<key>`, one of calibrated.CALIBRATED), or None."""
        t = self.manifest["serving"].get(key)
        return None if t is None else float(t)

    @property
    def refusal_model(self) -> RefusalModel | None:
        """The refusal model fitted for this adapter (`serving.refusal_model`, refusal_model.py), or None."""
        obj = self.manifest["serving"].get("refusal_model")
        return None if obj is None else parse_refusal_model(obj)

    @property
    def lineage(self) -> dict[str, Any]:
        """In the registry's lineage vocabulary (artifacts.LINEAGE_KEYS)."""
        m = self.manifest
        return {"base_id": m["base"]["sha256"], "dataset_sha256": m["dataset"]["sha256"],
                "training_config_sha256": m["training"]["config_sha256"], "outtype": m["outtype"]}


def validate_manifest(obj: Any, where: Path | str, text: str | None = None) -> dict[str, Any]:
    """Check a built-in adapter manifest; every error names the file and, when it can, the line."""
    def bad(msg: str, *path: str) -> ModelError:
        line = json_key_line(text, *path) if path else None
        return ModelError(f"{located(where, line)}: invalid built-in adapter manifest: {msg}",
                          hint="rebuild it with `ragtune tune default` or reinstall ragtune")

    if not isinstance(obj, dict):
        raise bad("not a JSON object")
    unknown = sorted(set(obj) - set(_KEYS))
    if unknown:
        raise bad(f"unknown keys: {', '.join(map(escaped, unknown))}", unknown[0])  # "\udce9": printable
    for key, (typ, required) in _KEYS.items():
        if key not in obj:
            if required:
                raise bad(f"missing key '{key}'")
            continue
        val = obj[key]
        if not isinstance(val, typ) or (typ is not bool and isinstance(val, bool)):
            raise bad(f"'{key}' must be {'a boolean' if typ is bool else getattr(typ, '__name__', 'number')}", key)
    if obj["format"] != MANIFEST_FORMAT:
        raise bad(f"'format' must be {MANIFEST_FORMAT}, got {obj['format']!r}", "format")
    if not valid_name(obj["name"]):
        raise bad(f"'name' must be {NAME_RULE}", "name")
    if obj["kind"] != "lora-gguf":
        raise bad(f"'kind' must be \"lora-gguf\", got {obj['kind']!r}", "kind")
    if obj["file"] != f"{obj['name']}.gguf":
        raise bad(f"'file' must be \"{obj['name']}.gguf\" (the manifest's name), got {obj['file']!r}", "file")
    if not _HEX64.match(obj["sha256"]):
        raise bad("'sha256' must be a 64-character lowercase sha256", "sha256")
    if obj["size"] <= 0:
        raise bad("'size' must be > 0", "size")
    if obj["outtype"] not in OUTTYPES:
        raise bad(f"'outtype' must be one of {', '.join(OUTTYPES)}, got {obj['outtype']!r}", "outtype")
    for section, keys in _NESTED.items():
        for key, kind in keys.items():
            val = obj[section].get(key)
            ok = {"hex64": isinstance(val, str) and bool(_HEX64.match(val)), "str": isinstance(val, str) and val != "",
                  "dict": isinstance(val, dict), "int": isinstance(val, int) and not isinstance(val, bool),
                  "number": isinstance(val, (int, float)) and not isinstance(val, bool) and val >= 0}[kind]
            if not ok:
                want = {"hex64": "a 64-character lowercase sha256", "str": "a non-empty string", "dict": "an object",
                        "int": "a whole number", "number": "a number >= 0"}[kind]
                raise bad(f"'{section}.{key}' must be {want}", section, key) if key in obj[section] else \
                    bad(f"missing key '{section}.{key}'", section)
    if not 1 <= obj["serving"]["k"] <= 6:
        raise bad("'serving.k' must be 1..6", "serving", "k")
    for key, (valid, want, _) in CALIBRATED.items():
        if key in obj["serving"] and not valid(obj["serving"][key]):
            raise bad(f"'serving.{key}' must be {want}", "serving", key)
    if "refusal_model" in obj["serving"]:
        try:
            parse_refusal_model(obj["serving"]["refusal_model"])
        except ValueError as exc:
            raise bad(f"'serving.refusal_model': {exc}", "serving", "refusal_model") from None
    for i, ev in enumerate(obj["eval"]):
        if not (isinstance(ev, dict) and isinstance(ev.get("command"), str) and isinstance(ev.get("decision"), dict)
                and isinstance(ev["decision"].get("go"), bool)):
            raise bad(f"eval[{i}] must be an object with 'command' and 'decision': {{'go': true|false, …}}", "eval")
    source = obj.get("go_source", "eval" if obj["eval"] else "none")
    if source not in GO_SOURCES:
        raise bad(f"'go_source' must be one of {', '.join(GO_SOURCES)}", "go_source")
    if obj["go"] and source != "manual" and not (obj["eval"] and all(ev["decision"]["go"] for ev in obj["eval"])):
        # Active by default only on evidence: every recorded eval says go, or a person decided and said so.
        raise bad("'go' is true but not every recorded eval decided go (set \"go_source\": \"manual\" to decide "
                  "by hand)", "go")
    return obj


def read_manifest(mpath: Path, unreadable: type[RagtuneError] = ModelError) -> tuple[dict[str, Any], str]:
    """(validated manifest, its text) of a `<name>.json` file: the one reader, for serving and for promote.
    `unreadable`: the error of a file that cannot be read or parsed (promote's file is the user's input)."""
    try:
        text = mpath.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # the line and column of a byte that is not UTF-8
        raise unreadable(unreadable_why(mpath, exc, "cannot read the built-in adapter manifest")) from None
    obj = loads_located(text, mpath, "invalid built-in adapter manifest JSON", error=unreadable)
    return validate_manifest(obj, mpath, text), text


def load(manifest_path: Path | str) -> BuiltinAdapter:
    """Read and validate one `<name>.json`."""
    mpath = Path(manifest_path)
    m, text = read_manifest(mpath)
    if mpath.name != f"{m['name']}.json":
        raise ModelError(f"{located(mpath, json_key_line(text, 'name'))}: invalid built-in adapter manifest: 'name' "
                         f"{m['name']!r} does not match the file name (expected {m['name']}.json)")
    return BuiltinAdapter(m["name"], mpath.with_name(m["file"]), mpath, m)


def list_builtins(folder: Path | str | None = None) -> list[BuiltinAdapter]:
    """Every built-in adapter (by name); none when the folder does not exist."""
    folder = Path(folder) if folder is not None else adapters_dir()
    if not folder.is_dir():
        return []
    return [load(p) for p in sorted(folder.glob("*.json"))]


def get_builtin(name: str = DEFAULT_NAME, folder: Path | str | None = None) -> BuiltinAdapter | None:
    """The built-in adapter of this name (its manifest exists), or None."""
    folder = Path(folder) if folder is not None else adapters_dir()
    mpath = folder / f"{name}.json"
    return load(mpath) if mpath.is_file() else None


def builtin_with_id(adapter_id: str | None, folder: Path | str | None = None) -> BuiltinAdapter | None:
    """The built-in adapter with this id (sha256), or None: not a built-in. A broken manifest elsewhere in the
    folder is not this lookup's business."""
    if not adapter_id or not _HEX64.match(adapter_id):
        return None
    folder = Path(folder) if folder is not None else adapters_dir()
    if not folder.is_dir():
        return None
    for mpath in sorted(folder.glob("*.json")):
        try:
            b = load(mpath)
        except ModelError:
            continue
        if b.sha256 == adapter_id:
            return b
    return None


def refusal_model_for(setting: str, adapter_id: str | None, override: Any = None) -> RefusalModel | None:
    """`generate.refusal_model` resolved: "auto" = the fitted model of the built-in adapter with this id (its
    manifest's `serving.refusal_model`), or `override` (its JSON object: an adapter not installed yet, as a
    rebuild's eval serves it); "off", the base or any other adapter: None."""
    if setting != "auto" or not adapter_id or adapter_id == "none":
        return None
    if override is not None:
        return parse_refusal_model(override)
    b = builtin_with_id(adapter_id)
    return None if b is None else b.refusal_model


def serving_value_for(adapter_id: str, key: str, folder: Path | str | None = None) -> float | None:
    """A calibrated serving value (`serving.<key>`) of the built-in adapter with this id (sha256), or None: not a
    built-in, or its manifest records none."""
    b = builtin_with_id(adapter_id, folder)
    return None if b is None else b.serving_value(key)


__all__ = ["DEFAULT_NAME", "ENV", "MANIFEST_FORMAT", "NAME_RULE", "OUTTYPES", "BuiltinAdapter", "adapters_dir",
           "builtin_with_id", "get_builtin", "refusal_model_for",
           "list_builtins", "load", "package_adapters_dir", "serving_value_for",
           "valid_name", "validate_manifest"]
