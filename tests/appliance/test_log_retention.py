"""Retention: `Store.prune_query_log` (by age, by count, reviewed rows and their history, dry runs, batches), the
automatic pass of [retention] query_log_days (querylog.apply_retention), the answer cache's bound, migration
0011 on a home made before it, and the [retention] settings. The CLI (`ragtune log prune`) is in test_log_cli.py."""

from __future__ import annotations

import logging

import pytest

from ragtune.appliance import querylog
from ragtune.appliance.config import RetentionConfig, Settings, dump_toml, settings_from_dict
from ragtune.appliance.config_edit import default_config_text
from ragtune.appliance.errors import ConfigError, StoreError
from ragtune.appliance.store import MIGRATIONS, open_store

from .test_answer import engine

DAY = 86400.0
NOW = 1_700_000_000.0
REVIEW = {"status": "ok", "answer": "1889.", "citations": ["S1"]}


def row(ts: float, **extra) -> dict:
    return {"ts": ts, "query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none",
            "system_prompt_sha256": "s", "context": [{"id": "S1", "chunk_id": 1, "text": "x" * 2000}],
            "retrieved": [{"chunk_id": 1}], "output": {"status": "ok", "answer": "a", "citations": ["S1"]},
            "raw_output": "{}", "valid": True, "repaired": False, "refused": False, "timings": {"total_ms": 1.0},
            "tokens_prompt": 1, "tokens_completion": 1, **extra}


@pytest.fixture
def store(home):
    s = open_store(home)
    yield s
    s.close()


def fill(store, ages_days, **extra) -> list[int]:
    """One row per age (days before NOW), oldest first as given; their ids."""
    return [store.add_query_log(row(NOW - d * DAY, **extra)) for d in ages_days]


def ids(store) -> list[int]:
    return [r[0] for r in store.query("SELECT id FROM query_log ORDER BY id")]


# -- Store.prune_query_log ------------------------------------------------------------------------------------
def test_prune_by_age_keeps_the_newer_rows(store):
    got = fill(store, [40, 35, 31, 29, 2, 0])
    out = store.prune_query_log(before=NOW - 30 * DAY)
    assert out["rows"] == 3 and out["bytes"] > 3 * 2000 and out["reviews"] == 0
    assert ids(store) == got[3:]


def test_prune_by_count_keeps_the_newest_n_and_both_must_allow_a_removal(store):
    got = fill(store, [9, 8, 7, 6, 5, 4])
    assert store.prune_query_log(keep=4)["rows"] == 2 and ids(store) == got[2:]
    # with both: a row goes only when it is older than the age AND beyond the newest `keep`
    assert store.prune_query_log(before=NOW - 5.5 * DAY, keep=1)["rows"] == 2 and ids(store) == got[4:]
    assert store.prune_query_log(before=NOW, keep=2)["rows"] == 0  # only two rows left: both kept
    assert store.prune_query_log(keep=10)["rows"] == 0


def test_the_newest_row_is_never_removed_so_an_id_never_names_two_entries(store):
    got = fill(store, [3, 2, 1])
    assert store.prune_query_log(before=NOW + DAY)["rows"] == 2 and ids(store) == [got[-1]]
    assert store.add_query_log(row(NOW)) == got[-1] + 1  # SQLite's next id is the largest + 1: a fresh one


def test_reviewed_rows_are_kept_unless_included_and_their_history_goes_with_them(store):
    got = fill(store, [10, 9, 8, 0])
    store.set_query_review(got[1], REVIEW)
    store.set_query_review(got[1], {**REVIEW, "answer": "From 1887 to 1889."})
    out = store.prune_query_log(before=NOW - DAY)
    assert out["rows"] == 2 and out["kept_reviewed"] == 1 and ids(store) == [got[1], got[3]]
    assert len(store.query_review_history(got[1])) == 2
    out = store.prune_query_log(before=NOW - DAY, keep_reviewed=False)
    assert out == {"rows": 1, "reviews": 2, "bytes": out["bytes"], "kept_reviewed": 0} and ids(store) == [got[3]]
    assert store.scalar("SELECT count(*) FROM query_reviews") == 0


def test_a_dry_run_changes_nothing_and_says_what_the_prune_removes(store):
    got = fill(store, [10, 9, 8, 0])
    store.set_query_review(got[0], REVIEW)
    before = store.query("SELECT * FROM query_log ORDER BY id"), store.query("SELECT * FROM query_reviews")
    dry = store.prune_query_log(before=NOW - DAY, keep_reviewed=False, dry_run=True)
    assert (store.query("SELECT * FROM query_log ORDER BY id"), store.query("SELECT * FROM query_reviews")) == before
    assert dry == store.prune_query_log(before=NOW - DAY, keep_reviewed=False)
    assert dry["rows"] == 3 and dry["reviews"] == 1 and ids(store) == [got[3]]


def test_batches_take_the_oldest_first_and_arms_can_be_kept(store):
    got = fill(store, [5, 7, 6, 0])  # ids in insert order, times not: the oldest by time goes first
    arm = fill(store, [8], arm="candidate", client_id="u1")
    fill(store, [0])
    assert store.prune_query_log(before=NOW - DAY, limit=1, keep_arms=True, measure=False)["rows"] == 1
    assert got[1] not in ids(store) and arm[0] in ids(store)
    assert store.prune_query_log(before=NOW - DAY, keep_arms=True)["rows"] == 2 and arm[0] in ids(store)
    assert store.prune_query_log(before=NOW - DAY)["rows"] == 1 and arm[0] not in ids(store)


def test_a_prune_needs_an_age_or_a_count(store):
    with pytest.raises(StoreError, match="needs an age"):
        store.prune_query_log()
    assert store.prune_query_log(keep=1) == {"rows": 0, "reviews": 0, "bytes": 0, "kept_reviewed": 0}  # empty log


def test_vacuum_gives_the_freed_pages_back_to_the_disk(store):
    fill(store, [10] * 300 + [0])
    store.prune_query_log(before=NOW - DAY)
    size = store.database_bytes()
    assert size["free"] > 300 * 2000  # the file keeps them, for new rows
    store.vacuum()
    after = store.database_bytes()
    assert after["free"] == 0 and after["file"] < size["file"] - 300 * 2000


# -- migration 0011 on a home made before it -------------------------------------------------------------------
def test_the_prunable_index_migration_applies_to_an_existing_home_once(home, monkeypatch):
    import ragtune.appliance.store.base as base

    home.ensure()
    # a home as the schema before it made it: every migration but the new one
    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != "0011_query_log_prunable"])
    old = open_store(home)
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS)
    assert "0011_query_log_prunable" not in old.applied_migrations()
    fill(old, [10, 0])
    old.close()
    with open_store(home) as s:  # opening it applies the migration; the rows are untouched
        assert "0011_query_log_prunable" in s.applied_migrations() and len(ids(s)) == 2
        assert s.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'query_log_prunable'") == 1
        assert s.migrate() == []
        again = [("0011_again", dict(MIGRATIONS)["0011_query_log_prunable"])]
        assert s.migrate(again) == ["0011_again"]  # IF NOT EXISTS: running its SQL again is a no-op
        assert s.prune_query_log(before=NOW - DAY, keep_arms=True)["rows"] == 1
    with open_store(home) as s:
        assert s.migrate() == []


# -- automatic retention ----------------------------------------------------------------------------------------
@pytest.fixture
def due(monkeypatch):
    """A fresh schedule of retention passes (module state: one per process and database)."""
    monkeypatch.setattr(querylog, "_retention_due", {})
    return querylog._retention_due


def test_automatic_retention_runs_once_an_hour_and_keeps_reviewed_and_rollout_rows(store, due):
    got = fill(store, [40, 39, 38, 1])
    arm = fill(store, [40], arm="control", client_id="u")
    store.set_query_review(got[1], REVIEW)
    assert querylog.apply_retention(store, 30, now=NOW) == 2
    assert ids(store) == [got[1], got[3], arm[0]]
    more = fill(store, [45, 0])
    assert querylog.apply_retention(store, 30, now=NOW + 60) == 0 and more[0] in ids(store)  # not due yet
    assert querylog.apply_retention(store, 30, now=NOW + querylog.RETENTION_EVERY_S + 1) == 1
    assert ids(store) == [got[1], got[3], arm[0], more[1]]


def test_a_backlog_is_removed_a_batch_per_answer(store, due, monkeypatch):
    monkeypatch.setattr(querylog, "RETENTION_BATCH", 3)
    fill(store, [40] * 7 + [0])
    assert [querylog.apply_retention(store, 30, now=NOW + i) for i in range(4)] == [3, 3, 1, 0]
    assert len(ids(store)) == 1


def test_a_failed_pass_is_a_warning_not_a_failed_answer(store, due, caplog):
    class Broken:
        path = store.path

        def prune_query_log(self, **kw):
            raise StoreError("database is locked")

    with caplog.at_level(logging.WARNING, logger="ragtune.querylog"):
        assert querylog.apply_retention(Broken(), 30, now=NOW) == 0
    assert "retention skipped: database is locked" in caplog.text


def test_retention_is_applied_where_answers_are_logged_and_off_with_0(settings, home, due):
    with open_store(home) as s:
        fill(s, [400, 40])
        out = {"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]}
        eng, _, _ = engine(settings.replace("retention", query_log_days=0), s, [out])
        eng.ask("When was the Eiffel Tower built?")
        assert len(ids(s)) == 3  # query_log_days = 0: everything kept (the default is 365 since round 46)
        kept = settings.replace("retention", query_log_days=30)
        eng, _, _ = engine(kept, s, [out])
        ans = eng.ask("When was the Eiffel Tower built?", use_cache=False)
        assert ids(s) == [3, ans.log_id]


# -- the answer cache's bound -----------------------------------------------------------------------------------
def test_the_answer_cache_stays_within_its_bound_and_the_newest_entries_still_hit(store):
    for i in range(250):
        store.cache_answer(f"k{i}", {"i": i}, max_entries=100)
        assert store.scalar("SELECT count(*) FROM answer_cache") <= 100
    assert store.scalar("SELECT count(*) FROM answer_cache") >= 95  # batches of a twentieth, no more
    assert store.cached_answer("k249") == {"i": 249} and store.cached_answer("k160") == {"i": 160}
    assert store.cached_answer("k0") is None and store.cached_answer("k140") is None
    store.cache_answer("k170", {"i": "again"}, max_entries=100)  # replaced: inserted anew, the newest
    for i in range(250, 330):
        store.cache_answer(f"k{i}", {"i": i}, max_entries=100)
    assert store.cached_answer("k170") == {"i": "again"} and store.cached_answer("k171") is None
    store.cache_answer("solo", {"i": 1}, max_entries=1)
    assert store.scalar("SELECT count(*) FROM answer_cache") == 1 and store.cached_answer("solo") == {"i": 1}


def test_the_engine_bounds_its_cache_and_a_hit_still_answers(settings, store):
    small = settings.replace("retention", answer_cache_max_entries=2)
    out = {"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]}
    eng, gen, _ = engine(small, store, [out])
    questions = ["When was the Eiffel Tower built?", "When was the Eiffel Tower finished?",
                 "When was the Eiffel Tower started?"]
    for q in questions:
        assert not eng.ask(q).cached
    assert store.scalar("SELECT count(*) FROM answer_cache") <= 2
    again = eng.ask(questions[-1])
    assert again.cached and again.answer == out["answer"] and len(gen.calls) == 3
    assert not eng.ask(questions[0]).cached  # the oldest was evicted: answered again


# -- settings ---------------------------------------------------------------------------------------------------
def test_retention_settings_are_validated_shown_and_listed():
    assert Settings().retention == RetentionConfig(query_log_days=365, answer_cache_max_entries=10000)
    s = settings_from_dict({"retention": {"query_log_days": 90, "answer_cache_max_entries": 500}})
    assert (s.retention.query_log_days, s.retention.answer_cache_max_entries) == (90, 500)
    for bad, msg in (({"query_log_days": -1}, "query_log_days: must be a whole number of days"),
                     ({"query_log_days": 1.5}, "query_log_days: must be a whole number"),
                     ({"query_log_days": True}, "query_log_days: must be a whole number"),
                     ({"answer_cache_max_entries": 0}, "answer_cache_max_entries: must be 1..100000000"),
                     ({"keep_days": 3}, "unknown key(s) in [retention]: keep_days")):
        with pytest.raises(ConfigError, match=msg.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            settings_from_dict({"retention": bad})
    assert "[retention]\nquery_log_days = 365\nanswer_cache_max_entries = 10000\n" in dump_toml(Settings())
    assert "[retention]\n# query_log_days = 365\n# answer_cache_max_entries = 10000\n" in default_config_text()


def test_serve_and_rollout_settings_are_still_found_in_config():
    """They moved to config_ops.py: every import of them from config keeps working."""
    from ragtune.appliance import config, config_ops

    assert config.ServeConfig is config_ops.ServeConfig and config.RolloutConfig is config_ops.RolloutConfig
    assert config.split_token("a:b") == ("a", "b") and config.MIN_TOKEN_CHARS == 16
