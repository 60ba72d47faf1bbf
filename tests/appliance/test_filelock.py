"""filelock.exclusive: the one flock the vector index, the config edit and the rollout commands take."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest

from ragtune.appliance.errors import BusyError, InputError
from ragtune.appliance.filelock import LockBusy, exclusive, held_if_free


def _free(path, *, directory: bool = False) -> bool:
    """Whether another open file could take the lock now (flock locks belong to open files: this one is new)."""
    fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _closed(fd: int, path) -> bool:
    """The fd no longer names the lock (its number may already be reused by another open)."""
    try:
        st = os.fstat(fd)
    except OSError:
        return True
    ref = os.stat(path)
    return (st.st_dev, st.st_ino) != (ref.st_dev, ref.st_ino)


def test_a_lock_file_is_created_held_for_the_block_and_released(tmp_path):
    path = tmp_path / ".lock"
    with exclusive(path) as fd:
        assert path.is_file() and not _free(path)
    assert _closed(fd, path) and _free(path)
    with exclusive(path):  # an existing lock file is reused
        assert not _free(path)


def test_a_folder_lock_creates_nothing(tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    with exclusive(folder, directory=True) as fd:
        assert not _free(folder, directory=True)
        assert list(folder.iterdir()) == []
    assert _closed(fd, folder) and _free(folder, directory=True)


def test_the_fd_is_closed_when_the_block_raises(tmp_path):
    path = tmp_path / ".lock"
    seen = []
    with pytest.raises(ValueError, match="boom"):
        with exclusive(path, wait_s=1.0) as fd:
            seen.append(fd)
            raise ValueError("boom")
    assert _closed(seen[0], path) and _free(path)


def test_a_bounded_wait_gives_up_with_lock_busy_and_closes_its_fd(tmp_path):
    path = tmp_path / ".lock"
    before = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    with exclusive(path):
        t0 = time.monotonic()
        with pytest.raises(LockBusy) as err:
            with exclusive(path, wait_s=0.2):
                pytest.fail("took a lock that is held")
        assert time.monotonic() - t0 >= 0.2  # it waited before giving up
    assert isinstance(err.value, InputError) and err.value.path == path and err.value.wait_s == 0.2
    # busy is "run it again later" (exit 75, as for a busy index), not bad input (was 2); still an InputError to
    # those that catch one
    assert isinstance(err.value, BusyError) and err.value.exit_code == 75
    if before is not None:
        assert set(os.listdir("/proc/self/fd")) == before  # neither open leaked a descriptor


def test_an_open_error_is_an_oserror_for_the_caller_to_word(tmp_path):
    with pytest.raises(FileNotFoundError):
        with exclusive(tmp_path / "missing", directory=True):
            pass
    with pytest.raises(FileNotFoundError):
        with exclusive(tmp_path / "no" / ".lock"):
            pass


@pytest.mark.parametrize("wait_s", [None, 5.0])
def test_a_second_thread_waits_for_the_first(tmp_path, wait_s):
    path = tmp_path / ".lock"
    order: list[str] = []
    held = threading.Event()

    def second():
        held.wait()
        with exclusive(path, wait_s=wait_s):
            order.append("second in")

    t = threading.Thread(target=second)
    t.start()
    with exclusive(path):
        held.set()
        time.sleep(0.3)  # the second is waiting meanwhile
        order.append("first out")
    t.join(10)
    assert order == ["first out", "second in"]


_HOLDER = """
import sys, time
from ragtune.appliance.filelock import exclusive
with exclusive(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    open(sys.argv[1] + ".done", "w").close()  # the end of its block, still holding the lock
"""


def _holder(path, hold_s: float) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), str(hold_s)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_another_process_waits_and_a_killed_holder_leaves_no_stale_lock(tmp_path):
    path = tmp_path / ".lock"
    p = _holder(path, 0.5)
    try:
        with exclusive(path):  # blocks until the other process ends its block
            # got in after the holder's block ended: it waited (was `>= 0.2 s` on the clock, untrue when a busy
            # machine set this process aside for most of the holder's 0.5 s between its "held" and the clock read)
            assert (tmp_path / ".lock.done").exists()
    finally:
        p.wait(10)
        p.stdout.close()  # (its pipe was left to the garbage collector: a ResourceWarning)
    p = _holder(path, 60)
    try:
        with pytest.raises(LockBusy):
            with exclusive(path, wait_s=0.1):
                pass
        p.kill()  # the holder dies mid-block: the kernel drops its lock, the file stays
        p.wait(10)
        with exclusive(path, wait_s=5.0):
            assert path.exists()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(10)
        p.stdout.close()


def test_held_if_free_takes_only_what_no_one_holds_and_creates_nothing(tmp_path):
    f, d = tmp_path / "f.part", tmp_path / "d.part"
    f.write_text("x")
    d.mkdir()
    (tmp_path / "link").symlink_to(f)
    for p in (f, d):
        with held_if_free(p) as fd:
            assert fd is not None and not _free(p, directory=p.is_dir())
        assert _free(p, directory=p.is_dir())
        with exclusive(p, directory=p.is_dir()):  # a live writer's lock
            with held_if_free(p) as fd:
                assert fd is None
    for p in (tmp_path / "missing", tmp_path / "link"):  # gone, or a link: never followed
        with held_if_free(p) as fd:
            assert fd is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.part", "f.part", "link"]
