"""Round 53: the chat's input history reads the newest rows of the query log, not the whole log (a GROUP BY over every
row ran as the chat opened)."""

from __future__ import annotations

from .test_store import _log


def _old_recent_questions(store, limit: int = 200) -> list[str]:
    """Round 52's query: the reference the paged read must agree with."""
    rows = store.query("SELECT query FROM query_log WHERE id IN (SELECT max(id) FROM query_log WHERE forgotten IS NULL "
                       "GROUP BY query) ORDER BY id DESC LIMIT ?", (limit,))
    return [r[0] for r in rows][::-1]


def test_same_questions_as_the_whole_log_grouped(store):
    with store.transaction():
        for i in range(700):  # repeats, near and far apart: each counted where it was asked last
            _log(store, f"q{(i * 37) % 260}" if i % 3 else f"q{i % 7}")
    store.forget_query_log([650, 699, 10])
    for limit in (0, 1, 5, 199, 200, 259, 500):
        assert store.recent_questions(limit) == _old_recent_questions(store, limit), limit
    assert len(store.recent_questions()) == 200


def test_reads_only_the_newest_rows(store):
    """`scan` bounds the rows read: a log of one question asked over and over is not read whole."""
    with store.transaction():
        _log(store, "oldest, far back")
        for _ in range(300):
            _log(store, "the same question")
        _log(store, "newest")
    assert store.recent_questions(scan=100) == ["the same question", "newest"]
    assert store.recent_questions() == ["oldest, far back", "the same question", "newest"]
    statements: list[str] = []
    store.conn.exec_trace = lambda _cursor, sql, _bindings: statements.append(sql) or True
    try:
        assert store.recent_questions(2) == ["the same question", "newest"]
    finally:
        store.conn.exec_trace = None
    assert len(statements) == 1 and "GROUP BY" not in statements[0]  # one page of 2 rows was enough


def test_empty_log(store):
    assert store.recent_questions() == []


def test_questions_behind_the_scan_are_not_offered_and_forgotten_rows_count(store):
    """Pinned (reviewer rE): only the newest `scan` rows are read, forgotten ones counted, so a question asked only
    before a long run of one repeated question is not offered."""
    with store.transaction():
        for q in ("old one", "old two"):
            _log(store, q)
        for _ in range(30):
            _log(store, "health check")
        _log(store, "forgotten")
    ids = [r[0] for r in store.query("SELECT id FROM query_log WHERE query = 'forgotten'")]
    store.forget_query_log(ids)
    assert store.recent_questions(scan=20) == ["health check"]
    assert store.recent_questions(scan=1) == []
    assert store.recent_questions(scan=40) == ["old one", "old two", "health check"]
