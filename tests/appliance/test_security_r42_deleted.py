"""What is deleted from the store is gone from the file (docs/security.md): a question `log prune` (or retention)
removed, and a removed document's chunk text, are zeroed (`PRAGMA secure_delete`), not left in SQLite's free pages,
where `strings ragtune.db`, and every backup made afterwards (the backup API copies free pages too), still showed
them. Was: after `log prune --keep 1` the pruned question was in ragtune.db and in a later backup."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.backup import backup_home
from ragtune.appliance.store import open_store

from .store_helpers import Chunk, unit_vec
from .test_log_retention import row

MARKER = b"zebra-salary-question-7731"
TEXT = "confidential-merger-plan-4409 " * 40


def _raw(db: Path) -> bytes:
    """The database's bytes and those of its logs beside it, as anyone who can read the files sees them."""
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists())


def test_a_pruned_question_is_not_left_in_the_file_nor_in_a_later_backup(home, tmp_path):
    with open_store(home) as s:
        s.add_query_log(row(1.0, query=MARKER.decode() * 20, normalized_query=MARKER.decode()))
        s.add_query_log(row(2.0))
        assert MARKER in _raw(home.db_path)
        assert s.prune_query_log(keep=1)["rows"] == 1
        backup_home(home, tmp_path / "bk")  # while the connection is open (its WAL still holds the insert)
    # closed: the WAL checkpointed into the file, where the deleted row's bytes were zeroed
    assert MARKER not in _raw(home.db_path)
    assert MARKER not in _raw(tmp_path / "bk" / "ragtune.db")


def test_a_removed_documents_text_is_not_left_in_the_file(home):
    with open_store(home) as s:
        doc, _ = s.put_document(path="/docs/m.md", sha256="h", title="M", kind="md", size=1, doc_date=None,
                                ingested_at=1.0, meta="{}", chunks=[Chunk(0, TEXT), Chunk(1, "other")],
                                vectors=[unit_vec(0), unit_vec(1)])
        assert TEXT.encode()[:40] in _raw(home.db_path)
        s.delete_document(doc)
    assert TEXT.encode()[:29] not in _raw(home.db_path)
