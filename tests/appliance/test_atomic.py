"""Atomic writes (ragtune/appliance/atomic.py): complete or absent, never half; modes like open()/mkdir()."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ragtune.appliance import atomic
from ragtune.appliance.atomic import (atomic_open, atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text,
                                      default_file_mode, replace_into, sweep_legacy, sweep_stale)


def _leftovers(d):
    return sorted(p.name for p in d.iterdir() if p.name.startswith("."))


def test_text_json_bytes(tmp_path):
    atomic_write_text(tmp_path / "sub" / "a.txt", "héllo\n")
    assert (tmp_path / "sub" / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    atomic_write_json(tmp_path / "b.json", {"b": 1, "a": [1]})
    assert (tmp_path / "b.json").read_text() == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'
    atomic_write_bytes(tmp_path / "c.bin", b"\x00\x01")
    assert (tmp_path / "c.bin").read_bytes() == b"\x00\x01"
    assert stat.S_IMODE((tmp_path / "c.bin").stat().st_mode) == default_file_mode()
    assert _leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path):
    dest = tmp_path / "data.jsonl"
    dest.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(dest) as fh:
            fh.write("half of the new")
            raise RuntimeError("crash")
    assert dest.read_text() == "old\n" and _leftovers(tmp_path) == []


def test_folders_swap_in_whole(tmp_path):
    dest = tmp_path / "model"
    with atomic_path(dest, folder=True) as tmp:
        (tmp / "w.bin").write_bytes(b"1")
    assert (dest / "w.bin").read_bytes() == b"1"
    assert stat.S_IMODE(dest.stat().st_mode) == default_file_mode() | 0o111
    with atomic_path(dest, folder=True) as tmp:  # replaces the old folder
        (tmp / "v.bin").write_bytes(b"2")
    assert sorted(p.name for p in dest.iterdir()) == ["v.bin"]
    with pytest.raises(ValueError):
        with atomic_path(dest, folder=True) as tmp:
            (tmp / "x").write_text("x")
            raise ValueError
    assert sorted(p.name for p in dest.iterdir()) == ["v.bin"] and _leftovers(tmp_path) == []


def test_keep_existing_lets_the_first_writer_win(tmp_path):
    dest = tmp_path / "snap"
    dest.mkdir()
    (dest / "theirs").write_text("t")
    with atomic_path(dest, folder=True, keep_existing=True) as tmp:
        (tmp / "ours").write_text("o")
    assert sorted(p.name for p in dest.iterdir()) == ["theirs"] and _leftovers(tmp_path) == []
    f = tmp_path / "f"
    f.write_text("first")
    src = tmp_path / ".f.part"
    src.write_text("second")
    assert replace_into(src, f, keep_existing=True) is False and f.read_text() == "first" and not src.exists()


def test_default_file_mode_follows_the_umask():
    old = os.umask(0o027)
    try:
        assert default_file_mode() == 0o640
    finally:
        os.umask(old)


def test_check_folder_and_make_dir_name_the_file_in_the_way(tmp_path):
    """Sweep: an --out (or home, or export path) at or under an existing file ended in an internal error
    (FileExistsError / NotADirectoryError) instead of naming the path."""
    from ragtune.appliance.atomic import check_folder, make_dir
    from ragtune.appliance.errors import InputError

    f = tmp_path / "f.bin"
    f.write_bytes(b"x")
    assert check_folder(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checking creates nothing
    assert make_dir(tmp_path / "new" / "deeper").is_dir()
    with pytest.raises(InputError, match=rf"^{f}: exists and is not a folder$"):
        make_dir(f)
    with pytest.raises(InputError, match=rf"^{f / 'a' / 'b'}: cannot create this folder: {f} is a file$"):
        check_folder(f / "a" / "b")
    assert f.read_bytes() == b"x" and _leftovers(tmp_path) == []


def test_a_device_or_pipe_is_written_in_place_never_replaced(tmp_path):
    """Sweep: `log export --out /dev/full` (or /dev/null) renamed a regular file over the device: run as root, the
    device node itself was gone, and the full disk was never reported."""
    import threading

    from ragtune.appliance.errors import InputError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    with atomic_open(fifo) as fh:
        fh.write("line\n")
    reader.join(5)
    assert got == ["line\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe
    with pytest.raises(InputError, match="not a regular file"):
        with atomic_path(fifo):
            pass
    assert _leftovers(tmp_path) == []


def test_a_failed_write_names_the_destination(tmp_path, monkeypatch):
    import errno

    import ragtune.appliance.atomic as atomic

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError) as e:
        atomic_write_text(tmp_path / "a.txt", "x")
    assert e.value.filename == str(tmp_path / "a.txt") and _leftovers(tmp_path) == []


# -- what killed writers leave (kill fuzzer, round 39) -------------------------------------------------------------
def _held(path):
    """An fd holding the flock on `path`, as a live writer holds its temporary's (a lock belongs to the open file:
    another open in this process is refused it too)."""
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_the_next_writer_removes_temporaries_a_killed_writer_left_never_a_live_ones(tmp_path):
    dest = tmp_path / "config.toml"
    dead_file = tmp_path / ".config.toml.k1ll3d_a.part"  # a kill before the rename: no one holds it
    dead_file.write_text("half")
    dead_dir = tmp_path / ".config.toml.k1ll3d_b.part"
    (dead_dir / "sub").mkdir(parents=True)
    (dead_dir / "sub" / "w.bin").write_bytes(b"x" * 1000)
    live = tmp_path / ".config.toml.l1vewrit.part"
    live.write_text("being written")
    other = tmp_path / ".other.toml.k1ll3d_c.part"  # another destination's: its own writer sweeps it
    other.write_text("x")
    fd = _held(live)
    try:
        atomic_write_text(dest, "new\n")
        assert dest.read_text() == "new\n"
        assert _leftovers(tmp_path) == sorted([other.name, live.name])
        assert live.read_text() == "being written"
    finally:
        os.close(fd)
    atomic_write_text(dest, "newer\n")  # the writer died: its lock with it
    assert _leftovers(tmp_path) == [other.name]


def test_a_live_writer_in_another_process_keeps_its_temporary(tmp_path):
    dest = tmp_path / "active.json"
    code = ("import sys; from ragtune.appliance.atomic import atomic_open\n"
            f"with atomic_open({str(dest)!r}) as fh:\n"
            "    fh.write('theirs'); fh.flush(); print('writing', flush=True); sys.stdin.readline()\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "writing"
        (theirs,) = _leftovers(tmp_path)
        atomic_write_text(dest, "ours")
        assert _leftovers(tmp_path) == [theirs] and (tmp_path / theirs).read_text() == "theirs"
    finally:
        p.communicate("\n", timeout=30)
    assert p.returncode == 0 and dest.read_text() == "theirs" and _leftovers(tmp_path) == []


def test_a_temporary_swept_before_its_writer_locked_it_is_made_again(tmp_path, monkeypatch):
    """The window between mkstemp and the flock: a sweep saw an unlocked temporary and removed it."""
    real = tempfile.mkstemp
    calls = []

    def mkstemp(*a, **k):
        fd, name = real(*a, **k)
        calls.append(name)
        if len(calls) == 1:
            os.unlink(name)  # what a concurrent sweep would do
        return fd, name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    atomic_write_text(tmp_path / "a.txt", "a")
    assert len(calls) == 2 and (tmp_path / "a.txt").read_text() == "a" and _leftovers(tmp_path) == []


def _killed_swap(tmp_path):
    """A folder swap by two renames killed between them: the destination missing, the old copy aside, the new one
    complete under its temporary name."""
    dest = tmp_path / "ckpt"
    old = tmp_path / ".ckpt.old-999999"
    old.mkdir()
    (old / "w").write_text("old")
    new = tmp_path / ".ckpt.n3wc0py_.part"
    new.mkdir()
    (new / "w").write_text("new")
    return dest, old, new


def test_a_swap_killed_between_its_renames_is_undone_by_the_next_sweep(tmp_path):
    dest, old, new = _killed_swap(tmp_path)
    sweep_stale(tmp_path, "ckpt")  # what a reader of the destination calls on finding it missing
    assert (dest / "w").read_text() == "old" and _leftovers(tmp_path) == []
    old.mkdir()  # the new copy in place, the old one not yet removed: removed
    sweep_stale(tmp_path, "ckpt")
    assert (dest / "w").read_text() == "old" and _leftovers(tmp_path) == []


def test_the_next_writer_puts_the_old_copy_back_before_replacing_it(tmp_path):
    dest, old, new = _killed_swap(tmp_path)
    with atomic_path(dest, folder=True) as tmp:
        assert (dest / "w").read_text() == "old"  # whole again before this writer's swap
        (tmp / "w").write_text("newest")
    assert (dest / "w").read_text() == "newest" and _leftovers(tmp_path) == []


def test_an_old_copy_a_live_swap_holds_is_left_alone(tmp_path):
    dest, old, new = _killed_swap(tmp_path)
    fd = _held(old)
    try:
        sweep_stale(tmp_path, "ckpt")
        assert not dest.exists() and (old / "w").read_text() == "old"
    finally:
        os.close(fd)


@pytest.mark.parametrize("exchange", [True, False])
def test_a_folder_swap_leaves_the_same_result_with_or_without_rename_exchange(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    elif not atomic._exchange(*(Path(tempfile.mkdtemp(dir=tmp_path)) for _ in range(2))):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here")
    for p in list(tmp_path.iterdir()):
        shutil.rmtree(p)
    dest = tmp_path / "model"
    replaced = []
    real = os.replace
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (replaced.append(Path(b).name), real(a, b)))
    for content in ("1", "2"):
        with atomic_path(dest, folder=True) as tmp:
            (tmp / "w").write_text(content)
    assert (dest / "w").read_text() == "2" and _leftovers(tmp_path) == []
    assert stat.S_IMODE(dest.stat().st_mode) == default_file_mode() | 0o111
    # the first placement is a plain rename; the replacement, one exchange (the destination never missing) or two
    assert replaced == ["model"] + ([] if exchange else [f".model.old-{os.getpid()}", "model"])


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("a")
    if not atomic._exchange(a, b):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here")
    assert (b / "x").exists() and not (a / "x").exists()
    with pytest.raises(FileNotFoundError):
        atomic._exchange(a, tmp_path / "missing")


# sweep_legacy: the unlocked temporaries of older versions (`.tool-XXXXXXXX` pid-less, `NAME.tmpPID` with a pid)
_PIDLESS = re.compile(r"^\.tool-[a-z0-9_]{8}$")
_WITH_PID = re.compile(r"^name\.tmp(?P<pid>[0-9]+)$")
_TWO_DAYS_AGO = time.time() - 2 * 86400


def _old_temp(path, *, aged=False):
    (path / "sub").mkdir(parents=True)
    (path / "w.bin").write_bytes(b"half")
    if aged:
        for p in [*path.rglob("*"), path]:
            os.utime(p, (_TWO_DAYS_AGO, _TWO_DAYS_AGO))
    return path


def _dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_sweep_legacy_removes_only_what_is_clearly_dead(tmp_path):
    """Gone: a dead owner's, one idle past max_idle_s (a reused pid, or pid-less). Kept: a live owner's, a young
    pid-less one (a live older version may still write it), one held locked, names of other patterns."""
    _old_temp(tmp_path / f"name.tmp{_dead_pid()}")
    _old_temp(tmp_path / f"name.tmp{os.getpid()}")
    _old_temp(tmp_path / "name.tmp1", aged=True)  # pid 1 lives, but nothing changed there for two days
    _old_temp(tmp_path / "name.tmp99999999999999999999")  # no pid can be this: its owner is not alive
    _old_temp(tmp_path / ".tool-old12345", aged=True)
    _old_temp(tmp_path / ".tool-young123")
    _old_temp(tmp_path / ".tool-locked12", aged=True)
    _old_temp(tmp_path / ".tool-other", aged=True)  # not the pattern
    (tmp_path / ".tool-a_file12").write_bytes(b"x")
    os.utime(tmp_path / ".tool-a_file12", (_TWO_DAYS_AGO, _TWO_DAYS_AGO))  # a file too
    fd = _held(tmp_path / ".tool-locked12")
    try:
        sweep_legacy(tmp_path, _WITH_PID)
        sweep_legacy(tmp_path, _PIDLESS)
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tool-locked12", ".tool-other", ".tool-young123",
                                                          f"name.tmp{os.getpid()}"]


def test_sweep_legacy_counts_a_change_inside_as_activity_and_takes_max_idle_s(tmp_path):
    busy = _old_temp(tmp_path / ".tool-busy1234", aged=True)
    (busy / "w.bin").write_bytes(b"written just now")  # the folder itself looks old, its content does not
    old = _old_temp(tmp_path / ".tool-hour1234")
    for p in [*old.rglob("*"), old]:
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    sweep_legacy(tmp_path, _PIDLESS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tool-busy1234", ".tool-hour1234"]
    sweep_legacy(tmp_path, _PIDLESS, max_idle_s=600)  # a shorter bound: the hour-old one goes
    assert [p.name for p in tmp_path.iterdir()] == [".tool-busy1234"]


def test_sweep_legacy_never_follows_a_symlink(tmp_path):
    target = _old_temp(tmp_path / "kept", aged=True)
    (tmp_path / ".tool-link1234").symlink_to(target)
    (tmp_path / f"name.tmp{_dead_pid()}").symlink_to(target)
    sweep_legacy(tmp_path, _PIDLESS)
    sweep_legacy(tmp_path, _WITH_PID)
    sweep_legacy(tmp_path / "missing", _PIDLESS)  # no folder: nothing to do, no error
    assert len(list(tmp_path.iterdir())) == 3 and (target / "w.bin").read_bytes() == b"half"
