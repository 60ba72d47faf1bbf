"""XLSX (Excel, LibreOffice, Google Sheets exports), read from its XML with lxml: each visible sheet in workbook order
as a `## Sheet: <name>` heading and its rows (tablerows.py: `Header: value; Header: value` under a header row, else
`a | b | c`). Values as Excel shows them where that is cheap: shared, inline and rich-text strings; formulas' cached
values (never evaluated); booleans as TRUE/FALSE; error values (#N/A, #DIV/0!…) left out; numbers in their cell's
format (dates from serials in the 1900 or 1904 date system as ISO dates, times, percentages, fixed decimals,
thousands separators, currency signs), else as Excel's General (integers without ".0"). Merged cells: the value once
(it is in the first cell only). Hidden sheets, rows and columns are left out and counted in a note.

Sheets are streamed (lxml iterparse, each row dropped once written) and at most MAX_CELLS cells are read: a sheet of a
million empty styled rows costs seconds and flat memory, not minutes and gigabytes."""

from __future__ import annotations

import bisect
import io
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any, Iterator

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, Document, LoadError, clean_text, clean_title, exc_line, exc_reason, parse_date, \
    require_text, title_from_path
from .ole import ENCRYPTED_OFFICE, encrypted_office
from .parse_budget import budgeted, guarded
from .sheet_formats import _BUILTIN, _GENERAL, _Fmt, _format_code, show_number
from .tablerows import TableWriter, one_line
from .slides_package import _DTDS
from .word import _parts

MAX_CELLS = 1_000_000  # cells (and rows) read from a workbook, all sheets together
_MAX_PARTS = 10_000  # zip members (as word.py)
_MAX_UNPACKED = 2 * 1024 ** 3  # declared unpacked size of all members: a zip bomb's directory says it
_MAX_PART = 64 * 1024 * 1024  # a part read whole (workbook, relationships, styles, properties)
_MAX_SHEET_XML = 512 * 1024 * 1024  # XML read from one streamed part (sheet, shared strings): then it stops
_MAX_STRING_CHARS = 64 * 1024 * 1024  # shared strings kept, in characters
_MAX_COL = 16_384  # Excel's last column (XFD)
_BEAT_EVERY = 16_384  # cells between progress beats
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an .xls, or an encrypted OOXML package
_PARSER = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


class _Stop(Exception):
    """The cell budget is spent."""


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _true(v: str | None) -> bool:
    return (v or "").strip().lower() in ("1", "true", "on")


_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(s: str) -> str:
    """OOXML's escape of characters XML cannot hold: Excel writes a cell's carriage return as `_x000D_`."""
    return _XESC.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


# -- the package -------------------------------------------------------------------------------------------------
class _Peeked:
    """A byte stream whose first `size` bytes are read ahead, to be looked at before a parser reads any (then handed
    to it first), with the bytes read counted; shared with opendoc_sheets."""

    def __init__(self, f: Any, size: int):
        self.f, self.read_bytes = f, 0
        self.head = f.read(size)

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
        else:
            out = self.f.read(n if n and n > 0 else 1 << 16)
        self.read_bytes += len(out)
        return out


class _Head(_Peeked):
    """A part's byte stream with its first bytes looked at: a DTD (no Office part has one) is refused before the
    parser sees it (entity expansion, external entities), and at most `cap` bytes are read."""

    def __init__(self, f: Any, name: str, cap: int):
        super().__init__(f, 4096)
        self.name, self.cap = name, cap
        if any(b in self.head for b in _DTDS):
            raise _dtd(name)

    def read(self, n: int = -1) -> bytes:
        out = super().read(n)
        if self.read_bytes > self.cap:
            raise _Stop(self.name)
        return out


def _dtd(name: str) -> LoadError:
    return LoadError(f"damaged spreadsheet ({exc_reason(name)} declares a DTD, which Excel never writes: an XML bomb?)")


def _check_dtd(el: Any, name: str) -> None:
    """A DTD past the first 4 KB (after a long comment) is found once parsed: never expanded, still refused (its
    entities' text would be dropped without a word)."""
    if el.getroottree().docinfo.doctype:
        raise _dtd(name)


class _Package:
    def __init__(self, raw: bytes):
        if raw[:8] == _OLE:
            if encrypted_office(raw):
                raise LoadError(ENCRYPTED_OFFICE)
            raise LoadError("not an XLSX: an Excel 97-2003 workbook (.xls); save it as .xlsx")
        if (_parts(raw) or 0) > _MAX_PARTS:
            raise LoadError(f"damaged spreadsheet (over {_MAX_PARTS:,} parts in its zip: a zip bomb?)")
        try:
            self.z = zipfile.ZipFile(io.BytesIO(raw))
            infos = self.z.infolist()
        except Exception as exc:
            raise LoadError(f"damaged spreadsheet (not a readable zip: {exc_reason(str(exc)[:120])})") from None
        if len(infos) > _MAX_PARTS:
            raise LoadError(f"damaged spreadsheet (over {_MAX_PARTS:,} parts in its zip: a zip bomb?)")
        total = sum(i.file_size for i in infos)
        if total > _MAX_UNPACKED:  # zipfile never inflates a member past its declared size: the sum bounds the work
            raise LoadError(f"damaged spreadsheet (its parts unpack to {total / 1048576:,.0f} MB: a zip bomb?)")
        if any(i.flag_bits & 1 for i in infos):
            raise LoadError("encrypted spreadsheet (a password-protected zip)")
        self.names = {i.filename.lower().lstrip("/"): i for i in infos}

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self.names.get(name.lower().lstrip("/"))

    def xml(self, name: str) -> Any:
        """A small part parsed whole (None if absent)."""
        from lxml import etree

        info = self.info(name)
        if info is None:
            return None
        if info.file_size > _MAX_PART:
            raise LoadError(f"damaged spreadsheet ({exc_reason(name)} is {info.file_size / 1048576:,.0f} MB)")
        with self.z.open(info) as f:
            src = _Head(f, name, _MAX_PART)
            data = src.head + f.read(_MAX_PART)
        root = etree.fromstring(data, etree.XMLParser(**_PARSER))
        _check_dtd(root, name)
        return root

    def stream(self, name: str, tags: tuple[str, ...]) -> Iterator[Any]:
        """The elements with local names `tags` of a part, as each ends (lxml iterparse)."""
        from lxml import etree

        info = self.info(name)
        if info is None:
            return
        with self.z.open(info) as f:
            src = _Head(f, name, _MAX_SHEET_XML)
            first = True
            for _, el in etree.iterparse(src, events=("end",), tag=tuple("{*}" + t for t in tags), **_PARSER):
                if first:
                    _check_dtd(el, name)
                    first = False
                yield el

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id -> (type's last word, target part name)."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        out = {}
        for rel in root.iter("{*}Relationship") if root is not None else ():
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External":
                continue
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], target)
        return out


def _drop(el: Any) -> None:
    """Free an element iterparse is done with, and the siblings before it."""
    el.clear()
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _styles(pkg: _Package, part: str | None) -> list[_Fmt]:
    root = pkg.xml(part) if part else None
    if root is None:
        return []
    custom = {}
    for nf in root.iter("{*}numFmt"):
        try:
            custom[int(nf.get("numFmtId") or -1)] = nf.get("formatCode") or ""
        except ValueError:
            continue
    fmts, cache = [], {}
    for xfs in root.iter("{*}cellXfs"):
        for xf in xfs.iterchildren("{*}xf"):
            try:
                fid = int(xf.get("numFmtId") or 0)
            except ValueError:
                fid = 0
            if fid not in cache:
                cache[fid] = _format_code(custom.get(fid, _BUILTIN.get(fid, "General")))
            fmts.append(cache[fid])
        break
    return fmts


# -- the workbook ------------------------------------------------------------------------------------------------
class _Reader:
    def __init__(self, pkg: _Package, beat: Any):
        self.pkg, self.beat = pkg, beat
        self.cells = 0
        self.chars = 0  # characters of the values read: one long shared string in a million cells is not read whole
        self.stopped_for = "cells"
        self.strings: list[str] = []
        self.hidden_rows = self.hidden_cols = 0
        self.stopped_in: str | None = None
        self.total_xml = 1
        self.done_xml = 0

    def shared_strings(self, part: str | None) -> None:
        chars = 0
        for si in self.pkg.stream(part, ("si",)) if part else ():
            text = "".join(t.text or "" for t in si.iter("{*}t") if _local(t.getparent().tag) != "rPh")
            chars += len(text)
            self.strings.append(_unescape(text))
            _drop(si)
            if len(self.strings) >= MAX_CELLS or chars > _MAX_STRING_CHARS:
                break  # a cell past them reads as empty: the cell budget would stop before it anyway

    def value(self, c: Any, fmts: list[_Fmt], date1904: bool) -> tuple[str, bool]:
        """(what the cell shows, whether it is text); ("", False) for an empty cell or an error value."""
        t = c.get("t") or "n"
        vt = box = None
        for ch in c:  # <f>, <v>, <is> (a loop over them costs less than a search for each)
            tag = ch.tag
            if tag[-2:] == "}v":
                vt = ch.text
            elif tag[-3:] == "}is":
                box = ch
        if t == "inlineStr":
            text = "" if box is None else "".join(x.text or "" for x in box.iter("{*}t")
                                                  if _local(x.getparent().tag) != "rPh")
            return one_line(_unescape(text)).strip(), True
        if vt is None:
            return "", False
        if t == "s":
            try:
                return one_line(self.strings[int(vt)]).strip(), True
            except (ValueError, IndexError):
                return "", False
        if t in ("str", "text"):
            return one_line(_unescape(vt)).strip(), True
        if t == "b":
            return ("TRUE" if vt.strip() in ("1", "true") else "FALSE"), False
        if t == "e":
            return "", False  # #N/A, #DIV/0!, #REF!…: no fact
        if t == "d":
            s = vt.strip()
            return (s[:10] if s.endswith("T00:00:00") or len(s) == 10 else s.replace("T", " ")), False
        try:
            num = float(vt)
        except ValueError:
            return one_line(vt).strip(), True
        st = c.get("s")
        try:
            f = fmts[int(st)] if st and fmts else _GENERAL
        except (ValueError, IndexError):
            f = _GENERAL
        return show_number(num, f, date1904), False

    def sheet(self, name: str, part: str, fmts: list[_Fmt], date1904: bool, out: list[str]) -> None:
        hidden_cols: set[int] = set()
        shown: list[int] | None = None  # the hidden columns, sorted (known once the first cell comes)
        cols_seen: set[int] = set()
        writer = TableWriter(out)
        start = len(out)
        out.append(f"## Sheet: {one_line(name).strip() or '(unnamed)'}")
        row_no, col, cells, texts, beat_at = 0, -1, {}, {}, _BEAT_EVERY
        info = self.pkg.info(part)
        try:
            for el in self.pkg.stream(part, ("col", "c", "row")):
                tag = el.tag[-2:]
                if tag == "}c":
                    col = _col(el.get("r"), col + 1)
                    value, is_text = self.value(el, fmts, date1904)
                    el.clear()  # its siblings before it go with the row (or every 4,096 cells, in a row that long)
                    self.cells += 1
                    self.chars += len(value)
                    if self.chars > _MAX_STRING_CHARS:
                        self.stopped_for = "chars"
                        raise _Stop(part)
                    if not self.cells % 4096:
                        _drop(el)
                        if self.cells > MAX_CELLS:
                            raise _Stop(part)
                    if not value or col >= _MAX_COL:
                        continue
                    if col in hidden_cols:
                        cols_seen.add(col)
                        continue
                    if shown is None:
                        shown = sorted(hidden_cols)
                    at = col - bisect.bisect_left(shown, col) if shown else col  # rows close up over hidden columns
                    cells[at], texts[at] = value, is_text
                    continue
                if tag == "ol":
                    if _true(el.get("hidden")):
                        lo, hi = _int(el.get("min"), 1), min(_int(el.get("max"), 1), _MAX_COL)
                        hidden_cols.update(range(lo - 1, hi))
                    continue
                self.cells += 1  # a row (cells are counted above): the budget is checked once a row
                if self.cells > MAX_CELLS:
                    raise _Stop(part)
                if self.beat is not None and self.cells >= beat_at:
                    beat_at = self.cells + _BEAT_EVERY
                    self.beat(min(1.0, (self.done_xml + (info.compress_size if info else 0) / 2) / self.total_xml))
                r = _int(el.get("r"), row_no + 1)  # a row's end: write it
                if r > row_no + 1:
                    writer.add({}, {})
                row_no, col = max(r, row_no + 1), -1
                if cells and _true(el.get("hidden")):
                    self.hidden_rows += 1
                elif cells or not _true(el.get("hidden")):
                    writer.add(cells, texts)  # an empty row kept in the file (a height, a border): a gap as well
                cells, texts = {}, {}
                _drop(el)
        except _Stop:
            self.stopped_in = name
        writer.close()
        self.hidden_cols += len(cols_seen)
        self.done_xml += info.compress_size if info else 0
        if len(out) == start + 1:
            del out[start:]  # an empty sheet: no heading


def _int(s: str | None, default: int) -> int:
    try:
        return int(s) if s else default
    except ValueError:
        return default


_REF = re.compile(r"\$?([A-Za-z]{1,3})")


_COLS: dict[str, int] = {}


def _col(ref: str | None, default: int) -> int:
    """0-based column of a cell reference ("C12" -> 2); `default` (the next column) when the cell has none."""
    letters = ref.rstrip("0123456789") if ref else ""
    n = _COLS.get(letters)
    if n is not None:
        return n
    m = _REF.fullmatch(letters)
    if not m:
        return default
    n = 0
    for ch in m.group(1).upper():
        n = n * 26 + ord(ch) - 64
    if len(_COLS) < 20_000:
        _COLS[letters] = n - 1
    return n - 1


def _workbook(pkg: _Package) -> str:
    for kind, target in pkg.rels("").values():
        if kind == "officeDocument" and pkg.info(target) is not None:
            return target
    if pkg.info("xl/workbook.xml") is not None:
        return "xl/workbook.xml"
    if pkg.info("word/document.xml") or pkg.info("ppt/presentation.xml"):
        raise LoadError("not an XLSX: a Word or PowerPoint file renamed .xlsx")
    raise LoadError("damaged spreadsheet (no workbook in its zip)")


def _props(pkg: _Package) -> tuple[str, str | None]:
    core = None
    for kind, target in pkg.rels("").values():
        if kind in ("core-properties", "metadata/core-properties"):
            core = target
    root = pkg.xml(core or "docProps/core.xml")
    if root is None:
        return "", None
    vals = {_local(el.tag): (el.text or "").strip() for el in root.iterchildren()}
    return clean_title(vals.get("title", "")), parse_date(vals.get("created")) or parse_date(vals.get("modified"))


def _hidden_note(sheets: int, rows: int, cols: int) -> str:
    parts = [f"{n} hidden {what}{'s' if n > 1 else ''}" for n, what in ((sheets, "sheet"), (rows, "row"),
                                                                        (cols, "column")) if n]
    said = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return (f"{said} left out: the file still holds their cells, a reader of the spreadsheet does not see them "
            "(docs/ingest.md, Hidden text)")


@budgeted("XLSX", "a workbook of millions of cells")
def load_xlsx(path: Path, raw: bytes) -> Document:
    pkg = _Package(raw)
    reader = None
    try:
        wb_part = _workbook(pkg)
        wb = pkg.xml(wb_part)
        rels = pkg.rels(wb_part)
        by_kind = {kind: target for kind, target in rels.values()}
        pr = next(wb.iter("{*}workbookPr"), None)
        date1904 = pr is not None and _true(pr.get("date1904"))
        reader = _Reader(pkg, guarded(PARSE_BEAT.get()))
        reader.shared_strings(by_kind.get("sharedStrings"))
        fmts = _styles(pkg, by_kind.get("styles"))
        sheets, hidden_sheets = [], 0
        for sh in wb.iter("{*}sheet"):
            rid = next((v for k, v in sh.attrib.items() if _local(k) == "id" and k.startswith("{")), None)
            kind, target = rels.get(rid or "", ("", ""))
            if kind != "worksheet":
                continue  # a chart sheet, a dialog or macro sheet: no cells
            if (sh.get("state") or "visible") != "visible":
                hidden_sheets += 1
                continue
            sheets.append((sh.get("name") or "", target))
        reader.total_xml = max(1, sum(i.compress_size for _, t in sheets if (i := pkg.info(t)) is not None))
        lines: list[str] = []
        for name, target in sheets:
            if reader.stopped_in is not None:
                break
            reader.sheet(name, target, fmts, date1904, lines)
        title, dd = _props(pkg)
    except LoadError:
        raise
    except _Stop as exc:  # a part read whole over its cap (never: the caps are checked first)
        raise LoadError(f"damaged spreadsheet ({exc_reason(str(exc))} is too large)") from None
    except Exception as exc:  # lxml syntax errors, bad zip members, CRC errors…
        raise LoadError(f"damaged spreadsheet ({exc_reason(exc_line(exc)[:160])})") from None
    text = require_text(clean_text("\n".join(lines)), "empty document (no sheet holds a value)")
    notes = []
    if reader.stopped_in is not None:
        cap = _MAX_STRING_CHARS
        first = (f"{MAX_CELLS:,} cells" if reader.stopped_for == "cells" else
                 f"{cap // 1048576:,} M characters" if cap >= 1048576 else f"{cap:,} characters")
        notes.append(f"read the first {first}: the rest of sheet '{clean_title(reader.stopped_in)}' and "
                     "the sheets after it are not read (docs/ingest.md, Spreadsheets)")
    if hidden_sheets or reader.hidden_rows or reader.hidden_cols:
        notes.append(_hidden_note(hidden_sheets, reader.hidden_rows, reader.hidden_cols))
    return Document(str(path), "xlsx", title or title_from_path(path), text, dd, sha256_bytes(raw), len(raw),
                    tuple(notes))
