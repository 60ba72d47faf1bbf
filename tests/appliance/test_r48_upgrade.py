"""Round 48, upgrading an older home (docs/upgrading.md): a home as the round-20/33 releases left it (migrations
0001-0006 only, reviews in query_log.review, no review history) is upgraded whole by the first open; a `kill -9`
inside the one long migration (0015's chunks rebuild) leaves the home as it was, and both it and a copy of it taken
then (a home moved to another machine mid-upgrade) finish the upgrade on their next open, nothing lost. The homes
are built with SQL in the old shape, not with old checkouts."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import numpy as np

from ragtune.appliance.store import EMBED_DIM, MIGRATIONS, Store, json_dumps
from ragtune.appliance.store.base import StoreBase

NAMES = [name for name, _ in MIGRATIONS]
ROUND33 = "0006_query_log_client_arm"  # the newest migration the round-20 and round-33 releases had
REBUILD = "0015_chunk_ids_not_reused"


def _vec(i: int) -> bytes:
    v = np.zeros(EMBED_DIM, np.float32)
    v[i % EMBED_DIM] = 1.0
    return v.tobytes()


def _round33_home(tmp_path, monkeypatch):
    """ragtune.db as a round-33 ragtune wrote it: two documents (the second one's chunks removed again, so their ids
    were the largest), a query log whose rows cite chunks, two reviewed, one of them by an arm, and an eval run."""
    import ragtune.appliance.store.base as base

    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:NAMES.index(ROUND33) + 1])
    db = tmp_path / "home" / "ragtune.db"
    with Store(db) as st:
        for d, (path, n) in enumerate([("/d/a.md", 3), ("/d/b.md", 2)], start=1):
            st.query("INSERT INTO documents(path, sha256, title, kind, size, ingested_at, n_chunks) "
                     "VALUES (?, ?, ?, 'md', 10, 1.0, ?)", (path, f"s{d}", path, n))
            for o in range(n):
                cid = st.query("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                               "VALUES (?, ?, ?, 0, 5, 3, ?) RETURNING id", (d, o, f"{path} {o}", f"c{d}{o}"))[0][0]
                st.query("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)", (cid, _vec(cid)))
        for i in range(6):
            ctx = json_dumps([{"id": "S1", "chunk_id": 1 + i % 5, "text": "t"}])
            review = json_dumps({"status": "ok", "answer": f"fixed {i}", "citations": ["S1"]}) if i in (1, 4) else None
            st.query("INSERT INTO query_log(ts, query, normalized_query, model_id, adapter_id, system_prompt_sha256, "
                     "context, retrieved, output, raw_output, valid, repaired, refused, timings, tokens_prompt, "
                     "tokens_completion, review, client_id, arm) VALUES (?, ?, ?, 'm', 'a', 's', ?, '[]', '{}', '', "
                     "1, 0, 0, '{}', 1, 1, ?, 'term:u:1', ?)",
                     (1000.0 + i, f"q{i}", f"q{i}", ctx, review, "control" if i == 4 else None))
        st.query("INSERT INTO eval_runs(id, created, dataset, config) VALUES ('r33', 1, 'set', '{}')")
        st.query("INSERT INTO eval_items(run_id, arm, qid, result) VALUES ('r33', 'A', 'q1', ?)",
                 (json_dumps({"retrieved": [4, 5], "context": [{"chunk_id": 5}]}),))
        st.query("DELETE FROM chunk_vec WHERE rowid IN (SELECT id FROM chunks WHERE doc_id = 2)")
        st.query("DELETE FROM chunks WHERE doc_id = 2")
        st.query("UPDATE documents SET n_chunks = 0 WHERE id = 2")
    monkeypatch.undo()
    return db


def _content(db) -> dict:
    """What the upgrade must keep, read read-only."""
    with Store(db, readonly=True) as ro:
        return {t: ro.query(f"SELECT {cols} FROM {t} ORDER BY 1") for t, cols in [
            ("documents", "id, path, sha256, n_chunks"), ("chunks", "id, doc_id, ord, text, sha256"),
            ("chunk_vec", "rowid, embedding"), ("eval_items", "run_id, arm, qid, result"),
            ("query_log", "id, ts, query, context, review, client_id, arm")]}


def test_a_round33_home_is_upgraded_whole_by_its_first_open(tmp_path, monkeypatch):
    db = _round33_home(tmp_path, monkeypatch)
    before = _content(db)
    told: list = []
    monkeypatch.setattr(StoreBase, "on_upgrade", [lambda path, names: told.append(names)])
    with Store(db) as st:
        assert st.applied_migrations() == NAMES
        assert told == [NAMES[NAMES.index(ROUND33) + 1:]]  # the CLI's `migrated …: N migrations applied` line
        # each stored review is now the first entry of its history, its time unknown
        assert st.query_review_history(2) == [{"reviewed_at": None, "review": {
            "status": "ok", "answer": "fixed 1", "citations": ["S1"]}}]
        assert len(st.query_review_history(5)) == 1 and st.query_review_history(1) == []
        # a new chunk takes none of the ids the log and the eval run cite (4, 5: the removed document's)
        new = st.query("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                       "VALUES (1, 9, 'new', 0, 3, 1, 'n') RETURNING id")[0][0]
        assert new > 5
        st.query("DELETE FROM chunks WHERE id = ?", (new,))
    assert _content(db) == before


# Runs 0015 in another process and stops there: its rebuild done inside the open transaction, then it waits (to be
# killed) before the commit, as a kill -9 during a long rebuild finds it.
_KILLED_IN_REBUILD = """
import sys, time
from pathlib import Path
import ragtune.appliance.store.base as base
from ragtune.appliance.store import schema

rebuild = dict(schema.MIGRATIONS)[{name!r}]
def slow(conn):
    rebuild(conn)
    Path(sys.argv[2]).write_text("inside")
    time.sleep(60)
base.MIGRATIONS = [(n, slow if n == {name!r} else sql) for n, sql in schema.MIGRATIONS]
from ragtune.appliance.store import Store
Store(sys.argv[1])
"""


def test_a_kill_9_inside_the_chunks_rebuild_loses_nothing_and_a_copy_taken_then_finishes_too(tmp_path, monkeypatch):
    db = _round33_home(tmp_path, monkeypatch)
    before = _content(db)
    marker = tmp_path / "inside"
    p = subprocess.Popen([sys.executable, "-c", _KILLED_IN_REBUILD.format(name=REBUILD), str(db), str(marker)],
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
    # the home moved to another machine now, as it lies (the database, its -wal and -shm)
    moved = tmp_path / "moved"
    shutil.copytree(db.parent, moved)
    for where in (db, moved / db.name):
        with Store(where, readonly=True) as ro:  # as the kill left it: every migration before 0015, chunks whole
            assert ro.applied_migrations() == sorted(NAMES[:NAMES.index(REBUILD)])
            assert ro.query("SELECT name FROM sqlite_schema WHERE name LIKE 'chunks_0015%'") == []
        assert _content(where) == before
        with Store(where) as st:  # the next open goes on from 0015
            assert st.migrated == NAMES[NAMES.index(REBUILD):]
            assert st.query("PRAGMA integrity_check") == [("ok",)]
            assert "AUTOINCREMENT" in st.scalar("SELECT sql FROM sqlite_schema WHERE name = 'chunks'")
        assert _content(where) == before
