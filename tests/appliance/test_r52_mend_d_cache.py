"""Round 52, mender mD: with a newer release's keyword index at the top of the home's index folder, this release
reads its own (tantivy/schema-N, lexical.own_folder), and a read-only reader's rebuilt copy in this user's cache is
keyed on that folder: `docs remove` and `ingest --prune` discard that copy too (it was kept, with the removed text,
and the receipt said 0 copies discarded)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance import lexical, lexical_cache
from ragtune.appliance.ingest.documents import remove_documents
from ragtune.appliance.store import Store

from .test_r45_erase import SECRET, _corpus


def _cached_copy(settings, monkeypatch) -> Path:
    monkeypatch.setattr(lexical, "SCHEMA_VERSION", lexical.SCHEMA_VERSION - 1)  # an older release on a newer home
    own = lexical.own_folder(settings.home.lexical_dir)
    assert own != Path(settings.home.lexical_dir)
    with Store(settings.home.db_path) as s:
        ix = lexical.LexicalIndex(settings.home.lexical_dir)  # this release's own index, beside the newer one
        try:
            ix.ensure_synced(s)
            assert ix.home_path == own
        finally:
            ix.close()
        folder = lexical_cache.home_folder(own, s)
    (folder / "v3").mkdir(parents=True)
    (folder / "v3" / "seg.store").write_bytes(SECRET.encode())
    return folder


def test_docs_remove_discards_a_copy_of_this_releases_own_index(settings, tmp_path, fake, monkeypatch):
    monkeypatch.setenv(lexical_cache.CACHE_ENV, str(tmp_path / "cache"))
    path, _ = _corpus(settings, tmp_path, fake)
    folder = _cached_copy(settings, monkeypatch)
    summary = remove_documents(settings, [path])
    assert summary.lexical_cache_discarded == 1 and not folder.exists()


def test_ingest_prune_discards_a_copy_of_this_releases_own_index(settings, tmp_path, fake, monkeypatch):
    from ragtune.appliance.ingest import ingest_paths

    monkeypatch.setenv(lexical_cache.CACHE_ENV, str(tmp_path / "cache"))
    path, _ = _corpus(settings, tmp_path, fake)
    folder = _cached_copy(settings, monkeypatch)
    Path(path).unlink()
    summary = ingest_paths(settings, [Path(path).parent], prune=True, embedder=fake)
    assert summary.pruned == [path] and not folder.exists()
