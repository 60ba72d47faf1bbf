"""Round 48 read-through: a merged model another user built (the cache owner, who started serve first as
docs/install.md "Several teams on one host" says) is loaded by everyone else. Touching its stamp for _prune's
recency raises EPERM for anyone but the owner; that used to fall into the rebuild branch, which cannot write
`merged/`, so every other user applied the adapter at run time on every start."""

from __future__ import annotations

import errno

import pytest

from ragtune.appliance import merged as M
from ragtune.appliance.hashing import sha256_file

from .test_merged import _base, _lora

pytest.importorskip("gguf")


def test_a_stamp_this_user_may_not_touch_is_still_loaded(tmp_path, monkeypatch):
    base, lora = _base(tmp_path), _lora(tmp_path)
    bsha, lsha = sha256_file(base), sha256_file(lora)
    out = M.ensure_merged(base, bsha, lora, lsha)
    assert out is not None
    inode = out.stat().st_ino

    def not_yours(path, *a, **k):
        raise PermissionError(errno.EPERM, "Operation not permitted", str(path))

    def no_rebuild(*a, **k):
        raise AssertionError("rebuilt a merged model whose stamp checks out")

    monkeypatch.setattr(M.os, "utime", not_yours)
    monkeypatch.setattr(M, "merge_into", no_rebuild)
    assert M.ensure_merged(base, bsha, lora, lsha) == out
    assert out.stat().st_ino == inode
