"""Round 53: .doc footnotes and endnotes read after the main text as a .docx's are (`[n]` where referenced, `[n] text`
at the end, numbered in reference order), and Word 6/95 (and older) files refused naming their format, never read as
garbage (loaders/worddoc.py). Documents written by tests/appliance/doc_build.py; content invented (CC0)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.worddoc import load_doc

from . import doc_build as db
from . import msg_build as mb

P = Path("/archive/notes.doc")
MAIN = "The lease ends in 2031\x02. Rent is reviewed yearly\x02.\r"


def _refs(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if c == "\x02"]


def test_footnotes_read_after_the_main_text():
    a, b = _refs(MAIN)
    d = load_doc(P, db.word_doc(MAIN, footnotes=[(a, "\x02 Clause 4.1 of the lease.\r"),
                                                 (b, "\x02 By the retail price index.\r")]))
    assert d.text == ("The lease ends in 2031[1]. Rent is reviewed yearly[2].\n\n[1] Clause 4.1 of the lease.\n\n"
                      "[2] By the retail price index.")
    assert not d.notes


def test_footnotes_and_endnotes_numbered_in_reference_order():
    text = "Start\x02 middle\x02 end\x02.\r"
    r = _refs(text)
    d = load_doc(P, db.word_doc(text, footnotes=[(r[0], "\x02 foot one\r"), (r[2], "\x02 foot two\r")],
                                endnotes=[(r[1], "\x02 the endnote\r")]))
    assert d.text == "Start[1] middle[2] end[3].\n\n[1] foot one\n\n[2] the endnote\n\n[3] foot two"


def test_a_note_holding_a_table_a_field_and_paragraphs():
    text = "See the schedule\x02.\r"
    note = "\x02 Schedule:\rA\x07B\x07" + db.ROW + "Total \x13 =SUM(ABOVE) \x1412\x15 boxes\r"
    d = load_doc(P, db.word_doc(text, footnotes=[(_refs(text)[0], note)]))
    assert d.text == "See the schedule[1].\n\n[1] Schedule: A | B Total 12 boxes"


def test_a_hidden_reference_drops_its_note():
    pieces = [db.Piece("Visible\x02 text"), db.Piece("\x02", hidden=True), db.Piece(".\r")]
    d = load_doc(P, db.word_doc(pieces, footnotes=[(7, "\x02 shown note\r"), (13, "\x02 hidden note\r")]))
    assert d.text == "Visible[1] text.\n\n[1] shown note"


def test_a_custom_mark_stays_and_an_empty_note_is_not_listed():
    text = "Signed*\x02.\r"
    d = load_doc(P, db.word_doc(text, footnotes=[(6, "* Witnessed by the clerk.\r"), (7, "\x02\r")]))
    assert d.text == "Signed*[1][2].\n\n[1] * Witnessed by the clerk."


def test_main_text_characters_like_the_sentinels_are_not_mistaken_for_references():
    text = "Odd \x03 bytes \x04 here\x02.\r"
    d = load_doc(P, db.word_doc(text, footnotes=[(_refs(text)[0], "\x02 the note\r")]))
    assert " ".join(d.text.split(" ")).split() == ["Odd", "bytes", "here[1].", "[1]", "the", "note"]


def test_a_note_table_missing_or_damaged_leaves_the_notes_out_with_a_note():
    d = load_doc(P, db.word_doc("Main text\x02.\r", after="\x02 The footnote text.\r"))  # no note tables
    assert d.text == "Main text." and d.notes[0].startswith("its footnotes or endnotes are not read: their tables")
    a, b = _refs(MAIN)
    word, tbl = db.word_stream_and_table([db.Piece(MAIN)], footnotes=[(a, "\x02 one\r"), (b, "\x02 two\r")])
    at = struct.unpack_from("<I", word, 0x9A + 8 * 3)[0]  # fcPlcffndTxt: make the notes go backwards
    bad = bytearray(tbl)
    struct.pack_into("<I", bad, at + 4, 10)
    struct.pack_into("<I", bad, at + 8, 5)
    for w, t in ((word, bytes(bad)), (word[:0x9A + 8 * 3] + struct.pack("<II", len(tbl), 99) + word[0x9A + 8 * 4:],
                                      tbl)):
        d = load_doc(P, mb.cfb([mb.Node("WordDocument", w), mb.Node("1Table", t)]))
        assert d.text == "The lease ends in 2031. Rent is reviewed yearly." and "footnotes or endnotes" in d.notes[0]


def test_many_references_to_one_long_note_cannot_multiply_its_text():
    text = "x\x02" * 3000 + "\r"
    notes = [(i, "\x02 n\r") for i in _refs(text)]
    d = load_doc(P, db.word_doc(text, footnotes=notes))
    assert d.text.count("[") == 6000 and len(d.text) < 60_000


def test_comments_and_text_boxes_are_still_not_read():
    word, tbl = db.word_stream_and_table([db.Piece("Body\r")], after="")
    w = bytearray(word)
    lw = 0x22 + 28 + 2  # (doc_build: csw 14, then cslw and the longs)
    struct.pack_into("<I", w, lw + 4 * 7, 5)  # ccpAtn
    d = load_doc(P, mb.cfb([mb.Node("WordDocument", bytes(w)), mb.Node("1Table", tbl)]))
    assert d.text == "Body" and d.notes == ("its comments and text boxes are not read (a .doc's main text and notes "
                                            "only: docs/ingest.md, Word 97-2003 documents)",)


def _word6_fib() -> bytes:
    """The start of a Word 6.0/95 WordDocument stream: wIdent 0xA5DC, nFib 0x65, then fcMin, fcMac and the rest of
    its FIB laid out as Word 6 wrote it (no csw/cslw arrays: read as Word 97's it gives nonsense)."""
    fib = struct.pack("<HHHHH", 0xA5DC, 0x65, 0x0065, 0x0409, 0) + struct.pack("<H", 0x0300) + b"\0" * 12
    fib += struct.pack("<II", 0x300, 0x340) + b"\0" * 0x2E0
    return fib + b"Old text in a Word 6 file.\r".ljust(0x100, b"\0")


@pytest.mark.parametrize("word", [_word6_fib(), db.word_stream_and_table([db.Piece("Word 95 text\r")], nfib=0x68)[0],
                                  db.word_stream_and_table([db.Piece("Word 6 text\r")], wident=0xA5DC,
                                                           nfib=0x65)[0]], ids=["word6-fib", "nfib-95", "ident-6"])
def test_word_6_and_95_refused_naming_the_format(word):
    raw = mb.cfb([mb.Node("WordDocument", word)])  # (Word 6/95 has no table stream)
    with pytest.raises(LoadError) as e:
        load_doc(P, raw)
    assert e.value.reason == "Word 6/95 document: save it as .docx"


@pytest.mark.parametrize("raw, reason", [
    (b"\xdb\xa5-\x00" + b"\x00" * 600, "Word for Windows 2.0 (or older) document: save it as .docx"),
    (b"\x9b\xa5!\x00" + b"\x00" * 600, "Word for Windows 2.0 (or older) document: save it as .docx"),
    (b"\x31\xbe\x00\x00\x00\xab" + b"\x00" * 600, "Word for DOS or Windows Write document: save it as .docx"),
    (b"\xfe\x37\x00\x23" + b"\x00" * 600, "Word for Macintosh 5 (or older) document: save it as .docx"),
])
def test_older_word_files_refused_naming_the_format(raw, reason, tmp_path):
    f = tmp_path / "old.doc"
    f.write_bytes(raw)
    with pytest.raises(LoadError) as e:
        load_file(f)
    assert e.value.reason == reason


def test_random_damage_to_notes_and_styles_gives_a_document_or_a_reason():
    stsh = db.style_sheet({0: (1, 0xFFF, b"", b""), 1: (1, 0, b"\x3c\x08\x01", b""), 10: (2, 0xFFF, b"", b""),
                           11: (2, 10, b"\x42\x2a\x08", b"")})
    text = "Main\x02 text\x02.\r"
    raw = db.word_doc([db.Piece(text), db.Piece("hidden para\r", istd=1),
                       db.Piece("white\r", props=struct.pack("<HH", 0x4A30, 11)), db.Piece("A\x07B\x07" + db.ROW)],
                      stsh=stsh, footnotes=[(4, "\x02 one\r")], endnotes=[(10, "\x02 two\r")], title="T")
    assert load_doc(P, raw).text.split("\n\n") == ["Main[1] text[2].", "A | B", "[1] one", "[2] two"]
    db.assert_damage_survived(raw, lambda b: load_doc(P, b), 53)
