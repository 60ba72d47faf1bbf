"""Migration 0015_chunk_ids_not_reused (round 45): a chunk id is never handed out twice, so an old query-log row's or
eval item's `chunk_id` names the chunk it cited or none, never other text a later ingest stored. The migration
rebuilds `chunks` with AUTOINCREMENT on a home the previous schema made, keeping every row, id and vector."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import StoreError
from ragtune.appliance.store import MIGRATIONS, Store, json_dumps

from .store_helpers import Chunk, unit_vec

NAME = "0015_chunk_ids_not_reused"
REBUILD_AT = [name for name, _ in MIGRATIONS].index(NAME)  # later migrations follow it


def _put(st: Store, path: str, texts: list[str], sha: str = "s1", first: int = 0) -> int:
    chunks = [Chunk(ord=i, text=t, sha256=f"{sha}-{i}") for i, t in enumerate(texts)]
    return st.put_document(path=path, sha256=sha, title=path, kind="md", size=10, doc_date=None, ingested_at=1.0,
                           meta="{}", chunks=chunks, vectors=[unit_vec(first + i) for i in range(len(texts))])[0]


def _log_citing(st: Store, chunk_id: int) -> None:
    """A query-log row as an old ragtune wrote it, citing `chunk_id` (the columns 0003 made NOT NULL)."""
    st.query("INSERT INTO query_log(ts, query, normalized_query, model_id, adapter_id, system_prompt_sha256, context, "
             "retrieved, output, raw_output, valid, repaired, refused, timings, tokens_prompt, tokens_completion) "
             "VALUES (1, 'q', 'q', 'm', 'a', 's', ?, ?, '{}', '', 1, 0, 0, '{}', 0, 0)",
             (json_dumps([{"id": "S1", "chunk_id": chunk_id, "text": "t"}]), json_dumps([{"chunk_id": chunk_id}])))


def _old_home(tmp_path, monkeypatch):
    """A database the previous schema made (every migration before 0015), with two documents, the newest
    document's chunks removed again (their ids are the largest), a log row citing one of them, and an eval item
    whose `retrieved` list names an id past every one."""
    import ragtune.appliance.store.base as base

    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:REBUILD_AT])
    db = tmp_path / "ragtune.db"
    with Store(db) as st:
        _put(st, "/d/a.md", ["alpha one", "alpha two"])
        doc_b = _put(st, "/d/b.md", ["bravo one", "bravo two"], first=2)
        gone = int(st.scalar("SELECT max(id) FROM chunks"))
        _log_citing(st, gone)
        st.query("INSERT INTO eval_runs(id, created, dataset, config) VALUES ('r', 1, 'd', '{}')")
        st.query("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('r', 'A', 'q1', ?)",
                 (json_dumps({"retrieved": [gone + 1], "context": []}),))
        st.query("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('r', 'A', 'q2', 'not json')")
        st.delete_document(doc_b)
        assert NAME not in st.applied_migrations()
    monkeypatch.undo()
    return db, gone


def _table(st: Store, name: str) -> list[tuple]:
    return st.query(f"SELECT * FROM {name} ORDER BY 1, 2")


def test_an_old_home_keeps_every_row_id_and_vector(tmp_path, monkeypatch):
    db, _gone = _old_home(tmp_path, monkeypatch)
    with Store(db, readonly=True) as ro:
        before = {t: _table(ro, t) for t in ("documents", "chunks", "vector_changes", "query_log", "eval_items")}
        vecs = {cid: ro.vector_blob(cid) for (cid, *_rest) in before["chunks"]}
    with Store(db) as st:
        assert st.migrated[:1] == [NAME]
        for t, rows in before.items():
            width = len(rows[0]) if rows else 0  # later migrations may add columns (0016: query_log.rollout)
            assert [r[:width] for r in _table(st, t)] == rows, t  # 0015 logs no vector change: vectors/ is not rebuilt
        assert {cid: st.vector_blob(cid) for cid in vecs} == vecs
        sql = st.scalar("SELECT sql FROM sqlite_schema WHERE name = 'chunks'")
        assert "AUTOINCREMENT" in sql
        names = {r[0] for r in st.query("SELECT name FROM sqlite_schema WHERE tbl_name = 'chunks'")}
        assert {"chunks_doc", "chunks_id_doc", "chunks_added", "chunks_removed"} <= names
        assert st.chunk_doc_ids([c[0] for c in before["chunks"]])  # the INDEXED BY query still finds its index
        assert st.query("PRAGMA foreign_key_check") == [] and st.query("PRAGMA integrity_check") == [("ok",)]


def test_after_it_a_new_chunk_never_takes_an_id_an_old_log_row_or_eval_item_cites(tmp_path, monkeypatch):
    db, gone = _old_home(tmp_path, monkeypatch)
    with Store(db) as st:
        seq_before = int(st.scalar("SELECT max(seq) FROM vector_changes"))
        _put(st, "/d/c.md", ["charlie one"], sha="s3", first=9)
        new = int(st.scalar("SELECT id FROM chunks WHERE text = 'charlie one'"))
        assert new > gone + 1  # past the log's cited id and the eval item's retrieved one
        assert st.chunks_by_ids([gone]) == {}  # the old row's chunk id names nothing, not charlie's text
        # the triggers were re-created: the new chunk is in the change log the vector index replays
        assert st.query("SELECT chunk_id, added FROM vector_changes WHERE seq > ?", (seq_before,)) == [(new, 1)]
        # re-ingesting a document with the largest ids gives its chunks new ids, never its old ones
        _put(st, "/d/c.md", ["charlie one, edited"], sha="s4", first=9)
        again = st.scalar("SELECT id FROM chunks WHERE doc_id = (SELECT id FROM documents WHERE path = '/d/c.md')")
        assert int(again) > new


def test_a_failing_rebuild_leaves_the_old_table_as_it_was(tmp_path, monkeypatch):
    db, _gone = _old_home(tmp_path, monkeypatch)
    with Store(db, readonly=True) as ro:
        before = _table(ro, "chunks")
    rebuild = MIGRATIONS[REBUILD_AT][1]

    def then_fails(conn):  # the whole rebuild done, then a failure before the migration is recorded
        rebuild(conn)
        conn.execute("INSERT INTO nowhere VALUES (1)")

    broken = [(NAME, then_fails)]
    import ragtune.appliance.store.base as base

    monkeypatch.setattr(base, "MIGRATIONS", [*MIGRATIONS[:REBUILD_AT], *broken])
    with pytest.raises(StoreError, match=f"migration {NAME} failed"):
        Store(db)
    monkeypatch.undo()
    with Store(db, readonly=True) as ro:
        assert _table(ro, "chunks") == before
        assert "AUTOINCREMENT" not in ro.scalar("SELECT sql FROM sqlite_schema WHERE name = 'chunks'")
        assert NAME not in ro.applied_migrations()
        triggers = ro.query("SELECT name FROM sqlite_schema WHERE tbl_name = 'chunks' AND type = 'trigger'")
        assert {r[0] for r in triggers} == {"chunks_added", "chunks_removed"}
    with Store(db) as st:  # the next open applies it whole
        assert st.migrated[:1] == [NAME] and _table(st, "chunks") == before


def test_a_new_home_gets_it_like_every_other_migration(tmp_path):
    with Store(tmp_path / "ragtune.db") as st:
        assert NAME in st.applied_migrations()
        _put(st, "/d/a.md", ["one", "two"])
        st.delete_document(int(st.scalar("SELECT id FROM documents")))
        _put(st, "/d/a.md", ["one"])
        assert int(st.scalar("SELECT id FROM chunks")) == 3


def test_the_home_keeps_its_own_indexes_and_columns(tmp_path, monkeypatch):
    """The rebuild copies the table the home has: a home made without 0012's index (every migration but that one
    applied) gets none from it (0012 adds it after), and a column an ALTER added is kept."""
    import ragtune.appliance.store.base as base

    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != "0012_chunks_id_doc"])
    db = tmp_path / "ragtune.db"
    with Store(db) as st:
        _put(st, "/d/a.md", ["alpha"])
        st.query("UPDATE chunks SET embed_ids_sha256 = 'k'")
        assert st.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'chunks_id_doc'") == 0
        assert "AUTOINCREMENT" in st.scalar("SELECT sql FROM sqlite_schema WHERE name = 'chunks'")
    monkeypatch.undo()
    with Store(db) as st:
        assert st.migrated == ["0012_chunks_id_doc"]
        assert st.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'chunks_id_doc'") == 1
        assert st.query("SELECT text, embed_ids_sha256 FROM chunks") == [("alpha", "k")]


def test_a_chunks_table_it_does_not_know_fails_it_whole(tmp_path, monkeypatch):
    import ragtune.appliance.store.base as base

    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:REBUILD_AT])
    db = tmp_path / "ragtune.db"
    Store(db).close()
    with Store(db) as st:  # a table whose id is not the INTEGER PRIMARY KEY 0001 made
        st.query("PRAGMA foreign_keys = OFF")
        st.query("DROP TABLE chunks")
        st.query("CREATE TABLE chunks (rid INTEGER PRIMARY KEY, id INTEGER, doc_id INTEGER)")
    monkeypatch.undo()
    with pytest.raises(StoreError, match=f"migration {NAME} failed: chunks is not the table"):
        Store(db)
    with Store(db, readonly=True) as ro:
        assert NAME not in ro.applied_migrations()


def test_re_running_it_is_a_no_op(tmp_path):
    with Store(tmp_path / "ragtune.db") as st:
        _put(st, "/d/a.md", ["one", "two"])
        before = (_table(st, "chunks"), st.query("SELECT * FROM sqlite_sequence WHERE name = 'chunks'"))
        assert st.migrate([("0015_again", dict(MIGRATIONS)[NAME])]) == ["0015_again"]
        assert (_table(st, "chunks"), st.query("SELECT * FROM sqlite_sequence WHERE name = 'chunks'")) == before
