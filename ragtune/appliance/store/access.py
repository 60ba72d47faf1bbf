"""What a failed open, write or copy of a store file is told with (split from base.py): the hint to check
permissions (`access_hint`) and `backup_to`'s copy error in words (`copy_error`)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..atomic import free_bytes as _free_bytes
from ..atomic import nearest_folder
from ..errors import StoreError, WriteRefused
from .logfiles import linked_log_fix, linked_logs

_NO_ROOM = {errno.ENOSPC: "no space left on the file system", errno.EDQUOT: "this user's disk quota is used up"}


def copy_error(named: Path, dest: Path, exc: Exception, sys_errno: int) -> StoreError:
    """What stopped `backup_to`'s copy, in words. SQLite's backup leaves no message on the copy's connection, so a
    write the file system refused read "not an error": its kind (FullError: SQLite's word for ENOSPC, whose errno it
    clears), the system errno of the write (EFBIG, EDQUOT) and the free space of the copy's file system say it. The
    folders named are ones that exist: `named`'s own may be a temporary already gone (backup.py's DEST). No room or
    over `ulimit -f` is a WriteRefused (exit 74, as any write the machine refused), never "damaged" (4)."""
    import resource

    from ..text import human_size

    where = nearest_folder(named.parent)
    free = _free_bytes(dest.parent)
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if sys_errno == errno.EFBIG:
        cap = f" ({limit} bytes)" if limit != resource.RLIM_INFINITY else ""
        return WriteRefused(f"{named}: cannot write the database copy: it is over this shell's file size limit{cap}",
                            errno=errno.EFBIG,
                            hint="raise the limit (`ulimit -f unlimited`), or ask whoever set it, then run the "
                                 "command again")
    kind = type(exc).__name__
    if sys_errno in _NO_ROOM or kind == "FullError" or (kind == "IOError" and free is not None and free < 1 << 20):
        why = _NO_ROOM.get(sys_errno, _NO_ROOM[errno.ENOSPC])
        left = f" ({human_size(free)} free)" if free is not None else ""
        return WriteRefused(f"{named}: cannot write the database copy: {why}{left}",
                            errno=sys_errno if sys_errno in _NO_ROOM else errno.ENOSPC,
                            hint=f"free some space there (`df -h {where}`), or give a destination on another disk, "
                                 f"then run the command again")
    said = str(exc)
    if said in ("", "not an error"):  # no message of its own: its kind and the system's word
        said = kind + (f" ({os.strerror(sys_errno)})" if sys_errno else "")
    return StoreError(f"{named}: cannot write the database copy: {said}",
                      hint=access_hint(named, exc, folder=where))


def access_hint(path: Path, exc: Exception, *, folder: Path | None = None) -> str | None:
    """What to check when SQLite cannot open or write the file: mostly permissions (SQLite's own words, "unable to
    open database file", do not say so). WAL mode writes `-wal`/`-shm` files beside the database. `folder`: the one
    to name for the file's (default its parent)."""
    kind = type(exc).__name__
    folder = path.parent if folder is None else folder
    if kind in ("FullError", "IOError"):  # SQLite says "disk I/O error" when it cannot grow the -wal file
        return (f"is the disk full (`df -h {folder}`)? Free some space, then run the command again; nothing "
                f"half-written was kept (each change is one transaction)")
    if kind not in ("CantOpenError", "ReadOnlyError", "PermissionsError"):
        return None
    if links := linked_logs(path):  # SQLite refuses a linked -wal/-shm/-journal whatever the permissions
        return (f"{links[0].name} beside it is a symbolic link, which SQLite never opens a database through: "
                f"{linked_log_fix(links[0])}, with no ragtune command running")
    return (f"check that this user can read and write {path} and create files in {folder} (`ls -ld "
            f"{folder} {path}`); a home on a read-only mount cannot be used")
