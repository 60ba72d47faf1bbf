"""Round 49: a keyword-index segment file deleted or lost (`rm HOME/tantivy/*.idx`) is damage, rebuilt from the
database on the next search as `doctor` says, not "being replaced by another process (waited 10 s)" (exit 75, every
time: the reopen of commit 613eab4 took any missing file for another process's replacement)."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.lexical_open import (META_LOCK, RESET_PREFIX, IndexBusy, exclusive, reopen_when_whole,
                                            replacing)
from ragtune.appliance.store import Store

from .test_r49_rebuild_race import _add_doc


@pytest.fixture
def built(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    _add_doc(s, "/refunds.md", "Refunds", [f"A refund is paid within {i} days of the return." for i in range(40)])
    ix = LexicalIndex(tmp_path / "tantivy")
    ix.ensure_synced(s)
    ix.close()
    yield tmp_path / "tantivy", s
    s.close()


def _remove(folder, suffix):
    gone = [n for n in os.listdir(folder) if n.endswith(suffix)]
    assert gone
    for n in gone:
        os.unlink(folder / n)


@pytest.mark.parametrize("suffix", [".idx", ".term", ".store"])
def test_a_lost_segment_file_is_rebuilt_not_busy(built, suffix):
    folder, store = built
    _remove(folder, suffix)
    t = time.monotonic()
    ix = LexicalIndex(folder)  # IndexBusy after 10 s before the fix
    try:
        assert ix.ensure_synced(store) is True  # rebuilt from the database
        hits = ix.search("refund", 5)
    finally:
        ix.close()
    assert len(hits) == 5
    assert time.monotonic() - t < 5.0


def refunds_home(home, settings, monkeypatch) -> None:
    """HOME with one refunds document and its keyword index built; the CLI's Retriever without reranking, on the
    fake embedder (for `main(["search", ...])`)."""
    import ragtune.appliance.retrieve as ret_mod

    from .test_retrieve import FakeEmbedder

    home.ensure()
    s = Store(home.db_path)
    _add_doc(s, "/refunds.md", "Refunds", ["A refund is paid within 14 days of the return."])
    s.close()
    real = ret_mod.Retriever
    monkeypatch.setattr(ret_mod, "Retriever", lambda settings, **kw: real(settings.replace("retrieve", rerank=""),
                                                                         embedder=FakeEmbedder(), **kw))
    real(settings.replace("retrieve", rerank=""), embedder=FakeEmbedder()).close()  # builds HOME/tantivy


def test_cli_search_after_rm_idx(home, settings, monkeypatch, capsys):
    """The admin's steps: `rm HOME/tantivy/*.idx`, then `ragtune search refund` finds the hits (exit 0)."""
    from ragtune.cli import main

    refunds_home(home, settings, monkeypatch)
    _remove(home.lexical_dir, ".idx")
    t = time.monotonic()
    assert main(["search", "--json", "refund"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hits"] and time.monotonic() - t < 5.0


def test_a_replacement_under_way_is_waited_for(tmp_path):
    """A reset's folder or a held meta lock is another process at work: waited for (IndexBusy past the wait), never
    taken for damage however long meta.json stays the same."""
    calls = []

    def gone():
        calls.append(1)
        raise ValueError('Failed to open file for read: FileDoesNotExist("abc.idx")')

    (tmp_path / "meta.json").write_text("{}")
    (tmp_path / f"{RESET_PREFIX}123").mkdir()
    assert replacing(tmp_path)
    with pytest.raises(IndexBusy, match="being replaced"):
        reopen_when_whole(tmp_path, gone, wait_s=0.8)
    (tmp_path / f"{RESET_PREFIX}123").rmdir()
    assert not replacing(tmp_path)
    held = threading.Event()
    release = threading.Event()

    def hold():
        with exclusive(tmp_path / META_LOCK, wait_s=1):
            held.set()
            release.wait(60)  # set in the finally below

    th = threading.Thread(target=hold)
    th.start()
    assert held.wait(30)  # (was an unchecked 5 s: on a busy machine the checks below ran before the lock was held)
    try:
        assert replacing(tmp_path)
        with pytest.raises(IndexBusy):
            reopen_when_whole(tmp_path, gone, wait_s=0.8)
    finally:
        release.set()
        th.join()
    with pytest.raises(ValueError, match="FileDoesNotExist"):  # nothing at work, meta.json unchanged: damage
        reopen_when_whole(tmp_path, gone, wait_s=5)
    assert len(calls) > 2


def test_a_commit_meanwhile_is_opened_again(tmp_path):
    """A file gone because meta.json changed since (another's commit collected it): opened again, not damage."""
    meta = tmp_path / "meta.json"
    meta.write_text("1")
    tries = []

    def opener():
        tries.append(1)
        if len(tries) == 1:
            meta.write_text("2")  # the commit that removed the file this open read
            raise FileNotFoundError("abc.idx")
        return "opened"

    assert reopen_when_whole(tmp_path, opener, wait_s=5) == "opened"
