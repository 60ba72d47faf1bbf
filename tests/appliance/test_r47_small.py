"""Round 47, small fixes (h14): a migration that cannot take the write lock is a BusyError (exit 75) naming the holder,
nothing half-applied; retrieval on a store with no chunks loads no embedder; CaptureStderr with sys.stderr None; a
manifest naming no file is a StoreError."""

from __future__ import annotations

import sys

import apsw
import pytest

from ragtune.appliance.errors import BusyError, StoreError
from ragtune.appliance.store import MIGRATIONS, Store

from .store_helpers import db_processes, home_behind

NAME = MIGRATIONS[-1][0]
# Another process inside a write transaction (as one applying a long migration is), until its stdin closes.
WRITER = ("import apsw, sys; c = apsw.Connection(sys.argv[1]); c.execute('BEGIN IMMEDIATE'); "
          "print('locked', flush=True); sys.stdin.read(); c.execute('ROLLBACK')")


class _QuickBusy(apsw.Connection):  # the 10 s busy timeout cut to 0.2 s: the test waits no longer than it must
    def setbusytimeout(self, ms: int) -> None:
        super().setbusytimeout(min(ms, 200))


def _old_home(tmp_path, monkeypatch):
    """A database made before the last migration, with one document of three chunks."""
    return home_behind(tmp_path, monkeypatch)


@pytest.fixture
def writer():
    with db_processes(WRITER, b"locked") as start:
        yield start


def _state(db):
    with Store(db, readonly=True) as ro:
        return ro.query("SELECT * FROM chunks ORDER BY id"), ro.applied_migrations()


def test_a_migration_that_cannot_take_the_write_lock_is_busy_not_a_store_error(tmp_path, monkeypatch, writer):
    db = _old_home(tmp_path, monkeypatch)
    before = _state(db)
    p = writer(db)
    monkeypatch.setattr(apsw, "Connection", _QuickBusy)
    with pytest.raises(BusyError) as err:
        Store(db)
    e = err.value
    assert e.exit_code == 75 and NAME in e.message and f"pid {p.pid}" in e.message
    assert "failed" not in e.message and "nothing was changed" in e.message
    assert e.hint == "another ragtune is applying it; run again when it ends"
    p.stdin.close()
    p.wait(10)
    assert _state(db) == before and NAME not in before[1]  # nothing half-applied
    with Store(db) as st:  # the home still opens, and the migration applies now
        assert st.migrated == [NAME] and st.count_chunks() == 3


def test_the_cli_exits_75_on_a_busy_migration(tmp_path, monkeypatch, writer, capsys):
    from ragtune.cli import main

    db = _old_home(tmp_path, monkeypatch)
    writer(db)
    monkeypatch.setattr(apsw, "Connection", _QuickBusy)
    assert main(["--home", str(db.parent), "docs", "list"]) == 75
    err = capsys.readouterr().err
    assert "Traceback" not in err and "database is locked" not in err
    assert "hint: another ragtune is applying it; run again when it ends" in err


def test_another_migration_error_is_still_a_store_error(tmp_path):
    with Store(tmp_path / "x.db") as st:
        with pytest.raises(StoreError) as err:
            st.migrate([("9999_bad", "CREATE TABLE")])
        assert not isinstance(err.value, BusyError) and "migration 9999_bad failed" in err.value.message


# -- retrieval on a store with no chunks --------------------------------------------------------------------------
class _NoEmbedder:
    def __init__(self, *a, **k):
        raise AssertionError("the embedder was loaded")


def test_an_empty_store_retrieves_nothing_without_loading_the_embedder(settings, monkeypatch):
    import ragtune.appliance.embed as embed
    from ragtune.appliance.retrieve import Retriever
    from ragtune.appliance.store import open_store

    monkeypatch.setattr(embed, "Embedder", _NoEmbedder)
    open_store(settings.home).close()  # the database exists, with no chunk
    with Retriever(settings) as r:
        for mode in ("hybrid", "vector", "bm25"):
            res = r.retrieve("where is the hangar?", mode=mode)
            assert res.hits == [] and res.candidates == [] and not res.cached and res.mode == mode
        assert r._embedder is None
        with pytest.raises(Exception, match="query too long"):  # the question is still checked first
            r.retrieve("x" * 100_000)


def test_an_empty_home_ask_says_nothing_ingested_before_any_model_loads(settings, monkeypatch, capsys):
    import ragtune.appliance.embed as embed
    from ragtune.appliance.store import open_store
    from ragtune.cli import main

    monkeypatch.setattr(embed, "Embedder", _NoEmbedder)
    open_store(settings.home).close()
    assert main(["--home", str(settings.home.root), "ask", "where is the hangar?"]) == 2
    assert "nothing is ingested yet" in capsys.readouterr().err


def test_a_store_with_chunks_retrieves_as_the_pipeline_does(settings, fake, tmp_path):
    from ragtune.appliance.ingest.pipeline import ingest_paths
    from ragtune.appliance.retrieve import Retriever

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The zeppelin hangar stands in Friedrichshafen by the lake.\n", encoding="utf-8")
    (docs / "b.txt").write_text("Our canteen opens at noon and serves soup.\n", encoding="utf-8")
    ingest_paths(settings, [docs], embedder=fake)
    with Retriever(settings, embedder=fake) as r:
        res = r.retrieve("where does the zeppelin hangar stand?", use_cache=False)
        hits, _ = r.pipeline(res.normalized_query, k=r.cfg.k)
        assert res.hits and [h.chunk_id for h in res.hits] == [h.chunk_id for h in hits]
        assert [h.fused for h in res.hits] == [h.fused for h in hits]


# -- CaptureStderr with no sys.stderr ------------------------------------------------------------------------------
@pytest.fixture
def fd_lock():
    """The fd-2 lock; if a failing test left it held, released after it, so no later test hangs on it."""
    from ragtune.appliance import llamalog

    lock = llamalog.fd_guard()
    yield lock
    if not lock.acquire(timeout=0.1):
        lock.release()
        return
    lock.release()


def test_capture_stderr_with_sys_stderr_none(monkeypatch, fd_lock):
    from ragtune.appliance import llamalog

    monkeypatch.setattr(sys, "stderr", None)
    with llamalog.CaptureStderr() as cap:
        pass
    assert cap.text == ""
    assert fd_lock.acquire(timeout=1)  # the lock was released
    fd_lock.release()


def test_capture_stderr_releases_its_lock_when_entering_fails(monkeypatch, fd_lock):
    import tempfile

    from ragtune.appliance import llamalog

    def boom():
        raise RuntimeError("no temporary file")

    monkeypatch.setattr(tempfile, "TemporaryFile", boom)
    with pytest.raises(RuntimeError):
        with llamalog.CaptureStderr():
            pass
    assert fd_lock.acquire(timeout=1)
    fd_lock.release()


# -- a manifest naming no file -------------------------------------------------------------------------------------
def test_a_manifest_naming_no_file_is_a_store_error(reg):
    m = {"format": 1, "id": "a" * 64, "kind": "lora-gguf", "name": "x1", "file": None, "size": 5,
         "created": "2026-01-01T00:00:00Z", "licence": "", "lineage": {}}
    with pytest.raises(StoreError) as err:
        reg.path_of(m)
    assert err.value.message == f"manifest {reg.dir / ('a' * 64 + '.json')} names no file"
    with pytest.raises(StoreError, match="names no file"):
        reg.path_of({k: v for k, v in m.items() if k != "file"})
    assert reg.path_of({**m, "file": "blobs/x/y.gguf"}) == reg.dir / "blobs" / "x" / "y.gguf"
    assert reg.path_of({**m, "file": "../models/z.gguf"}) == reg.dir.parent / "models" / "z.gguf"
    assert reg.path_of({**m, "file": "", "builtin": True}) == reg.dir  # a built-in not installed, as before


# -- CLI wording ---------------------------------------------------------------------------------------------------
def test_docs_list_gone_line_is_the_gone_hint(settings, fake, tmp_path, capsys):
    from ragtune.appliance.ingest.documents import GONE_HINT
    from ragtune.appliance.ingest.pipeline import ingest_paths
    from ragtune.cli import main

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The zeppelin hangar stands by the lake.\n", encoding="utf-8")
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "a.txt").unlink()
    assert main(["--home", str(settings.home.root), "docs", "list"]) == 0
    gone = [line for line in capsys.readouterr().out.splitlines() if "GONE" in line]
    assert len(gone) == 1 and gone[0].split("GONE", 1)[1].strip() == GONE_HINT
    assert "`ragtune ingest NEW-FOLDER`" in gone[0]


def test_one_quoting_log_entry_quotes_in_the_singular(settings, capsys):
    from types import SimpleNamespace

    from ragtune.cli.docs_cmd import _say_left_behind

    _say_left_behind(SimpleNamespace(log_ids=[7], removed=[SimpleNamespace(path="/nowhere/a.txt", kind="txt")], replay_reports=[]),
                     settings)
    assert "note: 1 query-log entry quotes this document" in capsys.readouterr().err
    gone = [SimpleNamespace(path=f"/nowhere/{n}.txt", kind="txt") for n in "ab"]  # (removed documents: their files are gone too)
    _say_left_behind(SimpleNamespace(log_ids=[7, 8], removed=gone, replay_reports=[]), settings)
    assert "note: 2 query-log entries quote these documents" in capsys.readouterr().err


def test_search_in_a_missing_home_says_it_does_not_exist(tmp_path, capsys):
    from ragtune.cli import main

    missing = tmp_path / "nope"
    assert main(["--home", str(missing), "search", "where is the hangar?"]) == 2
    err = capsys.readouterr().err
    assert f"error: home {missing} does not exist" in err and "nothing ingested" not in err
    assert not missing.exists()
