"""Atomic writes, the project's one way to put a file or folder in place: the content is written under a private
temporary name beside the destination and renamed over it only when complete, so a crash (or a concurrent
reader) never sees half a file. Outputs get the modes open()/mkdir() would give, not mkstemp's 0o600; a file that
replaces one keeps the old one's mode.

Temporaries a killed process left (`.NAME.<random>.part`, and `.NAME.old-PID` from a folder swap without
RENAME_EXCHANGE) are cleared by the next writer of NAME (sweep_stale: one listing of its folder), and those of a
home's known folders by the home's first open for writing in a process (home.sweep_leftovers). Each writer holds an
flock on its temporary (and, while it swaps, on the old copy) until it is renamed away, so only the dead's are taken.
Temporaries of older versions, made before they were locked, are cleared by sweep_legacy when clearly dead."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import InputError
from .filelock import held_if_free, no_locks


def default_file_mode() -> int:
    """0o666 minus the umask: what open() would give (mkstemp's 0o600 must not leak into outputs)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def nearest_folder(path: Path | str) -> Path:
    """`path`, or its nearest parent that exists as a folder: one a command such as `df -h` or `ls -ld` can be given,
    or whose file system a home not made yet will be on."""
    path = Path(path)
    while not path.is_dir() and path.parent != path:
        path = path.parent
    return path


def free_bytes(folder: Path | str) -> int | None:
    """Free space for this user on the file system `folder` (or, not made yet, its nearest folder) is on; None when
    it cannot be read."""
    try:
        vfs = os.statvfs(nearest_folder(folder))
    except OSError:
        return None
    return vfs.f_bavail * vfs.f_frsize


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
    a read-only disk), is an InputError naming the path, never a raw OSError. Run as root, the folders it makes get
    their parent's owner (give_to_folder_owner)."""
    path = check_folder(path)
    try:
        _mkdirs(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot create this folder: {exc.strerror or exc}") from None
    return path


def _mkdirs(path: Path) -> None:
    """`path.mkdir(parents=True, exist_ok=True)`, each folder made given to its parent's owner when run as root."""
    missing = [p for p in (path, *path.parents) if not os.path.lexists(p)]
    path.mkdir(parents=True, exist_ok=True)
    for p in reversed(missing):
        give_to_folder_owner(p)


def give_to_folder_owner(path: Path | str) -> None:
    """Run as root in a folder of another user's (`sudo ragtune ingest` in that user's home), what is made there
    (a file, or a folder and all in it) gets the folder's owner and group, as SQLite gives its `-wal`/`-shm` the
    database's owner: left root's, and private, the home's owner could no longer read its own config.toml, registry
    or database, nor enter a folder root made. Nothing for any other user (who cannot give files away), nor in a
    folder root owns. Best effort: a file system without owners (vfat) keeps what it has."""
    if os.geteuid() != 0:
        return
    path = Path(path)
    try:
        st = os.stat(path.parent)
        if st.st_uid == 0:
            return
        os.lchown(path, st.st_uid, st.st_gid)
        # by descriptors, links never followed: a folder swapped for a link meanwhile gives nothing else away
        for _, dirs, files, dir_fd in os.fwalk(path, follow_symlinks=False):
            for name in (*dirs, *files):
                os.chown(name, st.st_uid, st.st_gid, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        pass


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Any = None  # libc's, once looked up; False where there is none


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2 RENAME_EXCHANGE). False where the C library, the kernel
    or the file system has no such call: the caller falls back to two renames."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform.startswith("linux"):
            try:
                fn = ctypes.CDLL(None, use_errno=True).renameat2
                fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                fn.restype = ctypes.c_int
                _renameat2 = fn
            except (AttributeError, OSError):  # glibc < 2.28, musl: no renameat2
                pass
    if not _renameat2:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):  # an old kernel or file system
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def stale_names(name: str | None) -> re.Pattern[str]:
    """`.NAME.<mkstemp's 8 characters>.part` and `.NAME.old-PID` (NAME any when None)."""
    n = ".+" if name is None else re.escape(name)
    return re.compile(rf"^\.(?P<name>{n})\.(?:[a-z0-9_]{{8}}\.part|old-(?P<pid>[0-9]+))$", re.DOTALL)


def sweep_stale(folder: Path | str, name: str | None = None) -> None:
    """Clear what killed writers of `folder/NAME` (every NAME when None) left: a temporary is removed, and a folder
    renamed aside by a swap that never finished is put back where its destination is missing (removed where the new
    one is in place). Only entries no live process holds locked (a writer holds its temporary's lock until the
    rename): one listing of `folder`, never a tree walk. Best effort: what cannot be removed stays."""
    folder = Path(folder)
    pattern = stale_names(name)
    try:
        entries = [e.name for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return
    for entry in entries:
        m = pattern.match(entry)
        if not m:
            continue
        path = folder / entry
        with held_if_free(path) as fd:
            if fd is None or not _same_file(fd, path):
                continue
            dest = folder / m.group("name")
            if m.group("pid") is not None and not os.path.lexists(dest):
                try:
                    os.replace(path, dest)  # killed between a swap's two renames: the old copy, whole, is back
                    continue
                except OSError:
                    pass
            _remove(path)


LEGACY_IDLE_S = 86400.0  # untouched this long: no conversion or dequantize runs for a day without writing
# A LoRA conversion's work folder before round 39 (`.ragtune-lora-XXXXXXXX` beside OUT, unlocked, pid-less): here, not
# in converters, because the home's open sweeps it too (`tune default` converts into HOME/tune/RECIPE).
OLD_LORA_TEMP = re.compile(r"^\.ragtune-lora-[a-z0-9_]{8}$")


def sweep_legacy(folder: Path | str, pattern: re.Pattern[str], max_idle_s: float = LEGACY_IDLE_S) -> None:
    """Remove the temporaries older versions made without a lock (names matching `pattern`, one listing of `folder`)
    whose writer is clearly dead: nothing holds them locked, and their owner pid (the pattern's `pid` group) is not
    alive or nothing in them changed for `max_idle_s` (a reused pid). A pid-less one gets only the age test: a live
    older ragtune may still be writing it. Symlinks are never followed nor removed. Best effort."""
    folder = Path(folder)
    try:
        found = [(folder / e.name, m.groupdict().get("pid"))
                 for e in os.scandir(folder) if (m := pattern.match(e.name))]
    except OSError:
        return
    for path, pid in found:
        with held_if_free(path) as fd:  # None: held by someone, gone, or a symlink
            if fd is None or not _same_file(fd, path):
                continue
            if (pid is not None and not _pid_alive(int(pid))) or _idle_s(path) > max_idle_s:
                _remove(path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or a number no pid can be
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def _idle_s(path: Path) -> float:
    """Seconds since `path` or an entry directly in it last changed."""
    newest = 0.0
    try:
        newest = path.lstat().st_mtime
        if path.is_dir() and not path.is_symlink():
            for e in os.scandir(path):
                newest = max(newest, e.stat(follow_symlinks=False).st_mtime)
    except OSError:
        pass
    return time.time() - newest


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.lstat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def replace_into(tmp: Path | str, dest: Path | str, *, keep_existing: bool = False, perms: int | None = None,
                 new_perms: int | None = None) -> bool:
    """Move a finished temporary file or folder onto `dest`. A folder replaces an existing folder by a swap
    (RENAME_EXCHANGE where Linux has it; else the old one is renamed aside, then the new one in: a kill between the
    two is undone by the next sweep_stale of `dest`), then the old copy is removed. With `keep_existing`, an
    existing `dest` wins instead and `tmp` is removed (a concurrent writer finished first and its copy is
    equivalent). True if `tmp` was placed. `perms`: the new file's mode bits instead of open()'s (set before the
    rename: never readable more widely). Without `perms`, a file that replaces a regular file keeps that file's mode:
    one its owner made private (a 0600 export of the query log) does not become world-readable by being rewritten;
    one that replaces none (or a link) gets `new_perms` when given (a new config.toml or log export: owner-only)."""
    tmp, dest = Path(tmp), Path(dest)
    if perms is None and not tmp.is_dir():
        perms = _kept_mode(dest)
        perms = new_perms if perms is None else perms
    os.chmod(tmp, perms if perms is not None else default_file_mode() | (0o111 if tmp.is_dir() else 0))
    give_to_folder_owner(tmp)  # root writing in a user's home: the user's file, as if they had written it
    if keep_existing and dest.exists():
        _remove(tmp)
        return False
    if dest.is_dir() and not dest.is_symlink():
        if _exchange(tmp, dest):
            _remove(tmp)  # the old copy now
            return True
        sweep_stale(dest.parent, dest.name)  # an old copy a killed swap left under our name would be in the way
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        with held_if_free(dest):  # follows it aside: a sweep meanwhile leaves the old copy where it is
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


def _kept_mode(dest: Path) -> int | None:
    """The permission bits of the regular file at `dest` (not a link's: a link is replaced, its target untouched),
    or None."""
    try:
        st = os.lstat(dest)
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) & 0o777 if stat.S_ISREG(st.st_mode) else None


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
                perms: int | None = None, new_perms: int | None = None) -> Iterator[Path]:
    """A private temporary path beside `dest` (an empty file, or an empty folder with `folder=True`) for the
    block to fill; moved onto `dest` when the block ends normally (see replace_into), removed if it raises."""
    dest = Path(dest)
    if is_special(dest):
        raise InputError(f"{dest}: not a regular file (a device, pipe or socket): give a file path")
    _mkdirs(dest.parent)
    sweep_stale(dest.parent, dest.name)
    tmp, fd = locked_temporary(dest, folder)
    try:
        yield tmp
        replace_into(tmp, dest, keep_existing=keep_existing, perms=perms, new_perms=new_perms)
    finally:
        if tmp.exists():
            _remove(tmp)
        os.close(fd)  # only now: a sweep never takes a temporary before its rename


def locked_temporary(dest: Path, folder: bool) -> tuple[Path, int]:
    """A new temporary beside `dest` (`.NAME.<8>.part`) and an fd holding its flock: `sweep_stale` leaves it alone
    while the fd is open; close the fd after the temporary is renamed or removed. A sweep may take it between its
    creation and the lock (it looked unowned): then it is gone, and another is made."""
    while True:
        if folder:
            tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent))
            try:
                fd = os.open(tmp, os.O_RDONLY)
            except FileNotFoundError:  # swept already
                continue
        else:
            fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
            tmp = Path(name)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a sweep holds it only while it removes: then the path is gone
        except OSError as exc:
            if not no_locks(exc):
                os.close(fd)
                _remove(tmp)
                raise
            # a file system without locks: unlocked, it is still safe from sweeps, which take only what they could
            # lock (held_if_free); a killed writer's temporary then stays until removed by hand
        if _same_file(fd, tmp):
            return tmp, fd
        os.close(fd)


@contextmanager
def atomic_open(dest: Path | str, mode: str = "w", *, encoding: str | None = "utf-8",
                perms: int | None = None, new_perms: int | None = None) -> Iterator[IO[Any]]:
    """`with atomic_open(path) as fh: fh.write(…)`: flushed and fsynced, then renamed onto `path`. A device or a
    pipe (`--out /dev/null`) is written in place: there is nothing to keep whole there. A failed write (a full
    disk) names `dest`."""
    try:
        if is_special(dest):
            with open(dest, mode, encoding=None if "b" in mode else encoding) as fh:
                yield fh
            return
        with atomic_path(dest, perms=perms, new_perms=new_perms) as tmp:
            with open(tmp, mode, encoding=None if "b" in mode else encoding) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        if exc.filename is None:  # write() and flush() say only "No space left on device"
            exc.filename = str(dest)
        raise


def atomic_write_text(dest: Path | str, text: str, *, perms: int | None = None, new_perms: int | None = None) -> None:
    with atomic_open(dest, perms=perms, new_perms=new_perms) as fh:
        fh.write(text)


def atomic_write_bytes(dest: Path | str, data: bytes) -> None:
    with atomic_open(dest, "wb") as fh:
        fh.write(data)


def atomic_write_json(dest: Path | str, obj: Any, *, indent: int | None = 2, sort_keys: bool = True,
                      ensure_ascii: bool = True, default: Any = None, perms: int | None = None) -> None:
    """JSON plus a final newline (indent 2, sorted keys unless told otherwise); `perms` as atomic_write_text's."""
    atomic_write_text(dest, json.dumps(obj, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii,
                                       default=default) + "\n", perms=perms)
