"""Round 45 left-over: a database copy that the machine refuses for room (a disk quota used up, a full disk, over
`ulimit -f`) exits 74 as every other write a backup cannot make (docs/architecture.md's exit table), with its
message kept; it exited 4, "the database is damaged", whenever backup.py's own free-space check saw room (a quota
is per user: the file system's free space does not show it). Checked end to end through `ragtune backup` with a
copy connection that refuses its pages as SQLite does ("not an error", the write's errno on the connection)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import apsw
import pytest

from ragtune.appliance.errors import StoreError, WriteRefused
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.store.base import _copy_error
from ragtune.cli import main

from .kill_fuzz_helpers import write_corpus


def _refusing(kind: type[apsw.Error], sys_errno: int) -> type[apsw.Connection]:
    class Refusing(apsw.Connection):
        """SQLite's backup when the file system refuses a page of the copy: its error says "not an error" and the
        connection keeps the write's errno (0 for a FullError: SQLite clears ENOSPC's)."""

        @property
        def system_errno(self) -> int:
            return sys_errno

        def backup(self, *args, **kwargs):
            raise kind("not an error")
    return Refusing


@pytest.fixture
def ingested(settings, fake, tmp_path):
    write_corpus(tmp_path / "docs", seed=5, n=3)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    return settings


@pytest.mark.parametrize("kind, sys_errno, said", [
    (apsw.IOError, errno.EDQUOT, "this user's disk quota is used up"),
    (apsw.FullError, 0, "no space left on the file system"),  # space filled meanwhile: the free-space check saw room
])
def test_a_refused_database_copy_exits_74_with_its_message(ingested, tmp_path, monkeypatch, capsys, kind, sys_errno,
                                                           said):
    monkeypatch.setattr(apsw, "Connection", _refusing(kind, sys_errno))
    dest = tmp_path / "out" / "b"
    assert main(["backup", str(dest)]) == 74  # was 4: "the database is damaged"
    err = capsys.readouterr().err
    assert f"error: {dest / 'ragtune.db'}: cannot write the database copy: {said} (" in err
    assert f"`df -h {dest.parent}`" in err and "not an error" not in err and "Traceback" not in err
    assert list(dest.parent.iterdir()) == []  # nothing at DEST, no temporary left beside it
    assert main(["backup", str(dest), "--json"]) == 74
    res = json.loads(capsys.readouterr().out)["error"]
    assert res["exit_code"] == 74 and res["type"] == "WriteRefused" and said in res["message"]


def test_room_and_file_size_refusals_are_write_refused_other_failures_stay_store_errors(tmp_path):
    shown, written = tmp_path / "dest" / "ragtune.db", tmp_path / "x.db"
    for exc, sys_errno, code in ((apsw.IOError("not an error"), errno.EFBIG, errno.EFBIG),
                                 (apsw.IOError("not an error"), errno.EDQUOT, errno.EDQUOT),
                                 (apsw.FullError("not an error"), 0, errno.ENOSPC),
                                 (apsw.IOError("not an error"), errno.ENOSPC, errno.ENOSPC)):
        err = _copy_error(shown, written, exc, sys_errno)
        assert isinstance(err, WriteRefused) and isinstance(err, StoreError)  # a StoreError catcher still catches it
        assert err.exit_code == 74 and err.errno == code and err.message.startswith(f"{shown}: ")
    for exc, sys_errno in ((apsw.IOError("not an error"), errno.EIO),
                           (apsw.CorruptError("database disk image is malformed"), 0)):
        err = _copy_error(shown, written, exc, sys_errno)
        assert type(err) is StoreError and err.exit_code == 4


def test_the_store_copy_itself_raises_write_refused(ingested, tmp_path, monkeypatch):
    from ragtune.appliance.store import Store

    monkeypatch.setattr(apsw, "Connection", _refusing(apsw.IOError, errno.EDQUOT))
    with Store(ingested.home.db_path, readonly=True) as st, pytest.raises(WriteRefused) as info:
        st.backup_to(tmp_path / "copy.db", shown=Path("/somewhere/ragtune.db"))
    assert info.value.errno == errno.EDQUOT and info.value.message.startswith("/somewhere/ragtune.db: ")
