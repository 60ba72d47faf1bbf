"""Round 49 mends of the language code (one ASCII test per block in the chunker, one mark walk in scripts): the same
chunks as before, at the one place a block's own ASCII test would have missed a cut."""

from __future__ import annotations

import re
import sys
import unicodedata

from ragtune.appliance import scripts
from ragtune.appliance.ingest import chunker
from ragtune.appliance.ingest.chunker import BLOCK_CHARS, chunk_text

from .ingest_helpers import real_tokenizer


def test_a_glued_stop_ending_a_block_cut_without_spaces_still_cuts_before_an_ascii_block():
    """A run without spaces is cut into blocks at BLOCK_CHARS: when its last character is a "。" and the next block is
    ASCII, the next block's first token still starts a sentence (the glued search starts one character back, and so
    does the ASCII test that skips it)."""
    text = "字" * (BLOCK_CHARS - 1) + "。" + "abcdef" * 3000
    chunks = chunk_text(text, real_tokenizer(), chunk_tokens=200, overlap_tokens=0)
    assert any(c.end_char == BLOCK_CHARS and c.text.endswith("。") for c in chunks)  # else an _INSIDE cut 64 before it
    assert "".join(c.text for c in chunks) == text


def test_the_mark_class_is_every_combining_mark_and_needs_no_escaping():
    """`scripts.mark_class`, shared by `word_pattern` (BMP) and the chunker's mark runs (all planes), holds exactly the
    category M characters, none of which `re.escape` would change."""
    whole = re.compile(f"[{scripts.mark_class(sys.maxunicode + 1)}]")
    for cp in list(range(0x2F0, 0x3000)) + list(range(0xFE00, 0x10100)) + list(range(0x1E900, 0x1E960)):
        c = chr(cp)
        assert bool(whole.fullmatch(c)) == (cp >= 0x300 and unicodedata.category(c)[0] == "M"), hex(cp)
    assert all(re.escape(c) == c for c in scripts.mark_class(sys.maxunicode + 1) if c != "-")  # "-": a range
    assert chunker._mark_runs().pattern == f"[{scripts.mark_class(sys.maxunicode + 1)}\u200c\u200d]+"
    assert scripts.word_pattern().pattern == "(?:\\w|[" + scripts.mark_class(0x10000) + "])+"
