"""The mutation fuzzer (tests/fuzzing.py) over GGUF headers (models add, adapters, the default model): a damaged
header is a GGUFError naming the file, never a traceback, and a length read from the file never makes the reader
allocate more than the file holds. The seed is a small LoRA adapter written field by field here; its mutants set
the header's fields to 0, huge, or -1 read as unsigned, or edit its bytes. The mutants that crashed the reader
once are kept below as fixed regression cases."""

from __future__ import annotations

import random
import re
import struct
import tracemalloc
from typing import Any, Callable

import pytest

from tests.fuzzing import mutate_bytes, run_mutants, write


class _GGUFBuilder:
    """A GGUF file written field by field, remembering where each header field is (offset, struct format, role)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.fields: list[tuple[int, str, str]] = []

    def put(self, fmt: str, value: Any, role: str = "") -> None:
        if role:
            self.fields.append((len(self.data), fmt, role))
        self.data += struct.pack(fmt, value)

    def string(self, s: str) -> None:
        b = s.encode()
        self.put("<Q", len(b), "string length")
        self.data += b

    def kv(self, key: str, vtype: int, write: Callable[[], None]) -> None:
        self.string(key)
        self.put("<I", vtype, "value type")
        write()


def gguf_seed() -> tuple[bytes, list[tuple[int, str, str]]]:
    b = _GGUFBuilder()
    b.data += b"GGUF"
    b.put("<I", 3, "version")
    b.put("<Q", 2, "tensor count")
    b.put("<Q", 7, "kv count")
    b.kv("general.architecture", 8, lambda: b.string("llama"))
    b.kv("general.type", 8, lambda: b.string("adapter"))
    b.kv("adapter.type", 8, lambda: b.string("lora"))
    b.kv("general.alignment", 4, lambda: b.put("<I", 32, "alignment"))
    b.kv("adapter.lora.alpha", 6, lambda: b.put("<f", 16.0))

    def strings() -> None:
        b.put("<I", 8, "array element type")
        b.put("<Q", 3, "array count")
        for s in ("a", "bc", "def"):
            b.string(s)

    def ints() -> None:
        b.put("<I", 5, "array element type")
        b.put("<Q", 4, "array count")
        for i in range(4):
            b.put("<i", i)

    b.kv("tokenizer.ggml.tokens", 9, strings)
    b.kv("tokenizer.ggml.token_type", 9, ints)
    for name, offset in (("blk.0.attn_q.weight.lora_a", 0), ("blk.0.attn_q.weight.lora_b", 32)):
        b.string(name)
        b.put("<I", 2, "tensor dims")
        b.put("<Q", 2, "tensor dim")
        b.put("<Q", 2, "tensor dim")
        b.put("<I", 0, "tensor type")
        b.put("<Q", offset, "tensor offset")
    b.data += b"\0" * (-len(b.data) % 32)
    b.data += struct.pack("<16f", *range(16))
    return bytes(b.data), b.fields


def gguf_mutants(rng: random.Random, n: int) -> list[tuple[bytes, str]]:
    seed, fields = gguf_seed()
    out: list[tuple[bytes, str]] = []
    for k in range(n):
        data = bytearray(seed)
        if k % 4 == 3:
            mutated, what = mutate_bytes(rng, seed)
            out.append((mutated, what))
            continue
        if k % 17 == 0:
            data[:4] = rng.choice([b"GGUF"[::-1], b"gguf", b"\0\0\0\0", b"GGU"])
            what = f"magic {bytes(data[:4])!r}"
        else:
            off, fmt, role = rng.choice(fields)
            size = struct.calcsize(fmt)
            top = 1 << (8 * size)
            value = rng.choice([0, 1, 2, 3, 9, top - 1, top // 2, 1 << 24, (1 << 24) + 1, len(seed), len(seed) * 8,
                                rng.randrange(top)])
            data[off:off + size] = value.to_bytes(size, "little")
            what = f"{role} at {off} = {value}"
        if k % 5 == 0:
            cut = rng.randrange(len(data))
            data = data[:cut]
            what += f"; truncate at {cut}"
        out.append((bytes(data), what))
    return out


def test_gguf_header_fuzz(tmp_path):
    from ragtune.appliance.ggufinfo import GGUFError, read_gguf

    rng = random.Random(3805)
    path = tmp_path / "adapter.gguf"
    seed, _ = gguf_seed()
    assert read_gguf(write(path, seed)).is_lora

    def call(data: bytes) -> None:
        write(path, data)
        tracemalloc.start()
        try:
            read_gguf(path)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            # a length field may claim gigabytes; the reader may allocate no more than the file holds
            assert peak < len(data) + (256 << 10), f"allocated {peak} bytes for a {len(data)}-byte file"

    run_mutants(gguf_mutants(rng, 300), call, (str(path),), (GGUFError,))


# -- the mutants that crashed the reader (and the limit beside each), kept as fixed cases ---------------------------
def _gguf_with(*changes: tuple[str, int, int]) -> bytes:
    """The fuzz seed with header fields set: (role, which of that role, value)."""
    data, fields = gguf_seed()
    data = bytearray(data)
    for role, nth, value in changes:
        off, fmt, _ = [f for f in fields if f[2] == role][nth]
        data[off:off + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(data)


def _nested_arrays(depth: int) -> bytes:
    head = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<I", 9)
    return head + struct.pack("<IQ", 9, 1) * depth + struct.pack("<IQ", 4, 0)


@pytest.mark.parametrize("data, message", [
    (_gguf_with(("string length", 0, 1 << 24)), "truncated GGUF file"),  # read() took 16 MB for a 576-byte file
    (_gguf_with(("array count", 1, 1 << 24)), "truncated GGUF file"),  # 64 MB (int32 elements)
    (_gguf_with(("array element type", 1, 10), ("array count", 1, 1 << 24)), "truncated GGUF file"),  # 128 MB
    (_nested_arrays(5000), "damaged GGUF header (arrays nested 9 deep)"),  # RecursionError
], ids=["string-length-2**24", "int32-array-count-2**24", "uint64-array-count-2**24", "arrays-nested-5000"])
def test_a_gguf_length_past_the_file_allocates_nothing(tmp_path, data, message):
    from ragtune.appliance.ggufinfo import GGUFError, read_gguf

    path = write(tmp_path / "a.gguf", data)
    tracemalloc.start()
    try:
        with pytest.raises(GGUFError, match=re.escape(message)):
            read_gguf(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 << 10


def test_nested_gguf_arrays_within_the_limit_are_read(tmp_path):
    from ragtune.appliance.ggufinfo import read_gguf

    assert read_gguf(write(tmp_path / "a.gguf", _nested_arrays(7))).metadata == {"k": 1}
