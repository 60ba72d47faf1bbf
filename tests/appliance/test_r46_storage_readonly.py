"""Round 46, storage: a home this process may not write (a kiosk's home on a read-only mount, a folder of another
user's opened to a group) is still read (`docs list`, `log list`, `search`), and every write is refused in words
naming the home and what to do, exit 74, nothing changed and nothing made beside the database. Before, every
command that opens the store (search, docs, log) failed with "cannot open database: unable to open database file".
A read-only mount is simulated (tests may not run as root): the store's own test (`_unwritable`) is given a file
system that says ST_RDONLY, and the folder is made read-only by its mode as well."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ragtune.appliance.errors import StoreError, WriteRefused
from ragtune.appliance.home import Home
from ragtune.appliance.store import MIGRATIONS, Store
from ragtune.appliance.store import base as base_mod
from ragtune.cli import main

from .search_helpers import searchable_home

RO = "on a read-only file system"
ROW = {"query": "kept question", "normalized_query": "kept question", "model_id": "m", "adapter_id": "none",
       "system_prompt_sha256": "0" * 64, "context": [], "retrieved": [], "output": {}, "raw_output": "",
       "valid": True, "repaired": False, "refused": False, "timings": {}, "tokens_prompt": 1, "tokens_completion": 1}


def _listing(root: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(root).as_posix(), p.stat().st_size) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def ro_home(_fresh_home, monkeypatch):
    """A filled home (documents, one query-log row), then read-only: by its mode and by what statvfs says."""
    home = searchable_home(Home(_fresh_home), monkeypatch)
    with Store(home.db_path) as s:
        s.add_query_log(ROW)
    real_statvfs = os.statvfs

    class ReadOnlyFs:
        def __init__(self, st):
            self._st = st

        def __getattr__(self, name):
            return getattr(self._st, name)

        @property
        def f_flag(self):
            return self._st.f_flag | os.ST_RDONLY

    def statvfs(path):
        st = real_statvfs(path)
        return ReadOnlyFs(st) if Path(path).resolve() == home.root.resolve() else st

    monkeypatch.setattr(base_mod.os, "statvfs", statvfs)
    os.chmod(home.db_path, 0o444)
    os.chmod(home.root, 0o555)
    yield home
    os.chmod(home.root, 0o700)
    os.chmod(home.db_path, 0o600)


def test_a_read_only_home_is_read_and_nothing_is_made_beside_its_database(ro_home):
    before = _listing(ro_home.root)
    with Store(ro_home.db_path) as s:
        assert s.read_only == RO
        assert s.count_documents() > 0 and s.query_log_entry(1)["query"] == "kept question"
    assert _listing(ro_home.root) == before  # no -wal/-shm, no swept folder, no migration


def test_every_write_to_a_read_only_home_is_refused_in_words_and_changes_nothing(ro_home):
    before = _listing(ro_home.root)
    with Store(ro_home.db_path) as s:
        with pytest.raises(WriteRefused) as raised:
            s.add_query_log({**ROW, "query": "q"})  # a method that words its own error
        with pytest.raises(WriteRefused):
            with s.transaction():
                s.set_meta("k", "v")
        with pytest.raises(WriteRefused):
            s.prune_query_log(keep=0, keep_reviewed=False)
    err = raised.value
    assert err.exit_code == 74 and str(ro_home.root) in err.message and "read-only" in err.message
    assert "nothing was changed" in err.message and "backup DEST" in err.hint
    assert _listing(ro_home.root) == before


def test_the_cli_reads_a_read_only_home_and_refuses_its_writes(ro_home, capsys):
    assert main(["docs", "list"]) == 0
    assert main(["log", "list"]) == 0
    assert main(["search", "vacation"]) == 0
    capsys.readouterr()
    assert main(["log", "prune", "--older-than", "0"]) == 74
    err = capsys.readouterr().err
    assert f"{ro_home.root}: the home is {RO}" in err and "Traceback" not in err
    assert main(["docs", "remove", "/x/a.md"]) in (2, 74)  # an unknown document, or the write refused: never 4


def test_a_read_only_database_that_needs_a_migration_is_refused_not_misread(ro_home):
    os.chmod(ro_home.root, 0o700)
    os.chmod(ro_home.db_path, 0o600)
    import apsw

    conn = apsw.Connection(str(ro_home.db_path))  # an older ragtune's database: its last migration not applied
    last = MIGRATIONS[-1][0]
    conn.execute("DELETE FROM _migrations WHERE name = ?", (last,))
    conn.close()
    os.chmod(ro_home.db_path, 0o444)
    os.chmod(ro_home.root, 0o555)
    with pytest.raises(WriteRefused) as raised:
        Store(ro_home.db_path)
    assert f"migration {last}" in raised.value.message and "upgrad" in raised.value.message


def test_unwritable_tells_a_read_only_mount_from_a_folder_of_another_users(tmp_path, monkeypatch):
    db = tmp_path / "ragtune.db"
    assert base_mod._unwritable(db) is None  # no database yet: the open that makes it says what fails
    db.write_bytes(b"")
    assert base_mod._unwritable(db) is None
    monkeypatch.setattr(base_mod.os, "access", lambda p, mode: Path(p) != tmp_path)
    assert base_mod._unwritable(db) == "not writable by this user"


def test_a_writable_home_is_opened_as_before(tmp_path):
    with Store(tmp_path / "ragtune.db") as s:
        assert s.read_only is None
        s.set_meta("k", "v")
    with pytest.raises(StoreError):  # a store file elsewhere keeps its own rules
        Store(tmp_path / "missing" / "x.db", readonly=True)
    assert stat.S_IMODE(os.stat(tmp_path / "ragtune.db").st_mode) == 0o600


def test_a_home_of_another_users_is_read_through_locks_and_sees_its_owners_new_rows(_fresh_home, monkeypatch):
    """Not `immutable` (round 46, second read): a home another user writes may change while it is read (opened
    between the owner's commands, when no -wal/-shm is there); an immutable connection would keep serving what it
    saw first and, after the owner's checkpoint, read a torn tree."""
    home = searchable_home(Home(_fresh_home), monkeypatch)
    with Store(home.db_path) as owner:
        owner.add_query_log(ROW)
    assert not list(home.root.glob("ragtune.db-*"))  # the owner's commands are over: nothing beside the database
    real = base_mod._unwritable
    monkeypatch.setattr(base_mod, "_unwritable", lambda db: "not writable by this user")
    with Store(home.db_path) as reader:
        assert reader.read_only == "not writable by this user"
        before = reader.query("SELECT count(*) FROM query_log")[0][0]
        monkeypatch.setattr(base_mod, "_unwritable", real)
        with Store(home.db_path) as owner:  # the owner asks again meanwhile
            for _ in range(3):
                owner.add_query_log(ROW)
            owner.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert reader.query("SELECT count(*) FROM query_log")[0][0] == before + 3
        assert reader.query("PRAGMA integrity_check")[0][0] == "ok"
