"""Round 46, storage: a home on a file system whose flock fails (an NFS mount without its lock service: ENOLCK) or
succeeds for everyone (some FUSE and network file systems grant every lock). Before: every atomic write failed on
the first with a bare "No locks available", and where locks were no-ops a sweep took a live writer's temporary for
a dead one's and removed it under the writer. Now: atomic writes go on unlocked where there are no locks (sweeps
never take what they could not lock), a writer that must keep others out (`filelock.exclusive`: the vector index,
config edits, rollouts, the lexical writer) refuses in words, exit 74, and no sweep takes a file there. Also: run
as root in a folder of another user's, what ragtune makes gets that folder's owner (atomic.give_to_folder_owner)."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

import pytest

from ragtune.appliance import atomic, filelock
from ragtune.appliance.atomic import atomic_write_text, locked_temporary, sweep_stale
from ragtune.appliance.filelock import LocksUnavailable, exclusive, held_if_free
from ragtune.appliance.home import sweep_leftovers

REAL_FLOCK = fcntl.flock


def _no_locks(fd, op):
    raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))


def _noop_locks(fd, op):
    return None  # granted to every open file: keeps no one out


@pytest.fixture(params=["enolck", "noop"])
def lockless(request, monkeypatch):
    fake = _no_locks if request.param == "enolck" else _noop_locks
    for mod in (filelock, atomic):
        monkeypatch.setattr(mod.fcntl, "flock", fake)
    return request.param


def test_atomic_writes_go_on_where_the_file_system_keeps_no_locks(tmp_path, lockless):
    dest = tmp_path / "config.toml"
    atomic_write_text(dest, "a = 1\n")
    atomic_write_text(dest, "a = 2\n")
    assert dest.read_text() == "a = 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no temporary left behind


def test_a_live_writers_temporary_is_never_swept_where_locks_say_nothing(tmp_path, lockless):
    dest = tmp_path / "active.json"
    tmp, fd = locked_temporary(dest, folder=False)  # a writer still filling it
    try:
        sweep_stale(tmp_path)
        sweep_leftovers(tmp_path, again=True)
        with held_if_free(tmp) as held:
            assert held is None
        assert tmp.exists()  # was removed under the writer where every lock was granted
    finally:
        os.close(fd)


def test_a_writer_that_must_keep_others_out_refuses_in_words(tmp_path, lockless):
    lock = tmp_path / "vectors" / ".lock"
    lock.parent.mkdir()
    entered = []
    with pytest.raises(LocksUnavailable) as raised:
        with exclusive(lock, wait_s=1):
            entered.append(1)
    assert not entered
    err = raised.value
    assert err.exit_code == 74 and str(lock) in err.message and "keeps no file locks" in err.message
    assert "nothing was written" in err.message and "lock" in err.hint


def test_a_dead_writers_temporary_is_still_swept_where_locks_work(tmp_path):
    tmp, fd = locked_temporary(tmp_path / "x.json", folder=False)
    os.close(fd)  # its writer died
    sweep_stale(tmp_path)
    assert not tmp.exists()
    with exclusive(tmp_path / ".lock", wait_s=0.1):  # real locks: exclusive as before
        pass


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_root_writing_in_another_users_folder_gives_what_it_makes_to_that_user(tmp_path):
    from ragtune.appliance.store import Store

    home = tmp_path / "alice-home"
    home.mkdir()
    os.chown(home, 65534, 65534)
    atomic_write_text(home / "registry" / "active.json", "{}\n")  # a file and the folder made for it
    with Store(home / "ragtune.db") as s:
        s.set_meta("k", "v")
        made = [home / "registry", home / "registry" / "active.json", home / "ragtune.db",
                *[Path(f"{home}/ragtune.db{x}") for x in ("-wal", "-shm") if os.path.exists(f"{home}/ragtune.db{x}")]]
        assert {(os.stat(p).st_uid, os.stat(p).st_gid) for p in made} == {(65534, 65534)}
    mine = tmp_path / "root-own"
    atomic_write_text(mine / "f", "x")  # root's own folder: root's files, as before
    assert os.stat(mine / "f").st_uid == 0 and os.stat(mine).st_uid == 0


def test_nobody_else_gives_files_away(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(atomic.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(atomic.os, "lchown", lambda *a: calls.append(a))
    atomic_write_text(tmp_path / "sub" / "f", "x")
    assert calls == []
