"""Tiny valid GGUF files for tests (the registry reads the header on `add`): a LoRA adapter or a model with one
small F32 tensor. `tag` goes into general.name, so different tags give different bytes (different ids)."""

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
