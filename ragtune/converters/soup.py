"""Stage 4b: two GGUF LoRAs of one base -> the GGUF LoRA of their weighted average (a "model soup").

W = base + (1 − w)·ΔA + w·ΔB, where ΔX = (alpha/r)·B·A is what llama.cpp adds for a LoRA. A sum of two low-rank
products is itself one, of rank rA + rB: stack the A matrices, put the weighted B matrices side by side. So the
soup is exact (no SVD, no truncation) and serves like any GGUF LoRA, merged or not; it costs rA + rB ranks.
Why average instead of picking one: a short pass that fixes one behaviour can lose another, and a point between a
fine-tuned model and its start often keeps most of both (WiSE-FT). It is a cheap experiment, no training: round 20
averaged the shipped adapter with round 19's contrastive pass, which kept the pass's reading on the corpus dev
domains but not the refusals on disflqa-dev (benchmarks/README.md; not shipped). Needs only `gguf` and numpy.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from ragtune.appliance.atomic import atomic_path, sweep_legacy
from ragtune.appliance.errors import InputError, require
from ragtune.appliance.ggufinfo import check_gguf_kind
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.lineage import registered_lineage
from ragtune.appliance.artifacts import tool_versions
from ragtune.appliance.registry import Registry

from . import (OLD_SOUP_TEMP, ConvertResult, Progress, _quiet, check_name_free, check_out, now, resolve_given,
               write_stage_config)


def _read(path: Path) -> tuple[Any, dict[str, Any], float]:
    """(reader, {tensor name: float32 array}, alpha) of a GGUF LoRA, checked. No alpha (or 0) means scale 1,
    llama.cpp's rule and merged.py's, so it reads as alpha = r."""
    gguf = require("gguf", "convert")
    import numpy as np

    check_gguf_kind(path, lora=True)  # one rule for "is a GGUF LoRA", with its message and hint
    try:
        r = gguf.GGUFReader(str(path))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable GGUF file: {exc}") from None
    _check_tensors(r, path)
    tensors = {t.name: np.asarray(t.data, dtype=np.float32) for t in r.tensors}
    _check_pairs(tensors, path)
    field = r.fields.get("adapter.lora.alpha")
    try:
        alpha = float(field.contents()) if field is not None else 0.0
    except (TypeError, ValueError):
        raise InputError(f"{path}: adapter.lora.alpha is not a number") from None
    if not math.isfinite(alpha):
        raise InputError(f"{path}: adapter.lora.alpha is {alpha}: not a finite number")
    if not alpha:
        alpha = float(next(t for n, t in tensors.items() if n.endswith(".lora_a")).shape[0])
    if "general.architecture" not in r.fields:
        raise InputError(f"{path}: no general.architecture in its header", hint=_HINT)
    return r, tensors, alpha


_HINT = "the soup reads f32/f16 GGUF LoRAs as `ragtune convert lora` writes them"


def _check_tensors(reader: Any, path: Path) -> None:
    """Only f32/f16 tensors: the reader gives any other type (bf16, q8_0) as raw bytes, which would average as
    numbers into a soup of garbage without a word."""
    gguf = require("gguf", "convert")

    readable = (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16)
    for t in reader.tensors:
        if t.tensor_type not in readable:
            raise InputError(f"{path}: tensor {t.name} is {t.tensor_type.name}; the soup averages f32/f16 LoRAs only",
                             hint="convert the adapter again with: ragtune convert lora … --outtype f16")


def _check_pairs(tensors: dict[str, Any], path: Path) -> None:
    """Every tensor a 2-D `X.lora_a` (rank × in) with its `X.lora_b` (out × rank) of the same rank: a tensor on
    its own, or of another shape, was a KeyError or IndexError deep in the averaging."""
    if not any(n.endswith(".lora_a") for n in tensors):
        raise InputError(f"{path}: a GGUF LoRA without any lora_a tensor", hint=_HINT)
    for n, t in tensors.items():
        if not n.endswith((".lora_a", ".lora_b")):
            raise InputError(f"{path}: tensor {n} is neither a lora_a nor a lora_b tensor", hint=_HINT)
        if t.ndim != 2:
            raise InputError(f"{path}: tensor {n} has {t.ndim} dimension(s); a LoRA tensor has 2", hint=_HINT)
        other = n[:-1] + ("b" if n.endswith("a") else "a")
        if other not in tensors:
            raise InputError(f"{path}: tensor {n} has no {other.rsplit('.', 1)[1]} beside it", hint=_HINT)
        if n.endswith(".lora_a") and t.shape[0] != tensors[other].shape[1]:
            raise InputError(f"{path}: {n} has rank {t.shape[0]} but its lora_b rank {tensors[other].shape[1]}",
                             hint=_HINT)


def _check_pair(a: dict[str, Any], b: dict[str, Any], pa: Path, pb: Path) -> dict[str, tuple[int, int]]:
    """{target: (rank in A, rank in B)}; the two must adapt the same weights with the same shapes."""
    if set(a) != set(b):
        only = sorted(set(a) ^ set(b))[0]
        raise InputError(f"{pa} and {pb} adapt different weights ({only} is in one only)",
                         hint="both must be LoRAs of one base with the same target modules")
    ranks = {}
    for name in sorted(n[: -len(".lora_a")] for n in a if n.endswith(".lora_a")):
        la, lb, ma, mb = a[name + ".lora_a"], a[name + ".lora_b"], b[name + ".lora_a"], b[name + ".lora_b"]
        if la.shape[1] != ma.shape[1] or lb.shape[0] != mb.shape[0]:
            raise InputError(f"{name}: {pa.name} adapts a {lb.shape[0]}×{la.shape[1]} weight, {pb.name} a "
                             f"{mb.shape[0]}×{ma.shape[1]} one", hint="both must be LoRAs of one base")
        ranks[name] = (la.shape[0], ma.shape[0])
    if len({r for r in ranks.values()}) != 1:
        raise InputError(f"{pa} / {pb}: the rank differs between target modules; not supported")
    return ranks


def soup_tensors(a: dict[str, Any], alpha_a: float, b: dict[str, Any], alpha_b: float, weight: float
                 ) -> tuple[dict[str, Any], float]:
    """The soup's tensors and alpha. Same scale (alpha/r) in both: that scale is kept and B is weighted;
    otherwise the scales go into B and the soup's scale is 1."""
    import numpy as np

    name = next(n for n in a if n.endswith(".lora_a"))
    ra, rb = a[name].shape[0], b[name].shape[0]
    sa, sb = alpha_a / ra, alpha_b / rb
    if sa == sb:
        alpha, ka, kb = sa * (ra + rb), 1 - weight, weight
    else:
        alpha, ka, kb = float(ra + rb), (1 - weight) * sa, weight * sb
    out = {}
    for n in a:
        if n.endswith(".lora_a"):
            out[n] = np.concatenate([a[n], b[n]], axis=0)  # (rA + rB, in)
        else:
            out[n] = np.concatenate([ka * a[n], kb * b[n]], axis=1)  # (out, rA + rB)
    return out, alpha


def soup(a: str | Path, b: str | Path, out: str | Path, *, weight: float = 0.5, registry: Registry | None = None,
         force: bool = False, copy: bool = True, name: str | None = None, progress: Progress = _quiet
         ) -> ConvertResult:
    """Write the GGUF LoRA (1 − weight)·A + weight·B to OUT (f16) and register it (lora-gguf; lineage from A,
    `parent_ids` A,B)."""
    gguf = require("gguf", "convert")
    import numpy as np

    if not 0.0 <= weight <= 1.0:
        raise InputError(f"--weight {weight}: must be between 0 and 1")
    registry = registry or Registry()
    t0 = now()
    (pa, id_a), (pb, id_b) = (resolve_given(registry, x, ("lora-gguf",)) for x in (a, b))
    out_p = check_out(out, force=force)
    if out_p.suffix != ".gguf":
        raise InputError(f"{out_p}: the output name must end in .gguf")
    # a taken --name is said before the averaging, not by registry.add after it; the soup of A made before under that
    # name passes (its lineage: parent A, f16), as registry.add takes the same bytes again
    check_name_free(registry, name, "lora-gguf", out_p, id_a, outtype="f16")
    progress(f"reading {pa.name} and {pb.name}…")
    ra, ta, alpha_a = _read(pa)
    _, tb, alpha_b = _read(pb)
    ranks = _check_pair(ta, tb, pa, pb)
    tensors, alpha = soup_tensors(ta, alpha_a, tb, alpha_b, weight)
    sweep_legacy(out_p.parent, OLD_SOUP_TEMP)  # the unlocked work folders soups made before round 39
    # a locked temporary beside OUT (GGUFWriter opens it "wb": the same file, so the lock holds): a kill leaves it
    # to the next writer of OUT to sweep, never under a live writer
    with atomic_path(out_p) as tmp:
        w = gguf.GGUFWriter(str(tmp), arch=str(ra.fields["general.architecture"].contents()))
        w.add_string("general.type", "adapter")
        w.add_string("adapter.type", "lora")
        # GGUF strings are UTF-8: a name, or an --out, whose bytes are not holds lone surrogates (U+FFFD here)
        w.add_string("general.name", os.fsencode(name or out_p.stem).decode("utf-8", "replace"))
        w.add_float32("adapter.lora.alpha", alpha)
        for n, t in tensors.items():  # A's tensor order
            w.add_tensor(n, t.astype(np.float16))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
    lineage = {**registered_lineage(registry, id_a), "outtype": "f16"}
    if id_a:
        lineage["parent_id"] = id_a
    sha_a, sha_b = id_a or sha256_path(pa), id_b or sha256_path(pb)
    lineage["parent_ids"] = f"{sha_a},{sha_b}"  # both inputs (`parent_id` is A alone, as before round 48)
    rank_a, rank_b = next(iter(ranks.values()))
    config = {"stage": "soup", "a": str(a), "a_sha256": sha_a, "b": str(b), "b_sha256": sha_b, "weight": weight,
              "rank": [rank_a, rank_b], "alpha": [alpha_a, alpha_b, alpha], "tools": tool_versions()}
    art = registry.add(out_p, "lora-gguf", name=name or out_p.stem, copy=copy, **lineage)
    config["id"] = config["sha256"] = art.id
    write_stage_config(out_p, config)
    return ConvertResult(art, out_p, now() - t0, config)
