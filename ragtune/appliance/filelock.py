"""One exclusive lock for the home's writers (the vector index, the config file, the rollout state).

flock, not a lock file whose existence is the lock: the kernel drops an flock when the process holding it dies, so a
killed command never leaves a stale lock behind for the next one to trip over. The lock belongs to the open file,
not to the process: two opens in one process (two threads of a server) exclude each other too.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import BusyError, InputError, WriteRefused

POLL_S = 0.05  # how often a bounded wait retries
# What flock says on a file system that keeps no locks (an NFS mount whose lock service is unreachable: ENOLCK; some
# FUSE and network file systems: EOPNOTSUPP/ENOSYS/EINVAL). Not "held by another": nothing can be held there.
NO_LOCKS = frozenset({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL})


def no_locks(exc: OSError) -> bool:
    """flock failed because the file system keeps no locks (NO_LOCKS)."""
    return exc.errno in NO_LOCKS


class LocksUnavailable(WriteRefused):
    """The file system refuses flock (NO_LOCKS): a writer that must keep others out cannot, so it does not write.
    Exit 74 as any write the machine refused; the message names the file and the way out."""

    def __init__(self, path: Path | str, exc: OSError | None = None):
        why = (exc.strerror or os.strerror(exc.errno or 0)) if exc is not None else "it grants every lock to everyone"
        super().__init__(f"{path}: this file system keeps no file locks ({why}), and ragtune locks this file so that "
                         f"two commands never write it at once: nothing was written",
                         errno=(exc.errno if exc is not None else None) or errno.ENOLCK,
                         hint="put the home on a disk with working locks (a local file system; for NFS, its lock "
                              "service running), then run the command again")
        self.path = Path(path)


class LockBusy(BusyError, InputError):
    """Another holder kept the lock past the wait: exit 75, run it again later (errors.BusyError), as for a busy
    index. Still an InputError (it was one, exit 2) to those that catch one. Callers say which command holds it in
    their own words: `message` and `hint`."""

    def __init__(self, path: Path | str, wait_s: float, message: str | None = None, *, hint: str | None = None):
        super().__init__(message or f"{path}: locked by another process (waited {wait_s:g} s)", hint=hint)
        self.path = Path(path)
        self.wait_s = wait_s


@contextmanager
def exclusive(path: Path | str, *, wait_s: float | None = None, directory: bool = False) -> Iterator[int]:
    """Hold LOCK_EX on `path` for the block; yields the locked fd. A lock file is created when missing (mode 0o666
    less the umask, as open() makes files); with `directory` the path is a folder, opened read-only (nothing is
    created: the lock leaves no trace). `wait_s` None waits for as long as it takes; else the lock is retried until
    `wait_s` has passed, then LockBusy. A file system whose locks fail or keep no one out: LocksUnavailable (exit
    74), before the block runs. OSError from the open propagates for the caller to word. The fd is closed
    (releasing the lock) however the block ends."""
    fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            if wait_s is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                deadline = time.monotonic() + wait_s
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise LockBusy(path, wait_s) from None
                        time.sleep(POLL_S)
        except OSError as exc:
            if no_locks(exc):
                raise LocksUnavailable(path, exc) from None
            raise
        if locks_exclude(path, follow=True) is False:  # a lock that keeps no one out: two writers at once, unseen
            raise LocksUnavailable(path)
        yield fd
    finally:
        os.close(fd)


@contextmanager
def held_if_free(path: Path | str) -> Iterator[int | None]:
    """LOCK_EX on an existing file or folder if no other open file holds it now: yields the locked fd, or None when
    it is held (a live writer), gone, a symlink or not ours to open. For removing what a killed process left: its
    locks died with it, a live writer's lock makes its files untouchable. Nothing is created. Also None where the
    file system keeps no locks, or takes them without keeping anyone out (a second open of the file gets the lock
    too): there a writer's lock says nothing, and its file is never taken for a dead one's."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield None
            return
        yield fd if locks_exclude(path) else None  # None (cannot tell): not taken either
    finally:
        os.close(fd)


def locks_exclude(path: Path | str, *, follow: bool = False) -> bool | None:
    """While this process holds LOCK_EX on `path` through another open file: whether a second open of it is kept out,
    as flock promises. False on a file system whose locks are no-ops (some FUSE and network file systems say yes to
    every lock): a lock held there proves nothing. None when it cannot be told (the second open fails)."""
    try:
        probe = os.open(path, os.O_RDONLY | (0 if follow else os.O_NOFOLLOW))
    except OSError:
        return None
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True  # kept out: the lock is real
    except OSError:
        return False
    finally:
        os.close(probe)
    return False
