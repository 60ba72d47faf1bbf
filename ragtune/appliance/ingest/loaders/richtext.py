"""Rich Text Format (.rtf: WordPad, TextEdit, Word's "Save as RTF", case-management exports), read without any
library: the text a reader sees, in order. Paragraphs as lines, headings (`\\outlinelevel`, or a "heading N" style) as
`#` lines, table rows as `a | b | c`, list labels as written (`\\listtext`), fields by their result, footnotes as `[n]`
at the end (as DOCX's). Left out: font, colour and style tables, pictures, objects (but their `\\result`), headers and
footers (not content, as for DOCX), comments, index and contents entries, unknown `\\*` destinations, tracked
deletions, and text a reader cannot see (`\\v` hidden, under 2 pt, or in the colour behind it: counted in a note).
The tokenizer (`Tokens`, rtf_tokens.py) is shared with Outlook's RTF bodies (outlook_rtf.py)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, Document, LoadError, clean_text, clean_title, looks_binary, parse_date, title_from_path
from .hidden import note as hidden_note, unseen_text
from .parse_budget import budgeted, guarded
from .rtf_tokens import _CHARSETS, CHARS, BadRtf, Tokens, _codec

# -- the document --------------------------------------------------------------------------------------------------
MAX_DEPTH = 1_000  # groups open at once: Word's deepest (a nested table in a field in a footnote) is tens
_BEAT_EVERY = 65_536  # tokens between progress beats

# destinations not read as text (their group is stepped over): tables of the document, pictures, headers and footers,
# index and contents entries, field instructions, a shape's properties and its picture for older readers
_SKIP = frozenset(b"listtable listoverridetable revtbl rsidtbl filetbl pgdsctbl pict header headerl headerr headerf "
                  b"footer footerl footerr footerf fldinst sp shprslt nonshppict xe tc tcn txe objdata objclass "
                  b"objname template atnid atnauthor annotation bkmkstart bkmkend datafield userprops".split())
# shading patterns (the paragraph's \bg..., a run's \chbg...): drawn in \cfpat over \cbpat, as \shadingN is
_PATTERNS = frozenset(b"horiz vert fdiag bdiag cross dcross dkhoriz dkvert dkfdiag dkbdiag dkcross dkdcross".split())
_PARA_PATTERNS, _RUN_PATTERNS = frozenset(b"bg" + p for p in _PATTERNS), frozenset(b"chbg" + p for p in _PATTERNS)
_KNOWN = frozenset(b"fonttbl colortbl stylesheet info title creatim revtim object result shpinst background footnote "
                   b"chftn par sect page cell row line nestcell nestrow ansicpg mac pc pca deff f fs cf cb highlight "
                   b"chcbpat v deleted plain pard intbl cbpat outlinelevel s viewbksp fcharset cpg red green blue cs "
                   b"ds ts tsrowd yr mo dy shading chshdng".split()) | _SKIP | frozenset(CHARS) | _PARA_PATTERNS | \
    _RUN_PATTERNS  # the words `word` acts on
_SYMBOLS = {b"~": "\u00a0", b"_": "-", b"\\": "\\", b"{": "{", b"}": "}"}
# group state: destination, \uc, font, size (half-points), colour, hidden, background, deleted, in a table, paragraph
# shading, outline level, style, flow (main text or a footnote's), a shading pattern on the paragraph, on the run
DEST, UC, FONT, SIZE, CF, HIDDEN, BG, DELETED, INTBL, CBPAT, OUTLINE, STYLE, FLOW, PAT, CHPAT = range(15)
TEXT, SKIP, FONTTBL, COLORTBL, STYLESHEET, STYLE_DEF, INFO, TITLE, CREATIM, REVTIM, OBJECT, SHAPE = range(12)
_OPENS = {b"fonttbl": FONTTBL, b"colortbl": COLORTBL, b"stylesheet": STYLESHEET, b"info": INFO, b"object": OBJECT}


class _Flow:
    """Text being laid out: the main text, or a footnote's."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.para: list[str] = []
        self.cell: list[str] = []  # a cell's paragraphs before its last
        self.cells: list[str] = []

    def end_para(self, in_table: bool, level: int | None) -> str:
        text = "".join(self.para).strip()
        self.para = []
        if in_table:
            self.cell.append(text)
        elif text:
            self.lines.append(text if level is None else "#" * min(level + 1, 6) + " " + " ".join(text.split()))
        return text

    def end_cell(self) -> None:
        self.cell.append("".join(self.para))
        self.para = []
        self.cells.append(" ".join(" ".join(self.cell).split()))
        self.cell = []

    def end_row(self) -> None:
        if self.para or self.cell:
            self.end_cell()
        if any(self.cells):
            self.lines.append(" | ".join(self.cells))
        self.cells = []

    def text(self, sep: str = "\n\n") -> str:
        if self.cells or self.cell:
            self.end_row()
        self.end_para(False, None)
        return sep.join(self.lines)


class _Reader:
    def __init__(self, rtf: bytes):
        self.toks, self.size, self.codec, self.deff = Tokens(rtf), max(1, len(rtf)), "cp1252", 0
        self.fonts: dict[int, str] = {}  # font number -> codec
        self.colours: list[str | None] = []
        self.rgb: list[int | None] = [None, None, None]
        self.style_levels: dict[int, int] = {}  # style number -> heading level (0: heading 1)
        self.style_no: int | None = 0  # the style being defined
        self.cur: int | None = None  # the font being defined
        self.name: list[str] = []  # the style or title being read
        self.title = self.first_heading = ""
        self.dates: dict[int, list[int]] = {CREATIM: [0, 0, 0], REVTIM: [0, 0, 0]}
        self.page_bg = self.in_hidden = False
        self.main, self.notes, self.hidden_runs, self.open_groups = _Flow(), [], 0, 0
        self.pending, self.pending_state = bytearray(), None

    # -- text out ----------------------------------------------------------------------------------------------
    def unseen(self, st: list[Any]) -> bool:
        if st[HIDDEN]:
            return True
        colour = self.colours[st[CF]] if 0 < st[CF] < len(self.colours) else None
        if st[BG] and not st[CHPAT]:
            behind = self.colours[st[BG]] if st[BG] < len(self.colours) else None
        elif st[CBPAT] or st[PAT] or st[CHPAT] or st[INTBL] or self.page_bg or st[DEST] == SHAPE:
            # a shaded paragraph or run (a fill, or a pattern over it: \shading10000 is solid \cfpat), a cell or a
            # text box may be filled: colour not judged (DOCX's rule, hidden._shaded)
            behind = None
        else:
            behind = "FFFFFF"
        return unseen_text(st[SIZE] / 2, colour, behind)

    def put(self, st: list[Any], s: str) -> None:
        dest = st[DEST]
        if dest in (TEXT, SHAPE):
            if st[DELETED]:
                return  # a tracked deletion: read as accepted
            if self.unseen(st):
                if s.strip() and not self.in_hidden:
                    self.hidden_runs += 1
                    self.in_hidden = True
                return
            if s.strip():
                self.in_hidden = False
            st[FLOW].para.append(s)
        elif dest in (TITLE, STYLE_DEF):
            self.name.append(s)

    def flush(self, cut: bool = False) -> None:
        """The pending bytes as text (`cut`: where the stream stops early, a double-byte character's lead byte left
        without its trail byte is dropped, not read as U+FFFD)."""
        if self.pending and (st := self.pending_state) is not None:
            codec = self.fonts.get(st[FONT], self.codec)
            text = codecs.getincrementaldecoder(codec)("replace").decode(bytes(self.pending)) if cut else \
                self.pending.decode(codec, "replace")
            if text:
                self.put(st, text)
        self.pending.clear()

    def add_bytes(self, st: list[Any], data: bytes) -> None:
        if st[DEST] in (TEXT, SHAPE, TITLE, STYLE_DEF):
            self.pending_state = st
            self.pending += data

    # -- groups ------------------------------------------------------------------------------------------------
    def close(self, st: list[Any], parent: list[Any]) -> None:
        dest = st[DEST]
        if dest == STYLE_DEF and parent[DEST] == STYLESHEET:
            name = "".join(self.name).strip().rstrip(";").strip()
            self.name = []
            m = re.match(r"heading ([1-9])$", name, re.I)
            if m and self.style_no is not None and self.style_no not in self.style_levels:
                self.style_levels[self.style_no] = int(m.group(1)) - 1
        elif dest == TITLE and parent[DEST] != TITLE:
            self.title = self.title or clean_title("".join(self.name))
            self.name = []
        elif dest == COLORTBL and parent[DEST] != COLORTBL and any(c is not None for c in self.rgb):
            self._colour()  # a last entry without its ";"
        if st[FLOW] is not parent[FLOW]:  # a footnote ends
            text = " ".join(st[FLOW].text(" ").split())
            if text:
                self.notes.append(text)

    def _colour(self) -> None:
        (r, g, b), self.rgb = self.rgb, [None, None, None]
        if len(self.colours) < 32_768:  # (a hostile table of millions of ";": not kept, as fonts and styles past it)
            self.colours.append(None if r is None and g is None and b is None else
                                f"{(r or 0) & 255:02X}{(g or 0) & 255:02X}{(b or 0) & 255:02X}")

    def level(self, st: list[Any]) -> int | None:
        lv = st[OUTLINE] if 0 <= st[OUTLINE] <= 8 else self.style_levels.get(st[STYLE])
        return lv if lv is not None and lv <= 8 else None

    # -- the read ----------------------------------------------------------------------------------------------
    def read(self, beat: Any) -> None:
        st: list[Any] = [TEXT, 1, 0, 24, 0, False, 0, False, False, 0, -1, 0, self.main, False, False]
        stack: list[list[Any]] = []  # the groups around this one (their state)
        opening = star = False  # the next token opens a group; `\*` opened it
        to_skip = count = 0
        toks = self.toks
        for word, arg, hexa, sym, brace, text in toks:
            count += 1
            if beat is not None and not count % _BEAT_EVERY:
                beat(min(1.0, toks.pos / self.size))
            if word is None and sym is None and brace is None:
                if hexa is None and text is None:
                    continue  # a line break: not text (a double-byte pair may be split by one)
            elif self.pending:
                self.flush()
            if brace is not None:
                to_skip = 0
                if brace == b"{":
                    if len(stack) >= MAX_DEPTH:
                        raise LoadError(f"damaged RTF: groups nested over {MAX_DEPTH:,} deep")
                    stack.append(st)
                    st = list(st)
                    opening, star = True, False
                    if st[DEST] == STYLESHEET:
                        st[DEST], self.style_no = STYLE_DEF, 0
                    elif st[DEST] == INFO:
                        st[DEST] = SKIP  # an info entry: read only when known (word)
                    continue
                if not stack:
                    break  # a stray "}" past the document's end
                parent = stack.pop()
                self.close(st, parent)
                st = parent
                if not stack:
                    break  # the document's own group closed: what follows is not RTF
                continue
            if not stack:
                continue  # before the first "{"
            first, opening = opening, False
            if sym == b"*" and first:
                star, opening = True, True
                continue
            if word is not None:
                skipped, star = self.word(st, word, arg, first, star, stack), False
                if skipped:
                    if not toks.skip_group():
                        break  # cut short: said below
                    st = stack.pop()
                    continue
                if word == b"u" and arg is not None:
                    n = int(arg)
                    self.put(st, chr(n + 65536 if n < 0 else n) if -65536 < n < 65536 else "\ufffd")
                    to_skip = st[UC]
                elif word == b"uc" and arg is not None:
                    st[UC] = max(0, min(int(arg), 16))
                continue
            if hexa is not None:
                if to_skip:
                    to_skip -= 1
                else:
                    self.add_bytes(st, bytes((int(hexa, 16),)))
            elif sym is not None:
                if to_skip:
                    to_skip -= 1
                elif sym in b"\r\n":
                    self.paragraph(st)  # a backslash ending a line (TextEdit): a paragraph
                elif sym in _SYMBOLS:
                    self.put(st, _SYMBOLS[sym])
            elif text is not None:
                if st[DEST] == COLORTBL:
                    for _ in range(min(text.count(b";"), 32_768)):
                        self._colour()
                if to_skip:
                    cut = min(to_skip, len(text))
                    text, to_skip = text[cut:], to_skip - cut
                if text and st[DEST] != COLORTBL:
                    self.add_bytes(st, text)
        self.flush(cut=bool(stack))
        self.open_groups = len(stack)
        while stack:  # a file cut short: the groups it leaves open end where it stops (a footnote's text is kept)
            parent = stack.pop()
            self.close(st, parent)
            st = parent

    def paragraph(self, st: list[Any]) -> None:
        self.in_hidden = False  # hidden text in the next paragraph is another run
        if st[DEST] in (TEXT, SHAPE):
            lv = self.level(st)
            text = st[FLOW].end_para(st[INTBL], lv)
            if text and not self.first_heading and st[FLOW] is self.main and lv is not None:
                self.first_heading = clean_title(text)

    def word(self, st: list[Any], word: bytes, arg: bytes | None, first: bool, star: bool,
             stack: list[list[Any]]) -> bool:
        """A control word: True when the group it opens is stepped over."""
        dest = st[DEST]
        if word not in _KNOWN and not star and dest != SKIP:
            return False  # (most words of a file: \rtlch, \insrsid, \lang: nothing to do)
        n = int(arg) if arg is not None else None
        if dest == SKIP and first and word in (b"title", b"creatim", b"revtim") and stack[-1][DEST] == INFO:
            st[DEST] = {b"title": TITLE, b"creatim": CREATIM, b"revtim": REVTIM}[word]
            return False
        if dest == SKIP or (star and first and word not in (b"shpinst", b"background")):
            return first  # an unknown \* destination, or an info entry not read
        if word in _SKIP:
            if first:
                return True
            st[DEST] = SKIP  # (a destination written past its group's start: the rest of the group)
            return False
        if dest == FONTTBL:
            if word == b"f" and n is not None:
                self.cur = n if 0 <= n < 32_768 else None
            elif word in (b"fcharset", b"cpg") and n is not None and self.cur is not None:
                if word == b"cpg" or self.cur not in self.fonts:
                    self.fonts[self.cur] = (_codec(n, self.codec) if word == b"cpg" else
                                                 _CHARSETS.get(n, self.codec))
            return False
        if dest == COLORTBL:
            if word in (b"red", b"green", b"blue") and n is not None:
                self.rgb[(b"red", b"green", b"blue").index(word)] = n
            return False
        if dest == STYLE_DEF:
            if word == b"s" and n is not None:
                self.style_no = n if 0 <= n < 32_768 else None
            elif word in (b"cs", b"ds", b"ts", b"tsrowd"):
                self.style_no = None  # a character, section or table style: never a heading
            elif word == b"outlinelevel" and n is not None and self.style_no is not None:
                self.style_levels[self.style_no] = n
            return False
        if dest in (CREATIM, REVTIM):
            if word in (b"yr", b"mo", b"dy") and n is not None:
                self.dates[dest][(b"yr", b"mo", b"dy").index(word)] = n
            return False
        if word in _OPENS:
            st[DEST], self.cur = _OPENS[word], None  # (cur: the font being defined, read in a font table only)
        elif word == b"result" and dest == OBJECT:
            st[DEST] = TEXT  # an object's last rendering: what the reader sees
        elif word == b"shpinst":
            st[DEST] = SHAPE  # a shape: its text box (\shptxt) is read, its properties (\sp) are not
        elif word == b"background":
            self.page_bg = True
            return True
        elif dest == OBJECT:
            return False
        elif word == b"footnote":
            st[FLOW], st[INTBL] = _Flow(), False
        elif word == b"chftn":
            if st[FLOW] is self.main:
                self.put(st, f"[{len(self.notes) + 1}]")
        elif word in (b"par", b"sect", b"page"):
            self.paragraph(st)
        elif word == b"cell":
            if st[DEST] in (TEXT, SHAPE):
                st[FLOW].end_cell()
        elif word == b"row":
            if st[DEST] in (TEXT, SHAPE):
                st[FLOW].end_row()
        elif word in (b"line", b"nestcell"):
            self.put(st, " " if st[INTBL] or word == b"nestcell" else "\n")
        elif word == b"nestrow":
            self.put(st, "; ")
        elif word in CHARS:
            self.put(st, CHARS[word])
        else:  # (\zwj, \ltrmark, \chpgn, \chdate ...: not in _KNOWN, dropped)
            self.format(st, word, n)
        return False

    def format(self, st: list[Any], word: bytes, n: int | None) -> None:
        if word == b"ansicpg" and n is not None:
            self.codec = _codec(n, self.codec)
        elif word in (b"mac", b"pc", b"pca"):
            self.codec = {b"mac": "mac_roman", b"pc": "cp437", b"pca": "cp850"}[word]
        elif word == b"deff" and n is not None:
            self.deff = st[FONT] = n
        elif word == b"f" and n is not None:
            st[FONT] = n
        elif word == b"fs" and n is not None:
            st[SIZE] = n
        elif word == b"cf":
            st[CF] = n or 0
        elif word in (b"cb", b"highlight", b"chcbpat"):
            st[BG] = n or 0
        elif word in (b"v", b"deleted"):
            st[HIDDEN if word == b"v" else DELETED] = n != 0
        elif word == b"plain":
            st[FONT], st[SIZE], st[CF], st[HIDDEN], st[BG], st[DELETED] = self.deff, 24, 0, False, 0, False
            st[CHPAT] = False
        elif word == b"pard":
            st[INTBL], st[CBPAT], st[OUTLINE], st[STYLE], st[PAT] = False, 0, -1, 0, False
        elif word == b"intbl":
            st[INTBL] = n != 0
        elif word == b"cbpat":
            st[CBPAT] = n or 0
        elif word in (b"shading", b"chshdng"):
            st[PAT if word == b"shading" else CHPAT] = bool(n)  # (0: no pattern, 10000: solid)
        elif word in _PARA_PATTERNS or word in _RUN_PATTERNS:
            st[PAT if word in _PARA_PATTERNS else CHPAT] = True
        elif word == b"outlinelevel" and n is not None:
            st[OUTLINE] = n
        elif word == b"s" and n is not None:
            st[STYLE] = n
        elif word == b"viewbksp" and n:
            self.page_bg = True

    def date(self) -> str | None:
        found = [parse_date(f"{y:04d}-{m:02d}-{d:02d}") for y, m, d in self.dates.values() if y > 0]
        return next((d for d in found if d), None)  # created, else revised

    def body(self) -> str:  # the main text, then the footnotes as `[n]`
        return "\n\n".join(x for x in [self.main.text(), *(f"[{i + 1}] {t}" for i, t in enumerate(self.notes))] if x)


def read_rtf(rtf: bytes, beat: Any = None, cut_ok: bool = False) -> _Reader:
    """An RTF stream read (a .rtf file's, or an Outlook message's rich-text body); LoadError where it is damaged.
    `cut_ok`: a stream that ends with groups still open (its last `}`s missing: a copy cut short, a mail client's
    attachment) is read up to where it stops, `open_groups` saying how many were left open."""
    reader = _Reader(rtf)
    try:
        reader.read(beat)
    except BadRtf as exc:
        raise LoadError(f"damaged RTF: {exc}") from None
    if reader.open_groups and not cut_ok:
        raise LoadError(cut_reason(reader.open_groups))
    return reader


def cut_reason(groups: int) -> str:
    return f"damaged RTF: cut short (groups left open: {groups:,})"


def cut_note(groups: int) -> str:
    """The ingest summary's line for a .rtf read up to where it stops (as a CSV's unclosed quote is said)."""
    return (f"the file ends early ({groups:,} group{'s' if groups > 1 else ''} left open: a copy cut short?): its text "
            "is read up to where it stops (docs/ingest.md, Rich Text)")


# a file cut inside an escape: `\'e`, a lone `\`, or a control word whose end is not known (`\u83` of `\u8364`)
_TORN_END = re.compile(rb"\\(?:'[0-9a-fA-F]?|[a-zA-Z]{1,32}-?\d{0,10})?\Z")
HIDDEN_HOW = "formatted as hidden, under 2 pt, or in the colour behind it"  # (an Outlook RTF body's note too)
_NOT_RTF = ((b"PK\x03\x04", "not RTF: a zip archive named .rtf (a .docx or .odt? rename it)"),
            (b"\xd0\xcf\x11\xe0", "not RTF: a Word 97-2003 document (.doc) or other OLE file named .rtf"),
            (b"%PDF", "not RTF: a PDF named .rtf"), (b"\xff\xfe", "not RTF: UTF-16 text named .rtf (RTF is 8-bit)"),
            (b"\xfe\xff", "not RTF: UTF-16 text named .rtf (RTF is 8-bit)"))


def _not_rtf(raw: bytes) -> str:
    for magic, reason in _NOT_RTF:
        if raw.startswith(magic):
            return reason
    if raw[:512].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "not RTF: an HTML page named .rtf"
    return "not RTF (binary file)" if looks_binary(raw) else "not RTF (no {\\rtf at its start: plain text named .rtf?)"


def _escapes(body: bytes, at: int) -> bool:
    """The backslash at `at` starts an escape: an even number of backslashes before it (`\\` is a backslash)."""
    k = at
    while k and body[k - 1] == 0x5C:
        k -= 1
    return (at - k) % 2 == 0


@budgeted("RTF", "a file of millions of groups or control words")
def load_rtf(path: Path, raw: bytes) -> Document:
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if not body.lstrip()[:5] == b"{\\rtf":
        raise LoadError(_not_rtf(raw))
    if (torn := _TORN_END.search(body, max(0, len(body) - 48))) is not None and _escapes(body, torn.start()):
        body = body[:torn.start()]  # cut inside an escape: not text (a whole file ends in `}`)
    reader = read_rtf(body, guarded(PARSE_BEAT.get()), cut_ok=True)
    text = clean_text(reader.body())
    if not text.strip():
        if reader.open_groups:
            raise LoadError(cut_reason(reader.open_groups))  # cut before any text (in its tables)
        raise LoadError("empty document (all its text is hidden)" if reader.hidden_runs else "empty document")
    notes = (cut_note(reader.open_groups),) if reader.open_groups else ()
    notes += (hidden_note(reader.hidden_runs, "run", HIDDEN_HOW),) if reader.hidden_runs else ()
    title = reader.title or reader.first_heading or title_from_path(path)
    return Document(str(path), "rtf", title, text, reader.date(), sha256_bytes(raw), len(raw), notes)
