"""Round 48, shared host (second pass): a service account without HOME or passwd entry gets the model cache's
variable named (was an internal error, exit 70); a group member reading another user's home while its owner's
ragtune is not running is told so, exit 74 (was "attempt to write a readonly database", exit 4: damage); doctor
says when a home open to its group lets the group write the index (umask 002); `models fetch` into a cache of
another user's names RAGTUNE_MODELS. The tests run as root here: permissions are faked, never relied on."""

from __future__ import annotations

import os

import pytest

from ragtune.appliance import default_models as defaults
from ragtune.appliance import doctor_files
from ragtune.appliance.doctor import Report
from ragtune.appliance.errors import ModelError, WriteRefused
from ragtune.appliance.home import Home
from ragtune.appliance.store import Store
from ragtune.appliance.store import base as base_mod
from ragtune.cli import main

from .search_helpers import searchable_home


def _no_home(monkeypatch):
    """A user id without a passwd entry and no HOME (`setpriv --reuid 4321`): platformdirs raises RuntimeError."""
    import platformdirs

    monkeypatch.delenv("HOME", raising=False)

    def nowhere(*a, **k):
        raise RuntimeError("could not determine the home directory for '~/.cache'")

    monkeypatch.setattr(platformdirs, "user_cache_dir", nowhere)
    monkeypatch.setattr(platformdirs, "user_data_dir", nowhere)


def test_no_home_no_models_variable_is_a_model_error_naming_it(monkeypatch, capsys, tmp_path):
    _no_home(monkeypatch)  # RAGTUNE_HOME stays set (conftest): the home is found, the model cache is not
    monkeypatch.delenv("RAGTUNE_MODELS")
    with pytest.raises(ModelError) as err:  # was: RuntimeError, "internal error", exit 70
        defaults.models_cache()
    assert "HOME is not set" in err.value.message and "RAGTUNE_MODELS" in err.value.hint
    assert main(["models", "fetch"]) == 3
    said = capsys.readouterr().err
    assert "no model cache folder" in said and "RAGTUNE_MODELS" in said and "internal error" not in said
    (tmp_path / "a.md").write_text("# A\n\nSome text.\n")
    assert main(["ingest", str(tmp_path / "a.md")]) == 3
    assert "RAGTUNE_MODELS" in capsys.readouterr().err


def test_no_home_with_the_models_variable_set_looks_in_the_cache_and_this_home(monkeypatch, tmp_path):
    _no_home(monkeypatch)
    spec = defaults.file_specs(defaults.default_names()[0])[0]
    home = Home(tmp_path / "h")
    # the platform's default home (older releases' copies) cannot be found: not looked in, no RuntimeError
    assert defaults._legacy_paths("x", spec, home) == [home.models_dir / "x" / spec.file]
    assert defaults.cache_path(spec).is_relative_to(tmp_path / "model-cache")


@pytest.mark.parametrize("kind", ["ReadOnlyError", "CantOpenError"])
def test_a_group_member_reading_a_home_with_no_shm_is_told_not_damaged(_fresh_home, monkeypatch, capsys, kind):
    """Home 0750, database 0640, its owner's ragtune not running: SQLite cannot make the -shm, and says "attempt to
    write a readonly database" (3.22+, READONLY_CANTINIT) at the first read; faked here (root may write anything)."""
    import apsw

    home = searchable_home(Home(_fresh_home), monkeypatch)
    monkeypatch.setattr(base_mod, "_unwritable", lambda db: "not writable by this user")

    def cantinit(self):
        raise getattr(apsw, kind)("attempt to write a readonly database")

    monkeypatch.setattr(base_mod.StoreBase, "_check_schema_read_only", cantinit)
    with pytest.raises(WriteRefused) as err:
        Store(home.db_path)
    assert err.value.exit_code == 74 and "its owner's ragtune has it open" in err.value.message
    assert "backup DEST" in err.value.hint
    assert main(["docs", "list"]) == 74  # was 4, the code for a damaged database
    said = capsys.readouterr().err
    assert "readonly database" not in said and f"{home.root}: the home is not writable by this user" in said


def test_a_read_only_mount_keeps_its_own_error(_fresh_home, monkeypatch):
    import apsw

    home = searchable_home(Home(_fresh_home), monkeypatch)
    monkeypatch.setattr(base_mod, "_unwritable", lambda db: base_mod.ON_READ_ONLY_FS)
    monkeypatch.setattr(base_mod, "in_use", lambda db: True)

    def cantinit(self):
        raise apsw.ReadOnlyError("attempt to write a readonly database")

    monkeypatch.setattr(base_mod.StoreBase, "_check_schema_read_only", cantinit)
    with pytest.raises(base_mod.StoreError) as err:
        Store(home.db_path)
    assert "owner's ragtune" not in err.value.message


def _umask_002_home(root):
    """What `umask 002` left: a 0775 tantivy/ with 0664 files, a 0664 database; the home itself 0700."""
    (root / "tantivy").mkdir(parents=True)
    (root / "registry" / "blobs").mkdir(parents=True)
    for path in (root / "tantivy" / "seg.idx", root / "registry" / "manifest.json", root / "ragtune.db"):
        path.write_bytes(b"x")
        os.chmod(path, 0o664)
    for folder in (root / "tantivy", root / "registry", root / "registry" / "blobs"):
        os.chmod(folder, 0o775)
    os.chmod(root, 0o700)


def test_doctor_warns_when_a_home_open_to_its_group_lets_it_write_the_index(tmp_path):
    root = tmp_path / "h"
    _umask_002_home(root)
    rep = Report(home=str(root), quick=True)
    doctor_files.check_group_write(root, rep)
    assert rep.checks == []  # 0700: the group cannot enter, whatever the modes inside
    os.chmod(root, 0o750)  # opened to the team, to read
    doctor_files.check_group_write(root, rep)
    (line,) = rep.checks
    assert line.status == "warn" and line.name == "group-write"
    assert "the home is 0750" in line.detail and "ragtune.db" in line.detail and "tantivy/" in line.detail
    assert "6 files and folders" in line.detail and "registry/ (3)" in line.detail  # registry/, blobs/, manifest
    assert line.hint.startswith(f'chmod -R g-w "{root}"')
    os.system(f'chmod -R g-w "{root}"')  # the fix named
    rep = Report(home=str(root), quick=True)
    doctor_files.check_group_write(root, rep)
    assert rep.checks == []


def test_doctor_runs_the_group_write_check(_fresh_home, monkeypatch):
    from ragtune.appliance.doctor import diagnose

    home = searchable_home(Home(_fresh_home), monkeypatch)
    os.chmod(home.root, 0o750)
    (home.root / "tantivy").mkdir(exist_ok=True)
    os.chmod(home.root / "tantivy", 0o775)
    names = [c.name for c in diagnose(home, quick=True).checks]
    assert "group-write" in names
    os.chmod(home.root / "tantivy", 0o755)
    assert "group-write" not in [c.name for c in diagnose(home, quick=True).checks]


def test_models_fetch_into_a_cache_of_another_users_names_the_variable(monkeypatch, capsys, tmp_path):
    def denied(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / "model-cache" / "sha256"))

    monkeypatch.setattr(defaults, "fetch", denied)
    assert main(["models", "fetch"]) == 74
    said = capsys.readouterr().err
    assert "may not write the model cache" in said and "set RAGTUNE_MODELS to a folder this user can write" in said
    assert "ask the owner" in said

