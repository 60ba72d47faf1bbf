"""How much machine this process has: the cores it may run on and the memory it may use. Read from what limits a
process (CPU affinity, a cgroup's quota, `ulimit -v`), not from what the host has: on a 1-core container of a
16-core host, 16 threads per library oversubscribe the one core (10-30x slower, benchmarks/README.md)."""

from __future__ import annotations

import math
import os
import resource
from pathlib import Path

from .errors import OutOfMemory

CGROUP = Path("/sys/fs/cgroup")
UNLIMITED = (1 << 62)  # a cgroup v1 "no limit" is 2^63 rounded down to a page: anything this large is none


def _cgroup_dir(root: Path = CGROUP) -> Path | None:
    """This process's cgroup v2 folder (`0::/path` in /proc/self/cgroup); None without cgroup v2."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                d = root / line[3:].lstrip("/")
                return d if d.is_dir() else None
    except OSError:
        pass
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, ValueError):
        return None


def cpu_quota(root: Path = CGROUP) -> float | None:
    """Cores' worth of CPU time a cgroup quota allows (`docker --cpus=1.5` -> 1.5); None when unlimited/unknown."""
    d = _cgroup_dir(root)
    v2 = _read(d / "cpu.max") if d is not None else None
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        pair = (quota, period or "100000")
    else:  # cgroup v1: the cpu controller's own mount
        pair = (_read(root / "cpu" / "cpu.cfs_quota_us") or "-1", _read(root / "cpu" / "cpu.cfs_period_us") or "0")
    try:
        q, p = int(pair[0]), int(pair[1])
    except ValueError:  # "max": no quota
        return None
    return q / p if q > 0 and p > 0 else None


def cores(root: Path = CGROUP) -> int:
    """Cores this process may use: its affinity (taskset, a cpuset), capped by a cgroup CPU quota rounded up."""
    try:
        n = len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        n = os.cpu_count() or 1
    quota = cpu_quota(root)
    return max(1, min(n, math.ceil(quota))) if quota else n


def threads_default() -> int:
    """Embedding, prompt processing, vector search, reranking: one thread per usable core, at most 4.
    Oversubscription on small shared boxes makes llama.cpp/onnxruntime 10-30x slower: never exceed `cores()`."""
    return max(1, min(4, cores()))


def gen_threads_default() -> int:
    """Token-by-token decoding: half the cores. Measured on a loaded 2-core box, 1 llama.cpp thread decoded
    54 tok/s while 2 threads with OpenMP spin-waiting fell to 6 tok/s (benchmarks/README.md). Embedding and decoding
    never overlap within a request, but other processes (ingest, the TUI, a second user) do."""
    return max(1, min(4, cores() // 2))


def memory_limit(root: Path = CGROUP) -> int | None:
    """Bytes of RAM this process may use: the host's, a cgroup's memory limit, whichever is lower; None unknown."""
    total = _meminfo("MemTotal")
    sizes: list[int] = [total] if total is not None else []
    d = _cgroup_dir(root)
    for f in ([d / "memory.max"] if d is not None else []) + [root / "memory" / "memory.limit_in_bytes"]:
        v = _read(f)
        if v is not None and v.isdigit() and 0 < int(v) < UNLIMITED:
            sizes.append(int(v))
    return min(sizes) if sizes else None


def memory_available() -> int | None:
    """Bytes the kernel could give now without swapping (MemAvailable); None where /proc/meminfo lacks it."""
    return _meminfo("MemAvailable")


def _meminfo(key: str) -> int | None:
    """A /proc/meminfo value in bytes (the file says kB), or None."""
    for line in (_read(Path("/proc/meminfo")) or "").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return None


def out_of_memory_hint(lower: str | None = None) -> str:
    """errors.OutOfMemory.hint with the free RAM and `ulimit -v` as they are now; `lower`: a setting that needs less."""
    return OutOfMemory.hint(memory_available(), address_space_limit(), lower)


def address_space_limit() -> int | None:
    """`ulimit -v` in bytes (None: unlimited). It counts mapped model files and reserved arenas, not RSS."""
    try:
        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    except (OSError, ValueError):
        return None
    return None if soft == resource.RLIM_INFINITY else soft


# What `ask` holds besides its model files: Python, onnxruntime, tantivy, llama.cpp's KV cache and compute buffers
# at n_ctx 2048. Measured (docs/install.md, "Small machines"): peak RSS 540 MB with the default models' 121 MB of files
# on one core; `ulimit -v` needs ~1.25 GB of address space for the same (1 GB: onnxruntime's bad_alloc).
RUNTIME_BYTES = 420 << 20
ADDRESS_SPACE_FACTOR = 2.3
# With `generate.backend = "openai"` this process loads the generation model's GGUF vocabulary-only (remote.py: the
# tokenizer and chat template), not its weights. Measured: +18 MB of RSS for the default model's 49,152 tokens
# (merges included), ~384 bytes a token.
VOCAB_BYTES_PER_TOKEN = 384


def vocab_bytes(n_tokens: int) -> int:
    """What a vocabulary-only load of a GGUF of `n_tokens` tokens holds in memory (an estimate)."""
    return max(0, n_tokens) * VOCAB_BYTES_PER_TOKEN


def fit(threads: dict[str, int], model_bytes: int, root: Path = CGROUP, *,
        remote: bool = False) -> tuple[str, str, str | None]:
    """(status, detail, hint) of `doctor`'s "machine" line: do the configured threads and the models fit the cores
    and the memory this process may use? A warn, never a fail: `ask` may still work, slowly or with swap.
    `remote`: generation runs on a server (`model_bytes` counts the generation model's vocabulary, not its file)."""
    from .text import human_size

    n, need = cores(root), model_bytes + RUNTIME_BYTES
    ram, avail, vlimit = memory_limit(root), memory_available(), address_space_limit()
    models = f"models {human_size(model_bytes)}" + (": the generation model's vocabulary only, it runs on the "
                                                    "generation server" if remote else "")
    detail = (f"{n} core{'s' if n != 1 else ''} usable; RAM {human_size(ram) if ram else 'unknown'}"
              f"{f', {human_size(avail)} available' if avail is not None else ''}; ask needs ~{human_size(need)} "
              f"({models})")
    over = [key for key, value in threads.items() if value > n]
    hints = [f"set {', '.join(over)} = {n} in config.toml: more threads than cores make each wait for the others "
             f"(the defaults follow the cores)"] if over else []
    if ram is not None and ram < need:
        hints.append("too little RAM for these models: a smaller [generate] model or [generate] n_ctx (the KV cache)")
    elif avail is not None and avail < need:
        hints.append("other programs hold the RAM ask needs: close some, or ask may be killed (exit 137) or swap")
    if vlimit is not None and vlimit < need * ADDRESS_SPACE_FACTOR:
        hints.append(f"`ulimit -v` is {human_size(vlimit)}: the mapped models and onnxruntime's arenas count against "
                     f"it; allow ~{human_size(int(need * ADDRESS_SPACE_FACTOR))}")
    return ("warn" if hints else "ok"), detail, "; ".join(hints) or None
