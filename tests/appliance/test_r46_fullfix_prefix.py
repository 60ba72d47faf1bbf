"""Round 46 (h14): rows under a corpus file's "F#" prefix are its rows only when their kind is "beir"
(prune.names_row, the rule of documents._under): `ingest F --prune` pruned, and a corpus file that failed as a whole
marked stale, an ordinary file beside it whose name merely starts with F and a '#' ("corpus.jsonl#notes.md")."""

from __future__ import annotations

import json

from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.prune import behind_links, names_row
from ragtune.appliance.ingest.stale import mark_stale
from ragtune.appliance.store import Store


def _home(tmp_path, settings, fake, rows=("d0", "d1", "d2")):
    d = tmp_path / "docs"
    d.mkdir()
    corpus = d / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"_id": i, "title": f"T {i}", "text": f"passage {i} about a river"}) + "\n"
                              for i in rows), encoding="utf-8")
    notes = d / "corpus.jsonl#notes.md"
    notes.write_text("# Notes\n\nNotes about the corpus, an ordinary file.\n", encoding="utf-8")
    s = ingest_paths(settings, [d], embedder=fake)
    assert s.added == len(rows) + 1 and s.failed == []
    return corpus, notes


def _paths(settings):
    with Store(settings.home.db_path) as st:
        return sorted(p for _, p in st.documents_under(""))


def test_a_corpus_prune_leaves_a_file_whose_name_starts_with_the_corpus_and_a_hash(settings, tmp_path, fake):
    corpus, notes = _home(tmp_path, settings, fake)
    corpus.write_text(json.dumps({"_id": "d0", "title": "T d0", "text": "passage d0 about a river"}) + "\n",
                      encoding="utf-8")
    s = ingest_paths(settings, [corpus], prune=True, embedder=fake)
    assert sorted(s.pruned) == [f"{corpus}#d1", f"{corpus}#d2"]  # the corpus's own rows gone from it
    assert _paths(settings) == [f"{corpus}#d0", str(notes)]  # was: the notes file pruned too


def test_a_failed_corpus_marks_only_its_rows_stale(settings, tmp_path, fake):
    corpus, notes = _home(tmp_path, settings, fake, rows=("d0",))
    with Store(settings.home.db_path) as st:
        out = mark_stale(st, [(str(corpus), "line 1: not JSON")])
        assert out == [(f"{corpus}#d0", "line 1: not JSON")]
        assert "stale" not in st.document_by_path(str(notes))["meta"]  # was: marked stale with the corpus's reason
        assert "stale" in st.document_by_path(f"{corpus}#d0")["meta"]


def test_a_corpus_file_that_fails_to_read_marks_only_its_rows_stale(settings, tmp_path, fake):
    corpus, notes = _home(tmp_path, settings, fake, rows=("d0",))
    corpus.write_text('{"_id": "broken", "text": \n', encoding="utf-8")
    s = ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    assert [p for p, _ in s.stale] == [f"{corpus}#d0"]


def test_links_no_longer_followed_name_only_the_corpus_rows_behind_them(settings, tmp_path, fake):
    corpus, notes = _home(tmp_path, settings, fake, rows=("d0",))
    with Store(settings.home.db_path) as st:
        assert behind_links(st, {str(corpus)}) == [f"{corpus}#d0"]


def test_the_rule():
    assert names_row("/c/corpus.jsonl#", "beir") and not names_row("/c/corpus.jsonl#", "markdown")
    assert names_row("/c/docs/", "markdown") and names_row("/c/docs/", "beir")


def test_a_failing_corpus_keeps_its_rows_not_a_gone_file_beside_it(settings, tmp_path, fake):
    corpus, notes = _home(tmp_path, settings, fake, rows=("d0",))
    corpus.write_text('{"_id": "broken", "text": \n', encoding="utf-8")
    notes.unlink()
    s = ingest_paths(settings, [tmp_path / "docs"], prune=True, embedder=fake)
    assert s.pruned == [str(notes)]  # was: kept, as if it were one of the unreadable corpus's rows
    assert _paths(settings) == [f"{corpus}#d0"]
