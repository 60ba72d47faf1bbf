"""Round 46 (h14): a database with no room left is the store's WriteRefused (errno ENOSPC, exit 74), raised for
SQLite's FullError (and its "disk I/O error" with under 1 MB free) wherever apsw errors become StoreErrors; ingest
lets it through and stops at the first document it could not store (was: one failed file per document, every later
file embedded for nothing; then a pipeline workaround that read the failure reasons). Simulated (monkeypatch)."""

from __future__ import annotations

import errno

import apsw
import pytest

from ragtune.appliance.errors import StoreError, WriteRefused
from ragtune.appliance.ingest import pipeline
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.appliance.store import base as store_base

from .ingest_helpers import FakeEmbedder


class _Failing:
    """A connection whose every statement SQLite refuses with `exc` (the rest is the real one)."""

    def __init__(self, real, exc):
        self._real, self._exc = real, exc

    def execute(self, *a, **kw):
        raise self._exc

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.fixture
def db(tmp_path):
    store = Store(tmp_path / "ragtune.db")
    yield store
    store.close()


def test_the_store_raises_write_refused_for_sqlites_full_error(db, monkeypatch):
    real = db.conn
    monkeypatch.setattr(store_base, "_free_bytes", lambda folder: 10 << 30)  # room on the disk: SQLite's temp files
    db.conn = _Failing(real, apsw.FullError("database or disk is full"))
    try:
        with pytest.raises(WriteRefused) as e:  # a guarded method (`_database_error`)
            db.set_meta("k", "v")
        assert e.value.errno == errno.ENOSPC and e.value.exit_code == 74 and str(db.path) in e.value.message
        assert "no space left" in e.value.message and "TMPDIR" in e.value.message and "df -h" in e.value.hint
    finally:
        db.conn = real
    with pytest.raises(WriteRefused) as e:  # a transaction (`transaction`): what an ingest stores a document in
        with db.transaction():
            raise apsw.FullError("database or disk is full")
    assert e.value.errno == errno.ENOSPC and "cannot write to the database" in e.value.message
    assert db.get_meta("k") is None  # nothing half-written


def test_a_disk_io_error_is_no_room_only_when_the_disk_is_full(db, monkeypatch):
    monkeypatch.setattr(store_base, "_free_bytes", lambda folder: 4096)
    with pytest.raises(WriteRefused) as e:
        with db.transaction():
            raise apsw.IOError("disk I/O error")
    assert "no space left on the file system (4.0 KB free)" in e.value.message and e.value.errno == errno.ENOSPC
    monkeypatch.setattr(store_base, "_free_bytes", lambda folder: 10 << 30)
    with pytest.raises(StoreError) as e:
        with db.transaction():
            raise apsw.IOError("disk I/O error")
    assert type(e.value) is StoreError and e.value.exit_code == 4
    err = store_base._database_error(db, apsw.CorruptError("database disk image is malformed"))
    assert type(err) is StoreError  # other errors keep their words


def _docs(tmp_path, n=5):
    docs = tmp_path / "d"
    docs.mkdir()
    for i in range(n):
        (docs / f"f{i}.md").write_text(f"# Doc {i}\n\nText number {i} about topic {i}.\n", encoding="utf-8")
    return docs


class _EachFile(pipeline._Run):  # flush (embed and store) after every document, as a big file does
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.flush_at = 1


def test_an_ingest_stops_at_the_first_document_the_full_database_refuses(settings, tmp_path, monkeypatch):
    docs = _docs(tmp_path)
    real = Store.put_document
    calls = []

    def full_at_third(self, **kw):  # SQLite's own error, inside the document's transaction
        calls.append(kw["path"])
        if len(calls) >= 3:
            raise apsw.FullError("database or disk is full")
        return real(self, **kw)

    monkeypatch.setattr(pipeline, "_Run", _EachFile)
    monkeypatch.setattr(Store, "put_document", full_at_third)
    emb = FakeEmbedder()
    with pytest.raises(WriteRefused) as e:
        ingest_paths(settings, [docs], embedder=emb)
    assert e.value.errno == errno.ENOSPC and e.value.exit_code == 74
    assert "stopped there (2 documents stored before it are kept)" in e.value.message
    assert calls[-1] in e.value.message and "df -h" in e.value.hint
    assert emb.calls == 3  # was: every one of the 5 files embedded, each failing to store
    with Store(settings.home.db_path) as st:
        assert st.count_documents() == 2
    monkeypatch.setattr(Store, "put_document", real)  # room again: the run goes on where it stopped
    s = ingest_paths(settings, [docs], embedder=FakeEmbedder())
    assert s.added == 3 and s.unchanged == 2 and s.failed == []


def test_another_store_error_still_fails_only_its_file(settings, tmp_path, monkeypatch):
    docs = _docs(tmp_path, 3)

    def damaged(self, **kw):  # even one that reads like a full disk: the reason is not read any more
        raise StoreError("database error: FullError: database or disk is full")

    monkeypatch.setattr(pipeline, "_Run", _EachFile)
    monkeypatch.setattr(Store, "put_document", damaged)
    s = ingest_paths(settings, [docs], embedder=FakeEmbedder())
    assert len(s.failed) == 3 and s.added == 0
