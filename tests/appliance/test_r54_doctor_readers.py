"""`ragtune doctor` on a home ingested by an older release (round 54, mend1): it did not say that the next ingest
re-reads documents whose kind's reader was updated since (ingest/reuse.py `stale_by_loader`: "re-read (reader
updated)"). Now a `readers` warn line counts them by kind; no line when every document is this release's readers'.
Counted with one GROUP BY over the documents (store/corpus.py `documents_per_kind_meta`)."""

from __future__ import annotations

import json

from ragtune.appliance.doctor import diagnose
from ragtune.appliance.doctor_files import check_readers
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.ingest.loaders import LOADER_VERSIONS
from ragtune.appliance.store import Store


def _lines(home) -> dict[str, tuple[str, str, str | None]]:
    return {c.name: (c.status, c.detail, c.hint) for c in diagnose(home, quick=True).checks}


def _set_loader(db, versions: dict[str, object]) -> None:
    """Each named document's stored reader version as an older release wrote it (absent: before versions)."""
    store = Store(db)
    try:
        for doc in store.documents():
            name = doc["path"].rsplit("/", 1)[-1]
            if name in versions:
                meta = dict(doc["meta"])
                meta.pop("loader", None)
                if versions[name] is not None:
                    meta["loader"] = versions[name]
                store.set_document_meta(doc["id"], meta)
    finally:
        store.close()


def _share(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "meals.txt").write_text("Meals are covered up to 40 euros a day.\n")
    (share / "hotel.txt").write_text("Hotels are covered up to 120 euros a night.\n")
    (share / "taxi.md").write_text("# Taxis\n\nTaxis are covered after 22:00.\n")
    (share / "train.md").write_text("# Trains\n\nSecond class is covered.\n")
    return share


def test_documents_of_older_readers_are_counted_by_kind_until_the_next_ingest(settings, fake, tmp_path):
    share = _share(tmp_path)
    ingest_paths(settings, [share], embedder=fake)
    assert "readers" not in _lines(settings.home)  # this release's readers: no line
    _set_loader(settings.home.db_path, {"meals.txt": LOADER_VERSIONS["txt"] - 1, "hotel.txt": 1,
                                        "taxi.md": None})  # (none stored: version 1, as before versions)
    status, detail, hint = _lines(settings.home)["readers"]
    assert status == "warn"
    assert detail == ("3 of 4 documents (txt 2, md 1) were read by an earlier version of their reader: the next "
                      "ingest re-reads them")
    assert "ragtune ingest PATH" in hint
    summary = ingest_paths(settings, [share], embedder=fake)
    assert summary.reread == 3  # what the line said the ingest would do
    assert "readers" not in _lines(settings.home)


def test_a_newer_releases_or_damaged_version_is_another_version(settings, fake, tmp_path):
    share = _share(tmp_path)
    ingest_paths(settings, [share], embedder=fake)
    _set_loader(settings.home.db_path, {"train.md": LOADER_VERSIONS["md"] + 1})
    assert _lines(settings.home)["readers"][1] == ("1 of 4 documents (md 1) was read by another version of its "
                                                   "reader: the next ingest re-reads it")
    _set_loader(settings.home.db_path, {"train.md": "x"})
    assert _lines(settings.home)["readers"][1].startswith("1 of 4 documents (md 1) was read by another version")


def test_damaged_meta_reads_as_no_version_and_corpus_rows_are_never_counted(settings, fake, tmp_path):
    share = _share(tmp_path)
    ingest_paths(settings, [share], embedder=fake)
    store = Store(settings.home.db_path)
    try:
        with store.transaction():
            store.conn.execute("UPDATE documents SET meta = '{not json' WHERE path LIKE '%meals.txt'")
            store.conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at, n_chunks, meta) "
                               "VALUES ('/c/corpus.jsonl#1', 'z', 'Row', 'beir', 0, 0, ?)", (json.dumps({}),))
        per = store.documents_per_kind_meta("loader")
        assert per[("txt", None)] == 1 and per[("beir", None)] == 1  # (damaged meta: no version, as ingest reads it)
    finally:
        store.close()
    assert _lines(settings.home)["readers"][1].startswith("1 of 5 documents (txt 1) was read by an earlier version")


def test_a_store_whose_query_fails_adds_no_line():
    from ragtune.appliance.errors import StoreError

    class Damaged:
        def count_documents(self):
            return 3

        def documents_per_kind_meta(self, key):
            raise StoreError("database disk image is malformed")

    class Rep:
        def __init__(self):
            self.checks = []

        def add(self, *a):
            self.checks.append(a)

    rep = Rep()
    check_readers(Damaged(), rep)
    assert rep.checks == []
