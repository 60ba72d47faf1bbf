"""Round 49, disaster recovery (h5): `backup --verify` asks whether backup.json is there once (it asked three times,
four with the stray-file walk); doctor's `group-write` check stats each path once (it stat'ed each twice: the walk's
lstat and an `isdir` of its top folder per item found, and the home itself three times)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from ragtune.appliance import doctor_files
from ragtune.appliance.backup import MANIFEST, backup_home
from ragtune.appliance.backup_verify import verify_backup
from ragtune.appliance.doctor import Report


def _count_stats(monkeypatch) -> Counter:
    """Every os.stat / os.lstat (os.path.isdir and Path.is_file go through os.stat), by path."""
    seen: Counter = Counter()
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path, *a, **k):
        seen[os.fspath(path)] += 1
        return real_stat(path, *a, **k)

    def lstat(path, *a, **k):
        seen[os.fspath(path)] += 1
        return real_lstat(path, *a, **k)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    return seen


def test_verify_looks_for_backup_json_once(home, tmp_path, monkeypatch):
    home.root.mkdir(parents=True, exist_ok=True)
    (home.root / "config.toml").write_text("", encoding="utf-8")
    (home.root / "eval").mkdir()
    (home.root / "eval" / "report.json").write_text("{}", encoding="utf-8")
    backup_home(home, tmp_path / "bk")
    seen = _count_stats(monkeypatch)
    res = verify_backup(tmp_path / "bk")
    assert res.ok, res.problems
    assert seen[str(tmp_path / "bk" / MANIFEST)] == 1
    # listed: one stat for its size, one for its inode as it is hashed (was three)
    assert seen[str(tmp_path / "bk" / "eval" / "report.json")] == 2


def test_group_write_stats_each_path_once(tmp_path, monkeypatch):
    root = tmp_path / "h"
    (root / "tantivy" / "sub").mkdir(parents=True)
    (root / "registry").mkdir()
    for path in (root / "tantivy" / "seg.idx", root / "tantivy" / "sub" / "x", root / "registry" / "m.json",
                 root / "ragtune.db", root / "ragtune.db-wal"):
        path.write_bytes(b"x")
        os.chmod(path, 0o664)
    for folder in (root / "tantivy", root / "tantivy" / "sub", root / "registry"):
        os.chmod(folder, 0o775)
    os.chmod(root, 0o750)
    seen = _count_stats(monkeypatch)
    rep = Report(home=str(root), quick=True)
    doctor_files.check_group_write(root, rep)
    (line,) = rep.checks
    # what it said before, unchanged: every item counted under its top-level name
    assert "8 files and folders" in line.detail and "tantivy/ (4)" in line.detail and "registry/ (2)" in line.detail
    assert "ragtune.db" in line.detail and "ragtune.db-wal" in line.detail
    assert seen and max(seen.values()) == 1, {p: n for p, n in seen.items() if n > 1}


def test_group_write_still_enters_a_top_level_link_to_a_folder(tmp_path):
    """tantivy/ moved to another disk and linked back: the group writes through the link, so it is counted."""
    root, elsewhere = tmp_path / "h", tmp_path / "disk2" / "tantivy"
    elsewhere.mkdir(parents=True)
    (elsewhere / "seg.idx").write_bytes(b"x")
    os.chmod(elsewhere / "seg.idx", 0o664)
    root.mkdir()
    (root / "tantivy").symlink_to(elsewhere)
    os.chmod(root, 0o750)
    rep = Report(home=str(root), quick=True)
    doctor_files.check_group_write(Path(root), rep)
    (line,) = rep.checks
    assert "tantivy/" in line.detail and "1 file or folder" in line.detail


def test_a_disk_io_error_at_the_file_size_limit_is_no_room(tmp_path, monkeypatch):
    """`ulimit -f` under the database's -wal: SQLite says only "disk I/O error", with the disk free. It was a per-file
    failure (an ingest failed every later file, each embedded first, and exited 0); now a WriteRefused (exit 74)
    naming the limit, which stops an ingest."""
    import resource

    from ragtune.appliance.errors import WriteRefused
    from ragtune.appliance.store.noroom import no_room

    db = tmp_path / "ragtune.db"
    db.write_bytes(b"x" * 1000)
    (tmp_path / "ragtune.db-wal").write_bytes(b"x" * 1_700_000)
    IOError_ = type("IOError", (Exception,), {})  # apsw's class name is what no_room reads
    monkeypatch.setattr(resource, "getrlimit", lambda what: (1_740_800, 1_740_800))
    err = no_room(db, IOError_("disk I/O error"), free=50 * 2**30)
    assert isinstance(err, WriteRefused) and err.exit_code == 74
    assert "file size limit (1.7 MB, `ulimit -f`)" in err.message and "ulimit -f unlimited" in err.hint
    monkeypatch.setattr(resource, "getrlimit", lambda what: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert no_room(db, IOError_("disk I/O error"), free=50 * 2**30) is None  # a real I/O error stays one


def test_doctor_does_not_blame_the_index_for_a_damaged_database(home, monkeypatch):
    """A database page that fails while the lexical probe reads its sample: the `lexical` line said "lexical index
    damaged" with `rm -rf tantivy` as the repair; the index is not what is damaged."""
    from ragtune.appliance import lexical_health
    from ragtune.appliance.errors import StoreError

    class Idx:
        def search(self, *a, **k):  # pragma: no cover - never reached: the sample fails first
            raise AssertionError

    def broken(store):
        raise StoreError("ragtune.db: database error: database disk image is malformed")

    monkeypatch.setattr(lexical_health, "_sample", broken)
    try:
        lexical_health.probe(Idx(), object())
    except lexical_health.StoreUnreadable as exc:
        assert "malformed" in str(exc)
    else:
        raise AssertionError("a database error was taken for the index's damage")
