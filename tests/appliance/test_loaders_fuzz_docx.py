"""The document loaders' mutation fuzzer (test_loaders_fuzz.py: the oracle and the loop) over DOCX files: small
valid seeds (python-docx's document; one with lists numbered in Roman numerals and letters, a table with merged
cells, tracked changes, hidden text, a footnote), mutated by byte-level edits and by structural ones on the zip: a
member's XML mutated or a w:val attribute changed, a member replaced, corrupted, duplicated or dropped, the central
directory truncated or its sizes, methods and flags wrong. Crashes found by the fuzzer are kept below as fixed
regression cases."""

from __future__ import annotations

import io
import random
import re
import struct
import warnings
import zipfile

import pytest

from ragtune.appliance.ingest.loaders import Document
from tests.appliance.test_loaders_fuzz import TOKENS, check_load, fuzz_kind
from tests.fuzzing import Mutant, edit_bytes, replace_one, stack

from .ingest_helpers import docx_bytes, docx_xml_bytes

COUNT = 600  # mutants


# -- seeds ----------------------------------------------------------------------------------------
# A small numbering part (python-docx's has dozens of lists): "List Number" (numId 5) counts in Roman numerals, its
# second level in letters ("i.a)"), "List Bullet" (numId 1) has bullets.
_NUMBERING = ('<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="lowerRoman"/>'
              '<w:lvlText w:val="%1."/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
              '<w:lvlText w:val="%1.%2)"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0">'
              '<w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="o"/></w:lvl></w:abstractNum>'
              '<w:num w:numId="5"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="1"><w:abstractNumId w:val="1"/>'
              '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num></w:numbering>')


def _docx_seeds() -> list[bytes]:
    def build(d):
        d.add_heading("Handbook", level=0)
        d.add_paragraph("First item", style="List Number")
        d.add_paragraph("Second item", style="List Bullet")
        t = d.add_table(rows=2, cols=2)
        t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 0).text = "Key", "Value", "Merged"
        t.cell(1, 0).merge(t.cell(1, 1))
    body = ('<w:p><w:r><w:t xml:space="preserve">Kept </w:t></w:r><w:ins><w:r><w:t>inserted</w:t></w:r></w:ins>'
            '<w:del><w:r><w:delText>gone</w:delText></w:r></w:del><w:r><w:rPr><w:vanish/></w:rPr><w:t>hidden</w:t>'
            '</w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:tab/><w:t>after tab</w:t><w:br/></w:r></w:p>')
    sub = ('<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="5"/></w:numPr></w:pPr>'
           '<w:r><w:t>Sub item</w:t></w:r></w:p>')
    lists = docx_xml_bytes(body, sub, footnotes={"1": "A footnote."}, build=build)
    lists = _rezip(lists, lambda n, d: _NUMBERING.encode() if n == "word/numbering.xml" else d)
    return [_rezip(docx_bytes(), lambda n, d: d), lists]  # (both rezipped: every member's date fixed)


# -- DOCX (zip) mutations --------------------------------------------------------------------------
def _member(name: str) -> zipfile.ZipInfo:
    """A member dated 2020-01-01 (zipfile dates members written from bytes now: mutants would differ by the hour)."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _rezip(raw: bytes, change) -> bytes:
    """The package written again with `change(name, data)` applied to each member (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a member name twice (an earlier edit): kept twice
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                z.writestr(_member(info.filename), data)
    return out.getvalue()


_NOT_XML = [b"", b"not xml at all", b"<?xml version='1.0'?>", b"<w:document>", b"\x00\x01\x02\xff" * 8,
            b"<?xml version='1.0' encoding='utf-16'?><a/>", b"<?xml version='1.0' encoding='nope'?><a/>",
            b"<a xmlns='urn:x'><b/></a>", b"<!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>",
            b"\xef\xbb\xbf<a>" + b"<b>" * 3000 + b"</a>"]


_VALS = [b"", b"x", b"lowerRoman", b"upperLetter", b"bullet", b"none", b"decimalZero", b"%1.%2.%9)", b"%0", b"true",
         b"continue", b"restart", b"Heading1", b"Title", b"1.5"]
_NUMS = [b"0", b"-1", b"9", b"12", b"99999", b"999999999", b"99999999999", b"1" + b"0" * 5000, b"2147483648"]


def _central(raw: bytes) -> list[int]:
    return [m.start() for m in re.finditer(rb"PK\x01\x02", raw)]


def _patch(raw: bytes, at: int, fmt: str, value: int) -> bytes:
    if at < 0 or at + struct.calcsize(fmt) > len(raw):
        return raw
    return raw[:at] + struct.pack(fmt, value) + raw[at + struct.calcsize(fmt):]


def docx_mutation(rng: random.Random, b: bytes) -> Mutant:
    try:
        return _zip_mutation(rng, b)
    except Exception:
        return edit_bytes(rng, b)  # an earlier edit broke the zip too much to edit it as one


def _zip_mutation(rng: random.Random, b: bytes) -> Mutant:
    try:
        names = [i.filename for i in zipfile.ZipFile(io.BytesIO(b)).infolist()]
    except Exception:
        names = []
    op = rng.choice(["xml", "xml", "val", "val", "val", "replace", "drop", "corrupt-data", "cut-central", "sizes",
                     "method", "flags", "eocd", "duplicate", "bytes"])
    cd = _central(b)
    if names and op == "xml":
        name = rng.choice([n for n in names if n.endswith((".xml", ".rels"))] or names)

        def change(n, data):
            if n != name:
                return data
            for _ in range(rng.randint(1, 3)):
                data = edit_bytes(rng, data, TOKENS["html"])[0]
            return data
        return _rezip(b, change), f"xml:{name}"
    if names and op == "val":  # an attribute value of the WordprocessingML: numbers, formats, ids, flags
        xml = [n for n in names if n.endswith(".xml")]
        name = rng.choice(xml + ["word/document.xml", "word/numbering.xml"] * 3)

        def change(n, data):
            if n != name:
                return data
            return replace_one(rng, data, re.compile(rb'(?<=w:val=")[^"]*'), lambda v: rng.choice(
                _NUMS if v.lstrip(b"-").isdigit() else _VALS))[0] if b'w:val="' in data else data
        return _rezip(b, change), f"val:{name}"
    if names and op == "replace":
        name, junk = rng.choice(names), rng.choice(_NOT_XML)
        return _rezip(b, lambda n, d: junk if n == name else d), f"replace:{name}={junk[:20]!r}"
    if names and op == "drop":
        name = rng.choice(names)
        return _rezip(b, lambda n, d: None if n == name else d), f"drop:{name}"
    if names and op == "duplicate":
        name = rng.choice(names)
        out = io.BytesIO(b)
        with zipfile.ZipFile(out, "a") as z, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name": the point
            z.writestr(_member(name), b"<a/>")
        return out.getvalue(), f"duplicate:{name}"
    if op == "corrupt-data" and cd:
        c = rng.choice(cd)
        local = struct.unpack_from("<I", b, c + 42)[0]
        if local + 30 <= len(b):
            fn, ex = struct.unpack_from("<HH", b, local + 26)
            start, size = local + 30 + fn + ex, struct.unpack_from("<I", b, c + 20)[0]
            out = bytearray(b)
            for _ in range(rng.randint(1, 4)):
                k = start + rng.randrange(max(1, size))
                if k < len(out):
                    out[k] ^= 1 << rng.randrange(8)
            return bytes(out), f"corrupt-data@{local}"
    if op == "cut-central" and cd:
        k = rng.randrange(cd[0], len(b))
        return b[:k], f"cut-central@{k}"
    if op == "sizes" and cd:
        c = rng.choice(cd)
        # compressed and uncompressed size, local header offset, name/extra/comment lengths
        field = rng.choice([20, 24, 42, 28, 30, 32])
        fmt = "<H" if field in (28, 30, 32) else "<I"
        value = rng.choice([0, 1, 7, 0xFFFF, 0xFFFFFFFF if fmt == "<I" else 0xFFFF, rng.randrange(1 << 16)])
        return _patch(b, c + field, fmt, value), f"sizes@{c}+{field}={value}"
    if op == "method" and cd:
        c, method = rng.choice(cd), rng.choice([0, 1, 9, 12, 14, 93, 99])
        return _patch(b, c + 10, "<H", method), f"method@{c}={method}"
    if op == "flags" and cd:
        c, flag = rng.choice(cd), rng.choice([1, 8, 0x40, 0x800, 0xFFFF])
        return _patch(b, c + 8, "<H", flag), f"flags@{c}={flag}"
    if op == "eocd":
        e = b.rfind(b"PK\x05\x06")
        if e >= 0:
            field = rng.choice([8, 10, 12, 16, 20])
            fmt = "<H" if field in (8, 10, 20) else "<I"
            value = rng.choice([0, 1, 0xFFFF, len(b), rng.randrange(1 << 16)])
            return _patch(b, e + field, fmt, value), f"eocd+{field}={value}"
    return edit_bytes(rng, b)


def mutate(rng: random.Random, b: bytes) -> Mutant:
    """1 to 3 edits stacked, each a structural one 80% of the time."""
    return stack(rng, b, edit_bytes, docx_mutation, 0.8)


def test_docx_mutants_load_or_fail_with_a_reason():
    fuzz_kind("docx", _docx_seeds(), mutate, COUNT)


# -- crashes the fuzzer found, kept as fixed cases --------------------------------------------------
def _numbered(fmt: str, start: str) -> bytes:
    """The fuzzer's list seed with its "List Number" list in `fmt` starting at `start`."""
    numbering = _NUMBERING.replace('<w:start w:val="1"/><w:numFmt w:val="lowerRoman"/>',
                                   f'<w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>', 1)
    return _rezip(_docx_seeds()[1], lambda n, d: numbering.encode() if n == "word/numbering.xml" else d)


@pytest.mark.parametrize("fmt, start, label", [
    ("lowerRoman", "999999999", "999999999."),  # fuzz (a `val` mutant of numbering.xml): a hang (over 10 s)
    ("lowerRoman", "10000000000", "10000000000."),  # a minute or more
    ("lowerLetter", "1000000000", "1000000000."),  # 33 s and a 38 MB label
    ("decimal", "1000000000000", "1000000000000."),  # every format's label was made: "corrupt DOCX: MemoryError"
    ("lowerRoman", "1999", "mcmxcix."), ("upperLetter", "28", "BB."), ("decimalZero", "7", "07."),
])
def test_docx_list_numbers_far_beyond_any_list_are_digits_and_quick(fmt, start, label):
    got = check_load("docx", _numbered(fmt, start))
    assert isinstance(got, Document) and f"\n{label} First item\n" in got.text
    assert f"  {label[:-1]}.a) Sub item" in got.text  # the sub level's label repeats it


def test_docx_list_labels_in_letters_have_a_budget():
    """A list of many lettered items: labels grow with the count ("zzz..."). Past the document's budget of letters,
    numbers are digits; below it, labels are what they always were."""
    from ragtune.appliance.ingest.loaders import word

    got = check_load("docx", _numbered("lowerLetter", "53"))
    assert isinstance(got, Document) and "\naaa. First item\n" in got.text
    assert word._number(53, "lowerLetter") == "aaa" and word._label_letters(53, "lowerLetter") == 3
    reader = word._Reader.__new__(word._Reader)  # (only its budget is used here)
    reader.letters_left = 30
    assert [reader.number(n, "lowerLetter") for n in (28, 300, 520, 26)] == ["bb", "n" * 12, "520", "z"]
    assert reader.letters_left == 15
    reader.letters_left = 10 ** 6
    assert reader.number(2000 * 26, "upperLetter") == "Z" * 2000  # one label: 2 000 letters at most
    assert reader.number(2000 * 26 + 1, "upperLetter") == str(2000 * 26 + 1)
