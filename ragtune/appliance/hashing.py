"""sha256, the project's one content hash: artifact ids, default-model checks, document and chunk hashes,
dataset identities. Files are memoised within the process by what identifies their bytes on disk (path, device,
inode, size, mtime and ctime, in ns); `clear_caches()` forgets.

What a memo may not trust: a file rewritten in place within its timestamps' granularity (a coarse clock tick; 1-2 s
on some file systems), or stamped back with utime (`cp -p`, `tar x`, `rsync -t`), keeps its size and mtime. The
ctime cannot be set back (utime moves it to now) and a replacement by rename has another inode; and a hash is
memoised only once the file has been left alone for RACY_NS (git's "racily clean" rule), so that any later write
lands on a later tick and changes the key."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from .atomic import is_special
from .errors import ModelError

RACY_NS = 2_000_000_000  # a file changed more recently than this may change again unseen by its timestamps
_FILE_CACHE: dict[tuple, str] = {}
_DIR_CACHE: dict[tuple, str] = {}


def sha256_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def sha256_text(text: str) -> str:
    """sha256 of the UTF-8 bytes of a string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _settled(st: os.stat_result) -> bool:
    """Whether the file was last changed long enough ago that a later write cannot keep its timestamps."""
    return time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS


def _not_special(p: Path, what: str) -> None:
    """A device, pipe or socket has no bytes to hash: /dev/zero would be read forever, a pipe waits for a writer."""
    if is_special(p):
        raise ModelError(f"{p}: a device, pipe or socket, not {what}")


def sha256_file(path: Path | str, *, chunk: int = 1 << 20, cached: bool = True) -> str:
    """sha256 of a file's bytes; memoised by the file's identity on disk (see the module's docstring). `cached=False`:
    read now, neither taken from nor kept in the memo (`backup --verify` must see bytes changed in place)."""
    p = Path(path)
    st = p.stat()
    _not_special(p, "a file")
    key = (str(p.resolve()),) + _identity(st)
    if cached and key in _FILE_CACHE:
        return _FILE_CACHE[key]
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    digest = h.hexdigest()
    after = p.stat()
    if cached and _identity(after) == key[1:] and _settled(after):  # not written while it was read, nor just before
        _FILE_CACHE[key] = digest
    return digest


def sha256_path(path: Path | str, *, cached: bool = True) -> str:
    """sha256 of a file (= sha256_file), or of a directory as sha256 over its sorted "relative path<TAB>file
    sha256" lines, so the id of a folder does not depend on file order or timestamps. `cached=False`: every byte
    read now, no memo used or kept (sha256_file)."""
    p = Path(path)
    if p.is_file():
        return sha256_file(p, cached=cached)
    if not p.is_dir():
        _not_special(p, "a file or folder")
        raise ModelError(f"{p}: no such file or directory")
    files = sorted((f for f in p.rglob("*") if f.is_file()), key=lambda f: f.relative_to(p).as_posix())
    if not files:
        raise ModelError(f"{p}: directory is empty")
    stats = [f.stat() for f in files]
    key = (str(p.resolve()),) + tuple((f.relative_to(p).as_posix(),) + _identity(st) for f, st in zip(files, stats))
    if cached and key in _DIR_CACHE:
        return _DIR_CACHE[key]
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.relative_to(p).as_posix()}\t{sha256_file(f, cached=cached)}\n".encode())
    digest = h.hexdigest()
    after = [f.stat() for f in files]
    if cached and all(_identity(a) == _identity(b) and _settled(a) for a, b in zip(after, stats)):
        _DIR_CACHE[key] = digest
    return digest


def clear_caches() -> None:
    """Forget memoised hashes (a verification that must re-read every byte)."""
    _FILE_CACHE.clear()
    _DIR_CACHE.clear()
