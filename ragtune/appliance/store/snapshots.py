"""A long-lived connection stuck in an old read snapshot, found and reset (round 48's serve soak).

In autocommit a connection is inside a read transaction only while one of its statements has stepped and not been
reset. apsw resets a statement when its cursor ends, is closed or is deallocated; but a cursor deallocated while
another thread is inside the same connection (holding its mutex) is handed to a pending call instead, which here (apsw
3.54, Python 3.11: tests/test_r48_snapshot.py) never ran, and its statement stays stepped for good. The connection
then keeps that snapshot: its reads are of the database as it was (a retriever answering from before an ingest: stale
answers), its writes fail with "database is locked" whatever the busy timeout (SQLITE_BUSY_SNAPSHOT: a snapshot older
than another connection's commit cannot become a write), and no checkpoint can pass it (the -wal grows without end).

The store therefore closes its cursors itself (StoreBase.one, the paged iterators in corpus.py and logs.py), and a
long-lived connection checks before its writes and at each read of the index version (`pinned`): a connection in
autocommit that is inside a transaction is closed (every statement with it) and opened again, said as a warning, and
counted (`resets()`, serve's /metrics `ragtune_store_resets_total`), so a leak can no longer wedge a server.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("ragtune.store")
_lock = threading.Lock()
_resets = 0


def resets() -> int:
    """How many connections this process has reset for a snapshot left open (since it started)."""
    return _resets


def pinned(conn: Any) -> bool:
    """Whether `conn` is in autocommit (no BEGIN, no savepoint) and yet inside a transaction: a statement of it was
    stepped and never reset. False when that cannot be told now (closed; busy in another thread)."""
    try:
        if conn is None or not conn.getautocommit():
            return False
        state = getattr(conn, "txn_state", None)  # apsw >= 3.40 (SQLite's sqlite3_txn_state)
        return bool(state is not None and state("main") > 0)
    except Exception:  # ThreadingViolationError (another thread is inside it), a closed connection
        return False


def release(store: Any, where: str) -> bool:
    """Reset `store`'s connection when it holds a snapshot left open (`pinned`): close it with every statement
    and open it again. True when it did. `where`: what was about to run, for the warning."""
    global _resets
    conn = getattr(store, "conn", None)
    if not pinned(conn) or not getattr(store, "_reopenable", False):
        return False
    log.warning("%s: this process's connection to the database kept a read snapshot open (a statement never "
                "reset); reopened before %s (its reads were of the database as it was, its writes would fail "
                "with 'database is locked')", store.path, where)
    try:
        conn.close(True)  # finalizes every statement: the snapshot goes, and the -wal can be checkpointed
    except Exception as exc:  # (another thread inside it: dropped, the new connection is used from now on)
        log.warning("%s: the stuck connection did not close: %s", store.path, exc)
    store.conn = None
    store._reconnect()
    with _lock:
        _resets += 1
    return True
