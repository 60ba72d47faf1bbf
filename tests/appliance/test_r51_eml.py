"""Round 51: .eml loader (loaders/mail.py) on mail as Outlook, Thunderbird and Gmail save it."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.mail import decode_value, load_eml

from . import mail_build as mb
from .ingest_helpers import real_tokenizer

P = Path("/evidence/mail.eml")


def test_outlook_header_block_body_and_attachment_names():
    d = load_eml(P, mb.outlook())
    assert d.kind == "eml" and d.title == "RE: Lease renewal \u2013 Unit 14B"  # iso-8859-1 word read as Windows-1252
    assert d.doc_date == "2025-03-04"
    head = d.text.split("\n\n", 1)[0].splitlines()
    assert head == ["From: Dana Whitfield <dana.whitfield@northbay-legal.example>",
                    "To: \"Okafor, Chidi\" <c.okafor@harbourfreight.example>",
                    "Cc: Priya Raman <priya.raman@northbay-legal.example>",
                    "Date: Tue, 4 Mar 2025 09:15:22 +0000",
                    "Subject: RE: Lease renewal \u2013 Unit 14B",
                    "Attachments: Lease_14B_signed.pdf"]
    assert "\u00a31,850 per month from 1 April 2025" in d.text
    assert "HTML VERSION" not in d.text  # text/plain preferred in multipart/alternative
    assert "JVBER" not in d.text and "PDF-1.4" not in d.text  # the attachment is listed, not read


def test_thunderbird_flowed_utf8_and_rfc2231_name():
    d = load_eml(P, mb.thunderbird())
    assert d.title == "Kaution zur\u00fcckgezahlt \u2013 Brandt" and d.doc_date == "2025-02-19"
    assert "From: Jonas Kr\u00fcger <jonas@kanzlei-krueger.example>" in d.text
    assert "Attachments: Abrechnung M\u00e4rz.csv" in d.text
    assert "12 February. The tenant's counter-claim" in d.text  # format=flowed lines joined
    assert "Kaution;2400" not in d.text


def test_gmail_base64_parts_and_b_encoded_subject():
    d = load_eml(P, mb.gmail())
    assert d.title == "Mediation moved \u2014 \u8abf\u505c"
    assert "moved to Thursday 6 March at 14:00, Room 3" in d.text
    assert "Delivered-To" not in d.text and "Received" not in d.text


def test_html_only_body_read_through_the_html_loader_with_hidden_note():
    html = ("<html><body><p style=\"display:none\">PREHEADER planted</p><p>The hearing is listed for "
            "<b>3 April 2025</b> at 10:00.</p><table><tr><td>Court</td><td>Room 4</td></tr></table></body></html>")
    d = load_eml(P, mb.html_only(html))
    assert "The hearing is listed for 3 April 2025 at 10:00." in d.text
    assert "Court | Room 4" in d.text
    assert "PREHEADER" not in d.text and len(d.notes) == 1 and "hidden text" in d.notes[0]
    assert "Attachments" not in d.text and "image001" not in d.text  # a cid logo of the HTML is not an attachment


def test_forwarded_message_read_nested_with_its_own_header_block():
    d = load_eml(P, mb.forwarded(mb.thunderbird()))
    assert d.title == "FW: evidence for the Brandt file"
    outer, nested = d.text.split("Forwarded message:\n", 1)
    assert "From: Priya Raman" in outer and "See the original below." in outer
    assert nested.startswith("From: Jonas Kr\u00fcger <jonas@kanzlei-krueger.example>\nTo: Marta Nowak")
    assert "Attachments: Abrechnung M\u00e4rz.csv" in nested and "deposit of 2 400 \u20ac" in nested


@pytest.mark.parametrize("body,charset,cte,expect", [
    ("Ko\u0161ice".encode("iso8859-2"), "iso-8859-2", "8bit", "Ko\u0161ice"),
    ("\u041f\u0440\u0438\u0432\u0435\u0442".encode("koi8-r"), "koi8-r", "8bit", "\u041f\u0440\u0438\u0432\u0435\u0442"),
    (mb.qp("\u65e5\u672c\u8a9e\u306e\u30e1\u30fc\u30eb", "utf-8").encode(), "utf-8", "quoted-printable",
     "\u65e5\u672c\u8a9e\u306e\u30e1\u30fc\u30eb"),
    (mb.b64("\u65e5\u672c\u8a9e".encode("iso2022_jp")).encode(), "iso-2022-jp", "base64", "\u65e5\u672c\u8a9e"),
    ("caf\u00e9".encode(), "us-ascii", "8bit", "caf\u00e9"),  # UTF-8 under an ASCII label: the common mislabel
    ("caf\u00e9".encode("latin-1"), "x-unknown", "8bit", "caf\ufffd"),  # unknown charset: UTF-8 with replacement
    ("\u201cquoted\u201d".encode("cp1252"), None, "8bit", "\u201cquoted\u201d"),  # no charset: Windows punctuation
])
def test_charsets_as_declared_and_fallbacks(body, charset, cte, expect):
    d = load_eml(P, mb.simple(body, charset=charset, cte=cte))
    assert d.text.endswith(expect)


def test_encoded_words_split_mid_character_and_between_words():
    assert decode_value("=?UTF-8?B?4oA=?=\r\n =?UTF-8?B?kyBk?=") == "\u2013 d"
    assert decode_value("=?UTF-8?B?w6Q=?= =?UTF-8?B?w7w=?= x") == "\u00e4\u00fc x"


def test_no_subject_falls_back_to_file_name_and_bad_date_is_no_date():
    d = load_eml(Path("/evidence/call notes.eml"), mb.simple(b"Body.", subject="(no subject)",
                                                             date="yesterday at noon"))
    assert d.title == "call notes" and d.doc_date is None
    assert "Date: yesterday at noon" in d.text


@pytest.mark.parametrize("raw,reason", [
    (b"Hello there,\nthis is just a note.\n", "not an e-mail (no header lines"),
    (b"Note: a text file\nwith a colon\n", "not an e-mail (no header lines"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "not an e-mail: an Outlook .msg file"),
    (b"\x00\x01\x02garbage", "not an e-mail (binary file)"),
    (b"MIME-Version: 1.0\r\n\r\n", "empty document"),
])
def test_not_a_mail_gets_a_reason(raw, reason):
    with pytest.raises(LoadError) as e:
        load_eml(P, raw)
    assert e.value.reason.startswith(reason)


def test_unicode_header_bytes_and_mbox_from_line():
    raw = b"From - Thu Feb 13 10:30:00 2025\r\n" + \
        "From: J\u00fcrgen \u00d6 <j@x.example>\r\nSubject: Gr\u00fc\u00dfe\r\n" \
        "\r\nBody \u00e9.\r\n".encode()
    d = load_eml(P, raw)
    assert d.title == "Gr\u00fc\u00dfe" and "Body \u00e9." in d.text
    assert "From: J\u00fcrgen \u00d6 <j@x.example>" in d.text


def test_deep_nesting_is_a_reason_not_a_crash():
    body = b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for i in range(150):
        body = (f"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n").encode() + body + \
            f"\r\n--b{i}--\r\n".encode()
    with pytest.raises(LoadError, match="nested over 100 deep"):
        load_eml(P, b"From: a@b.example\r\n" + body)


def test_many_attachments_listed_with_a_count():
    parts = b"".join(b"--m\r\nContent-Type: application/octet-stream; name=\"f%d.bin\"\r\n\r\nxx\r\n" % i
                     for i in range(250))
    raw = (b"From: a@b.example\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m"
           b"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nhello\r\n" + parts + b"--m--\r\n")
    d = load_eml(P, raw)
    assert "f0.bin, f1.bin" in d.text and "f199.bin and 50 more" in d.text and "f200.bin" not in d.text


def test_big_attachment_is_not_parsed_or_decoded():
    raw = mb.big_attachment(12)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    d = load_eml(P, raw)
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert "Attachments: exhibits.pdf" in d.text and "Exhibits A to F" in d.text
    assert grew_mb < 40  # the parser given its 16 MB of base64 grew by ~8 times that


def test_end_to_end_fact_and_its_sender_land_in_one_chunk():
    d = load_eml(P, mb.outlook())
    chunks = chunk_text(d.text, real_tokenizer(), chunk_tokens=200, overlap_tokens=40)
    assert any("From: Dana Whitfield" in c.text and "Lease_14B_signed.pdf" in c.text and "\u00a31,850" in c.text
               for c in chunks)
