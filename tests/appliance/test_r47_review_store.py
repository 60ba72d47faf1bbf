"""Round 47 review, the store: a home two migrations behind 0015 beside another process is refused with truly nothing
applied (0013/0014 were committed one by one before 0015's own check refused and said "nothing was changed"); when a
refusal still comes after some were applied (a process that opened in between), it names them. A rollout's rows after
its start row are read in one query (a count, then a slice of a second read, dropped rows a prune removed between)."""

from __future__ import annotations

import pytest

import ragtune.appliance.store.base as base
import ragtune.appliance.store.schema as schema
from ragtune.appliance.errors import BusyError
from ragtune.appliance.store import MIGRATIONS, Store
from ragtune.appliance.store import rollout_log

from .store_helpers import home_behind
from .test_r47_migration_busy import holder  # noqa: F401  (the fixture: another process with the database open)

BEHIND = MIGRATIONS[[n for n, _ in MIGRATIONS].index("0015_chunk_ids_not_reused") - 2:]  # 0013, 0014, 0015 …


def _home_behind(tmp_path, monkeypatch):
    return home_behind(tmp_path, monkeypatch, behind=len(BEHIND))


def _applied(db):
    with Store(db, readonly=True) as ro:
        return ro.applied_migrations()


def test_a_refused_upgrade_applies_none_of_the_migrations_before_0015(tmp_path, monkeypatch, holder):  # noqa: F811
    db = _home_behind(tmp_path, monkeypatch)
    before = _applied(db)
    holder(db)
    monkeypatch.setattr(schema, "LONG_REBUILD_S", 0.0)
    told = []
    monkeypatch.setattr(base.StoreBase, "on_upgrade", [lambda path, names: told.append(names)])
    with pytest.raises(BusyError) as err:
        Store(db)
    assert "nothing was changed" in err.value.message and BEHIND[2][0] in err.value.message
    assert _applied(db) == before and told == []  # truly nothing: 0013 and 0014 not applied either


def test_a_refusal_after_some_were_applied_names_them(tmp_path, monkeypatch, holder):  # noqa: F811
    db = _home_behind(tmp_path, monkeypatch)
    holder(db)
    monkeypatch.setattr(schema, "LONG_REBUILD_S", 0.0)
    monkeypatch.setattr(base, "alone_before_migrating", lambda conn, pending: None)  # the other opened in between
    told = []
    monkeypatch.setattr(base.StoreBase, "on_upgrade", [lambda path, names: told.append(names)])
    with pytest.raises(BusyError) as err:
        Store(db)
    first_two = [name for name, _ in BEHIND[:2]]
    assert "nothing was changed" not in err.value.message
    assert f"applied before it: {', '.join(first_two)}" in str(err.value)
    assert told == [first_two] and _applied(db)[-2:] == first_two


def test_a_new_database_is_made_beside_nothing_to_check(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "LONG_REBUILD_S", 0.0)
    with Store(tmp_path / "home" / "ragtune.db") as st:
        assert st.migrated == [name for name, _ in MIGRATIONS]


ROW = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
       "context": [], "retrieved": [], "output": {"status": "ok"}, "raw_output": "", "valid": True,
       "repaired": False, "refused": False, "tokens_prompt": 5, "tokens_completion": 5, "timings": {}}


def test_rows_after_reads_the_rollouts_rows_in_one_query(tmp_path):
    with Store(tmp_path / "home" / "ragtune.db") as st:
        old = [st.add_query_log({**ROW, "arm": "control", "ts": 100.0}) for _ in range(3)]  # an earlier rollout's
        mine = [st.add_query_log({**ROW, "arm": arm, "ts": 200.0}) for arm in ("control", "candidate", "control")]
        real = st.rollout_rows

        def pruned_first(*args, **kwargs):  # a `log prune` between whatever reads rows_after makes
            st.conn.execute("DELETE FROM query_log WHERE id = ?", (old[0],))
            return real(*args, **kwargs)

        st.rollout_rows = pruned_first  # type: ignore[method-assign]
        rows = rollout_log.rows_after(st, old[-1], 0.0)
    assert [r[0] for r in rows] == ["control", "candidate", "control"] and len(mine) == 3
