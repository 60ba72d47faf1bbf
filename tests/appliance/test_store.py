"""The store layer (ragtune/appliance/store/): migrations, documents/chunks/vectors, the query log, the answer cache
and evaluation items, each method over a real SQLite file (apsw + sqlite-vec)."""

from __future__ import annotations

import numpy as np
import pytest

from ragtune.appliance.errors import StoreError
from ragtune.appliance.store import MIGRATIONS, QUERY_LOG_COLUMNS, Store, json_dumps, open_store

from .store_helpers import Chunk, unit_vec


def _put(store, path="/d/a.md", texts=("alpha one", "beta two"), sha="s1", title="A", base=0, **kw):
    chunks = [Chunk(i, t, 0, len(t)) for i, t in enumerate(texts)]
    return store.put_document(path=path, sha256=sha, title=title, kind="md", size=10, doc_date=kw.get("doc_date"),
                              ingested_at=1.0, meta=kw.get("meta", "{}"), chunks=chunks,
                              vectors=[unit_vec(base + i) for i in range(len(texts))])


# -- migrations ---------------------------------------------------------------------------------------------

def test_migrations_are_named_applied_once_and_recorded(tmp_path):
    s = Store(tmp_path / "m.db")
    assert s.applied_migrations() == sorted(name for name, _ in MIGRATIONS)
    assert s.migrate() == []  # idempotent: nothing left to apply
    s.close()
    with Store(tmp_path / "m.db") as again:  # reopening applies nothing new either
        assert again.migrate() == []
    names = [name for name, _ in MIGRATIONS]
    assert len(set(names)) == len(names) and names == sorted(names)


def test_a_migration_another_process_applied_meanwhile_is_skipped_not_an_error(tmp_path, monkeypatch):
    """Crash sweep: two commands opening a new home at once (two ingests, an ingest and an ask) both saw a migration
    unapplied; the second failed with "migration 0004_eval_runs failed: table eval_runs already exists". Each
    migration is now checked again inside its write transaction."""
    from ragtune.appliance.store.base import StoreBase

    mine, other = Store(tmp_path / "m.db"), Store(tmp_path / "m.db")
    extra = [("9001_x", "CREATE TABLE tx (x INTEGER);"), ("9002_y", "CREATE TABLE ty (y INTEGER);")]
    apply = StoreBase._apply_migration

    def the_other_goes_first(self, name, sql):
        if self is mine and name == "9001_x":
            assert other.migrate(extra) == ["9001_x", "9002_y"]
        return apply(self, name, sql)

    monkeypatch.setattr(StoreBase, "_apply_migration", the_other_goes_first)
    assert mine.migrate(extra) == []
    assert [n for n in mine.applied_migrations() if n.startswith("900")] == ["9001_x", "9002_y"]
    mine.close(), other.close()


def test_a_failing_migration_leaves_no_trace_and_stops_the_rest(store):
    bad = [("9001_ok", "CREATE TABLE t1 (x INTEGER);"),
           ("9002_bad", "CREATE TABLE t2 (x INTEGER); INSERT INTO nowhere VALUES (1);"),
           ("9003_after", "CREATE TABLE t3 (x INTEGER);")]
    with pytest.raises(StoreError, match="migration 9002_bad failed"):
        store.migrate(bad)
    applied = store.applied_migrations()
    assert "9001_ok" in applied and "9002_bad" not in applied and "9003_after" not in applied
    tables = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "t1" in tables and "t2" not in tables and "t3" not in tables  # 9002 rolled back as a whole


def test_readonly_open_and_bad_path(tmp_path):
    Store(tmp_path / "r.db").close()
    with Store(tmp_path / "r.db", readonly=True) as ro:
        assert ro.count_documents() == 0
    with pytest.raises(StoreError, match="cannot open database") as exc:
        Store(tmp_path / "missing" / "x.db", readonly=True)
    assert "can read and write" in exc.value.hint  # SQLite's "unable to open database file" names no cause


def test_open_store_uses_the_home_db_path(tmp_path):
    class Home:
        db_path = tmp_path / "h" / "ragtune.db"

    with open_store(Home()) as s:
        assert s.path == Home.db_path and s.index_version == 0


# -- transactions, meta -------------------------------------------------------------------------------------

def test_transaction_rolls_back_and_raises_a_store_error(store):
    _put(store)
    with pytest.raises(StoreError, match="database error"):
        with store.transaction():
            store.bump_index_version()
            store.query("INSERT INTO nowhere VALUES (1)")
    assert store.index_version == 0  # the bump went with the rollback


def test_meta_and_index_version(store):
    assert store.get_meta("nope", "d") == "d"
    store.set_meta("k", "v1")
    store.set_meta("k", "v2")
    assert store.get_meta("k") == "v2"
    assert store.bump_index_version() == 1 and store.bump_index_version() == 2 and store.index_version == 2


# -- documents, chunks, vectors -----------------------------------------------------------------------------

def test_put_document_is_idempotent_by_path_and_keeps_the_id(store):
    doc_id, removed = _put(store, meta='{"index_key": "k1"}')
    assert removed == 0 and store.count_documents() == 1 and store.count_chunks() == 2 and store.count_vectors() == 2
    assert store.document_by_path("/d/a.md") == {"id": doc_id, "sha256": "s1", "meta": {"index_key": "k1"}}
    again, removed = _put(store, meta='{"index_key": "k1"}')  # the same content again: same rows, same id
    assert again == doc_id and removed == 2
    assert store.count_documents() == 1 and store.count_chunks() == 2 and store.count_vectors() == 2
    changed, removed = _put(store, texts=("gamma",), sha="s2")  # new content replaces the old chunks
    assert changed == doc_id and removed == 2 and store.count_chunks() == 1 and store.count_vectors() == 1
    assert store.document_by_path("/d/a.md")["sha256"] == "s2"
    assert store.document_by_path("/nope") is None


def test_document_meta_damaged_reads_as_empty(store):
    _put(store, meta="{not json")
    assert store.document_by_path("/d/a.md")["meta"] == {}


def test_put_document_is_all_or_nothing(store):
    _put(store)
    with pytest.raises(StoreError):  # a vector of the wrong size: vec0 refuses it, nothing of the document stays
        store.put_document(path="/d/b.md", sha256="x", title="B", kind="md", size=1, doc_date=None, ingested_at=1.0,
                           meta="{}", chunks=[Chunk(0, "b")], vectors=[np.zeros(3, np.float32)])
    assert store.document_by_path("/d/b.md") is None and store.count_chunks() == 2 and store.count_vectors() == 2


def test_delete_document_takes_chunks_and_vectors(store):
    a, _ = _put(store)
    _put(store, path="/d/b.md", texts=("c",), base=5)
    assert store.delete_document(a) == 2
    assert store.count_documents() == 1 and store.count_chunks() == 1 and store.count_vectors() == 1


def test_ingest_failures_are_replaced_by_path_and_forgotten_in_one_transaction(store):
    assert store.ingest_failures() == {}
    store.update_ingest_failures(put=[("/d/a.pdf", "s1", "pdf", 2, "corrupt PDF", 1.0),
                                      ("/d/b.md", "s2", "md", 2, "empty document", 2.0)])
    store.update_ingest_failures(put=[("/d/a.pdf", "s3", "pdf", 3, "encrypted PDF", 3.0)], forget=["/d/b.md", "/x"])
    assert store.ingest_failures() == {"/d/a.pdf": {"sha256": "s3", "kind": "pdf", "loader_version": 3,
                                                    "reason": "encrypted PDF", "failed_at": 3.0}}
    with pytest.raises(StoreError):  # a bad row rolls the forgetting back too
        store.update_ingest_failures(put=[("/d/c.md", None, "md", 2, "x", 1.0)], forget=["/d/a.pdf"])
    assert list(store.ingest_failures()) == ["/d/a.pdf"]


def test_documents_under_is_an_exact_prefix(store):
    a, _ = _put(store, path="/d/x_1.md")
    _put(store, path="/d/xa1.md", base=3)  # '_' would match anything under LIKE
    _put(store, path="/e/y.md", base=6)
    assert store.documents_under("/d/x_") == [(a, "/d/x_1.md")]
    assert len(store.documents_under("/d/")) == 2


def test_document_listing_and_meta(store):
    """`docs list` / `docs show` read these; ingest marks a stale document through set_document_meta."""
    a, _ = _put(store, path="/d/b.md", meta='{"index_key": "k"}')
    b, _ = _put(store, path="/d/a.md", texts=("z",), base=4)
    _put(store, path="/e/c.md", texts=("y",), base=7)
    docs = store.documents()
    assert [d["path"] for d in docs] == ["/d/a.md", "/d/b.md", "/e/c.md"]  # by path
    assert set(docs[0]) == {"id", "path", "title", "kind", "size", "sha256", "doc_date", "ingested_at", "n_chunks",
                            "meta"}
    assert [d["id"] for d in store.documents("/d/")] == [b, a]
    assert store.document(a)["meta"] == {"index_key": "k"} and store.document(a)["n_chunks"] == 2
    assert store.document(9999) is None
    store.set_document_meta(a, {"index_key": "k", "stale": {"reason": "binary file", "since": 1.0}})
    assert store.document(a)["meta"]["stale"]["reason"] == "binary file"
    assert store.document_by_path("/d/b.md")["meta"]["stale"]["since"] == 1.0


def test_chunk_reads(store):
    a, _ = _put(store, title="Title A", doc_date="2024-01-02")
    b, _ = _put(store, path="/d/b.md", texts=("third",), title="B", base=5)
    ids = [cid for cid, _ in store.chunk_sources()]
    assert len(ids) == 3 and sorted(store.chunk_sources()) == [(ids[0], "/d/a.md"), (ids[1], "/d/a.md"),
                                                                (ids[2], "/d/b.md")]
    rows = store.chunks_by_ids(ids)
    assert rows[ids[0]]["text"] == "alpha one" and rows[ids[0]]["source"] == "/d/a.md"
    assert rows[ids[0]]["title"] == "Title A" and rows[ids[0]]["doc_date"] == "2024-01-02"
    assert store.chunks_by_ids([]) == {} and store.chunks_by_ids([9999]) == {}
    w = store.chunk_with_document(ids[1])
    assert w == {"ord": 1, "start_char": 0, "end_char": 8, "text": "beta two", "path": "/d/a.md", "title": "Title A",
                 "n_chunks": 2, "doc_id": a}
    assert store.chunk_with_document(9999) is None
    assert store.document_chunks(a) == [(0, "alpha one", 0, 9), (1, "beta two", 0, 8)]
    assert list(store.iter_chunk_texts()) == [(ids[0], a, "Title A", "alpha one"), (ids[1], a, "Title A", "beta two"),
                                              (ids[2], b, "B", "third")]
    assert list(store.iter_chunk_texts([b])) == [(ids[2], b, "B", "third")]
    assert list(store.iter_chunk_texts([])) == []
    assert store.chunk_token_total() == 9


def test_vector_reads_and_knn(store):
    _put(store, texts=("a", "b", "c"))
    ids = [cid for cid, _ in store.chunk_sources()]
    assert [cid for cid, _ in store.iter_vectors()] == ids
    assert np.array_equal(np.frombuffer(store.vector_blob(ids[1]), np.float32), unit_vec(1))
    assert store.vector_blob(9999) is None
    nn = store.vector_knn(unit_vec(2), 2)
    assert nn[0][0] == ids[2] and abs(nn[0][1]) < 1e-6 and len(nn) == 2  # cosine distance 0 to itself
    assert store.vector_knn(unit_vec(2).tobytes(), 1)[0][0] == ids[2]  # a blob works too



def test_a_damaged_database_is_a_store_error_naming_the_file(store):
    """Damage under a store method (here the vectors' shadow table, as a corrupt page leaves it) is a StoreError
    naming ragtune.db, from a plain method and from a generator, never an apsw traceback."""
    _put(store, texts=("a", "b"))
    store.conn.execute("DROP TABLE chunk_vec_vector_chunks00")
    with pytest.raises(StoreError, match=r"t\.db: database error") as ei:
        store.vector_knn(unit_vec(1), 2)
    assert "integrity_check" in str(ei.value)
    with pytest.raises(StoreError, match=r"t\.db: database error"):
        list(store.iter_vectors())
    with pytest.raises(StoreError, match=r"t\.db: database error"):
        store.query("SELECT * FROM nowhere")
    assert store.count_documents() == 1  # what is intact still reads


# -- query log, answer cache --------------------------------------------------------------------------------

def _log(store, q="q", review=None, **kw):
    row = {"query": q, "normalized_query": q, "model_id": "m", "adapter_id": "", "system_prompt_sha256": "s",
           "context": [{"id": "S1", "text": "t"}], "retrieved": [], "output": {"status": "ok"}, "raw_output": "{}",
           "valid": True, "repaired": False, "refused": False, "refusal_reason": None, "timings": {"total_ms": 1.0},
           "tokens_prompt": 1, "tokens_completion": 1, "cost": 0.0, "cached": False}
    row.update(kw)
    return store.add_query_log(row)


def test_query_log_round_trip(store):
    first = _log(store, "one")
    second = _log(store, "two", refused=True)
    e = store.query_log_entry(first)
    assert set(e) == set(QUERY_LOG_COLUMNS)
    assert e["query"] == "one" and e["context"] == [{"id": "S1", "text": "t"}] and e["valid"] is True
    assert e["refused"] is False and e["review"] is None and e["ts"] > 0
    assert store.query_log_entry(9999) is None
    assert [x["id"] for x in store.query_log_entries()] == [second, first]  # newest first
    assert [x["id"] for x in store.query_log_entries(limit=1, offset=1)] == [first]
    store.set_query_review(first, {"status": "refused"})
    assert [x["id"] for x in store.iter_query_log()] == [first, second]  # oldest first
    assert [x["review"] for x in store.iter_query_log(reviewed_only=True)] == [{"status": "refused"}]


def test_every_review_is_kept_in_the_history_newest_first(store):
    log_id, other = _log(store, "one"), _log(store, "two")
    assert store.query_review_history(log_id) == []
    assert store.set_query_review(log_id, {"status": "ok", "answer": "a"})
    assert store.set_query_review(log_id, {"status": "refused"})
    assert not store.set_query_review(9999, {"status": "ok"})  # no such row: no history row either
    history = store.query_review_history(log_id)
    assert [h["review"] for h in history] == [{"status": "refused"}, {"status": "ok", "answer": "a"}]
    assert all(isinstance(h["reviewed_at"], float) for h in history)
    assert history[0]["reviewed_at"] >= history[1]["reviewed_at"]
    assert store.query_log_entry(log_id)["review"] == {"status": "refused"}  # the current one
    assert store.query_review_history(other) == [] and store.query_review_history(9999) == []
    assert store.scalar("SELECT count(*) FROM query_reviews") == 2


def test_a_home_with_reviews_upgrades_to_the_review_history(tmp_path, monkeypatch):
    """0010: a review stored before the history was kept becomes the entry's first history row (time unknown); the
    migration is a no-op when run again, and later reviews go on top of it."""
    from ragtune.appliance.store import base

    names = [name for name, _ in MIGRATIONS]
    before = MIGRATIONS[:names.index("0010_query_review_history")]
    monkeypatch.setattr(base, "MIGRATIONS", before)
    with Store(tmp_path / "old.db") as old:
        assert "query_reviews" not in {r[0] for r in old.query("SELECT name FROM sqlite_master")}
        reviewed, plain = _log(old, "one"), _log(old, "two")
        old.query("UPDATE query_log SET review = ? WHERE id = ?", (json_dumps({"status": "ok", "answer": "x"}),
                                                                    reviewed))
    monkeypatch.undo()
    with Store(tmp_path / "old.db") as s:
        assert "0010_query_review_history" in s.applied_migrations()
        assert s.query_review_history(reviewed) == [{"reviewed_at": None, "review": {"status": "ok", "answer": "x"}}]
        assert s.query_review_history(plain) == []
        sql = dict(MIGRATIONS)["0010_query_review_history"]
        assert s.migrate([("9010_again", sql)]) == ["9010_again"]  # run again: nothing doubled
        assert s.scalar("SELECT count(*) FROM query_reviews") == 1
        assert s.set_query_review(reviewed, {"status": "refused"})
        assert [h["review"] for h in s.query_review_history(reviewed)] == [{"status": "refused"},
                                                                           {"status": "ok", "answer": "x"}]


def test_recent_questions_are_distinct_and_oldest_first(store):
    for q in ("one", "two", "one", "three"):
        _log(store, q)
    assert store.recent_questions() == ["two", "one", "three"]  # 'one' where it was asked last
    assert store.recent_questions(limit=2) == ["one", "three"]


def test_query_log_rejects_unknown_columns_and_keeps_damaged_rows_readable(store):
    with pytest.raises(StoreError, match="unknown query log column"):
        _log(store, bogus=1)
    log_id = _log(store)
    store.query("UPDATE query_log SET output = '{broken' WHERE id = ?", (log_id,))
    assert store.query_log_entry(log_id)["output"] == "{broken"


def test_query_log_write_errors_name_the_log(store):
    with pytest.raises(StoreError, match="cannot write the query log"):
        _log(store, query=None)  # NOT NULL


def test_answer_cache(store):
    assert store.cached_answer("k") is None
    store.cache_answer("k", {"status": "ok", "answer": "é"})
    assert store.cached_answer("k") == {"status": "ok", "answer": "é"}
    store.cache_answer("k", {"status": "refused"})
    assert store.cached_answer("k") == {"status": "refused"}
    store.query("UPDATE answer_cache SET value = 'nope' WHERE key = 'k'")
    assert store.cached_answer("k") is None  # damaged: a miss
    assert store.clear_answer_cache() == 1 and store.cached_answer("k") is None


# -- evaluation runs ----------------------------------------------------------------------------------------

def test_eval_runs_and_items(store):
    assert store.ensure_eval_run("r1", "/data", {"dataset": {"kind": "beir"}}) is True
    assert store.ensure_eval_run("r1", "/data", {"other": 1}) is False  # a resumed run keeps its config
    assert store.query("SELECT config FROM eval_runs") == [(json_dumps({"dataset": {"kind": "beir"}}),)]
    store.put_eval_item("r1", "A", "q1", {"f1": 0.5})
    store.put_eval_item("r1", "A", "q1", {"f1": 1.0})  # replaced
    store.put_eval_item("r1", "C", "q1", {"f1": 0.0})
    assert store.eval_done("r1") == {("A", "q1"), ("C", "q1")}
    assert store.eval_items("r1") == {("A", "q1"): {"f1": 1.0}, ("C", "q1"): {"f1": 0.0}}
    assert store.eval_items("r1", arm="C") == {("C", "q1"): {"f1": 0.0}}
    assert store.eval_items("other") == {} and store.eval_done("other") == set()


def test_replay_log_ids_only_counts_replay_runs(store):
    store.ensure_eval_run("rep", "replay", {"dataset": {"kind": "replay"}})
    store.ensure_eval_run("beir", "/d", {"dataset": {"kind": "beir"}})
    store.put_eval_item("rep", "A", "log3", {"log_id": 3})
    store.put_eval_item("rep", "A", "log4", {"log_id": None})
    store.put_eval_item("beir", "A", "q", {"log_id": 7})
    assert store.replay_log_ids() == {3}


def test_a_home_under_a_file_is_an_input_error(tmp_path, capsys):
    """Sweep: `--home FILE/sub ingest …` ended in an internal error (NotADirectoryError)."""
    from ragtune.appliance.errors import InputError
    from ragtune.cli import main

    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="cannot create this folder"):
        Store(tmp_path / "f" / "home" / "ragtune.db")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\nsome text\n")
    assert main(["--home", str(tmp_path / "f" / "home"), "ingest", str(tmp_path / "docs")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'f' / 'home'}: cannot create this folder: {tmp_path / 'f'} is a file")


def test_a_full_disk_is_named_with_what_to_do(tmp_path, monkeypatch):
    """A full disk: SQLite says only "disk I/O error" (it cannot grow the -wal file) or "database or disk is full"."""
    import apsw

    def full(*a, **kw):
        raise apsw.IOError("disk I/O error")

    monkeypatch.setattr(apsw, "Connection", full)
    with pytest.raises(StoreError, match="cannot open database: disk I/O error") as ei:
        Store(tmp_path / "t.db")
    assert "is the disk full" in ei.value.hint
