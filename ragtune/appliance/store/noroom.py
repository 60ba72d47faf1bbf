"""A database write SQLite refused for want of room, as the error a person can act on (base.py raises it)."""

from __future__ import annotations

import errno
from pathlib import Path

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
    if not (kind == "FullError" or (kind == "IOError" and low)):
        return None
    # a FullError with room on the home's disk: SQLite's temporary files (a big sort, a vacuum) filled theirs
    where = "on the file system" if low or free is None else "for SQLite (its temporary files go to $TMPDIR or /tmp)"
    left = f" ({human_size(free)} free)" if free is not None else ""
    return WriteRefused(f"{path}: {doing}: no space left {where}{left}{more}", errno=errno.ENOSPC,
                        hint=f"free some space (`df -h {nearest_folder(path.parent)}`), then run the command again; "
                             f"the database is unchanged")
