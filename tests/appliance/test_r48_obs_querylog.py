"""Round 48: a query-log row records which rollout its arm belonged to (`rollout`, migration
0016_query_log_rollout in store/schema.py): `arm` alone could not tell two rollouts of one adapter apart."""

from __future__ import annotations

import apsw

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.querylog import get_entry, list_entries, log_answer
from ragtune.appliance.store import MIGRATIONS, QUERY_LOG_COLUMNS, Store, open_store
from ragtune.appliance.store.schema import QUERY_LOG_ROLLOUT
from tests.fakes import FakeGenerator

from .test_answer import FakeRetriever, _hits


def _answer(settings, store):
    gen = FakeGenerator([{"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]}] * 3)
    eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
    return eng.ask("When was the Eiffel Tower built?", client_id="alice", arm="candidate")


def test_a_rollout_row_records_its_rollout_and_keeps_it_when_forgotten(settings):
    assert QUERY_LOG_ROLLOUT in MIGRATIONS and "rollout" in QUERY_LOG_COLUMNS
    with open_store(settings.home) as store:
        ans = _answer(settings, store)
        assert get_entry(store, ans.log_id)["rollout"] is None  # the engine was given no rollout id
        ans.rollout = "r-2026-a"  # what a router that routed it sets beside `arm` (types.Answer.rollout)
        rid = log_answer(store, ans, query="q", normalized_query="q")
        ans.arm = None  # pinned or no rollout: no arm, no rollout, whatever the caller said
        pinned = log_answer(store, ans, query="q", normalized_query="q")
        assert get_entry(store, rid)["rollout"] == "r-2026-a" and get_entry(store, pinned)["rollout"] is None
        rows = {r["id"]: r for r in list_entries(store)}
        assert (rows[rid]["arm"], rows[rid]["rollout"]) == ("candidate", "r-2026-a")
        store.forget_query_log([rid])  # who asked and what go; which rollout served it is no one's text
        assert get_entry(store, rid)["rollout"] == "r-2026-a"


def test_a_log_of_an_older_ragtune_gets_the_column_and_keeps_its_rows(tmp_path, monkeypatch):
    import ragtune.appliance.store.base as base

    path = tmp_path / "old.db"
    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != QUERY_LOG_ROLLOUT[0]])
    with Store(path) as s:  # the schema before round 48, with a rollout's row
        s.conn.execute("INSERT INTO query_log(ts, query, normalized_query, model_id, adapter_id, "
                       "system_prompt_sha256, context, retrieved, output, raw_output, valid, repaired, refused, "
                       "timings, tokens_prompt, tokens_completion, arm) VALUES (1, 'q', 'q', 'm', 'a', 'x', '[]', "
                       "'[]', '{}', '', 1, 0, 0, '{}', 1, 1, 'control')")
    monkeypatch.undo()
    con = apsw.Connection(str(path))
    assert "rollout" not in [r[1] for r in con.execute("PRAGMA table_info(query_log)")]
    con.close()
    with Store(path) as s:
        assert s.migrated == [QUERY_LOG_ROLLOUT[0]]
        e = s.query_log_entry(1)
        assert (e["arm"], e["rollout"], e["query"]) == ("control", None, "q")
