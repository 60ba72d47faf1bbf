"""An Outlook message's RTF body (PidTagRtfCompressed): decompressed (MS-OXRTFCP) and, where it only encapsulates a
plain-text or HTML body (MS-OXRTFEX: `\\fromtext`, `\\fromhtml1`, what Outlook writes for a message that was composed
as text or HTML), de-encapsulated back to that text or HTML. A message composed in rich text, when it has no plain or
HTML body, is read by `outlook.py` through `richtext.read_rtf`, as a .rtf file is."""

from __future__ import annotations

import re
import struct

from .richtext import CHARS as _CHARS, BadRtf, Tokens, _codec

# The dictionary's first 207 bytes (MS-OXRTFCP 2.1.3.1.1)
_PREBUF = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript "
           b"\\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
           b"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx")
_LZFU, _MELA = 0x75465A4C, 0x414C454D
MAX_RTF = 64 * 1024 * 1024  # decompressed bytes, at most (each 2-byte reference gives at most 17)


def decompress(data: bytes) -> bytes:
    if len(data) < 16:
        raise BadRtf("compressed RTF shorter than its header")
    comp_size, raw_size, kind, _crc = struct.unpack_from("<IIII", data, 0)
    if raw_size > MAX_RTF or raw_size > 17 * len(data) + 1024:
        raise BadRtf(f"compressed RTF claims {raw_size:,} bytes")
    if kind == _MELA:
        return data[16:16 + raw_size]
    if kind != _LZFU:
        raise BadRtf("compressed RTF of an unknown kind")
    window = bytearray(4096)
    window[:len(_PREBUF)] = _PREBUF
    w = len(_PREBUF)
    out = bytearray()
    pos, end = 16, min(len(data), 4 + comp_size)
    while pos < end and len(out) < raw_size:
        control = data[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if control & (1 << bit):
                if pos + 1 >= end:
                    raise BadRtf("compressed RTF cut short")
                ref = data[pos] << 8 | data[pos + 1]
                pos += 2
                off, length = ref >> 4, (ref & 0xF) + 2
                if off == w:
                    return bytes(out[:raw_size])  # the end marker
                for i in range(length):
                    c = window[(off + i) & 0xFFF]
                    out.append(c)
                    window[w] = c
                    w = (w + 1) & 0xFFF
            else:
                c = data[pos]
                pos += 1
                out.append(c)
                window[w] = c
                w = (w + 1) & 0xFFF
    return bytes(out[:raw_size])


_SKIP = {b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"header", b"footer", b"object", b"listtable",
         b"listoverridetable", b"rsidtbl", b"generator", b"xmlnstbl", b"themedata", b"datastore", b"latentstyles"}


def encapsulated(rtf: bytes) -> tuple[str | None, str]:
    """("html", html) or ("text", text) for an RTF body that encapsulates one, else (None, "")."""
    head = rtf[:4096]
    kind = "html" if b"\\fromhtml" in head else "text" if b"\\fromtext" in head else None
    if kind is None:
        return None, ""
    m = re.search(rb"\\ansicpg(\d{1,5})", head)
    codec = _codec(int(m.group(1)), "cp1252") if m else "cp1252"
    out: list[str] = []
    pending = bytearray()  # \'hh bytes, decoded together (a double-byte code page's pairs)

    def flush() -> None:
        if pending:
            out.append(pending.decode(codec, "replace"))
            pending.clear()

    # per group: (skipped, htmlrtf suppressing, inside an htmltag); `first`: the next token opens the group
    stack: list[tuple[bool, bool, bool]] = []
    skip = suppress = tag = False
    first = star = False
    uc, to_skip = 1, 0
    for word, arg, hexa, sym, brace, text in Tokens(rtf):  # (richtext.py: shared with .rtf files)
        if brace is not None:
            flush()
            if brace == b"{":
                stack.append((skip, suppress, tag))
                first, star = True, False
            elif stack:
                skip, suppress, tag = stack.pop()
                first = star = False
            to_skip = 0
            continue
        opening, first = first, False
        if sym == b"*" and opening:
            star, first = True, True
            continue
        if word is not None:
            if star:
                star = False
                if word == b"htmltag" and kind == "html":
                    tag = True
                    continue
                skip = True
            if opening and word in _SKIP:
                skip = True
            if skip:
                continue
            if word == b"htmlrtf":
                flush()
                suppress = arg != b"0"
            elif word == b"uc" and arg is not None:
                uc = max(0, int(arg))
            elif word == b"u" and arg is not None:
                if not suppress:
                    flush()
                    n = int(arg)
                    out.append(chr(n + 65536 if n < 0 else n) if -65536 < n < 65536 else "\ufffd")
                to_skip = uc
            elif word in _CHARS and not suppress:
                flush()
                out.append(_CHARS[word])
            continue
        if skip or suppress:
            continue
        if hexa is not None:
            if to_skip:
                to_skip -= 1
            else:
                pending.append(int(hexa, 16))
        elif sym is not None:
            if to_skip:
                to_skip -= 1
            elif sym in b"\\{}":
                flush()
                out.append(sym.decode())
            elif sym == b"~":
                flush()
                out.append("\u00a0")
        elif text is not None:
            flush()
            if to_skip:
                cut = min(to_skip, len(text))
                text, to_skip = text[cut:], to_skip - cut
            out.append(text.decode(codec, "replace"))
    flush()
    return kind, "".join(out)
