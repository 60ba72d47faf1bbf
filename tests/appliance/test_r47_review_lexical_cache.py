"""Round 47 review, lexical_cache.py: the per-user cache may be a shared folder (RAGTUNE_CACHE_DIR, XDG_CACHE_HOME).
A symbolic link planted at `lexical/` or at a home's key folder made prune (and discard_home) remove the `v*` entries
of the folder it points to, and a copy planted there was served as the index. Such folders, and ones another user
owns or may write, are not used: the caller rebuilds in its private view, and nothing is removed. A copy is also
checked against the chunks' fingerprint (a home restored in place keeps its version and count)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ragtune.appliance import lexical_cache as lc
from ragtune.appliance.store import Store

from .test_lexical import _add_doc


class FakeStore:
    def __init__(self, path: Path, version: int = 7, fingerprint: str | None = "1:a"):
        self.path, self.index_version, self.fp = str(path), version, fingerprint
        Path(self.path).write_text("")

    def chunk_fingerprint(self) -> str:
        if self.fp is None:
            raise AttributeError("chunk_fingerprint")
        return self.fp


@pytest.fixture
def shared(tmp_path, monkeypatch):
    cache = tmp_path / "shared-cache"
    cache.mkdir()
    monkeypatch.setenv("RAGTUNE_CACHE_DIR", str(cache))
    victim = tmp_path / "victim"
    (victim / "vacation-photos").mkdir(parents=True)
    (victim / "vacation-photos" / "a.jpg").write_text("x")
    old = time.time() - 3600
    os.utime(victim / "vacation-photos", (old, old))
    return cache, victim


def _build(made):
    def build(folder: Path) -> int:
        made.append(folder)
        (folder / "meta.json").write_text("{}")
        return 7
    return build


@pytest.mark.parametrize("where", ["home", "lexical"])
def test_a_planted_link_is_neither_followed_nor_served(tmp_path, shared, where):
    cache, victim = shared
    store = FakeStore(tmp_path / "db.sqlite")
    folder = lc.home_folder(tmp_path / "index", store)
    (victim / "v7").mkdir()
    (victim / "v7" / "meta.json").write_text("{}")  # a planted "copy"
    if where == "home":
        folder.parent.mkdir(parents=True)
        os.symlink(victim, folder)
    else:
        os.symlink(tmp_path / "victim-root", cache / "lexical")
        (tmp_path / "victim-root").mkdir()
        os.symlink(victim, tmp_path / "victim-root" / folder.name)
    made = []
    assert lc.shared_copy(tmp_path / "index", store, _build(made)) is None and made == []
    assert lc.discard_home(tmp_path / "index", store) == 0
    lc.prune(folder, keep="v1")
    assert sorted(os.listdir(victim)) == ["v7", "vacation-photos"]  # was: vacation-photos removed by prune


def test_a_folder_others_may_write_or_of_another_user_is_not_used(tmp_path, shared, monkeypatch):
    cache, victim = shared
    store = FakeStore(tmp_path / "db.sqlite")
    folder = lc.home_folder(tmp_path / "index", store)
    folder.mkdir(parents=True, mode=0o700)
    (folder / "v3").mkdir()
    old = time.time() - 3600
    os.utime(folder / "v3", (old, old))
    os.chmod(folder, 0o777)  # anyone could have put a copy there
    made = []
    assert lc.shared_copy(tmp_path / "index", store, _build(made)) is None and made == []
    assert lc.discard_home(tmp_path / "index", store) == 0 and (folder / "v3").is_dir()
    os.chmod(folder, 0o700)
    real = os.geteuid()
    monkeypatch.setattr(lc.os, "geteuid", lambda: real + 1)  # as another user sees this user's folder
    assert lc.shared_copy(tmp_path / "index", store, _build(made)) is None and made == []
    monkeypatch.undo()
    monkeypatch.setenv("RAGTUNE_CACHE_DIR", str(cache))
    entry = lc.shared_copy(tmp_path / "index", store, _build(made))  # this user's own folder: used
    assert entry == folder / "v7" and len(made) == 1 and not (folder / "v3").exists()


def test_a_copy_over_other_chunks_with_the_same_version_is_built_again(tmp_path, shared):
    store = FakeStore(tmp_path / "db.sqlite")
    made = []
    first = lc.shared_copy(tmp_path / "index", store, _build(made))
    assert first is not None and (first / lc.FINGERPRINT).read_text() == "1:a"
    assert lc.shared_copy(tmp_path / "index", store, _build(made)) == first and len(made) == 1  # reused
    store.fp = "1:b"  # restored in place: the same version (and count), other chunks
    again = lc.shared_copy(tmp_path / "index", store, _build(made))
    assert again == first and len(made) == 2 and (again / lc.FINGERPRINT).read_text() == "1:b"


def test_the_fingerprint_moves_when_chunks_change_but_version_and_count_do_not(tmp_path):
    with Store(tmp_path / "db.sqlite") as store:
        _add_doc(store, "/a.md", "Cats", ["Cats purr when they are content."])
        _add_doc(store, "/b.md", "Dogs", ["Dogs dig holes."])
        version, count, fp = store.index_version, store.count_chunks(), store.chunk_fingerprint()
        assert fp == store.chunk_fingerprint()
        store.conn.execute("UPDATE chunks SET sha256 = 'other' WHERE id = (SELECT max(id) FROM chunks)")
        assert (store.index_version, store.count_chunks()) == (version, count)
        assert store.chunk_fingerprint() != fp
