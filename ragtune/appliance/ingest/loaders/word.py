"""DOCX, read from its XML (python-docx opens the package and its parts): the text Word shows with tracked changes
accepted (insertions in, deletions out; hidden text out), in document order, including content controls, fields, hyperlinks and
text boxes; headings as `#` lines, list items with their bullet or number, a table's rows as tablerows.labelled_table
writes them (`Label: value; …` under a header row the file marks, one block, a line a row), else `a | b`,
footnotes and endnotes as `[n]` at the end. Headers, footers and comments are not content."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, PARSE_BEAT_EVERY, Document, LoadError, clean_text, clean_title, exc_line, exc_reason, \
    parse_date, require_text, title_from_path
from .hidden import docx_dark_page, docx_run_hidden, note as hidden_note
from .ole import ENCRYPTED_OFFICE, encrypted_office
from .parse_budget import budgeted, guarded
from .tablerows import Heading, labelled_table, merged_rows

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_INLINE_WRAPPERS = {f"{_W}{t}" for t in ("hyperlink", "ins", "smartTag", "customXml", "fldSimple", "moveTo", "dir",
                                          "bdo", "sdtContent")}
_SKIPPED = {f"{_W}{t}" for t in ("del", "moveFrom", "pPr", "rPr", "sdtPr", "sdtEndPr")}


def _roman(n: int) -> str:
    out = "m" * (n // 1000) if n > 0 else ""  # (one step for the thousands: a loop over them was a hang)
    n = n % 1000 if n > 0 else n
    for v, s in ((900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
                 (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= v:
            out, n = out + s, n - v
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


# Letters and Roman numerals of all a document's list labels, at most: past it, numbers are written in digits. A
# label in letters grows with its number ("zzz..."): a hostile start value (`w:start="999999999"`) made one label of
# 38 MB (in Roman numerals a minute's work), and a list of millions of items labels of thousands of letters each.
# No real document comes near: a lettered list of 5 000 items has 500 000 letters of labels. Nor one label: Word starts
# a list at 32 767 at most ("aaa…" of 1 261 letters), so one of over `_ONE_LABEL` letters is in digits too.
_LABEL_LETTERS = 10_000_000
_ONE_LABEL = 2_000


def _label_letters(n: int, fmt: str) -> int:
    """Length of the label in letters (a bound for Roman numerals), 0 for one in digits."""
    if n <= 0:
        return 0
    if fmt in ("lowerLetter", "upperLetter"):
        return (n - 1) // 26 + 1
    return n // 1000 + 15 if fmt in ("lowerRoman", "upperRoman") else 0


def _number(n: int, fmt: str) -> str:
    # only the label of `fmt` is made (all of them were, letters and Roman numerals of a list numbered in digits too)
    if fmt in ("lowerLetter", "upperLetter"):
        return _letters(n) if fmt[0] == "l" else _letters(n).upper()
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n) if fmt[0] == "l" else _roman(n).upper()
    return f"{n:02d}" if fmt == "decimalZero" else str(n)


class _Reader:
    def __init__(self, d: Any):
        self.styles: dict[str, tuple[str, str | None, tuple[str, str] | None]] = {}  # id -> (name, basedOn, numPr)
        # id -> (rPr, basedOn, pPr): a character or paragraph style can set a run's size or colour (hidden.py)
        self.style_props: dict[str, tuple[Any, str | None, Any]] = {}
        self.first_rows: dict[str, Any] = {}  # table style id -> its firstRow rPr (`head`)
        for st in d.styles.element.iterchildren(f"{_W}style"):
            sid = st.get(f"{_W}styleId") or ""
            name = st.find(f"{_W}name")
            based = st.find(f"{_W}basedOn")
            based_on = based.get(f"{_W}val") if based is not None else None
            ppr = st.find(f"{_W}pPr")
            self.styles[sid] = (name.get(f"{_W}val") if name is not None else sid, based_on, _num_pr(ppr))
            self.style_props[sid] = (st.find(f"{_W}rPr"), based_on, ppr)
            for cond in st.iterchildren(f"{_W}tblStylePr"):  # a table style's first-row formatting: its run props
                if cond.get(f"{_W}type") == "firstRow":
                    self.first_rows[sid] = cond.find(f"{_W}rPr")
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # numId -> ilvl -> (numFmt, lvlText, start)
        try:
            numbering = d.part.numbering_part.element
        except Exception:  # no numbering part: no lists
            numbering = None
        if numbering is not None:
            abstract = {a.get(f"{_W}abstractNumId"): a for a in numbering.iterchildren(f"{_W}abstractNum")}
            for num in numbering.iterchildren(f"{_W}num"):
                ref = num.find(f"{_W}abstractNumId")
                a = abstract.get(ref.get(f"{_W}val")) if ref is not None else None
                levels = {}
                for lvl in (a.iterchildren(f"{_W}lvl") if a is not None else []):
                    levels[int(lvl.get(f"{_W}ilvl") or 0)] = (_val(lvl, "numFmt") or "decimal",
                                                               _val(lvl, "lvlText") or "", int(_val(lvl, "start") or 1))
                for ov in num.iterchildren(f"{_W}lvlOverride"):
                    il = int(ov.get(f"{_W}ilvl") or 0)
                    if il in levels and _val(ov, "startOverride"):
                        levels[il] = (levels[il][0], levels[il][1], int(_val(ov, "startOverride") or 1))
                self.levels[num.get(f"{_W}numId") or ""] = levels
        self.dark_page = docx_dark_page(d.element.body)
        self.hidden_runs = 0  # runs with text left out as invisible (white on nothing, under 2 pt)
        self.counters: dict[str, list[int | None]] = {}
        self.letters_left = _LABEL_LETTERS
        self.first_heading = ""
        self.beat: Any = None  # see listen
        self.stop: Exception | None = None  # what the beat raised (the caller's: a stop asked for mid-read)
        self.paragraphs_read, self.paragraphs = 0, 1
        self.notes: dict[tuple[str, str], str] = {}  # (kind, id) -> text
        self.note_order: list[tuple[str, str]] = []
        for rel in d.part.rels.values():
            kind = rel.reltype.rsplit("/", 1)[-1]
            if kind in ("footnotes", "endnotes") and not rel.is_external:
                self._read_notes(kind, rel.target_part.blob)

    def _read_notes(self, kind: str, blob: bytes) -> None:
        from docx.oxml import parse_xml

        tag = f"{_W}{kind[:-1]}"
        for note in parse_xml(blob).iterchildren(tag):
            if note.get(f"{_W}type") in (None, "normal"):
                self.notes[(kind[:-1], note.get(f"{_W}id") or "")] = " ".join(self.blocks(note, nested=True))

    def listen(self, beat: Any, body: Any) -> None:
        """Tell `beat` (PARSE_BEAT's listener) how far the body's read is, every PARSE_BEAT_EVERY paragraphs: a long
        document's read takes seconds. Its paragraphs counted once, only when someone listens: by XPath, in C (2 ms
        for 30,000; iterating them made an element proxy each, 10 ms)."""
        if beat is not None:
            from lxml import etree  # python-docx's own parser

            count = etree.XPath("count(.//w:p)", namespaces={"w": _W[1:-1]})
            self.beat, self.paragraphs = beat, max(1, int(count(body)))

    def style_of(self, p: Any) -> tuple[str, tuple[str, str] | None]:
        ppr = p.find(f"{_W}pPr")
        sid = _val(ppr, "pStyle") if ppr is not None else None
        num = _num_pr(ppr)
        name, seen = "", set()
        while sid and sid not in seen and sid in self.styles:
            seen.add(sid)
            sname, based, snum = self.styles[sid]
            name = name or sname
            num = num or snum
            sid = based
        return name, num

    def list_label(self, num: tuple[str, str]) -> str:
        num_id, ilvl = num[0], int(num[1] or 0)
        levels = self.levels.get(num_id)
        if not levels or num_id == "0":
            return ""
        counters = self.counters.setdefault(num_id, [None] * 10)
        ilvl = min(max(ilvl, 0), 9)
        start = levels.get(ilvl, ("decimal", "", 1))[2]
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1  # type: ignore[operator]
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = None
        fmt, text, _ = levels.get(ilvl, ("decimal", f"%{ilvl + 1}.", 1))
        if fmt == "bullet":
            label = "-"
        elif fmt == "none":
            label = ""
        else:
            def level(m: re.Match[str]) -> str:
                k = int(m.group(1)) - 1
                n = counters[k] if 0 <= k < 10 and counters[k] is not None else levels.get(k, ("", "", 1))[2]
                return self.number(int(n or 1), levels.get(k, (fmt,))[0])
            label = re.sub(r"%([1-9])", level, text).strip()
        return "  " * ilvl + label + " " if label else ""

    def number(self, n: int, fmt: str) -> str:
        size = _label_letters(n, fmt)
        if size > min(self.letters_left, _ONE_LABEL):
            return str(n)
        self.letters_left -= size
        return _number(n, fmt)

    # -- text ---------------------------------------------------------------------------------------------------
    def runs(self, el: Any, out: list[str]) -> None:
        for c in el.iterchildren():
            tag = c.tag
            if tag == f"{_W}r":
                if _hidden(c):
                    continue
                if docx_run_hidden(c, self.style_props, self.dark_page):  # white or under 2 pt (hidden.py)
                    self.hidden_runs += any((x.text or "").strip() for x in c.iterchildren(f"{_W}t"))
                    continue
                for x in c.iterchildren():
                    t = x.tag
                    if t == f"{_W}t":
                        out.append(x.text or "")
                    elif t == f"{_W}tab":
                        out.append("\t")
                    elif t in (f"{_W}br", f"{_W}cr"):
                        out.append("\n")
                    elif t == f"{_W}ptab":
                        out.append("\t")
                    elif t == f"{_W}noBreakHyphen":
                        out.append("-")
                    elif t in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
                        key = (t[len(_W):-len("Reference")], x.get(f"{_W}id") or "")
                        if key in self.notes:
                            if key not in self.note_order:
                                self.note_order.append(key)
                            out.append(f"[{self.note_order.index(key) + 1}]")
            elif tag in _INLINE_WRAPPERS or tag == f"{_W}sdt":
                self.runs(c, out)

    def paragraph(self, p: Any) -> list[str]:
        if self.beat is not None:
            self.paragraphs_read += 1
            if not self.paragraphs_read % PARSE_BEAT_EVERY:
                try:
                    self.beat(min(1.0, self.paragraphs_read / self.paragraphs))
                except Exception as exc:  # let through as itself (load_docx): not "corrupt DOCX", not remembered
                    self.stop = exc
                    raise
        out: list[str] = []
        self.runs(p, out)
        text = "".join(out).strip()
        lines = []
        if text:
            name, num = self.style_of(p)
            m = re.match(r"heading (\d)", name, re.I)
            if name.lower() == "title" or m:
                text = " ".join(text.split())
                self.first_heading = self.first_heading or text
                lines.append(Heading("#" * min(int(m.group(1)) if m else 1, 6) + " " + text))
            else:
                lines.append((self.list_label(num) if num else "") + text)
        for box in p.iter(f"{_W}txbxContent"):  # text boxes anchored here, each once (not its VML fallback copy)
            a = box.getparent()
            while a is not None and a is not p and a.tag not in (_MC_FALLBACK, f"{_W}txbxContent"):
                a = a.getparent()
            if a is p:
                lines.extend(self.blocks(box))
        return lines

    def table(self, tbl: Any, sep: str = " | ") -> list[str]:
        """A table's rows: under a header row one block of `Label: value; …` lines (tablerows.labelled_table, round
        54; a title row above it a line of its own, round 55), else `a | b` lines; a table in a cell (`sep` ", ") its
        rows' values."""
        rows: list[dict[int, str]] = []
        above: dict[int, str] = {}
        lead: list[Any] = []  # the first three rows with text: the first (or the second) marked the header? (`head`)
        marks: set[tuple[int, int]] = set()  # cells whose text starts with a heading's marks (labelled_rows)
        ends: list[int] = []  # each row's column past its last cell; rows that are one cell merged across (groups)
        ones: set[int] = set()
        for tr in tbl.iterchildren(f"{_W}tr"):
            trpr = tr.find(f"{_W}trPr")
            if trpr is not None and trpr.find(f"{_W}del") is not None:
                continue  # a deleted row
            cells: dict[int, str] = {}  # grid column -> text
            own = 0  # own: cells not merged into the one before (`w:hMerge`, Word 97's merge across)
            col = before = _grid_before(trpr)  # a row starting in a later grid column (round 57): cells stay in theirs
            for tc in tr.iterchildren(f"{_W}tc"):
                tcpr = tc.find(f"{_W}tcPr")
                span = int(_val(tcpr, "gridSpan") or 1) if tcpr is not None else 1
                hmerge = tcpr.find(f"{_W}hMerge") if tcpr is not None else None
                own += hmerge is None or hmerge.get(f"{_W}val") not in (None, "continue")
                vmerge = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
                if vmerge is not None and vmerge.get(f"{_W}val") in (None, "continue"):
                    text = above.get(col, "")  # a cell merged with the one above: its text, so each row reads whole
                    if (len(rows) - 1, col) in marks:
                        marks.add((len(rows), col))
                else:
                    lines = self.blocks(tc, nested=True)
                    text = " ".join(" ".join(lines).split())
                    if lines and isinstance(lines[0], Heading):
                        marks.add((len(rows), col))
                cells[col] = text
                col += max(span, 1)
            above = cells
            if any(cells.values()):
                if len(lead) < 3:
                    lead.append((tr, trpr))
                if own == 1 and col > 1 and not before:
                    ones.add(len(rows))
                ends.append(col)
                rows.append(cells)
        if sep != " | ":
            return [sep.join(c for c in r.values() if c) for r in rows]
        labelled = labelled_table(rows, lambda i: i < len(lead) and self.head(
            tbl, *lead[i], lead[i + 1][0] if i + 1 < len(lead) else None, top=not i), marks=marks,
            groups=merged_rows(ends, ones))
        return labelled or [" | ".join(r.values()) for r in rows]

    def head(self, tbl: Any, tr: Any, trpr: Any, nxt: Any, top: bool = True) -> bool:
        """Whether a table's first row `tr` is marked its header, as Word users mark it: repeated on each page (Repeat
        as header row, `w:tblHeader`), or its text bold in every cell (directly, by a character or paragraph style,
        or by the table style's first-row formatting where the table's look turns it on) and the next row with text,
        `nxt`, not so (a table bold all over marks no row). A first row of text is not enough: a key/value table's or
        a list's first row is data. `top`: `tr` is the table's first row (the one its style's first-row look is of);
        else the row under a title row (round 55)."""
        if trpr is not None and _on(trpr.find(f"{_W}tblHeader")):
            return True
        tblpr = tbl.find(f"{_W}tblPr")
        look = tblpr.find(f"{_W}tblLook") if tblpr is not None else None
        val = look.get(f"{_W}val") or "" if look is not None else ""
        first = look is not None and (_on(look, "firstRow") if look.get(f"{_W}firstRow") is not None
                                      else bool(re.fullmatch("[0-9A-Fa-f]{1,8}", val)) and int(val, 16) & 0x20 != 0)
        styled = self.chain_bold(_val(tblpr, "tblStyle"), table=True) if first and top else None
        # (the table style's first-row formatting is not the next row's)
        return self.bold_row(tr, styled) and not (nxt is not None and self.bold_row(nxt, None))

    def bold_row(self, tr: Any, styled: bool | None) -> bool:
        """Whether a row's text is bold in each of two or more cells (`styled`: the table style's first-row bold)."""
        cells = [[r for r in tc.iter(f"{_W}r") if any((t.text or "").strip() for t in r.iterchildren(f"{_W}t"))]
                 for tc in tr.iterchildren(f"{_W}tc")]
        cells = [c for c in cells if c]
        return len(cells) > 1 and all(self.bold(r, styled) for c in cells for r in c)

    def bold(self, run: Any, styled: bool | None) -> bool:
        """A run's bold: its own `w:b`, else its character style's, its paragraph style's, the table style's."""
        rpr = run.find(f"{_W}rPr")
        if rpr is not None and rpr.find(f"{_W}b") is not None:
            return _on(rpr.find(f"{_W}b"))
        own = self.chain_bold(_val(rpr, "rStyle"))
        if own is None:
            p = run.getparent()
            while p is not None and p.tag != f"{_W}p":
                p = p.getparent()
            own = self.chain_bold(_val(p.find(f"{_W}pPr"), "pStyle") if p is not None else None)
        return bool(styled) if own is None else own

    def chain_bold(self, sid: str | None, table: bool = False) -> bool | None:
        """`w:b` of a style or the styles it is based on (a table style's first-row formatting with `table`)."""
        seen = set()
        while sid and sid not in seen and sid in self.style_props:
            seen.add(sid)
            rpr = self.first_rows.get(sid) if table else self.style_props[sid][0]
            if rpr is not None and rpr.find(f"{_W}b") is not None:
                return _on(rpr.find(f"{_W}b"))
            sid = self.style_props[sid][1]
        return None

    def blocks(self, parent: Any, nested: bool = False) -> list[str]:
        lines: list[str] = []
        for c in parent.iterchildren():
            tag = c.tag
            if tag == f"{_W}p":
                lines.extend(self.paragraph(c))
            elif tag == f"{_W}tbl":
                rows = self.table(c, ", " if nested else " | ")  # a table in a cell: its rows inline
                lines.extend(["; ".join(rows)] if nested and rows else rows)
            elif tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins", f"{_W}moveTo"):
                lines.extend(self.blocks(c, nested))
        return lines

    def notes_text(self) -> list[str]:
        return [f"[{i + 1}] {self.notes[key]}" for i, key in enumerate(self.note_order) if self.notes[key]]


def _hidden(run: Any) -> bool:
    """A run formatted as hidden text (Font > Hidden, `w:vanish`): Word neither shows nor prints it."""
    rpr = run.find(f"{_W}rPr")
    v = rpr.find(f"{_W}vanish") if rpr is not None else None
    return v is not None and v.get(f"{_W}val") not in ("0", "false", "off")


# What the parts of a package may unpack to, all together. A real document's XML compresses about tenfold and its
# images not at all, so 200 MB is far above any document of the size limit; python-docx inflates every part it
# finds in memory, so a zip bomb (3 MB unpacking to 3 GB: 6 GB of memory) is refused from the zip's directory.
_MAX_UNPACKED = 200 * 1024 * 1024


# Parts of a package, at most: a document has tens (hundreds with many images). Read from the zip's end record before
# anything parses its directory: 200,000 empty parts (19 MB) took 13 s and 270 MB to read, zipfile's directory parse
# twice (here and in python-docx) most of it.
_MAX_PARTS = 10_000


def _parts(raw: bytes) -> int | None:
    """The entry count of the zip's end-of-central-directory record (0xFFFF: a ZIP64 count), None without one."""
    at = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 65_557))  # 22 bytes + a comment of 65,535 at most
    return int.from_bytes(raw[at + 10:at + 12], "little") if 0 <= at <= len(raw) - 22 else None


def _check_unpacked(raw: bytes, what: str = "DOCX") -> Any:
    """The package's zip, open (the caller closes it), within the guards on its parts; None if it is no zip."""
    import zipfile

    parts = _parts(raw)
    if parts is not None and parts > _MAX_PARTS:
        many = "65,535 or more" if parts == 0xFFFF else f"{parts:,}"  # (a ZIP64 count is in another record)
        raise LoadError(f"corrupt {what}: {many} parts in its zip (over {_MAX_PARTS:,}: a zip bomb?)")
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        total = sum(i.file_size for i in z.infolist())
    except Exception:
        return None  # not a zip: the caller (python-docx) says what is wrong with it
    if total > _MAX_UNPACKED:  # zipfile never inflates a member beyond its declared size, so the sum is a bound
        z.close()
        raise LoadError(f"corrupt {what}: its parts unpack to {total / 1048576:.0f} MB "
                        f"(over {_MAX_UNPACKED // 1048576} MB: a zip bomb?)")
    return z


def _val(el: Any, name: str) -> str | None:
    x = el.find(f"{_W}{name}") if el is not None else None
    return x.get(f"{_W}val") if x is not None else None


def _grid_before(trpr: Any) -> int:
    """The grid columns a row leaves out before its first cell (`w:gridBefore`, a row indented in the table's grid):
    its cells start there. Read as Word does, a value it cannot read as none; at most 63 (Word's widest table)."""
    v = (_val(trpr, "gridBefore") or "").strip()
    return min(int(v), 63) if v.isdigit() else 0


def _on(el: Any, attr: str = "val") -> bool:
    """A toggle (`<w:b/>`, `w:val="true"`) or a look's flag: on unless its value says off."""
    return el is not None and el.get(f"{_W}{attr}") not in ("0", "false", "off")


def _num_pr(ppr: Any) -> tuple[str, str] | None:
    num = ppr.find(f"{_W}numPr") if ppr is not None else None
    if num is None:
        return None
    num_id = _val(num, "numId")
    return (num_id, _val(num, "ilvl") or "0") if num_id else None


def _core_properties(d: Any) -> Any:
    """The package's core properties, None without a docProps/core.xml: python-docx then makes up defaults (the
    title "Word Document", now as the date) that would name and date every such file alike."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        d.part.package.part_related_by(RT.CORE_PROPERTIES)
    except KeyError:
        return None
    return d.core_properties


@budgeted("DOCX", "a body of millions of paragraphs or tables")  # as a PDF's (parse_budget.PARSE_SECONDS)
def load_docx(path: Path, raw: bytes) -> Document:
    try:
        import docx  # python-docx
    except ImportError as exc:  # pragma: no cover - a base dependency
        raise LoadError(f"cannot read DOCX: {exc}") from None
    if encrypted_office(raw):  # (python-docx: "File is not a zip file")
        raise LoadError(ENCRYPTED_OFFICE)
    if (z := _check_unpacked(raw)) is not None:
        z.close()  # (python-docx opens the package itself)
    reader = None
    try:
        d = docx.Document(io.BytesIO(raw))
        reader = _Reader(d)
        reader.listen(guarded(PARSE_BEAT.get()), d.element.body)  # after the notes: the body is the long part
        lines = reader.blocks(d.element.body)
        lines += reader.notes_text()
        props = _core_properties(d)
        title = clean_title(props.title or "" if props else "") or clean_title(reader.first_heading)
        dd = (parse_date(props.created) or parse_date(props.modified)) if props else None
    except LoadError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors, ...
        if reader is not None and reader.stop is not None:
            raise reader.stop from None
        raise LoadError(f"corrupt DOCX: {exc_reason(exc_line(exc)[:160])}") from None
    text = require_text(clean_text("\n\n".join(lines)))
    notes = ((hidden_note(reader.hidden_runs, "run", "white text on no shading, or under 2 pt"),) if reader.hidden_runs
             else ())
    return Document(str(path), "docx", title or title_from_path(path), text, dd, sha256_bytes(raw), len(raw), notes)
