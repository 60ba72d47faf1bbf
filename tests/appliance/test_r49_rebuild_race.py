"""Round 49: a reader of the keyword index while another process rebuilds it (a reset after an upgrade, a damaged
index, `doctor`'s advice) never dies with Tantivy's `FileDoesNotExist("meta.json")` (an internal error, exit 70)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from ragtune.appliance.lexical import SIDECAR, WRITER_LOCK, LexicalIndex, write_json_atomic
from ragtune.appliance.lexical_open import META_LOCK, is_litter, reopen_when_whole, vanished
from ragtune.appliance.lexical_terms import index_schema
from ragtune.appliance.store import Store


def _add_doc(store, path, title, texts):
    with store.transaction() as conn:
        conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at) VALUES (?, 'x', ?, 'md', 0)",
                     (path, title))
        doc_id = conn.last_insert_rowid()
        for i, t in enumerate(texts):
            conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256)"
                         " VALUES (?, ?, ?, 0, ?, 1, 'h')", (doc_id, i, t, len(t)))
        store.bump_index_version()


@pytest.fixture
def home(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    _add_doc(s, "/a.md", "Cats", [f"Cats purr when they are content, note {i}." for i in range(50)])
    ix = LexicalIndex(tmp_path / "tantivy")
    ix.ensure_synced(s)
    yield tmp_path, s, ix
    ix.close()
    s.close()


def _rebuild_loop(folder: str, until: float) -> None:
    """Another process: what an upgrade does to an index of another schema, again and again (open: reset; then
    rebuilt from the database)."""
    d = Path(folder)
    s = Store(d / "db.sqlite")
    while time.time() < until:
        write_json_atomic(d / "tantivy" / SIDECAR, {"schema": 2, "index_version": 1})
        ix = LexicalIndex(d / "tantivy")
        ix.ensure_synced(s)
        ix.close()
    s.close()


def test_search_while_another_process_rebuilds(home):
    d, store, ix = home
    until = time.time() + 3.0
    p = multiprocessing.get_context("spawn").Process(target=_rebuild_loop, args=(str(d), until))
    p.start()
    n = 0
    try:
        while time.time() < until:
            ix.reload()  # what retrieve does once per version it sees
            hits = ix.search("cats purr", 5)
            assert len(hits) <= 5
            n += 1
    finally:
        p.join(30)
    assert p.exitcode == 0 and n > 0
    ix.ensure_synced(store)
    ix.reload()
    assert ix.search("cats purr", 5)


def test_reader_survives_an_in_place_reset(home):
    """An older ragtune's reset: every file removed, then a new index made a moment later. The reader's reload
    waits for the whole index and opens it again (it raised ValueError: FileDoesNotExist("meta.json"))."""
    d, store, ix = home
    import tantivy

    folder = d / "tantivy"
    for child in folder.iterdir():
        if child.name not in (WRITER_LOCK, META_LOCK):
            child.unlink()
    t = threading.Timer(0.3, lambda: tantivy.Index(index_schema(), path=str(folder), reuse=False))
    t.start()
    try:
        ix.reload()
    finally:
        t.join()
    assert ix.search("cats purr", 5) == []  # the new, empty index: the next ensure_synced refills it
    assert ix.ensure_synced(store) is True
    assert ix.search("cats purr", 5)


def test_reader_waits_a_bounded_time_then_busy(tmp_path):
    from ragtune.appliance.lexical_open import IndexBusy

    with pytest.raises(IndexBusy, match="being replaced"):
        reopen_when_whole(tmp_path, lambda: None, wait_s=0.1)
    assert vanished(ValueError('Failed to open file for read: FileDoesNotExist("meta.json")'))
    assert not vanished(ValueError("index schema 2 is not 3"))


def test_reset_publishes_whole_and_keeps_lock_files(home):
    d, store, ix = home
    folder = d / "tantivy"
    locks = {n: os.stat(folder / n).st_ino for n in (WRITER_LOCK,) if (folder / n).exists()}
    seen_missing = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            if not (folder / "meta.json").is_file():
                seen_missing.append(1)

    w = threading.Thread(target=watch)
    w.start()
    try:
        for _ in range(5):
            ix._reset_dir()
    finally:
        stop.set()
        w.join()
    assert not seen_missing  # meta.json is replaced by rename: never absent
    assert {n: os.stat(folder / n).st_ino for n in locks} == locks  # the same lock files: they still exclude
    assert not [n for n in os.listdir(folder) if is_litter(n)]
    assert ix.ensure_synced(store) is True and ix.search("cats purr", 5)
