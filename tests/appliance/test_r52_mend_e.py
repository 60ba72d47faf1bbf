"""Round 52, mender E: the .doc summary read field by field and never failing the document, an Outlook message whose
only body is rich text read as a .rtf file is (hidden runs noted, a damaged RTF body a note), the shared helpers
(ole.filetime, ole.kind_of, web_charset.decode_cp1252, richtext._codec in outlook_rtf)."""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from pathlib import Path

from ragtune.appliance.ingest.loaders.ole import CompoundFile, filetime, kind_of
from ragtune.appliance.ingest.loaders.outlook import load_msg
from ragtune.appliance.ingest.loaders.outlook_rtf import encapsulated
from ragtune.appliance.ingest.loaders.web_charset import decode_cp1252
from ragtune.appliance.ingest.loaders.worddoc import load_doc

from . import doc_build as db
from . import msg_build as mb

DOC = Path("/records/memo.doc")
MSG = Path("/evidence/claims.msg")
WHEN = datetime(2019, 3, 14, tzinfo=timezone.utc)


def _summary_doc(si: bytes) -> bytes:
    return db.word_doc("Body text of the memo.\r", extra=[mb.Node("\x05SummaryInformation", si)])


def test_a_summary_stream_pointing_out_of_the_file_leaves_the_text_read():
    raw = bytearray(db.word_doc("The lease ends on 1 April.\r", title="Lease", created=WHEN))
    cfb = CompoundFile(bytes(raw))
    e = cfb.children(cfb.root)["\x05SUMMARYINFORMATION"]
    sid, k, per = struct.unpack_from("<I", raw, 0x30)[0], e.sid, cfb.ss // 128  # its directory entry's sector
    while k >= per:
        sid, k = cfb.fat[sid], k - per
    struct.pack_into("<I", raw, (sid + 1) * cfb.ss + k * 128 + 0x74, 0xFFFFFF00)  # start sector: out of the file
    d = load_doc(DOC, bytes(raw))  # was: damaged DOC: the sector chain of stream '\x05SummaryInformation' ...
    assert d.text == "The lease ends on 1 April." and d.title == "memo" and d.doc_date is None


def test_a_date_past_year_9999_loses_the_date_only_and_the_saved_time_is_used():
    si = db.summary("Lease dispute memo", WHEN)
    huge = si.replace(struct.pack("<Q", mb.filetime(WHEN)), struct.pack("<Q", 2 ** 63))
    d = load_doc(DOC, _summary_doc(huge))
    assert d.title == "Lease dispute memo" and d.doc_date is None  # was: title 'memo' (the whole summary lost)
    saved = db.summary("Lease dispute memo", WHEN, datetime(2020, 5, 1, tzinfo=timezone.utc))
    saved = saved.replace(struct.pack("<Q", mb.filetime(WHEN)), struct.pack("<Q", 2 ** 63), 1)
    assert load_doc(DOC, _summary_doc(saved)).doc_date == "2020-05-01"  # created unreadable: last saved


def test_a_mac_code_page_title_is_read_as_mac_roman():
    mac = "Lease Caf\u00e9".encode("mac_roman").decode("cp1252")  # cp1252 text whose bytes are the Mac Roman title
    si = db.summary(mac, WHEN)
    si = si.replace(struct.pack("<HHH2x", 2, 0, 1252)[:8], struct.pack("<HHH2x", 2, 0, 10000)[:8])
    d = load_doc(DOC, _summary_doc(si))
    assert d.title == "Lease Caf\u00e9" and d.doc_date == "2019-03-14"  # was: ('', None): no cp10000 in Python


def _native(rtf: bytes) -> bytes:
    return mb.outlook(extra={0x1000: (mb.UNICODE, None), 0x1009: (mb.BINARY, mb.lzfu(rtf))})


def test_a_rich_text_only_body_is_read_with_its_hidden_runs_noted():
    rtf = (b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red255\\green255\\blue255;}"
           b"\\pard {\\b Bold claims}\\par {\\cf1 secret reserve} Fee \\u8364?50{\\v  also hidden}\\par}")
    d = load_msg(MSG, _native(rtf))
    assert d.text.endswith("Subject: RE: Lease renewal \u2013 Unit 14B\nAttachments: Lease_14B_signed.pdf\n\n"
                           "Bold claims\n\nFee \u20ac50")  # was: no body, a "rich text (RTF) only" note
    assert "secret" not in d.text and "hidden" not in d.text
    assert d.notes == ("2 runs of hidden text (formatted as hidden, under 2 pt, or in the colour behind it) left out: "
                       "the file still holds that text, a reader of the document does not see it (docs/ingest.md, "
                       "Hidden text)",)


def test_a_damaged_rich_text_body_is_a_note_and_the_message_is_still_read():
    d = load_msg(MSG, _native(b"{\\rtf1\\ansi " + b"{" * 1_001 + b"deep" + b"}" * 1_001 + b"}"))
    assert "Subject: RE: Lease renewal" in d.text and "deep" not in d.text
    assert d.notes == ("the message's RTF body is damaged (damaged RTF: groups nested over 1,000 deep): not read",)


def test_the_shared_helpers():
    assert filetime(mb.filetime(WHEN)) == WHEN and filetime(2 ** 63) is None and filetime(0) is None
    assert filetime("x") is None
    assert kind_of({"WORKBOOK": None}) == "an Excel 97-2003 workbook"  # type: ignore[dict-item]
    assert kind_of({"POWERPOINT DOCUMENT": None}) == "a PowerPoint 97-2003 deck"  # type: ignore[dict-item]
    assert kind_of({"FOO": None}) is None  # type: ignore[dict-item]
    assert decode_cp1252(b"\x93a\x94 \x81\x9d") == "\u201ca\u201d \x81\x9d" and decode_cp1252(b"plain") == "plain"
    # an encapsulated body in the Mac code page: Mac Roman (it was read as cp1252)
    assert encapsulated(b"{\\rtf1\\ansi\\ansicpg10000\\fromtext \\pard Caf\\'8e\\par}") == ("text", "Caf\u00e9\n")
