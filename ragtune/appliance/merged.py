"""Serving an adapter merged into its base model: each LoRA target weight is dequantized, given the adapter's
product scale · (alpha / r) · B · A, and stored as Q8_0 in a copy of the base GGUF; every other tensor and all metadata
are copied unchanged. The file is derived state, built once per (base, adapter, scale) in the models cache
(`$RAGTUNE_MODELS/merged/`, content-addressed by both sha256s and the scale) and checked against its stamp before use.
`scale` is `generate.adapter_scale` (llama.cpp's --lora-scaled): at 1.0, the adapter as trained, the file name and
stamp are those of the merges before the scale existed, so their caches stay valid.

Why (benchmarks/README.md, round 16): llama.cpp applies a run-time LoRA as two extra small matmuls per target per
layer. For the default adapter (all linear projections, r = 16) on the 135M model that cost +11–14 % prompt time and
+25–50 % per decoded token on one CPU thread, which put arm C's p95 latency at the 1.10 × limit. Merged, the adapter
costs nothing per token, and Q8_0 weights take llama.cpp's int8 matmul path: a 520-token prompt evaluated in 1.9 s
against 2.9 s for the Q4_1 base. The merged model's next-token distribution matches the run-time LoRA's (mean KL
0.003 nats over 40 positions; 0.15 between the adapter and the base).
An F16 merge, closer still to the trained adapter, answered no better (round 21: −7 questions over the two report
sets, within the ±9 a paired run moves by numerics alone) and is 1.7× the size: Q8_0 stays.

`merge_into` returns None for what it cannot merge exactly (a weight type numpy cannot dequantize, an embedding
target): the generator then applies the adapter at run time as before.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

from .errors import InputError, ModelError
from .jsonl import loads_located

MERGE_FORMAT = 1  # bump when the merge changes what it writes: older files are then rebuilt
KEEP = 4  # merged models kept in the cache, the most recently used (each is about the base's size at Q8_0)
log = logging.getLogger("ragtune.merged")


def merged_dir() -> Path:
    from .default_models import models_cache

    return models_cache() / "merged"


def merged_path(base_sha: str, adapter_sha: str, scale: float = 1.0) -> Path:
    tag = "" if scale == 1.0 else f"-s{float(scale)!r}"  # repr: the shortest text that is exactly this float
    return merged_dir() / f"{base_sha[:16]}-{adapter_sha[:16]}{tag}-q8_0.gguf"


def _stamp(base_sha: str, adapter_sha: str, merged_sha: str, scale: float = 1.0) -> dict[str, Any]:
    return {"format": MERGE_FORMAT, "base": base_sha, "adapter": adapter_sha, "type": "q8_0", "sha256": merged_sha,
            **({} if scale == 1.0 else {"scale": float(scale)})}


def ensure_merged(base: Path, base_sha: str, adapter: Path, adapter_sha: str, scale: float = 1.0) -> Path | None:
    """The merged GGUF for this pair at this scale: reused when its stamp and bytes check out, else built
    (atomically, so concurrent engines never see half a file). None: this pair is served with a run-time LoRA
    instead (not mergeable, the cache cannot be written, or another user could have written what is there)."""
    from .atomic import atomic_path, atomic_write_json
    from .hashing import sha256_file

    out = merged_path(base_sha, adapter_sha, scale)
    stamp_path = out.with_name(out.name + ".json")
    _tighten(out.parent)
    why = _untrusted(out) or _untrusted(stamp_path)
    if why and not all(_mine(p) for p in (out, stamp_path)):
        log.warning("not loading the merged model: %s (whoever can write it chooses the code every user runs): "
                    "adapter %s is applied at run time; docs/security.md, \"File permissions\"", why, adapter_sha[:12])
        return None
    try:
        if why:  # this user's own, but group- or world-writable (made under umask 002): its bytes are not trusted
            raise ValueError(why)
        stamp = loads_located(stamp_path.read_bytes(), stamp_path)
        if out.is_file() and stamp == _stamp(base_sha, adapter_sha, sha256_file(out), scale):
            try:
                os.utime(stamp_path)  # recently used, for _prune (the model's own mtime keys sha256_file's memo)
            except OSError:
                pass  # another user's stamp (EPERM) or a read-only cache: only _prune's recency is lost
            return out
    except (OSError, ValueError, InputError):
        pass  # absent or damaged (a long number, [[[[… too): built again below
    try:
        _make_folder(out.parent)
        # 0644 whatever the umask: code every user of the cache loads is written by its owner only
        with atomic_path(out, perms=0o644) as tmp:
            if merge_into(base, adapter, tmp, scale=scale) is None:
                raise _NotMergeable
        atomic_write_json(stamp_path, _stamp(base_sha, adapter_sha, sha256_file(out), scale), perms=0o644)
        _prune(out)
    except (_NotMergeable, ValueError, KeyError, IndexError):
        return None  # not mergeable, or not a GGUF gguf-py can read: llama.cpp's loader gives the error
    except (OSError, InputError) as exc:
        log.warning("cannot write the merged model (%s): adapter %s is applied at run time", exc, adapter_sha[:12])
        return None
    return out


def _make_folder(folder: Path) -> None:
    """`merged/` made 0755 whatever the umask (under 002 it was 0775: any member of a shared cache's group could
    replace a merged model)."""
    from .atomic import give_to_folder_owner, make_dir

    if not folder.is_dir():
        make_dir(folder.parent)  # the models cache: InputError naming it when it cannot be made
        folder.mkdir(exist_ok=True)
        os.chmod(folder, 0o755)
        give_to_folder_owner(folder)  # root serving from a user's cache: the user's, as atomic.py's folders are


def _tighten(folder: Path) -> None:
    """This user's own `merged/` made group- or world-writable before (umask 002): 0755 again. Another user's is
    left as it is (then _untrusted judges what is in it)."""
    try:
        st = folder.stat()
        if st.st_uid == os.geteuid() and st.st_mode & 0o022:
            os.chmod(folder, stat.S_IMODE(st.st_mode) & ~0o022)
    except OSError:
        pass  # not there yet, or not ours to change


def _mine(path: Path) -> bool:
    try:
        return path.lstat().st_uid == os.geteuid()
    except FileNotFoundError:
        return True  # nothing there: nothing to distrust


def _untrusted(path: Path) -> str | None:
    """Why `path` (a merged model or its stamp) may have been written by another user than its owner: it is group-
    or world-writable, or it is neither this user's nor root's and a folder it is in (merged/, the models cache) may
    be written by others, who could have put it there. None when only its owner, this user or root could have."""
    try:
        st = path.lstat()
    except OSError:
        return None  # absent: built below (or the build says why not)
    if st.st_mode & 0o022:  # (a symbolic link too: 0777)
        return f"{path} may be written by {'its group' if st.st_mode & 0o020 else 'other users'}"
    if st.st_uid in (os.geteuid(), 0):
        return None
    for folder in (path.parent, path.parent.parent):
        try:
            mode = folder.stat().st_mode
        except OSError:
            continue
        if mode & 0o022 and not mode & stat.S_ISVTX:
            return f"{path} is another user's, in {folder}, which its group or other users may write"
    return None


class _NotMergeable(Exception):
    pass


def pin(path: Path) -> int | None:
    """Hold a shared flock on the merged model `path` while a generator has it loaded: _prune (of this or any
    process) then leaves it. Returns the fd to close when the model is unloaded; None on a file system that keeps no
    locks (served unpinned; _prune then removes nothing there). FileNotFoundError when the file was pruned or
    replaced before the lock was had: ensure it again."""
    import fcntl

    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a _prune holds it (for one unlink)
        held, now = os.fstat(fd), os.stat(path)  # FileNotFoundError: pruned meanwhile
        if (held.st_dev, held.st_ino) != (now.st_dev, now.st_ino):
            raise FileNotFoundError(f"{path} was replaced while being pinned")
        return fd
    except OSError as exc:
        os.close(fd)
        from .filelock import no_locks

        if no_locks(exc):
            return None
        raise


def _in_use(path: Path) -> int | None:
    """An fd holding LOCK_EX on `path` when no one pins it (pin), to unlink it under; None when it is pinned,
    gone, or the file system cannot say (no locks): then it is kept."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except OSError:
        os.close(fd)
        return None


def _prune(keep: Path) -> None:
    """Remove all but the KEEP most recently used merged models, by their stamps' mtimes, and never one that a
    generator of any process has loaded (pinned: pin), whatever its age: it would be built again (minutes) the
    next time that process loads it, and its disk space is not freed while it is mapped anyway."""
    def used(p: Path) -> int:
        try:
            return p.with_name(p.name + ".json").stat().st_mtime_ns
        except OSError:
            return 0  # no stamp: never checked, first to go

    files = sorted(keep.parent.glob("*-q8_0.gguf"), key=used, reverse=True)
    for old in [p for p in files if p != keep][KEEP - 1:]:
        fd = _in_use(old)
        if fd is None:
            continue
        try:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".json").unlink(missing_ok=True)
        finally:
            os.close(fd)


def merge_into(base: Path | str, adapter: Path | str, out: Path | str, *, scale: float = 1.0) -> int | None:
    """Write `base` with `adapter` merged into it at `scale` (W + scale · (alpha / r) · B · A) to `out`; the number
    of weights merged, or None (nothing written that counts) when a target cannot be merged exactly. A LoRA whose
    shapes do not fit the base is a ModelError, as it would be at run time."""
    import gguf
    import numpy as np

    b, a = gguf.GGUFReader(str(base)), gguf.GGUFReader(str(adapter))
    lora = {t.name: t for t in a.tensors}
    field = a.fields.get("adapter.lora.alpha")
    alpha = float(field.contents()) if field is not None else 0.0
    targets = {n[: -len(".lora_a")] for n in lora if n.endswith(".lora_a")}
    names = {t.name for t in b.tensors}
    if missing := sorted(targets - names):
        raise ModelError(f"{adapter}: LoRA tensors for {missing[0]} which {Path(base).name} does not have",
                         hint="is the adapter converted for this base model?")
    if "token_embd.weight" in targets:
        return None  # llama.cpp applies an embedding LoRA by row lookup; not merged here
    w = gguf.GGUFWriter(str(out), arch=str(b.fields["general.architecture"].contents()))
    for key, f in b.fields.items():
        if key.startswith("GGUF.") or key in ("general.architecture", "general.alignment"):
            continue  # written by the writer itself
        vtype = f.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            w.add_key_value(key, f.contents(), vtype, sub_type=f.types[-1])
        else:
            w.add_key_value(key, f.contents(), vtype)
    merged = 0
    for t in b.tensors:
        if t.name not in targets:
            w.add_tensor(t.name, t.data, raw_shape=t.data.shape, raw_dtype=t.tensor_type)
            continue
        try:
            weight = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        except NotImplementedError:
            return None
        la = np.asarray(lora[t.name + ".lora_a"].data, dtype=np.float32)  # (r, in)
        lb = np.asarray(lora[t.name + ".lora_b"].data, dtype=np.float32)  # (out, r)
        if la.shape[0] != lb.shape[1] or weight.shape != (lb.shape[0], la.shape[1]):
            raise ModelError(f"{adapter}: LoRA for {t.name} has shape {lb.shape[0]}×{la.shape[1]}, the base "
                             f"weight {weight.shape[0]}×{weight.shape[1]}",
                             hint="is the adapter converted for this base model?")
        factor = alpha / la.shape[0] if alpha else 1.0  # llama.cpp's rule: no alpha, alpha / r = 1
        weight += scale * factor * (lb @ la)  # scale 1.0: 1.0 * factor is factor, the merge as before bit for bit
        qtype = gguf.GGMLQuantizationType.Q8_0 if weight.shape[1] % 32 == 0 else gguf.GGMLQuantizationType.F16
        data = gguf.quants.quantize(weight, qtype)
        w.add_tensor(t.name, data, raw_shape=data.shape, raw_dtype=qtype)
        merged += 1
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return merged
