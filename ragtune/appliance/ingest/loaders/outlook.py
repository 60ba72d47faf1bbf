"""Outlook messages (.msg, MS-OXMSG: what Outlook's drag-and-drop and "Save as" write), read from the compound file
(`ole.py`) as an .eml is (`mail.py`): the same header block (`From:`, `To:`, `Cc:`, `Date:`, `Subject:`,
`Attachments:`), then the body: the plain one, else the HTML one (in its code page, through the HTML loader's text
extraction), else the RTF body: the text or HTML it encapsulates (`outlook_rtf.py`), or, for a message written in
rich text, the RTF read as a .rtf file is (`richtext.py`, hidden runs counted in a note). Attachments are listed by
name and never read; an attached Outlook message is read once, nested, as a forwarded .eml is."""

from __future__ import annotations

import struct
from email import policy
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

from ...hashing import sha256_bytes
from .base import Document, LoadError, clean_text, clean_title, exc_line, exc_reason, require_text, title_from_path
from .hidden import HTML_HOW
from .hidden import note as hidden_note
from .mail import _NO_SUBJECT, _decode, _drop_attachment_bodies, _Reader, header_block
from .mail_quotes import read_quotes
from .ole import ENCRYPTED_OFFICE, MAGIC, STORAGE, STREAM, CompoundFile, Damaged, Entry, encrypted_office, filetime, \
    kind_of
from .outlook_rtf import BadRtf, decompress, encapsulated
from .parse_budget import budgeted
from .richtext import HIDDEN_HOW as RTF_HOW, read_rtf

_MAX_DEPTH = 8  # attached messages inside attached messages, read at most so deep (then listed by name)
_MAX_STREAM = 64 * 1024 * 1024  # bytes of one property read at most (attachments' data are never read)
_PT_UNICODE, _PT_STRING8, _PT_BINARY, _PT_LONG, _PT_BOOL, _PT_SYSTIME, _PT_OBJECT = \
    0x001F, 0x001E, 0x0102, 0x0003, 0x000B, 0x0040, 0x000D
_SUBJECT, _SENDER_NAME, _SENDER_ADDR, _SENDER_TYPE, _SENDER_SMTP = 0x0037, 0x0C1A, 0x0C1F, 0x0C1E, 0x5D01
_REPR_NAME, _REPR_SMTP = 0x0042, 0x5D02
_DISPLAY_TO, _DISPLAY_CC, _SUBMIT, _DELIVERY = 0x0E04, 0x0E03, 0x0039, 0x0E06
_BODY, _RTF, _HTML, _CLASS = 0x1000, 0x1009, 0x1013, 0x001A
_MSG_CODEPAGE, _INET_CODEPAGE = 0x3FFD, 0x3FDE
_ATT_LONG, _ATT_SHORT, _ATT_DISPLAY, _ATT_METHOD, _ATT_DATA, _ATT_MIME, _ATT_HIDDEN = \
    0x3707, 0x3704, 0x3001, 0x3705, 0x3701, 0x370E, 0x7FFE
_RECIP_TYPE, _RECIP_NAME, _RECIP_SMTP, _RECIP_ADDR = 0x0C15, 0x3001, 0x39FE, 0x3003
_CODEPAGES = {65001: "utf-8", 20127: "us-ascii", 1200: "utf-16-le", 20866: "koi8-r", 21866: "koi8-u", 932: "shift_jis",
              936: "gbk", 54936: "gb18030", 949: "euc-kr", 950: "big5", 50220: "iso-2022-jp", 50221: "iso-2022-jp",
              51932: "euc-jp", 52936: "hz", 28591: "windows-1252", 1252: "windows-1252"}


def _codec(cp: object) -> str | None:
    """A Windows code page number as a charset label (`mail._decode` reads labels as a mail program does)."""
    if not isinstance(cp, int) or cp <= 0:
        return None
    if cp in _CODEPAGES:
        return _CODEPAGES[cp]
    if 28592 <= cp <= 28616:
        return f"iso-8859-{cp - 28590}"
    return f"windows-{cp}" if 874 <= cp <= 1258 else f"cp{cp}"


class _Props:
    """The properties of one storage (the message, an attachment, a recipient, an attached message): fixed-size
    values from its `__properties_version1.0` stream, the others from their `__substg1.0_IIIITTTT` streams."""

    def __init__(self, cfb: CompoundFile, storage: Entry, header: int, codepage: object = None) -> None:
        self.cfb, self.kids = cfb, cfb.children(storage)
        self.fixed: dict[int, tuple[int, bytes]] = {}
        stream = self.kids.get("__PROPERTIES_VERSION1.0")
        data = cfb.read(stream, _MAX_STREAM) if stream is not None and stream.kind == STREAM else b""
        for at in range(header, len(data) - 15, 16):
            tag = struct.unpack_from("<I", data, at)[0]
            self.fixed.setdefault(tag >> 16, (tag & 0xFFFF, data[at + 8:at + 16]))
        self.codepage = _codec(self.number(_MSG_CODEPAGE)) or _codec(self.number(_INET_CODEPAGE)) or _codec(codepage)

    def number(self, pid: int) -> int | None:
        typ, raw = self.fixed.get(pid, (0, b""))
        if typ == _PT_BOOL:  # 2 bytes, then padding a writer may leave unset
            return struct.unpack_from("<H", raw)[0]
        if typ == _PT_LONG:
            return struct.unpack_from("<i", raw)[0]
        return struct.unpack_from("<Q", raw)[0] if typ == _PT_SYSTIME else None

    def stream(self, pid: int, typ: int) -> bytes | None:
        e = self.kids.get(f"__SUBSTG1.0_{pid:04X}{typ:04X}")
        return self.cfb.read(e, _MAX_STREAM) if e is not None and e.kind == STREAM else None

    def text(self, pid: int) -> str:
        raw = self.stream(pid, _PT_UNICODE)
        if raw is not None:
            return raw.decode("utf-16-le", "replace").split("\x00", 1)[0]
        raw = self.stream(pid, _PT_STRING8)
        return "" if raw is None else _decode(raw.split(b"\x00", 1)[0], self.codepage)

    def binary(self, pid: int) -> bytes | None:
        return self.stream(pid, _PT_BINARY)


def _address(name: str, addr: str) -> str:
    addr = addr if "@" in addr and not addr.startswith("/") else ""  # an Exchange DN (/O=...) is not an address
    name = name if name and name.strip("'\"") != addr else ""
    if addr and any(c in name for c in ",;") and not name.startswith('"'):
        name = f'"{name}"'  # as a mail program writes "Okafor, Chidi" <c.okafor@...>
    return clean_title(f"{name} <{addr}>" if name and addr else name or addr)


class _Message:
    def __init__(self, cfb: CompoundFile, reader: _Reader) -> None:
        self.cfb, self.reader = cfb, reader
        self.notes: list[str] = []
        self.listed: list[str] = []  # the message's own attachments (not an attached message's)
        self.rtf_hidden = 0  # hidden runs left out of rich-text (RTF) bodies

    def read(self, storage: Entry, header: int, depth: int, codepage: object = None) -> tuple[list[str], _Props]:
        """A message as its header block and body blocks, and its properties."""
        p = _Props(self.cfb, storage, header, codepage)
        attachments: list[str] = []
        nested: list[str] = []
        for name, e in sorted(p.kids.items()):
            if e.kind != STORAGE:
                continue
            if name.startswith("__ATTACH_VERSION1.0_#"):
                nested.extend(self.attachment(e, depth, attachments, p.codepage))
        sender = _address(p.text(_SENDER_NAME) or p.text(_REPR_NAME),
                          p.text(_SENDER_SMTP) or p.text(_REPR_SMTP) or p.text(_SENDER_ADDR))
        to, cc = self.recipients(p)
        when = filetime(p.number(_SUBMIT)) or filetime(p.number(_DELIVERY))
        values = {"From": sender, "To": to or clean_title(p.text(_DISPLAY_TO)),
                  "Cc": cc or clean_title(p.text(_DISPLAY_CC)),
                  "Date": format_datetime(when) if when else "", "Subject": clean_title(p.text(_SUBJECT))}
        if depth == 0:
            self.listed = attachments
        block = header_block(values, attachments)
        body = read_quotes(self.body(p, storage, attachments))  # quoted history marked as .eml's (mail_quotes.py)
        return ([block] if block else []) + ([body] if body else []) + nested, p

    def recipients(self, p: _Props) -> tuple[str, str]:
        """To and Cc as `Name <address>` from the recipient table ("" where it has none of that type)."""
        kinds: dict[int, list[str]] = {1: [], 2: []}
        for name, e in sorted(p.kids.items()):
            if e.kind == STORAGE and name.startswith("__RECIP_VERSION1.0_#"):
                r = _Props(self.cfb, e, 8, p.codepage)
                who = _address(r.text(_RECIP_NAME), r.text(_RECIP_SMTP) or r.text(_RECIP_ADDR))
                if who and r.number(_RECIP_TYPE) in kinds:
                    kinds[r.number(_RECIP_TYPE) or 0].append(who)
        return "; ".join(kinds[1]), "; ".join(kinds[2])

    def body(self, p: _Props, storage: Entry, attachments: list[str]) -> str:
        text = p.text(_BODY).strip()
        if text:
            return text
        html = p.binary(_HTML)
        if html is not None:
            cp = _codec(p.number(_INET_CODEPAGE)) or p.codepage
            text = self.reader.html_text(_decode(html, cp)).strip()
        elif p.text(_HTML):  # some writers store the HTML body as a string
            text = self.reader.html_text(p.text(_HTML)).strip()
        if text:
            return text
        rtf = p.binary(_RTF)
        if rtf:
            try:
                data = decompress(rtf)
                kind, inner = encapsulated(data)
            except BadRtf as exc:
                self.notes.append(f"the message's RTF body is damaged ({exc}): not read")
                return ""
            if kind is None:  # written in rich text: read as a .rtf file is
                try:
                    r = read_rtf(data)
                except LoadError as exc:  # (load_msg re-raises LoadError: one bad body must not fail the message)
                    self.notes.append(f"the message's RTF body is damaged ({exc}): not read")
                    return ""
                self.rtf_hidden += r.hidden_runs
                return r.body().strip()
            return (self.reader.html_text(inner) if kind == "html" else inner).strip()
        return ""

    def attachment(self, e: Entry, depth: int, names: list[str], codepage: object) -> list[str]:
        a = _Props(self.cfb, e, 8, codepage)
        if a.number(_ATT_HIDDEN):
            return []  # an image the HTML body shows (a logo in a signature): part of the body, not a file
        name = clean_title(a.text(_ATT_LONG) or a.text(_ATT_SHORT) or a.text(_ATT_DISPLAY))
        inner = a.kids.get(f"__SUBSTG1.0_{_ATT_DATA:04X}{_PT_OBJECT:04X}")
        if a.number(_ATT_METHOD) == 5 and inner is not None and inner.kind == STORAGE:
            if depth < _MAX_DEPTH:
                blocks, _ = self.read(inner, 24, depth + 1, codepage)
                if blocks:
                    return ["Attached message:\n" + blocks[0], *blocks[1:]]
            names.append(name or "(attached message)")
            return []
        mime = a.text(_ATT_MIME).lower()
        if mime == "multipart/signed" and depth == 0:  # a clear-signed S/MIME message: its body is this MIME part
            data = a.binary(_ATT_DATA)
            if data:
                part = BytesParser(policy=policy.compat32).parsebytes(_drop_attachment_bodies(data))
                return self.reader.body(part, 1, names)
        names.append(name or "(unnamed attachment)")
        return []


def _not_msg(raw: bytes) -> str:
    """Why a file named .msg without the compound-file signature is no Outlook message."""
    head = raw[:2048].lstrip(b"\xef\xbb\xbf\r\n \t")
    if head[:5] == b"%PDF-":
        return "not an Outlook message: a PDF named .msg"
    if head[:4] == b"PK\x03\x04":
        return "not an Outlook message: a zip archive (a DOCX, XLSX...) named .msg"
    if any(head.lower().startswith(h) for h in (b"from:", b"received:", b"return-path:", b"date:", b"mime-version:",
                                                 b"message-id:", b"subject:", b"delivered-to:", b"from ")):
        return "not an Outlook message: an e-mail saved as text (.eml) named .msg: rename it .eml"
    return "not an Outlook message (no OLE compound-file signature)"


@budgeted("MSG", "a message of millions of attachments or recipients")  # as a PDF's (parse_budget.PARSE_SECONDS)
def load_msg(path: Path, raw: bytes) -> Document:
    if raw[:8] != MAGIC:
        raise LoadError(_not_msg(raw))
    reader = _Reader()
    try:
        cfb = CompoundFile(raw)
        top = cfb.children(cfb.root)
        if "__PROPERTIES_VERSION1.0" not in top:
            if encrypted_office(raw, top):
                raise LoadError(ENCRYPTED_OFFICE)
            kind = kind_of(top) or "an OLE compound file without message properties"
            raise LoadError(f"not an Outlook message: {kind} named .msg")
        msg = _Message(cfb, reader)
        blocks, p = msg.read(cfb.root, 32, 0)
        mclass = p.text(_CLASS).lower()
        subject = clean_title(p.text(_SUBJECT))
        when = filetime(p.number(_SUBMIT)) or filetime(p.number(_DELIVERY))
    except LoadError:
        raise
    except Damaged as exc:
        raise LoadError(f"damaged Outlook message: {exc_reason(str(exc)[:160])}") from None
    except RecursionError:
        raise LoadError("damaged Outlook message: attachments nested too deep") from None
    except Exception as exc:
        raise LoadError(f"damaged Outlook message: {exc_reason(exc_line(exc)[:160])}") from None
    if mclass.startswith("ipm.note.smime") and "multipartsigned" not in mclass:
        raise LoadError("encrypted Outlook message (S/MIME): open it in Outlook and save a decrypted copy")
    if ".rpmsg" in mclass or any(n.lower() == "message.rpmsg" for n in msg.listed):
        raise LoadError("encrypted Outlook message (rights-protected, IRM): open it in Outlook and save a copy")
    text = require_text(clean_text("\n\n".join(blocks)),
                        "empty document (an Outlook message with no sender, subject or body)")
    notes = list(msg.notes)
    if reader.hidden:
        notes.append(hidden_note(reader.hidden, "element", f"an HTML body's {HTML_HOW}"))
    if msg.rtf_hidden:
        notes.append(hidden_note(msg.rtf_hidden, "run", RTF_HOW))
    title = subject if subject.lower() not in _NO_SUBJECT else ""
    return Document(str(path), "msg", title or title_from_path(path), text, when.date().isoformat() if when else None,
                    sha256_bytes(raw), len(raw), tuple(notes))
