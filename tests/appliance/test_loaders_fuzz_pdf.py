"""The document loaders' mutation fuzzer (test_loaders_fuzz.py: the oracle and the loop) over PDFs: small valid
seeds (one page, pages with headers, footers, an image and columns, a /ToUnicode CMap with compressed content, a
two-byte Type0 font, an encrypted file), mutated by byte-level edits with PDF tokens and content-stream operators,
and by structural ones (truncated xref, wrong numbers, references, names, hex strings and stream lengths, odd
content-stream operators). Crashes found by the fuzzer are kept below as fixed regression cases."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import Document, LoadError
from tests.appliance.test_loaders_fuzz import check_load, fuzz_kind
from tests.fuzzing import Mutant, edit_bytes, replace_one, stack

from .ingest_helpers import pdf_bytes, pdf_pages_bytes

COUNT = 1000  # mutants


# -- seeds ----------------------------------------------------------------------------------------
def _pdf_unicode_flate() -> bytes:
    """A PDF with a /ToUnicode CMap (bfchar and bfrange), a compressed content stream, TJ arrays, Tm and ' / "."""
    import pypdf
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    n = NameObject
    w = pypdf.PdfWriter()
    page = w.add_blank_page(612, 792)
    cmap = DecodedStreamObject()
    cmap.set_data(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def /CMapType 2 def\n"
                  b"1 begincodespacerange <00> <FF> endcodespacerange\n"
                  b"1 beginbfrange <20> <7E> <0020> endbfrange\n"
                  b"2 beginbfchar <24> <00E9> <26> <FB01> endbfchar\n"
                  b"endcmap CMapName currentdict /CMap defineresource pop end end")
    font = DictionaryObject({n("/Type"): n("/Font"), n("/Subtype"): n("/Type1"), n("/BaseFont"): n("/Helvetica"),
                             n("/FirstChar"): NumberObject(32), n("/LastChar"): NumberObject(126),
                             n("/Widths"): ArrayObject([NumberObject(500)] * 95),
                             n("/ToUnicode"): w._add_object(cmap)})
    page[n("/Resources")] = DictionaryObject({n("/Font"): DictionaryObject({n("/F1"): w._add_object(font)})})
    cs = DecodedStreamObject()
    cs.set_data(b"BT /F1 11 Tf 1 0 0 1 72 720 Tm [(Caf$ ) -250 (menu &ne)] TJ 14 TL (next line here) ' "
                b"1 2 (spaced words) \" ET\nq 1 0 0 1 0 -40 cm BT /F1 9 Tf 72 600 Td <48656C6C6F> Tj ET Q")
    page[n("/Contents")] = w._add_object(cs)
    page.compress_content_streams()
    w.add_metadata({"/Title": "Unicode \u00e9 title", "/ModDate": "D:20190101"})
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _pdf_type0_columns(*, encrypt: bool = False) -> bytes:
    """Two columns stored line by line interleaved (pdf_layout puts them in order) in a two-byte Type0 font with /W
    widths; or (`encrypt`) a small page encrypted with an empty user password (it opens without one)."""
    import pypdf
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    n = NameObject
    w = pypdf.PdfWriter()
    page = w.add_blank_page(612, 792)
    cid = DictionaryObject({n("/Type"): n("/Font"), n("/Subtype"): n("/CIDFontType2"), n("/BaseFont"): n("/Arial"),
                            n("/DW"): NumberObject(1000), n("/W"): ArrayObject(
                                [NumberObject(32), ArrayObject([NumberObject(278)] * 3), NumberObject(36),
                                 NumberObject(126), NumberObject(500)])})
    font = DictionaryObject({n("/Type"): n("/Font"), n("/Subtype"): n("/Type0"), n("/BaseFont"): n("/Arial"),
                             n("/Encoding"): n("/Identity-H"), n("/DescendantFonts"): ArrayObject([cid])})
    page[n("/Resources")] = DictionaryObject({n("/Font"): DictionaryObject({n("/F1"): w._add_object(font)})})
    words = "ferry timetable harbour pier rain valley farmers storm bridge market".split()
    lines = [(72 if i % 2 == 0 else 320, 700 - 14 * (i // 2), " ".join(words[i % 10:] + words[:i % 10])[:40])
             for i in range(12 if not encrypt else 2)]
    cs = DecodedStreamObject()
    cs.set_data("\n".join(f"BT /F1 10 Tf {x} {y} Td <{''.join(f'00{ord(c):02x}' for c in t)}> Tj ET"
                          for x, y, t in lines).encode())
    page[n("/Contents")] = w._add_object(cs)
    if encrypt:
        from unittest import mock

        with mock.patch("secrets.token_bytes", lambda k: b"\x07" * k):  # the file id: fixed, so mutants repeat
            w.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _pdf_seeds() -> list[bytes]:
    lines = [f"Column text line {i} about ferries and the harbour timetable" for i in range(8)]
    columns = [(72 if i % 2 == 0 else 320, 700 - 14 * (i // 2), t) for i, t in enumerate(lines)]
    pages = [["Annual report", "Page 1 of 3 body text about revenue.", "Footer line"],
             ["Annual report", "Second page with a hyphen-", "ated word.", "Footer line"],
             columns, ["Annual report", "Third page.", "Footer line"]]
    return [pdf_bytes(), pdf_pages_bytes(pages, image_pages=1), _pdf_unicode_flate(), _pdf_type0_columns(),
            _pdf_type0_columns(encrypt=True)]


# -- byte-level mutations: PDF tokens, and content-stream operators, odd or wrong, put into a stream (pdf_layout's
# Recorder sees every one) ---------------------------------------------------------------------------------------
_PDF_TOKENS = [b"obj", b"endobj", b"stream\n", b"endstream", b"xref", b"trailer", b"startxref", b"%%EOF", b"<<",
               b">>", b"[", b"]", b"(", b")", b"\\", b"<", b">", b"/", b" R", b"0 0 R", b"99 0 R", b"-1", b"1e308",
               b"%PDF-1.7", b"/Encrypt", b"/Filter /FlateDecode", b"/Length 0", b"/Type /Pages", b"/Kids [3 0 R]",
               b"/Parent 3 0 R"]
_PDF_OPS = [b"BT", b"ET", b"/F1 12 Tf", b"/F9 12 Tf", b"1 0 0 1 0 0 Tm", b"0 0 0 0 0 0 cm", b"1e38 0 0 1e38 0 0 cm",
            b"[(a) -999999 (b)] TJ", b"(x) '", b"1 2 (x) \"", b"q", b"Q Q Q", b"/Im1 Do", b"/X Do", b"() Tj", b"<> Tj",
            b"Tj", b"TJ", b"Tf", b"0 Tz", b"-100 Tc", b"<D800>", b"<DC00>", b"<0000>"]


def byte_mutation(rng: random.Random, b: bytes) -> Mutant:
    return edit_bytes(rng, b, _PDF_TOKENS + _PDF_OPS)


# -- PDF-aware mutations --------------------------------------------------------------------------
_NUMBER = re.compile(rb"(?<![\w./#])-?\d+(?:\.\d+)?(?![\w.])")
_HEX = re.compile(rb"<[0-9A-Fa-f\s]*>")
_NAME = re.compile(rb"/[A-Za-z0-9]+")
_REF = re.compile(rb"\b\d+ \d+ R\b")
_KEYWORD = re.compile(rb"\b(?:endobj|endstream|obj|stream|trailer|xref|startxref|%%EOF)\b")


_HEXES = [b"<>", b"<0>", b"<0000>", b"<D800>", b"<DC00>", b"<DBFF>", b"<D83DDE00>", b"<DE00D83D>", b"<FFFF>",
          b"<FEFF>", b"<FEFFD800>", b"<001B>", b"<0085>", b"<00410000>", b"<FFFFFFFF>"]


def pdf_mutation(rng: random.Random, b: bytes) -> Mutant:
    op = rng.choice(["number", "number", "hex", "name", "ref", "xref", "length", "keyword", "stream-op"])
    names = [m.group(0) for m in _NAME.finditer(b)] or [b"/X"]
    r = None
    if op == "number":
        r = replace_one(rng, b, _NUMBER, lambda s: rng.choice(
            [b"0", b"-1", b"1", b"2147483648", b"9223372036854775808", b"1" + b"0" * 30, b"999999", b"-0", b"1e308",
             b"3.4.5", b"--1", str(int(float(s)) + rng.choice([-1, 1])).encode()]))
    elif op == "hex":
        r = replace_one(rng, b, _HEX, lambda s: rng.choice(_HEXES) if rng.random() < 0.5 else b"<" + bytes(
            rng.choice(b"0123456789ABCDEFdz ") for _ in range(rng.randint(0, 9))) + b">")
    elif op == "name":
        r = replace_one(rng, b, _NAME, lambda s: rng.choice(names + [b"/", b"/#00", b"/Type3", b"/Type0"]))
    elif op == "ref":
        r = replace_one(rng, b, _REF, lambda s: rng.choice([b"0 0 R", b"99 0 R", b"1 0 R", b"2 0 R", b"3 0 R",
                                                              b"4 0 R", b"5 0 R", b"6 0 R", b"-3 0 R", b"3 9 R"]))
    elif op == "xref":
        x, s = b.rfind(b"xref"), b.rfind(b"startxref")
        how = rng.choice(["cut-in-xref", "drop-xref", "startxref-number", "cut-after-startxref"])
        if how == "cut-in-xref" and x >= 0:
            return b[:rng.randrange(x, len(b))], how
        if how == "drop-xref" and 0 <= x < s:
            return b[:x] + b[s:], how
        if how == "startxref-number" and s >= 0:
            return b[:s] + b"startxref\n" + rng.choice([b"0", b"-5", b"99999999", b"12", b"abc"]) + b"\n%%EOF\n", how
        return (b[:s + 10] if s >= 0 else b[: len(b) // 2]), "cut-after-startxref"
    elif op == "length":
        r = replace_one(rng, b, re.compile(rb"/Length \d+"), lambda s: b"/Length " + rng.choice(
            [b"0", b"1", b"-1", b"99999999", b"5 0 R", b"/X", b"3"]))
    elif op == "keyword":
        r = replace_one(rng, b, _KEYWORD, lambda s: rng.choice([b"", s + b" " + s, s[:-1]]))
    else:
        spots = [m.end() for m in re.finditer(rb"stream\r?\n", b)] or [len(b) // 2]
        tok = rng.choice(_PDF_OPS)
        k = rng.choice(spots) + rng.randrange(40)
        return b[:k] + b" " + tok + b" " + b[k:], f"stream-op{tok[:20]!r}@{k}"
    return r if r is not None else byte_mutation(rng, b)


def mutate(rng: random.Random, b: bytes) -> Mutant:
    """1 to 3 edits stacked, each a structural one 60% of the time."""
    return stack(rng, b, byte_mutation, pdf_mutation, 0.6)


def test_pdf_mutants_load_or_fail_with_a_reason():
    fuzz_kind("pdf", _pdf_seeds(), mutate, COUNT)


# -- crashes the fuzzer found, kept as fixed cases --------------------------------------------------
@pytest.mark.parametrize("mapped, shown", [(b"<D800>", "Caf\ufffd menu"), (b"<DBFF>", "Caf\ufffd menu"),
                                           (b"<FEFFD800>", "Caf\ufffd menu"), (b"<D83DDE00>", "Caf\U0001f600 menu")])
def test_pdf_tounicode_map_to_a_lone_surrogate_gives_a_replacement_character(mapped, shown):
    """Fuzz (4 of the 1 000 PDF mutants above, before the fix): a /ToUnicode entry (or a two-byte font's hex
    string, read as UTF-16) mapping a glyph to half a surrogate pair put a lone surrogate in the text (storing it
    failed). It is U+FFFD now; a whole pair is still its character."""
    raw = _pdf_unicode_flate()
    assert b"<00E9>" in raw
    got = check_load("pdf", raw.replace(b"<00E9>", mapped))
    assert isinstance(got, Document) and got.text.startswith(shown)


def test_pdf_tounicode_range_of_reversed_surrogate_pairs():
    """Fuzz (an exploration run): a bfrange starting at <DE00D83D> maps every glyph to a low then a high
    surrogate: the first and last are lone (U+FFFD), the ones between pair up across glyphs (garbage, but text)."""
    got = check_load("pdf", _pdf_unicode_flate().replace(b"<0020>", b"<DE00D83D>"))
    assert isinstance(got, Document) and got.text.startswith("\ufffd")


def test_pdf_reasons_quote_damaged_bytes_escaped_and_name_objects_the_same_every_run():
    """Fuzz (an exploration run): pypdf's message quoted a filter name holding a control character, which went into
    the reason as it was; and a loop's message named the object with its id(): a reason that changed every run."""
    raw = _pdf_unicode_flate()
    got = check_load("pdf", raw.replace(b"/FlateDecode", b"/FlateDec\x10ode", 1))
    assert isinstance(got, LoadError) and got.reason == "corrupt PDF: Unsupported filter /FlateDec\\x10ode"
    looped = pdf_bytes().replace(b"/Length 74", b"/Length /X")
    first, again = check_load("pdf", looped), check_load("pdf", looped)
    assert isinstance(first, LoadError) and first.reason == again.reason
    assert first.reason == "corrupt PDF: Detected loop with self reference for 6 0 R."


def test_pdf_errors_pypdf_logs_are_not_printed(tmp_path):
    """Review while fuzzing (the fuzz run printed them): pypdf logs some damage at ERROR level, and with no handler
    configured logging printed it on stderr, the file's bytes in it (a font encoding named /X#1B#5B2J: ESC[2J
    clears the terminal). A fresh process, as the CLI: nothing on stderr."""
    import subprocess
    import sys

    p = tmp_path / "font.pdf"
    p.write_bytes(pdf_bytes().replace(b"/BaseFont /Helvetica", b"/BaseFont /Helvetica /Encoding /X#1B#5B2J", 1))
    code = ("import sys; from pathlib import Path; from ragtune.appliance.ingest.loaders import load_file; "
            "print(load_file(Path(sys.argv[1])).text)")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0 and out.stdout.strip() == "The quarterly report covers revenue growth."
    assert out.stderr == ""
