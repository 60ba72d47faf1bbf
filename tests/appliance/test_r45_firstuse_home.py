"""Round 45, first use: every path that creates a home makes it owner-only (0700) whatever the umask; `ragtune demo`
on a fresh install made the user's home (the parent of HOME/demo) 0755, and doctor warned about it (home.py)."""

from __future__ import annotations

import os
import stat

import pytest

from ragtune.appliance.home import Home, make_home
from ragtune.appliance.store import Store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def mode(p) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


@pytest.fixture
def umask():
    """Set a umask for the test; the old one back after."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def test_the_demo_home_makes_the_users_home_owner_only_too(tmp_path, umask):
    user = Home(tmp_path / "share" / "ragtune")  # the CLI's home (--home, RAGTUNE_HOME, the default)
    demo = Home(user.root / "demo")  # `ragtune demo`: HOME/demo, its database opened first (chat_cmd.py)
    Store(demo.db_path).close()
    assert mode(demo.root) == 0o700 and mode(user.root) == 0o700
    assert mode(tmp_path / "share") == 0o755  # not a home: the usual mode, as before


@pytest.mark.parametrize("mask", [0o022, 0o000, 0o077, 0o277])
def test_a_new_home_is_0700_whatever_the_umask(tmp_path, umask, mask):
    umask(mask)
    root = make_home(tmp_path / "home")
    assert mode(root) == 0o700
    user = Home(tmp_path / "user")
    Home(user.root / "demo").ensure()
    assert mode(user.root) == 0o700 and mode(user.root / "demo") == 0o700


def test_an_existing_home_keeps_its_mode(tmp_path, umask):
    user = Home(tmp_path / "user")
    user.root.mkdir(mode=0o755)
    os.chmod(user.root, 0o750)  # an operator opened it to a group on purpose
    Home(user.root / "demo").ensure()
    Store(user.db_path).close()
    assert mode(user.root) == 0o750 and mode(user.root / "demo") == 0o700
