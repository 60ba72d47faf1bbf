"""Round 46, storage: a home on a file system with no room left (a tmpfs filled by an ingest) cannot even be read:
every open of a WAL database makes its `-wal`/`-shm`, and SQLite says "disk I/O error". That was exit 4, the code
for a damaged database, for a database that is whole; now exit 74 (WriteRefused: room is what is missing), saying
how much is free and that the database is unchanged. Reproduced by hand: `mount -t tmpfs -o size=4M`, a home filled
to the last byte, `ragtune docs list`."""

from __future__ import annotations

import errno

import apsw

from ragtune.appliance.errors import StoreError, WriteRefused
from ragtune.appliance.store import base as base_mod


def test_an_open_a_full_disk_refuses_is_write_refused_not_damaged(tmp_path, monkeypatch):
    db = tmp_path / "ragtune.db"
    monkeypatch.setattr(base_mod, "_free_bytes", lambda folder: 0)
    for kind in (apsw.IOError, apsw.FullError):
        err = base_mod._open_error(db, kind("disk I/O error"))
        assert isinstance(err, WriteRefused) and err.exit_code == 74 and err.errno == errno.ENOSPC
        assert str(db) in err.message and "no space left" in err.message and "0 B free" in err.message
        assert f"df -h {tmp_path}" in err.hint and "unchanged" in err.hint


def test_other_open_failures_keep_their_words(tmp_path, monkeypatch):
    db = tmp_path / "ragtune.db"
    monkeypatch.setattr(base_mod, "_free_bytes", lambda folder: 10 << 30)
    err = base_mod._open_error(db, apsw.IOError("disk I/O error"))  # room left: not a full disk
    assert type(err) is StoreError and err.exit_code == 4 and "disk I/O error" in err.message
    monkeypatch.setattr(base_mod, "_free_bytes", lambda folder: 0)
    err = base_mod._open_error(db, apsw.CantOpenError("unable to open database file"))
    assert type(err) is StoreError and "check that this user can read and write" in err.hint
