"""Round 54: on an overlay whose layers lie on other file systems (a container's upper layer on one disk, its image
on another), a file stats with its layer's device (00:29) while /proc/locks names the overlay's own (00:28), the
device a folder on it stats with (seen on Linux 6.18 with a lower layer on tmpfs, the upper on ext4). The
migration's "who else has the database open" then found no one; the folder's device now counts as the same."""

from __future__ import annotations

import os

from ragtune.appliance.store import holders
from ragtune.appliance.store.holders import held_locks, other_holders

LAYER = os.makedev(0, 0x29)  # the layer's pseudo device the -shm stats with on such an overlay


def _layered(monkeypatch, shm):
    """os.stat as the overlay gives it: the -shm with its layer's device, folders with the real (overlay's) one."""
    real = os.stat

    def stat(path, *a, **k):
        st = real(path, *a, **k)
        if str(path) != str(shm):
            return st
        fields = list(st[:10])
        fields[2] = LAYER
        return os.stat_result(fields)

    monkeypatch.setattr(holders.os, "stat", stat)


def _dev(st, ino=None):
    return f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino if ino is None else ino}"


def test_an_overlays_lock_is_found_through_the_folders_device(tmp_path, monkeypatch):
    db, shm = tmp_path / "x.db", tmp_path / "x.db-shm"
    shm.write_bytes(b"")
    ino, overlay = os.stat(shm).st_ino, _dev(os.stat(tmp_path), os.stat(shm).st_ino)
    assert os.stat(tmp_path).st_dev != LAYER
    locks = tmp_path / "locks"
    locks.write_text(f"1: POSIX  ADVISORY  READ 4242 {overlay} 128 128\n"  # the overlay's device, the file's inode
                     f"2: POSIX  ADVISORY  READ 4343 fe:7f:{ino} 128 128\n")  # another file system's file: not it
    _layered(monkeypatch, shm)
    assert os.stat(shm).st_dev == LAYER  # the double: the file's device is not the one /proc/locks names
    assert [pid for pid, _ in other_holders(db, locks=str(locks))] == [4242]


def test_held_locks_counts_the_folders_device_only_where_given(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"")
    st = os.stat(f)
    other = os.stat_result([st.st_mode, st.st_ino, os.makedev(0, 0x29)] + list(st[3:10]))  # as the overlay's file
    text = f"1: FLOCK  ADVISORY  WRITE 77 {_dev(st)} 0 EOF\n"
    assert held_locks(other, text) == [(77, "FLOCK", False, 0, None)]  # scope.ingest_running's call: as before
    assert held_locks(other, text, os.stat(tmp_path)) == [(77, "FLOCK", True, 0, None)]
    assert held_locks(st, text) == [(77, "FLOCK", True, 0, None)]
