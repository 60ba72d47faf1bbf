"""The files SQLite keeps beside a database: plain path checks, no connection. Both the store's open (base.py, to say
why an open failed) and doctor's read-only questions (health.py) ask them, so they live below both."""

from __future__ import annotations

import os
from pathlib import Path


# What SQLite keeps beside a database while a connection has it open, or a crash left: the WAL and its index, and
# the rollback journal (a crash mid-transaction in that mode leaves pages of it in the main file that only the
# journal undoes: an `immutable` read would show them; it ignores the journal).
DB_LOGS = ("-wal", "-shm", "-journal")


def in_use(path: Path | str, logs: tuple[str, ...] = DB_LOGS) -> bool:
    """A connection is open, or a crash left its log: the main file alone is not the database, so it is not read
    `immutable`. A link there counts, whatever it points at (links not followed): SQLite refuses a linked log in
    every open but an immutable one, so the read through its locks meets the refusal every other command would,
    where an immutable read would call the database fine."""
    return any(os.path.lexists(f"{path}{s}") for s in logs)


def linked_logs(path: Path | str) -> list[Path]:
    """The logs beside `path` that are symbolic links (dangling or not): SQLite refuses to open the database through
    one ("unable to open database file", in every open but an immutable one), whatever the permissions."""
    return [Path(f"{path}{s}") for s in DB_LOGS if os.path.islink(f"{path}{s}")]


def linked_log_fix(link: Path) -> str:
    """What to do about a linked log (`linked_logs`), said the same by doctor and by a command that failed on it."""
    if os.path.exists(link):
        return f"replace the link by the file it points to (`mv {os.path.realpath(link)} {link}`)"
    return f"remove the link, which points at nothing (`rm {link}`)"
