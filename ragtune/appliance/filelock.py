"""One exclusive lock for the home's writers (the vector index, the config file, the rollout state).

flock, not a lock file whose existence is the lock: the kernel drops an flock when the process holding it dies, so a
killed command never leaves a stale lock behind for the next one to trip over. The lock belongs to the open file,
not to the process: two opens in one process (two threads of a server) exclude each other too.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import BusyError, InputError

POLL_S = 0.05  # how often a bounded wait retries


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
    `wait_s` has passed, then LockBusy. OSError from the open propagates for the caller to word. The fd is closed
    (releasing the lock) however the block ends."""
    fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR | os.O_CREAT, 0o666)
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
        yield fd
    finally:
        os.close(fd)


@contextmanager
def held_if_free(path: Path | str) -> Iterator[int | None]:
    """LOCK_EX on an existing file or folder if no other open file holds it now: yields the locked fd, or None when
    it is held (a live writer), gone, a symlink or not ours to open. For removing what a killed process left: its
    locks died with it, a live writer's lock makes its files untouchable. Nothing is created."""
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
        yield fd
    finally:
        os.close(fd)
