"""Loaders, base: what bytes count as text. NULs past the sampled head, UTF-16 without a byte-order mark, binaries
that must stay refused, and the one list of invisible characters shared with question cleaning."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest

from ragtune.appliance import normalize
from ragtune.appliance.ingest.loaders import LoadError, load_file
from ragtune.appliance.ingest.loaders import base

_TEXT = "Quarterly report — café prices rose 3%.\r\nSecond line\twith a tab and “quotes”.\r\n" * 150


def _load(tmp_path, name, raw):
    p = tmp_path / name
    p.write_bytes(raw)
    return load_file(p)


def _log(n_bytes: int) -> bytes:
    lines = "".join(f"2026-12-05 10:{i % 60:02d} service ok request {i}\n" for i in range(n_bytes // 30 + 1))
    return lines.encode()[:n_bytes]


# -- 1. a NUL past the first 8 KB ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["app.log.txt", "notes.md", "page.html"])
def test_a_nul_past_the_sample_separates_words(tmp_path, name):
    """QA: only the first 8 KB were checked for NUL; one further on was dropped by the control clean-up and glued
    "alpha\\0beta" into "alphabeta", a word no search finds. A crashed writer's log (a block of NULs where the file
    system had not written) is text: each run of NULs reads as one space."""
    raw = _log(9000) + b"\nalpha\x00beta and gamma" + b"\x00" * 4096 + b"delta\n"
    text = _load(tmp_path, name, raw).text
    assert "alpha beta" in text and "gamma delta" in text and "\x00" not in text
    assert "alphabeta" not in text and "gammadelta" not in text


@pytest.mark.parametrize("name", ["blob.txt", "blob.md", "blob.html"])
def test_a_binary_with_a_text_header_is_still_refused(tmp_path, name):
    """A text header longer than the sample does not make the rest text: bytes that are not UTF-8 after NULs, or a
    tail of control bytes, are a binary file (not "not UTF-8 text at line 300")."""
    rnd = random.Random(5)
    with pytest.raises(LoadError, match="^binary file$"):
        _load(tmp_path, name, _log(9000) + b"\x00\x01\x02\x03" + rnd.randbytes(20_000))
    with pytest.raises(LoadError, match="^binary file$"):
        _load(tmp_path, name, _log(9000) + bytes(rnd.randrange(1, 32) for _ in range(20_000)))


def test_looks_binary_counts_controls_over_the_whole_file():
    assert base.looks_binary(_log(9000) + bytes(range(1, 32)) * 1000)
    assert not base.looks_binary(_log(9000) + b"\x00" * 50_000 + _log(2000))  # NUL padding is not a control share
    assert base.looks_binary(b"abc\x00def")  # in the head it still is


# -- 2. UTF-16 without a byte-order mark -----------------------------------------------------------------------------
@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name", ["export.txt", "export.md", "export.html"])
def test_utf16_without_a_bom_is_read(tmp_path, enc, name):
    """QA: some Windows exports (SQL Server's bcp -w, .NET's Encoding.Unicode) write UTF-16 with no byte-order
    mark; every other byte is NUL, so the file was refused as "binary file"."""
    d = _load(tmp_path, name, _TEXT.encode(enc))
    words = " ".join(d.text.split())  # HTML shows source line breaks as spaces
    assert words.startswith("Quarterly report — café prices rose 3%. Second line with a tab and “quotes”. Quarterly")
    assert "\x00" not in d.text
    assert base.decode_utf16_unmarked("hi\n".encode(enc)) == "hi\n"  # a short file too


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data.bin", random.Random(2).randbytes(30_000))
    return buf.getvalue()


_RND = random.Random(1)
_BINARIES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _RND.randbytes(20_000),
    "png-even": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00" + _RND.randbytes(20_000),
    "zip": _zip(),
    # 16-bit samples under 256: one byte of each pair NUL, as in UTF-16, but they decode to control characters
    "int16-le": struct.pack("<8000H", *(_RND.randrange(256) for _ in range(8000))),
    "int16-be": struct.pack(">8000H", *(_RND.randrange(256) for _ in range(8000))),
    # NULs in both bytes of a pair (a record file): no lane is text
    "records": b"".join(struct.pack("<IIH", i, i * 7, i % 300) for i in range(3000)),
}


@pytest.mark.parametrize("kind", sorted(_BINARIES))
def test_real_binaries_stay_refused(tmp_path, kind):
    raw = _BINARIES[kind]
    assert base.decode_utf16_unmarked(raw) is None
    with pytest.raises(LoadError, match="^binary file$"):
        _load(tmp_path, f"{kind}.txt", raw)


def test_utf16_evidence_must_be_strong():
    le = _TEXT.encode("utf-16-le")
    assert base.decode_utf16_unmarked(le + b"x") is None  # odd length: not UTF-16
    assert base.decode_utf16_unmarked(le[:100] + b"\x00\xd8" + le[100:]) is None  # a lone surrogate
    # Cyrillic has few NULs in either byte: read since round 39 as text in one script (test_loaders_edge39.py)
    cyrillic = "Привет мир, это тест.\n" * 100
    assert base.decode_utf16_unmarked(cyrillic.encode("utf-16-le")) == cyrillic
    assert base.decode_utf16_unmarked(cyrillic.encode("cp1251")) is None  # its legacy code page is not UTF-16


# -- 4. the invisible characters, one list --------------------------------------------------------------------------
def test_documents_and_questions_drop_the_same_invisible_characters():
    """Twin: the list was written twice (loaders/base.py and normalize.py); the loader now takes normalize's."""
    assert base.INVISIBLE is normalize.INVISIBLE
    for ch in normalize.INVISIBLE:
        assert base.clean_text(f"war{ch}ranty") == "warranty"
        assert normalize.clean_text(f"war{ch}ranty") == "warranty"
    assert base.clean_text("ﬁnance ﬂow") == "finance flow"  # the ligatures stay the loader's own
