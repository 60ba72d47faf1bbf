"""File permissions of what ragtune writes (docs/security.md), under the default permissive umask 022: a home ragtune
creates is its owner's only (0700), a new database (the query log: users' questions and answers) and its
-wal/-shm are 0600, and so is a backup's; a file rewritten in place keeps the mode its owner gave it. Was: the home
0755 and ragtune.db, its backup and a `log export --force` over a 0600 file 0644, readable by every local user."""

from __future__ import annotations

import os
import stat

import pytest

from ragtune.appliance.atomic import atomic_open, atomic_write_text
from ragtune.appliance.backup import backup_home
from ragtune.appliance.errors import InputError
from ragtune.appliance.home import Home, make_home
from ragtune.appliance.store import Store, open_store
from ragtune.cli import main

from .test_log_retention import row


@pytest.fixture(autouse=True)
def permissive_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(p) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_a_new_home_and_its_database_are_owner_only(home):
    assert not home.root.exists()
    with open_store(home) as s:
        s.add_query_log(row(1.0, query="what is my salary review date?"))
        # while a connection is open SQLite keeps its WAL beside the database, with the database's mode
        logs = [home.db_path.with_name(home.db_path.name + sfx) for sfx in ("-wal", "-shm")]
        assert all(p.exists() for p in logs)
        assert [mode(p) for p in logs] == [0o600, 0o600]
    assert mode(home.root) == 0o700 and mode(home.db_path) == 0o600


def test_home_ensure_makes_it_owner_only_and_missing_parents_as_usual(tmp_path):
    h = Home(tmp_path / "srv" / "ragtune" / "home").ensure()
    assert mode(h.root) == 0o700 and mode(h.root.parent) == 0o755
    with pytest.raises(InputError, match="is a file"):
        (tmp_path / "afile").write_text("x")
        make_home(tmp_path / "afile" / "home")


def test_an_existing_home_and_database_keep_their_modes(home):
    """An operator may have opened a home to a group on purpose: ragtune never changes the mode of what exists."""
    home.root.mkdir(mode=0o750)
    os.chmod(home.root, 0o750)
    Store(home.db_path).close()
    os.chmod(home.db_path, 0o640)
    with open_store(home) as s:
        s.add_query_log(row(1.0))
    assert mode(home.root) == 0o750 and mode(home.db_path) == 0o640


def test_any_new_database_file_is_owner_only(tmp_path):
    Store(tmp_path / "scratch" / "other.db").close()
    assert mode(tmp_path / "scratch" / "other.db") == 0o600


def test_a_backup_is_owner_only_even_of_an_older_open_home(home, tmp_path):
    home.root.mkdir()
    os.chmod(home.root, 0o755)  # a home made by an older ragtune
    with open_store(home) as s:
        s.add_query_log(row(1.0, query="a private question"))
    os.chmod(home.db_path, 0o644)
    (home.root / "config.toml").write_text("[retrieve]\nk = 4\n")
    backup_home(home, tmp_path / "bk")
    assert mode(tmp_path / "bk" / "ragtune.db") == 0o600  # the query log's copy
    assert mode(tmp_path / "bk") == 0o750  # the folder: as the home, less what it gave every user
    # a new (0700) home's backup is as private as the home
    new = Home(tmp_path / "newhome")
    open_store(new).close()
    backup_home(new, tmp_path / "bk2")
    assert mode(tmp_path / "bk2") == 0o700 and mode(tmp_path / "bk2" / "ragtune.db") == 0o600


def test_a_rewritten_file_keeps_its_owners_mode(tmp_path):
    dest = tmp_path / "review.jsonl"
    dest.write_text("old\n")
    os.chmod(dest, 0o600)
    atomic_write_text(dest, "new\n")
    assert dest.read_text() == "new\n" and mode(dest) == 0o600
    with atomic_open(dest, perms=0o640) as fh:  # an explicit mode still wins
        fh.write("x")
    assert mode(dest) == 0o640
    fresh = tmp_path / "fresh.txt"
    atomic_write_text(fresh, "x")
    assert mode(fresh) == 0o644  # a new file: open()'s mode, as before


def test_a_file_replacing_a_symlink_never_touches_its_target(tmp_path):
    other = tmp_path / "precious.txt"
    other.write_text("keep me\n")
    os.chmod(other, 0o600)
    link = tmp_path / "out.jsonl"
    link.symlink_to(other)
    atomic_write_text(link, "new\n")
    assert other.read_text() == "keep me\n" and mode(other) == 0o600
    assert not link.is_symlink() and link.read_text() == "new\n" and mode(link) == 0o644


def test_log_export_over_a_private_file_or_a_symlink(home, tmp_path, capsys):
    with open_store(home) as s:
        s.add_query_log(row(1.0, query="who earns what?", normalized_query="who earns what?"))
    out = tmp_path / "review.jsonl"
    out.write_text("")
    os.chmod(out, 0o600)
    assert main(["log", "export", "--out", str(out), "--force"]) == 0
    assert "who earns what?" in out.read_text() and mode(out) == 0o600
    other = tmp_path / "notes.txt"
    other.write_text("mine\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(other)
    assert main(["log", "export", "--out", str(link)]) == 2  # refused: it exists
    assert "already exists" in capsys.readouterr().err
    assert main(["log", "export", "--out", str(link), "--force"]) == 0  # the link is replaced, never its target
    assert other.read_text() == "mine\n" and not link.is_symlink()


def test_config_set_on_a_new_home_makes_it_and_its_config_owner_only(tmp_path):
    # was: `config set serve.tokens …` as a home's first command left the token in a 0644 file in a 0755 folder
    root = tmp_path / "fresh"
    assert main(["--home", str(root), "config", "set", "retrieve.k", "4"]) == 0
    assert mode(root) == 0o700 and mode(root / "config.toml") == 0o600


def test_config_set_keeps_an_existing_configs_mode(tmp_path):
    root = tmp_path / "h"
    root.mkdir(mode=0o750)
    (root / "config.toml").write_text("")
    os.chmod(root / "config.toml", 0o640)  # shared with a group on purpose
    assert main(["--home", str(root), "config", "set", "retrieve.k", "4"]) == 0
    assert mode(root) == 0o750 and mode(root / "config.toml") == 0o640


def test_a_new_log_export_is_owner_only_and_a_replaced_one_keeps_its_mode(home, tmp_path):
    with open_store(home) as s:
        s.add_query_log(row(1.0, query="what is my salary review date?"))
    out = tmp_path / "exports" / "log.jsonl"
    assert main(["--home", str(home.root), "log", "export", "--out", str(out)]) == 0
    assert mode(out) == 0o600  # was 0644: users' questions
    os.chmod(out, 0o640)
    assert main(["--home", str(home.root), "log", "export", "--out", str(out), "--force"]) == 0
    assert mode(out) == 0o640


def test_a_log_export_over_a_link_is_a_new_owner_only_file(home, tmp_path):
    with open_store(home) as s:
        s.add_query_log(row(1.0, query="what is my salary review date?"))
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    os.chmod(target, 0o644)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert main(["--home", str(home.root), "log", "export", "--out", str(link), "--force"]) == 0
    assert not link.is_symlink() and mode(link) == 0o600  # was 0644: the link's target's mode
    assert target.read_text() == "keep me\n"
