"""Round 47 fix: tests of a read-only home's lexical index made ~/.cache/ragtune/lexical/ (lexical_cache.py's
per-user cache) in the real home folder; tests/conftest.py's `_fresh_home` now points RAGTUNE_CACHE_DIR at the
test's tmp folder."""

from __future__ import annotations

import os
from pathlib import Path

from ragtune.appliance import lexical as lexical_mod
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.lexical_cache import cache_root
from ragtune.appliance.store import Store

from .test_r46_readonly_lexical import _add_doc

REAL = Path(os.path.expanduser("~")) / ".cache" / "ragtune" / "lexical"


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_read_only_view_rebuild_leaves_nothing_under_the_real_cache(tmp_path, monkeypatch):
    assert tmp_path in cache_root().parents  # conftest's
    before = _listing(REAL)
    with Store(tmp_path / "db.sqlite") as store:
        _add_doc(store, "/a.md", "Cats", ["Cats purr when they are content."])
        LexicalIndex(tmp_path / "tantivy").close()  # made, out of step: a read-only process rebuilds it elsewhere
        monkeypatch.setattr(lexical_mod, "unwritable", lambda path: Path(path) == tmp_path / "tantivy")
        ix = LexicalIndex(tmp_path / "tantivy")
        try:
            assert ix.ensure_synced(store) is True and ix.search("cats", 5)
        finally:
            ix.close()
    assert _listing(cache_root() / "lexical")  # the shared copy went to the test's cache
    assert _listing(REAL) == before
