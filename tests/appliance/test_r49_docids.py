"""Round 49: migration 0017_documents_ids_not_reused. `documents.id` was `INTEGER PRIMARY KEY`: removing the newest
document and ingesting another gave the new one the removed id, so a query-log row's `doc_id`, a logged scope's
`doc_ids` (or a scope naming "42") then named another document. The table is rebuilt with AUTOINCREMENT as 0015
rebuilt chunks: every row, id, index, trigger and foreign key kept; the id counter starts past every document id the
home stored or still names."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

import ragtune.appliance.store.schema as schema
from ragtune.appliance.errors import BusyError, StoreError
from ragtune.appliance.store import MIGRATIONS, Store, json_dumps

from .store_helpers import Chunk, db_processes, unit_vec

NAME = "0017_documents_ids_not_reused"
AT = [name for name, _ in MIGRATIONS].index(NAME)
TABLES = ("documents", "chunks", "query_log", "vector_changes", "eval_items", "query_reviews")


def _put(st: Store, path: str, n: int = 2, first: int = 0) -> int:
    chunks = [Chunk(ord=i, text=f"{path} {i}", sha256=f"{path}-{i}") for i in range(n)]
    return st.put_document(path=path, sha256=path, title=path, kind="md", size=10, doc_date=None, ingested_at=1.0,
                           meta="{}", chunks=chunks, vectors=[unit_vec(first + i) for i in range(n)])[0]


def _log(st: Store, doc_id: int, scope: list[int] | None = None) -> None:
    """A query-log row as log_answer writes it: its context item names `doc_id`, its timings the scope's ids."""
    timings = {"scope": {"documents": len(scope), "doc_ids": scope}} if scope else {}
    st.add_query_log({"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none",
                      "system_prompt_sha256": "s", "context": [{"id": "S1", "chunk_id": 1, "doc_id": doc_id,
                                                                "doc_sha256": "x", "text": "t"}],
                      "retrieved": [{"chunk_id": 1}], "output": {"status": "ok"}, "raw_output": "", "valid": True,
                      "repaired": False, "refused": False, "tokens_prompt": 1, "tokens_completion": 1,
                      "timings": timings})


def _old_home(tmp_path, monkeypatch, *, extra=None):
    """A database at 0016 (every migration before 0017): three documents, the newest removed again after a log row
    cited it (its id the largest), a damaged log row, a review."""
    import ragtune.appliance.store.base as base

    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:AT])
    db = tmp_path / "home" / "ragtune.db"
    with Store(db) as st:
        _put(st, "/d/a.md")
        _put(st, "/d/b.md", first=2)
        gone = _put(st, "/d/c.md", first=4)
        _log(st, gone)
        st.set_query_review(int(st.scalar("SELECT max(id) FROM query_log")), {"status": "ok", "answer": "r"})
        st.query("UPDATE query_log SET context = 'not json' WHERE id = (SELECT min(id) FROM query_log)")
        _log(st, gone)
        if extra:
            extra(st)
        st.delete_document(gone)
        assert NAME not in st.applied_migrations()
    monkeypatch.undo()
    return db, gone


def _content(db) -> dict:
    with Store(db, readonly=True) as ro:
        out = {t: ro.query(f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES}
        out["vec"] = ro.query("SELECT rowid FROM chunk_vec ORDER BY rowid")
        out["schema"] = ro.query("SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' "
                                 "AND name != 'documents' ORDER BY 1, 2")
        out["fk"] = ro.query("SELECT * FROM pragma_foreign_key_list('chunks')")
        out["doc_index"] = ro.query("SELECT name FROM pragma_index_list('documents') ORDER BY 1")
        out["doc_cols"] = ro.query("SELECT * FROM pragma_table_info('documents')")
    return out


def test_an_old_home_keeps_every_row_and_id_and_a_removed_id_is_never_given_again(tmp_path, monkeypatch):
    db, gone = _old_home(tmp_path, monkeypatch)
    before = _content(db)
    with Store(db) as st:
        assert st.migrated == [NAME]
        assert "AUTOINCREMENT" in st.scalar("SELECT sql FROM sqlite_schema WHERE name = 'documents'")
        assert st.scalar("PRAGMA foreign_keys") == 1  # back on after the rebuild
        assert st.query("PRAGMA integrity_check") == [("ok",)] and st.query("PRAGMA foreign_key_check") == []
    assert _content(db) == before  # rows, ids, vectors, indexes, triggers, the foreign key: as they were
    with Store(db) as st:
        assert st.migrated == []
        new = _put(st, "/d/e.md", first=6)
        assert new == gone + 1  # before 0017: `gone` again
        st.delete_document(new)  # the foreign key still cascades: its chunks go with it
        assert st.scalar("SELECT count(*) FROM chunks WHERE doc_id = ?", (new,)) == 0
        assert _put(st, "/d/f.md", first=8) == new + 1


def test_the_counter_starts_past_ids_only_the_log_or_an_eval_item_names(tmp_path, monkeypatch):
    def extra(st):
        _log(st, 1, scope=[1, 70])  # a scope logged with an id no document holds now
        _log(st, 50)
        st.query("INSERT INTO eval_runs(id, created, dataset, config) VALUES ('r', 1, 'd', '{}')")
        st.query("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('r', 'A', 'q1', ?)",
                 (json_dumps({"context": [{"doc_id": 60}]}),))
        st.query("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('r', 'A', 'q2', 'doc_id, not json')")

    db, _ = _old_home(tmp_path, monkeypatch, extra=extra)
    with Store(db) as st:
        assert st.migrated == [NAME]
        assert _put(st, "/d/e.md") == 71


def test_it_is_idempotent(tmp_path, monkeypatch):
    db, gone = _old_home(tmp_path, monkeypatch)
    with Store(db) as st:
        assert st.migrated == [NAME]
    before = _content(db)
    with Store(db) as st:
        assert st.migrate([("0017_again", dict(MIGRATIONS)[NAME])]) == ["0017_again"]
        assert st.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'documents'") == gone
    after = _content(db)
    assert {k: v for k, v in after.items() if k != "schema"} == {k: v for k, v in before.items() if k != "schema"}


def test_a_failed_rebuild_leaves_the_old_table_and_every_chunk(tmp_path, monkeypatch):
    db, _ = _old_home(tmp_path, monkeypatch)
    before = _content(db)
    monkeypatch.setattr(schema, "_DOC_ID_SEED", "SELECT no_such_function()")  # fails after the DROP, before COMMIT
    with pytest.raises(StoreError, match=NAME):
        Store(db)
    assert _content(db) == before
    monkeypatch.undo()
    with Store(db) as st:
        assert st.migrated == [NAME]


def test_never_with_foreign_keys_on(tmp_path, monkeypatch):
    """Inside a caller's transaction foreign keys cannot be turned off: the rebuild refuses (the DROP would delete
    every chunk by their cascade) and the transaction rolls back."""
    db, _ = _old_home(tmp_path, monkeypatch)
    before = _content(db)
    import apsw

    conn = apsw.Connection(str(db))
    conn.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(ValueError, match="foreign keys off"):
        with conn:
            schema.apply_migration(conn, NAME, dict(MIGRATIONS)[NAME])
    conn.close()
    assert _content(db) == before


_KILLED = """
import sys, time
from pathlib import Path
import ragtune.appliance.store.base as base
from ragtune.appliance.store import schema

rebuild = dict(schema.MIGRATIONS)[{name!r}]
def slow(conn):
    rebuild(conn)
    Path(sys.argv[2]).write_text("inside")
    time.sleep(60)
slow.foreign_keys_off = True
base.MIGRATIONS = [(n, slow if n == {name!r} else sql) for n, sql in schema.MIGRATIONS]
from ragtune.appliance.store import Store
Store(sys.argv[1])
"""


def test_a_kill_9_inside_the_rebuild_loses_nothing(tmp_path, monkeypatch):
    db, gone = _old_home(tmp_path, monkeypatch)
    before = _content(db)
    marker = tmp_path / "inside"
    p = subprocess.Popen([sys.executable, "-c", _KILLED.format(name=NAME), str(db), str(marker)],
                         stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert p.poll() is None, p.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    assert _content(db) == before
    with Store(db) as st:
        assert st.migrated == [NAME] and st.query("PRAGMA integrity_check") == [("ok",)]
        assert _put(st, "/d/e.md") == gone + 1
    assert _content(db)["chunks"][:len(before["chunks"])] == before["chunks"]


HOLD = ("import apsw, sys; c = apsw.Connection(sys.argv[1]); c.execute('SELECT count(*) FROM documents').fetchall(); "
        "print('open', flush=True); sys.stdin.read()")


def test_a_long_rebuild_is_not_started_beside_another_process(tmp_path, monkeypatch):
    db, _ = _old_home(tmp_path, monkeypatch)
    before = _content(db)
    monkeypatch.setattr(schema, "LONG_REBUILD_S", 0.0)
    with db_processes(HOLD, b"open") as start:
        p = start(db)
        with pytest.raises(BusyError) as err:
            Store(db)
        assert f"pid {p.pid}" in err.value.message and NAME in err.value.message
        assert "documents table" in err.value.message and "nothing was changed" in err.value.message
    assert _content(db) == before
    assert schema.rebuild_seconds(Store(db, readonly=True).conn, [NAME]) > 0


def test_version_names_the_new_schema(capsys):
    from ragtune.cli import main

    assert MIGRATIONS[-1][0] == NAME
    assert main(["--version"]) == 0
    assert f"(schema {NAME})" in capsys.readouterr().out
