"""sha256, the project's one content hash: artifact ids, default-model checks, document and chunk hashes,
dataset identities. Files are memoised per (path, size, mtime) within the process; `clear_caches()` forgets."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import ModelError

_FILE_CACHE: dict[tuple[str, int, int], str] = {}
_DIR_CACHE: dict[tuple, str] = {}


def sha256_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def sha256_text(text: str) -> str:
    """sha256 of the UTF-8 bytes of a string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path | str, *, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes; memoised per (path, size, mtime) within the process."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key in _FILE_CACHE:
        return _FILE_CACHE[key]
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    _FILE_CACHE[key] = h.hexdigest()
    return _FILE_CACHE[key]


def sha256_path(path: Path | str) -> str:
    """sha256 of a file (= sha256_file), or of a directory as sha256 over its sorted "relative path<TAB>file
    sha256" lines, so the id of a folder does not depend on file order or timestamps."""
    p = Path(path)
    if p.is_file():
        return sha256_file(p)
    if not p.is_dir():
        raise ModelError(f"{p}: no such file or directory")
    files = sorted((f for f in p.rglob("*") if f.is_file()), key=lambda f: f.relative_to(p).as_posix())
    if not files:
        raise ModelError(f"{p}: directory is empty")
    key = (str(p.resolve()),) + tuple((f.relative_to(p).as_posix(), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    if key in _DIR_CACHE:
        return _DIR_CACHE[key]
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.relative_to(p).as_posix()}\t{sha256_file(f)}\n".encode())
    _DIR_CACHE[key] = h.hexdigest()
    return _DIR_CACHE[key]


def clear_caches() -> None:
    """Forget memoised hashes (a verification that must re-read every byte)."""
    _FILE_CACHE.clear()
    _DIR_CACHE.clear()
