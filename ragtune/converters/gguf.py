"""Stage 2: Hugging Face model dir -> GGUF, through llama.cpp's own convert_hf_to_gguf.py taken from the
sdist of the installed llama-cpp-python (ragtune/converters/sdist.py), so converter and runtime agree."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.atomic import atomic_path
from ragtune.appliance.errors import InputError
from ragtune.appliance.lineage import registered_lineage
from ragtune.appliance.artifacts import tool_versions
from ragtune.appliance.registry import Registry

from . import (ConvertResult, Progress, _quiet, check_hf_dir, check_name_free, check_out, check_written, now,
               resolve_given, write_stage_config)
from . import sdist as sdist_mod

OUTTYPES = ("f32", "f16", "bf16", "q8_0")


def to_gguf(model_dir: str | Path, out: str | Path, *, outtype: str = "f16", registry: Registry | None = None,
            sdist: str | Path | None = None, kind: str | None = None, threads: int = 2, force: bool = False,
            copy: bool = True, name: str | None = None, progress: Progress = _quiet) -> ConvertResult:
    """Convert an HF model dir (or a registered hf-model) to GGUF and register it: kind merged-gguf when
    the model came from a merge (its lineage has an adapter), else base-gguf."""
    if outtype not in OUTTYPES:
        raise InputError(f"--outtype must be one of {', '.join(OUTTYPES)}")
    registry = registry or Registry()
    t0 = now()
    src, parent_id = resolve_given(registry, model_dir, ("hf-model",))
    check_hf_dir(src)
    out_p = check_out(out, force=force)
    if out_p.suffix != ".gguf":
        raise InputError(f"{out_p}: the output name must end in .gguf")
    sdist_mod.scripts_dir(sdist)  # fail early (before any work) when the sdist is missing
    check_name_free(registry, name, kind or "base-gguf", out_p, parent_id, outtype=outtype)  # merged: a model too

    log_path = out_p.with_name(out_p.name + ".log")
    with atomic_path(out_p) as tmp:  # made empty beforehand: a script that ends well writing nothing is refused here
        seconds = sdist_mod.run_script(
            "convert_hf_to_gguf.py", [str(src), "--outfile", str(tmp), "--outtype", outtype],
            sdist=sdist, threads=threads, log_path=log_path, progress=progress)
        check_written(tmp, "convert_hf_to_gguf.py", src, log_path)  # raised in the block: the temporary goes

    lineage = registered_lineage(registry, parent_id)
    if parent_id:
        lineage["parent_id"] = parent_id
    lineage["outtype"] = outtype
    lineage.pop("quantization", None)
    kind = kind or ("merged-gguf" if lineage.get("adapter_id") else "base-gguf")
    config = {"stage": "gguf", "input": str(src), "input_id": parent_id, "outtype": outtype,
              "script": "convert_hf_to_gguf.py", "llama_cpp_python": sdist_mod.installed_version(),
              "seconds": round(seconds, 3), "tools": tool_versions()}
    art = registry.add(out_p, kind, name=name or out_p.stem, copy=copy, **lineage)
    config["id"] = config["sha256"] = art.id  # "sha256": what serving reads from an unregistered sidecar
    write_stage_config(out_p, config)
    return ConvertResult(art, out_p, now() - t0, config)
