"""Word 97-2003 documents (.doc, MS-DOC), read from the compound file (`ole.py`) without Word or any library: the
FIB at the start of the WordDocument stream, the piece table (Clx -> Pcdt -> PlcPcd) in the 0Table/1Table stream
giving each piece of text as cp1252 bytes ("compressed") or UTF-16LE: the main document (`ccpText`), then its
footnotes and endnotes as `[n]` at the end, numbered where they are referenced (as DOCX's); comments, headers and
text boxes follow it in the same text and are not read. Paragraph marks become line breaks, a table's rows as
tablerows.table_block writes them (paragraph properties' fInTable/fTtp tell a cell's end from a row's, and
sprmTTableHeader a header row), fields keep their result and lose their instruction, and runs a reader cannot see
(hidden, directly or by a style, under 2 pt, white on the white page: worddoc_props.py) are left out and counted in
a note. Title and date come from the SummaryInformation property set. Every offset and length is checked against
the stream it points into: a damaged file is a one-line reason, never a hang or an allocation larger than the file.
A .doc that is really a DOCX, an RTF file or an HTML page (Word's "Save as" keeps the name) is read as what it is."""

from __future__ import annotations

import dataclasses
import re
import struct
import sys
from array import array
from bisect import bisect_left, bisect_right
from pathlib import Path

from ...hashing import sha256_bytes
from .base import Document, LoadError, clean_text, clean_title, exc_line, exc_reason, require_text, title_from_path
from .hidden import note as hidden_note
from .ole import ENCRYPTED_OFFICE, MAGIC, STREAM, CompoundFile, Damaged, Entry, encrypted_office, filetime, kind_of
from .parse_budget import budgeted
from .rtf_tokens import _codec
from .tablerows import table_block
from .worddoc_props import IN_TABLE as _SPRM_IN_TABLE, TTP as _SPRM_TTP, UNSEEN, VANISHED, Bad as _Bad, \
    Runs as _Runs, Sight, fkp_runs as _fkp_runs, page_coloured, span as _span, styles, u32 as _u32, unseen_spans
from .web_charset import decode_cp1252

_WIDENT, _WIDENT_6 = 0xA5EC, 0xA5DC  # Word 97 and later; Word 6.0 and 95
_NFIB_97 = 0xC0  # Word 97 writes 0xC1 (0xC0, 0xC2 from its betas and Macintosh versions); Word 6/95 wrote 101-105
_WORD_6 = "Word 6/95 document: save it as .docx"
# pair indexes in FibRgFcLcb97: fcClx, fcPlcfBteChpx, fcPlcfBtePapx, fcStshf, fcDggInfo; footnotes' and endnotes'
# reference and text tables
_FC_CLX, _FC_CHPX, _FC_PAPX, _FC_STSH, _FC_DGG = 33, 12, 13, 1, 50
_FC_NOTES = ((2, 3), (46, 47))
_HOW = {(True, False): "Word's hidden-text formatting", (False, True): "white text on no shading, or under 2 pt",
        (True, True): "Word's hidden-text formatting, white text on no shading, or under 2 pt"}
# Structure characters kept even where they are formatted hidden (a hidden cell's mark still ends its cell)
_STRUCT = "\r\x07\x13\x14\x15"
_FIELD = re.compile("[\x13\x14\x15]")
# Special characters: pictures (0x01), drawn objects (0x08), note and comment references (0x02, 0x05) and hidden
# characters (NUL, made so here) dropped, a non-breaking hyphen (0x1e) a hyphen, an optional one (0x1f) nothing; then
# line breaks (0x0b), page and section breaks (0x0c), column breaks (0x0e) new lines (a space inside a table cell)
_DROPPED = re.compile("[\x00\x01\x02\x05\x08\x1f]+")
_BREAKS = re.compile("[\x0b\x0c\x0e]")
_CELL, _ROW, _HEAD = "\x1c", "\x1d", "\x1a"  # ends of a cell, a row, a header row (sentinels, never in the output)
_SPRM_HEADER = 0x3404  # sprmTTableHeader: the row repeats as the table's header (Word's "Repeat as header row")
_SENTINEL = re.compile("\x03(\\d+)\x04")  # a note reference's place, its index in the references


class _Fib:
    def __init__(self, word: bytes) -> None:
        if len(word) < 0x22 or struct.unpack_from("<H", word, 0)[0] != _WIDENT:
            raise _Bad("no Word file information block (FIB) at the start of the WordDocument stream")
        self.nfib, flags = struct.unpack_from("<H", word, 2)[0], struct.unpack_from("<H", word, 0x0A)[0]
        self.encrypted = bool(flags & 0x0100)
        self.table = "1Table" if flags & 0x0200 else "0Table"
        at = 0x22 + struct.unpack_from("<H", word, 0x20)[0] * 2  # past csw and its words
        if at + 2 > len(word):
            raise _Bad("the FIB is cut short")
        cslw, lw = struct.unpack_from("<H", word, at)[0], at + 2
        at = lw + cslw * 4
        if cslw < 5 or at + 2 > len(word):
            raise _Bad("the FIB is cut short")
        # ccpText, ccpFtn, ccpAtn, ccpEdn, ccpTxbx (headers' ccpHdd and ccpHdrTxbx: never read, as a DOCX's)
        self.ccp = [_u32(word, lw + 4 * i, "the FIB") for i in (3, 4, 7, 8, 9)]
        # where the footnotes and the endnotes start: after the main text; after it, the footnotes, headers, the
        # reserved ccpMcr and the comments
        head = [_u32(word, lw + 4 * i, "the FIB") for i in (3, 4, 5, 6, 7)]
        self.stories = ((head[0], self.ccp[1]), (sum(head), self.ccp[3]))
        self._pairs, self._n = at + 2, struct.unpack_from("<H", word, at)[0]
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
        compressed, fc = bool(fc & 0x40000000), fc & 0x3FFFFFFF
        out.append((cps[i], cps[i + 1], fc // 2 if compressed else fc, 1 if compressed else 2))
    return out


def _decode(data: bytes, w: int) -> str:
    """A piece's text, one character per character position: a compressed piece (MS-DOC 2.4.1) reads cp1252's five
    undefined bytes as themselves; a UTF-16 piece is one character per code unit, a surrogate pair (an emoji) left as
    two, as the piece table and the formatting count it (clean_text joins them; joined here, every later position
    would be one off: hidden text shown, cells misread)."""
    if w == 1:
        return decode_cp1252(data)
    text = data.decode("utf-16-le", "surrogatepass")
    if len(text) * 2 == len(data):
        return text  # no pair joined (nearly every piece)
    units = array("H", data)
    if sys.byteorder == "big":
        units.byteswap()
    return "".join(map(chr, units))


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
        parts.append(_decode(_span(word, fc, n * w, "a piece of text"), w))
        got += n
    if got < ccp:
        raise _Bad(f"the piece table holds {got:,} of the document's {ccp:,} characters")
    return "".join(parts)


def _more_text(word: bytes, pieces: list[tuple[int, int, int, int]], start: int, end: int) -> str:
    """The text from `start` (the main text's end) to `end` (the last note's), as far as the pieces hold it whole
    (notes past a damaged piece are not read; the main text is)."""
    parts: list[str] = []
    got = start
    for cp0, cp1, fc, w in pieces:
        if cp1 <= got:
            continue
        if got >= end or cp0 > got:
            break
        n = min(cp1, end) - got
        at = fc + (got - cp0) * w
        if got + n > len(word) or at + n * w > len(word):  # (as _main_text: never more characters than bytes)
            break
        parts.append(_decode(word[at:at + n * w], w))
        got += n
    return "".join(parts)


def _note_refs(fib: _Fib, table: bytes) -> tuple[list[tuple[int, int, int]], bool]:
    """(reference cp in the main text, note start, note end) of each footnote and endnote, in reference order; and
    False where a story holds text but its tables cannot be read (damaged or missing). Notes must follow each other
    (a note table pointing many references at one long note would multiply its text)."""
    out: list[tuple[int, int, int]] = []
    ok = True
    for (ref_i, txt_i), (start, size) in zip(_FC_NOTES, fib.stories):
        if not size:
            continue
        try:
            ref = _span(table, *fib.pair(ref_i), "a note reference table")
            txt = _span(table, *fib.pair(txt_i), "a note text table")
        except _Bad:
            ok = False
            continue
        n = (len(ref) - 4) // 6  # n + 1 positions, then a 2-byte FRD per note
        if n < 1 or len(ref) != 4 + 6 * n or len(txt) < 4 * (n + 1):
            ok = False
            continue
        refs = struct.unpack_from(f"<{n}I", ref, 0)
        ends = struct.unpack_from(f"<{n + 1}I", txt, 0)
        if any(b < a for a, b in zip(ends, ends[1:])):
            ok = False
            continue
        out += [(refs[i], start + ends[i], start + min(ends[i + 1], size)) for i in range(n)
                if refs[i] < fib.ccp[0] and ends[i] < min(ends[i + 1], size)]
    return sorted(out), ok


def _with_notes(text: str, ccp: int, refs: list[tuple[int, int, int]], props: bool = True) -> str:
    """The main text with `[n]` at each note reference, then the notes as `[n] text`. A reference formatted hidden
    (or inside a field's instruction) drops its note; a custom mark ("*") stays, `[n]` after it."""
    main = text[:ccp]
    if refs:
        main = main.replace("\x03", "\x00").replace("\x04", "\x00")  # (the sentinels below: dropped as NUL is)
        parts, last = [], 0
        for i, (cp, _, _) in enumerate(refs):
            if cp < last or main[cp] == "\x00":
                continue
            parts += [main[last:cp], "" if main[cp] == "\x02" else main[cp], f"\x03{i}\x04"]
            last = cp + 1
        main = "".join(parts) + main[last:]
    body = _lines(_DROPPED.sub("", _fields(main)).replace("\x1e", "-"), props)
    if not refs:
        return body
    order: list[int] = []

    def number(m: re.Match[str]) -> str:
        order.append(int(m.group(1)))
        return f"[{len(order)}]"

    body = _SENTINEL.sub(number, body)
    notes = [" ".join(_lines(_DROPPED.sub("", _fields(text[refs[i][1]:refs[i][2]])).replace("\x1e", "-")).split())
             for i in order]
    return "\n\n".join([body, *(f"[{k + 1}] {t}" for k, t in enumerate(notes) if t)])


class _Text:
    """The main text and where each of its characters lies in the WordDocument stream."""

    def __init__(self, text: str, pieces: list[tuple[int, int, int, int]]) -> None:
        self.text = text
        self.pieces = [p for p in pieces if p[0] < len(text) and p[1] > p[0]]
        self.starts = [p[0] for p in self.pieces]

    def fc(self, cp: int) -> int:
        cp0, _, fc, w = self.pieces[bisect_right(self.starts, cp) - 1]
        return fc + (cp - cp0) * w

    def hide(self, spans: list[tuple[int, int, int]], read: list[tuple[int, int]]) -> list[int]:
        """Each character of `spans` (unseen_spans: formatted hidden, or not seen) made a NUL (dropped later, so
        character positions stay put for the paragraph look-ups), structure marks kept; the number of runs of each
        kind with something visible in them, in the parts of the text that are `read`."""
        count = [0, 0]
        parts: list[list[int]] = []  # `read` sorted and merged: one bisect per span, not a walk of every note
        for start, end in sorted(read):
            if parts and start <= parts[-1][1]:
                parts[-1][1] = max(parts[-1][1], end)
            elif start < end:
                parts.append([start, end])
        starts = [p[0] for p in parts]
        chars = list(self.text) if spans else []
        for a, b, why in spans:
            seen = False
            for i in range(a, b):
                if chars[i] not in _STRUCT and chars[i] != "\x00":
                    seen = seen or not chars[i].isspace()
                    chars[i] = "\x00"
            k = bisect_left(starts, b) - 1  # the last part starting before b: it meets [a, b) if any does
            count[why] += seen and k >= 0 and parts[k][1] > a
        if spans:
            self.text = "".join(chars)
        return count

    def marks(self, papx: _Runs | None) -> str:
        """Paragraph and cell marks told apart: a cell's \\x07 -> _CELL, a row's -> _ROW, a paragraph mark inside a
        cell -> a space. Without paragraph properties, a \\x07 right after a cell's end is taken for the row's."""
        text = self.text.replace(_HEAD, "\x00")  # (the sentinel's character, dropped as NUL is: places kept)
        out, last, prev_cell = [], 0, False
        for m in re.finditer("[\r\x07]", text):
            c = m.start()
            out.append(text[last:c])
            last = c + 1
            if papx is not None:
                p = papx.at(self.fc(c))
                if m.group() == "\x07":  # (a row marked a header row, sprmTTableHeader: _HEAD)
                    out.append((_HEAD if p.get(_SPRM_HEADER) else _ROW) if p.get(_SPRM_TTP) else _CELL)
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


def _lines(text: str, props: bool = True) -> str:
    """Lines of the text, a table's by table_block: key/value ones only if `props` (a cell's paragraphs told apart)."""
    lines: list[str] = []
    row: list[str] = []
    rows: list[list[str]] = []  # the table being read
    heads: set[int] = set()  # its rows marked a header (the first; the second, under a title row: table_block)
    last = 0
    for m in re.finditer(f"[\n{_CELL}{_ROW}{_HEAD}]", text):
        piece = text[last:m.start()]
        last = m.end()
        if m.group() == _CELL:
            row.append(" ".join(piece.split()))
        elif m.group() != "\n":
            if piece.strip():
                row.append(" ".join(piece.split()))
            if any(row):
                heads |= {len(rows)} if m.group() == _HEAD and len(rows) < 2 else set()
                rows.append(row)
            row = []
        else:
            if row:  # a table without its row end (cut short): its cells as a row
                rows.append(row)
                row = []
            lines += table_block(rows, heads, props)
            rows, heads = [], set()
            lines.append(piece)
    lines += table_block(rows + [row] if row else rows, heads, props)
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
            if ft > 116444736000000000 and (dt := filetime(ft)):
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
    if raw[:2] in (b"\xdb\xa5", b"\x9b\xa5"):  # (no compound file before Word 6)
        return "Word for Windows 2.0 (or older) document: save it as .docx"
    if raw[:2] in (b"\x31\xbe", b"\x32\xbe"):
        return "Word for DOS or Windows Write document: save it as .docx"
    if raw[:4] in (b"\xfe\x37\x00\x1c", b"\xfe\x37\x00\x23"):
        return "Word for Macintosh 5 (or older) document: save it as .docx"
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
            if encrypted_office(raw, top):
                raise LoadError(ENCRYPTED_OFFICE)
            kind = kind_of({k: v for k, v in top.items() if k != "WORDDOCUMENT"})  # (a WordDocument storage)
            raise LoadError(f"not a Word 97-2003 document: {kind} named .doc" if kind else
                            "not a Word 97-2003 document: an OLE compound file without a WordDocument stream")
        word = cfb.read(word_e, len(raw))
        ident, nfib = struct.unpack_from("<HH", word, 0) if len(word) >= 4 else (0, 0)
        if ident == _WIDENT_6 or (ident == _WIDENT and nfib < _NFIB_97):  # (its FIB is laid out otherwise)
            raise LoadError(_WORD_6)
        fib = _Fib(word)
        if fib.encrypted:
            raise LoadError(ENCRYPTED_OFFICE)  # (a Word 97-2003 password: the same advice)
        table_e = top.get(fib.table.upper())
        if table_e is None or table_e.kind != STREAM:
            raise _Bad(f"no {fib.table} stream")
        table = cfb.read(table_e, len(raw))
        pieces = _pieces(table, *fib.pair(_FC_CLX))
        ccp = fib.ccp[0]
        refs, notes_ok = _note_refs(fib, table)
        end = max((r[2] for r in refs), default=ccp)
        doc = _Text(_main_text(word, pieces, ccp) + _more_text(word, pieces, ccp, end), pieces)
        chpx_runs = _fkp_runs(word, table, *fib.pair(_FC_CHPX), papx=False)
        papx_runs = _fkp_runs(word, table, *fib.pair(_FC_PAPX), papx=True)
        sight = Sight(styles(table, *fib.pair(_FC_STSH)), page_coloured(table, *fib.pair(_FC_DGG)))
        hidden = doc.hide(unseen_spans(doc.pieces, doc.text, doc.fc, chpx_runs, papx_runs, sight),
                          [(0, ccp)] + [(a, b) for _, a, b in refs])
        papx = _Runs(papx_runs, (_SPRM_IN_TABLE, _SPRM_TTP, _SPRM_HEADER))
        props = any(_SPRM_TTP in p for p in papx.props)
        text = _with_notes(doc.marks(papx if props else None), ccp, refs, props)
        si = top.get("\x05SUMMARYINFORMATION")
        title, when = _summary(cfb, si) if si is not None and si.kind == STREAM else ("", None)
    except LoadError:
        raise
    except (Damaged, _Bad) as exc:
        raise LoadError(f"damaged DOC: {exc_reason(str(exc)[:160])}") from None
    except Exception as exc:  # struct.error, IndexError on bytes the checks above did not foresee
        raise LoadError(f"damaged DOC: {exc_reason(exc_line(exc)[:160])}") from None
    text = require_text(clean_text(_BREAKS.sub("\n", text)), "empty document (a Word document with no text)")
    if any(hidden):
        notes.append(hidden_note(sum(hidden), "run", _HOW[bool(hidden[VANISHED]), bool(hidden[UNSEEN])]))
    if not notes_ok:
        notes.append("its footnotes or endnotes are not read: their tables are damaged or missing (docs/ingest.md, "
                     "Word 97-2003 documents)")
    if fib.ccp[2] or fib.ccp[4]:  # (headers and footers are no content, as in a DOCX)
        notes.append("its comments and text boxes are not read (a .doc's main text and notes only: docs/ingest.md, "
                     "Word 97-2003 documents)")
    return Document(str(path), "doc", title or title_from_path(path), text, when, sha256_bytes(raw), len(raw),
                    tuple(notes))
