"""Round 48, a service account on a shared host (HOME unset or /nonexistent, a user id without a passwd entry, XDG
variables set or not): every per-user folder is either found or refused in words, never an internal error, never
made in the working folder."""

from __future__ import annotations

import os

import pytest

from ragtune.appliance import home as home_mod
from ragtune.appliance import lexical_cache as lc
from ragtune.appliance import userdirs
from ragtune.appliance.errors import InputError
from ragtune.cli import main

from .test_r47_review_lexical_cache import FakeStore


def _no_home(monkeypatch):
    """A user id without a passwd entry and no HOME (a container's): Path.home() and platformdirs both raise."""
    for var in ("HOME", "RAGTUNE_HOME", "RAGTUNE_CACHE_DIR", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)

    def nowhere(*a, **k):
        raise RuntimeError("could not determine the home directory for '~/.local/share'")

    import platformdirs
    monkeypatch.setattr(platformdirs, "user_data_dir", nowhere)
    monkeypatch.setattr(userdirs.Path, "home", classmethod(lambda cls: nowhere()))


def test_no_home_at_all_is_said_with_the_variable_to_set(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    _no_home(monkeypatch)
    with pytest.raises(InputError) as err:  # was: RuntimeError, "internal error" exit 70
        home_mod.ragtune_home()
    assert "RAGTUNE_HOME" in err.value.hint
    assert main(["docs", "list"]) == 2
    assert "no home folder" in capsys.readouterr().err
    with pytest.raises(InputError) as err:
        userdirs.cache_root()
    assert userdirs.CACHE_ENV in err.value.hint
    # the keyword-index cache: none, so the caller rebuilds in its private view (was: RuntimeError from a search)
    assert lc.home_folder(tmp_path / "index", FakeStore(tmp_path / "db.sqlite")) is None
    assert sorted(os.listdir(tmp_path)) == ["db.sqlite"]  # nothing made in the working folder


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RAGTUNE_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relc")  # was: ./relc/ragtune, inside whatever folder the command ran in
    assert userdirs.cache_root() == tmp_path / "user" / ".cache" / "ragtune"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert userdirs.cache_root() == tmp_path / "xdg" / "ragtune"
    monkeypatch.setenv("RAGTUNE_CACHE_DIR", "rel-cache")  # named explicitly: taken, made absolute once
    assert userdirs.cache_root() == tmp_path / "rel-cache"


def test_a_home_that_cannot_be_created_says_which_variable_to_set(tmp_path, monkeypatch):
    def denied(self, *a, **k):  # HOME=/nonexistent: its .local cannot be made (root here would be let in)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(home_mod.Path, "mkdir", denied)
    with pytest.raises(InputError) as err:
        home_mod.make_home(tmp_path / "nonexistent" / ".local" / "share" / "ragtune")
    assert "cannot create this folder" in err.value.message and "RAGTUNE_HOME" in err.value.hint
