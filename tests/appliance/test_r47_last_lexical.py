"""Round 47, last reading of the lexical index's panic handling (lexical_panic.py) and of the per-user cache of
rebuilt copies (lexical_cache.py): a damaged copy in the cache is removed when it panics (its fingerprint still
matched, so the retry and every later process opened the same one) and the error names it, not the home; a panic in
a writer's rollback no longer replaces the error that got there; a panic rebuilding a just-reset index is a
StoreError; a cache root of this user's that its group or others may write without the sticky bit is not used."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ragtune.appliance import lexical as lexmod
from ragtune.appliance import lexical_cache as lc
from ragtune.appliance.errors import StoreError
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.lexical import SIDECAR, LexicalIndex
from ragtune.appliance.store import open_store

from .kill_fuzz_helpers import write_corpus
from .test_r47_review_lexical_cache import FakeStore, _build


class PanicException(BaseException):
    """Stands in for pyo3's (told by its name, as tantivy-py's is)."""


@pytest.fixture
def on_a_copy(settings, fake, tmp_path, monkeypatch):
    """A read-only home (as `unwritable` says) whose index is out of step: read through a copy in this user's cache."""
    write_corpus(tmp_path / "docs", seed=3, n=6)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    monkeypatch.setenv("RAGTUNE_CACHE_DIR", str(tmp_path / "cache"))
    home = settings.home
    (home.lexical_dir / SIDECAR).write_text(json.dumps({"schema": 2, "index_version": None}))
    home_dir = str(home.lexical_dir)
    monkeypatch.setattr(lexmod, "unwritable", lambda p: str(p).startswith(home_dir))
    return home


def _panic_on(monkeypatch, damaged):
    real = LexicalIndex._search

    def search(self, *a):
        if damaged(self.path):
            raise PanicException("index out of bounds")
        return real(self, *a)
    monkeypatch.setattr(LexicalIndex, "_search", search)


def test_a_damaged_copy_is_removed_and_the_retry_reads_a_new_one(on_a_copy, monkeypatch):
    with open_store(on_a_copy) as store:
        idx = LexicalIndex(on_a_copy.lexical_dir)
        assert idx.ensure_synced(store)
        first = idx.path
        assert "cache" in str(first) and (first / "meta.json").is_file()
        (first / "damaged").write_text("")  # the copy itself is damaged: a copy built again is not
        _panic_on(monkeypatch, lambda p: (p / "damaged").exists())
        word = max(store.query("SELECT text FROM chunks LIMIT 1")[0][0].split(), key=len)
        hits = idx.search(word, 5)  # was: the same copy again (its fingerprint matches), a StoreError
        assert "cache" in str(idx.path) and (idx.path / "meta.json").is_file() and hits
        assert not (first / "damaged").exists()  # removed; a later process opens the new one
        idx.close()


def test_a_copy_damaged_again_is_removed_and_named(on_a_copy, monkeypatch):
    with open_store(on_a_copy) as store:
        idx = LexicalIndex(on_a_copy.lexical_dir)
        assert idx.ensure_synced(store)
        _panic_on(monkeypatch, lambda p: "/cache/lexical/" in str(p))
        with pytest.raises(StoreError) as err:
            idx.search("ferry", 5)
        entry = idx.path
        assert str(entry) in err.value.message and str(on_a_copy.lexical_dir) not in err.value.message
        assert str(entry) in err.value.hint and "Tantivy panicked" in err.value.message
        assert not (entry / "meta.json").exists()  # no later process opens it
        idx.close()


def test_a_private_view_still_names_the_home(on_a_copy, monkeypatch):
    monkeypatch.setattr(lc, "shared_copy", lambda *a: None)  # no cache folder: a private view
    with open_store(on_a_copy) as store:
        idx = LexicalIndex(on_a_copy.lexical_dir)
        assert idx.ensure_synced(store) and "ragtune-lexical-" in str(idx.path)
        _panic_on(monkeypatch, lambda p: True)
        with pytest.raises(StoreError) as err:
            idx.search("ferry", 5)
        assert str(on_a_copy.lexical_dir) in err.value.message
        assert f'rm -rf "{on_a_copy.lexical_dir}"' in err.value.hint
        idx.close()


class _Writer:
    def __init__(self, real):
        self._real = real

    def rollback(self):
        raise PanicException("a damaged segment")

    def __getattr__(self, name):
        return getattr(self._real, name)


class _Index:
    def __init__(self, real):
        self._real = real

    def writer(self, **k):
        return _Writer(self._real.writer(**k))

    def __getattr__(self, name):
        return getattr(self._real, name)


def test_a_panic_in_the_rollback_does_not_replace_the_error(tmp_path):
    idx = LexicalIndex(tmp_path / "lex")
    idx._index = _Index(idx._index)
    with pytest.raises(RuntimeError, match="the caller's"):  # was: the PanicException of the rollback
        with idx.writer():
            raise RuntimeError("the caller's")
    idx._index = idx._index._real
    with idx.writer() as w:  # the writer lock was released
        w.finish(1)
    idx.close()


def test_a_panic_rebuilding_a_reset_index_is_a_store_error(settings, fake, tmp_path, monkeypatch):
    write_corpus(tmp_path / "docs", seed=3, n=3)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)

    def panics(self, store):
        raise PanicException("called `Option::unwrap()` on a `None` value")
    monkeypatch.setattr(LexicalIndex, "_rebuild", panics)
    with open_store(settings.home) as store:
        idx = LexicalIndex(settings.home.lexical_dir)
        with pytest.raises(StoreError) as err:  # was: the PanicException, a traceback
            idx.rebuild(store)
        assert str(settings.home.lexical_dir) in err.value.message and "rm -rf" in err.value.hint
        idx.close()


@pytest.mark.parametrize("mode,used", [(0o775, False), (0o757, False), (0o1777, True), (0o755, True)])
def test_a_cache_root_of_this_users_others_may_rename_in_is_not_used(tmp_path, monkeypatch, mode, used):
    monkeypatch.setattr(lc, "private_group", lambda gid, uid: False)  # 0o775 of a shared group (round 48)
    root = tmp_path / "cache"
    root.mkdir()
    os.chmod(root, mode)
    monkeypatch.setenv("RAGTUNE_CACHE_DIR", str(root))
    store = FakeStore(tmp_path / "db.sqlite")
    assert os.stat(root).st_uid == os.geteuid() and stat.S_IMODE(os.stat(root).st_mode) == mode
    made = []
    entry = lc.shared_copy(tmp_path / "index", store, _build(made))  # was: used whatever the mode, being ours
    assert (entry is not None) == used and bool(made) == used
    assert lc.checked_home_folder(tmp_path / "index", store) is (None if not used else entry.parent) or used
    os.chmod(root, 0o700)
