"""Stage 4: peft LoRA adapter -> GGUF LoRA (llama.cpp's convert_lora_to_gguf.py), for run-time switching
on top of a GGUF base without merging.

The script needs the base model's config.json as an HF directory, never its weights. For a GGUF base it is
recovered from the GGUF metadata by transformers into a temporary directory.

That directory and the script's output live in one locked temporary folder beside OUT (`.OUT.<8>.part`,
atomic.locked_temporary): a killed conversion leaves it for the next writer of OUT to sweep, never a live one's.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ragtune.appliance.atomic import OLD_LORA_TEMP, locked_temporary, sweep_legacy, sweep_stale
from ragtune.appliance.errors import InputError, ModelError, require
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.refs import resolve_input
from ragtune.appliance.artifacts import tool_versions
from ragtune.appliance.registry import Registry
from ragtune.models.train.model import OLD_HF_TEMP  # light: torch is imported only when used

from . import (ConvertResult, Progress, _quiet, check_hf_dir, check_name_free, check_out, check_written, is_gguf,
               known, now, replace_into, resolve_adapter_and_base, write_stage_config)
from . import sdist as sdist_mod
from .lora_shape import check_fits

GGUF_BASES = ("base-gguf", "merged-gguf", "quantized-gguf")  # what --gguf-base may name

OUTTYPES = ("f32", "f16", "bf16", "q8_0")


def config_dir_from_gguf(gguf: Path, into: Path, progress: Progress) -> Path:
    """Write the config.json of a GGUF model into `into` (all convert_lora_to_gguf needs of the base)."""
    transformers = require("transformers", "convert")
    progress(f"reading the base config from {gguf.name}…")
    try:
        cfg = transformers.AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        if not getattr(cfg, "architectures", None):
            from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
            arch = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(cfg.model_type)
            if not arch:
                raise ModelError(f"{gguf}: cannot tell the model architecture ({cfg.model_type})")
            cfg.architectures = [arch]
        cfg.save_pretrained(str(into))  # the tokenizer is only needed for aLoRA invocation strings
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelError(f"{gguf}: cannot read its config for the LoRA conversion: {exc}") from None
    return into


ADAPTER_VIEW = "adapter"  # the folder name the script sees: its general.name ("Adapter") whatever the adapter's


def _fixed_name_view(adapter: Path, work: Path) -> Path:
    """A folder named ADAPTER_VIEW in `work` linking each of `adapter`'s entries. The script names the GGUF's
    `general.name` (and basename, size label) from its folder's name when no model card says one: the same weights
    converted from `run-a/` and `run-b/` (or registered under two blob names) gave two files, two registry ids.
    Through this view the bytes depend on the adapter's files only (weights, config, model card)."""
    view = work / ADAPTER_VIEW
    view.mkdir()
    for entry in adapter.iterdir():
        (view / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())
    return view


def _check_name(registry: Registry, name: str | None, out: Path, adapter_id: str, base_id: str, outtype: str
                ) -> None:
    """check_name_free for a GGUF LoRA: a --name another GGUF LoRA has is refused before converting. The name of the
    same conversion made before passes (this adapter on this base, this outtype: registry.add takes its bytes as the
    artifact they are); a LoRA's lineage names its adapter (adapter_id), not a parent, so that is checked here."""
    taken = registry.name_taken(name, "lora-gguf") if name is not None else None
    lineage = (taken or {}).get("lineage") or {}
    if taken is not None and (lineage.get("adapter_id"), lineage.get("base_id"), lineage.get("outtype")) == \
            (adapter_id, base_id, outtype):
        return
    check_name_free(registry, name, "lora-gguf", out, None)


def lora_to_gguf(adapter: str | Path, base: str | Path | None, out: str | Path, *, outtype: str = "f32",
                 gguf_base: str | None = None, registry: Registry | None = None, sdist: str | Path | None = None,
                 threads: int = 2, force: bool = False, copy: bool = True, name: str | None = None,
                 progress: Progress = _quiet) -> ConvertResult:
    """Convert ADAPTER (peft dir or lora-hf ref) to a GGUF LoRA for BASE (HF dir, GGUF, or ref) and register
    it (lora-gguf). lineage.base_id is the GGUF the adapter is served on: `gguf_base` if given, else BASE."""
    if outtype not in OUTTYPES:
        raise InputError(f"--outtype must be one of {', '.join(OUTTYPES)}")
    registry = registry or Registry()
    t0 = now()
    out_p = check_out(out, force=force)  # before the adapter is registered: a bad --out leaves nothing behind
    if out_p.suffix != ".gguf":
        raise InputError(f"{out_p}: the output name must end in .gguf")
    known(registry, gguf_base, "--gguf-base: ", GGUF_BASES)  # said before the adapter is registered
    adapter_art, _, info, base_path, base_id = resolve_adapter_and_base(registry, adapter, base)
    adapter_path = adapter_art.path  # the registered copy: exactly the bytes the id names
    if gguf_base:
        gb_path, base_id = resolve_input(registry, gguf_base, kinds=GGUF_BASES)
        base_id = base_id or sha256_path(gb_path)
    elif not base_path.is_file() and (info.get("base") or {}).get("kind") == "gguf":
        base_id = info["base"].get("sha256")  # HF dir given, but training says which GGUF it came from
    base_id = base_id or sha256_path(base_path)
    sdist_mod.scripts_dir(sdist)
    _check_name(registry, name, out_p, adapter_art.id, base_id, outtype)  # before the conversion, not after it
    lineage = dict(info["lineage"])

    sweep_stale(out_p.parent, out_p.name)  # what killed conversions to OUT left (not a live one's)
    sweep_legacy(out_p.parent, OLD_LORA_TEMP)
    work, lock_fd = locked_temporary(out_p, True)
    try:
        if base_path.is_file():
            if not is_gguf(base_path):
                raise InputError(f"{base_path}: not a GGUF file and not a Hugging Face model directory")
            trained = Path(info["hf_base_dir"]) if info.get("hf_base_dir") else None
            gguf_id = sha256_path(base_path)
            if trained and (trained / "config.json").is_file() and (info.get("base") or {}).get("sha256") == gguf_id:
                base_dir = trained  # the trainer's HF copy of this very GGUF: its config, without re-reading the GGUF
                sweep_legacy(trained.parent, OLD_HF_TEMP)  # its killed dequantizes, before they were locked
            else:
                base_dir = config_dir_from_gguf(base_path, work / "base", progress)
        else:
            check_hf_dir(base_path)
            base_dir = base_path
        check_fits(adapter_path, base_dir / "config.json", adapter, base_path)  # before the script's raw words
        tmp = work / out_p.name  # not created here: the script writing nothing stays visible
        log_path = out_p.with_name(out_p.name + ".log")
        seconds = sdist_mod.run_script(
            "convert_lora_to_gguf.py",
            [str(_fixed_name_view(adapter_path, work)), "--base", str(base_dir), "--outfile", str(tmp),
             "--outtype", outtype],
            sdist=sdist, threads=threads, log_path=log_path, progress=progress)
        check_written(tmp, "convert_lora_to_gguf.py", adapter_path, log_path)
        replace_into(tmp, out_p)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        os.close(lock_fd)  # only now: a sweep never takes the folder while the script or the rename needs it

    lineage.update(base_id=base_id, adapter_id=adapter_art.id, outtype=outtype)
    config = {"stage": "lora", "adapter": str(adapter), "adapter_id": adapter_art.id, "base": str(base_path),
              "base_id": base_id, "outtype": outtype, "script": "convert_lora_to_gguf.py",
              "llama_cpp_python": sdist_mod.installed_version(), "seconds": round(seconds, 3), "tools": tool_versions()}
    art = registry.add(out_p, "lora-gguf", name=name or out_p.stem, copy=copy, **lineage)
    config["id"] = config["sha256"] = art.id  # "sha256": what serving reads from an unregistered sidecar
    write_stage_config(out_p, config)
    return ConvertResult(art, out_p, now() - t0, config)
