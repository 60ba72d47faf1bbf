"""Stage 1: merge a peft LoRA adapter into its base, giving a plain Hugging Face model directory.

The base is always loaded in full precision (float32 or bfloat16): merging into 4-bit weights would
round the adapter delta into the quantization grid, so a QLoRA adapter is merged into the full-precision
base it was trained against. A GGUF base is dequantized by transformers (`gguf_file=`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ragtune.appliance.atomic import atomic_path
from ragtune.appliance.errors import InputError, ModelError, require
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.artifacts import tool_versions
from ragtune.appliance.registry import Registry
from ragtune.models.train.model import forget_gguf_vocab

from . import (ConvertResult, Progress, _quiet, check_hf_dir, check_out, is_gguf, now,
               resolve_adapter_and_base, write_stage_config)

DTYPES = ("float32", "bfloat16")
def refuse_4bit(cfg: dict[str, Any], where: Path) -> None:
    q = cfg.get("quantization_config") or {}
    if isinstance(q, dict) and (q.get("load_in_4bit") or q.get("load_in_8bit") or q.get("quant_method") in ("bitsandbytes", "gptq", "awq")):
        raise ModelError(f"{where}/config.json: the base is a quantized checkpoint ({q.get('quant_method', 'bitsandbytes')}); "
                         "merging into quantized weights would lose the adapter's update",
                         hint="pass the full-precision base (an HF dir in float16/32 or a GGUF); QLoRA adapters merge into the full-precision base")


def load_base(base: Path, dtype: str, progress: Progress):
    """(model, tokenizer) in full precision from an HF dir or a GGUF file."""
    torch = require("torch", "convert")
    transformers = require("transformers", "convert")
    td = getattr(torch, dtype)
    if base.is_file():
        if not is_gguf(base):
            raise InputError(f"{base}: not a GGUF file and not a Hugging Face model directory")
        progress(f"loading {base.name} (GGUF, dequantized to {dtype})…")
        kw = {"gguf_file": base.name}
        src = str(base.parent)
    else:
        refuse_4bit(check_hf_dir(base), base)
        progress(f"loading {base} ({dtype})…")
        kw, src = {}, str(base)
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(src, dtype=td, low_cpu_mem_usage=True, **kw)
        tok = transformers.AutoTokenizer.from_pretrained(src, **kw)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelError(f"{base}: cannot load the base model: {exc}") from None
    if base.is_file():
        # The GGUF weights are already dequantized to `dtype`; transformers' GGUF "quantizer" marker would
        # only make save_pretrained refuse the merged model.
        model.hf_quantizer = None
        try:
            model.is_quantized = False
        except AttributeError:
            pass
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        forget_gguf_vocab(tok)  # else save_pretrained writes the whole GGUF as tokenizer.model (transformers 4.x)
    return model, tok


def merge(adapter: str | Path, base: str | Path | None, out: str | Path, *, registry: Registry | None = None,
          dtype: str = "float32", threads: int = 2, force: bool = False, copy: bool = False,
          name: str | None = None, progress: Progress = _quiet) -> ConvertResult:
    """Merge ADAPTER (peft dir or registry ref) into BASE (HF dir, GGUF, or registry ref); write an HF dir
    at OUT and register it (kind hf-model). The adapter itself is registered (lora-hf) for lineage."""
    if dtype not in DTYPES:
        raise InputError(f"--dtype must be one of {', '.join(DTYPES)} (never a 4-bit type)")
    registry = registry or Registry()
    t0 = now()
    out_p = check_out(out, force=force)  # before the adapter is registered: a bad --out leaves nothing behind
    adapter_art, acfg, info, base_path, base_id = resolve_adapter_and_base(registry, adapter, base)
    adapter_path = adapter_art.path  # the registered copy: exactly the bytes the id names
    lineage = info["lineage"]
    base_id = base_id or sha256_path(base_path)

    torch = require("torch", "convert")
    peft = require("peft", "convert")
    torch.set_num_threads(max(1, threads))
    model, tok = load_base(base_path, dtype, progress)
    from safetensors import SafetensorError  # a damaged adapter_model.safetensors

    progress(f"merging {adapter_path.name} (r={acfg.get('r')}, alpha={acfg.get('lora_alpha')})…")
    try:
        pm = peft.PeftModel.from_pretrained(model, str(adapter_path), is_trainable=False)
        merged = pm.merge_and_unload()
    except (ValueError, KeyError, RuntimeError, OSError, SafetensorError) as exc:
        raise ModelError(f"{adapter_path}: cannot apply the adapter to {base_path.name}: {exc}",
                         hint="is this the base the adapter was trained on?") from None
    merged = merged.to(getattr(torch, dtype))

    with atomic_path(out_p, folder=True) as tmp:
        progress(f"saving merged model to {out_p}…")
        merged.save_pretrained(str(tmp), safe_serialization=True)
        tok.save_pretrained(str(tmp))
        config = {
            "stage": "merge", "adapter": str(adapter), "adapter_id": adapter_art.id, "base": str(base_path),
            "base_id": base_id, "dtype": dtype, "lora_r": acfg.get("r"), "lora_alpha": acfg.get("lora_alpha"),
            "target_modules": acfg.get("target_modules"), "tools": tool_versions(), **lineage,
        }
        config["adapter_qlora"] = info["qlora"]
        # Inside the dir: ids only (no paths, no timestamps), so the same inputs give the same id.
        write_stage_config(tmp, {k: v for k, v in config.items() if k not in ("adapter", "base")})
    art = registry.add(out_p, "hf-model", name=name or out_p.name, copy=copy, base_id=base_id,
                       adapter_id=adapter_art.id, **lineage)
    return ConvertResult(art, out_p, now() - t0, config)
