"""Read-only questions `ragtune doctor` (appliance/doctor.py) asks a Store: plain functions over an open store, so
they work on one opened with `readonly=True` and every statement stays in the store layer. None of them writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any


# The files beside a database (logfiles.py: the store's open names a linked log too), re-exported for doctor/backup
from .logfiles import DB_LOGS, in_use, linked_log_fix, linked_logs  # noqa: F401


def hot_journal(path: Path | str) -> Path | None:
    """The rollback journal beside `path` when it is a file that holds something: what a writer cut off mid-transaction
    in rollback mode leaves. Only a connection that may write rolls it back, so a read-only read of the database
    fails on it ("attempt to write a readonly database"); the caller asks after such a failure (a journal a live
    rollback-mode writer holds is not hot, and reads fine)."""
    journal = Path(f"{path}-journal")
    try:
        st = os.lstat(journal)
    except OSError:
        return None
    return journal if stat.S_ISREG(st.st_mode) and st.st_size > 0 else None


def open_as_is(path: Path | str) -> Any:
    """The Store of `path` opened so that nothing in its folder changes. SQLite's read-only open of a WAL database
    still creates `-wal` and `-shm` beside it, and a read-only connection cannot remove them on close. So: where
    a log is there (`in_use`: a connection is open, or a crash left its log) it is used as it is (`readonly=True`,
    as `ragtune backup` opens it); where none is, no writer is connected and the file is whole, and it is opened
    `immutable` (SQLite then takes no locks and makes no files). A writer that connects meanwhile can change the
    file under an immutable read: the caller compares the file before and after (doctor.py)."""
    from . import Store

    return Store(path, readonly=True, immutable=not in_use(path))


def integrity_problems(store: Any, *, quick: bool = False) -> list[str]:
    """SQLite's own check of the file: [] when whole, else its first lines. `quick`: `quick_check` (no index
    cross-checks, linear in the file), else the full `integrity_check`. A page too damaged to read raises (a
    StoreError naming the file: the store's guarded `query`)."""
    rows = store.query("PRAGMA quick_check(20)" if quick else "PRAGMA integrity_check(20)")
    lines = [str(r[0]) for r in rows]
    return [] if lines == ["ok"] else lines


def listed_chunks(store: Any) -> int:
    """The chunks the documents say they have (their `n_chunks`), to compare with the chunks stored."""
    return int(store.scalar("SELECT coalesce(sum(n_chunks), 0) FROM documents", default=0))


def query_log_size(store: Any) -> tuple[int, int | None]:
    """(rows, bytes) of the query log with its reviews and their indexes; bytes None where this SQLite has no
    `dbstat` table to measure them by."""
    rows = int(store.scalar("SELECT count(*) FROM query_log", default=0))
    try:
        size = store.scalar("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN (SELECT name FROM "
                            "sqlite_schema WHERE tbl_name IN ('query_log', 'query_reviews'))", default=0)
    except Exception:  # noqa: BLE001 - a build without SQLITE_ENABLE_DBSTAT_VTAB: the size is unknown, not an error
        return rows, None
    return rows, int(size)


def arm_counts(store: Any, since: float) -> dict[str, int]:
    """Answers each rollout arm has logged since `since` (epoch seconds): {"control": n, "candidate": n}, counted
    through the query log's (arm, ts) index, nothing read but that index."""
    out = {"control": 0, "candidate": 0}
    for arm, n in store.query("SELECT arm, count(*) FROM query_log WHERE arm IN ('control', 'candidate') AND ts >= ? "
                              "GROUP BY arm", (float(since),)):
        out[arm] = int(n)
    return out
