"""Round 45 soak, the store under a busy `ragtune serve` (fails until the lead applies the store change named in the
round-45 h12 report: ragtune/appliance/store/logs.py and base.py are not this helper's files).

1. `ragtune log prune` beside a server answering requests failed at once with "database error: database is locked"
   (exit 4), whatever the busy timeout: its transaction read the log first, and a read snapshot cannot become a
   write once another connection has committed (SQLITE_BUSY_SNAPSHOT, which no busy handler waits out).
2. The `-wal` file kept the size of the largest transaction (a prune of 2,048 rows left 9.5 MB) for as long as the
   server held the database open: nothing bounded it after a checkpoint."""

from __future__ import annotations

import threading
import time

import apsw

from ragtune.appliance.store import open_store

_ROW = ("INSERT INTO query_log (ts, query, normalized_query, model_id, adapter_id, system_prompt_sha256, context, "
        "retrieved, output, raw_output, valid, repaired, refused, timings, tokens_prompt, tokens_completion) "
        "VALUES (?, 'q', 'q', 'm', 'none', 's', ?, '[]', 'a', 'a', 1, 0, 0, '{}', 1, 1)")


def _fill(store, n: int, size: int = 2000) -> None:
    with store.transaction():
        for _ in range(n):
            store.conn.execute(_ROW, (time.time(), "x" * size))


def test_a_prune_beside_a_writing_server_waits_for_its_turn(home):
    store = open_store(home)
    _fill(store, 3000)
    stop, writes = threading.Event(), [0]

    def server() -> None:  # another connection logging answers, as `serve` does
        w = apsw.Connection(str(store.path))
        w.setbusytimeout(10_000)
        while not stop.is_set():
            with w:
                w.execute(_ROW, (time.time(), "y"))
            writes[0] += 1
            time.sleep(0.005)
        w.close()

    t = threading.Thread(target=server)
    t.start()
    try:
        deadline = time.monotonic() + 30  # the server is writing (was: assumed after 0.2 s; a busy machine may not be)
        while writes[0] < 3:
            assert t.is_alive() and time.monotonic() < deadline, "the writing connection never wrote"
            time.sleep(0.01)
        out = store.prune_query_log(keep=40)  # was: StoreError "database is locked" within 0.1 s
        assert out["rows"] >= 3000 - 40
    finally:
        stop.set()
        t.join()
        store.close()
    assert writes[0] > 0


def test_the_wal_shrinks_back_after_a_large_prune(home):
    store = open_store(home)
    wal = store.path.with_name(store.path.name + "-wal")
    _fill(store, 4000)
    store.prune_query_log(keep=1)  # one large transaction: the -wal grows past its usual size
    assert wal.stat().st_size > 8 << 20
    for _ in range(1500):  # the server's usual small writes; an automatic checkpoint comes with them
        _fill(store, 1, size=100)
    assert wal.stat().st_size <= 4 << 20
    store.close()
