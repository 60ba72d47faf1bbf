"""Round 48, shared host: merged models (code every user of a models cache loads) are written 0644 in a 0755
folder whatever the umask (under umask 002 they were 0664 in 0775: any member of a shared cache's group could
replace one), and one that another user could have written is not loaded: the adapter is applied at run time."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from ragtune.appliance import merged as M
from ragtune.appliance.hashing import sha256_file

from .test_merged import _base, _lora

pytest.importorskip("gguf")


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_002():
    old = os.umask(0o002)
    yield
    os.umask(old)


def _pair(tmp_path):
    base, lora = _base(tmp_path), _lora(tmp_path)
    return base, sha256_file(base), lora, sha256_file(lora)


def _another_users(monkeypatch, *paths):
    """`paths` made another user's: chowned where this test runs as root, else this process made someone else."""
    if os.geteuid() == 0:
        for p in paths:
            os.chown(p, 4321, -1, follow_symlinks=False)
    else:
        me = os.geteuid() + 1
        monkeypatch.setattr(M.os, "geteuid", lambda: me)


def test_merged_files_are_0644_in_a_0755_folder_whatever_the_umask(tmp_path, umask_002):
    base, bsha, lora, lsha = _pair(tmp_path)
    out = M.ensure_merged(base, bsha, lora, lsha)
    assert out is not None
    assert _mode(out.parent) == 0o755  # was 0775
    assert _mode(out) == 0o644 and _mode(out.with_name(out.name + ".json")) == 0o644  # were 0664


def test_this_users_own_group_writable_merged_model_is_built_again_and_its_folder_closed(tmp_path, umask_002):
    base, bsha, lora, lsha = _pair(tmp_path)
    out = M.ensure_merged(base, bsha, lora, lsha)
    stamp = out.with_name(out.name + ".json")
    os.chmod(out.parent, 0o775)  # what an earlier release left under umask 002
    os.chmod(out, 0o664)
    inode = out.stat().st_ino
    assert M.ensure_merged(base, bsha, lora, lsha) == out
    assert out.stat().st_ino != inode  # not trusted (the group could have written it): rebuilt
    assert _mode(out) == 0o644 and _mode(stamp) == 0o644 and _mode(out.parent) == 0o755


def test_another_users_writable_merged_model_is_not_loaded(tmp_path, monkeypatch, caplog):
    base, bsha, lora, lsha = _pair(tmp_path)
    out = M.ensure_merged(base, bsha, lora, lsha)
    stamp = out.with_name(out.name + ".json")
    os.chmod(out, 0o664)  # a group member's, writable by the group
    _another_users(monkeypatch, out, stamp)
    with caplog.at_level(logging.WARNING, logger="ragtune.merged"):
        assert M.ensure_merged(base, bsha, lora, lsha) is None  # served with a run-time LoRA instead
    assert "not loading the merged model" in caplog.text and "may be written by its group" in caplog.text
    assert _mode(out) == 0o664  # another user's file: left as it is


def test_another_users_merged_model_in_a_folder_the_group_may_write_is_not_loaded(tmp_path, monkeypatch, caplog):
    base, bsha, lora, lsha = _pair(tmp_path)
    out = M.ensure_merged(base, bsha, lora, lsha)
    stamp = out.with_name(out.name + ".json")
    _another_users(monkeypatch, out, stamp, out.parent)
    os.chmod(out.parent, 0o775)  # 0644 files, but any member could have put them there
    with caplog.at_level(logging.WARNING, logger="ragtune.merged"):
        assert M.ensure_merged(base, bsha, lora, lsha) is None
    assert "which its group or other users may write" in caplog.text
    os.chmod(out.parent, 0o755)  # a cache its owner keeps shut: another user's merged model is used as it is
    assert M.ensure_merged(base, bsha, lora, lsha) == out
