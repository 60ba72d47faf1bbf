"""`ragtune doctor` says when other users can reach the home (security review, round 42): a `permissions` warn line
when the home folder has any bit for others, or ragtune.db (its logs beside it) or a config.toml holding serve
tokens any bit for group or others, with the chmod that makes them private. A private home has no such line (the
warning is for a home made before round 42, 0755 with a 0644 database: ragtune never changes an existing mode).
Was: no check."""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance import doctor
from ragtune.appliance.config import load_settings
from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_log_retention import row

TOKEN = "alice:abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def made(home):
    with open_store(home) as s:  # a home as ragtune makes it: 0700, its database 0600
        s.add_query_log(row(1.0))
    return home


def _checks(home, capsys) -> dict:
    assert main(["--home", str(home.root), "doctor", "--quick", "--json"]) == 0  # a warning: still exit 0
    return {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def test_a_private_home_has_no_permissions_line(made, capsys):
    assert main(["--home", str(made.root), "config", "set", "serve.tokens", f'["{TOKEN}"]']) == 0
    capsys.readouterr()
    assert "permissions" not in _checks(made, capsys)


def test_a_home_open_to_others_is_a_warning_with_the_chmod(made, capsys):
    assert main(["--home", str(made.root), "config", "set", "serve.tokens", f'["{TOKEN}"]']) == 0
    capsys.readouterr()
    os.chmod(made.root, 0o755)
    os.chmod(made.db_path, 0o644)
    os.chmod(made.root / "config.toml", 0o640)
    line = _checks(made, capsys)["permissions"]
    assert line["status"] == "warn"
    assert line["detail"].splitlines() == [
        "the home folder is 0755: other users can read and enter it",
        "ragtune.db is 0644: its group and other users can read it",
        "config.toml (it holds [serve] tokens) is 0640: its group can read it"]
    assert f'chmod 700 "{made.root}" && chmod 600 "{made.root}"/ragtune.db* "{made.root / "config.toml"}"' \
        in line["hint"]
    assert TOKEN not in json.dumps(line)
    # the text output: one warn line, the hint under it
    assert main(["--home", str(made.root), "doctor", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "warn  permissions  the home folder is 0755" in out and "chmod 700" in out


def test_what_needs_no_warning(made, capsys):
    os.chmod(made.root, 0o750)  # open to a group on purpose (a backup operator): the folder only warns for others
    os.chmod(made.db_path, 0o600)
    (made.root / "config.toml").write_text("[retrieve]\nk = 4\n", encoding="utf-8")
    os.chmod(made.root / "config.toml", 0o644)  # no tokens in it: nothing secret
    assert "permissions" not in _checks(made, capsys)
    os.chmod(made.db_path, 0o620)  # written by the group
    line = _checks(made, capsys)["permissions"]
    assert line["detail"] == "ragtune.db is 0620: its group can write it"


def test_not_checked_where_modes_mean_nothing(made, monkeypatch):
    os.chmod(made.root, 0o777)
    settings, rep = load_settings(home=made), doctor.Report(home=str(made.root), quick=True)
    monkeypatch.setattr(doctor.os, "name", "nt")  # only around the check: the os module is shared
    doctor._permissions(made, settings, rep)
    monkeypatch.undo()
    assert rep.checks == []
