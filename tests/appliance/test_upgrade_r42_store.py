"""Upgrading and downgrading a home's database (round 42): a home an older ragtune made is migrated once, each named
migration in its own transaction, nothing lost; a home a newer ragtune migrated is refused by every command that
writes, before anything in it changes, and doctor fails on it, saying what to do (docs/upgrading.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragtune.appliance.doctor import diagnose
from ragtune.appliance.errors import StoreError
from ragtune.appliance.store import MIGRATIONS, Store, json_dumps
from ragtune.appliance.store.schema import newer_migrations
from ragtune.cli import main

FUTURE = "0999_a_newer_table"


def _files(root: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}


def _newer_home(home) -> Path:
    """A home whose database a newer ragtune migrated: one more migration recorded than this one knows."""
    home.ensure()
    with Store(home.db_path) as st:
        st.query("INSERT INTO _migrations(name, applied_at) VALUES (?, 1.0)", (FUTURE,))
    return home.db_path


def test_newer_migrations_are_the_unknown_ones_numbered_past_ours():
    last = MIGRATIONS[-1][0]
    known = [name for name, _ in MIGRATIONS]
    assert newer_migrations(known) == []
    assert newer_migrations([*known, FUTURE, "0998_x"]) == ["0998_x", FUTURE]
    # an unknown name within our numbers (a test's re-run of a migration, a name without a number) is not "newer"
    assert newer_migrations([*known, f"{last.partition('_')[0]}_again", "0001_again", "x_y"]) == []


def test_a_home_a_newer_ragtune_migrated_is_refused_and_left_as_it_is(home):
    db = _newer_home(home)
    before = _files(home.root)
    with pytest.raises(StoreError) as exc:
        Store(db)
    msg = exc.value.message
    assert FUTURE in msg and MIGRATIONS[-1][0] in msg and "newer ragtune" in msg
    assert "backup" in exc.value.hint and "docs/upgrading.md" in exc.value.hint
    assert _files(home.root) == before  # nothing written, no -wal/-shm left behind (the connection was closed)
    with Store(db, readonly=True) as ro:  # a read-only open (doctor, backup) still reads it
        assert FUTURE in ro.applied_migrations()


@pytest.mark.parametrize("argv", [["docs", "list"], ["search", "anything"], ["log", "list"]])
def test_commands_on_a_newer_home_say_so_without_a_traceback(home, capsys, argv):
    _newer_home(home)
    before = _files(home.root)
    rc = main(["--home", str(home.root), *argv])
    err = capsys.readouterr().err
    assert rc != 0 and "Traceback" not in err
    assert "written by a newer ragtune" in err and FUTURE in err and "hint:" in err
    assert _files(home.root) == before


def test_doctor_fails_a_newer_home_with_what_to_do(home):
    _newer_home(home)
    rep = diagnose(home, quick=True)
    line = next(c for c in rep.checks if c.name == "migrations")
    assert line.status == "fail" and FUTURE in line.detail and rep.failed
    assert "backup" in line.hint


def test_doctor_says_pending_migrations_are_applied_by_the_next_write_and_to_back_up_first(home, monkeypatch):
    import ragtune.appliance.store.base as base

    home.ensure()
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:5])  # a home as the first store layer made it
    Store(home.db_path).close()
    monkeypatch.undo()
    line = next(c for c in diagnose(home, quick=True).checks if c.name == "migrations")
    assert line.status == "warn" and f"{len(MIGRATIONS) - 5} of {len(MIGRATIONS)} pending" in line.detail
    assert "ragtune backup" in line.hint and "older ragtune" in line.hint


def test_a_home_of_the_first_store_layer_is_migrated_once_keeping_everything(home, monkeypatch):
    """A home made before 0006 (no client/arm columns, no embed key, no review history): opening it applies every
    later migration once, each recorded by name, and the rows it had are all there, its review now history."""
    import ragtune.appliance.store.base as base

    home.ensure()
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:5])
    with Store(home.db_path) as old:
        old.query("INSERT INTO documents(path, sha256, title, kind, ingested_at, n_chunks) "
                  "VALUES ('/d/a.md', 'ab', 'A', 'md', 1.0, 1)")
        old.query("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                  "VALUES (1, 0, 'alpha', 0, 5, 3, 'cd')")
        old.query("INSERT INTO query_log(ts, query, normalized_query, model_id, adapter_id, system_prompt_sha256, "
                  "context, retrieved, output, raw_output, valid, repaired, refused, timings, tokens_prompt, "
                  "tokens_completion, review) VALUES (1.0, 'q', 'q', 'm', 'none', 's', '[]', '[]', '{}', '', 1, 0, "
                  "0, '{}', 1, 1, ?)", (json_dumps({"status": "refused"}),))
    monkeypatch.undo()
    with Store(home.db_path) as s:
        names = [name for name, _ in MIGRATIONS]
        assert s.applied_migrations() == names
        assert s.query("SELECT text, embed_ids_sha256 FROM chunks") == [("alpha", None)]  # key derived on ingest
        assert s.query_review_history(1) == [{"reviewed_at": None, "review": {"status": "refused"}}]
        assert s.query("SELECT client_id, arm FROM query_log") == [(None, None)]
        assert s.migrate() == []
        stamps = dict(s.query("SELECT name, applied_at FROM _migrations"))
    with Store(home.db_path) as again:  # opened again: nothing applied twice
        assert dict(again.query("SELECT name, applied_at FROM _migrations")) == stamps
    assert not os.path.exists(str(home.db_path) + "-wal")


def test_a_backup_of_an_older_home_is_not_migrated_so_it_is_the_way_back(home, tmp_path, monkeypatch):
    # was: the copy was opened as a home and migrated, so the backup doctor recommends before an upgrade could not
    # be used by the ragtune that made the home
    import ragtune.appliance.store.base as base
    from ragtune.appliance.backup import backup_home

    home.ensure()
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:5])
    Store(home.db_path).close()
    monkeypatch.undo()
    res = backup_home(home, tmp_path / "before")
    assert res.documents == 0
    copy = tmp_path / "before" / home.db_path.name
    with Store(copy, readonly=True, clean_close=True) as s:
        assert s.applied_migrations() == [name for name, _ in MIGRATIONS[:5]]
        assert s.query("PRAGMA journal_mode") == [("wal",)]
    assert sorted(p.name for p in copy.parent.iterdir() if p.name.startswith(home.db_path.name)) == [copy.name]
