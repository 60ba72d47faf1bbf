"""Round 45 left-overs of the backup drill (appliance/backup.py, store/base.py):

- a Python venv inside the home (older install.sh put one at HOME/venv: 405 MB, 9,759 files, 79 s of a backup) is
  left out, wherever it is in the home, and listed in `left_out` with its reason;
- `Store.backup_to` says what stopped its copy (SQLite's own text for a write the file system refused is "not an
  error"), and its hint names a folder that exists, not DEST (a temporary's name, gone by then)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import apsw

from ragtune.appliance.backup import MANIFEST, VENV, backup_home
from ragtune.appliance.backup_verify import verify_backup
from ragtune.appliance.store import Store
from ragtune.appliance.store.base import _copy_error

REPO = Path(__file__).resolve().parents[2]


def _venv(folder: Path) -> None:
    """What `python -m venv` makes, in small: pyvenv.cfg at its top, the interpreter link, site-packages."""
    (folder / "bin").mkdir(parents=True)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n", encoding="utf-8")
    os.symlink("/usr/bin/python3", folder / "bin" / "python")
    site = folder / "lib" / "python3.11" / "site-packages" / "torch"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("x = 1\n", encoding="utf-8")


def test_a_venv_in_the_home_is_left_out_with_its_reason(home, tmp_path):
    home.ensure()
    Store(home.db_path).close()
    (home.root / "config.toml").write_text("[retrieve]\nk = 4\n", encoding="utf-8")
    _venv(home.root / "venv")  # older install.sh's
    _venv(home.root / "rerankers" / "run1" / ".venv")  # one deeper down
    (home.root / "rerankers" / "run1" / "model.json").write_text("{}", encoding="utf-8")
    (home.root / "notes").mkdir()  # a folder with pyvenv.cfg below its top is no venv: copied
    (home.root / "notes" / "sub").mkdir()
    (home.root / "notes" / "sub" / "readme.txt").write_text("pyvenv.cfg is below", encoding="utf-8")
    dest = tmp_path / "b"
    res = backup_home(home, dest)
    assert res.left_out["venv"] == VENV == "a Python environment: reinstall, not restore"
    assert res.left_out["rerankers/run1/.venv"] == VENV
    assert not (dest / "venv").exists() and not (dest / "rerankers" / "run1" / ".venv").exists()
    assert (dest / "rerankers" / "run1" / "model.json").is_file() and (dest / "notes" / "sub" / "readme.txt").is_file()
    assert (dest / "config.toml").is_file() and (dest / "ragtune.db").is_file()
    files = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert not [f for f in files if "venv" in f]
    assert verify_backup(dest).ok
    assert (home.root / "venv" / "pyvenv.cfg").is_file()  # the home's own is left where it is


def test_a_linked_venv_stays_a_link_and_a_file_named_pyvenv_cfg_is_no_venv(home, tmp_path):
    home.ensure()
    _venv(tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", home.root / "venv")  # a link is copied as a link (its target is not walked)
    (home.root / "pyvenv.cfg").write_text("x", encoding="utf-8")  # at the home's top: the home itself is backed up
    dest = tmp_path / "b"
    res = backup_home(home, dest)
    assert "venv" not in res.left_out and os.path.islink(dest / "venv")
    assert (dest / "pyvenv.cfg").is_file()


def _filled(db: Path) -> None:
    with Store(db) as st, st.transaction():
        st.set_meta("filler", "y" * 2_000_000)


def test_backup_to_over_the_file_size_limit_says_so_not_not_an_error(tmp_path):
    """The real thing: `ulimit -f` below the database (SQLite: IOError "not an error", the write's errno EFBIG)."""
    db = tmp_path / "home" / "ragtune.db"
    _filled(db)
    shown = tmp_path / "gone" / "dest" / "ragtune.db"  # as backup.py's DEST: not there while the copy runs
    code = ("import resource, sys\nfrom pathlib import Path\nfrom ragtune.appliance.store import Store\n"
            "from ragtune.appliance.errors import StoreError\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, resource.RLIM_INFINITY))\n"
            "try:\n    Store(Path(sys.argv[1]), readonly=True).backup_to(Path(sys.argv[2]), shown=Path(sys.argv[3]))\n"
            "except StoreError as e:\n    print(e.message); print(e.hint)\n")
    p = subprocess.run([sys.executable, "-c", code, str(db), str(tmp_path / "copy.db"), str(shown)],
                       capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    message, hint = p.stdout.splitlines()[:2]
    assert message == f"{shown}: cannot write the database copy: it is over this shell's file size limit " \
                      f"(300000 bytes)", p.stdout + p.stderr
    assert "not an error" not in p.stdout and "ulimit -f" in hint


def test_a_full_disk_under_backup_to_says_no_space_and_names_a_folder_that_exists(tmp_path):
    """SQLite's FullError (ENOSPC: SQLite clears the errno) and an EDQUOT write, each "not an error" as SQLite
    words them: said in words, `df -h` of the nearest folder that exists (DEST's parent), never DEST."""
    shown = tmp_path / "dest" / "ragtune.db"
    written = tmp_path / ".dest.x1y2z3.part" / "ragtune.db"
    written.parent.mkdir()
    err = _copy_error(shown, written, apsw.FullError("not an error"), 0)
    assert err.message.startswith(f"{shown}: cannot write the database copy: no space left on the file system (")
    assert f"`df -h {tmp_path}`" in err.hint and f"df -h {shown.parent}`" not in err.hint
    err = _copy_error(shown, written, apsw.IOError("not an error"), errno.EDQUOT)
    assert "this user's disk quota is used up" in err.message and f"`df -h {tmp_path}`" in err.hint


def test_another_write_failure_says_its_kind_and_the_systems_word(tmp_path):
    shown = tmp_path / "dest" / "ragtune.db"
    err = _copy_error(shown, tmp_path / "x.db", apsw.IOError("not an error"), errno.EIO)
    assert err.message == f"{shown}: cannot write the database copy: IOError (Input/output error)"
    assert f"`df -h {tmp_path}`" in err.hint  # SQLite's "disk I/O error" hint, naming a folder that exists
    err = _copy_error(shown, tmp_path / "x.db", apsw.CorruptError("database disk image is malformed"), 0)
    assert err.message.endswith(": database disk image is malformed")  # SQLite's own words, when it has some
