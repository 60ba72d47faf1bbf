""".eml files written by hand the way mail programs save them (Outlook, Thunderbird, Gmail): invented content (CC0),
for tests/appliance/test_r51_eml*.py."""

from __future__ import annotations

import base64
import quopri

CRLF = "\r\n"


def b64(data: bytes, width: int = 76) -> str:
    s = base64.b64encode(data).decode("ascii")
    return CRLF.join(s[i:i + width] for i in range(0, len(s), width))


def qp(text: str, charset: str) -> str:
    return quopri.encodestring(text.replace("\n", CRLF).encode(charset)).decode("ascii")


def join(*lines: str) -> bytes:
    return CRLF.join(lines).encode("ascii") + CRLF.encode()


def outlook(attachment: bytes = b"%PDF-1.4\n% invented\n") -> bytes:
    """Outlook 2016 on Exchange: mixed > alternative (plain + html, iso-8859-1 quoted-printable) + a PDF."""
    plain = ("Hello Chidi,\n\nThe landlord accepted the renewal of Unit 14B at \u00a31,850 per month from 1 April 2025."
             "\nThe signed copy is attached.\n\nKind regards,\nDana Whitfield\nNorthbay Legal")
    html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">"
            "<style>p.MsoNormal{margin:0cm}</style></head><body lang=\"EN-GB\"><div class=\"WordSection1\">"
            "<p class=\"MsoNormal\">Hello Chidi,</p><p class=\"MsoNormal\">HTML VERSION of the renewal.</p>"
            "</div></body></html>")
    return join(
        "From: Dana Whitfield <dana.whitfield@northbay-legal.example>",
        "To: \"Okafor, Chidi\" <c.okafor@harbourfreight.example>",
        "CC: Priya Raman <priya.raman@northbay-legal.example>",
        "Subject: =?iso-8859-1?Q?RE:_Lease_renewal_=96_Unit_14B?=",
        "Thread-Topic: =?iso-8859-1?Q?Lease_renewal_=96_Unit_14B?=",
        "Thread-Index: AQHZb3FhY2Vob2xkZXI=",
        "Date: Tue, 4 Mar 2025 09:15:22 +0000",
        "Message-ID: <DB9PR01MB1234.eurprd01.prod.example@DB9PR01MB1234>",
        "Accept-Language: en-GB, en-US",
        "Content-Language: en-US",
        "X-MS-Has-Attach: yes",
        "X-MS-TNEF-Correlator:",
        "Content-Type: multipart/mixed;",
        "\tboundary=\"_004_DB9PR01MB1234_\"",
        "MIME-Version: 1.0",
        "",
        "--_004_DB9PR01MB1234_",
        "Content-Type: multipart/alternative;",
        "\tboundary=\"_000_DB9PR01MB1234_\"",
        "",
        "--_000_DB9PR01MB1234_",
        "Content-Type: text/plain; charset=\"iso-8859-1\"",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(plain, "cp1252"),
        "",
        "--_000_DB9PR01MB1234_",
        "Content-Type: text/html; charset=\"iso-8859-1\"",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(html, "cp1252"),
        "",
        "--_000_DB9PR01MB1234_--",
        "",
        "--_004_DB9PR01MB1234_",
        "Content-Type: application/pdf; name=\"Lease_14B_signed.pdf\"",
        "Content-Description: Lease_14B_signed.pdf",
        "Content-Disposition: attachment; filename=\"Lease_14B_signed.pdf\"; size=19;",
        "\tcreation-date=\"Tue, 04 Mar 2025 09:14:00 GMT\"",
        "Content-Transfer-Encoding: base64",
        "",
        b64(attachment),
        "",
        "--_004_DB9PR01MB1234_--",
    )


def thunderbird() -> bytes:
    """Thunderbird 115: UTF-8 8bit format=flowed text, a CSV attached with an RFC 2231 (UTF-8) file name."""
    body = ("Hi Marta,\n\nas discussed, the deposit of 2 400 \u20ac was returned to Ms. Zo\u00eb Brandt on 12 "
            "February. The \n"
            "tenant's counter-claim was withdrawn.\n\n-- \nJonas Kr\u00fcger\nKanzlei Kr\u00fcger & Partner\n")
    return (join(
        "Message-ID: <5f1c7e2a-0b3d-4c51-9a8e-2b7d1e0c9f00@kanzlei-krueger.example>",
        "Date: Wed, 19 Feb 2025 16:42:05 +0100",
        "MIME-Version: 1.0",
        "User-Agent: Mozilla Thunderbird",
        "Content-Language: de-DE",
        "To: Marta Nowak <marta.nowak@example.org>",
        "From: =?UTF-8?Q?Jonas_Kr=C3=BCger?= <jonas@kanzlei-krueger.example>",
        "Subject: =?UTF-8?Q?Kaution_zur=C3=BCckgezahlt_=E2=80=93_Brandt?=",
        "Content-Type: multipart/mixed; boundary=\"------------Xy7Pq2Rs9Tu4Vw1Za3Bc5De\"",
        "",
        "This is a multi-part message in MIME format.",
        "--------------Xy7Pq2Rs9Tu4Vw1Za3Bc5De",
        "Content-Type: text/plain; charset=UTF-8; format=flowed",
        "Content-Transfer-Encoding: 8bit",
        "",
    ) + body.replace("\n", CRLF).encode("utf-8") + join(
        "",
        "--------------Xy7Pq2Rs9Tu4Vw1Za3Bc5De",
        "Content-Type: text/csv; charset=UTF-8; name=\"=?UTF-8?Q?Abrechnung_M=C3=A4rz=2Ecsv?=\"",
        "Content-Disposition: attachment; filename*=UTF-8''Abrechnung%20M%C3%A4rz.csv",
        "Content-Transfer-Encoding: base64",
        "",
        b64("Posten;Betrag\nKaution;2400\n".encode()),
        "",
        "--------------Xy7Pq2Rs9Tu4Vw1Za3Bc5De--",
    ))


def gmail() -> bytes:
    """Gmail's "Download message": alternative of base64 UTF-8 plain and HTML, a B-encoded subject."""
    plain = "The mediation is moved to Thursday 6 March at 14:00, Room 3 of the Riverside Centre.\n\nAyumi\n"
    html = ("<div dir=\"ltr\">The mediation is moved to <b>Thursday 6 March</b> at 14:00, Room 3 of the Riverside "
            "Centre.<div><br></div><div>Ayumi</div></div>\n")
    subject = base64.b64encode("Mediation moved \u2014 \u8abf\u505c".encode()).decode()
    return join(
        "Delivered-To: counsel@example.net",
        "Received: by 2002:a05:6402:1234:b0:5c4:abcd with SMTP id x1csp123456;",
        "        Mon, 3 Mar 2025 08:01:02 -0800 (PST)",
        "MIME-Version: 1.0",
        "From: Ayumi Sato <ayumi.sato@example.com>",
        "Date: Mon, 3 Mar 2025 17:00:58 +0100",
        "Message-ID: <CAF9x=abc123@mail.example.com>",
        f"Subject: =?UTF-8?B?{subject}?=",
        "To: counsel@example.net",
        "Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3d4e5f60718\"",
        "",
        "--000000000000a1b2c3d4e5f60718",
        "Content-Type: text/plain; charset=\"UTF-8\"",
        "Content-Transfer-Encoding: base64",
        "",
        b64(plain.encode()),
        "--000000000000a1b2c3d4e5f60718",
        "Content-Type: text/html; charset=\"UTF-8\"",
        "Content-Transfer-Encoding: base64",
        "",
        b64(html.encode()),
        "--000000000000a1b2c3d4e5f60718--",
    )


def html_only(html: str, charset: str = "windows-1252", extra: tuple[str, ...] = ()) -> bytes:
    """Outlook's HTML-only message: related (html + a cid logo)."""
    return join(
        "From: Records Office <records@county-court.example>",
        "To: filings@northbay-legal.example",
        "Subject: Hearing notice",
        "Date: Fri, 7 Feb 2025 11:00:00 -0500",
        "MIME-Version: 1.0",
        *extra,
        "Content-Type: multipart/related; boundary=\"rel\"; type=\"text/html\"",
        "",
        "--rel",
        f"Content-Type: text/html; charset=\"{charset}\"",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(html, "cp1252" if charset.lower() in ("windows-1252", "iso-8859-1") else "utf-8"),
        "--rel",
        "Content-Type: image/png; name=\"image001.png\"",
        "Content-Description: image001.png",
        "Content-Disposition: inline; filename=\"image001.png\"",
        "Content-ID: <image001.png@01DB7A1B.2C3D4E50>",
        "Content-Transfer-Encoding: base64",
        "",
        b64(b"\x89PNG\r\n\x1a\n" + bytes(40)),
        "--rel--",
    )


def simple(body: bytes, *, subject: str = "Status", charset: str | None = "utf-8", cte: str = "8bit",
           date: str = "Thu, 13 Feb 2025 10:30:00 +0000", extra: tuple[str, ...] = ()) -> bytes:
    ctype = "text/plain" + (f"; charset=\"{charset}\"" if charset else "")
    return join(
        "From: Lee Chen <lee.chen@example.org>",
        "To: Ana Silva <ana.silva@example.org>",
        f"Subject: {subject}",
        f"Date: {date}",
        "MIME-Version: 1.0",
        *extra,
        f"Content-Type: {ctype}",
        f"Content-Transfer-Encoding: {cte}",
        "",
    ) + body


def forwarded(inner: bytes) -> bytes:
    """Outlook's "Forward as attachment": the original as a message/rfc822 part."""
    return join(
        "From: Priya Raman <priya.raman@northbay-legal.example>",
        "To: Dana Whitfield <dana.whitfield@northbay-legal.example>",
        "Subject: FW: evidence for the Brandt file",
        "Date: Thu, 20 Feb 2025 08:05:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"fwd\"",
        "",
        "--fwd",
        "Content-Type: text/plain; charset=\"us-ascii\"",
        "",
        "See the original below.",
        "--fwd",
        "Content-Type: message/rfc822",
        "Content-Disposition: attachment; filename=\"Kaution.eml\"",
        "",
    ) + inner + join("", "--fwd--")


def big_attachment(mb: float) -> bytes:
    """A short mail with an attachment of `mb` MB (base64 in the file, a third more)."""
    blob = bytes(range(256)) * int(mb * 1024 * 1024 / 256)
    return join(
        "From: Scanner <scanner@office.example>",
        "To: Dana Whitfield <dana.whitfield@northbay-legal.example>",
        "Subject: Scanned exhibits",
        "Date: Mon, 10 Feb 2025 12:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"big\"",
        "",
        "--big",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Exhibits A to F, scanned at 600 dpi.",
        "--big",
        "Content-Type: application/pdf; name=\"exhibits.pdf\"",
        "Content-Disposition: attachment; filename=\"exhibits.pdf\"",
        "Content-Transfer-Encoding: base64",
        "",
        b64(blob),
        "--big--",
    )
