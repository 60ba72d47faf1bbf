"""Round 48 (serve soak): a store connection left inside an old read snapshot for good.

apsw resets a statement when its cursor ends, is closed or is deallocated; a cursor deallocated while another thread
is inside the same connection is handed to a pending call that never ran here, so its statement stays stepped: the
connection keeps an old snapshot (stale reads, writes failing with "database is locked", a -wal no checkpoint can
shorten). The store no longer hands out open cursors (read in pages, each whole), and a long-lived connection found
pinned is reopened (store/snapshots.py), counted in /metrics and said by doctor when the -wal has grown.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import apsw
import pytest

from ragtune.appliance.store import Store
from ragtune.appliance.store import snapshots


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    s = Store(tmp_path / "ragtune.db")
    yield s
    s.close()


def _doc(store: Store, n_chunks: int = 12) -> int:
    """A document of `n_chunks` chunks (no vectors): enough rows for a read to stop early."""
    with store.transaction():
        store.conn.execute("INSERT INTO documents(path, sha256, title, kind, size, ingested_at, n_chunks) "
                           "VALUES ('/d/a.md', 'x', 'A', 'md', 1, 0, ?)", (n_chunks,))
        did = int(store.conn.last_insert_rowid())
        for i in range(n_chunks):
            store.conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                               "VALUES (?, ?, ?, ?, ?, 3, ?)", (did, i, f"text {i}", i * 10, i * 10 + 6, f"s{i}"))
    return did


def _entry(query: str) -> dict[str, Any]:
    return {"query": query, "normalized_query": query, "model_id": "m", "adapter_id": "none",
            "system_prompt_sha256": "x", "context": [], "retrieved": [], "output": {"answer": "a"}, "raw_output": "",
            "valid": True, "repaired": False, "refused": False, "timings": {}, "tokens_prompt": 1,
            "tokens_completion": 1}


def _log(store: Store, n: int) -> None:
    for i in range(n):
        store.add_query_log(_entry(f"q{i}"))


@contextmanager
def _other_thread_inside(store: Store) -> Iterator[None]:
    """Another thread inside `store.conn` for the block: its write waits (in SQLite, the GIL released, the connection's
    mutex held) on the write lock a second connection holds, as serve's engine waits out an ingest's."""
    lock = apsw.Connection(str(store.path))
    lock.execute("BEGIN IMMEDIATE")
    errors: list[BaseException] = []

    def write() -> None:
        while True:
            try:
                store.conn.execute("INSERT INTO meta(key, value) VALUES ('r48', '1') "
                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                return
            except apsw.ThreadingViolationError:
                time.sleep(0.001)  # met this thread's probe inside the connection: try again
            except BaseException as exc:  # pragma: no cover (said by the assertion below)
                errors.append(exc)
                return

    th = threading.Thread(target=write)
    th.start()
    deadline = time.monotonic() + 10
    try:
        while True:  # until that thread holds the connection
            try:
                store.conn.txn_state("main")
            except apsw.ThreadingViolationError:
                break
            # a write refused at once (BusyError) ends the thread: say so rather than wait out the deadline
            assert th.is_alive(), f"the other thread left without waiting inside the connection: {errors!r}"
            assert time.monotonic() < deadline, "the other thread never got inside the connection"
            time.sleep(0.002)
        yield
    finally:
        lock.execute("COMMIT")
        th.join()
        lock.close()
    assert not errors, errors


def _commit_elsewhere(store: Store) -> None:
    other = apsw.Connection(str(store.path))
    other.setbusytimeout(5000)
    other.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'index_version'")
    if other.changes() == 0:
        other.execute("INSERT INTO meta(key, value) VALUES ('index_version', '1')")
    other.close()


def test_apsw_defers_a_cursor_dropped_while_another_thread_is_inside(tmp_path: Any) -> None:
    """The mechanism itself (apsw, not ragtune): why an unfinished cursor must never be left to its deallocation."""
    s = Store(tmp_path / "ragtune.db")
    try:
        _doc(s)
        cur = s.conn.execute("SELECT id FROM chunks")
        next(cur)
        try:
            with _other_thread_inside(s):
                del cur
        except AssertionError as exc:
            # the other thread's write holds a read snapshot's upgrade: SQLite may refuse it at once (BUSY, no busy
            # handler for a connection already reading) before this thread sees it inside; then nothing was shown
            if "BusyError" not in str(exc):
                raise
            pytest.skip("the other thread's write was refused at once (timing): the mechanism was not exercised")
        for _ in range(200):
            sum(range(1000))  # bytecode: a pending call would run here
        if s.conn.txn_state("main") == 0:
            pytest.skip("this apsw/Python finishes a deferred cursor: the leak cannot happen here")
        _commit_elsewhere(s)
        with pytest.raises(apsw.BusyError):  # SQLITE_BUSY_SNAPSHOT: serve's 500 "cannot write the query log"
            s.conn.execute("INSERT INTO meta(key, value) VALUES ('w', '1')")
    finally:
        s.close()


class _Watched:
    """The store's connection, with every cursor it makes also held elsewhere (`held`): what the soak's sampler did
    (`gc.get_objects()` in its own thread, the list kept ~1 s, then dropped there)."""

    def __init__(self, conn: Any) -> None:
        self._conn, self.held = conn, []

    def execute(self, *args: Any) -> Any:
        cur = self._conn.execute(*args)
        self.held.append(cur)
        return cur

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_a_row_read_while_another_thread_holds_its_cursor(store: Store) -> None:
    """The soak's leak: `one()` returned from inside its loop and left the statement to the cursor's deallocation;
    a reference held elsewhere (the sampler's gc.get_objects list) moved that to another thread, at a moment the
    engine's thread was inside the connection (waiting out an ingest's write lock): the statement was never reset,
    and the engine's connection kept its snapshot for good (500 "cannot write the query log: database is locked")."""
    _doc(store)
    real = store.conn
    store.conn = watched = _Watched(real)  # type: ignore[assignment]
    try:
        assert store.one("SELECT id FROM chunks ORDER BY id") is not None
        assert store.index_version == 0
    finally:
        store.conn = real
    assert watched.held
    before = snapshots.resets()
    with _other_thread_inside(store):
        watched.held.clear()  # the last references go, in this thread, while the other is inside
    assert real.txn_state("main") == 0
    _commit_elsewhere(store)
    real.execute("INSERT INTO meta(key, value) VALUES ('w', '1')")  # was: BusyError (SQLITE_BUSY_SNAPSHOT)
    assert snapshots.resets() == before


@pytest.mark.parametrize("read", ["chunks_before", "iter_chunk_texts", "iter_query_log"])
def test_a_read_stopped_early_leaves_no_snapshot(store: Store, read: str) -> None:
    """A caller that takes the first rows and drops the rest (tablehead.py stops at a table's header), with the
    engine's thread inside the connection at that moment: no statement stays open, nothing is reset."""
    did = _doc(store, 600)
    _log(store, 450)
    it = {"chunks_before": lambda: store.chunks_before(did, 599),
          "iter_chunk_texts": lambda: store.iter_chunk_texts(),
          "iter_query_log": lambda: store.iter_query_log()}[read]()
    next(it)
    before = snapshots.resets()
    with _other_thread_inside(store):
        del it
    assert store.conn.txn_state("main") == 0
    _commit_elsewhere(store)
    store.conn.execute("INSERT INTO meta(key, value) VALUES ('w', '1')")  # was: BusyError, for good
    assert snapshots.resets() == before


def test_paged_reads_read_everything(store: Store) -> None:
    did = _doc(store, 600)
    _log(store, 450)
    assert [r[0] for r in store.chunks_before(did, 599)] == list(range(598, -1, -1))
    assert [r[0] for r in store.chunks_before(did, 3)] == [2, 1, 0]
    assert list(store.chunks_before(did, 0)) == []
    assert len(list(store.iter_chunk_texts())) == 600
    assert len(list(store.iter_chunk_texts([did]))) == 600 and list(store.iter_chunk_texts([did + 1])) == []
    assert [e["query"] for e in store.iter_query_log()] == [f"q{i}" for i in range(450)]


def test_one_closes_its_cursor(store: Store) -> None:
    _doc(store, 50)
    assert store.one("SELECT id FROM chunks ORDER BY id") is not None
    assert store.one("SELECT id FROM chunks WHERE id < 0") is None
    assert store.conn.txn_state("main") == 0


def test_a_pinned_connection_is_reopened_before_a_write(store: Store, caplog: Any) -> None:
    """The guard: whatever left it (here a cursor kept open on purpose), a connection in autocommit inside an old
    snapshot is reopened before the query log is written, warned about and counted; the write succeeds."""
    _doc(store)
    held = store.conn.execute("SELECT id FROM chunks")
    next(held)
    assert snapshots.pinned(store.conn)
    _commit_elsewhere(store)
    before = snapshots.resets()
    with caplog.at_level("WARNING", logger="ragtune.store"):
        log_id = store.add_query_log(_entry("q"))
    assert log_id and store.query_log_entry(log_id)["query"] == "q"
    assert snapshots.resets() == before + 1 and "read snapshot open" in caplog.text
    assert not snapshots.pinned(store.conn)
    # the reopened connection is configured as the first was (WAL, foreign keys, sqlite-vec)
    assert store.scalar("PRAGMA foreign_keys") == 1 and store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("SELECT vec_version()")


def test_a_pinned_reader_sees_the_new_index_version(store: Store) -> None:
    """A pinned retriever answered from the index as it was (stale answers): the version read reopens it."""
    store.bump_index_version()
    v = store.index_version
    held = store.conn.execute("SELECT id FROM documents UNION ALL SELECT 1 UNION ALL SELECT 2")
    next(held)
    _commit_elsewhere(store)
    assert store.index_version == v + 1
    cached = store.conn.execute("SELECT 1")  # a statement open inside a transaction is nobody's leak: left alone
    with store.transaction():
        next(cached)
        assert store.index_version == v + 1 and not snapshots.pinned(store.conn)


def test_cache_write_guarded(store: Store) -> None:
    _doc(store)
    held = store.conn.execute("SELECT id FROM chunks")
    next(held)
    _commit_elsewhere(store)
    store.cache_answer("k", {"answer": "a"}, max_entries=10)
    assert store.cached_answer("k") == {"answer": "a"}


def test_metrics_count_resets(tmp_path: Any) -> None:
    from ragtune.serve.metrics import Metrics

    text = Metrics(tmp_path).render().decode()
    assert f"ragtune_store_resets_total {float(snapshots.resets())}" in text


def test_doctor_warns_of_a_grown_wal(tmp_path: Any) -> None:
    from ragtune.appliance import doctor_files

    class Rep:
        def __init__(self) -> None:
            self.lines: list[tuple[str, str, str]] = []

        def add(self, status: str, name: str, detail: str, hint: str | None = None) -> None:
            self.lines.append((status, name, detail))

    rep = Rep()
    doctor_files.check_wal(tmp_path, rep)
    assert rep.lines == []
    with open(tmp_path / "ragtune.db-wal", "wb") as fh:
        fh.truncate(65 * 2**20)  # sparse: no 65 MB written
    doctor_files.check_wal(tmp_path, rep)  # (doctor.diagnose calls it for every existing home)
    assert [(s, n) for s, n, _ in rep.lines] == [("warn", "wal")] and "65 MB" in rep.lines[0][2]
