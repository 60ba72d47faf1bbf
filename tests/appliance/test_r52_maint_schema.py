"""Round 52: two releases of different keyword-index schemas on one home (a rollback, or a serve of the old release
still running after an upgrade) reset each other's index back and forth: each saw the other's schema as wrong and
rebuilt the whole index (11-19 s at 20,000 chunks), at every switch. An older release now never resets a newer
index: it keeps its own beside it, in `tantivy/schema-<its version>/`, and each release's index stays in step."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance import lexical, lexical_rebuild
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store

from .test_r49_rebuild_race import _add_doc

OLD = lexical.SCHEMA_VERSION


@pytest.fixture
def home(tmp_path, monkeypatch):
    s = Store(tmp_path / "db.sqlite")
    _add_doc(s, "/refunds.md", "Refunds", [f"A refund is paid within {i} days of the return." for i in range(30)])
    said: list[dict] = []
    monkeypatch.setattr(lexical_rebuild, "on_rebuild", [lambda path, info: said.append(info)])
    yield tmp_path / "tantivy", s, said
    s.close()


def _release(monkeypatch, schema):
    """This process as the release whose keyword-index schema is `schema` (one higher: the next release's)."""
    monkeypatch.setattr(lexical, "SCHEMA_VERSION", schema)


def _use(folder, store):
    ix = LexicalIndex(folder)
    try:
        ix.ensure_synced(store)
        assert len(ix.search("refund", 5)) == 5
        return ix.path
    finally:
        ix.close()


def test_an_older_and_a_newer_release_stop_resetting_each_other(home, monkeypatch):
    folder, store, said = home
    _use(folder, store)  # the older release's home
    for _ in range(3):  # upgrade, roll back, upgrade, ...
        _release(monkeypatch, OLD + 1)
        assert _use(folder, store) == folder  # the newer release takes the home's index (an upgrade, as before)
        _release(monkeypatch, OLD)
        assert _use(folder, store) == folder / f"schema-{OLD}"  # the older one keeps its own beside it
    # one rebuild for the upgrade (said), one catch-up for the older one's own index: none after (was one a switch)
    assert [i.get("from_schema") for i in said] == [OLD]
    assert json.loads((folder / "synced.json").read_text())["schema"] == OLD + 1
    assert json.loads((folder / f"schema-{OLD}" / "synced.json").read_text())["schema"] == OLD


def test_a_running_older_process_moves_aside_when_a_newer_one_takes_the_index(home, monkeypatch):
    folder, store, said = home
    old = LexicalIndex(folder)  # a serve of the older release, still running after the upgrade
    try:
        old.ensure_synced(store)
        _release(monkeypatch, OLD + 1)
        _use(folder, store)
        _release(monkeypatch, OLD)
        _add_doc(store, "/late.md", "Late", ["A refund is late when the return is lost."])
        old.ensure_synced(store)  # was: rebuilt the newer index in its own schema (and the newer then again)
        assert old.path == folder / f"schema-{OLD}"
        assert old.synced_version == store.index_version
        assert len(old.search("refund", 50)) == 31
    finally:
        old.close()
    assert json.loads((folder / "synced.json").read_text())["schema"] == OLD + 1  # the newer one's, untouched


def test_a_newer_release_resetting_its_index_keeps_the_older_ones(home, monkeypatch):
    folder, store, said = home
    _release(monkeypatch, OLD + 1)
    _use(folder, store)
    _release(monkeypatch, OLD)
    _use(folder, store)
    _release(monkeypatch, OLD + 1)
    (folder / "meta.json").write_text("{damaged")  # the newer release finds its index damaged, and resets it
    assert _use(folder, store) == folder
    assert (folder / f"schema-{OLD}" / "meta.json").is_file()  # the older release's own index is not removed


def test_docs_find_names_an_older_releases_own_index(home, monkeypatch):
    from types import SimpleNamespace

    from ragtune.appliance.erasure_check import find_text, hint

    folder, store, said = home
    _release(monkeypatch, OLD + 1)
    _use(folder, store)
    _release(monkeypatch, OLD)
    _use(folder, store)
    h = SimpleNamespace(root=folder.parent, db_path=folder.parent / "none.db", lexical_dir=folder)
    monkeypatch.setattr("ragtune.appliance.backup_record.backups_made", lambda home: ([], None))
    found = [f for f in find_text(h, ["refund paid"], [])["found"] if f["what"] == "keyword_terms"]
    assert [f["where"] for f in found] == [str(folder), str(folder / f"schema-{OLD}")]
    assert "older release" in hint(found[1]) and "rm -rf" in hint(found[1])
