"""E-mail saved as a file (.eml, RFC 5322: Outlook, Thunderbird, Apple Mail, Gmail's "Download message"): a header
block (`From:`, `To:`, `Cc:`, `Date:`, `Subject:`, `Attachments:`) then the body. People ask who sent what and
when, so the header lines are text, kept with the start of the body. In a multipart/alternative the text/plain part
is read, else the text/html one (through the HTML loader's text extraction); each part in its declared charset.
Attachments are listed by name, never decoded (a 50 MB attachment costs only its parse); a forwarded message
(message/rfc822) is read as nested text with its own header block. A reply's quoted history is kept, each quoted
part opened by a line naming its writer (`mail_quotes.py`): not read as the sender's own words."""

from __future__ import annotations

import base64
import quopri
import re
from bisect import bisect_left
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, Document, LoadError, clean_text, clean_title, decode_utf8, exc_line, exc_reason, \
    parse_date, require_text, title_from_path
from .hidden import HTML_HOW
from .hidden import note as hidden_note
from .mail_quotes import blockquote_html, blockquote_lines, read_quotes
from .parse_budget import budgeted
from .web import html5_eof, page_text
from .web_charset import web_codec

# Headers of which one, at the start of the file, makes it a mail (a text file with a first line "Note: x" is not)
_MAIL_HEADERS = ("from", "to", "cc", "date", "subject", "message-id", "received", "mime-version", "sender",
                 "return-path", "delivered-to", "reply-to", "newsgroups", "thread-topic", "x-mailer")
_SHOWN = ("From", "To", "Cc", "Date", "Subject")
_NO_SUBJECT = {"", "(no subject)", "no subject", "(kein betreff)", "(sans objet)", "(sin asunto)"}
# Parts inside parts (forwarded messages, multiparts), at most: a real mail nests a few; a crafted one thousands
# (Python's stack)
_MAX_DEPTH = 100
# Attachment names listed, at most (a message of 100,000 parts lists the first ones and a count)
_MAX_LISTED = 200
_HEADER_SCAN = 64 * 1024  # bytes looked at for the header block of a file that may not be a mail
_HEADER_LINE = re.compile(rb"^(?:From |[!-9;-~]+:)")


# An RFC 2047 encoded word: =?charset(*language)?B|Q?text?=
_WORD = re.compile(r"=\?([^?*\s]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t]*")


def _word_bytes(enc: str, text: str) -> bytes:
    if enc in "Bb":
        text = re.sub(r"[^A-Za-z0-9+/]", "", text)
        return base64.b64decode(text + "=" * (-len(text) % 4)) if len(text) % 4 != 1 else b""
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)


def decode_value(raw: str) -> str:
    """A header's raw value as text: folded lines joined, 8-bit bytes as UTF-8 (else as `_decode` reads them), and
    encoded words each in its charset as a mail program reads the label (Outlook's `iso-8859-1` words are
    Windows-1252: its en dash is 0x96). Adjacent words of one charset are decoded together: a UTF-8 character split
    between two words (Gmail cuts long subjects so) is one character, not two U+FFFD."""
    raw = re.sub(r"\r?\n(?=[ \t])", "", raw)
    if not raw.isascii():  # the parser keeps 8-bit header bytes as surrogate escapes
        raw = _decode(raw.encode("utf-8", "surrogateescape"), None)
    out: list[str] = []
    pos = 0
    pending: tuple[str, bytearray] | None = None
    for m in _WORD.finditer(raw):
        gap, charset = raw[pos:m.start()], m.group(1).lower()
        adjacent = pending is not None and _BETWEEN_WORDS.fullmatch(gap) is not None
        if pending is not None and not (adjacent and pending[0] == charset):
            out.append(_decode(bytes(pending[1]), pending[0]))
            pending = None
        if not adjacent:  # white space between two encoded words is not text (RFC 2047, 6.2)
            out.append(gap)
        try:
            data = _word_bytes(m.group(2), m.group(3))
        except (ValueError, TypeError):  # a broken word stays as written
            data = m.group(0).encode("ascii", "replace")
        if pending is None:
            pending = (charset, bytearray(data))
        else:
            pending[1].extend(data)
        pos = m.end()
    if pending is not None:
        out.append(_decode(bytes(pending[1]), pending[0]))
    out.append(raw[pos:])
    return "".join(out)


def _header(msg: Message, name: str) -> str:
    """A header's value decoded (`decode_value`), all its occurrences joined (two To: lines), "" without it."""
    values = [decode_value(str(v)) for k, v in msg.raw_items() if k.lower() == name.lower()]
    return ", ".join(v for v in (clean_title(x) for x in values) if v)


def _date(msg: Message) -> str | None:
    """The Date header as an ISO date (the sender's own day), None if missing or not a date."""
    try:
        raw = next((str(v) for k, v in msg.raw_items() if k.lower() == "date"), None)
        return parse_date(parsedate_to_datetime(raw.strip())) if raw else None
    except Exception:  # "Date: yesterday", a 31 February: no date, not a failure
        return None


def _decode(payload: bytes, charset: str | None) -> str:
    """A text part's bytes in its declared charset (as a browser reads the label: iso-8859-1 is Windows-1252). A
    charset that is missing, unknown or wrong for the bytes: UTF-8, else Windows punctuation
    (`base.decode_utf8`), else UTF-8 with U+FFFD for the bytes that are not text."""
    codec = web_codec(charset) if charset else None
    if codec is not None and codec not in ("utf-8", "cp1252"):
        try:
            return payload.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return payload.decode("utf-8")  # a us-ascii or latin-1 label on UTF-8 bytes is the common mislabel
    except UnicodeDecodeError:
        pass
    if codec == "cp1252":
        return payload.decode("cp1252", "replace")
    try:
        return decode_utf8(payload)
    except LoadError:
        return payload.decode("utf-8", "replace")


def _unflow(text: str, delsp: bool) -> str:
    """format=flowed (RFC 3676): a line ending in a space goes on in the next line (Thunderbird, Apple Mail)."""
    out: list[str] = []
    joined = ""
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.endswith(" ") and line != "-- ":
            joined += line[:-1] if delsp else line
        else:
            out.append(joined + line)
            joined = ""
    if joined:
        out.append(joined)
    return "\n".join(out)


def header_block(values: dict[str, str], attachments: list[str]) -> str:
    """The header block of a message (an .eml's, and an Outlook .msg's: outlook.py): the shown headers that have a
    value, then the attachments' names (at most _MAX_LISTED and a count)."""
    lines = [f"{name}: {values[name]}" for name in _SHOWN if values.get(name)]
    if attachments:
        more = len(attachments) - _MAX_LISTED
        lines.append("Attachments: " + ", ".join(attachments[:_MAX_LISTED]) + (f" and {more} more" if more > 0 else ""))
    return "\n".join(lines)


class _Reader:
    def __init__(self) -> None:
        self.hidden = 0  # HTML elements left out as hidden (display:none preheaders)

    def html_text(self, html: str) -> str:
        """An HTML body's text as load_html reads a page: its own <style> sheets too (a preheader hidden by a class)."""
        token = PARSE_BEAT.set(None)  # the mail's parse is not the page's: no page-relative progress
        try:
            text, p = page_text(html5_eof(html))
            marked = blockquote_html(html)  # a blockquote's lines marked as "> " lines are (mail_quotes.py)
            if marked is not None:
                text = blockquote_lines(page_text(html5_eof(marked))[0], text)
        finally:
            PARSE_BEAT.reset(token)
        self.hidden += p.hidden
        return text

    def text_of(self, part: Message) -> str:
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return ""
        text = _decode(payload, part.get_content_charset())
        if part.get_content_subtype() == "html":
            return self.html_text(text)
        if (part.get_param("format") or "").lower() == "flowed":
            text = _unflow(text, (str(part.get_param("delsp") or "")).lower() == "yes")
        return text

    def message(self, msg: Message, depth: int) -> list[str]:
        """A message as its header block and body, the attachments' names in the block."""
        attachments: list[str] = []
        body = self.body(msg, depth, attachments)
        block = header_block({n: _header(msg, n) for n in _SHOWN}, attachments)
        return [block, *body] if block else body

    def body(self, part: Message, depth: int, attachments: list[str]) -> list[str]:
        if depth > _MAX_DEPTH:
            raise LoadError(f"corrupt e-mail: parts nested over {_MAX_DEPTH} deep")
        ctype = part.get_content_type()
        maintype = part.get_content_maintype()
        if ctype == "message/rfc822" or (maintype == "message" and part.is_multipart()):
            inner = part.get_payload()
            nested = inner[0] if isinstance(inner, list) and inner else None
            if not isinstance(nested, Message):
                attachments.append(_name(part))
                return []
            text = self.message(nested, depth + 1)
            return ["Forwarded message:\n" + text[0], *text[1:]] if text else []
        if part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if ctype == "multipart/alternative":
                return self.alternative(children, depth + 1, attachments)
            out: list[str] = []
            for child in children:
                if ctype == "multipart/related" and child is not children[0] and child.get("Content-ID") and \
                        child.get_content_maintype() != "text":
                    continue  # an image the HTML shows (a logo in a signature): part of the body, not a file
                out.extend(self.body(child, depth + 1, attachments))
            return out
        if maintype == "application" and part.get_content_subtype() in ("pkcs7-signature", "x-pkcs7-signature",
                                                                        "pgp-signature", "pgp-keys"):
            return []  # a signature, not a file anyone attached
        if ctype in ("text/plain", "text/html") and part.get_content_disposition() != "attachment":
            text = read_quotes(self.text_of(part)).strip()
            return [text] if text else []
        attachments.append(_name(part))  # never decoded: read by its name only
        return []

    def alternative(self, children: list[Message], depth: int, attachments: list[str]) -> list[str]:
        """The text/plain rendering, else the richest one with text (HTML, or a multipart/related holding it)."""
        for child in children:
            if child.get_content_type() == "text/plain":
                text = self.body(child, depth, [])
                if text:
                    return text
        for child in reversed(children):
            if child.get_content_type() == "text/plain":
                continue
            found: list[str] = []
            text = self.body(child, depth, found)
            if text:
                attachments.extend(found)
                return text
        return []


def _name(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # pragma: no cover - a malformed RFC 2231 parameter
        name = None
    name = clean_title(decode_value(str(name))) if name else ""  # Outlook writes RFC 2047 words in names
    if not name and part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            name = _header(inner[0], "Subject")
    return name or f"(unnamed {part.get_content_type()})"


def _check_mail(raw: bytes) -> bytes:
    """The bytes from the header block on (a BOM and blank lines before it dropped), or the reason it is no mail."""
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise LoadError("not an e-mail: an Outlook .msg file (OLE) named .eml (save it from Outlook as .eml, or as "
                        "text)")
    start = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    start = start.lstrip(b"\r\n \t")
    head = start[:_HEADER_SCAN]
    end = re.search(rb"\r?\n\r?\n", head)
    block = head[:end.start()] if end else head
    if b"\x00" in block:
        raise LoadError("not an e-mail (binary file)")
    first = block.split(b"\n", 1)[0]
    names = {m.group(1).lower() for m in re.finditer(rb"^([!-9;-~]+):", block, re.M)}
    if not _HEADER_LINE.match(first) or not names & {n.encode() for n in _MAIL_HEADERS}:
        raise LoadError("not an e-mail (no header lines such as From:, Date:, Subject: at its start)")
    return start


_KEEP_TYPES = (b"text", b"multipart", b"message")
_BLOB_BYTES = 64 * 1024  # an attachment smaller than this is left to the parser: cutting it saves nothing
# A part's header block: after a boundary line (or at the start of the file) its lines, each neither empty nor holding
# a lone \r, up to the blank line that ends it (found with the \n before it)
_BLANK = re.compile(rb"\n\r?\n")
_LONE_CR = re.compile(rb"\r(?!\n)")
_BASE64 = re.compile(rb"(?im)^content-transfer-encoding:[ \t]*base64")
_TYPE = re.compile(rb"(?im)^content-type:[ \t]*([a-z0-9!#$&^_.+-]+)/")


def _head_start(data: bytes, at: int) -> int | None:
    """Where the header block after the boundary line at `at` (its \n; 0: the file's start) starts, None if none
    does (a line with a lone \r, or no line end; a blank line at the file's start: an empty block)."""
    if at == 0:
        return None if data[:1] == b"\n" or data[:2] == b"\r\n" else 0
    nl = data.find(b"\n", at + 3)
    return None if nl < 0 or data.find(b"\r", at + 3, nl - 1) >= 0 else nl + 1


class _Heads:
    """The header blocks that end at one blank line, read once: one starts after each boundary line before it, each
    the tail of the one before (a scan from each `--` line to the blank was quadratic: 100 KB of `-- SQL comment`
    lines took 24 s, 400 KB over 300 s)."""

    def __init__(self, data: bytes, start: int, blank: re.Match[bytes]) -> None:
        self.blank, end = blank, blank.start() + 1
        self.lone_cr = max((m.start() for m in _LONE_CR.finditer(data, start, end)), default=-1)
        self.base64 = max((m.start() for m in _BASE64.finditer(data, start, end)), default=-1)
        types = list(_TYPE.finditer(data, start, end))
        self.type_at, self.types = [m.start() for m in types], [m.group(1).lower() for m in types]

    def attachment(self, start: int) -> bool:
        """Whether the block from `start` is a header block of a base64 part whose type is not read."""
        if self.lone_cr >= start or self.base64 < start:
            return False  # no header block, or not base64
        i = bisect_left(self.type_at, start)  # its first Content-Type line; none: text/plain (RFC 2045)
        return i < len(self.types) and self.types[i] not in _KEEP_TYPES


def _drop_attachment_bodies(data: bytes) -> bytes:
    """The file without the encoded bodies of its large base64 attachments (not text/plain or HTML, not a forwarded
    message or a multipart), which are never read: the parser copies every byte it is given several times (a 50 MB
    mail of one PDF took 490 MB), and a listed name needs only the part's headers."""
    if len(data) < _BLOB_BYTES or not re.search(rb"(?i)base64", data):
        return data
    pieces, pos, at = [], 0, 0
    heads: _Heads | None = None
    while at >= 0:  # each part's header block: found by bytes.find (a regex scan of 50 MB took 2 s)
        start = _head_start(data, at)
        at = data.find(b"\n--", at + 1)
        if start is None:
            continue
        if heads is None or heads.blank.start() < start - 1:
            blank = _BLANK.search(data, max(0, start - 1))
            if blank is None:
                break  # no header block ends past here
            heads = _Heads(data, start, blank)
        if not heads.attachment(start):
            continue
        end = len(data) if at < 0 else at + 1
        if end - heads.blank.end() >= _BLOB_BYTES:
            pieces.append(data[pos:heads.blank.end()])
            pos = end
    if not pieces:
        return data
    pieces.append(data[pos:])
    return b"".join(pieces)


@budgeted("EML", "a message of millions of parts")  # as a PDF's (parse_budget.PARSE_SECONDS)
def load_eml(path: Path, raw: bytes) -> Document:
    data = _check_mail(raw)
    reader = _Reader()
    try:
        # compat32, not policy.default: the latter parses every header it is asked for through its header registry
        # (a mail of 10,000 parts took 38 s, of 100,000 over 300 s; compat32 7 s); headers are decoded here
        # (decode_value). Payloads stay encoded until a text part is asked for.
        msg = BytesParser(policy=policy.compat32).parsebytes(_drop_attachment_bodies(data))
        del data
        blocks = reader.message(msg, 0)
        subject = _header(msg, "Subject")
        when = _date(msg)
    except LoadError:
        raise
    except RecursionError:
        raise LoadError("corrupt e-mail: parts nested too deep") from None
    except Exception as exc:
        raise LoadError(f"corrupt e-mail: {exc_reason(exc_line(exc)[:160])}") from None
    text = require_text(clean_text("\n\n".join(blocks)), "empty document (an e-mail with no sender, subject or body)")
    title = subject if subject.lower() not in _NO_SUBJECT else ""
    notes = (hidden_note(reader.hidden, "element", f"an HTML body's {HTML_HOW}"),) if reader.hidden else ()
    return Document(str(path), "eml", title or title_from_path(path), text, when, sha256_bytes(raw), len(raw), notes)
