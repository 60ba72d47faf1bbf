"""Round 45 disaster-recovery drill (appliance/backup.py): a backup writes backup.json (each file's size and
sha256) and `verify_backup` says, before a restore relies on it, whether every file is still as written: a byte
changed inside the database that SQLite's own check passes, a file cut short, missing or edited, a damaged
manifest, a backup a newer ragtune migrated. A backup of a restored home writes its own manifest. A database copy
that a full disk or `ulimit -f` refuses is an OSError naming DEST (exit 74), not SQLite's "not an error"."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.appliance import backup as backup_mod
from ragtune.appliance.backup import MANIFEST, backup_home
from ragtune.appliance.backup_verify import verify_backup
from ragtune.appliance.errors import InputError, StoreError
from ragtune.appliance.home import Home
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.store import Store

from .kill_fuzz_helpers import write_corpus

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def made(settings, fake, tmp_path) -> Path:
    """A backup of a home with documents, config.toml, a registry file and an eval report."""
    write_corpus(tmp_path / "docs", seed=3, n=6)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    root = settings.home.root
    (root / "config.toml").write_text("[retrieve]\nk = 4\n", encoding="utf-8")
    (root / "registry").mkdir(exist_ok=True)
    (root / "registry" / "active.json").write_text('{"active": null, "previous": null}\n', encoding="utf-8")
    (root / "eval" / "run1").mkdir(parents=True)
    (root / "eval" / "run1" / "report.json").write_text('{"n": 6}\n', encoding="utf-8")
    dest = tmp_path / "bk"
    backup_home(settings.home, dest)
    return dest


def _flip_text(db: Path) -> None:
    """One digit changed inside a stored chunk's text: the pages stay well formed, SQLite's check passes."""
    data = bytearray(db.read_bytes())
    i = next(i for i in range(len(data)) if 0x61 <= data[i] <= 0x7a and data[i + 1:i + 4].isalpha()
             and i > len(data) // 4)
    data[i] = ord("z") if data[i] != ord("z") else ord("y")
    db.write_bytes(bytes(data))


def test_the_backup_lists_each_file_with_its_sha256_and_verifies(made):
    data = json.loads((made / MANIFEST).read_text(encoding="utf-8"))
    assert {"ragtune.db", "config.toml", "registry/active.json", "eval/run1/report.json"} <= set(data["files"])
    assert data["files"]["ragtune.db"]["size"] == (made / "ragtune.db").stat().st_size
    assert data["documents"] == 6 and data["migrations"] and data["ragtune"]
    res = verify_backup(made)
    assert res.ok and res.problems == [] and res.files == len(data["files"]) and res.documents == 6


def test_a_changed_byte_the_database_check_passes_is_found(made):
    db = made / "ragtune.db"
    _flip_text(db)
    with Store(db, readonly=True, immutable=True) as s:  # the silent kind: SQLite sees nothing wrong
        assert [r[0] for r in s.query("PRAGMA integrity_check")] == ["ok"]
    res = verify_backup(made)
    assert not res.ok and len(res.problems) == 1
    assert res.problems[0].startswith("ragtune.db: not the bytes the backup wrote") and "structure passes" in res.problems[0]
    assert sorted(p.name for p in made.iterdir()) == sorted(["backup.json", "config.toml", "eval", "ragtune.db",
                                                              "registry"])  # verify made no -wal/-shm


@pytest.mark.parametrize("case", ["truncated", "missing", "edited", "malformed-db"])
def test_damage_is_named_by_file(made, case):
    if case == "truncated":
        with open(made / "ragtune.db", "r+b") as fh:
            fh.truncate(8192)
        want = "ragtune.db: 8192 bytes, the backup wrote"
    elif case == "missing":
        shutil.rmtree(made / "eval")
        want = "eval/run1/report.json: missing"
    elif case == "edited":
        (made / "config.toml").write_text("[retrieve]\nk = 5\n", encoding="utf-8")
        want = "config.toml: not the bytes the backup wrote"
    else:
        db = made / "ragtune.db"
        data = bytearray(db.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)  # the first page's b-tree header: SQLite cannot read it
        db.write_bytes(bytes(data))
        want = "ragtune.db: not the bytes the backup wrote"
    res = verify_backup(made)
    assert not res.ok and any(p.startswith(want) for p in res.problems), res.problems


def test_a_damaged_manifest_and_a_newer_schema_are_problems_and_no_manifest_is_refused(made, tmp_path):
    good = (made / MANIFEST).read_text(encoding="utf-8")
    data = json.loads(good)
    data["migrations"].append("9999_from_the_future")
    (made / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    res = verify_backup(made)
    assert not res.ok and any("made by a newer ragtune (its migration 9999_from_the_future" in p for p in res.problems)
    data["files"]["../../etc/hostname"] = {"size": 1, "sha256": "0" * 64}
    (made / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    assert "backup.json: names ../../etc/hostname, outside the backup" in verify_backup(made).problems
    (made / MANIFEST).write_text(good[: len(good) // 2], encoding="utf-8")
    res = verify_backup(made)
    assert not res.ok and res.problems[0].startswith("backup.json: damaged")
    (made / MANIFEST).unlink()
    with pytest.raises(InputError, match="has no backup.json"):
        verify_backup(made)
    with pytest.raises(InputError, match="no such folder"):
        verify_backup(tmp_path / "nothing")


def test_files_added_since_are_notes_not_damage(made):
    (made / "stray.txt").write_text("x", encoding="utf-8")
    (made / "tantivy").mkdir()
    (made / "tantivy" / "meta.json").write_text("{}", encoding="utf-8")  # a backup used as a home builds its index
    res = verify_backup(made)
    assert res.ok and res.notes == ["stray.txt: not in the backup when it was made (added since)"]


def test_a_backup_of_a_restored_home_writes_its_own_manifest(made, tmp_path):
    again = tmp_path / "again"
    backup_home(Home(made), again)
    data = json.loads((again / MANIFEST).read_text(encoding="utf-8"))
    assert data["home"] == str(made) and MANIFEST not in data["files"]
    assert verify_backup(again).ok


def test_a_full_disk_under_the_database_copy_names_dest(settings, fake, tmp_path, monkeypatch):
    write_corpus(tmp_path / "docs", seed=4, n=3)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)

    def refused(self, out, *, shown=None):  # what SQLite's backup says when the disk refuses a page
        Path(out).write_bytes(b"\0" * 1024)
        raise StoreError(f"{shown}: cannot write the database copy: not an error")

    class Full:
        f_bavail, f_frsize = 0, 4096

    monkeypatch.setattr(Store, "backup_to", refused)
    monkeypatch.setattr(backup_mod.os, "statvfs", lambda p: Full())
    dest = tmp_path / "out" / "b"
    with pytest.raises(OSError) as info:
        backup_home(settings.home, dest)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(dest)
    assert list(dest.parent.iterdir()) == []


def test_a_file_size_limit_under_the_database_copy_exits_74_naming_dest(settings, fake, tmp_path):
    write_corpus(tmp_path / "docs", seed=4, n=30)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    size = (settings.home.root / "ragtune.db").stat().st_size
    dest = tmp_path / "out" / "b"
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (%d, resource.RLIM_INFINITY)); "
            "from ragtune.cli import main; sys.exit(main(sys.argv[1:]))") % (size // 2)
    p = subprocess.run([sys.executable, "-c", code, "--home", str(settings.home.root), "backup", str(dest)],
                       capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert p.returncode == 74, p.stderr
    assert f"error: {dest}:" in p.stderr and "ulimit -f" in p.stderr and "not an error" not in p.stderr
    assert "Traceback" not in p.stderr and list(dest.parent.iterdir()) == []
