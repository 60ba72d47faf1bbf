"""Round 54 (mend1): `scope.ingest_running` on an overlay whose layers lie on other file systems. The keyword index's
writer lock stats with its layer's device (00:29) while /proc/locks names the overlay's own, the device its folder
stats with (test_r54_holders_overlay.py). With the holder's open files unreadable (another user's ingest) only the
device can tell, and the folder's now counts: `search` in an empty home says an ingest is running, not "run
`ragtune ingest`"."""

from __future__ import annotations

import os
from pathlib import Path

import ragtune.appliance.scope as scope
from ragtune.appliance.scope import ingest_running

LAYER = os.makedev(0, 0x29)  # the layer's pseudo device the lock file stats with on such an overlay


def _layered(monkeypatch, lock: Path) -> None:
    """os.stat as the overlay gives it: the lock file with its layer's device, folders with the overlay's."""
    real = os.stat

    def stat(path, *a, **k):
        st = real(path, *a, **k)
        if str(path) != str(lock):
            return st
        fields = list(st[:10])
        fields[2] = LAYER
        return os.stat_result(fields)

    monkeypatch.setattr(scope.os, "stat", stat)


def _proc(root: Path, dev: str, ino: int) -> Path:
    """A /proc of our own: pid 4242 holds an flock on dev:ino; its fds cannot be read (another user's process)."""
    root.mkdir(parents=True)
    (root / "locks").write_text(f"1: FLOCK  ADVISORY  WRITE 4242 {dev}:{ino} 0 EOF\n")
    return root


def _home(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    (home / "tantivy").mkdir(parents=True)
    lock = home / "tantivy" / ".tantivy-writer.lock"
    lock.touch()
    return home, lock


def test_an_overlays_writer_lock_is_found_through_its_folders_device(tmp_path, monkeypatch):
    home, lock = _home(tmp_path)
    folder = os.stat(lock.parent)
    overlay = f"{os.major(folder.st_dev):02x}:{os.minor(folder.st_dev):02x}"
    assert folder.st_dev != LAYER
    _layered(monkeypatch, lock)
    assert lock.stat().st_dev == LAYER  # the double: the file's device is not the one /proc/locks names
    monkeypatch.setattr(scope, "PROC", str(_proc(tmp_path / "proc", overlay, lock.stat().st_ino)))
    assert ingest_running(home / "ragtune.db") is True  # was False: only the file's (layer's) device counted


def test_a_lock_on_another_file_system_with_the_same_inode_is_still_no_ingest(tmp_path, monkeypatch):
    home, lock = _home(tmp_path)
    folder = os.stat(lock.parent)
    mine = f"{os.major(folder.st_dev):02x}:{os.minor(folder.st_dev):02x}"
    elsewhere = "fe:7f" if mine != "fe:7f" else "fe:7e"
    _layered(monkeypatch, lock)
    monkeypatch.setattr(scope, "PROC", str(_proc(tmp_path / "proc", elsewhere, lock.stat().st_ino)))
    assert ingest_running(home / "ragtune.db") is False
