"""Round 45: `Store.transaction(write=True)` takes the write lock first (BEGIN IMMEDIATE) when it is the outermost,
nests as a savepoint inside another, commits on a normal exit (an early `return` too), and rolls back on an error."""

from __future__ import annotations

import pytest

from ragtune.appliance.store import open_store


def _count(s):
    return s.scalar("SELECT count(*) FROM meta WHERE key LIKE 'r45-%'")


def test_write_transactions_commit_roll_back_and_nest(home):
    with open_store(home) as s:
        with s.transaction(write=True):
            assert not s.conn.getautocommit()  # the write lock is held from the start
            s.conn.execute("INSERT INTO meta(key, value) VALUES ('r45-a', '1')")
        assert _count(s) == 1 and s.conn.getautocommit()
        with pytest.raises(ZeroDivisionError):
            with s.transaction(write=True):
                s.conn.execute("INSERT INTO meta(key, value) VALUES ('r45-b', '1')")
                1 / 0
        assert _count(s) == 1 and s.conn.getautocommit()
        with s.transaction():  # inside another: a savepoint, committed with the outer one
            with s.transaction(write=True):
                s.conn.execute("INSERT INTO meta(key, value) VALUES ('r45-c', '1')")
            with pytest.raises(KeyError):
                with s.transaction(write=True):
                    s.conn.execute("INSERT INTO meta(key, value) VALUES ('r45-d', '1')")
                    raise KeyError("inner only")
        assert _count(s) == 2  # a, c

        def early():
            with s.transaction(write=True):
                s.conn.execute("INSERT INTO meta(key, value) VALUES ('r45-e', '1')")
                return "done"
        assert early() == "done" and _count(s) == 3 and s.conn.getautocommit()
