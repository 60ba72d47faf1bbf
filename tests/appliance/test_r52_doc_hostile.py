"""Round 52: damaged and hostile Word 97-2003 files (loaders/worddoc.py): every offset and length the FIB, the piece
table and the formatting pages give is checked against its stream; the outcome is a Document or a one-line
"damaged DOC: …" reason, never a traceback, a hang or an allocation larger than the file."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.worddoc import load_doc

from . import doc_build as db
from . import msg_build as mb

P = Path("/records/old.doc")
_PAIRS = 154  # FibRgFcLcb97 in the FIB doc_build writes (csw 14, cslw 22)


def _fib(word: bytes, **pairs: tuple[int, int]) -> bytearray:
    w = bytearray(word)
    for name, (fc, lcb) in pairs.items():
        struct.pack_into("<II", w, _PAIRS + 8 * {"clx": 33, "chpx": 12, "papx": 13}[name], fc, lcb)
    return w


def _doc(word: bytes, tbl: bytes, ccp: int | None = None) -> bytes:
    if ccp is not None:
        word = bytearray(word)
        struct.pack_into("<I", word, 0x4C, ccp)
    return mb.cfb([mb.Node("WordDocument", bytes(word)), mb.Node("1Table", tbl)])


def _clx(cps: list[int], fcs: list[int]) -> bytes:
    plc = struct.pack(f"<{len(cps)}I", *cps) + b"".join(struct.pack("<HIH", 0, fc, 0) for fc in fcs)
    return b"\x02" + struct.pack("<I", len(plc)) + plc


def _reason(raw: bytes) -> str:
    with pytest.raises(LoadError) as e:
        load_doc(P, raw)
    return e.value.reason


def _base() -> tuple[bytes, bytes]:
    return db.word_stream_and_table([db.Piece("The files of 1994 are in box 12.\r")], prc=False)


def test_piece_past_the_stream():
    word, _ = _base()
    clx = _clx([0, 40], [(len(word) - 10) * 2 | 0x40000000])
    r = _reason(_doc(_fib(word, clx=(0, len(clx)), chpx=(0, 0), papx=(0, 0)), clx, 40))
    assert r.startswith("damaged DOC: a piece of text (40 bytes at ") and "lies past the end" in r


def test_positions_going_backwards():
    word, _ = _base()
    clx = _clx([0, 30, 10], [1024 * 2 | 0x40000000, 1030 * 2 | 0x40000000])
    assert _reason(_doc(_fib(word, clx=(0, len(clx))), clx, 30)) == \
        "damaged DOC: the piece table's character positions go backwards"


def test_pieces_sharing_bytes_cannot_multiply_the_text():
    word, _ = _base()
    n = 20_000  # each piece the same 30 characters: 600,000 characters from a file of a few KB
    clx = _clx([30 * i for i in range(n + 1)], [1024 * 2 | 0x40000000] * n)
    t = time.perf_counter()
    r = _reason(_doc(_fib(word, clx=(0, len(clx)), chpx=(0, 0), papx=(0, 0)), clx, 30 * n))
    assert r.startswith("damaged DOC: the piece table claims over ") and time.perf_counter() - t < 5


def test_text_count_beyond_the_pieces():
    word, tbl = _base()
    assert _reason(_doc(word, tbl, 5000)) == "damaged DOC: the piece table holds 33 of the document's 5,000 characters"


@pytest.mark.parametrize("clx, why", [
    (b"", "no piece table (Clx)"),
    (b"\x01\xff\xff\x00", "a negative property size in the piece table (Clx)"),
    (b"\x01\x05\x00abcde\x07", "no piece descriptors (Pcdt) in the piece table (Clx)"),
    (b"\x02\xff\xff\xff\x7f" + b"\0" * 16, "the piece descriptors (PlcPcd) (2,147,483,647 bytes at 5) lies past"),
    (b"\x02\x07\x00\x00\x00" + b"\0" * 7, "a piece table of 7 bytes (not 4 + 12 per piece)"),
])
def test_broken_clx(clx, why):
    word, _ = _base()
    tbl = clx + b"\0" * 8
    assert why in _reason(_doc(_fib(word, clx=(0, len(clx)), chpx=(0, 0), papx=(0, 0)), tbl))


def test_clx_claims_more_than_the_table_stream():
    word, tbl = _base()
    assert "lies past the end of its" in _reason(_doc(_fib(word, clx=(0, 0x7FFFFFF0)), tbl))


def test_formatting_pages_out_of_the_stream_or_overfull():
    word, tbl = _base()
    bad = bytearray(tbl)
    at = struct.unpack_from("<I", word, _PAIRS + 8 * 12)[0]
    struct.pack_into("<I", bad, at + 8, 0x3FFFFF)  # the page number
    assert "a formatting page (FKP)" in _reason(_doc(word, bytes(bad)))
    pn = struct.unpack_from("<I", tbl, at + 8)[0]
    w = bytearray(word)
    w[pn * 512 + 511] = 255
    assert _reason(_doc(bytes(w), tbl)) == "damaged DOC: a formatting page (FKP) claims more runs than it holds"


def test_fib_damage():
    word, tbl = _base()
    assert _reason(_doc(b"\0" * 1024, tbl)).startswith("damaged DOC: no Word file information block (FIB)")
    w = bytearray(word)
    struct.pack_into("<H", w, 0x20, 0xFFFF)  # csw: past the stream
    assert _reason(_doc(bytes(w), tbl)) == "damaged DOC: the FIB is cut short"
    assert _reason(mb.cfb([mb.Node("WordDocument", word)])) == "damaged DOC: no 1Table stream"


def test_cut_short_and_loops_in_the_compound_file():
    raw = db.word_doc("x" * 6000 + "\r")
    assert _reason(raw[:len(raw) // 2]).startswith("damaged DOC: ")


def test_fields_nested_deep_and_never_closed():
    d = load_doc(P, db.word_doc("Start " + "\x13 IF \x14" * 50_000 + "kept" + "\x15" * 10 + "\r"))
    assert d.text == "Start kept"
    d = load_doc(P, db.word_doc("Before \x13 INCLUDETEXT \"c:\\\\x.doc\" never closed\r"))
    assert d.text == "Before"


def test_random_damage_gives_a_document_or_a_reason():
    raw = db.word_doc([db.Piece("Register of deeds \x13 REF x \x14kept\x15\r"),
                       db.Piece("\u00e9t\u00e9", compressed=False),
                       db.Piece("hidden", hidden=True), db.Piece("A\x07B\x07" + db.ROW)], title="Deeds")
    db.assert_damage_survived(raw, lambda b: load_doc(P, b), 52)
