"""What an ingest tester found in round 46 (5,000 small files, files changing while read, a file replaced by a
folder, hard links, symlink loops, a 50 MB text file)."""

from __future__ import annotations

import time

from ragtune.appliance.ingest.loaders.plain import load_markdown


def test_a_long_one_line_markdown_paragraph_loads_in_linear_time(tmp_path):
    # the setext-heading pattern backtracked quadratically on a line that is no heading: 16 KB took 7.5 s, so a
    # minified or generated page of 1 MB on one line held the ingest for hours
    p = tmp_path / "long.md"
    raw = ("# Export\n\n" + "lorem ipsum dolor " * 20_000 + "\n\nTitle\n=====\n\nend\n").encode()  # a 360 KB line
    t = time.perf_counter()
    doc = load_markdown(p, raw)
    assert time.perf_counter() - t < 3.0
    assert "# Title" in doc.text and doc.text.count("lorem") == 20_000


def _paths(settings, root):
    from ragtune.appliance.ingest.documents import list_documents

    return sorted(d.path[len(str(root)):] for d in list_documents(settings))


def test_a_file_replaced_by_a_folder_of_its_name_is_gone(settings, tmp_path, fake):
    from ragtune.appliance.ingest.pipeline import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("# Notes\n\nThe ferry leaves at nine.\n")
    (docs / "other.md").write_text("# Other\n\nThe canteen opens at noon.\n")
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "notes.md").unlink()
    (docs / "notes.md").mkdir()  # the notes split up into a folder of the same name
    (docs / "notes.md" / "monday.md").write_text("# Monday\n\nThe bus leaves at ten.\n")
    summary = ingest_paths(settings, [docs], embedder=fake)
    assert summary.gone == [str(docs / "notes.md")]  # was []: a folder at its path counted as its file
    assert ingest_paths(settings, [docs], embedder=fake, prune=True).pruned == [str(docs / "notes.md")]
    assert _paths(settings, docs) == ["/notes.md/monday.md", "/other.md"]


def test_a_file_moved_into_a_folder_of_its_own_name_is_a_rename(settings, tmp_path, fake):
    from ragtune.appliance.ingest.pipeline import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("# Notes\n\nThe ferry leaves at nine.\n")
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "notes.md").rename(tmp_path / "moved.md")
    (docs / "notes.md").mkdir()
    (tmp_path / "moved.md").rename(docs / "notes.md" / "notes.md")
    summary = ingest_paths(settings, [docs], embedder=fake)
    assert summary.renamed == [(str(docs / "notes.md"), str(docs / "notes.md" / "notes.md"))]
    assert summary.added == 0 and _paths(settings, docs) == ["/notes.md/notes.md"]  # was two: the old one stayed
