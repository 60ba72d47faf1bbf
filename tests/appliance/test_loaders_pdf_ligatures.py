"""PDF: TeX's T1 (Cork) ligatures at codes 27-31 (ff, fi, fl, ffi, ffl) in a font without a ToUnicode map are read
as their letters where the evidence is strong (a T1 font on the page, or the code between two letters); any other
control code there is dropped as before ("staff meeting" was stored as "sta meeting")."""

from __future__ import annotations

import io

import pytest

from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.ingest.loaders.pdf import t1_ligatures

_T1_TEXT = "The sta\x1b meeting: o\x1ece \x1cnal \x1dow, e\x1bect, ba\x1fe, \x1dying \x1ex."
_READ = "The staff meeting: office final flow, effect, baffle, flying ffix."


def _pdf(text: str, *fonts: dict, shown_in: int = 0) -> bytes:
    """A one-page PDF showing `text` (latin-1 bytes, ESC and all) in the font `fonts[shown_in]`; every one of `fonts`
    (extra entries of a /Type1 font dictionary: /BaseFont, /Encoding, ...) is in the page's resources."""
    import pypdf
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject,
                               TextStringObject)

    def obj(v):
        if isinstance(v, dict):
            return DictionaryObject({NameObject(k): obj(x) for k, x in v.items()})
        if isinstance(v, list):
            return ArrayObject(obj(x) for x in v)
        if isinstance(v, int):
            return NumberObject(v)
        return NameObject(v) if v.startswith("/") else TextStringObject(v)

    w = pypdf.PdfWriter()
    page = w.add_blank_page(612, 792)
    refs = {}
    for i, extra in enumerate(fonts or ({"/BaseFont": "/Helvetica"},)):
        refs[NameObject(f"/F{i}")] = w._add_object(obj({"/Type": "/Font", "/Subtype": "/Type1", **extra}))
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(refs)})
    cs = DecodedStreamObject()
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    cs.set_data(f"BT /F{shown_in} 12 Tf 72 712 Td ({safe}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = w._add_object(cs)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _text(tmp_path, raw: bytes) -> str:
    p = tmp_path / "t.pdf"
    p.write_bytes(raw)
    return load_file(p).text


@pytest.mark.parametrize("font", [
    {"/BaseFont": "/SFRM1000"},  # cm-super, not embedded
    {"/BaseFont": "/ABCDEF+ECRM1000"},  # an EC font, subset
    {"/BaseFont": "/ecbx1200"},
    {"/BaseFont": "/XYZABC+Foo", "/FontDescriptor": {"/Type": "/FontDescriptor", "/FontName": "/XYZABC+SFBX1200"}},
    {"/BaseFont": "/Gentium-T1"},
    {"/BaseFont": "/Whatever", "/Encoding": "/T1Encoding"},  # an encoding name pypdf does not know
    {"/BaseFont": "/Whatever", "/Encoding": {"/BaseEncoding": "/CorkEncoding", "/Differences": [65, "/A"]}},
])
def test_t1_ligatures_next_to_a_letter_are_read_in_a_t1_font(tmp_path, font):
    assert _text(tmp_path, _pdf(_T1_TEXT, font)) == _READ


def test_a_t1_page_still_drops_an_esc_that_touches_no_letter(tmp_path):
    raw = _pdf("Alpha \x1b Bravo \x1b]0;title and sta\x1b meeting \x1b[31mred.", {"/BaseFont": "/SFRM1000"})
    assert _text(tmp_path, raw) == "Alpha  Bravo ]0;title and staff meeting [31mred."


def test_without_t1_evidence_only_codes_between_letters_are_read(tmp_path):
    """Helvetica says nothing of T1: "o\\x1eice" (between letters) is a ligature, "sta\\x1b meeting" stays
    "sta meeting" (an ESC before a space may be a real one), "\\x1cnal" at a word's start loses its code."""
    assert _text(tmp_path, _pdf(_T1_TEXT)) == "The sta meeting: office nal ow, effect, baffle, ying x."
    assert _text(tmp_path, _pdf("Alpha\x1b Bravo charlie. sta\x1b meeting, \x1bDelta \x1b]0;echo.")) == \
        "Alpha Bravo charlie. sta meeting, Delta ]0;echo."


@pytest.mark.parametrize("fonts, shown_in", [
    (({"/BaseFont": "/CMR10"},), 0),  # OT1: code 27 is "œ", not "ff"
    (({"/BaseFont": "/SFRM1000"}, {"/BaseFont": "/ABCDEF+CMMI10"}), 0),  # math on the page: Greek at those codes
])
def test_a_page_with_a_computer_modern_font_reads_no_ligature(tmp_path, fonts, shown_in):
    assert _text(tmp_path, _pdf("c\x1bur and sta\x1b meeting", *fonts, shown_in=shown_in)) == "cur and sta meeting"


def test_fonts_that_name_the_codes_or_map_them_are_not_evidence(tmp_path):
    """A font whose /Encoding names codes 27-31 (pypdf reads them by glyph name) or that has a ToUnicode map gives no
    raw code: it is no evidence either way, so a T1-named one does not make another font's ESC a ligature."""
    named = {"/BaseFont": "/SFRM1000", "/Encoding": {"/Differences": [27, "/ff", "/fi", "/fl", "/ffi", "/ffl"]}}
    assert _text(tmp_path, _pdf(_T1_TEXT, named)) == _READ  # pypdf's own "ﬀ", spelled out by clean_text
    helv = {"/BaseFont": "/Helvetica"}
    assert _text(tmp_path, _pdf("sta\x1b meeting", helv, named)) == "sta meeting"


def test_t1_ligatures_leave_text_without_those_codes_alone():
    assert t1_ligatures("plain text", object()) == "plain text"  # the page is not even looked at
    assert t1_ligatures("a\x1bb", {}) == "a\x1bb"  # a page without fonts: no evidence
