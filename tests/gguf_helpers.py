"""Tiny valid GGUF files for tests (the registry reads the header on `add`): a LoRA adapter or a model (with a chat
template) with one small F32 tensor. `tag` goes into general.name, so different tags give different bytes (different
ids)."""

from __future__ import annotations

import struct
from pathlib import Path


def _s(text: str) -> bytes:
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_bytes(*, lora: bool = True, tag: str = "test", n_floats: int = 4) -> bytes:
    kv = {"general.architecture": "llama", "general.name": tag, "general.type": "adapter" if lora else "model"}
    if lora:
        kv["adapter.type"] = "lora"
    else:  # a chat model's: `config set generate.model` and `doctor` refuse a model without one (refs.py)
        kv["tokenizer.chat_template"] = "{{ messages[0]['content'] }}"
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kv))
    for k, v in kv.items():
        head += _s(k) + struct.pack("<I", 8) + _s(v)
    head += _s("blk.0.attn_q.weight.lora_a" if lora else "token_embd.weight") + struct.pack("<I", 1)
    head += struct.pack("<Q", n_floats) + struct.pack("<IQ", 0, 0)  # F32, offset 0
    head += b"\0" * (-len(head) % 32)
    return head + struct.pack(f"<{n_floats}f", *range(n_floats))


def write_gguf(path: Path | str, *, lora: bool = True, tag: str = "test") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gguf_bytes(lora=lora, tag=tag))
    return path


def write_tensors(path: Path | str, tensors: dict, **kv) -> Path:
    """A GGUF file with these numpy tensors and string/float keys, written by the `gguf` package (which the
    caller has imported: tests that need it skip without it)."""
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    for key, val in kv.items():
        (w.add_float32 if isinstance(val, float) else w.add_string)(key, val)
    for name, data in tensors.items():
        w.add_tensor(name, data)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return Path(path)


# The default LLM's sha256 (ragtune/appliance/manifests/defaults.json): a built-in adapter made for it.
DEFAULT_LLM_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def builtin_manifest(gguf: Path, *, name: str = "ragtune-default", go: bool = True,
                     base_sha256: str = DEFAULT_LLM_SHA256, **extra) -> dict:
    """A valid built-in adapter manifest for `gguf` (go=True comes with one eval whose decision is go)."""
    import hashlib

    digest = hashlib.sha256(Path(gguf).read_bytes()).hexdigest()
    evals = [{"command": "ragtune eval run set --arms A,C", "decision": {"go": True, "reasons": []},
              "arms": {"A": {"task_success": 0.2}, "C": {"task_success": 0.5}}}] if go else []
    m = {"format": 1, "name": name, "kind": "lora-gguf", "file": f"{name}.gguf", "sha256": digest,
         "size": Path(gguf).stat().st_size, "licence": "Apache-2.0", "created": "2025-12-01T00:00:00Z",
         "outtype": "f16", "base": {"name": "smollm2-135m-instruct-q4_1", "sha256": base_sha256},
         "dataset": {"sha256": "d" * 64, "build_options": {"raft": {"k": 3}}},
         "training": {"config": {"r": 16}, "config_sha256": "c" * 64, "seed": 0},
         "recipe": {"path": "ragtune/models/recipes/default.toml", "sha256": "e" * 64},
         "serving": {"k": 3}, "rebuild": {"command": "ragtune tune default", "machine": {"cores": 2}, "wall_s": 1.0},
         "eval": evals, "go": go}
    m.update(extra)
    return m


def write_builtin(folder: Path | str, *, name: str = "ragtune-default", go: bool = True, tag: str = "builtin",
                  **extra) -> tuple[Path, Path]:
    """A built-in adapter pair (tiny GGUF LoRA + manifest) in `folder`; returns (gguf, manifest)."""
    import json

    folder = Path(folder)
    gguf = write_gguf(folder / f"{name}.gguf", tag=tag)
    mpath = folder / f"{name}.json"
    mpath.write_text(json.dumps(builtin_manifest(gguf, name=name, go=go, **extra), indent=2, sort_keys=True) + "\n")
    return gguf, mpath


def shaped_gguf(path: Path | str, tensors: dict, lora: bool) -> Path:
    """A GGUF LoRA adapter (`lora`) or a model with a chat template, holding these numpy tensors: what the shape
    checks (ggufinfo.shapes, Registry.check_fits) read. Skips the test without the `gguf` package."""
    import pytest

    pytest.importorskip("gguf")
    kv = {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 4.0} if lora else \
        {"tokenizer.chat_template": "{{ messages[0]['content'] }}"}
    return write_tensors(path, tensors, **kv)
