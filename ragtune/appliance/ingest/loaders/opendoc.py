"""ODT (OpenDocument text: LibreOffice, OpenOffice, Google Docs' and Word's "Save as .odt"), read from its
content.xml: the text shown with tracked changes accepted (the tracked-changes region and its deletions out) and
hidden text out, in document order: headings as `#` lines, paragraphs, list items with their bullet or number (nested
indented), a table's rows as tablerows.labelled_table writes them (`Label: value; …` under a header row the file
marks, one block, a line a row), else `a | b`, text boxes, then footnotes and endnotes as `[n]` at the end (as
word.py does DOCX). Comments (annotations), indexes (a table of contents repeats the headings) and page furniture are
not content. A flat .fodt is not read."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, PARSE_BEAT_EVERY, Document, LoadError, clean_text, clean_title, exc_reason, \
    require_text, title_from_path
from .hidden import note as hidden_note
from .opendoc_look import CLEAR, UNKNOWN, Look, bold_row
from .parse_budget import budgeted, guarded
from .tablerows import Heading, labelled_table, merged_rows
from .opendoc_package import _meta, _xml, package
from .word import _letters, _roman

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
_O, _T, _TB, _S, _D = (f"{{{_NS[k]}}}" for k in ("office", "text", "table", "style", "draw"))
# Generated indexes (repeating headings or entries), comments, cached tracked changes (deleted text): not the text
_SKIPPED = {f"{_T}{t}" for t in ("table-of-content", "alphabetical-index", "illustration-index", "table-index",
                                  "object-index", "user-index", "bibliography", "tracked-changes", "sequence-decls",
                                  "variable-decls", "user-field-decls", "dde-connection-decls", "soft-page-break",
                                  "bookmark", "bookmark-start", "bookmark-end", "change", "change-start",
                                  "change-end", "reference-mark", "reference-mark-start", "reference-mark-end",
                                  "alphabetical-index-mark", "toc-mark", "user-index-mark")}
_SKIPPED |= {f"{_O}annotation", f"{_O}annotation-end", f"{_O}forms", f"{_TB}tracked-changes"}
_MAX_REPEAT = 100  # a cell or row written once with a repeat count: shown at most so many times (a crafted 10^9)
# Characters that repeated cells and rows may add in all, beyond their first copies: repeats inside repeats multiply
# (a 479-byte table of 100 x 100 cells around another gave 300 MB in 95 s; three levels: MemoryError at 2.3 GB)
_REPEAT_CHARS = 10_000_000
HOW = "hidden paragraphs, sections and text fields, or a style's display:none"
HOW_UNSEEN = ", or text under 2 pt or in the colour behind it"
_FO_WEIGHT = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}font-weight"
_CONST_TRUE = re.compile(r"^(?:ooow:)?\s*(?:1|true)\s*$", re.I)


# Tag and attribute names made once (an f-string per use was a third of a large read): T.list_item is text:list-item
def _names(ns: str, words: str) -> SimpleNamespace:
    return SimpleNamespace(**{n.replace("-", "_"): f"{ns}{n}" for n in words.split()})


T = _names(_T, "c condition continue-list continue-numbering display h hidden-paragraph hidden-text index-body "
               "is-hidden level line-break list list-header list-item list-level-style-bullet "
               "list-level-style-number list-style note note-body outline-level p s section span start-value "
               "string-value style-name tab")
TB = _names(_TB, "covered-table-cell number-columns-repeated number-columns-spanned number-rows-repeated "
                 "number-rows-spanned table table-cell table-header-rows table-row")
S = _names(_S, "name num-format num-prefix num-suffix parent-style-name style text-properties")
D = _names(_D, "a custom-shape ellipse frame g rect text-box")
OF = _names(_O, "automatic-styles")


def _open(raw: bytes) -> tuple[bytes, bytes | None, bytes | None]:
    """content.xml, meta.xml and styles.xml of a text document's package."""
    z, read = package(raw, "ODT")
    with z:
        return read("content.xml") or b"", read("meta.xml"), read("styles.xml")


class _Styles:
    """Which styles hide text (`text:display="none"` on their text properties, as LibreOffice's Hidden character
    attribute writes it) and which list styles number, with their parents (automatic and named styles)."""

    def __init__(self, *roots: Any):
        self.parent: dict[str, str] = {}
        self.hides: dict[str, bool] = {}
        self.bold: dict[str, bool] = {}  # style -> bold or not (`fo:font-weight`)
        # list style -> level -> (format, prefix, suffix, start)
        self.lists: dict[str, dict[int, tuple[str, str, str, int]]] = {}
        self.look = Look(*roots)  # sizes and colours: text drawn under 2 pt or in the colour behind it
        for root in reversed(roots):  # content.xml's automatic styles win a name clash with styles.xml's (as Look)
            if root is None:
                continue
            for st in root.iter(S.style):
                name = st.get(S.name) or ""
                if st.get(S.parent_style_name):
                    self.parent[name] = st.get(S.parent_style_name)
                for tp in st.iterchildren(S.text_properties):
                    display = tp.get(T.display)
                    if display is not None:
                        self.hides[name] = display == "none"
                    if tp.get(_FO_WEIGHT) is not None:
                        self.bold[name] = tp.get(_FO_WEIGHT) in ("bold", "600", "700", "800", "900")
            for ls in root.iter(T.list_style):
                levels = {}
                for lv in ls.iterchildren():
                    level = int(lv.get(T.level) or 1)
                    if lv.tag == T.list_level_style_number:
                        levels[level] = (lv.get(S.num_format) or "1", lv.get(S.num_prefix) or "",
                                         lv.get(S.num_suffix) or "", int(lv.get(T.start_value) or 1))
                    elif lv.tag == T.list_level_style_bullet:
                        levels[level] = ("bullet", "", "", 1)
                self.lists[ls.get(S.name) or ""] = levels

    def hidden(self, name: str | None, props: dict[str, bool] | None = None) -> bool:
        seen = set()
        props = self.hides if props is None else props
        while name and name not in seen:
            seen.add(name)
            if name in props:
                return props[name]
            name = self.parent.get(name)
        return False

    def bolded(self, name: str | None) -> bool:
        """A paragraph or text style's weight is bold (its own or a parent's `fo:font-weight`)."""
        return self.hidden(name, self.bold)


def _label(n: int, fmt: str) -> str:
    if fmt in ("a", "A"):
        s = _letters(n) if n <= 26 * 40 else str(n)
    elif fmt in ("i", "I"):
        s = _roman(n) if 0 < n < 40_000 else str(n)
    else:
        return str(n)
    return s.upper() if fmt.isupper() else s


class _Reader:
    def __init__(self, styles: _Styles, labels: bool = True):
        self.styles = styles
        self.labels = labels  # a text's tables labelled under their header row (round 54); a slide's as before
        self.hidden = 0  # paragraphs, spans, sections and fields left out as hidden
        self.first_heading = ""
        self.notes: list[str] = []
        self.counters: dict[str, list[int]] = {}  # list style -> counter per level (continued lists go on)
        self.beat: Any = None
        self.stop: Exception | None = None  # what the beat raised (the caller's: a stop asked for mid-read)
        self.paragraphs_read, self.paragraphs = 0, 1
        self.repeat_left = _REPEAT_CHARS  # characters repeated cells and rows may still add
        self.page = styles.look.page()
        self.behind: str | None = self.page  # what lies behind the text here (opendoc_look.outermost)
        self.outer: list[tuple[str, str | None]] = []  # the styles around a paragraph (a cell's, a shape's)
        self.unseen = 0  # paragraphs with text under 2 pt or in the colour behind it, left out
        self._unseen_in = False  # the paragraph being read has such text

    def _hid(self, family: str, name: str | None, pstyle: str | None, hid: bool) -> bool:
        """Whether text under a span (family "text") or a paragraph is drawn unseen (opendoc_look); `hid` when no
        style around it says a size or colour."""
        look = self.styles.look
        chain = [("paragraph", pstyle), *self.outer]
        if family == "text":
            if not look.own("text", name):
                return hid
            chain.insert(0, ("text", name))
        elif not any(look.own(f, n) for f, n in chain):
            return hid
        return look.unseen(chain, self.behind)

    def repeats(self, asked: int, text_len: int) -> int:
        """How many times to show a cell or row written once with a repeat count: within _MAX_REPEAT and what is
        left of the document's repeat budget (at least once)."""
        n = min(asked, _MAX_REPEAT)
        if n > 1:
            n = min(n, 1 + self.repeat_left // max(1, text_len))
            self.repeat_left -= (n - 1) * text_len
        return n

    def listen(self, beat: Any, body: Any) -> None:
        if beat is not None:
            from lxml import etree

            count = etree.XPath("count(.//text:p|.//text:h)", namespaces={"text": _NS["text"]})
            self.beat, self.paragraphs = beat, max(1, int(count(body)))

    def _tick(self) -> None:
        if self.beat is not None:
            self.paragraphs_read += 1
            if not self.paragraphs_read % PARSE_BEAT_EVERY:
                try:
                    self.beat(min(1.0, self.paragraphs_read / self.paragraphs))
                except Exception as exc:  # let through as itself (load_odt): not "corrupt ODT", not remembered
                    self.stop = exc
                    raise

    # -- inline text --------------------------------------------------------------------------------------------
    def inline(self, el: Any, out: list[str], boxes: list[str], hid: bool = False, pstyle: str | None = None) -> None:
        """`hid`: el's own text is drawn unseen (under 2 pt, or in the colour behind it): left out, counted."""
        if el.text:
            self._text(el.text, out, hid)
        for c in el.iterchildren():
            tag = c.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                pass
            elif tag == T.s:
                out.append(" " * min(int(c.get(T.c) or 1), 100))
            elif tag == T.tab:
                out.append("\t")
            elif tag == T.line_break:
                out.append("\n")
            elif tag == T.note:
                body = c.find(T.note_body)
                text = " ".join(" ".join(self.on_page(body)).split()) if body is not None else ""
                if text:
                    self.notes.append(text)
                    out.append(f"[{len(self.notes)}]")
            elif tag == T.hidden_text:
                if _is_hidden(c):
                    self.hidden += bool((c.get(T.string_value) or "".join(c.itertext())).strip())
                else:
                    out.append(c.get(T.string_value) or "".join(c.itertext()))
            elif tag == T.hidden_paragraph:
                pass  # decided for the whole paragraph (paragraph())
            elif tag == T.span and self.styles.hidden(c.get(T.style_name)):
                self.hidden += bool("".join(c.itertext()).strip())
            elif tag == T.span:
                self.inline(c, out, boxes, self._hid("text", c.get(T.style_name), pstyle, hid), pstyle)
            elif tag in (D.frame, D.custom_shape, D.rect, D.ellipse, D.g):
                for box in _boxes(c):
                    boxes.extend(self.boxed(box))  # a text box's text, after its paragraph
            elif tag.startswith(_D):
                pass  # images, objects: no text of their own here
            else:  # a (links), fields (their shown value), ruby, meta
                self.inline(c, out, boxes, hid, pstyle)
            if c.tail:
                self._text(c.tail, out, hid)

    def _text(self, text: str, out: list[str], hid: bool) -> None:
        if not hid:
            out.append(text)
        elif text.strip():
            self._unseen_in = True

    def boxed(self, box: Any, nested: bool = False) -> list[str]:
        """A text box's or a shape's blocks: what lies behind them is not known (a fill), so colour hides nothing."""
        return self.on(UNKNOWN, box, nested)

    def section(self, sec: Any, nested: bool) -> list[str]:
        """A section's blocks, on its own background where its style paints one (a navy banner's white text)."""
        fill = self.styles.look.fill("section", sec.get(T.style_name))
        return self.blocks(sec, nested) if fill in (None, CLEAR) else self.on(fill, sec, nested)

    def on_page(self, body: Any) -> list[str]:
        """A footnote's or endnote's blocks: drawn at the foot of the page, not on the section or cell it is in."""
        return self.on(self.page, body)

    def on(self, behind: str, parent: Any, nested: bool = False) -> list[str]:
        """`parent`'s blocks with `behind` (a colour, or UNKNOWN: a picture) behind their text."""
        was, self.behind = self.behind, behind
        try:
            return self.blocks(parent, nested)
        finally:
            self.behind = was

    def paragraph(self, p: Any, prefix: str = "") -> list[str]:
        self._tick()
        if self.styles.hidden(p.get(T.style_name)) or any(
                _is_hidden(h) for h in p.iter(T.hidden_paragraph)):
            self.hidden += bool("".join(p.itertext()).strip())
            return []
        out: list[str] = []
        boxes: list[str] = []
        pstyle = p.get(T.style_name)
        was, self._unseen_in = self._unseen_in, False
        self.inline(p, out, boxes, self._hid("paragraph", pstyle, pstyle, False), pstyle)
        self.unseen += self._unseen_in
        self._unseen_in = was
        text = "".join(out).strip()
        lines = []
        if text:
            if p.tag == T.h:
                text = " ".join(text.split())
                self.first_heading = self.first_heading or text
                try:
                    level = int(p.get(T.outline_level) or 1)
                except ValueError:
                    level = 1
                label = prefix.strip()  # a heading in a list keeps its number: "# 2. Scope"
                lines.append(Heading("#" * min(max(level, 1), 6) + " " + (label + " " if label else "") + text))
            else:
                lines.append(prefix + text)
        return lines + boxes

    # -- blocks -------------------------------------------------------------------------------------------------
    def blocks(self, parent: Any, nested: bool = False) -> list[str]:
        lines: list[str] = []
        for c in parent.iterchildren():
            tag = c.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag in (T.p, T.h):
                lines.extend(self.paragraph(c))
            elif tag == T.list:
                lines.extend(self.list(c, 1, c.get(T.style_name) or ""))
            elif tag == TB.table:
                rows = self.table(c, ", " if nested else " | ")
                lines.extend(["; ".join(rows)] if nested and rows else rows)
            elif tag == T.section:
                display = c.get(T.display)
                if display == "none" or (display == "condition" and _CONST_TRUE.match(c.get(T.condition) or "")):
                    self.hidden += bool("".join(c.itertext()).strip())
                    continue
                lines.extend(self.section(c, nested))
            elif tag in (T.index_body, TB.table_header_rows, T.list_header):
                lines.extend(self.blocks(c, nested))
            elif tag.startswith(_D):  # a frame or shape anchored to the page, not in a paragraph
                for box in _boxes(c):
                    lines.extend(self.boxed(box, nested))
        return lines

    def list(self, lst: Any, level: int, style: str) -> list[str]:
        style = lst.get(T.style_name) or style
        levels = self.styles.lists.get(style, {})
        fmt, before, after, start = levels.get(level, ("bullet", "", "", 1))
        counters = self.counters.setdefault(style, [0] * 11)
        top = level == 1 and lst.get(T.continue_numbering) != "true" and not lst.get(T.continue_list)
        if top or level > 1:
            counters[min(level, 10)] = start - 1
        lines: list[str] = []
        for item in lst.iterchildren(T.list_item, T.list_header):
            k = min(level, 10)
            if item.tag == T.list_item:
                value = item.get(T.start_value)
                counters[k] = int(value) if value and value.isdigit() else counters[k] + 1
            label = "-" if fmt == "bullet" else (f"{before}{_label(counters[k], fmt)}{after}" if fmt else "")
            if item.tag == T.list_header:
                label = ""
            indent = "  " * (level - 1)
            first = True
            for c in item.iterchildren():
                if c.tag in (T.p, T.h):
                    lines.extend(self.paragraph(c, indent + (label + " " if first and label else "")))
                    first = False
                elif c.tag == T.list:
                    lines.extend(self.list(c, level + 1, style))
                elif c.tag == TB.table:
                    lines.extend(self.table(c))
                elif isinstance(c.tag, str) and c.tag not in _SKIPPED:
                    lines.extend(self.blocks(c))
        return lines

    def table(self, tbl: Any, sep: str = " | ") -> list[str]:
        """A table's rows: under a header row one block of `Label: value; …` lines (tablerows.labelled_table, round
        54; a title row above it a line of its own, round 55), else `a | b` lines; a table in a cell (`sep` ", ") its
        rows' values."""
        rows: list[dict[int, str]] = []
        asked_rows: list[int] = []  # each row's repeat count, asked
        lead: list[Any] = []  # the rows with text: the first (or the second) marked the header? (`_head`)
        marks: set[tuple[int, int]] = set()  # cells whose text starts with a heading's marks (labelled_rows)
        spans: dict[int, tuple[str, int]] = {}  # column -> (text of a cell spanning rows down, rows left)
        ends: list[int] = []  # each row's column past its last cell; rows of one cell merged across (groups)
        ones: set[int] = set()
        for tr in tbl.iter(TB.table_row):
            if _ancestor_table(tr) is not tbl:
                continue  # a row of a table nested in a cell: read with its cell
            cells: dict[int, str] = {}  # column -> text
            col = owed = 0  # owed: covered cells after a cell spanning across, for the columns it counted already
            for tc in tr.iterchildren(TB.table_cell, TB.covered_table_cell):
                asked = int(tc.get(TB.number_columns_repeated) or 1)
                if tc.tag == TB.covered_table_cell:  # (counted again, they put the later cells past the header: r56)
                    n = min(asked, _MAX_REPEAT)
                    paid, owed = min(n, owed), owed - min(n, owed)
                    for _ in range(n - paid):  # one not owed (a cell merged down's continuation): its column
                        if col in spans:  # under a cell merged down: its text, so each row reads whole
                            cells[col] = spans[col][0] if len(spans[col][0]) <= self.repeat_left else ""
                            self.repeat_left -= len(cells[col])
                        col += 1
                    continue
                lines = self.boxed(tc, nested=True)  # (a cell may be filled)
                text, mark = " ".join(" ".join(lines).split()), bool(lines) and isinstance(lines[0], Heading)
                repeat = self.repeats(asked, len(text))
                down = int(tc.get(TB.number_rows_spanned) or 1)
                across = int(tc.get(TB.number_columns_spanned) or 1)
                across = max(1, across) if across <= _MAX_REPEAT else 1
                owed = (across - 1) * repeat  # its text under its first column, as docx's and HTML's
                for _ in range(repeat):
                    cells[col] = text
                    marks.update([(len(rows), col)] if mark else ())
                    if down > 1:
                        spans[col] = (text, down)
                    col += across
            spans = {c: (t, n - 1) for c, (t, n) in spans.items() if n > 1}
            if any(cells.values()):
                lead.append(tr)
                ones.update([len(rows)] if len(cells) == 1 and col > 1 else ())  # (covered cells follow it)
                ends.append(col)
                rows.append(cells)
                asked_rows.append(int(tr.get(TB.number_rows_repeated) or 1))
        if sep != " | ":
            return [sep.join(c for c in r.values() if c) for r, n in zip(rows, asked_rows)
                    for _ in range(self.repeats(n, len(sep.join(c for c in r.values() if c))))]
        # repeats charged by the line written (labels are text added too: round 54), given back if not labelled
        left = self.repeat_left
        labelled = self.labels and labelled_table(rows, lambda i: i < len(lead) and self._head(*lead[i:i + 2]),
                                                  times=lambda i, line: self.repeats(asked_rows[i], len(line)),
                                                  marks=marks, groups=merged_rows(ends, ones))
        if labelled:
            return labelled
        self.repeat_left = left
        return [line for r, n in zip(rows, asked_rows) for line in [" | ".join(r.values())] * self.repeats(n, len(
            " | ".join(r.values())))]

    def _head(self, tr: Any, nxt: Any = None) -> bool:
        """Whether a table's first row (or the row under its title) is marked its header: a heading row
        (`table:table-header-rows`), or bold text in each cell (by paragraph or span style) while the next row with
        text is not so (a table bold all over)."""
        if tr.getparent().tag == TB.table_header_rows:
            return True
        return bold_row(tr, self.styles.bolded) and not (nxt is not None and bold_row(nxt, self.styles.bolded))


_BOX_TAGS = (D.text_box, D.custom_shape, D.rect, D.ellipse)


def _boxes(el: Any) -> Iterator[Any]:
    """The text boxes and shapes a drawing holds at its top (in frames and groups), not those inside them: each box
    reads its own nested ones (`iter` found those too, and each was read again per level: 20 levels took minutes)."""
    if el.tag in _BOX_TAGS:
        yield el
    elif el.tag in (D.frame, D.g, D.a):  # (a: a linked frame)
        for ch in el.iterchildren():
            yield from _boxes(ch)


def _ancestor_table(el: Any) -> Any:
    a = el.getparent()
    while a is not None and a.tag != TB.table:
        a = a.getparent()
    return a


def _is_hidden(field: Any) -> bool:
    """A hidden-text or hidden-paragraph field that hides: its cached state (`text:is-hidden`), else a condition
    that is a constant true. A condition left to evaluate (a variable's value) is taken as shown: text a reader
    may see is never dropped."""
    state = field.get(T.is_hidden)
    if state is not None:
        return state == "true"
    return bool(_CONST_TRUE.match(field.get(T.condition) or ""))


@budgeted("ODT", "a body of millions of paragraphs or tables")  # as a PDF's (parse_budget.PARSE_SECONDS)
def load_odt(path: Path, raw: bytes) -> Document:
    content, meta, styles_xml = _open(raw)
    root = _xml(content, "content.xml")
    styles_root = None
    if styles_xml:
        try:
            styles_root = _xml(styles_xml, "styles.xml")
        except LoadError:
            styles_root = None  # named styles lost: hidden character styles are then not known
    body = root.find(f"{_O}body/{_O}text")
    if body is None:
        raise LoadError("not an ODT: content.xml has no text body (another OpenDocument kind?)")
    reader = None
    try:
        reader = _Reader(_Styles(root.find(OF.automatic_styles), styles_root))
        reader.listen(guarded(PARSE_BEAT.get()), body)
        lines = reader.blocks(body)
    except RecursionError:
        raise LoadError("corrupt ODT: content.xml nests too deep") from None
    except (ValueError, TypeError) as exc:  # a count or level that is not a number
        if reader is not None and reader.stop is not None:
            raise reader.stop from None
        raise LoadError(f"corrupt ODT: {exc_reason(str(exc)[:160])}") from None
    lines += [f"[{i + 1}] {text}" for i, text in enumerate(reader.notes)]
    text = require_text(clean_text("\n\n".join(lines)))
    title, when = _meta(meta)
    notes = (hidden_note(reader.hidden + reader.unseen, "passage", HOW + (HOW_UNSEEN if reader.unseen else "")),) \
        if reader.hidden or reader.unseen else ()
    return Document(str(path), "odt", title or clean_title(reader.first_heading) or title_from_path(path), text, when,
                    sha256_bytes(raw), len(raw), notes)
