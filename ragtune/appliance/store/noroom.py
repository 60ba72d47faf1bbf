"""A database write SQLite refused for want of room, as the error a person can act on (base.py raises it)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX: no file size limit to meet
    resource = None  # type: ignore[assignment]

from ..atomic import nearest_folder
from ..errors import WriteRefused

LOW_ROOM = 1 << 20  # under this free, SQLite's "disk I/O error" is a -wal (or -shm) it could not grow or make


def no_room(path: Path, exc: Exception, free: int | None, doing: str = "cannot write to the database",
            more: str = "") -> WriteRefused | None:
    """A WriteRefused (errno ENOSPC, exit 74 as any write the machine refused) when SQLite failed on `path` for want
    of room: its FullError (SQLite's word for ENOSPC, whose errno it clears), or its IOError with under LOW_ROOM
    `free` on the database's file system. Not a StoreError's 4 (damaged): the database is whole and unchanged (each
    change is one transaction). An ingest stops at it (run.py lets it through) rather than embed every later file
    only to fail the same way (round 46: one failed file per document). None for any other error."""
    from ..text import human_size

    kind = type(exc).__name__
    low = free is not None and free < LOW_ROOM
    if kind == "IOError" and (limit := _at_file_size_limit(path)) is not None:
        # round 49: under `ulimit -f` a -wal that cannot grow is a bare "disk I/O error" too, with the disk free:
        # an ingest then failed every later file the same way (569 of 600, each embedded first), exit 0
        return WriteRefused(f"{path}: {doing}: a file of the database would pass this shell's file size limit "
                            f"({human_size(limit)}, `ulimit -f`){more}", errno=errno.EFBIG,
                            hint="raise the limit (`ulimit -f unlimited`, or the service's LimitFSIZE=), then run "
                                 "the command again; the database is unchanged")
    if not (kind == "FullError" or (kind == "IOError" and low)):
        return None
    # a FullError with room on the home's disk: SQLite's temporary files (a big sort, a vacuum) filled theirs
    where = "on the file system" if low or free is None else "for SQLite (its temporary files go to $TMPDIR or /tmp)"
    left = f" ({human_size(free)} free)" if free is not None else ""
    return WriteRefused(f"{path}: {doing}: no space left {where}{left}{more}", errno=errno.ENOSPC,
                        hint=f"free some space (`df -h {nearest_folder(path.parent)}`), then run the command again; "
                             f"the database is unchanged")


FSIZE_MARGIN = 1 << 20  # a write that failed may have wanted up to a checkpoint's worth of pages past the file's end


def _at_file_size_limit(path: Path) -> int | None:
    """The file size limit (RLIMIT_FSIZE, `ulimit -f`) when the database or its -wal is within FSIZE_MARGIN of it:
    the write that failed would have passed it. None when there is no limit or the files are far below it."""
    if resource is None:
        return None
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit == resource.RLIM_INFINITY:
        return None
    for suffix in ("", "-wal", "-journal"):
        try:
            if os.path.getsize(f"{path}{suffix}") + FSIZE_MARGIN >= limit:
                return limit
        except OSError:
            continue
    return None
