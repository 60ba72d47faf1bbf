"""Atomic writes (ragtune/appliance/atomic.py): complete or absent, never half; modes like open()/mkdir()."""

from __future__ import annotations

import os
import stat

import pytest

from ragtune.appliance.atomic import (atomic_open, atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text,
                                      default_file_mode, replace_into)


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
