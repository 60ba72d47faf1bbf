"""Round 50: the first ingest after a chunker version change said `updated 7` for unchanged files, with no reason.
The reason is told apart (run._Run.is_unchanged: the stored index_key is this run's under an older chunker version)
and said as the reader-change line is (IngestSummary.reuse_line)."""

from __future__ import annotations

from ragtune.appliance.ingest.chunker import effective_sizes
from ragtune.appliance.ingest.run import CHUNKER_VERSION, _Run, index_key_of
from ragtune.appliance.ingest.summary import IngestSummary


class _Store:
    """The one stored document is_unchanged looks up, with `key` as its index_key."""

    def __init__(self, key):
        self.key = key

    def ingest_failures(self):
        return {}

    def document_by_path(self, path):
        return {"id": 1, "sha256": "s", "meta": {"index_key": self.key}}


def test_a_key_of_an_older_chunker_is_told_apart(settings):
    size, overlap = effective_sizes(settings.ingest.chunk_tokens, settings.ingest.overlap_tokens, 256)

    def rechunked(key, sha="s"):
        run = _Run(settings, _Store(key), None, lambda: None, IngestSummary(), identity=lambda: ("m", 256))
        same, _ = run.is_unchanged("a.md", sha, "md")
        return not same and "a.md" in run.rechunks

    assert rechunked(index_key_of("m", size, overlap, 256, CHUNKER_VERSION - 1))
    assert not rechunked(index_key_of("m", size, overlap, 256, CHUNKER_VERSION - 1), sha="edited")  # an edit
    # another model or other chunk sizes: not the chunker's doing
    assert not rechunked(index_key_of("other", size, overlap, 256, 1))
    assert not rechunked(index_key_of("m", size - 1, overlap, 256, 1))
    assert not rechunked(index_key_of("m", size, overlap, 256))  # this chunker's: unchanged, not chunked again
    assert not rechunked(["damaged"]) and not rechunked(None)  # a key stored damaged or missing: no reason told


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
