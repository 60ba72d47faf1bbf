"""store/health.py `in_use` and `open_as_is`: when the main file alone is the database (read `immutable`, nothing
made beside it) and when a log beside it must be read through SQLite's locks: the rule `ragtune doctor` and
`ragtune backup` share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.appliance.errors import StoreError
from ragtune.appliance.store import health

from .store_helpers import KILLED_WRITER


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _committed(db: Path) -> list[tuple]:
    """What a reader sees of `t` (the test's own table), read through open_as_is."""
    with health.open_as_is(db) as st:
        return st.query("SELECT count(*), sum(x = zeroblob(1000)) FROM t")


def test_a_log_beside_the_database_counts_links_too(tmp_path):
    db = tmp_path / "ragtune.db"
    db.write_bytes(b"")
    assert not health.in_use(db)
    for suffix in health.DB_LOGS:
        log = Path(f"{db}{suffix}")
        log.symlink_to(tmp_path / "nowhere")  # a dangling link: still there
        assert health.in_use(db) and health.in_use(str(db))
        assert not health.in_use(db, tuple(s for s in health.DB_LOGS if s != suffix))
        log.unlink()


def test_a_hot_rollback_journal_is_never_read_past(tmp_path):
    """Was: only -wal/-shm counted, so the file was read `immutable`, which ignores the journal: the killed
    transaction's uncommitted rows were read (and `doctor` checked them) as the database."""
    db = tmp_path / "t.db"
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=True)
    assert Path(f"{db}-journal").stat().st_size > 0
    assert health.in_use(db)
    before = _listing(tmp_path)
    try:
        rows = _committed(db)
    except StoreError:  # a read-only reader cannot roll it back: said, not read past
        rows = None
    assert rows in (None, [(100, 100)])
    assert _listing(tmp_path) == before  # the journal kept for the next writer, nothing made or changed


def test_a_linked_log_is_met_as_every_other_open_meets_it(tmp_path):
    """SQLite refuses a -wal that is a link in every open but an immutable one. Was: a dangling link was taken for
    no log, and the immutable read called the database fine."""
    import apsw

    db = tmp_path / "t.db"
    conn = apsw.Connection(str(db))
    for sql in ("PRAGMA journal_mode = WAL", "CREATE TABLE t(x)", "INSERT INTO t VALUES (zeroblob(1000))"):
        list(conn.execute(sql))
    conn.close()
    os.symlink(tmp_path / "elsewhere" / "wal", f"{db}-wal")
    with pytest.raises(apsw.CantOpenError):  # a writer's open (serve, ingest) refuses it
        list(apsw.Connection(str(db)).execute("SELECT count(*) FROM t"))
    with pytest.raises(StoreError):
        _committed(db)
    assert not (tmp_path / "elsewhere").exists()
