"""How `ragtune backup` opens the home's database (ragtune/appliance/backup.py `_copy_database`) and what DEST it
takes: an idle database is read without making `-wal`/`-shm` beside it, so a backup killed at any moment leaves the
home as it was; a writer that changes the file meanwhile makes it read again; an empty DEST is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.appliance import backup as backup_mod
from ragtune.appliance.backup import backup_home
from ragtune.appliance.errors import InputError
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.store import Store
from ragtune.cli import main

from .kill_fuzz_helpers import write_corpus

REPO = Path(__file__).resolve().parents[2]


def _listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture
def ingested(settings, fake, tmp_path):
    files = write_corpus(tmp_path / "docs", seed=21, n=6)
    ingest_paths(settings, files[:4], embedder=fake)
    assert not list(settings.home.root.glob("ragtune.db-*"))  # idle: the writer's close removed its -wal/-shm
    return files


def test_reading_an_idle_database_makes_no_files_beside_it(settings, ingested, tmp_path, monkeypatch):
    root = settings.home.root
    before = _listing(root)
    seen: list[list[str]] = []
    original = Store.backup_to  # Store's own (guarded) method, not StoreBase's

    def watched(self, dest, **kw):
        out = original(self, dest, **kw)  # the source read, still open: what a SIGKILL now would leave
        seen.append(sorted(p.name for p in root.glob("ragtune.db*")))
        return out

    monkeypatch.setattr(Store, "backup_to", watched)
    res = backup_home(settings.home, tmp_path / "b")
    assert seen == [["ragtune.db"]]  # read once, and no -wal/-shm made for it
    assert res.documents == 4 and _listing(root) == before


def test_a_backup_killed_while_reading_the_database_leaves_the_home_as_it_was(settings, ingested, tmp_path):
    root = settings.home.root
    before = _listing(root)
    code = ("import os, signal, sys\n"
            "from ragtune.appliance.home import Home\n"
            "from ragtune.appliance.backup import backup_home\n"
            "from ragtune.appliance.store import Store\n"
            "copy = Store.backup_to\n"
            "def die(self, *a, **k):\n"
            "    copy(self, *a, **k)\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "Store.backup_to = die\n"  # the source read, its connection still open: killed right there
            "backup_home(Home(sys.argv[1]), sys.argv[2])\n")
    p = subprocess.run([sys.executable, "-c", code, str(root), str(tmp_path / "b")], cwd=REPO, timeout=120)
    assert p.returncode == -9
    assert _listing(root) == before  # no ragtune.db-wal / -shm left in the home
    assert backup_home(settings.home, tmp_path / "b").documents == 4  # and the next backup to DEST works


def test_a_writer_during_the_read_makes_it_read_again(settings, fake, ingested, tmp_path, monkeypatch):
    calls = []
    original = Store.backup_to  # Store's own (guarded) method, not StoreBase's

    def racing(self, dest, **kw):
        calls.append(dest)
        if len(calls) == 1:  # a writer connects, commits, checkpoints into the file and goes, under the first read
            ingest_paths(settings, ingested[4:], embedder=fake)
        return original(self, dest, **kw)

    monkeypatch.setattr(Store, "backup_to", racing)
    res = backup_home(settings.home, tmp_path / "b")
    assert len(calls) == 2 and res.documents == 6
    with Store(tmp_path / "b" / "ragtune.db") as st:
        assert (st.count_documents(), st.count_chunks()) == (res.documents, res.chunks)
    assert not list(settings.home.root.glob("ragtune.db-*"))


def test_a_database_in_use_is_read_through_its_wal(settings, ingested, tmp_path):
    with Store(settings.home.db_path) as writer:  # open: its commit stays in the -wal, not yet in the file
        writer.set_meta("backup-test", "in the wal")
        assert os.path.exists(f"{settings.home.db_path}-wal")
        backup_home(settings.home, tmp_path / "b")
        assert os.path.exists(f"{settings.home.db_path}-wal")  # the writer's, left to it
    with Store(tmp_path / "b" / "ragtune.db", readonly=True) as copy:
        assert copy.get_meta("backup-test") == "in the wal"


@pytest.mark.parametrize("dest", ["", "  ", "\t"])
def test_an_empty_dest_is_a_usage_error(settings, ingested, tmp_path, monkeypatch, capsys, dest):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # an empty folder: taken as DEST, the backup would have been written here
    assert main(["--home", str(settings.home.root), "backup", dest]) == 2
    err = capsys.readouterr().err
    assert "give a destination folder" in err and "Traceback" not in err
    assert list(work.iterdir()) == []
    with pytest.raises(InputError, match="give a destination folder"):
        backup_mod.check_dest(settings.home, dest)
