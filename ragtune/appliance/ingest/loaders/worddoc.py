"""Word 97-2003 documents (.doc, MS-DOC), read from the compound file (`ole.py`) without Word or any library: the
FIB at the start of the WordDocument stream, the piece table (Clx -> Pcdt -> PlcPcd) in the 0Table/1Table stream
giving each piece of text as cp1252 bytes ("compressed") or UTF-16LE, cut to the main document (`ccpText`: footnotes,
endnotes, comments, headers and text boxes follow it in the same text and are not read). Paragraph marks become line
breaks, table cells `a | b` rows (the paragraph properties' fInTable/fTtp say which mark ends a cell and which a
row), fields keep their result and lose their instruction, and runs formatted hidden (sprmCFVanish in the character
properties) are left out and counted in a note. Title and date come from the SummaryInformation property set. Every
offset and length is checked against the stream it points into: a damaged file is a one-line reason, never a hang or
an allocation larger than the file. A .doc that is really a DOCX, an RTF file or an HTML page (Word's "Save
as" keeps the name) is read as what it is; other kinds get a reason that names them."""

from __future__ import annotations

import dataclasses
import re
import struct
from bisect import bisect_right
from pathlib import Path

from ...hashing import sha256_bytes
from .base import Document, LoadError, clean_text, clean_title, exc_line, exc_reason, require_text, title_from_path
from .hidden import note as hidden_note
from .ole import MAGIC, STREAM, CompoundFile, Damaged, Entry, filetime, kind_of
from .parse_budget import budgeted
from .richtext import _codec
from .web_charset import decode_cp1252

_WIDENT = 0xA5EC
_NFIB_97 = 0xC0  # Word 97 writes 0xC1 (0xC0, 0xC2 from its betas and Macintosh versions); Word 6/95 wrote 101-105
_FC_CLX, _FC_CHPX, _FC_PAPX = 33, 12, 13  # pair indexes in FibRgFcLcb97 (fcClx, fcPlcfBteChpx, fcPlcfBtePapx)
_FKP = 512
_SPRM_VANISH, _SPRM_IN_TABLE, _SPRM_TTP = 0x083C, 0x2416, 0x2417
# Structure characters kept even where they are formatted hidden (a hidden cell's mark still ends its cell)
_STRUCT = "\r\x07\x13\x14\x15"
_FIELD = re.compile("[\x13\x14\x15]")
# Special characters: pictures (0x01), drawn objects (0x08), note and comment references (0x02, 0x05) and hidden
# characters (NUL, made so here) dropped, a non-breaking hyphen (0x1e) a hyphen, an optional one (0x1f) nothing; then
# line breaks (0x0b), page and section breaks (0x0c), column breaks (0x0e) new lines (a space inside a table cell)
_DROPPED = re.compile("[\x00\x01\x02\x05\x08\x1f]+")
_BREAKS = re.compile("[\x0b\x0c\x0e]")
_CELL, _ROW = "\x1c", "\x1d"  # a cell's end and a row's end, once told apart (sentinels, never in the output)


class _Bad(Exception):
    """Damage found here (not by ole.py); worded like Damaged."""


def _u32(data: bytes, at: int, what: str) -> int:
    if at < 0 or at + 4 > len(data):
        raise _Bad(f"{what} lies past the end of its stream")
    return struct.unpack_from("<I", data, at)[0]


def _span(data: bytes, fc: int, lcb: int, what: str) -> bytes:
    if fc + lcb > len(data):
        raise _Bad(f"{what} ({lcb:,} bytes at {fc:,}) lies past the end of its {len(data):,}-byte stream")
    return data[fc:fc + lcb]


class _Fib:
    def __init__(self, word: bytes) -> None:
        if len(word) < 0x22 or struct.unpack_from("<H", word, 0)[0] != _WIDENT:
            raise _Bad("no Word file information block (FIB) at the start of the WordDocument stream")
        self.nfib, flags = struct.unpack_from("<H", word, 2)[0], struct.unpack_from("<H", word, 0x0A)[0]
        self.encrypted = bool(flags & 0x0100)
        self.table = "1Table" if flags & 0x0200 else "0Table"
        at = 0x20
        csw = struct.unpack_from("<H", word, at)[0]
        at += 2 + csw * 2
        if at + 2 > len(word):
            raise _Bad("the FIB is cut short")
        cslw = struct.unpack_from("<H", word, at)[0]
        lw = at + 2
        at = lw + cslw * 4
        if cslw < 5 or at + 2 > len(word):
            raise _Bad("the FIB is cut short")
        # ccpText, ccpFtn, ccpAtn, ccpEdn, ccpTxbx (headers' ccpHdd and ccpHdrTxbx: never read, as a DOCX's)
        self.ccp = [_u32(word, lw + 4 * i, "the FIB") for i in (3, 4, 7, 8, 9)]
        n = struct.unpack_from("<H", word, at)[0]
        self._pairs, self._n = at + 2, n
        self._word = word

    def pair(self, i: int) -> tuple[int, int]:
        if i >= self._n:
            return 0, 0
        at = self._pairs + 8 * i
        return _u32(self._word, at, "the FIB"), _u32(self._word, at + 4, "the FIB")


def _pieces(table: bytes, fc: int, lcb: int) -> list[tuple[int, int, int, int]]:
    """The piece table: (cp start, cp end, byte offset in WordDocument, bytes per character)."""
    if lcb == 0:
        raise _Bad("no piece table (Clx)")
    clx = _span(table, fc, lcb, "the piece table (Clx)")
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: property modifiers the pieces' prm may name (not read)
        if at + 3 > len(clx):
            raise _Bad("the piece table (Clx) is cut short")
        size = struct.unpack_from("<h", clx, at + 1)[0]
        if size < 0:
            raise _Bad("a negative property size in the piece table (Clx)")
        at += 3 + size
    if at + 5 > len(clx) or clx[at] != 0x02:
        raise _Bad("no piece descriptors (Pcdt) in the piece table (Clx)")
    size = struct.unpack_from("<I", clx, at + 1)[0]
    plc = _span(clx, at + 5, size, "the piece descriptors (PlcPcd)")
    n = (len(plc) - 4) // 12
    if n < 1 or len(plc) != n * 12 + 4:
        raise _Bad(f"a piece table of {len(plc):,} bytes (not 4 + 12 per piece)")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out = []
    for i in range(n):
        if cps[i + 1] < cps[i]:
            raise _Bad("the piece table's character positions go backwards")
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        out.append((cps[i], cps[i + 1], fc // 2 if compressed else fc, 1 if compressed else 2))
    return out


def _main_text(word: bytes, pieces: list[tuple[int, int, int, int]], ccp: int) -> str:
    parts: list[str] = []
    got = 0
    for cp0, cp1, fc, w in pieces:
        if got >= ccp:
            break
        if cp0 != got:
            raise _Bad(f"the piece table skips characters {got:,} to {cp0:,}")
        n = min(cp1, ccp) - cp0
        if got + n > len(word):  # pieces sharing bytes: no real file has more characters than its stream has bytes
            raise _Bad(f"the piece table claims over {len(word):,} characters in a stream of as many bytes")
        data = _span(word, fc, n * w, "a piece of text")
        # a compressed piece (MS-DOC 2.4.1) reads cp1252's five undefined bytes as themselves
        parts.append(decode_cp1252(data) if w == 1 else data.decode("utf-16-le", "replace"))
        got += n
    if got < ccp:
        raise _Bad(f"the piece table holds {got:,} of the document's {ccp:,} characters")
    return "".join(parts)


def _fkp_runs(word: bytes, table: bytes, fc: int, lcb: int, papx: bool) -> list[tuple[int, int, bytes]]:
    """(fc start, fc end, grpprl) of each character run (papx=False) or paragraph (papx=True) with properties, from
    the bin table's formatted disk pages (FKPs) in the WordDocument stream: each page read once, within the stream;
    runs that overlap (no real file's do) are cut so that a byte is in one run at most."""
    if lcb < 12:
        return []
    plc = _span(table, fc, lcb, "a formatting bin table")
    n = (len(plc) - 4) // 8
    pns = struct.unpack_from(f"<{n}I", plc, 4 * (n + 1))
    step = 13 if papx else 1
    runs: list[tuple[int, int, bytes]] = []
    for pn in sorted({p & 0x3FFFFF for p in pns}):
        page = _span(word, pn * _FKP, _FKP, "a formatting page (FKP)")
        crun = page[511]
        if 4 * (crun + 1) + crun * step > 511:
            raise _Bad("a formatting page (FKP) claims more runs than it holds")
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for i in range(crun):
            off = page[4 * (crun + 1) + i * step] * 2
            if not off or fcs[i + 1] <= fcs[i]:
                continue  # no properties (the defaults), or an empty run
            if papx:  # PapxInFkp: cb, then 2*cb - 1 bytes (cb 0: a second cb, then 2*cb bytes); an istd first
                cb = page[off]
                size, at = (2 * cb - 1, off + 1) if cb else (2 * page[min(off + 1, 511)], off + 2)
                grpprl = page[at + 2:at + size]
            else:  # Chpx: cb, then cb bytes
                grpprl = page[off + 1:off + 1 + page[off]]
            runs.append((fcs[i], fcs[i + 1], grpprl))
    runs.sort(key=lambda r: r[0])
    out: list[tuple[int, int, bytes]] = []
    for start, end, grpprl in runs:
        start = max(start, out[-1][1]) if out else start
        if start < end:
            out.append((start, end, grpprl))
    return out


def _sprms(grpprl: bytes) -> dict[int, int]:
    """The first operand byte of each sprm in a grpprl (a toggle or a flag is all that is read here)."""
    out: dict[int, int] = {}
    at = 0
    while at + 2 < len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        spra = sprm >> 13
        if spra == 6:  # variable: a size byte (sprmTDefTable 0xD608 and sprmPChgTabs 0xC615: read no further)
            if sprm in (0xD608, 0xC615):
                break
            at += 1 + grpprl[at]
            continue
        out.setdefault(sprm, grpprl[at])
        at += (1, 1, 2, 4, 2, 2, 0, 3)[spra]
    return out


class _Runs:
    """Property runs by byte offset (disjoint, sorted): the sprms asked for, per run."""

    def __init__(self, runs: list[tuple[int, int, bytes]], sprms: tuple[int, ...]) -> None:
        self.starts = [r[0] for r in runs]
        self.ends = [r[1] for r in runs]
        self.props = [{s: v for s, v in _sprms(r[2]).items() if s in sprms} for r in runs]

    def at(self, fc: int) -> dict[int, int]:
        i = bisect_right(self.starts, fc) - 1
        return self.props[i] if i >= 0 and fc < self.ends[i] else {}


class _Text:
    """The main text and where each of its characters lies in the WordDocument stream."""

    def __init__(self, text: str, pieces: list[tuple[int, int, int, int]]) -> None:
        self.text = text
        self.pieces = [p for p in pieces if p[0] < len(text) and p[1] > p[0]]
        self.starts = [p[0] for p in self.pieces]

    def fc(self, cp: int) -> int:
        cp0, _, fc, w = self.pieces[bisect_right(self.starts, cp) - 1]
        return fc + (cp - cp0) * w

    def hide(self, chpx: _Runs) -> int:
        """Each character formatted hidden (fVanish) made a NUL (dropped later, so character positions stay put for
        the paragraph look-ups), structure marks kept; the number of hidden runs with something visible in them."""
        if not any(p.get(_SPRM_VANISH) in (1, 0x81) for p in chpx.props):
            return 0
        spans: list[tuple[int, int]] = []
        for cp0, cp1, fc, w in self.pieces:
            cp1 = min(cp1, len(self.text))
            end_fc = fc + (cp1 - cp0) * w
            i = max(bisect_right(chpx.starts, fc) - 1, 0)
            while i < len(chpx.starts) and chpx.starts[i] < end_fc:
                if chpx.props[i].get(_SPRM_VANISH) in (1, 0x81):
                    a = cp0 + max(0, chpx.starts[i] - fc + w - 1) // w
                    b = min(cp1, cp0 + max(0, chpx.ends[i] - fc + w - 1) // w)
                    if a < b:
                        spans.append((a, b))
                i += 1
        chars = list(self.text) if spans else []
        count = 0
        for a, b in spans:
            seen = False
            for i in range(a, b):
                if chars[i] not in _STRUCT and chars[i] != "\x00":
                    seen = seen or not chars[i].isspace()
                    chars[i] = "\x00"
            count += seen
        if spans:
            self.text = "".join(chars)
        return count

    def marks(self, papx: _Runs | None) -> str:
        """Paragraph and cell marks told apart: a cell's \\x07 -> _CELL, a row's -> _ROW, a paragraph mark inside a
        cell -> a space. Without paragraph properties, a \\x07 right after a cell's end is taken for the row's."""
        text = self.text
        out = []
        last = 0
        prev_cell = False
        for m in re.finditer("[\r\x07]", text):
            c = m.start()
            out.append(text[last:c])
            last = c + 1
            if papx is not None:
                p = papx.at(self.fc(c))
                if m.group() == "\x07":
                    out.append(_ROW if p.get(_SPRM_TTP) else _CELL)
                else:
                    out.append(" " if p.get(_SPRM_IN_TABLE) else "\n")
            elif m.group() == "\r":
                out.append("\n")
                prev_cell = False
            else:
                out.append(_ROW if prev_cell and text[c - 1] == "\x07" else _CELL)
                prev_cell = out[-1] == _CELL
        out.append(text[last:])
        return "".join(out)


def _fields(text: str) -> str:
    """Each field's result kept, its instruction dropped (0x13 begin, 0x14 separator, 0x15 end; nested). Open fields
    still in their instruction are counted, not looked over (50,000 nested fields took 40 s so)."""
    if "\x13" not in text:
        return text.replace("\x14", "").replace("\x15", "")
    out = []
    stack: list[bool] = []  # per open field: in its result?
    instr = 0  # open fields in their instruction: text is kept while none is
    last = 0
    for m in _FIELD.finditer(text):
        if not instr:
            out.append(text[last:m.start()])
        last = m.end()
        ch = m.group()
        if ch == "\x13":
            stack.append(False)
            instr += 1
        elif ch == "\x14" and stack and not stack[-1]:
            stack[-1] = True
            instr -= 1
        elif ch == "\x15" and stack:
            instr -= not stack.pop()
    if not instr:
        out.append(text[last:])
    return "".join(out)


def _lines(text: str) -> str:
    lines: list[str] = []
    row: list[str] = []
    last = 0
    for m in re.finditer(f"[\n{_CELL}{_ROW}]", text):
        piece = text[last:m.start()]
        last = m.end()
        if m.group() == _CELL:
            row.append(" ".join(piece.split()))
        elif m.group() == _ROW:
            if piece.strip():
                row.append(" ".join(piece.split()))
            if any(row):
                lines.append(" | ".join(row))
            row = []
        else:
            if row:  # a table without its row end (cut short): its cells as a row
                lines.append(" | ".join(row))
                row = []
            lines.append(piece)
    if row:
        lines.append(" | ".join(row))
    lines.append(text[last:])
    return "\n".join(lines)


_TITLE, _CREATED, _SAVED, _CODEPAGE = 2, 12, 13, 1


def _summary(cfb: CompoundFile, si: Entry) -> tuple[str, str | None]:
    """Title and date (creation, else last save) from the SummaryInformation property set; ("", None) where it is
    missing or damaged (metadata is a nicety: the document is read without it), each read on its own."""
    try:
        data = cfb.read(si, len(cfb.raw))
        if len(data) < 48 or struct.unpack_from("<H", data, 0)[0] != 0xFFFE:
            return "", None
        base = _u32(data, 44, "")
        count = _u32(data, base + 4, "")
        if count > (len(data) - base) // 8:
            return "", None
        values: dict[int, tuple[int, int]] = {}
        for i in range(count):
            pid, off = struct.unpack_from("<II", data, base + 8 + 8 * i)
            if pid in (_TITLE, _CREATED, _SAVED, _CODEPAGE) and base + off + 8 <= len(data):
                values[pid] = (struct.unpack_from("<H", data, base + off)[0], base + off + 4)
        cp = values.get(_CODEPAGE)
        codepage = struct.unpack_from("<H", data, cp[1])[0] if cp and cp[0] == 2 else 1252
        title = ""
        if _TITLE in values:
            vt, at = values[_TITLE]
            size = _u32(data, at, "")
            if vt == 0x1E:
                raw = data[at + 4:at + 4 + size].split(b"\0", 1)[0]
                title = raw.decode("utf-16-le" if codepage == 1200 else _codec(codepage, "cp1252"), "replace")
            elif vt == 0x1F:
                title = data[at + 4:at + 4 + 2 * size].decode("utf-16-le", "replace").split("\0", 1)[0]
        when = None
        for pid in (_CREATED, _SAVED):
            vt, at = values.get(pid, (0, 0))
            ft = struct.unpack_from("<Q", data, at)[0] if vt == 0x40 else 0
            # after 1970 (Word writes 0 for "never"; before that is a duration); None past year 9999
            dt = filetime(ft) if ft > 116444736000000000 else None
            if dt:
                when = dt.date().isoformat()
                break
        return clean_title(title), when
    except (Damaged, _Bad, struct.error, LookupError, OverflowError, ValueError):
        return "", None


def _not_doc(raw: bytes) -> str | None:
    """Why a .doc without the compound-file signature is no Word 97-2003 document (None: it is an HTML page Word
    saved under the name, read as such)."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf\r\n \t").lower()
    if head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<html" in head):
        return None
    if head.startswith(b"mime-version:") or b"\nmime-version:" in head[:1024]:
        return "not a Word 97-2003 document: a single-file web page (.mht) named .doc: save it as .docx"
    if raw[:5] == b"%PDF-":
        return "not a Word 97-2003 document: a PDF named .doc"
    if raw[:4] == b"\xffWPC":
        return "not a Word 97-2003 document: a WordPerfect document named .doc: save it as .docx"
    if raw[:2] in (b"\xdb\xa5", b"\x31\xbe", b"\x32\xbe"):
        return "old Word for Windows 2.0 or Word for DOS document: open it in Word and save it as .docx"
    return "not a Word 97-2003 document (no OLE compound-file signature)"


@budgeted("DOC", "a document of millions of pieces or formatting runs")  # as a PDF's (parse_budget.PARSE_SECONDS)
def load_doc(path: Path, raw: bytes) -> Document:
    if raw[:4] == b"PK\x03\x04" and b"word/" in raw[:65536]:  # a DOCX under the old name (Word opens it)
        from .word import load_docx
        return dataclasses.replace(load_docx(path, raw), kind="doc")
    if raw[:8] != MAGIC:
        if raw[:4096].lstrip(b"\xef\xbb\xbf\r\n \t").lower().startswith(b"{\\rtf"):
            from .richtext import load_rtf  # Word's "Save as" rich text keeps the .doc name: read it as .rtf is

            return dataclasses.replace(load_rtf(path, raw), kind="doc")
        why = _not_doc(raw)
        if why is None:
            from .web import load_html
            return dataclasses.replace(load_html(path, raw), kind="doc")
        raise LoadError(why)
    notes: list[str] = []
    try:
        cfb = CompoundFile(raw)
        top = cfb.children(cfb.root)
        word_e = top.get("WORDDOCUMENT")
        if word_e is None or word_e.kind != STREAM:
            if "ENCRYPTEDPACKAGE" in top:
                raise LoadError("encrypted Word document (password required)")
            kind = kind_of({k: v for k, v in top.items() if k != "WORDDOCUMENT"})  # (a WordDocument storage)
            raise LoadError(f"not a Word 97-2003 document: {kind} named .doc" if kind else
                            "not a Word 97-2003 document: an OLE compound file without a WordDocument stream")
        word = cfb.read(word_e, len(raw))
        fib = _Fib(word)
        if fib.encrypted:
            raise LoadError("encrypted DOC (password required)")
        if fib.nfib < _NFIB_97:
            raise LoadError("old Word 6.0/95 document: open it in Word and save it as .docx")
        table_e = top.get(fib.table.upper())
        if table_e is None or table_e.kind != STREAM:
            raise _Bad(f"no {fib.table} stream")
        table = cfb.read(table_e, len(raw))
        pieces = _pieces(table, *fib.pair(_FC_CLX))
        doc = _Text(_main_text(word, pieces, fib.ccp[0]), pieces)
        hidden = doc.hide(_Runs(_fkp_runs(word, table, *fib.pair(_FC_CHPX), papx=False), (_SPRM_VANISH,)))
        papx = _Runs(_fkp_runs(word, table, *fib.pair(_FC_PAPX), papx=True), (_SPRM_IN_TABLE, _SPRM_TTP))
        text = _fields(doc.marks(papx if any(_SPRM_TTP in p for p in papx.props) else None))
        text = _lines(_DROPPED.sub("", text).replace("\x1e", "-"))
        si = top.get("\x05SUMMARYINFORMATION")
        title, when = _summary(cfb, si) if si is not None and si.kind == STREAM else ("", None)
    except LoadError:
        raise
    except (Damaged, _Bad) as exc:
        raise LoadError(f"damaged DOC: {exc_reason(str(exc)[:160])}") from None
    except Exception as exc:  # struct.error, IndexError on bytes the checks above did not foresee
        raise LoadError(f"damaged DOC: {exc_reason(exc_line(exc)[:160])}") from None
    text = require_text(clean_text(_BREAKS.sub("\n", text)), "empty document (a Word document with no text)")
    if hidden:
        notes.append(hidden_note(hidden, "run", "Word's hidden-text formatting"))
    if any(fib.ccp[1:]):  # (headers and footers are no content, as in a DOCX)
        notes.append("its footnotes, endnotes, comments and text boxes are not read (a .doc's main text only: "
                     "docs/ingest.md, Word 97-2003 documents)")
    return Document(str(path), "doc", title or title_from_path(path), text, when, sha256_bytes(raw), len(raw),
                    tuple(notes))
