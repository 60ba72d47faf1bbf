"""Round 51: slide decks that are not what their name says, damaged, hostile or huge get a one-line reason from
loaders/slides.py (never a traceback, never a hang, never a file read through an entity); the parse budget and the
progress beat hold; and a labelled fact on a slide lands in one chunk with its slide's heading."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import LoadError
from ragtune.appliance.ingest.loaders.base import PARSE_BEAT
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS
from ragtune.appliance.ingest.loaders.slides import load_pptx
from ragtune.appliance.ingest.loaders.ole import ENCRYPTED_OFFICE  # (pinned in test_r53_encrypted_office)

from .pptx_build import Slide, body, pptx, table, title, zip_parts

P = Path("/decks/board.pptx")


def reason(raw: bytes, path: Path = P) -> str:
    with pytest.raises(LoadError) as e:
        load_pptx(path, raw)
    assert "\n" not in e.value.reason
    return e.value.reason


def deck_parts(**kw) -> dict[str, bytes]:
    return _parts_of(pptx([Slide([title("Board"), body("Budget approved")])], **kw))


def ole(*streams: str) -> bytes:
    """The start of an OLE compound file and a directory naming its streams (UTF-16, as Office writes them: 128-byte
    entries, the name zero-padded to 64 bytes, then its length with the terminator)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"".join(
        (s.encode("utf-16-le").ljust(0x40, b"\x00") + bytes([2 * len(s) + 2, 0, 2])).ljust(128, b"\x00")
        for s in ("Root Entry", *streams))


def test_empty_and_not_zip_files():
    assert reason(b"") == "empty document"
    assert reason(b"just some text, not a deck\n" * 20) == "damaged slide deck (not a zip package)"
    assert reason(b"%PDF-1.7\n%\xe2\xe3\n") == "not a slide deck: a PDF named .pptx"


def test_old_binary_and_password_protected_office_files():
    assert reason(ole("PowerPoint Document", "Current User")) == "old binary PowerPoint (.ppt): save it as .pptx"
    assert reason(ole("EncryptionInfo", "EncryptedPackage")) == ENCRYPTED_OFFICE
    assert "old binary Word document (.doc)" in reason(ole("WordDocument", "1Table"))
    assert "old binary Excel workbook (.xls)" in reason(ole("Workbook"))


def test_other_office_packages_under_a_deck_name():
    from .ingest_helpers import docx_bytes

    assert reason(docx_bytes()) == "not a slide deck: a Word document (.docx) named .pptx: rename it .docx"
    xlsx = zip_parts({"[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-'
                      'types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                      'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
                      "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                      'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                      '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
                      "xl/workbook.xml": "<workbook/>"})
    assert reason(xlsx, Path("/d/x.PPTX")) == "not a slide deck: an Excel workbook (.xlsx) named .pptx: rename it .xlsx"
    odp = zip_parts({"mimetype": "application/vnd.oasis.opendocument.presentation", "content.xml": "<x/>"})
    assert "OpenDocument presentation (.odp)" in reason(odp) and "save it as .pptx" in reason(odp)
    assert "without a presentation" in reason(zip_parts({"readme.txt": "hello"}))


def test_damaged_zips_and_parts():
    raw = pptx([Slide([title("Board"), body("Budget approved")])])
    assert reason(raw[: len(raw) // 2]).startswith("damaged slide deck (")
    parts = deck_parts()
    parts["ppt/slides/slide1.xml"] = b"<p:sld xmlns:p='x'><p:cSld>"  # cut short
    assert reason(zip_parts(parts)).startswith("damaged slide deck (slide 1: ")
    del parts["ppt/slides/slide1.xml"]
    assert reason(zip_parts(parts)) == "damaged slide deck (slide 1: part ppt/slides/slide1.xml is missing)"


def test_encrypted_zip_members():
    raw = bytearray(pptx([Slide([title("Board"), body("Budget approved")])]))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set "encrypted" in every header
        at = raw.find(sig)
        while at >= 0:
            raw[at + flag_at] |= 1
            at = raw.find(sig, at + 4)
    assert reason(bytes(raw)) == "encrypted slide deck (its zip is password protected)"


def test_no_slides_or_no_text():
    assert reason(pptx([])) == "empty document (a slide deck with no slides)"
    assert reason(pptx([Slide([title("x")], hidden=True)] * 2)) == \
        "empty document (all 2 slides are hidden in the slide show)"
    assert reason(pptx([Slide([title("")]), Slide([body("  ")], hidden=True)])) == "empty document"


BOMB = ('<?xml version="1.0"?><!DOCTYPE p:sld [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
        + ']><p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p>'
          '<a:r><a:t>&i;</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
XXE = BOMB.split("[")[0] + '[<!ENTITY x SYSTEM "file:///etc/passwd">]>' + BOMB.split("]>")[1].replace("&i;", "&x;")


@pytest.mark.parametrize("xml", [BOMB, XXE], ids=["billion-laughs", "external-entity"])
def test_xml_bombs_and_external_entities_fail_fast(xml):
    parts = deck_parts()
    parts["ppt/slides/slide1.xml"] = xml.encode()
    t0 = time.perf_counter()
    why = reason(zip_parts(parts))
    assert time.perf_counter() - t0 < 2
    assert why.startswith("damaged slide deck (ppt/slides/slide1.xml declares a DTD") and "root:" not in why


def test_zip_bombs_are_refused_from_the_directory():
    parts = deck_parts()
    parts["ppt/media/image1.bin"] = b"\x00" * (20 * 1024 * 1024)  # 20 MB of zeros: ~20 KB stored
    assert "inflates" in reason(zip_parts(parts)) and "zip bomb" in reason(zip_parts(parts))
    raw = bytearray(zip_parts(deck_parts()))
    at = raw.find(b"PK\x01\x02")  # the first member's declared size: 300 MB
    raw[at + 24:at + 28] = struct.pack("<I", 300 * 1024 * 1024)
    assert reason(bytes(raw)).startswith("damaged slide deck: its parts unpack to 30")
    raw = bytearray(zip_parts(deck_parts()))
    end = raw.rfind(b"PK\x05\x06")
    raw[end + 10:end + 12] = struct.pack("<H", 50_000)
    assert reason(bytes(raw)).startswith("damaged slide deck: 50,000 parts in its zip")


def _big_deck(n: int) -> bytes:
    return pptx([Slide([title(f"Account {i}"), body([f"Owner: team {i % 7}", (f"Renewal in month {i % 12 + 1}", 1)]),
                        table([["Product", "Seats"], [f"Suite {i}", str(10 + i)]])], notes=f"Call before day {i % 28}")
                 for i in range(n)])


def test_the_parse_budget_and_the_progress_beat():
    raw = _big_deck(64)
    beats: list[float] = []
    token = PARSE_BEAT.set(beats.append)
    try:
        d = load_pptx(P, raw)
    finally:
        PARSE_BEAT.reset(token)
    assert d.text.count("## Slide ") == 64 and beats == [0.25, 0.5, 0.75, 1.0]
    token = PARSE_SECONDS.set(0.001)
    try:
        assert reason(raw).startswith("PPTX took over 0.001 s to read (a deck of millions of shapes?)")
    finally:
        PARSE_SECONDS.reset(token)


def test_vertically_merged_cells_repeat_on_each_row():
    raw = pptx([Slide([title("Owners"), table([["Team", "Site"], ["Sales", "Oslo"], ["Support", "MERGED"]])])])
    cell = b'<a:tc><a:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="en-US" dirty="0"/><a:t>MERGED'
    parts = {n: v.replace(cell, cell.replace(b"<a:tc>", b'<a:tc vMerge="1">')) for n, v in _parts_of(raw).items()}
    text = load_pptx(P, zip_parts(parts)).text
    assert text.endswith("Team: Sales; Site: Oslo\nTeam: Support; Site: Oslo") and "MERGED" not in text


def _parts_of(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_a_labelled_fact_lands_in_one_chunk_with_its_slide():
    from ragtune.appliance.ingest.chunker import chunk_text

    from .ingest_helpers import real_tokenizer

    slides = [Slide([title(f"Region {i} pricing"), body([f"List price for region {i} is {100 + i} euros per seat",
                                                          (f"Volume discount starts at {20 + i} seats", 1)]),
                     table([["Tier", "Discount"], ["Gold", f"{i + 10}%"], ["Silver", "5%"]])],
                    notes=f"Region {i} renewals are due in month {i % 12 + 1}.") for i in range(30)]
    d = load_pptx(P, pptx(slides))
    chunks = chunk_text(d.text, real_tokenizer(), chunk_tokens=200, overlap_tokens=40)
    assert len(chunks) > 5
    hit = [c.text for c in chunks if "Tier: Gold; Discount: 16%" in c.text and "Region 6 renewals" in c.text]
    # the fact's row (its labels on it: round 53), its slide's heading and notes in one chunk; chunks are cut at
    # slide headings
    assert len(hit) == 1 and "## Slide 7: Region 6 pricing" in hit[0]
    assert all(c.text.lstrip().startswith("## Slide") for c in chunks)
