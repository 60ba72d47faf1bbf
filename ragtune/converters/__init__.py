"""Converters: take a trained adapter to something the appliance serves (one module per stage).

    merge.py     peft adapter + full-precision base -> merged Hugging Face model dir   (kind hf-model)
    gguf.py      HF model dir -> GGUF via llama.cpp's convert_hf_to_gguf.py             (merged-gguf / base-gguf)
    quantize.py  GGUF -> quantized GGUF via llama_cpp.llama_model_quantize               (quantized-gguf)
    lora.py      peft adapter -> GGUF LoRA via convert_lora_to_gguf.py                   (lora-gguf)

Each stage writes a plain artifact plus a config JSON beside it (`<out>.json`, or `ragtune_stage.json`
inside a directory output), and registers the artifact in ragtune.appliance.registry with its lineage.
Heavy dependencies (torch, transformers, peft) are imported lazily through ragtune.appliance.errors.require.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance.errors import InputError, ModelError, located
from ragtune.appliance.atomic import replace_into  # noqa: F401  (the converters' one way to place an output)
from ragtune.appliance.jsonl import json_key_line, read_json_object, read_json_object_text
from ragtune.appliance.lineage import not_unicode, sidecar_path
from ragtune.appliance.artifacts import Artifact
from ragtune.appliance.atomic import atomic_write_json
from ragtune.appliance.registry import Registry

Progress = Callable[[str], None]
BASE_INPUTS = ("base-gguf", "hf-model", "merged-gguf")  # what an adapter is converted or merged against


def _quiet(msg: str) -> None:
    pass


@dataclass
class ConvertResult:
    artifact: Artifact
    out: Path
    seconds: float
    config: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.artifact.id, "kind": self.artifact.kind, "name": self.artifact.name,
                "out": str(self.out), "registered_path": str(self.artifact.path),
                "seconds": round(self.seconds, 3), "lineage": self.artifact.lineage, "config": self.config}


def check_out(out: Path | str, *, force: bool = False) -> Path:
    """The output path must not exist (artifacts are immutable; an in-place registered file must never be
    overwritten) unless --force; its directory must exist or be creatable."""
    p = Path(out).expanduser().resolve()
    if p.exists() and not force:
        raise InputError(f"{p}: already exists", hint="choose another --out, or pass --force to replace it")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{p.parent}: cannot create output directory: {exc.strerror}") from None
    try:  # a read-only folder is said now, naming it, not after minutes of work by a private temporary name
        # (an unnamed O_TMPFILE file where Linux has it: a kill at this point leaves no name behind)
        probe = tempfile.TemporaryFile(prefix=".ragtune-probe-", dir=p.parent)
        probe.close()
    except OSError as exc:
        raise InputError(f"{p.parent}: cannot write the output there: {exc.strerror or exc}",
                         hint="choose an --out in a folder this user can write") from None
    return p


def check_name_free(registry: Registry, name: str | None, kind: str, out: Path, parent_id: str | None,
                    **stage: Any) -> None:
    """Before converting: a --name another GGUF model has (Registry.name_taken) is refused now, not by
    registry.add after minutes of conversion. A name from the output's file is not the user's (registry.add makes it
    safe), and the name of the same conversion made before (its lineage: this parent, these `stage` settings)
    passes: its output may be those very bytes, which registry.add takes as the artifact they are."""
    if name is None or name in (out.name, out.stem):
        return
    taken = registry.name_taken(name, kind)
    if taken is None:
        return
    lineage = taken.get("lineage") or {}
    if parent_id and lineage.get("parent_id") == parent_id and all(lineage.get(k) == v for k, v in stage.items()):
        return
    raise registry.name_taken_error(f"--name {name}", name, taken, kind, converted=False)


# Temporaries made before they were locked (round 39): `.ragtune-lora-XXXXXXXX` (atomic.OLD_LORA_TEMP: the home's open
# sweeps it too) and `.ragtune-soup-XXXXXXXX` beside a converter's output, swept by atomic.sweep_legacy (the trainer's
# `SHA16-hf.tmpPID`: OLD_HF_TEMP, its own).
OLD_SOUP_TEMP = re.compile(r"^\.ragtune-soup-[a-z0-9_]{8}$")


def check_written(tmp: Path, tool: str, source: Path | str, log_path: Path | None = None) -> None:
    """The stage's output must exist and hold something: atomic_path makes an empty file beforehand, so a tool that
    ends well without writing would otherwise put an empty OUT in place, to fail later in registry.add, obscurely."""
    try:
        size = tmp.stat().st_size
    except OSError:
        size = 0
    if size == 0:
        raise ModelError(f"{tool} wrote no file for {source}",
                         hint=f"full output: {log_path}" if log_path and log_path.is_file() else None)


def write_stage_config(out: Path, config: dict[str, Any]) -> Path:
    path = sidecar_path(out)  # where `models add` looks for it (lineage.py)
    atomic_write_json(path, config)
    return path


def check_adapter_dir(path: Path) -> dict[str, Any]:
    """A peft LoRA adapter directory (save_pretrained output): validated config + a weights file."""
    if not path.is_dir():
        raise InputError(f"{path}: not a directory (expected a peft adapter saved with save_pretrained)")
    cfg_path = path / "adapter_config.json"
    if not cfg_path.is_file():
        raise InputError(f"{path}: no adapter_config.json (expected a peft adapter saved with save_pretrained)")
    cfg = read_json_object(cfg_path)
    if str(cfg.get("peft_type", "")).upper() != "LORA":
        raise InputError(f"{located(cfg_path)}: peft_type is {cfg.get('peft_type')!r}; only LORA adapters are supported")
    if not any((path / f).is_file() for f in ("adapter_model.safetensors", "adapter_model.bin")):
        raise InputError(f"{path}: no adapter_model.safetensors (or .bin) next to adapter_config.json")
    return cfg


def check_hf_dir(path: Path) -> dict[str, Any]:
    """A Hugging Face model directory: validated config.json, weights present."""
    if not path.is_dir():
        raise InputError(f"{path}: not a directory (expected a Hugging Face model directory)")
    cfg_path = path / "config.json"
    if not cfg_path.is_file():
        raise InputError(f"{path}: no config.json (expected a Hugging Face model directory)")
    cfg = read_json_object(cfg_path)
    if not cfg.get("architectures"):
        raise InputError(f"{located(cfg_path)}: expected a JSON object with 'architectures'")
    return cfg


def is_gguf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"GGUF"
    except OSError:
        return False


def now() -> float:
    return time.perf_counter()


# What a LoRA artifact is made of: the peft files plus the trainer's records (ragtune/models/train.py). Anything else
# in a training output dir (checkpoint/ with optimizer state, logs) is not part of the adapter's identity, nor is
# metrics.json (timings: two identical runs differ there; it stays in the run's folder): the id is the same for the
# same run (round 48; training_config.json holds no run folder, adapter_config.json's target_modules are sorted).
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin", "training_config.json",
                 "adapter_manifest.json")


def adapter_info(path: Path) -> dict[str, Any]:
    """Lineage the trainer recorded next to the adapter: training_config_sha256, dataset_sha256 (in
    `lineage`), the base it was trained on (`base`: {kind, path, sha256}), whether it was QLoRA and the tool
    versions that trained it (`tools`, from training_config.json's `versions`)."""
    import hashlib

    lineage: dict[str, Any] = {}
    info: dict[str, Any] = {"lineage": lineage, "base": None, "qlora": False, "hf_base_dir": None}
    man_p = path / "adapter_manifest.json"
    if man_p.is_file():
        man, text = read_json_object_text(man_p)
        _check_recorded(man, text, man_p, ("training_config_sha256", "dataset_sha256"))
        for key in ("training_config_sha256", "dataset_sha256"):
            if isinstance(man.get(key), str):
                lineage[key] = man[key]
        if isinstance(man.get("base"), dict):
            info["base"] = man["base"]
        info["qlora"] = bool(man.get("qlora"))
        if isinstance(man.get("init_adapter"), dict):
            info["init_adapter"] = man["init_adapter"]
    cfg_p = path / "training_config.json"
    if cfg_p.is_file():
        lineage.setdefault("training_config_sha256", hashlib.sha256(cfg_p.read_bytes()).hexdigest())
        cfg, text = read_json_object_text(cfg_p)
        _check_recorded(cfg, text, cfg_p, ("dataset_sha256", "versions"))
        if isinstance(cfg.get("dataset_sha256"), str):
            lineage.setdefault("dataset_sha256", cfg["dataset_sha256"])
        if isinstance(cfg.get("hf_base_dir"), str):
            info["hf_base_dir"] = cfg["hf_base_dir"]  # the trainer's dequantized copy of a GGUF base
        if isinstance(cfg.get("versions"), dict):  # what trained it (not what is installed where it is registered)
            info["tools"] = {k: v for k, v in cfg["versions"].items() if isinstance(v, str)}
    return info


def _check_recorded(obj: dict[str, Any], text: str, path: Path, keys: tuple[str, ...]) -> None:
    """What a training record hands on to the registry (lineage, tools) must be valid Unicode: file:line otherwise."""
    if (problem := not_unicode(obj, keys)) is not None:
        raise InputError(f"{located(path, json_key_line(text, problem[0]))}: {problem[1]}")


def register_adapter(registry: Registry, ref: str | Path, *, name: str | None = None, copy: bool = True,
                     licence: str = "", base_id: str | None = None) -> tuple[Artifact, dict[str, Any], dict[str, Any]]:
    """Register a peft adapter dir (or resolve a lora-hf ref) as an immutable lora-hf artifact made of
    ADAPTER_FILES only, with the lineage its training recorded (`base_id` overrides the recorded base).
    A folder holding more than those (a training output's checkpoint/) is always copied.
    Returns (artifact, adapter_config, adapter_info)."""
    import tempfile

    path, rid = resolve_given(registry, ref, ("lora-hf",))
    cfg = check_adapter_dir(path)
    info = adapter_info(path)
    lineage = dict(info["lineage"])
    trained_on = (info.get("base") or {}).get("sha256")
    if isinstance(trained_on, str) and re.fullmatch(r"[0-9a-f]{64}", trained_on):
        lineage["base_id"] = trained_on  # the base its training recorded (the GGUF it was dequantized from)
    if base_id:
        lineage["base_id"] = base_id
    start = info.get("init_adapter") or {}
    if isinstance(start.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", start["sha256"]):
        if any(m["id"] == start["sha256"] for m in registry.list(None)):
            lineage["parent_id"] = start["sha256"]  # trained further from this registered adapter (--init-adapter)
    files = [path / f for f in ADAPTER_FILES if (path / f).is_file()]
    extra = [p for p in path.iterdir() if p not in files]
    if rid is not None and extra:  # registered before metrics.json left the id (round 48): its recorded id is kept
        return registry.get(rid, kinds=("lora-hf",)), cfg, info
    if info.get("tools"):
        lineage["tools"] = info["tools"]
    # record_tools=False: this machine's torch/peft did not train it; only what training_config.json says
    kw = dict(name=name or path.name, licence=licence, record_tools=False, **lineage)
    if not extra:
        art = registry.add(path, "lora-hf", copy=copy, **kw)
    else:
        with tempfile.TemporaryDirectory(prefix="ragtune-adapter-") as tmp:
            clean = Path(tmp) / path.name
            clean.mkdir()
            for f in files:
                shutil.copy2(f, clean / f.name)
            art = registry.add(clean, "lora-hf", copy=True, **kw)
    return art, cfg, info


def known(registry: Registry, ref: str | Path | None, label: str, kinds: tuple[str, ...]) -> None:
    """A reference the user typed that names nothing here, no path and no artifact, is bad input (exit 2) like any
    other; the registry says ModelError (3), kept for what is registered but cannot be used (a file gone, changed).
    Checked before anything is registered."""
    if ref is None or os.path.exists(os.path.expanduser(str(ref))):
        return
    try:
        registry.manifest(str(ref), kinds=kinds)
    except ModelError as exc:
        raise InputError(f"{label}{exc.message}", hint=exc.hint) from None


def resolve_given(registry: Registry, ref: str | Path, kinds: tuple[str, ...], label: str = ""
                  ) -> tuple[Path, str | None]:
    """refs.resolve_input for a converter's input: one that names nothing is bad input (`known`)."""
    from ragtune.appliance.refs import resolve_input

    known(registry, ref, label, kinds)
    return resolve_input(registry, ref, kinds=kinds)


def resolve_adapter_and_base(registry: Registry, adapter: str | Path, base: str | Path | None
                             ) -> tuple[Artifact, dict[str, Any], dict[str, Any], Path, str | None]:
    """Register ADAPTER and resolve the base it applies to: BASE if given, else the base its training recorded.
    Returns (adapter artifact, adapter_config, adapter_info, base path, base id or None)."""
    from ragtune.appliance.refs import resolve_input

    known(registry, base, "--base: ", BASE_INPUTS)  # before the adapter is registered
    art, cfg, info = register_adapter(registry, adapter)
    given = base
    if base is None:
        rec = info.get("base") or {}
        base = rec.get("path")
        if not base:
            raise InputError(f"{adapter}: no --base given and the adapter records none (adapter_manifest.json)")
        if not Path(base).expanduser().exists() and rec.get("sha256"):
            # trained on another machine (a lent GPU): its path is not here, but the same bytes may be registered
            # (a default model is, by its sha256); else the error names the recorded path
            try:
                base = registry.manifest(rec["sha256"])["id"]
            except (ModelError, InputError):
                pass
    base_path, base_id = resolve_input(registry, base, kinds=BASE_INPUTS)
    if given is not None:
        check_trained_base(adapter, info, base_path)
    return art, cfg, info, base_path, base_id


def check_trained_base(adapter: str | Path, info: dict[str, Any], base_path: Path) -> None:
    """A GGUF --base must be the GGUF the adapter was trained on (its training recorded the sha256): another model
    of the same shape converts or merges without an error and gives an adapter that answers wrongly on it."""
    from ragtune.appliance.hashing import sha256_path

    rec = info.get("base") or {}
    want = rec.get("sha256")
    if rec.get("kind") != "gguf" or not isinstance(want, str) or not base_path.is_file() or not is_gguf(base_path):
        return  # an HF folder, or nothing recorded: the shapes are all there is to check
    have = sha256_path(base_path)
    if have != want:
        raise InputError(f"{base_path}: not the base {adapter} was trained on (sha256 {have[:12]}…; its training "
                         f"recorded {rec.get('path') or rec.get('name') or 'a GGUF'}, sha256 {want[:12]}…)",
                         hint="omit --base to use the recorded one; to serve a LoRA on another GGUF of the same "
                              "model: convert lora --gguf-base")
