"""Round 50: `scripts.mark_class` reads the Unicode database once for every class asked (it walked from U+0300 for
each: the BMP's for `word_pattern`, all of Unicode for the chunker), with the same classes as before."""

from __future__ import annotations

import random
import sys
import unicodedata

from ragtune.appliance import scripts


def _walk(stop: int) -> str:
    """mark_class as it was before round 50: its own walk from U+0300 to `stop`."""
    marks, start = [], None
    for cp in range(0x300, stop + 1):
        is_mark = cp < stop and unicodedata.category(chr(cp))[0] == "M"
        if is_mark and start is None:
            start = cp
        elif not is_mark and start is not None:
            marks.append(f"{chr(start)}-{chr(cp - 1)}" if cp - 1 > start else chr(start))
            start = None
    return "".join(marks)


def test_classes_are_those_of_a_walk_each(monkeypatch):
    rng = random.Random(50)
    stops = [0x301, 0x36F, 0x370, 0x483, 0x10000, sys.maxunicode + 1] + [rng.randrange(0x300, 0x20000) for _ in range(8)]
    rng.shuffle(stops)
    monkeypatch.setattr(scripts, "_MARKS", scripts._MarkWalk())  # a fresh walk, asked in any order
    for stop in stops:
        assert scripts.mark_class.__wrapped__(stop) == _walk(stop), hex(stop)


def test_each_code_point_is_read_once(monkeypatch):
    seen: list[int] = []

    class Counting:
        @staticmethod
        def category(c: str) -> str:
            seen.append(ord(c))
            return unicodedata.category(c)

    monkeypatch.setattr(scripts, "_MARKS", scripts._MarkWalk())
    monkeypatch.setattr(scripts, "unicodedata", Counting)
    for stop in (0x10000, sys.maxunicode + 1, 0x10000, 0x2000):
        scripts.mark_class.__wrapped__(stop)
    assert len(seen) == len(set(seen)) == sys.maxunicode + 1 - 0x300  # was 0x10000 - 0x300 more


def test_word_pattern_reads_words_with_their_marks():
    words = scripts.word_pattern().findall("कर्मचारियों को ឆ្នាំ café e\u0301t\u00e9 ok")
    assert words == ["कर्मचारियों", "को", "ឆ្នាំ", "café", "e\u0301t\u00e9", "ok"]
