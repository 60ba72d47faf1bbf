"""sha256 helpers (ragtune/appliance/hashing.py): files, folders (order- and time-independent), memo."""

from __future__ import annotations

import hashlib
import os

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.appliance.hashing import clear_caches, sha256_bytes, sha256_file, sha256_path, sha256_text


def test_bytes_text_file(tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"abc")
    want = hashlib.sha256(b"abc").hexdigest()
    assert sha256_bytes(b"abc") == sha256_text("abc") == sha256_file(f) == sha256_path(f) == want


def test_file_memo_follows_the_files_identity(tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"one")
    first = sha256_file(f)
    f.write_bytes(b"two!")
    assert sha256_file(f) != first  # size changed: re-read
    st = f.stat()
    f.write_bytes(b"TWO!")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime (cp -p, tar x): read again
    assert sha256_file(f) == hashlib.sha256(b"TWO!").hexdigest()
    clear_caches()
    assert sha256_file(f) == hashlib.sha256(b"TWO!").hexdigest()


def test_folder_hash(tmp_path):
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "b.txt").write_text("b")
    (d / "sub" / "a.txt").write_text("a")
    lines = "".join(f"{rel}\t{hashlib.sha256(c).hexdigest()}\n" for rel, c in [("b.txt", b"b"), ("sub/a.txt", b"a")])
    assert sha256_path(d) == hashlib.sha256(lines.encode()).hexdigest()
    copy = tmp_path / "elsewhere"
    (copy / "sub").mkdir(parents=True)
    (copy / "sub" / "a.txt").write_text("a")  # other creation order and place: same id
    (copy / "b.txt").write_text("b")
    assert sha256_path(copy) == sha256_path(d)
    with pytest.raises(ModelError, match="empty"):
        sha256_path((tmp_path / "e").mkdir() or tmp_path / "e")
    with pytest.raises(ModelError, match="no such file"):
        sha256_path(tmp_path / "missing")


def test_a_device_or_a_pipe_is_said_as_one_never_read(tmp_path):
    """`sha256_path(/dev/null)` said "no such file or directory"; sha256_file hashed it as empty (/dev/zero: read
    forever; a pipe: open() waits for a writer)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in ("/dev/null", fifo):
        with pytest.raises(ModelError, match="pipe: a device, pipe or socket, not a file or folder$|"
                                             "null: a device, pipe or socket, not a file or folder$"):
            sha256_path(path)
    with pytest.raises(ModelError, match=r"^/dev/null: a device, pipe or socket, not a file$"):
        sha256_file("/dev/null")
