"""Round 52, mender C: review rC's findings on the .msg reader (ole.py, outlook.py) and the OpenDocument and
spreadsheet loaders (opendoc*.py, sheet_formats.py). Each test fails without its mend."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.ole import ENCRYPTED_OFFICE, CompoundFile
from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.opendoc_sheets import load_ods
from ragtune.appliance.ingest.loaders.opendoc_slides import load_odp
from ragtune.appliance.ingest.loaders.outlook import load_msg
from ragtune.appliance.ingest.loaders.sheet_formats import _format_code, show_number
from ragtune.appliance.ingest.loaders.sheets import load_xlsx

from . import msg_build as mb
from . import odp_build, ods_build, odt_build
from .xlsx_build import Cell, Sheet, build_xlsx

SS = 512


def _entry(raw: bytes, name: str) -> int:
    """The offset of the directory entry named `name` (the writer lays the directory out in one run)."""
    at, want = (struct.unpack_from("<I", raw, 0x30)[0] + 1) * SS, name.encode("utf-16-le")
    while raw[at:at + len(want)] != want or raw[at + len(want):at + len(want) + 2] != b"\0\0":
        at += 128
    return at


def _point(raw: bytes, name: str, at_name: str) -> bytes:
    """Entry `name` pointed at the sectors (start and size) of entry `at_name`."""
    b, src = bytearray(raw), _entry(raw, at_name)
    b[_entry(raw, name) + 0x74:_entry(raw, name) + 0x80] = raw[src + 0x74:src + 0x80]
    return bytes(b)


# 1. a sector belongs to one stream: two entries sharing a chain let a small file be re-read once per entry

def test_two_streams_sharing_regular_sectors_is_damage():
    raw = mb.outlook(body="Long body. " * 600)  # 13 KB of UTF-16: the body is in regular sectors
    raw = _point(raw, "__substg1.0_0037001F", "__substg1.0_1000001F")  # the subject: the body's sectors
    t = time.monotonic()
    with pytest.raises(LoadError) as e:
        load_msg(Path("shared.msg"), raw)
    assert time.monotonic() - t < 5
    assert e.value.reason.startswith("damaged Outlook message: two streams share the sectors of stream '__substg1.0_")


def test_two_streams_sharing_mini_sectors_is_damage():
    raw = _point(mb.outlook(), "__substg1.0_0037001F", "__substg1.0_0C1A001F")  # the subject: the sender's name
    with pytest.raises(LoadError, match="two streams share the sectors of stream"):
        load_msg(Path("shared.msg"), raw)


def test_many_recipients_on_one_attachment_stream_fail_fast():
    """rC's repro, scaled down: recipients' name streams all pointing at one attachment's data (was 20 MB of text
    for 20 recipients of a 1 MB stream; 200 recipients of 2 MB: 72 s and 200 M characters)."""
    recips = [{0x0C15: (mb.LONG, 1), 0x3001: (mb.UNICODE, f"R{i}")} for i in range(8)]
    nodes = mb.message({0x0037: (mb.UNICODE, "hello"), 0x1000: (mb.UNICODE, "body")}, recipients=recips,
                       attachments=[mb.file_attachment("big.bin", b"A" * 200_000)])
    raw = mb.cfb(nodes)
    cf = CompoundFile(raw)
    big = next(e for att in cf.children(cf.root).values() if att.kind == 1 and att.name.upper().startswith("__ATTACH")
               for e in cf.children(att).values() if e.size == 200_000)
    b, dir_at = bytearray(raw), (struct.unpack_from("<I", raw, 0x30)[0] + 1) * SS
    for sid in range(len(cf.dir) // 128):
        at = dir_at + sid * 128
        if raw[at:at + 40].decode("utf-16-le", "replace").upper() == "__SUBSTG1.0_3001001F":
            struct.pack_into("<IQ", b, at + 0x74, big.start, big.size)
    with pytest.raises(LoadError, match="two streams share the sectors"):
        load_msg(Path("recips.msg"), bytes(b))


def test_a_stream_read_again_is_no_sharing():
    raw = mb.outlook(body="Long body. " * 600)
    cf = CompoundFile(raw)
    for name in ("__SUBSTG1.0_1000001F", "__SUBSTG1.0_0037001F"):  # a regular and a mini-stream property
        e = cf.children(cf.root)[name]
        assert cf.read(e, 1 << 20) == cf.read(e, 1 << 20) and e.size
    assert "Long body." in load_msg(Path("ok.msg"), raw).text


# 2. content.xml's automatic styles win a name clash with styles.xml's (headers', footers', master pages')

def test_styles_xml_automatic_styles_do_not_unhide_content_text():
    clash = ods_build.STYLES.replace(
        "</office:styles>", '</office:styles><office:automatic-styles><style:style style:name="T1" '
        'style:family="text"><style:text-properties fo:font-size="10pt"/></style:style><style:style '
        'style:name="ceWhite" style:family="table-cell"/></office:automatic-styles>')
    assert clash != ods_build.STYLES
    text = load_ods(Path("clash.ods"), ods_build.ods(ods_build.BUDGET, styles_xml=clash)).text
    assert "PLANTED-TINY" not in text and "PLANTED-WHITE" not in text and "Riverside Gardens" in text


def test_odt_display_none_wins_over_a_styles_xml_automatic_style_of_one_name():
    styles = odt_build.STYLES.replace(
        "</office:styles>", '</office:styles><office:automatic-styles><style:style style:name="T2" '
        'style:family="text"><style:text-properties text:display="true"/></style:style></office:automatic-styles>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", odt_build.MANIFEST)
        z.writestr("content.xml", odt_build.content(
            '<text:p>Visible line.<text:span text:style-name="T2">HIDDEN-SPAN planted</text:span></text:p>'))
        z.writestr("styles.xml", styles)
        z.writestr("meta.xml", odt_build.meta())
    text = load_odt(Path("clash.odt"), buf.getvalue()).text
    assert "Visible line." in text and "HIDDEN-SPAN" not in text


# 3. speaker notes are judged against the notes page, not the slide

def test_dark_text_of_notes_under_a_dark_slide_is_read():
    styles = odp_build.STYLES.replace('<style:graphic-properties draw:fill="solid" draw:fill-color="#729fcf"/>',
                                      '<style:graphic-properties draw:fill-color="#729fcf"/>')
    assert styles != odp_build.STYLES
    notes = ('<presentation:notes draw:style-name="dp1"><draw:frame presentation:style-name="pr2" '
             'presentation:class="notes" svg:x="2cm" svg:y="14cm"><draw:text-box><text:p>Speaker: <text:span '
             'text:style-name="T4">say the budget is cut by 40%</text:span></text:p></draw:text-box></draw:frame>'
             '</presentation:notes>')
    page = odp_build.page("p1", odp_build.frame("title", "<text:p>Dark slide</text:p>", y="1cm") + notes,
                          style="dpDark")
    d = load_odp(Path("notes.odp"), odp_build.odp(content_xml=odp_build.content(page), styles_xml=styles))
    assert "Notes: Speaker: say the budget is cut by 40%" in d.text
    assert not d.notes


# 4. an infinite or NaN cell is shown, never a failed workbook

@pytest.mark.parametrize("value, shown", [("inf", "inf"), ("1e400", "inf"), ("-inf", "-inf"), ("nan", "nan")])
def test_ods_infinite_or_nan_cell(value, shown):
    cell = f'<table:table-cell office:value-type="float" office:value="{value}"/>'
    raw = ods_build.ods(ods_build.table("S", ods_build.row(ods_build.s("Site"), ods_build.s("Budget"))
                                        + ods_build.row(ods_build.s("Riverside"), ods_build.f("18500", "18,500"))
                                        + ods_build.row(ods_build.s("Hollin"), cell)))
    assert f"Site: Hollin; Budget: {shown}" in load_ods(Path("inf.ods"), raw).text


@pytest.mark.parametrize("fmt", [None, "# ?/?", "0.00"])
def test_xlsx_infinite_cell(fmt):
    raw = build_xlsx([Sheet("S", [["Site", "Budget"], ["Riverside", 18500], ["Hollin", Cell(float("inf"), fmt=fmt)]])])
    assert "Budget: inf" in load_xlsx(Path("inf.xlsx"), raw).text


@pytest.mark.parametrize("code", ["# ?/?", "0.00", "#,##0,", "0%", "0.00E+00", "yyyy-mm-dd", "[h]:mm", "General"])
def test_show_number_of_nan_and_infinities(code):
    f = _format_code(code)
    assert [show_number(v, f, False) for v in (float("nan"), float("inf"), float("-inf"))] == ["nan", "inf", "-inf"]


# 5. text after a fraction (a unit) is kept

@pytest.mark.parametrize("code, v, shown", [('# ?/?" in"', 1.5, "1 1/2 in"), ('# ?/8 "lb"', 2.25, "2 2/8 lb"),
                                            ('?/? "cups"', 0.75, "3/4 cups"), ("# ?/?", 1.5, "1 1/2"),
                                            ('"about "# ?/?', 0.75, "about 3/4"), ('# ?/? "m"', -2.5, "-2 1/2 m")])
def test_fraction_keeps_its_unit(code, v, shown):
    assert show_number(v, _format_code(code), False) == shown


# 7. a password-protected Office file named .msg is named so

def test_password_protected_office_file_named_msg():
    raw = mb.cfb([mb.Node("EncryptedPackage", b"x" * 5000), mb.Node("EncryptionInfo", b"y" * 200)])
    with pytest.raises(LoadError) as e:
        load_msg(Path("locked.msg"), raw)
    assert e.value.reason == ENCRYPTED_OFFICE  # (round 53: one wording)
