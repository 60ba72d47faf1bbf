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
