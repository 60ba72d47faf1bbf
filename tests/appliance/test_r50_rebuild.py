"""Round 50: a whole rebuild of the keyword index (another schema, damage). A second searcher that meets another's
rebuild waits for it and reads the rebuilt index (it searched the reset, empty one: vector-only results, nothing
said); past the wait, IndexBusy saying the index is being rebuilt; the rebuild is said before it runs
(lexical_rebuild.on_rebuild; the CLI's stderr line)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ragtune.appliance import lexical_rebuild
from ragtune.appliance.lexical import SCHEMA_VERSION, LexicalIndex
from ragtune.appliance.lexical_open import IndexBusy
from ragtune.appliance.store import Store

from .test_r49_rebuild_race import _add_doc


@pytest.fixture
def old_schema(tmp_path):
    """A home whose keyword index says schema 2 in its marker (a round-48 home's), with 40 chunks."""
    s = Store(tmp_path / "db.sqlite")
    _add_doc(s, "/refunds.md", "Refunds", [f"A refund is paid within {i} days of the return." for i in range(40)])
    ix = LexicalIndex(tmp_path / "tantivy")
    ix.ensure_synced(s)
    ix.close()
    marker = tmp_path / "tantivy" / "synced.json"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "schema": 2}))
    yield tmp_path / "tantivy", s
    s.close()


class SlowStore:
    """The store, its chunk texts read slowly (a big home's rebuild); `started` set when the rebuild reads them."""

    def __init__(self, store, delay):
        self._s, self.delay, self.started = store, delay, threading.Event()

    def __getattr__(self, name):
        return getattr(self._s, name)

    def iter_chunk_texts(self, ids):
        self.started.set()
        time.sleep(self.delay)
        yield from self._s.iter_chunk_texts(ids)


def _rebuild_in_thread(folder, store, delay):
    slow = SlowStore(store, delay)
    a = LexicalIndex(folder)  # the first process: schema 2 found, reset, rebuilt
    assert a.corrupt and a.old_schema == 2
    t = threading.Thread(target=a.ensure_synced, args=(slow,))
    t.start()
    assert slow.started.wait(10)
    return a, t


def test_a_second_searcher_waits_for_anothers_rebuild(old_schema):
    folder, store = old_schema
    a, t = _rebuild_in_thread(folder, store, 1.0)
    b = LexicalIndex(folder)  # the second process, during the rebuild: the reset index, still empty
    try:
        assert json.loads((folder / "synced.json").read_text())["rebuilding"]["from_schema"] == 2
        assert b.ensure_synced(store) is True  # waited (before: False at once, the index empty)
        assert b.synced_version == store.index_version
        assert len(b.search("refund", 5)) == 5  # before: [] (the BM25 part missing from hybrid results)
    finally:
        t.join()
        a.close()
        b.close()
    assert "rebuilding" not in json.loads((folder / "synced.json").read_text())


def test_past_the_wait_a_busy_error_names_the_rebuild(old_schema, monkeypatch):
    folder, store = old_schema
    monkeypatch.setattr(lexical_rebuild, "REBUILD_WAIT_S", 0.3)
    a, t = _rebuild_in_thread(folder, store, 2.0)
    b = LexicalIndex(folder)
    try:
        with pytest.raises(IndexBusy) as err:
            b.ensure_synced(store)
        assert f"being rebuilt by another process (schema 2 → {SCHEMA_VERSION}, 40 chunks" in err.value.message
        assert err.value.hint and "try again" in err.value.hint
    finally:
        t.join()
        a.close()
        b.close()


def test_an_ingests_writer_is_not_waited_for(old_schema):
    """A writer without the rebuild marker (an ingest's): its last commit is searched at once, as before."""
    folder, store = old_schema
    a = LexicalIndex(folder)
    a.ensure_synced(store)
    store.bump_index_version()  # the ingest's change, not yet in the index
    try:
        with a.writer():
            b = LexicalIndex(folder)
            t0 = time.monotonic()
            assert b.ensure_synced(store) is False
            assert time.monotonic() - t0 < 1.0
            assert len(b.search("refund", 5)) == 5
            b.close()
    finally:
        a.close()


def test_the_rebuild_is_said_before_it_runs(old_schema):
    folder, store = old_schema
    told = []
    lexical_rebuild.on_rebuild.append(lambda path, info: told.append((path, dict(info))))
    try:
        ix = LexicalIndex(folder)
        assert ix.ensure_synced(store) is True
        assert ix.ensure_synced(store) is False  # once
        ix.close()
    finally:
        lexical_rebuild.on_rebuild.clear()
    assert told == [(folder, {"schema": SCHEMA_VERSION, "chunks": 40, "from_schema": 2})]
    assert lexical_rebuild.describe(told[0][1]) == f"schema 2 → {SCHEMA_VERSION}, 40 chunks"


def test_a_catch_up_is_not_said(old_schema):
    folder, store = old_schema
    ix = LexicalIndex(folder)
    ix.ensure_synced(store)
    store.bump_index_version()
    told = []
    lexical_rebuild.on_rebuild.append(lambda path, info: told.append(info))
    try:
        assert ix.ensure_synced(store) is True
    finally:
        lexical_rebuild.on_rebuild.clear()
        ix.close()
    assert told == []


def test_cli_prints_one_line_before_the_rebuild(tmp_path, capsys):
    from ragtune.cli.common import say_rebuilding

    say_rebuilding(tmp_path / "tantivy", {"schema": SCHEMA_VERSION, "chunks": 20000, "from_schema": 2})
    say_rebuilding(tmp_path / "tantivy", {"schema": SCHEMA_VERSION, "chunks": 20000, "damaged": True})
    say_rebuilding(tmp_path / "tantivy", {"schema": SCHEMA_VERSION, "chunks": 20000, "from_schema": 2, "waiting": True})
    err = capsys.readouterr().err.splitlines()
    assert err == [f"rebuilding the keyword index (schema 2 → {SCHEMA_VERSION}, 20,000 chunks; once)",
                   "rebuilding the keyword index (damaged, 20,000 chunks)",
                   f"waiting for another process's rebuild of the keyword index (schema 2 → {SCHEMA_VERSION}, 20,000 chunks; once)"]


def test_doctor_names_the_older_schema_and_the_rebuild(old_schema):
    from types import SimpleNamespace

    from ragtune.appliance.lexical_health import check

    folder, store = old_schema
    lines = []
    rep = SimpleNamespace(add=lambda status, name, detail, hint=None: lines.append((status, name, detail)))
    check(SimpleNamespace(lexical_dir=folder), store, 40, rep)
    # before: "lexical index out of step (marker None, database 1, 40 chunks): rebuilt on the next search"
    assert lines == [("warn", "lexical", "keyword index of schema 2: rebuilt whole by the next search (about 1 s per "
                      "1,000 chunks: 1 s for 40)")]
    assert json.loads((folder / "synced.json").read_text())["schema"] == 2  # doctor changed nothing


def test_cli_search_on_an_older_schema_says_the_rebuild_once(home, settings, monkeypatch, capsys):
    from ragtune.cli import main

    from .test_r49_lexical_missing_segment import refunds_home

    refunds_home(home, settings, monkeypatch)
    marker = home.lexical_dir / "synced.json"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "schema": 2}))
    assert main(["search", "--json", "refund"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["hits"]
    assert f"rebuilding the keyword index (schema 2 → {SCHEMA_VERSION}, 1 chunk; once)" in cap.err
    assert main(["search", "--json", "refund"]) == 0
    assert "rebuilding" not in capsys.readouterr().err
    assert lexical_rebuild.on_rebuild == []  # the CLI's hook is removed when the command ends


def test_an_index_another_rebuilt_while_this_one_waited_to_reset_it_is_kept(old_schema):
    """B found schema 2 and waited for the lock to reset it; A rebuilt it meanwhile: B opens A's index, not resets
    it (and so makes it empty under every other searcher, and rebuilds it a second time)."""
    from ragtune.appliance.lexical_open import locked

    folder, store = old_schema
    marker = folder / "synced.json"
    held, done = threading.Event(), threading.Event()

    def other():  # stands for A: holds the writer, then leaves the index rebuilt in the current schema
        with locked(folder, 5):
            held.set()
            time.sleep(0.5)
            marker.write_text(json.dumps({"schema": SCHEMA_VERSION, "index_version": store.index_version}))
        done.set()

    t = threading.Thread(target=other)
    t.start()
    assert held.wait(5)
    b = LexicalIndex(folder)  # read schema 2, then waited for the lock
    t.join()
    try:
        assert not b.corrupt and b.num_docs == 40  # before: reset (0 chunks), rebuilt again
        assert b.ensure_synced(store) is False
    finally:
        b.close()


class PanicException(BaseException):
    """Stands in for pyo3's (told by its name, as tantivy-py's is)."""


def test_damage_after_a_schema_rebuild_is_said_as_damage(old_schema, monkeypatch):
    """A long-running process rebuilt an index of schema 2, then a search met a damaged segment: the second rebuild
    is said as damage (it kept saying "schema 2 → 3 …; once": old_schema stayed set after the first rebuild)."""
    folder, store = old_schema
    told = []
    lexical_rebuild.on_rebuild.append(lambda path, info: told.append(dict(info)))
    ix = LexicalIndex(folder)
    try:
        assert ix.ensure_synced(store) is True
        assert ix.old_schema is None and not ix.other_analyzer
        real, calls = ix._search, []

        def panics_once(*a, **k):
            calls.append(1)
            if len(calls) == 1:
                raise PanicException("index out of bounds")
            return real(*a, **k)
        monkeypatch.setattr(ix, "_search", panics_once)
        assert len(ix.search("refund", 5)) == 5  # rebuilt from the store, searched again
    finally:
        lexical_rebuild.on_rebuild.clear()
        ix.close()
    assert told == [{"schema": SCHEMA_VERSION, "chunks": 40, "from_schema": 2}, {"schema": SCHEMA_VERSION, "chunks": 40, "damaged": True}]
