"""Atomic writes, the project's one way to put a file or folder in place: the content is written under a private
temporary name beside the destination and renamed over it only when complete, so a crash (or a concurrent
reader) never sees half a file. Outputs get the modes open()/mkdir() would give, not mkstemp's 0o600."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import InputError


def default_file_mode() -> int:
    """0o666 minus the umask: what open() would give (mkstemp's 0o600 must not leak into outputs)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def check_folder(path: Path | str) -> Path:
    """`path` when it is a folder or could be made one: an InputError naming the file in the way otherwise (an
    --out, a home or an export path given by a user), checked before any long work starts."""
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise InputError(f"{path}: exists and is not a folder" if p == path else
                                 f"{path}: cannot create this folder: {p} is a file")
            break
    return path


def make_dir(path: Path | str) -> Path:
    """`mkdir -p` for a folder a user named: a file in the way, or a folder that cannot be created (permissions,
    a read-only disk), is an InputError naming the path, never a raw OSError."""
    path = check_folder(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create this folder: {exc.strerror or exc}") from None
    return path


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def replace_into(tmp: Path | str, dest: Path | str, *, keep_existing: bool = False, perms: int | None = None) -> bool:
    """Move a finished temporary file or folder onto `dest`. A folder replaces an existing folder by a swap
    (the old one is renamed aside, then removed). With `keep_existing`, an existing `dest` wins instead and
    `tmp` is removed (a concurrent writer finished first and its copy is equivalent). True if `tmp` was placed.
    `perms`: the new file's mode bits instead of open()'s (set before the rename: never readable more widely)."""
    tmp, dest = Path(tmp), Path(dest)
    os.chmod(tmp, perms if perms is not None else default_file_mode() | (0o111 if tmp.is_dir() else 0))
    if keep_existing and dest.exists():
        _remove(tmp)
        return False
    if dest.is_dir() and not dest.is_symlink():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
        return True
    try:
        os.replace(tmp, dest)
    except OSError:
        if keep_existing and dest.exists():  # lost a race to another writer
            _remove(tmp)
            return False
        raise
    return True


def is_special(path: Path | str) -> bool:
    """A device, pipe or socket (`--out /dev/null`, /dev/stdout): a file renamed over it would replace it (run as
    root, the device node itself), so it is written in place or refused, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def atomic_path(dest: Path | str, *, folder: bool = False, keep_existing: bool = False,
                perms: int | None = None) -> Iterator[Path]:
    """A private temporary path beside `dest` (an empty file, or an empty folder with `folder=True`) for the
    block to fill; moved onto `dest` when the block ends normally (see replace_into), removed if it raises."""
    dest = Path(dest)
    if is_special(dest):
        raise InputError(f"{dest}: not a regular file (a device, pipe or socket): give a file path")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if folder:
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        replace_into(tmp, dest, keep_existing=keep_existing, perms=perms)
    finally:
        if tmp.exists():
            _remove(tmp)


@contextmanager
def atomic_open(dest: Path | str, mode: str = "w", *, encoding: str | None = "utf-8",
                perms: int | None = None) -> Iterator[IO[Any]]:
    """`with atomic_open(path) as fh: fh.write(…)`: flushed and fsynced, then renamed onto `path`. A device or a
    pipe (`--out /dev/null`) is written in place: there is nothing to keep whole there. A failed write (a full
    disk) names `dest`."""
    try:
        if is_special(dest):
            with open(dest, mode, encoding=None if "b" in mode else encoding) as fh:
                yield fh
            return
        with atomic_path(dest, perms=perms) as tmp:
            with open(tmp, mode, encoding=None if "b" in mode else encoding) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        if exc.filename is None:  # write() and flush() say only "No space left on device"
            exc.filename = str(dest)
        raise


def atomic_write_text(dest: Path | str, text: str, *, perms: int | None = None) -> None:
    with atomic_open(dest, perms=perms) as fh:
        fh.write(text)


def atomic_write_bytes(dest: Path | str, data: bytes) -> None:
    with atomic_open(dest, "wb") as fh:
        fh.write(data)


def atomic_write_json(dest: Path | str, obj: Any, *, indent: int | None = 2, sort_keys: bool = True,
                      ensure_ascii: bool = True, default: Any = None) -> None:
    """JSON plus a final newline (indent 2, sorted keys unless told otherwise)."""
    atomic_write_text(dest, json.dumps(obj, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii,
                                       default=default) + "\n")
