"""Round 47: `file_there` read the '#' of a file's name as a corpus row's marker (a deleted `a#b.md` beside a file
`a` counted as there, so never listed as gone nor renamed)."""

from __future__ import annotations

from types import SimpleNamespace

from ragtune.appliance.ingest.prune import file_there, gone_documents


def test_a_deleted_hash_file_beside_its_head_is_gone(tmp_path):
    (tmp_path / "a").write_text("x")
    gone = str(tmp_path / "a#b.md")
    assert not file_there(gone)
    assert not file_there(gone, "md")
    (tmp_path / "a#b.md").write_text("y")
    assert file_there(gone) and file_there(gone, "md")


def test_a_corpus_row_still_finds_its_corpus_file(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("{}\n")
    assert file_there(f"{corpus}#d1") and file_there(f"{corpus}#d1", "beir") and file_there(f"{corpus}#a#b", "beir")
    assert not file_there(f"{corpus}#d1", "md")  # a file named "c.jsonl#d1", deleted: gone
    assert not file_there(f"{tmp_path / 'gone.jsonl'}#d1", "beir")


def test_gone_documents_lists_the_deleted_hash_file(tmp_path):
    (tmp_path / "a").write_text("x")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("{}\n")
    (tmp_path / "kept.md").write_text("z")
    rows = [(1, str(tmp_path / "a#b.md")), (2, f"{corpus}#r1"), (3, str(tmp_path / "kept.md")),
            (4, f"{corpus}#notes.md")]
    store = SimpleNamespace(documents_under=lambda prefix: rows,
                            file_documents_by_sha=lambda: {"s1": [(1, rows[0][1], "md")], "s3": [(3, rows[2][1], "md")],
                                                           "s4": [(4, rows[3][1], "md")]})
    assert gone_documents(store, [tmp_path]) == sorted([str(tmp_path / "a#b.md"), f"{corpus}#notes.md"])
