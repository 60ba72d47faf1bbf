"""Which other processes have a WAL database open (and, `held_locks`, which hold a lock on a file), read from Linux's
/proc/locks: no file of the database is opened here. (Opening and closing the `-shm` in this process would drop
SQLite's own POSIX locks on it: a process's locks on a file go with the close of any of its descriptors of that
file.) Each connection holds a shared lock on byte 128 of the `-shm` (SQLite's unix VFS: the "DMS" byte, after the 8
lock bytes at 120) for as long as it is open."""

from __future__ import annotations

import os
from pathlib import Path

_DMS = 128  # UNIX_SHM_BASE (120) + SQLITE_SHM_NLOCK (8)


def other_holders(db: Path | str, locks: str = "/proc/locks") -> list[tuple[int, str]] | None:
    """(pid, command line) of each other process with `db` open (pid -1, command "": one whose pid this namespace
    does not show, or an open-file-description lock); [] when none; None when it cannot be told (not Linux, no
    `-shm` yet, /proc unreadable): the caller goes on as if alone."""
    try:
        st, folder = os.stat(f"{db}-shm"), os.stat(Path(db).parent)
        text = Path(locks).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    me, pids = os.getpid(), []
    for (pid, _class, same_device, start, end), on_file in zip(held_locks(st, text, folder), held_locks(st, text)):
        if same_device and pid != me and start <= _DMS and (end is None or end >= _DMS) and pid not in pids:
            # matched only through the folder's device, the lock may be on another overlay layer's file with the
            # same inode number: where the process's open files can be read, it must have this -shm open (mend of
            # reviewer readA; scope.ingest_running asks the same)
            if on_file[2] or has_open(pid, st) is not False:
                pids.append(pid)
    return [(pid, _command(pid)) for pid in pids]


def has_open(pid: int, st: os.stat_result, proc: str = "/proc") -> bool | None:
    """Whether process `pid` has the file of `st` open (a descriptor that stats with its device and inode); None
    where its descriptors cannot be read (another user's process, one that has ended, no /proc)."""
    try:
        fds = os.listdir(f"{proc}/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            o = os.stat(f"{proc}/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if (o.st_dev, o.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


def held_locks(st: os.stat_result, text: str,
               folder: os.stat_result | None = None) -> list[tuple[int, str, bool, int, int | None]]:
    """(pid, class: FLOCK, POSIX or OFDLCK, whether on `st`'s device, start, end or None for EOF) of each lock that
    /proc/locks' `text` lists as held on the inode of `st`. The device is said apart: an overlay whose layers lie on
    other file systems stats a file with its layer's device (00:29), while /proc/locks names the overlay's own
    (00:28), which is what a folder on it stats with: so the device of `folder` (the one holding the file) counts
    as the same device too (scope.ingest_running asks the holder's open files first)."""
    devices = {(os.major(s.st_dev), os.minor(s.st_dev)) for s in (st, folder) if s is not None}
    out = []
    for line in text.splitlines():
        f = line.split()
        if "->" in f or len(f) < 8:  # a waiter's line ("1: -> POSIX ...") repeats a lock that is not held
            continue
        try:
            pid, (major, minor, ino) = int(f[4]), f[5].split(":")
            start, end = int(f[6]), (None if f[7] == "EOF" else int(f[7]))
            if int(ino) != st.st_ino:
                continue
            same_device = (int(major, 16), int(minor, 16)) in devices
        except ValueError:
            continue
        out.append((pid, f[1], same_device, start, end))
    return out


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(os.fsdecode(a) for a in raw.split(b"\0") if a)[:120]
