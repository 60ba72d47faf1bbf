"""Round 47: a read-only home's lexical index read through a private view (lexical_open.py) while its owner commits
(meta.json read consistently with the segment links: a commit costs a retry, not a rebuild)."""

from __future__ import annotations

import os

import pytest

from ragtune.appliance import lexical as lexical_mod
from ragtune.appliance.lexical import LOCK_FILES, LexicalIndex
from ragtune.appliance.store import Store

from .test_lexical import _add_doc


@pytest.fixture
def built(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    _add_doc(store, "/a.md", "Cats", ["Cats purr when they are content.", "Kittens sleep a lot."])
    _add_doc(store, "/b.md", "Gardening", ["Water the tomatoes every morning.", "Dogs dig holes."])
    ix = LexicalIndex(tmp_path / "tantivy")
    ix.ensure_synced(store)
    ix.close()
    for name in LOCK_FILES:
        (tmp_path / "tantivy" / name).unlink(missing_ok=True)
    yield store, tmp_path / "tantivy"
    store.close()


def test_a_commit_while_the_view_is_made_costs_a_retry_not_a_rebuild(built, monkeypatch):
    store, folder = built
    real_symlink = os.symlink
    commits = []

    def symlink_then_commit(src, dst, *a, **k):
        real_symlink(src, dst, *a, **k)
        if not commits:  # the owner's ingest commits between the listing and the meta files' copy
            commits.append(1)
            _add_doc(store, "/c.md", "Birds", ["Parrots talk."])
            owner = LexicalIndex(folder)  # writes in place (`unwritable` answers for the reader only)
            assert owner.view is None
            with owner.writer() as w:
                w.add(99, 3, "Birds", "Parrots talk.")
                w.finish(store.index_version)
            owner.close()

    monkeypatch.setattr(os, "symlink", symlink_then_commit)
    monkeypatch.setattr(lexical_mod, "unwritable", lambda path: not commits)
    rebuilt = []
    monkeypatch.setattr(LexicalIndex, "rebuild", lambda self, s: rebuilt.append(1))
    ix = LexicalIndex(folder)
    try:
        assert commits and ix.view is not None
        assert not ix.corrupt
        assert ix.ensure_synced(store) is False and not rebuilt  # was: a torn view, "damaged", rebuilt
        assert [c for c, _ in ix.search("parrots", 5)] == [99]
    finally:
        ix.close()


# -- one rebuilt copy per (home, version), shared (lexical_cache.py) ----------------------------------------------
@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGTUNE_CACHE_DIR", str(tmp_path / "cache"))
    home_index = tmp_path / "tantivy"
    monkeypatch.setattr(lexical_mod, "unwritable", lambda path: path == home_index)  # the home's folder only
    return tmp_path / "cache" / "lexical"


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_an_out_of_step_read_only_index_is_rebuilt_once_for_every_process(built, cache, monkeypatch):
    store, folder = built
    _add_doc(store, "/c.md", "Birds", ["Parrots talk."])
    before = _snapshot(folder)
    first = LexicalIndex(folder)
    assert first.ensure_synced(store) is True
    hits = first.search("parrots", 5)
    assert hits
    first.close()
    copies = [p.name for home in cache.iterdir() for p in home.iterdir()]
    assert copies == [f"v{store.index_version}"]  # one copy, under the version's name (no temporary left)

    def no_rebuild(self, s):
        raise AssertionError("rebuilt again: was, in every process that searched the home")

    monkeypatch.setattr(LexicalIndex, "rebuild", no_rebuild)
    second = LexicalIndex(folder)
    try:
        assert second.ensure_synced(store) is True and second.search("parrots", 5) == hits
        assert second.is_synced(store)
    finally:
        second.close()
    assert _snapshot(folder) == before  # the home's index is never written
    assert [p.name for home in cache.iterdir() for p in home.iterdir()] == copies  # the copy is kept


def test_a_new_version_gets_its_own_copy_and_the_old_one_goes(built, cache, monkeypatch):
    from ragtune.appliance import lexical_cache

    store, folder = built
    _add_doc(store, "/c.md", "Birds", ["Parrots talk."])
    ix = LexicalIndex(folder)
    ix.ensure_synced(store)
    old = f"v{store.index_version}"
    _add_doc(store, "/d.md", "Fish", ["Salmon swim upstream."])
    monkeypatch.setattr(lexical_cache, "GRACE_S", -1.0)
    assert ix.ensure_synced(store) is True  # the same process, once the version moved on
    assert ix.search("salmon", 5) and ix.is_synced(store)
    ix.close()
    assert [p.name for home in cache.iterdir() for p in home.iterdir()] == [f"v{store.index_version}"] != [old]


def test_a_build_that_fails_leaves_no_copy_and_the_view_is_rebuilt(built, cache):
    from ragtune.appliance import lexical_cache

    store, folder = built

    def failing(tmp):
        (tmp / "meta.json").write_text("{half")  # a build killed midway: its temporary only
        raise OSError("no room")

    assert lexical_cache.shared_copy(folder, store, failing) is None
    assert not any(p.name.startswith("v") for home in cache.iterdir() for p in home.iterdir())
    _add_doc(store, "/c.md", "Birds", ["Parrots talk."])
    ix = LexicalIndex(folder)
    try:
        assert ix.ensure_synced(store) is True and ix.search("parrots", 5)
    finally:
        ix.close()


def test_a_damaged_copy_is_not_used_nor_mended_in_place(built, cache):
    store, folder = built
    _add_doc(store, "/c.md", "Birds", ["Parrots talk."])
    ix = LexicalIndex(folder)
    ix.ensure_synced(store)
    ix.close()
    (entry,) = [p for home in cache.iterdir() for p in home.iterdir()]
    (entry / "synced.json").write_text('{"schema": 2, "index_version": 1}')  # another version's
    ix = LexicalIndex(folder)
    try:
        assert ix.ensure_synced(store) is True and ix.search("parrots", 5)
        assert ix.view.parent.name.startswith("ragtune-lexical-")  # rebuilt in a private view
    finally:
        ix.close()
    assert not entry.exists()  # discarded: the next process builds it again


def test_two_processes_building_the_same_copy_keep_the_first(built, cache):
    from ragtune.appliance import lexical_cache

    store, folder = built
    made = []

    def build(tmp):
        ix = LexicalIndex(tmp)
        ix.rebuild(store)
        version = ix.synced_version
        ix.close()
        if not made:  # another process renames its copy into place while this one builds
            made.append(None)
            made[0] = lexical_cache.shared_copy(folder, store, build)
            (made[0] / "winner").write_text("")
        return version

    entry = lexical_cache.shared_copy(folder, store, build)
    assert entry == made[0] and (entry / "winner").exists()
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]  # the loser's temporary is gone
