"""Round 54, mend of reviewer readA: a lock matched only through the folder's device (an overlay's, see
test_r54_holders_overlay.py) may be on another layer's file with the same inode number; a process whose open files
can be read is named as holding the database only if it has the -shm open (a BusyError named one that did not)."""

from __future__ import annotations

import os
import subprocess
import sys

from ragtune.appliance.store import holders
from ragtune.appliance.store.holders import has_open, other_holders

LAYER = os.makedev(0, 0x29)


def _layered(monkeypatch, shm):
    """os.stat as the overlay gives it: the -shm (by any path to it, a /proc fd link too) with its layer's device."""
    real = os.stat

    def stat(path, *a, **k):
        st = real(path, *a, **k)
        if os.path.realpath(path) != str(shm):
            return st
        fields = list(st[:10])
        fields[2] = LAYER
        return os.stat_result(fields)

    monkeypatch.setattr(holders.os, "stat", stat)


def _sleeper(*opened):
    code = "import sys, time; fs = [open(p, 'rb') for p in sys.argv[1:]]; print('ok', flush=True); time.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", code, *map(str, opened)], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline() == "ok\n"
    return p


def test_a_folder_device_match_must_have_the_shm_open(tmp_path, monkeypatch):
    db, shm = tmp_path / "x.db", tmp_path / "x.db-shm"
    shm.write_bytes(b"")
    other = tmp_path / "other"
    other.write_bytes(b"")
    folder, ino = os.stat(tmp_path), os.stat(shm).st_ino
    overlay = f"{os.major(folder.st_dev):02x}:{os.minor(folder.st_dev):02x}:{ino}"
    holder, stranger = _sleeper(shm), _sleeper(other)  # the second holds another layer's file of that inode
    try:
        locks = tmp_path / "locks"
        locks.write_text(f"1: POSIX  ADVISORY  READ {holder.pid} {overlay} 128 128\n"
                         f"2: POSIX  ADVISORY  READ {stranger.pid} {overlay} 128 128\n"
                         f"3: POSIX  ADVISORY  READ 999999999 {overlay} 128 128\n")  # fds unreadable: kept
        _layered(monkeypatch, shm)
        assert [pid for pid, _ in other_holders(db, locks=str(locks))] == [holder.pid, 999999999]
    finally:
        for p in (holder, stranger):
            p.kill()
            p.wait()


def test_has_open(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"")
    with open(f, "rb"):
        assert has_open(os.getpid(), os.stat(f)) is True
    assert has_open(os.getpid(), os.stat(f)) is False
    assert has_open(os.getpid(), os.stat(f), proc=str(tmp_path / "none")) is None
