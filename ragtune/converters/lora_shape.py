"""Does a peft LoRA adapter fit a base model? Its layer count and the in/out features of its LoRA matrices, from the
safetensors header alone (never the weights), against the base's config.json, before llama.cpp's converter runs:
for a base of another shape that script stops with "Can not map tensor 'model.layers.12…'" (or, worse, writes a
LoRA llama.cpp later refuses). Anything not known on either side (a .bin adapter, a config without the sizes, a
module other than the Llama family's projections) is not checked: the converter still has the last word."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

from ragtune.appliance.errors import InputError

_MAX_HEADER = 100 * 1024 * 1024  # a safetensors header is JSON of names and shapes: far below this
# peft's names: base_model.model.model.layers.29.self_attn.q_proj.lora_A.weight (an adapter name may follow lora_A)
_LAYER = re.compile(r"\.layers\.(\d+)\..*\.lora_[AB]\b")
# the projections whose sizes a config fixes (a mixture of experts' mlp.experts.N.gate_proj is not one of them)
_PROJ = re.compile(r"\.layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.[\w-]+)?\.weight$")


def header_shapes(path: Path) -> dict[str, list[int]] | None:
    """{tensor name: shape} from a safetensors file's header (8 bytes of length, then JSON); None when the file is
    not one (unreadable, truncated, not JSON): the converter says what is wrong with it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                return None
            (n,) = struct.unpack("<Q", head)
            if n > _MAX_HEADER:
                return None
            raw = fh.read(n)
        header = json.loads(raw) if len(raw) == n else None
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(header, dict):
        return None
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)
            and isinstance(v.get("shape"), list) and all(type(d) is int for d in v["shape"])}


def adapter_shape(adapter_dir: Path) -> tuple[int, dict[tuple[int, str], dict[str, int]]] | None:
    """(layers, {(layer, projection): {"in": features, "out": features}}) of a peft adapter: layers is its highest
    layer + 1; lora_A is [r, in], lora_B [out, r]. None without a readable adapter_model.safetensors holding
    per-layer LoRA tensors."""
    shapes = header_shapes(adapter_dir / "adapter_model.safetensors")
    layers = [int(m.group(1)) for name in shapes or {} if (m := _LAYER.search(name))]
    if not layers:
        return None
    proj: dict[tuple[int, str], dict[str, int]] = {}
    for name, shape in (shapes or {}).items():
        m = _PROJ.search(name)
        if m and len(shape) == 2:
            a = m.group(3) == "A"
            proj.setdefault((int(m.group(1)), m.group(2)), {})["in" if a else "out"] = shape[1] if a else shape[0]
    return max(layers) + 1, proj


def _int(cfg: dict[str, Any], key: str) -> int | None:
    v = cfg.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else None


def base_features(cfg: dict[str, Any]) -> dict[str, tuple[int | None, int | None]]:
    """(in, out) features of the Llama family's projections from a config.json (None where it does not say).
    Only what the hidden and MLP sizes fix: the attention heads' widths vary by architecture (head_dim, MLA)."""
    hidden, inter = _int(cfg, "hidden_size"), _int(cfg, "intermediate_size")
    return {"q_proj": (hidden, None), "k_proj": (hidden, None), "v_proj": (hidden, None), "o_proj": (None, hidden),
            "gate_proj": (hidden, inter), "up_proj": (hidden, inter), "down_proj": (inter, hidden)}


def check_fits(adapter_dir: Path, base_config: Path, adapter: str | Path, base: str | Path) -> None:
    """InputError when the adapter cannot be applied to the base whose config.json is `base_config`: more layers
    than the base has, or a projection whose features differ. `adapter`/`base`: as the user named them."""
    shape = adapter_shape(adapter_dir)
    try:
        cfg = json.loads(base_config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # the converter reads it again and says what is wrong with it
    if shape is None or not isinstance(cfg, dict):
        return
    layers, proj = shape
    hint = "convert it against the base it was trained on (without --base: the one its training recorded)"
    have = _int(cfg, "num_hidden_layers")
    if have is not None and layers > have:
        raise InputError(f"{adapter}: does not fit base {base}: adapter has {layers} layers, base has {have}",
                         hint=hint)
    want = base_features(cfg)
    order = list(want)  # layer by layer, q_proj first: where a hidden size that differs shows first
    for (layer, module), got in sorted(proj.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])
                                                                      if kv[0][1] in want else len(order))):
        for side, exp in zip(("in", "out"), want.get(module, (None, None))):
            if exp is not None and side in got and got[side] != exp:
                what = "input" if side == "in" else "output"
                raise InputError(f"{adapter}: does not fit base {base}: the adapter's {module} (layer {layer}) has "
                                 f"{got[side]} {what} features, the base's has {exp}", hint=hint)
