"""An ingest that replaces or prunes documents leaves no old text in `tantivy/` (round 46): Tantivy only marks a
deleted chunk and keeps its terms in the segment files until a merge; `docs remove` rewrote those segments
(LexicalWriter.purge, round 45), `ingest --prune` and the re-ingest of an edited file did not. Now each run that
deleted chunks purges once, at its end."""

from __future__ import annotations

from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store


def _segment_files(settings) -> set[str]:
    """The segments' files on disk. Their terms cannot be grepped (the term dictionary is an FST that packs common
    bytes into its node headers: a raw `grep` finds no word, kept or not), so the proof is that the files of the
    segment that held the old text are gone, and that no segment's dictionary has the term (doc_freq counts
    deleted chunks too)."""
    return {p.name for p in settings.home.lexical_dir.iterdir() if p.is_file() and len(p.stem) == 32}


def _doc_freq(settings, term: str) -> int:
    ix = LexicalIndex(settings.home.lexical_dir)
    try:  # counts deleted chunks too: what the files still hold
        return int(ix._index.searcher().doc_freq("text", term))
    finally:
        ix.close()


def _folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(8):
        (docs / f"guide{i}.md").write_text(f"# Guide {i}\n\nThe canteen opens at {i} o'clock for guide{i}.\n")
    return docs


def _in_step(settings) -> bool:
    ix = LexicalIndex(settings.home.lexical_dir)
    try:
        with Store(settings.home.db_path) as s:
            return ix.is_synced(s)
    finally:
        ix.close()


def test_an_edited_file_leaves_no_old_text_in_the_index_files(settings, tmp_path, fake):
    docs = _folder(tmp_path)
    (docs / "hr.md").write_text("# HR\n\nCase quixotrelm: the salary of Mara Quell is 184,300 euros.\n")
    ingest_paths(settings, [docs], embedder=fake)
    assert _doc_freq(settings, "quixotrelm") == 1
    before = _segment_files(settings)
    (docs / "hr.md").write_text("# HR\n\nThe salary table moved to the payroll system.\n")
    summary = ingest_paths(settings, [docs], embedder=fake)
    assert summary.updated == 1 and summary.lexical_rewritten == 8  # the other chunks of its segment
    assert _doc_freq(settings, "quixotrelm") == 0  # was 1: the deleted chunk's term was still in the segment
    assert before and not before & _segment_files(settings)  # the old segment's files are gone from disk
    assert not list(settings.home.lexical_dir.glob("*.del"))
    assert _in_step(settings) and _doc_freq(settings, "canteen") == 8


def test_a_pruned_file_leaves_no_text_in_the_index_files(settings, tmp_path, fake):
    docs = _folder(tmp_path)
    (docs / "leak.md").write_text("# Leak\n\nThe vault code is zorblefrost 7741.\n")
    ingest_paths(settings, [docs], embedder=fake)
    first = _segment_files(settings)
    (docs / "guide9.md").write_text("# Guide 9\n\nA second segment: the canteen opens at 9.\n")
    ingest_paths(settings, [docs], embedder=fake)  # another segment, which holds none of the leak
    second = _segment_files(settings) - first
    assert _doc_freq(settings, "zorblefrost") == 1 and second
    (docs / "leak.md").unlink()
    summary = ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert summary.deleted == 1 and summary.lexical_rewritten == 8  # the leak's segment's other chunks only
    assert _doc_freq(settings, "zorblefrost") == 0
    after = _segment_files(settings)
    assert not first & after and second <= after  # the leak's segment is gone, the other one untouched
    assert _in_step(settings) and _doc_freq(settings, "canteen") == 9


def test_a_run_that_only_adds_rewrites_nothing(settings, tmp_path, fake):
    docs = _folder(tmp_path)
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "new.md").write_text("# New\n\nA new page about the canteen.\n")
    summary = ingest_paths(settings, [docs], embedder=fake)
    assert summary.added == 1 and summary.lexical_rewritten == 0
    assert ingest_paths(settings, [docs], embedder=fake).lexical_rewritten == 0  # nothing changed
