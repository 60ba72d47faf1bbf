"""Round 53, reviewer rA's findings on the .doc and .rtf readers: a character outside the BMP (an emoji: two UTF-16
code units, two character positions) in a .doc no longer shifts every later position (worddoc.py `_decode`: hidden
text shown, visible text lost, tables misread); an RTF paragraph or run shaded with a pattern (`\\shadingN`,
`\\chshdngN`, the `\\bg...` words) is a background, so white text on it is kept (richtext.py, DOCX's rule). Documents
written by tests/appliance/doc_build.py or inline; content invented (CC0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.richtext import load_rtf
from ragtune.appliance.ingest.loaders.worddoc import _decode, load_doc

from . import doc_build as db

P = Path("/archive/emoji.doc")
E = "\ud83d\ude00"  # one emoji as Word stores it: two UTF-16 code units, two character positions


def test_an_emoji_before_hidden_text_shifts_nothing():
    pieces = [db.Piece("Smile " + E * 5 + " visible start ", compressed=False),
              db.Piece("SECRETPASSWORD", hidden=True), db.Piece(" visible end.\r")]
    d = load_doc(P, db.word_doc(pieces))
    assert d.text == "Smile " + "\U0001F600" * 5 + " visible start  visible end."  # (the spaces both sides kept)
    assert "SECRE" not in d.text and len(d.notes) == 1


def test_an_emoji_before_a_table_keeps_its_rows():
    text = ("Status " + E + "\r" + "Series\x07Retention\x07" + db.ROW + "Invoices\x07Seven years\x07" + db.ROW
            + "Done.\r")
    d = load_doc(P, db.word_doc([db.Piece(text, compressed=False)]))
    # (round 54, mend3: an unmarked table of two columns, short keys first: key/value lines)
    assert d.text == "Status \U0001F600\n\nSeries: Retention\nInvoices: Seven years\n\nDone."


def test_emoji_in_the_main_text_and_a_footnote():
    main = "Tip " + E + E + " here\x02 and " + E + " hidden next.\r"
    pieces = [db.Piece(main, compressed=False), db.Piece("NOT SHOWN", hidden=True), db.Piece("Shown.\r")]
    ref = main.index("\x02")
    d = load_doc(P, db.word_doc(pieces, footnotes=[(ref, "\x02 Note " + E + " text.\r")]))
    assert d.text == ("Tip \U0001F600\U0001F600 here[1] and \U0001F600 hidden next.\nShown.\n\n"
                      "[1] Note \U0001F600 text.")


def test_a_pair_split_over_two_pieces_is_one_character():
    pieces = [db.Piece("Split " + E[0], compressed=False), db.Piece(E[1] + " joined.\r", compressed=False)]
    assert load_doc(P, db.word_doc(pieces)).text == "Split \U0001F600 joined."


def test_a_lone_surrogate_is_a_replacement_character():
    d = load_doc(P, db.word_doc([db.Piece("Lone " + E[0] + " unit.\r", compressed=False)]))
    assert d.text == "Lone \ufffd unit."
    d.text.encode("utf-8")  # storable


@pytest.mark.parametrize("text", ["plain ascii", "Ünïcödé €", E, "a" + E + "b" + E[1] + E[0], ""])
def test_decode_is_one_character_per_code_unit(text: str):
    data = text.encode("utf-16-le", "surrogatepass")
    assert _decode(data, 2) == text and len(_decode(data, 2)) == len(data) // 2


# -- RTF: pattern shading is a background ----------------------------------------------------------------------------
COLOURS = rb"{\colortbl;\red255\green255\blue255;\red0\green0\blue128;}"


def _rtf(body: bytes) -> bytes:
    return rb"{\rtf1\ansi" + COLOURS + rb"\pard Intro.\par" + body + b"}"


@pytest.mark.parametrize("body", [
    rb"\pard\shading10000\cfpat2 {\cf1 White on navy.}\par",  # a solid pattern on the paragraph
    rb"\pard\shading2500\cfpat2\cbpat1 {\cf1 White on navy.}\par",  # a 25% pattern over a white fill
    rb"\pard\bgdkcross\cfpat2 {\cf1 White on navy.}\par",  # a named pattern
    rb"\pard {\chshdng10000\chcfpat2\cf1 White on navy.}\par",  # on the run
    rb"\pard {\chshdng10000\chcfpat2\chcbpat1\cf1 White on navy.}\par",  # over a white fill, judged before
    rb"\pard {\chbgdkhoriz\chcfpat2\cf1 White on navy.}\par",
])
def test_white_text_on_a_pattern_is_kept(body: bytes):
    d = load_rtf(Path("shaded.rtf"), _rtf(body))
    assert d.text == "Intro.\n\nWhite on navy." and not d.notes


@pytest.mark.parametrize("body", [
    rb"\pard\shading10000\cfpat2 Shaded.\par\pard {\cf1 White on the page.}\par",  # \pard ends the pattern
    rb"\pard {\chshdng10000\chcfpat2 Shaded.\plain\cf1 White on the page.}\par",  # \plain ends the run's
    rb"\pard\shading0\cfpat2 {\cf1 White on the page.}\par",  # no pattern: the colour alone paints nothing
    rb"\pard {\chshdng0\chcfpat2\cf1 White on the page.}\par",
])
def test_white_text_without_a_pattern_is_still_left_out(body: bytes):
    d = load_rtf(Path("plain.rtf"), _rtf(body))
    assert "White" not in d.text and len(d.notes) == 1
