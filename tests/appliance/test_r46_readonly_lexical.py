"""Round 46: a lexical index this process may not write (a read-only mount, a folder of another user's) is read
through a private view (lexical_open.py), never reset as "damaged"; a write of it the disk has no room for is a
WriteRefused (exit 74, ENOSPC) naming the index. Simulated (monkeypatch): CI needs no mounts."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from ragtune.appliance import lexical as lexical_mod
from ragtune.appliance import lexical_open
from ragtune.appliance.errors import StoreError, WriteRefused
from ragtune.appliance.lexical import LOCK_FILES, LexicalIndex
from ragtune.appliance.store import Store

from .test_lexical import _add_doc

EROFS_TEXT = ('Failed to acquire Lockfile: IoError(Os { code: 30, kind: ReadOnlyFilesystem, message: "Read-only file '
              'system" }). None')


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


@pytest.fixture
def built(tmp_path):
    """A store and its index, in step, with Tantivy's lock files removed (an open in place makes them again)."""
    store = Store(tmp_path / "db.sqlite")
    _add_doc(store, "/a.md", "Cats", ["Cats purr when they are content.", "Kittens sleep a lot."])
    _add_doc(store, "/b.md", "Gardening", ["Water the tomatoes every morning.", "Dogs dig holes."])
    ix = LexicalIndex(tmp_path / "tantivy")
    ix.ensure_synced(store)
    want = ix.search("cats tomatoes", 10)
    ix.close()
    for name in LOCK_FILES:
        (tmp_path / "tantivy" / name).unlink(missing_ok=True)
    yield store, tmp_path / "tantivy", want
    store.close()


def test_an_unwritable_index_is_searched_through_a_view_and_left_as_it_is(built, monkeypatch):
    store, folder, want = built
    before = _snapshot(folder)
    monkeypatch.setattr(lexical_mod, "unwritable", lambda path: True)
    ix = LexicalIndex(folder)
    try:
        assert ix.view is not None and ix.path == ix.view and ix.home_path == folder
        assert ix.ensure_synced(store) is False  # in step: read as it is, nothing rebuilt
        assert ix.search("cats tomatoes", 10) == want
        assert not any(os.path.exists(folder / n) for n in LOCK_FILES)  # was: Tantivy's lock files made there
        view = ix.view
    finally:
        ix.close()
    assert _snapshot(folder) == before
    assert not view.parent.exists()  # removed at close


def test_an_out_of_step_index_is_rebuilt_in_the_view_only(built, monkeypatch):
    store, folder, _ = built
    _add_doc(store, "/c.md", "Birds", ["Parrots talk."])
    before = _snapshot(folder)
    monkeypatch.setattr(lexical_mod, "unwritable", lambda path: True)
    ix = LexicalIndex(folder)
    try:
        assert ix.ensure_synced(store) is True
        assert [c for c, _ in ix.search("parrots", 5)]  # found: the view holds the rebuilt index
    finally:
        ix.close()
    assert _snapshot(folder) == before  # the links were deleted in the view, never their targets


def test_a_lock_refused_by_the_file_system_opens_a_view_instead_of_resetting(built, monkeypatch):
    """os.access said writable (an ACL, NFS root_squash) but Tantivy's lock file was refused: was "cannot reset the
    damaged lexical index ... delete this folder"."""
    import tantivy

    store, folder, want = built
    before = _snapshot(folder)
    real_open = tantivy.Index.open

    def open_(path):
        if Path(path) == folder:
            raise ValueError(EROFS_TEXT)
        return real_open(path)

    monkeypatch.setattr(tantivy.Index, "open", staticmethod(open_))
    monkeypatch.setattr(lexical_mod, "unwritable", lambda path: False)
    ix = LexicalIndex(folder)
    try:
        assert ix.view is not None and not ix.corrupt
        assert ix.search("cats tomatoes", 10) == want
    finally:
        ix.close()
    assert _snapshot(folder) == before


def test_a_reset_refused_for_permission_does_not_call_the_index_damaged(built, monkeypatch):
    _, folder, _ = built
    ix = LexicalIndex(folder)

    def refused(path, wait_s):
        raise PermissionError(errno.EACCES, "Permission denied", str(path / "x"))

    monkeypatch.setattr(lexical_mod, "_locked", refused)
    with pytest.raises(StoreError) as e:
        ix._reset_dir()
    ix.close()
    assert "damaged" not in e.value.message and "delete this folder" not in (e.value.hint or "")
    assert "Permission denied" in e.value.message and "ls -la" in e.value.hint


def test_an_index_the_view_cannot_read_is_rebuilt_from_the_database(built, monkeypatch):
    store, folder, want = built

    def refused(src, dst, **kw):
        raise PermissionError(errno.EACCES, "Permission denied", str(src))

    monkeypatch.setattr(lexical_mod, "unwritable", lambda path: True)
    monkeypatch.setattr(lexical_open.shutil, "copyfile", refused)  # meta.json of another user's, mode 600
    ix = LexicalIndex(folder)
    try:
        assert list(ix.view.iterdir()) != [] and ix.synced_version is None
        assert ix.ensure_synced(store) is True
        assert ix.search("cats tomatoes", 10) == want
    finally:
        ix.close()


@pytest.mark.parametrize("said", ["An IO error occurred: 'No space left on device (os error 28)'",
                                  "An error occurred in a thread: 'An index writer was killed.. A worker thread "
                                  "encountered an error (io::Error most likely) or panicked.'"])
def test_a_write_with_no_room_is_write_refused_naming_the_index(built, monkeypatch, said):
    store, folder, _ = built
    monkeypatch.setattr(lexical_open, "_free", lambda folder: 4096)
    ix = LexicalIndex(folder)
    try:
        with pytest.raises(WriteRefused) as e:
            with ix.writer() as w:
                w.add(99, 9, "t", "text")
                raise ValueError(said)  # as Tantivy's commit says it
        assert e.value.errno == errno.ENOSPC and e.value.exit_code == 74
        assert str(folder) in e.value.message and "no space left" in e.value.message
        assert f"df -h {folder}" in e.value.hint
        _add_doc(store, "/c.md", "Birds", ["Parrots talk."])
        def finish(self, version):
            raise ValueError(said)

        monkeypatch.setattr(lexical_mod.LexicalWriter, "finish", finish)
        with pytest.raises(WriteRefused):  # a rebuild does not reset the index first: no room is not damage
            ix.rebuild(store)
    finally:
        ix.close()


def test_a_killed_writer_with_room_left_is_refused_but_not_called_full(tmp_path, monkeypatch):
    monkeypatch.setattr(lexical_open, "_free", lambda folder: 10 << 30)
    refused = lexical_open.no_room(tmp_path, ValueError("An index writer was killed.."))
    assert refused is not None and refused.errno == errno.EIO and "no space" not in refused.message
    assert lexical_open.no_room(tmp_path, ValueError("some other tantivy error")) is None


def test_another_files_no_room_inside_the_writer_block_is_left_alone(built):
    _, folder, _ = built
    ix = LexicalIndex(folder)
    try:
        with pytest.raises(OSError) as e:
            with ix.writer():
                raise OSError(errno.ENOSPC, "No space left on device", "/elsewhere/vectors.bin")
        assert not isinstance(e.value, WriteRefused)
    finally:
        ix.close()
