"""Round 42: `ragtune doctor` on a home whose database has a hot rollback journal, or a log beside it that is a
symbolic link. Was: every database check failed with SQLite's "attempt to write a readonly database" / "unable to
open database file" and a permissions hint (or "restore from a backup"). Now one line names the journal or the link
and says what to do; doing it makes the database check pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ragtune.appliance.doctor import diagnose
from ragtune.appliance.store import Store, health
from ragtune.cli import main

from .store_helpers import KILLED_WRITER


def _database_lines(home) -> list:
    rep = diagnose(home, quick=True)
    return [c for c in rep.checks if c.name in ("database", "migrations", "counts", "query-log")]


def _made(home) -> Path:
    home.ensure()
    Store(home.db_path).close()
    return home.db_path


def test_a_hot_journal_is_named_with_the_write_that_rolls_it_back(home, capsys):
    db = _made(home)
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], check=True)
    assert health.hot_journal(db) == Path(f"{db}-journal")
    lines = _database_lines(home)
    assert [(c.status, c.name) for c in lines] == [("fail", "database")], lines  # one line, not four
    line = lines[0]
    assert "ragtune.db-journal" in line.detail and "cut off" in line.detail
    assert "ragtune docs list" in line.hint and "Do not delete" in line.hint
    assert "permission" not in line.hint and "backup" not in line.hint  # was: read and write permissions / restore
    # the write command it names does roll the journal back
    assert main(["--home", str(home.root), "docs", "list"]) == 0
    assert not os.path.lexists(f"{db}-journal")
    assert [(c.status, c.name) for c in _database_lines(home)] == [("ok", n) for n in
                                                                   ("database", "migrations", "counts", "query-log")]


def test_a_linked_log_is_named_and_its_fix_works(home, tmp_path):
    db = _made(home)
    link = Path(f"{db}-wal")
    os.symlink(tmp_path / "elsewhere" / "wal", link)  # dangling
    lines = _database_lines(home)
    assert [(c.status, c.name) for c in lines] == [("fail", "database")], lines
    assert "ragtune.db-wal is a symbolic link" in lines[0].detail and "permissions are not the cause" in lines[0].detail
    assert f"rm {link}" in lines[0].hint
    link.unlink()
    assert _database_lines(home)[0].status == "ok"

    real = tmp_path / "wal-file"
    real.write_bytes(b"")
    os.symlink(real, link)  # to a file: put it in the link's place
    line = _database_lines(home)[0]
    assert line.status == "fail" and f"mv {real} {link}" in line.hint
    os.replace(real, link)
    assert _database_lines(home)[0].status == "ok"


def test_a_journal_that_is_not_hot_reads_fine_and_is_not_reported(home):
    db = _made(home)
    Path(f"{db}-journal").write_bytes(b"")  # empty: nothing to roll back
    assert health.hot_journal(db) is None
    assert _database_lines(home)[0].status == "ok"


def test_a_command_on_a_home_with_a_linked_log_names_the_link_not_permissions(home, tmp_path, capsys):
    # was: "unable to open database file" with "check that this user can read and write …"
    db = _made(home)
    link = Path(f"{db}-wal")
    os.symlink(tmp_path / "nowhere", link)
    assert main(["--home", str(home.root), "docs", "list"]) != 0
    err = capsys.readouterr().err
    assert "ragtune.db-wal beside it is a symbolic link" in err and f"rm {link}" in err
    assert "check that this user can read" not in err
