"""Round 48 read-through of walk.read_item: its non-blocking open (kept so a FIFO swapped in cannot hang ingest)
failed at once with EAGAIN on a file under a kernel lease (a Samba oplock, an NFS server's delegation), where a plain
open waits for the holder to let go: now tried again until the lease is broken. A regular file's fd is made blocking
again (FUSE passes O_NONBLOCK on to its reads); a folder swapped in is called a folder."""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
import time

import pytest

from ragtune.appliance.ingest import walk as W
from ragtune.appliance.ingest.loaders import LoadError

# Holds a write lease on argv[1] as Samba (kernel oplocks) or knfsd (a write delegation) does; on the break
# signal it lets go after a moment, as a client flushing its cache would
_HOLDER = r"""
import fcntl, os, signal, sys, time
told = []
signal.signal(signal.SIGIO, lambda *a: told.append(1))
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.fcntl(fd, getattr(fcntl, "F_SETLEASE", 1024), fcntl.F_WRLCK)
except OSError as exc:
    print("refused", exc, flush=True)
    sys.exit(0)
print("held", flush=True)
end = time.monotonic() + 20
while not told and time.monotonic() < end:
    time.sleep(0.01)
time.sleep(0.3)
fcntl.fcntl(fd, getattr(fcntl, "F_SETLEASE", 1024), fcntl.F_UNLCK)
print("released", flush=True)
"""


def test_a_file_under_a_lease_is_read_once_the_holder_lets_go(tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text("# A\n\nleased\n")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(doc)], stdout=subprocess.PIPE, text=True)
    try:
        first = holder.stdout.readline()
        if not first.startswith("held"):
            pytest.skip(f"F_SETLEASE refused here: {first.strip()}")
        t = time.monotonic()
        assert W.read_item(W.WalkItem(doc, "md"), 50) == b"# A\n\nleased\n"  # was: "resource temporarily unavailable"
        assert time.monotonic() - t < 15
        assert holder.stdout.readline().startswith("released")
    finally:
        holder.kill()
        holder.wait()


def test_eagain_on_open_is_tried_again_and_the_fd_made_blocking(tmp_path, monkeypatch):
    doc = tmp_path / "a.md"
    doc.write_text("text\n")
    real_open, calls = os.open, []

    def leased_twice(path, flags, *a, **k):
        calls.append(flags)
        if len(calls) <= 2:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable", str(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(W.os, "open", leased_twice)
    fd, st = W._open_regular(doc)
    try:
        assert len(calls) == 3 and all(f & os.O_NONBLOCK and f & os.O_NOCTTY for f in calls)
        assert not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK  # FUSE would pass it on to each read
    finally:
        os.close(fd)
    calls.clear()
    assert W.read_item(W.WalkItem(doc, "md"), 50) == b"text\n"


def test_a_lease_never_let_go_ends_in_a_clear_reason(tmp_path, monkeypatch):
    doc = tmp_path / "a.md"
    doc.write_text("text\n")

    def always(path, flags, *a, **k):
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable", str(path))

    monkeypatch.setattr(W.os, "open", always)
    monkeypatch.setattr(W, "_lease_break_s", lambda: 0.0)
    with pytest.raises(LoadError, match="holds a lease"):
        W.read_item(W.WalkItem(doc, "md"), 50)


def test_a_fifo_is_still_refused_at_once_and_a_folder_is_called_one(tmp_path):
    os.mkfifo(tmp_path / "a.md")
    (tmp_path / "b.md").mkdir()
    with pytest.raises(LoadError, match=r"not a regular file \(FIFO\)"):
        W.read_item(W.WalkItem(tmp_path / "a.md", "md"), 50)
    with pytest.raises(LoadError, match=r"not a regular file \(folder\)"):
        W.read_item(W.WalkItem(tmp_path / "b.md", "md"), 50)
