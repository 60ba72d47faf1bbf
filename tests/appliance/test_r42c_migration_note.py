"""Round 42: the first command that opens an upgraded home for writing says, on one line of stderr, that it migrated
the database and which migrations ran; nothing on a --json stdout, nothing for a new home or a home already up to
date, and the library itself prints nothing (StoreBase.migrate records, the CLI says)."""

from __future__ import annotations

import json

from ragtune.appliance.store import MIGRATIONS, Store
from ragtune.appliance.store.base import StoreBase
from ragtune.cli import main

NAMES = [name for name, _ in MIGRATIONS]


def _old_home(home, monkeypatch, keep: int = 7) -> None:
    import ragtune.appliance.store.base as base

    home.ensure()
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:keep])  # a home an older ragtune made
    Store(home.db_path).close()
    monkeypatch.undo()


def test_the_first_write_to_an_upgraded_home_says_it_migrated_once(home, monkeypatch, capsys):
    _old_home(home, monkeypatch)
    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["n_documents"] == 0  # stdout: the one JSON object, nothing else
    lines = [x for x in err.splitlines() if x.startswith("migrated ")]
    n = len(NAMES) - 7
    assert lines == [f"migrated {home.db_path}: {n} migrations applied ({NAMES[7]} → {NAMES[-1]})"], err
    assert main(["--home", str(home.root), "docs", "list"]) == 0  # migrated already: nothing to say
    assert "migrated" not in capsys.readouterr().err
    assert StoreBase.on_upgrade == []  # the CLI's listener is gone with its command


def test_one_migration_is_named_alone_and_a_new_home_is_no_news(home, tmp_path, monkeypatch, capsys):
    _old_home(home, monkeypatch, keep=len(NAMES) - 1)
    assert main(["--home", str(home.root), "docs", "list"]) == 0
    assert f"migrated {home.db_path}: 1 migration applied ({NAMES[-1]})" in capsys.readouterr().err
    (tmp_path / "new").mkdir()
    assert main(["--home", str(tmp_path / "new"), "docs", "list"]) == 0  # a new database's first migrations
    assert "migrated" not in capsys.readouterr().err


def test_the_library_records_what_it_applied_and_prints_nothing(home, monkeypatch, capsys):
    _old_home(home, monkeypatch)
    told = []
    monkeypatch.setattr(StoreBase, "on_upgrade", [lambda path, names: told.append((path, names))])
    with Store(home.db_path) as st:
        assert st.migrated == NAMES[7:]
    with Store(home.db_path) as st:
        assert st.migrated == []
    assert told == [(home.db_path, NAMES[7:])]
    assert capsys.readouterr() == ("", "")
