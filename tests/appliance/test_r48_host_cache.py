"""Round 48, a shared host: a user whose umask is 002 has `~/.cache/ragtune` 0775 (made so by `models fetch`), and a
read-only home's rebuilt keyword index was never kept there (round 47: group-writable refused, whatever the group):
each search rebuilt it, silently. A group that is the user's own private group (its name, its primary group, no
other member) lets no one else in: the folder is used. A shared group, or every user, is refused with a warning
that names the folder and the chmod."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from ragtune.appliance import lexical_cache as lc

from .test_r47_review_lexical_cache import FakeStore, _build

_PRIVATE_GROUP = lc.private_group


@pytest.fixture(autouse=True)
def _fresh_private_group():
    """private_group is cached per (gid, uid): the faked accounts of one test must not answer for the next."""
    _PRIVATE_GROUP.cache_clear()
    yield
    _PRIVATE_GROUP.cache_clear()  # the real one: a test may have put a lambda in its place


def _accounts(monkeypatch, *, members=(), name=None, primary_of_other=False):
    """This user ('ann', uid = euid) and its group (gid 4242, named `name` or 'ann') as the password database says."""
    uid, gid = os.geteuid(), 4242
    users = [NS(pw_name="ann", pw_uid=uid, pw_gid=gid)]
    if primary_of_other:
        users.append(NS(pw_name="bob", pw_uid=uid + 1, pw_gid=gid))
    group = NS(gr_name=name or "ann", gr_gid=gid, gr_mem=list(members))

    def getgrgid(g):
        if g != gid:
            raise KeyError(g)
        return group

    monkeypatch.setattr(lc, "pwd", NS(getpwuid=lambda u: users[0] if u == uid else (_ for _ in ()).throw(KeyError(u)),
                                      getpwall=lambda: users))
    monkeypatch.setattr(lc, "grp", NS(getgrgid=getgrgid))
    return uid, gid


@pytest.mark.parametrize("kind,private", [("own", True), ("member-is-self", True), ("other-member", False),
                                         ("other-name", False), ("other-primary", False), ("unknown-gid", False)])
def test_a_user_private_group_is_told_from_a_shared_one(monkeypatch, kind, private):
    uid, gid = _accounts(monkeypatch, members={"member-is-self": ["ann"], "other-member": ["ann", "bob"]}.get(kind, ()),
                         name="staff" if kind == "other-name" else None, primary_of_other=kind == "other-primary")
    assert lc.private_group(gid + (kind == "unknown-gid"), uid) is private


def _cache(tmp_path, monkeypatch, mode):
    root = tmp_path / "cache"
    root.mkdir()
    os.chmod(root, mode)
    monkeypatch.setenv(lc.CACHE_ENV, str(root))
    monkeypatch.setattr(lc, "_warned", set())
    return root


@pytest.mark.parametrize("private", [True, False])
def test_umask_002_cache_is_used_when_its_group_is_the_users_own(tmp_path, monkeypatch, caplog, private):
    root = _cache(tmp_path, monkeypatch, 0o775)
    monkeypatch.setattr(lc, "private_group", lambda gid, uid: private)
    store, made = FakeStore(tmp_path / "db.sqlite"), []
    with caplog.at_level(logging.WARNING, logger="ragtune.lexical_cache"):
        entry = lc.shared_copy(tmp_path / "index", store, _build(made))
        again = lc.shared_copy(tmp_path / "index", store, _build(made))
    if private:  # was: None, rebuilt by every search
        assert entry is not None and entry == again and entry.is_relative_to(root) and len(made) == 1
        assert not caplog.records
    else:
        assert entry is None and again is None and made == []
        assert len(caplog.records) == 1  # once per folder and process
        said = caplog.records[0].getMessage()
        assert str(root) in said and f"chmod g-w {root}" in said and "group " in said


def test_a_cache_every_user_may_write_is_refused_in_words(tmp_path, monkeypatch, caplog):
    root = _cache(tmp_path, monkeypatch, 0o777)
    monkeypatch.setattr(lc, "private_group", lambda gid, uid: True)  # the group's bit is not the question here
    with caplog.at_level(logging.WARNING, logger="ragtune.lexical_cache"):
        assert lc.shared_copy(tmp_path / "index", FakeStore(tmp_path / "db.sqlite"), _build([])) is None
    said = caplog.text
    assert "every user" in said and f"chmod go-w {root}" in said and lc.CACHE_ENV in said
    os.chmod(root, 0o1777)  # sticky (/tmp's kind): others cannot rename this user's folders there
    assert lc.shared_copy(tmp_path / "index", FakeStore(tmp_path / "db.sqlite"), _build([])) is not None


def test_a_group_writable_key_folder_of_a_shared_group_is_not_used(tmp_path, monkeypatch):
    _cache(tmp_path, monkeypatch, 0o700)
    store = FakeStore(tmp_path / "db.sqlite")
    folder = lc.home_folder(tmp_path / "index", store)
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder, 0o770)
    monkeypatch.setattr(lc, "private_group", lambda gid, uid: False)
    assert lc.shared_copy(tmp_path / "index", store, _build([])) is None
    monkeypatch.setattr(lc, "private_group", lambda gid, uid: True)
    assert lc.shared_copy(tmp_path / "index", store, _build([])) == Path(folder) / "v7"
