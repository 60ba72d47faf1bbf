"""The tokens of a Rich Text stream (`Tokens`), and the code pages its fonts and `\\ansicpg` name: shared by .rtf
files (richtext.py) and Outlook's RTF bodies (outlook_rtf.py)."""

from __future__ import annotations

import re
from typing import Any, Iterator


class BadRtf(Exception):
    """An RTF stream that cannot be read (its reason)."""


# A control word (letters, an optional numeric argument, one space eaten), a hex byte, a control symbol, a brace, line
# breaks (not text in RTF), or a run of plain text.
TOKEN = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z'])|([{}])|[\r\n]+|"
                   rb"([^\\{}\r\n]+)")
# what a group being skipped is scanned for: escaped braces, \bin data, braces
_SKIP_SCAN = re.compile(rb"\\bin(-?\d{1,10}) ?|\\[\\{}]|[{}]")
CHARS = {b"par": "\n", b"line": "\n", b"tab": "\t", b"lquote": "\u2018", b"rquote": "\u2019", b"ldblquote": "\u201c",
         b"rdblquote": "\u201d", b"emdash": "\u2014", b"endash": "\u2013", b"bullet": "\u2022", b"emspace": " ",
         b"enspace": " ", b"qmspace": " "}


class Tokens:
    """The tokens of an RTF file as `TOKEN`'s groups (word, arg, hex, symbol, brace, text), one at a time, without
    recursion: a file of 100,000 `{` is 100,000 brace tokens. `\\binN` data is stepped over (BadRtf when N runs past
    the end of the file); `skip_group` steps over the rest of a group at regex speed (a picture's megabytes of hex)."""

    def __init__(self, rtf: bytes):
        self.rtf, self.pos = rtf, 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        rtf = self.rtf
        while self.pos < len(rtf):
            for m in TOKEN.finditer(rtf, self.pos):
                if m.start() < self.pos:
                    break  # stepped over since (skip_group, \bin): search on from there
                self.pos = m.end()
                g = m.groups()
                if g[0] == b"bin" and g[1] is not None:
                    self._bin(int(g[1]))
                yield g
            else:
                return

    def _bin(self, size: int) -> None:
        if size < 0 or size > len(self.rtf) - self.pos:
            raise BadRtf(f"\\bin claims {size:,} bytes past the end of the file")
        self.pos += size

    def skip_group(self) -> bool:
        """Step over the rest of the group open now, its closing brace included; False: the file ends first."""
        depth, scan, rtf = 1, _SKIP_SCAN.search, self.rtf
        while True:
            m = scan(rtf, self.pos)
            if m is None:
                self.pos = len(rtf)
                return False
            self.pos = m.end()
            tok = m.group()
            if m.group(1) is not None:
                self._bin(int(m.group(1)))
            elif tok in (b"{", b"}"):
                depth += 1 if tok == b"{" else -1
                if not depth:
                    return True


# \fcharsetN -> codec (0 and 1: the document's \ansicpg); Symbol (2) read as Windows-1252
_CHARSETS = {2: "cp1252", 77: "mac_roman", 78: "cp932", 128: "cp932", 129: "cp949", 130: "cp1361", 134: "gbk",
             136: "cp950", 161: "cp1253", 162: "cp1254", 163: "cp1258", 177: "cp1255", 178: "cp1256", 186: "cp1257",
             204: "cp1251", 222: "cp874", 238: "cp1250", 255: "cp437"}
_CPG = {10000: "mac_roman", 65001: "utf-8"}


def _codec(cpg: int, fallback: str) -> str:
    name = _CPG.get(cpg, f"cp{cpg}")
    try:
        "".encode(name)
    except LookupError:
        return fallback  # (\ansicpg0, a code page Python does not know)
    return name
