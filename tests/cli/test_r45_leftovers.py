"""Round 45 left-overs in the CLI (cli/common.py, cli/backup_cmd.py):

- an eval corpus's scratch database (HOME/eval/corpora/KEY/ragtune.db) is migrated without a `migrated …` line in
  the middle of `eval run`'s progress: it is the product's cache, not the user's home (whose migration is still said);
- an error whose text is empty (`OSError()`, a RagtuneError given "", an apsw error raised bare) never prints a line
  with no message: its type's name (an OSError's errno in words) instead;
- `ragtune backup` says which venv of the home it left out, and why."""

from __future__ import annotations

import errno
import json
import os

import apsw
import pytest

from ragtune.appliance.errors import StoreError
from ragtune.appliance.store import MIGRATIONS, Store
from ragtune.cli import main
from ragtune.cli.common import cli

NAMES = [name for name, _ in MIGRATIONS]


def _old_db(db, monkeypatch) -> None:
    import ragtune.appliance.store.base as base

    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:7])  # a database an older ragtune made
    Store(db).close()
    monkeypatch.undo()


@pytest.fixture
def command():
    """A `ragtune boom` command for the test: what it runs is given by the test; removed after it."""
    made = {}

    def register(fn):
        made["cmd"] = cli.command("boom")(fn)

    yield register
    cli.commands.pop("boom", None)


def test_an_eval_scratch_database_is_migrated_without_a_line(home, monkeypatch, capsys, command):
    scratch = home.root / "eval" / "corpora" / "0123456789abcdef" / "ragtune.db"
    _old_db(scratch, monkeypatch)
    _old_db(home.db_path, monkeypatch)

    def boom():  # as `eval run` does: the user's home, then the corpus's scratch home
        for db in (home.db_path, scratch):
            with Store(db) as st:
                assert st.migrated == NAMES[7:]  # both migrated

    command(boom)
    assert main(["--home", str(home.root), "boom"]) == 0
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("migrated ")]
    assert lines == [f"migrated {home.db_path}: {len(NAMES) - 7} migrations applied ({NAMES[7]} → {NAMES[-1]})"]


@pytest.mark.parametrize("exc, line", [
    (OSError(), "error: OSError"),
    (OSError(errno.EIO, ""), "error: Input/output error"),
    (StoreError(""), "error: StoreError"),
    (apsw.BusyError(), "internal error: BusyError: (no message)"),
])
def test_an_error_with_no_text_still_says_what_failed(exc, line, capsys, command):
    def boom():
        raise exc

    command(boom)
    assert main(["boom"]) != 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == line, err


def test_an_error_with_text_is_printed_as_before(capsys, command):
    def boom():
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/x/y")

    command(boom)
    assert main(["boom"]) == 74
    assert capsys.readouterr().err.splitlines()[0] == "error: /x/y: No space left on device"


def test_backup_says_the_venv_it_left_out(home, tmp_path, capsys):
    home.ensure()
    Store(home.db_path).close()
    (home.root / "venv").mkdir()
    (home.root / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (home.root / "venv" / "big.bin").write_bytes(b"\0" * 4096)
    assert main(["--home", str(home.root), "backup", str(tmp_path / "b")]) == 0
    assert "  left out venv: a Python environment: reinstall, not restore" in capsys.readouterr().err.splitlines()
    assert not (tmp_path / "b" / "venv").exists()
    assert main(["--home", str(home.root), "backup", "--json", str(tmp_path / "c")]) == 0
    assert json.loads(capsys.readouterr().out)["left_out"]["venv"] == "a Python environment: reinstall, not restore"
