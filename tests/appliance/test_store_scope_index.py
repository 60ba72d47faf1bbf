"""Migration 0012 (`chunks_id_doc`): the covering index a wide scope's chunk -> document lookup
(`Store.chunk_doc_ids`, retrieve.py `_thin`) reads instead of every candidate's chunk row; the lookup's answers; the
migration on a home made before it."""

from __future__ import annotations

from ragtune.appliance.store import MIGRATIONS, open_store

from .store_helpers import Chunk, unit_vec

MIGRATION = "0012_chunks_id_doc"


def _put(store, path: str, n: int) -> int:
    """A document of `n` chunks; its id."""
    chunks = [Chunk(i, f"{path} chunk {i} " + "x" * 500) for i in range(n)]
    vecs = [unit_vec(i) for i in range(n)]
    doc_id, _ = store.put_document(path=path, sha256=path, title="", kind="md", size=1, doc_date=None,
                                   ingested_at=1.0, meta="{}", chunks=chunks, vectors=vecs)
    return doc_id


def _expected(store) -> dict[int, int]:
    return {int(c): int(d) for c, d in store.query("SELECT id, doc_id FROM chunks")}


def _lookup_sql(store, chunk_ids) -> tuple[str, tuple]:
    """The statement (and bindings) `chunk_doc_ids` runs, as SQLite was given it."""
    seen: list[tuple[str, tuple]] = []

    def trace(cursor, sql, bindings):
        seen.append((sql, tuple(bindings or ())))
        return True

    store.conn.exec_trace = trace
    try:
        store.chunk_doc_ids(chunk_ids)
    finally:
        store.conn.exec_trace = None
    (one,) = [s for s in seen if "chunks" in s[0]]
    return one


def test_the_lookup_reads_the_covering_index_not_the_chunk_rows(store):
    for i in range(5):
        _put(store, f"/d/{i}.md", 4)
    sql, params = _lookup_sql(store, [1, 7, 13])
    plan = " | ".join(r[3] for r in store.query("EXPLAIN QUERY PLAN " + sql, params))
    assert "SEARCH chunks USING COVERING INDEX chunks_id_doc" in plan, plan


def test_the_lookup_answers_for_existing_chunks_only_and_follows_changes(store):
    a, b, c = _put(store, "/d/a.md", 3), _put(store, "/d/b.md", 2), _put(store, "/d/c.md", 4)
    assert store.chunk_doc_ids([]) == {}
    everything = _expected(store)
    assert set(everything.values()) == {a, b, c} and store.chunk_doc_ids(list(everything) + [999, 0]) == everything
    assert store.chunk_doc_ids([next(iter(everything))] * 3) == dict([next(iter(everything.items()))])  # repeats
    _put(store, "/d/b.md", 5)  # replaced: its old chunk ids go, new ones come (the index follows the table)
    store.delete_document(a)
    now = _expected(store)
    assert a not in now.values() and store.chunk_doc_ids(list(everything) + list(now)) == now
    assert store.scalar("PRAGMA integrity_check") == "ok"


def test_the_migration_applies_to_a_home_made_before_it_once(home, monkeypatch):
    import ragtune.appliance.store.base as base

    home.ensure()
    # a home as the schema before it made it: every migration but this one
    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != MIGRATION])
    old = open_store(home)
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS)
    assert MIGRATION not in old.applied_migrations()
    assert old.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'chunks_id_doc'") == 0
    docs = [_put(old, f"/d/{i}.md", 3) for i in range(4)]
    before = _expected(old)
    old.close()
    with open_store(home) as s:  # opening it applies the migration; the rows are untouched
        assert MIGRATION in s.applied_migrations()
        assert s.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'chunks_id_doc'") == 1
        assert _expected(s) == before and set(before.values()) == set(docs)
        assert s.chunk_doc_ids(list(before)) == before  # the index was built from the rows already there
        assert s.migrate() == []
        assert s.migrate([("0012_again", dict(MIGRATIONS)[MIGRATION])]) == ["0012_again"]  # IF NOT EXISTS: a no-op
        assert s.scalar("PRAGMA integrity_check") == "ok"
    with open_store(home) as s:
        assert s.migrate() == []
