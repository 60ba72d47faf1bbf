"""`ragtune docs remove` empties the answer cache (security review, round 42): a cached answer keeps the text it
quoted from its sources, and an entry names no document (its key is a hash of the sources' text), so a removed
document's text stayed in `ragtune.db` until evicted. A dry run, or a REF that matches nothing, leaves the cache as
it is. Was: every cached answer kept after the remove."""

from __future__ import annotations

import json

from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import write_good

QUOTED = {"status": "ok", "answer": "removed-doc-quote-6610", "citations": ["S1"], "raw_output": "{}"}


def _cache(settings) -> int:
    with Store(settings.home.db_path) as s:
        return int(s.scalar("SELECT count(*) FROM answer_cache"))


def test_docs_remove_clears_the_answer_cache(settings, tmp_path, fake, capsys):
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    with Store(settings.home.db_path) as s:
        s.cache_answer("k1", QUOTED)
        s.cache_answer("k2", {**QUOTED, "answer": "another"})
        first = s.query("SELECT id FROM documents ORDER BY id LIMIT 1")[0][0]
    root = str(settings.home.root)

    assert main(["--home", root, "docs", "remove", "--dry-run", str(first)]) == 0
    assert main(["--home", root, "docs", "remove", str(first), "999999"]) == 2  # a typo: nothing changes
    assert _cache(settings) == 2
    capsys.readouterr()

    assert main(["--home", root, "docs", "remove", str(first), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_removed"] == 1 and out["answer_cache_cleared"] == 2 and _cache(settings) == 0
    assert b"removed-doc-quote-6610" not in settings.home.db_path.read_bytes()

    with Store(settings.home.db_path) as s:
        s.cache_answer("k3", QUOTED)
        second = s.query("SELECT id FROM documents ORDER BY id LIMIT 1")[0][0]
    assert main(["--home", root, "docs", "remove", str(second)]) == 0
    assert "cleared the answer cache (1 cached answer(s))" in capsys.readouterr().err and _cache(settings) == 0
