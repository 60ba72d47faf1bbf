"""Round 46: a home this process may not write (a kiosk's read-only mount) answers questions: the answer is given
as on a writable home, its query-log row and answer-cache entry are skipped (said once on stderr); ingest refuses
before embedding anything; doctor reads its lexical index as it is. An ingest whose database has no room left stops
at the first document it could not store. Simulated (monkeypatch): CI needs no mounts."""

from __future__ import annotations

import errno
import logging

import apsw
import pytest

from ragtune.appliance import doctor
from ragtune.appliance import lexical as lexical_mod
from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.errors import WriteRefused
from ragtune.appliance.ingest import pipeline
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store, open_store
from ragtune.appliance.store import base as store_base
from tests.fakes import FakeGenerator

from .ingest_helpers import FakeEmbedder
from .test_answer import FakeRetriever, _hits

OK = {"status": "ok", "answer": "It was built from 1887 to 1889.", "citations": ["S1"]}


@pytest.fixture
def read_only(settings, monkeypatch):
    """The home's database exists (migrated); from now on the store finds it on a read-only file system."""
    open_store(settings.home).close()
    monkeypatch.setattr(store_base, "_unwritable", lambda db: "on a read-only file system")
    return settings


def _rows(settings):
    with Store(settings.home.db_path, readonly=True) as s:
        return s.one("SELECT count(*) FROM query_log")[0], s.one("SELECT count(*) FROM answer_cache")[0]


def test_a_read_only_home_answers_as_a_writable_one_and_logs_nothing(settings, monkeypatch, caplog):
    with open_store(settings.home) as store:  # writable: the answer to compare with (logged, cached)
        want = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=FakeGenerator([OK]),
                            store=store).ask("When was the Eiffel Tower built?", use_cache=False)
    assert want.log_id is not None
    before = _rows(settings)
    monkeypatch.setattr(store_base, "_unwritable", lambda db: "on a read-only file system")
    caplog.set_level(logging.WARNING, logger="ragtune.answer")
    with open_store(settings.home) as store:
        assert store.read_only
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=FakeGenerator([OK, OK]),
                           store=store)
        got = [eng.ask("When was the Eiffel Tower built?") for _ in range(2)]  # was: exit 74 at the log row
    for ans in got:
        assert (ans.status, ans.answer, [c.chunk_id for c in ans.citations]) == \
            (want.status, want.answer, [c.chunk_id for c in want.citations])
        assert ans.log_id is None and not ans.cached
    assert _rows(settings) == before  # no query-log row, no cache entry
    said = [r.getMessage() for r in caplog.records if "query log" in r.getMessage()]
    assert len(said) == 1 and "read-only" in said[0] and str(settings.home.root) in said[0]


def test_ingest_into_a_read_only_home_refuses_before_embedding(read_only, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.md").write_text("# A\n\nSome words to embed.\n", encoding="utf-8")
    emb = FakeEmbedder()
    with pytest.raises(WriteRefused) as e:
        ingest_paths(read_only, [tmp_path / "d"], embedder=emb)
    assert e.value.errno == errno.EROFS and e.value.exit_code == 74
    assert "ingest writes to it" in e.value.message and emb.calls == 0


def test_ingest_refuses_a_lexical_index_it_could_only_read_through_a_view(settings, tmp_path, monkeypatch):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.md").write_text("# A\n\nSome words to embed.\n", encoding="utf-8")
    monkeypatch.setattr(lexical_mod, "unwritable", lambda path: True)  # another user's (root's) tantivy folder
    ix = LexicalIndex(settings.home.lexical_dir)
    emb = FakeEmbedder()
    try:
        with pytest.raises(WriteRefused) as e:
            ingest_paths(settings, [tmp_path / "d"], embedder=emb, lexical=ix)
    finally:
        ix.close()
    assert e.value.errno == errno.EACCES and str(settings.home.lexical_dir) in e.value.message
    assert emb.calls == 0


def test_an_ingest_with_no_room_in_the_database_stops_at_the_first_document(settings, tmp_path, monkeypatch):
    docs = tmp_path / "d"
    docs.mkdir()
    for i in range(5):
        (docs / f"f{i}.md").write_text(f"# Doc {i}\n\nText number {i} about topic {i}.\n", encoding="utf-8")

    class EachFile(pipeline._Run):  # flush (embed and store) after every document, as a big file does
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.flush_at = 1

    def full(self, **kw):
        raise apsw.FullError("database or disk is full")  # what SQLite raises; the store makes it a WriteRefused

    monkeypatch.setattr(pipeline, "_Run", EachFile)
    monkeypatch.setattr(Store, "put_document", full)
    emb = FakeEmbedder()
    with pytest.raises(WriteRefused) as e:
        ingest_paths(settings, [docs], embedder=emb)
    assert e.value.errno == errno.ENOSPC and e.value.exit_code == 74
    assert "stopped there" in e.value.message and "df -h" in e.value.hint
    assert emb.calls == 1  # was: every one of the 5 files embedded, each failing to store


def test_doctor_reads_a_read_only_homes_lexical_index_as_it_is(settings, tmp_path, monkeypatch):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.md").write_text("# A\n\nSome words to index.\n", encoding="utf-8")
    ingest_paths(settings, [tmp_path / "d"], embedder=FakeEmbedder())
    monkeypatch.setattr(doctor, "unwritable", lambda path: True)
    rep = doctor.Report(home=str(settings.home.root), quick=True)
    with open_store(settings.home) as store:
        doctor._lexical(settings.home, store, store.count_chunks(), rep)
    (line,) = [c for c in rep.checks if c.name == "lexical"]
    assert line.status == "ok" and line.detail.startswith("read-only home: index read as it is")
