"""Stage 3: GGUF -> quantized GGUF with llama.cpp's own quantizer (llama_cpp.llama_model_quantize).

K-quants need rows divisible by 256; llama.cpp falls back per tensor to a compatible type for tensors that
are not (tiny test models), so Q8_0 / Q4_0 are the types that behave the same on any model size.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ragtune.appliance.atomic import atomic_path
from ragtune.appliance.errors import InputError, ModelError, require
from ragtune.appliance.lineage import registered_lineage
from ragtune.appliance.artifacts import tool_versions
from ragtune.appliance.registry import Registry

from . import (ConvertResult, Progress, _quiet, check_name_free, check_out, check_written, is_gguf, now,
               resolve_given, write_stage_config)

TYPES = ("Q4_K_M", "Q5_K_M", "Q8_0", "Q4_0")


def quantize(model: str | Path, out: str | Path, *, qtype: str = "Q4_K_M", registry: Registry | None = None,
             threads: int = 2, force: bool = False, copy: bool = True, name: str | None = None,
             progress: Progress = _quiet) -> ConvertResult:
    """Quantize a f32/f16/bf16 GGUF (path or registry ref) to `qtype` and register it (quantized-gguf)."""
    qtype = qtype.upper()
    if qtype not in TYPES:
        raise InputError(f"--type must be one of {', '.join(TYPES)}")
    registry = registry or Registry()
    t0 = now()
    src, parent_id = resolve_given(registry, model, ("base-gguf", "merged-gguf"))
    if not src.is_file() or not is_gguf(src):
        raise InputError(f"{src}: not a GGUF file")
    out_p = check_out(out, force=force)
    if src.resolve() == out_p:
        raise InputError(f"{out_p}: output would overwrite the input")
    check_name_free(registry, name, "quantized-gguf", out_p, parent_id, quantization=qtype)

    llama_cpp = require("llama_cpp", "convert")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{qtype}")
    params.nthread = max(1, threads)
    params.allow_requantize = False  # requantizing Q4_1 -> Q4_K_M compounds errors: start from f32/f16/bf16

    progress(f"quantizing {src.name} to {qtype} ({params.nthread} threads)…")
    logger = logging.getLogger("llama-cpp-python")
    level = logger.level
    logger.setLevel(logging.ERROR)  # llama.cpp's per-tensor log goes to stderr only on errors
    try:
        with atomic_path(out_p) as tmp:
            t1 = now()
            # the paths' own bytes: a name that is not UTF-8 holds lone surrogates, which str.encode() refuses
            rc = llama_cpp.llama_model_quantize(os.fsencode(src), os.fsencode(tmp), params)
            seconds = now() - t1
            if rc != 0:
                raise ModelError(f"{src}: llama.cpp could not quantize it to {qtype} (code {rc})",
                                 hint="the input must be a f32/f16/bf16 GGUF (already-quantized models are refused)")
            check_written(tmp, "llama.cpp's quantizer", src)  # code 0 but the empty temporary left as it was
    finally:
        logger.setLevel(level)

    lineage = registered_lineage(registry, parent_id)
    if parent_id:
        lineage["parent_id"] = parent_id
    lineage["quantization"] = qtype
    config = {"stage": "quantize", "input": str(src), "input_id": parent_id, "type": qtype,
              "threads": params.nthread, "seconds": round(seconds, 3), "input_bytes": src.stat().st_size,
              "output_bytes": out_p.stat().st_size, "tools": tool_versions()}
    art = registry.add(out_p, "quantized-gguf", name=name or out_p.stem, copy=copy, **lineage)
    config["id"] = config["sha256"] = art.id  # "sha256": what serving reads from an unregistered sidecar
    write_stage_config(out_p, config)
    return ConvertResult(art, out_p, now() - t0, config)
