"""Round 52: Outlook .msg loader (loaders/outlook.py, ole.py, outlook_rtf.py) on messages laid out as Outlook writes
them (tests/appliance/msg_build.py). Hostile files: test_r52_msg_hostile.py."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders import KINDS, LOADER_VERSIONS, LOADERS, load_file
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.outlook import load_msg
from ragtune.appliance.ingest.loaders.outlook_rtf import decompress, encapsulated

from . import mail_build
from . import msg_build as mb
from .ingest_helpers import real_tokenizer

P = Path("/evidence/lease.msg")
U, S8, BIN, LONG = mb.UNICODE, mb.STRING8, mb.BINARY, mb.LONG


def test_registered_as_a_kind_starting_at_version_2():
    assert KINDS[".msg"] == "msg" and LOADERS["msg"] is load_msg and LOADER_VERSIONS["msg"] >= 3  # 3: RTF bodies (4: round 53)


@pytest.mark.parametrize("v4", [False, True])  # 512- and 4096-byte sectors
def test_outlook_unicode_header_block_body_and_attachment_names(v4):
    d = load_msg(P, mb.outlook(v4=v4))
    assert d.kind == "msg" and d.title == "RE: Lease renewal \u2013 Unit 14B" and d.doc_date == "2025-03-04"
    head = d.text.split("\n\n", 1)[0].splitlines()
    assert head == ["From: Dana Whitfield <dana.whitfield@northbay-legal.example>",  # SMTP, not the Exchange DN
                    "To: \"Okafor, Chidi\" <c.okafor@harbourfreight.example>",
                    "Cc: Priya Raman <priya.raman@northbay-legal.example>",
                    "Date: Tue, 04 Mar 2025 09:15:22 +0000",
                    "Subject: RE: Lease renewal \u2013 Unit 14B",
                    "Attachments: Lease_14B_signed.pdf"]  # the hidden inline logo is not listed
    assert "\u00a31,850 per month from 1 April 2025" in d.text
    assert "PDF-1.4" not in d.text  # listed, never read


def test_load_file_dispatches_by_extension(tmp_path):
    f = tmp_path / "Lease renewal.msg"
    f.write_bytes(mb.outlook())
    assert load_file(f).kind == "msg"


def test_ansi_message_8bit_strings_in_its_code_page():
    values = {0x001A: (S8, "IPM.Note"), 0x0037: (S8, "\u0414\u043e\u0433\u043e\u0432\u043e\u0440 \u2116 7"),
              0x0C1A: (S8, "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432"),
              0x0C1F: (S8, "ivan@example.test"), 0x0C1E: (S8, "SMTP"), 0x0E04: (S8, "Anna Berg"),
              0x3FFD: (LONG, 1251), 0x1000: (S8, "\u0421\u0443\u043c\u043c\u0430: 12 500 \u0440\u0443\u0431.")}
    d = load_msg(P, mb.cfb(mb.message(values, codepage="cp1251")))
    assert d.title == "\u0414\u043e\u0433\u043e\u0432\u043e\u0440 \u2116 7" and d.doc_date is None
    assert "From: \u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432 <ivan@example.test>" in d.text
    assert "To: Anna Berg" in d.text and "\u0421\u0443\u043c\u043c\u0430: 12 500" in d.text


def test_html_body_in_its_code_page_through_the_html_loader_hidden_preheader_noted():
    html = ("<html><head><meta charset=windows-1252><style>.pre{display:none}</style></head><body>"
            "<div class=pre>PREHEADER TRACKING</div><p>Deposit returned \u2013 \u20ac2,400 on 3 March.</p>"
            "<script>var x='SCRIPT TEXT'</script></body></html>").encode("cp1252")
    raw = mb.outlook(extra={0x1000: (U, None), 0x1013: (BIN, html), 0x3FDE: (LONG, 1252)})
    d = load_msg(P, raw)
    assert "Deposit returned \u2013 \u20ac2,400 on 3 March." in d.text
    assert "PREHEADER" not in d.text and "SCRIPT TEXT" not in d.text
    assert d.notes and "hidden text" in d.notes[0]


def _rtf_html() -> bytes:
    return (b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
            b"{\\*\\htmltag19 <html>}{\\*\\htmltag34 <head>}{\\*\\htmltag41 </head>}{\\*\\htmltag50 <body>}"
            b"\\htmlrtf {\\htmlrtf0 {\\*\\htmltag64 <p>}The hearing moved to 14 May\\'96room 4.\\htmlrtf\\par"
            b"\\htmlrtf0{\\*\\htmltag72 </p>}\\htmlrtf }\\htmlrtf0 {\\*\\htmltag58 </body>}{\\*\\htmltag27 </html>}}")


def test_rtf_body_that_encapsulates_html_lzfu_compressed():
    assert decompress(mb.lzfu(_rtf_html())) == _rtf_html()
    raw = mb.outlook(extra={0x1000: (U, None), 0x1009: (BIN, mb.lzfu(_rtf_html()))})
    d = load_msg(P, raw)
    assert "The hearing moved to 14 May\u2013room 4." in d.text and "htmltag" not in d.text


def test_rtf_body_that_encapsulates_text_and_a_native_rtf_body_noted():
    rtf = (b"{\\rtf1\\ansi\\ansicpg1252\\fromtext \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
           b"\\uc1\\pard Witness list due \\u8364?50 fee\\par Call Ms Ortiz\\par}")
    assert encapsulated(rtf) == ("text", "Witness list due \u20ac50 fee\nCall Ms Ortiz\n")
    d = load_msg(P, mb.outlook(extra={0x1000: (U, None), 0x1009: (BIN, mb.compress_rtf(rtf))}))
    assert "Witness list due \u20ac50 fee\nCall Ms Ortiz" in d.text
    native = b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\pard Bold claims\\par}"
    d = load_msg(P, mb.outlook(extra={0x1000: (U, None), 0x1009: (BIN, mb.compress_rtf(native))}))
    assert "Subject: RE: Lease renewal" in d.text and "Bold claims" in d.text  # (mend E: read as a .rtf is)
    assert not any("rich text (RTF)" in n for n in d.notes)


def test_attached_message_read_once_nested_and_depth_limited():
    inner = mb.embedded({0x0037: (U, "Signed lease 14B"), 0x0C1A: (U, "Landlord Ltd"), 0x1000: (U, "Rent: 1,850 GBP.")})
    raw = mb.outlook(attachments=[mb.file_attachment("notes.txt", b"x"), inner])
    d = load_msg(P, raw)
    assert "Attachments: notes.txt\n" in d.text  # the attached message is read, not listed
    assert d.text.count("Rent: 1,850 GBP.") == 1
    assert "Attached message:\nFrom: Landlord Ltd\nSubject: Signed lease 14B\n\nRent: 1,850 GBP." in d.text
    deep = mb.embedded({0x0037: (U, "level 12"), 0x1000: (U, "innermost body")})
    for n in range(11, 0, -1):  # a chain of 12 attached messages: past 8 the next is listed by name
        deep = mb.embedded({0x0037: (U, f"level {n}"), 0x1000: (U, f"body {n}")}, attachments=[deep])
    d = load_msg(P, mb.outlook(attachments=[deep]))
    assert "body 8" in d.text and "body 9" not in d.text and "Attachments: level 9" in d.text


def test_clear_signed_smime_body_read_from_its_mime_attachment():
    mime = (b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=\"b1\"\r\n\r\n"
            b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSettlement agreed at 40,000.\r\n"
            b"--b1\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n\r\nMIIB\r\n--b1--\r\n")
    att = ({0x3705: (LONG, 1), 0x3707: (U, "smime.p7m"), 0x370E: (U, "multipart/signed"), 0x3701: (BIN, mime)}, [])
    raw = mb.outlook(extra={0x001A: (U, "IPM.Note.SMIME.MultipartSigned"), 0x1000: (U, None)}, attachments=[att])
    d = load_msg(P, raw)
    assert "Settlement agreed at 40,000." in d.text and "smime" not in d.text.lower()


@pytest.mark.parametrize("raw,reason", [
    (mail_build.outlook(), "not an Outlook message: an e-mail saved as text (.eml) named .msg: rename it .eml"),
    (b"%PDF-1.4\n%\xe2\xe3\n", "not an Outlook message: a PDF named .msg"),
    (b"PK\x03\x04" + b"\0" * 40, "not an Outlook message: a zip archive (a DOCX, XLSX...) named .msg"),
    (b"\x00\x01garbage" * 30, "not an Outlook message (no OLE compound-file signature)"),
])
def test_not_a_compound_file_one_line_reason(raw, reason):
    with pytest.raises(LoadError) as e:
        load_msg(P, raw)
    assert e.value.reason == reason


def test_compound_file_that_is_no_message_encrypted_or_empty():
    word = mb.cfb([mb.Node("WordDocument", b"\xec\xa5" + b"\0" * 600), mb.Node("1Table", b"\0" * 100)])
    cases = [(word, "not an Outlook message: a Word 97-2003 document named .msg"),
             (mb.outlook(extra={0x001A: (U, "IPM.Note.SMIME")}, attachments=[mb.file_attachment("smime.p7m", b"0")]),
              "encrypted Outlook message (S/MIME): open it in Outlook and save a decrypted copy"),
             (mb.outlook(body="", attachments=[mb.file_attachment("message.rpmsg", b"\x76\xe8\x04\x60")]),
              "encrypted Outlook message (rights-protected, IRM): open it in Outlook and save a copy"),
             (mb.cfb(mb.message({})), "empty document (an Outlook message with no sender, subject or body)")]
    for raw, reason in cases:
        with pytest.raises(LoadError) as e:
            load_msg(P, raw)
        assert e.value.reason == reason


def test_end_to_end_fact_and_its_sender_land_in_one_chunk():
    d = load_msg(P, mb.outlook())
    chunks = chunk_text(d.text, real_tokenizer(), chunk_tokens=200, overlap_tokens=40)
    assert any("From: Dana Whitfield" in c.text and "Lease_14B_signed.pdf" in c.text and "\u00a31,850" in c.text
               for c in chunks)


def test_cross_checked_with_olefile_where_installed():
    olefile = pytest.importorskip("olefile")  # not a dependency: only where it happens to be installed
    from ragtune.appliance.ingest.loaders.ole import CompoundFile
    for v4 in (False, True):
        raw = mb.outlook(v4=v4)
        ref = olefile.OleFileIO(io.BytesIO(raw))
        cf = CompoundFile(raw)
        for path in ref.listdir():
            e, node = cf.root, None
            for part in path:
                node = cf.children(e)[part.upper()]
                e = node
            assert cf.read(node, 1 << 20) == ref.openstream(path).read()


def test_file_over_7_mb_reads_its_fat_through_the_difat():
    raw = mb.outlook(attachments=[mb.file_attachment("scan.pdf", b"%PDF" + b"\x07" * 7_500_000)])
    assert struct.unpack_from("<I", raw, 0x48)[0] >= 1  # DIFAT sectors: over 109 FAT sectors
    d = load_msg(P, raw)
    assert "Attachments: scan.pdf" in d.text and "\u00a31,850" in d.text
