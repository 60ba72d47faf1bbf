"""What a registry artifact is, checked before anything is stored: its kinds (and what a file of each must look
like), its manifest's schema and lineage keys, its name, its size and the tool versions that made it.

The registry (registry.py) stores and serves artifacts; the words an adapter reference means before any name is
looked at ("none", "default", "active") are defined here, below both the registry and refs.py, which resolves them:
an artifact may never be named so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, ModelError, located
from .text import escaped

MANIFEST_FORMAT = 1
KINDS = ("base-gguf", "merged-gguf", "quantized-gguf", "lora-gguf", "lora-hf", "embedder", "hf-model", "reranker")
ADAPTER_KINDS = ("lora-gguf",)  # what llama.cpp can switch at run time
GGUF_KINDS = ("base-gguf", "merged-gguf", "quantized-gguf", "lora-gguf")
LINEAGE_KEYS = ("base_id", "adapter_id", "training_config_sha256", "dataset_sha256", "parent_id",
                "quantization", "outtype", "tools", "parent_ids")
# `parent_ids`: every input of an artifact made of several (a soup: A,B), comma-separated ids in input order;
# `parent_id` stays the first, as before (round 48)
# Tool versions recorded in lineage, read from installed metadata (never imported: torch is heavy).
TOOL_DISTS = {"llama-cpp-python": "llama_cpp_python", "gguf": "gguf", "transformers": "transformers",
              "peft": "peft", "torch": "torch"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")

# What a folder of these kinds must hold: the files their converters (peft, transformers) read first.
_FOLDER_MARKERS = {"lora-hf": "adapter_config.json", "hf-model": "config.json"}

# What an adapter reference means before any artifact name is looked at (refs.py): an artifact named so could
# never be picked by its name.
NONE_ADAPTER = "none"
DEFAULT_ADAPTER = "default"  # [generate] adapter's default: the registry's choice, else the built-in default if go
ACTIVE_ADAPTER = "active"
RESERVED_NAMES = (NONE_ADAPTER, DEFAULT_ADAPTER, ACTIVE_ADAPTER)
MAX_NAME = 200


@dataclass(frozen=True)
class Artifact:
    id: str
    path: Path
    kind: str
    manifest: dict[str, Any] = field(repr=False)
    # What `Registry.add` has to tell about this registration (a file name that could not be a name, made safe).
    note: str = field(default="", compare=False)

    @property
    def name(self) -> str:
        return self.manifest.get("name", "")

    @property
    def sha256(self) -> str:
        return self.id

    @property
    def lineage(self) -> dict[str, Any]:
        return self.manifest.get("lineage", {})

    @property
    def builtin(self) -> bool:
        return bool(self.manifest.get("builtin"))

    def other_base(self, model_id: str | None) -> str | None:
        """Why this adapter cannot serve on the model `model_id` (a LoRA loads only on the base it was trained on),
        or None: it can, or either base is unknown."""
        base = self.lineage.get("base_id") if isinstance(self.lineage, dict) else None
        if model_id and base and base != model_id:
            return f"is an adapter for base model {str(base)[:12]}, but the served model is {model_id[:12]}"
        return None


# --- names -------------------------------------------------------------------------------------------------
def _is_control(c: str) -> bool:
    return ord(c) < 32 or ord(c) == 127


def name_problem(name: str) -> str | None:
    """Why `name` could never be referenced as an artifact's name (None: it can): one line, no surrounding blanks,
    not a word `--adapter`, `models activate` and the config read as something else."""
    if not name.strip():
        return "is empty"
    if name != name.strip():
        return "starts or ends with blanks (references are trimmed, so it could not be named)"
    if any(_is_control(c) for c in name):
        return "holds a control character (a newline, a tab)"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    if name.lower() in RESERVED_NAMES:
        return f"is reserved ({', '.join(RESERVED_NAMES)} name the adapter choice itself)"
    return None


def _shown(name: str) -> str:
    """A name for a one-line message: control characters escaped (C1 and lone surrogates too: `escaped`)."""
    return escaped(name)


def check_name(name: str | None) -> str | None:
    """A name the caller chose (`--name`): returned as it is, or an InputError saying why it cannot be one."""
    if name is not None:
        why = name_problem(name)
        if why:
            raise InputError(f"'{_shown(name)}' {why}; give a name such as my-adapter-v2")
    return name


def file_name(stem: str, digest: str) -> tuple[str, str]:
    """(name, note) for an artifact named after its file: the stem, or, when the stem could not be a name (`none`
    of none.gguf, a blank or a newline in it, too long), the stem made safe plus the id's first 8 characters. The
    user did not choose it, so this is a note, never an error; the note is "" when the stem is used as it is."""
    why = name_problem(stem)
    if why is None:
        return stem, ""
    clean = "".join("-" if _is_control(c) else c for c in stem).strip()[:MAX_NAME - 9]
    name = f"{clean or 'artifact'}-{digest[:8]}"
    return name, f"the file name '{_shown(stem)}' {why}: registered as '{name}'"


# --- kinds -------------------------------------------------------------------------------------------------
def check_kind(path: Path, kind: str) -> None:
    """A GGUF kind must be a GGUF file of that sort (header read, length checked): a file that is not a GGUF LoRA
    must never be registered or activated as one. A peft adapter / Hugging Face model must be a folder with its
    config, an embedder an ONNX model with tokenizer.json beside it (as embed.py loads it); their contents are
    checked by their converters and loaders."""
    if kind in _FOLDER_MARKERS:
        if not (path.is_dir() and (path / _FOLDER_MARKERS[kind]).is_file()):
            raise InputError(f"cannot register as {kind}: {path}: not a folder with {_FOLDER_MARKERS[kind]}")
        return
    if kind == "embedder":
        onnx = path / "model.onnx" if path.is_dir() else path
        if not onnx.is_file() or not (onnx.parent / "tokenizer.json").is_file():
            raise InputError(f"cannot register as embedder: {path}: expected model.onnx with tokenizer.json beside it",
                             hint="give the folder that holds both, or the .onnx file")
        return
    if kind not in GGUF_KINDS:
        return
    from .ggufinfo import GGUFError, check_gguf_kind

    try:
        check_gguf_kind(path, lora=kind == "lora-gguf")
    except GGUFError as exc:
        raise InputError(f"cannot register as {kind}: {exc.message}", hint=exc.hint) from None


# --- manifests ---------------------------------------------------------------------------------------------
def validate_manifest(obj: Any, where: Path | str, expect_id: str | None = None) -> dict[str, Any]:
    """Check a manifest read from disk; every error names the file."""
    def bad(msg: str) -> ModelError:
        return ModelError(f"{located(where)}: invalid manifest: {msg}")

    if not isinstance(obj, dict):
        raise bad("not a JSON object")
    if obj.get("format") != MANIFEST_FORMAT:
        raise bad(f"format must be {MANIFEST_FORMAT}, got {obj.get('format')!r}")
    for key, typ in (("id", str), ("kind", str), ("name", str), ("file", str), ("size", int),
                     ("created", str), ("licence", str), ("lineage", dict)):
        if key not in obj:
            raise bad(f"missing key '{key}'")
        if not isinstance(obj[key], typ) or isinstance(obj[key], bool):
            raise bad(f"'{key}' must be {typ.__name__}")
    if not HEX64.match(obj["id"]):
        raise bad("'id' must be a 64-character lowercase sha256")
    if expect_id is not None and obj["id"] != expect_id:
        raise bad(f"'id' {obj['id'][:12]}… does not match the file name {expect_id[:12]}…")
    if obj["kind"] not in KINDS:
        raise bad(f"'kind' must be one of {', '.join(KINDS)}, got {obj['kind']!r}")
    unknown = set(obj["lineage"]) - set(LINEAGE_KEYS)
    if unknown:
        raise bad(f"unknown lineage keys: {', '.join(map(_shown, sorted(unknown)))}")  # "\udce9": printable
    for key, val in obj["lineage"].items():
        if key == "tools":
            if not isinstance(val, dict):
                raise bad("lineage.tools must be an object")
        elif not isinstance(val, str):
            raise bad(f"lineage.{_shown(key)} must be a string")
        elif key == "parent_ids" and not all(HEX64.match(i) for i in val.split(",")):
            raise bad("lineage.parent_ids must be comma-separated 64-character lowercase sha256 ids")
    extra = set(obj) - {"format", "id", "kind", "name", "file", "size", "created", "licence", "lineage", "builtin", "is_dir"}
    if extra:
        raise bad(f"unknown keys: {', '.join(map(_shown, sorted(extra)))}")
    return obj


def tool_versions() -> dict[str, str]:
    from importlib import metadata  # only when a converter records what made its output

    out = {}
    for label, dist in TOOL_DISTS.items():
        try:
            out[label] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def artifact_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
