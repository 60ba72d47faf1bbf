"""Whether a `ragtune serve` is running on a home: the server holds a shared flock on HOME/serve.lock while it loads
its models and serves, and `config set` (which cannot change what a running server read at its start) tries the
exclusive lock without waiting. An flock, not a pid file: the kernel drops it when the process dies, so a killed
server leaves no stale marker (filelock.py); several servers on one home share it."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

MARKER = "serve.lock"


@contextmanager
def serving_marker(root: Path | str) -> Iterator[None]:
    """Hold the marker for the block. Best effort: a home this process cannot write to just has none."""
    try:
        fd = os.open(Path(root) / MARKER, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while `serving` holds its exclusive try (microseconds)
        except OSError:  # a file system without flock
            pass
        yield
    finally:
        os.close(fd)


def serving(root: Path | str) -> bool:
    """Whether a server holds the marker of the home `root` now. Creates nothing."""
    try:
        fd = os.open(Path(root) / MARKER, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # none: no server has run here (or it cannot be read: we cannot tell)
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # (releases the lock if it was taken)
    return False
