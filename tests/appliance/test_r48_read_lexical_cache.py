"""Round 48 read-through: `private_group` listed the whole password database (`pwd.getpwall()`: LDAP or sssd with
enumeration on) on every check of the per-user cache folder; now once per process and (gid, uid)."""

from __future__ import annotations

import os
from types import SimpleNamespace as NS

import pytest

from ragtune.appliance import lexical_cache as lc


@pytest.fixture(autouse=True)
def _fresh():
    clear = getattr(lc.private_group, "cache_clear", lambda: None)
    clear()
    yield
    clear()


def test_the_user_directory_is_listed_once_per_group_and_user(monkeypatch):
    uid, gid, listed = os.geteuid(), 4242, []
    me = NS(pw_name="ann", pw_uid=uid, pw_gid=gid)

    def getpwall():
        listed.append(1)
        return [me]

    monkeypatch.setattr(lc, "pwd", NS(getpwuid=lambda u: me, getpwall=getpwall))
    monkeypatch.setattr(lc, "grp", NS(getgrgid=lambda g: NS(gr_name="ann", gr_gid=g, gr_mem=[])))
    st = NS(st_mode=0o40775, st_uid=uid, st_gid=gid)
    assert all(lc.others_write(st) is None for _ in range(50))  # a private group's write bit: usable
    assert len(listed) == 1  # was 50
    assert lc.private_group(gid + 1, uid) is False  # another (gid, uid): asked on its own (not ann's primary group)
    assert len(listed) == 2
