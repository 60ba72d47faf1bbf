"""Round 47: migration 0015 (the chunks table rebuilt) on a big home holds the database for minutes (200k chunks and
1M query-log rows: 170 s on 2 busy cores), far past the 10 s another process's write waits. It is not started while
another process has the database open: BusyError (exit 75) naming that process and what to do, nothing changed."""

from __future__ import annotations

import os

import pytest

import ragtune.appliance.store.schema as schema
from ragtune.appliance.errors import BusyError
from ragtune.appliance.store import MIGRATIONS, Store
from ragtune.appliance.store.holders import other_holders

from .store_helpers import db_processes, home_behind

NAME = "0015_chunk_ids_not_reused"
REBUILD_AT = [name for name, _ in MIGRATIONS].index(NAME)  # later migrations follow it
HOLD = ("import apsw, sys; c = apsw.Connection(sys.argv[1]); c.execute('SELECT count(*) FROM chunks').fetchall(); "
        "print('open', flush=True); sys.stdin.read()")


def _old_home(tmp_path, monkeypatch):
    """A database the schema before 0015 made, with one document of three chunks."""
    db = home_behind(tmp_path, monkeypatch, behind=len(MIGRATIONS) - REBUILD_AT)
    return db.parent, db


@pytest.fixture
def holder():
    """Another process with the database open (as a serve started before the upgrade has it) until closed."""
    with db_processes(HOLD, b"open") as start:
        yield start


def _chunks(db):
    with Store(db, readonly=True) as ro:
        return ro.query("SELECT * FROM chunks ORDER BY id"), ro.applied_migrations()


def test_a_long_rebuild_is_not_started_beside_another_process(tmp_path, monkeypatch, holder):
    home, db = _old_home(tmp_path, monkeypatch)
    before = _chunks(db)
    p = holder(db)
    monkeypatch.setattr(schema, "LONG_REBUILD_S", 0.0)  # this small home's rebuild counted as a long one
    with pytest.raises(BusyError) as err:
        Store(db)
    e = err.value
    assert e.exit_code == 75 and f"pid {p.pid}" in e.message and NAME in e.message
    assert "nothing was changed" in e.message and "stop that process" in e.hint and "run this command again" in e.hint
    assert _chunks(db) == before and NAME not in before[1]  # rolled back: the old table, 0015 not recorded
    p.stdin.close()
    p.wait(10)
    with Store(db) as st:  # alone: applied
        assert st.migrated[:1] == [NAME]
        assert "AUTOINCREMENT" in st.scalar("SELECT sql FROM sqlite_schema WHERE name = 'chunks'")


def test_the_cli_says_busy_with_exit_75_and_a_json_error(tmp_path, monkeypatch, holder, capsys):
    import json

    from ragtune.cli import main

    home, db = _old_home(tmp_path, monkeypatch)
    holder(db)
    monkeypatch.setattr(schema, "LONG_REBUILD_S", 0.0)
    assert main(["--home", str(home), "docs", "list", "--json"]) == 75
    out, err = capsys.readouterr()
    assert json.loads(out)["error"]["type"] == "BusyError" and "Traceback" not in err
    assert err.startswith("error: ") and "\n  hint: stop that process" in err


def test_a_short_rebuild_runs_beside_another_process_as_before(tmp_path, monkeypatch, holder):
    home, db = _old_home(tmp_path, monkeypatch)
    holder(db)
    # the default threshold: three chunks are no long rebuild, so another process with it open is no reason to wait
    with Store(db) as st:
        assert st.migrated[:1] == [NAME]


def test_other_holders_reads_proc_locks_without_opening_the_database(tmp_path):
    db = tmp_path / "x.db"
    assert other_holders(db) is None  # no -shm: cannot be told
    shm = tmp_path / "x.db-shm"
    shm.write_bytes(b"")
    st = os.stat(shm)
    dev = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    locks = tmp_path / "locks"
    locks.write_text(f"1: POSIX  ADVISORY  READ 4242 {dev} 128 128\n"
                     f"1: -> POSIX  ADVISORY  WRITE 4343 {dev} 128 128\n"  # a waiter, not a holder
                     f"2: POSIX  ADVISORY  READ {os.getpid()} {dev} 128 128\n"  # this process's own
                     f"3: OFDLCK ADVISORY  READ -1 {dev} 0 EOF\n"
                     f"4: POSIX  ADVISORY  READ 4444 {dev} 120 127\n"  # the lock bytes, not the open marker
                     f"5: POSIX  ADVISORY  READ 4545 00:00:{st.st_ino + 1} 128 128\n"  # another file
                     "garbage line\n")
    assert [pid for pid, _ in other_holders(db, locks=str(locks))] == [4242, -1]
