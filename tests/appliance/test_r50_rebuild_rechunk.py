"""Round 50: the first ingest after a chunker version change said `updated 7` for unchanged files, with no reason.
The reason is told apart (reuse.chunker_changed) and said as the reader-change line is (IngestSummary.reuse_line)."""

from __future__ import annotations

from ragtune.appliance.ingest.reuse import chunker_changed
from ragtune.appliance.ingest.run import CHUNKER_VERSION, index_key_of
from ragtune.appliance.ingest.summary import IngestSummary


def test_a_key_of_an_older_chunker_is_told_apart():
    old = index_key_of("m", 200, 40, 256, CHUNKER_VERSION - 1)
    assert chunker_changed(old, index_key_of, "m", 200, 40, 256, CHUNKER_VERSION)
    # another model or other chunk sizes: not the chunker's doing
    assert not chunker_changed(index_key_of("other", 200, 40, 256, 1), index_key_of, "m", 200, 40, 256,
                               CHUNKER_VERSION)
    assert not chunker_changed(index_key_of("m", 120, 40, 256, 1), index_key_of, "m", 200, 40, 256, CHUNKER_VERSION)
    assert not chunker_changed(index_key_of("m", 200, 40, 256), index_key_of, "m", 200, 40, 256, CHUNKER_VERSION)


def test_the_summary_says_documents_chunked_again():
    s = IngestSummary(updated=7, rechunked=7, chunks_replaced=40, chunks_reused=31)
    assert s.reuse_line() == "7 documents chunked again (the chunker changed); 31 of 40 chunks kept their vectors"
    s = IngestSummary(rechunked=1, reread=2, chunks_replaced=3, chunks_reused=3)
    assert s.reuse_line() == ("2 documents re-read (reader updated); 1 document chunked again (the chunker changed); "
                              "3 of 3 chunks kept their vectors")
    assert IngestSummary(reread=1, chunks_replaced=2, chunks_reused=1).reuse_line() == \
        "1 document re-read (reader updated); 1 of 2 chunks kept their vectors"  # as before


def test_an_unchanged_file_stored_by_an_older_chunker_is_counted_as_chunked_again(settings, fake, tmp_path,
                                                                                  monkeypatch):
    from ragtune.appliance.ingest import ingest_paths, run

    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.md").write_text("# Leave\n\nNew hires get 25 days of paid leave a year.\n")
    (d / "b.md").write_text("# Parking\n\nVisitors park in the west lot.\n")
    real = run.index_key_of
    with monkeypatch.context() as m:  # the home as the chunker before this one stored it
        m.setattr(run, "index_key_of", lambda model, size, overlap, max_seq, chunker=CHUNKER_VERSION:
                  real(model, size, overlap, max_seq, chunker - 1))
        ingest_paths(settings, [d], embedder=fake)
    (d / "b.md").write_text("# Parking\n\nVisitors park in the east lot.\n")  # an edit: not the chunker's doing
    s = ingest_paths(settings, [d], embedder=fake)
    assert (s.updated, s.rechunked) == (2, 1)
    assert "1 document chunked again (the chunker changed)" in s.reuse_line()
    assert ingest_paths(settings, [d], embedder=fake).rechunked == 0  # once
