"""Hidden text: words in a document's file that a reader of the document never sees (red-team finding F7). A
contractor can plant a statement in an HTML element styled `display:none`, a white 1-pt run of a DOCX, or PDF text
drawn at 1 pt, off the page or invisible; a reviewer of the document sees nothing, and an answer would quote it.
What the loaders leave out is decided here (HTML, DOCX; PDF in pdf_marks.Covers.concealed), conservatively: text a
reader sees is never lost, so only what the file itself says is invisible counts (stylesheets are not evaluated)."""

from __future__ import annotations

import re
from typing import Any

from .hidden_css import REVEALABLE, declarations, element_kinds, hides, reveals

# -- HTML --------------------------------------------------------------------------------------------------------
# a declaration of an inline style that hides its element: display:none, visibility:hidden/collapse, a zero font size
_HIDING = re.compile(r"^(?:display:none|visibility:(?:hidden|collapse)|font-size:(?:0*\.0+|0+)(?:px|pt|em|rem|%)?)"
                     r"(?:!important)?$")
# An element closed by the start of these (HTML's implied end tags): a hidden `<p>` written without `</p>` ends at the
# next paragraph, as a browser reads it, not at the end of the page
_P_CLOSERS = frozenset(("address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption",
                        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "menu",
                        "nav", "ol", "p", "pre", "section", "table", "ul"))
IMPLIED_END = {"p": _P_CLOSERS, "li": frozenset(("li",)), "dt": frozenset(("dt", "dd")),
               "dd": frozenset(("dt", "dd")), "td": frozenset(("td", "th", "tr")), "th": frozenset(("td", "th", "tr")),
               "tr": frozenset(("tr",)), "option": frozenset(("option",))}


def inline_kinds(attrs: list[tuple[str, str | None]]) -> set[str]:
    """What an element's own attributes hide it with (`display`, `visibility`, `font`, `colour`), all of them: the
    `hidden` attribute (not `hidden="until-found"`, which the browser's find-in-page reveals), or an inline style
    of display:none, visibility:hidden, font-size:0, or a colour on its own background or transparent. `aria-hidden`
    is not: it hides from screen readers, not from eyes (icons, duplicated labels). A descendant shows the text again
    only when it undoes every kind (`font-size:0;visibility:hidden` is not shown by a child's font size, round 52),
    and never `display` (`visibility:hidden;display:none` is not shown by a `visibility:visible` child)."""
    found: set[str] = set()
    for k, v in attrs:
        if k == "hidden" and (v or "").strip().lower() != "until-found":
            found.add("display")
        if k == "style" and v and ("none" in v or "hidden" in v or "collapse" in v or "0" in v):
            for decl in v.lower().split(";"):
                m = _HIDING.match("".join(decl.split()))
                if m:
                    g = m.group()
                    found.add("display" if "display" in g else "visibility" if "vis" in g else "font")
        if k == "style" and v and "color" in v.lower() and "colour" in hides(declarations(v)):
            found.add("colour")  # white on white, transparent (round 51; opacity:0 is a script's fade: not judged)
    return found


def inline_kind(attrs: list[tuple[str, str | None]]) -> str | None:
    """inline_kinds as one kind: `display` first (None: nothing)."""
    found = inline_kinds(attrs)
    return ("display" if "display" in found else sorted(found)[0]) if found else None


class OpenElements:
    """Elements open in an HTML page, innermost last, closed as a browser closes them: a start tag ends an open `<p>`,
    `<li>`, cell (IMPLIED_END: pop_implied), an end tag closes what was left open in its element (close). An item is
    (tag, *what the owner keeps of it); `popped` is told of each item taken off (HiddenRegion, hidden_paint.Backdrop,
    HiddenStack's elements outside every region)."""

    def __init__(self, popped: Any = None) -> None:
        self.items: list[tuple[Any, ...]] = []
        self.names: dict[str, int] = {}  # tag -> how many are open
        self.popped = popped

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        return self.items[i]

    def __reversed__(self) -> Any:
        return reversed(self.items)

    def push(self, tag: str, *data: Any) -> None:
        self.items.append((tag, *data))
        self.names[tag] = self.names.get(tag, 0) + 1

    def pop(self) -> None:
        item = self.items.pop()
        self.names[item[0]] -= 1
        if self.popped is not None:
            self.popped(item)

    def pop_implied(self, tag: str) -> None:
        """A start tag `tag`: the open elements it ends (`<p>a<p>b`, `<li>a<li>b`, `<p>a<div>`)."""
        while self.items and tag in IMPLIED_END.get(self.items[-1][0], ()):
            self.pop()

    def close(self, tag: str) -> bool:
        """An end tag: its element closed with what was left open in it; False when none is open (ignored)."""
        if not self.names.get(tag):
            return False
        while self.items[-1][0] != tag:
            self.pop()
        self.pop()
        return True


class HiddenRegion:
    """The element being left out of an HTML page and the elements open inside it (a stack, with the kinds that
    still hide each), so the region ends where the element does: at its end tag, at an end tag of an element around
    it (markup left open inside), or at a start tag that implies its end (a `<p hidden>` without `</p>`). Inside, an
    end tag closes what was left open in the element it ends, and a start tag ends an open `<p>`/`<li>`/cell as a
    browser does (round 52: an unclosed `<p>` in a shown child no longer kept it shown past its end). Hidden by font
    size, visibility or colour (`kinds`), a descendant whose own style or rule undoes all of them is seen: its text is
    read (hidden_css.reveals). `sheet`: the page's style sheets (hidden_css.Sheet), None for none."""

    def __init__(self, tag: str, kinds: Any = "display", sheet: Any = None, from_sheet: bool = False,
                 raw_tag: bool = False, paint: Any = None, colour: str | None = None):
        self.tag, self.text, self.raw_tag = tag, False, raw_tag  # raw_tag: a script/style
        self.kinds = frozenset((kinds,) if isinstance(kinds, str) else kinds)
        self.sheet, self.from_sheet, self.paint = sheet, from_sheet, paint
        self.colour = colour  # the colour its text is unseen in, where known (hidden_paint.Backdrop)
        self.open = OpenElements(self._popped)  # (tag, raw, kinds still hiding it), innermost last
        self.names = self.open.names  # tag -> how many are open in `open`
        self.raw = 0  # script/style elements open inside it: never text
        self.chars = 0  # characters left out

    shown = property(lambda self: bool(self.open) and not self.open[-1][2])  # a descendant seen after all
    depth = property(lambda self: len(self.open))

    def start(self, tag: str, void: bool, attrs: list[tuple[str, str | None]] = (), raw: bool = False) -> bool:
        """A start tag inside the region: False when it ends the region (read it as outside)."""
        if tag in IMPLIED_END.get(self.tag, ()) and not self.names.get(self.tag) and (self.tag != "p" or not self.open):
            return False
        self.open.pop_implied(tag)  # `<p>a<p>b`, `<li>a<li>b` inside: the open one ends here
        if not void:
            kinds = self.open[-1][2] if self.open else self.kinds
            if kinds and not raw:
                kinds = self._own(tag, attrs, kinds)
            self.open.push(tag, raw, kinds)
            self.raw += raw
        return True

    def _own(self, tag: str, attrs: Any, kinds: frozenset[str]) -> frozenset[str]:
        """The kinds hiding a descendant: its parent's less what it undoes, with what it hides by itself."""
        if kinds & REVEALABLE:
            kinds = frozenset(k for k in kinds if k not in REVEALABLE or not reveals(self.sheet, tag, attrs, k,
                                                                                     self.paint, self.colour))
        own = inline_kinds(attrs)
        if self.sheet is not None:
            own |= element_kinds(self.sheet, tag, attrs)
        return kinds | own if own else kinds

    def _popped(self, item: tuple[Any, ...]) -> None:
        self.raw -= item[1]

    def end(self, tag: str, raw: bool = False) -> tuple[bool, bool]:
        """An end tag inside the region: (the region ends, the tag is also read outside it)."""
        if self.open.close(tag):  # (what was left open inside the element this tag ends: closed with it)
            return False, False
        if tag == self.tag:
            return True, False
        return True, True  # an element around the region closes: so does the region

    def data(self, text: str) -> bool:
        """Text inside the region: True when it is read (a descendant seen after all)."""
        if self.raw:
            return False
        if self.shown:
            return True
        if text.strip():
            self.text = True
            self.chars += len(text)
        return False


class HiddenStack:
    """The hidden elements open in an HTML page (web._HTMLText), innermost last. Inside a descendant shown again
    (`shown`), tags and text are read as the page's own, headings, cells and lists included, and a hidden element
    there opens a region of its own above: `<span hidden>` inside a shown child is still left out."""

    def __init__(self) -> None:
        self.open: list[HiddenRegion] = []
        self.count = 0  # regions that held text
        self.sheet_chars = 0  # characters a <style> rule hid
        # elements open outside every region, a region's own start tag included, closed as a browser closes them (an
        # end tag in a region that closes none of them is ignored, as a browser ignores it: round 52)
        self.outside = OpenElements()

    def push(self, tag: str, kinds: Any, sheet: Any, from_sheet: bool, raw: bool, paint: Any = None,
             colour: str | None = None) -> None:
        self.open.append(HiddenRegion(tag, kinds, sheet, from_sheet, raw, paint, colour))

    def start(self, tag: str, void: bool, attrs: list[tuple[str, str | None]], raw: bool, dropping: bool) -> bool:
        """A start tag: True when it is read (outside every region, or in a descendant shown again)."""
        while self.open:
            h = self.open[-1]
            if h.start(tag, void, attrs, raw):
                return h.shown
            self.pop(dropping)  # a start tag that ends the hidden element (`<p hidden>` without `</p>`)
        if not void:
            self.outside.pop_implied(tag)
            self.outside.push(tag)
        return True

    def end(self, tag: str, raw: bool, dropping: bool) -> bool:
        """An end tag: True when it is read."""
        while self.open:
            h = self.open[-1]
            if h.names.get(tag):
                shown = not next(k for t, _, k in reversed(h.open) if t == tag)
                h.end(tag, raw)
                return shown  # the end of a shown element is read (it ends its paragraph, cell, heading)
            outside = h.end(tag, raw)[1]
            if outside and not self.outside.names.get(tag) and not any(r.names.get(tag) for r in self.open[:-1]):
                return False  # an end tag of no open element (`</b>` in a hidden div): a browser ignores it
            self.pop(dropping)
            if not outside:
                return False
        self.outside.close(tag)
        return True

    def data(self, text: str) -> bool:
        """Text: True when it is read."""
        return not self.open or self.open[-1].data(text)

    def pop(self, dropping: bool) -> None:
        h = self.open.pop()
        self.count += bool(h.text and not dropping)
        self.sheet_chars += h.chars if h.from_sheet else 0
        if self.open:  # its element is closed in the region around it, which counted its start tag
            self.open[-1].end(h.tag, h.raw_tag)
        else:
            self.outside.close(h.tag)


# -- DOCX ----------------------------------------------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _shaded(pr: Any) -> bool:
    """A run's or paragraph's properties paint a background behind the text: shading (a fill or a pattern that is
    not white) or a highlight."""
    if pr is None:
        return False
    hl = pr.find(f"{_W}highlight")
    if hl is not None and (hl.get(f"{_W}val") or "none") != "none":
        return True
    shd = pr.find(f"{_W}shd")
    if shd is None:
        return False
    fill = (shd.get(f"{_W}fill") or "auto").upper()
    return (shd.get(f"{_W}val") or "clear") not in ("clear", "nil") or fill not in ("AUTO", "FFFFFF")


def _style_chain(styles: Any, sid: str | None, part: int = 0) -> list[Any]:
    """The rPr (`part` 2: the pPr) of a style and of those it is based on, nearest first. `styles`: styleId ->
    (rPr, basedOn, pPr), as word._Reader reads the styles part."""
    out, seen = [], set()
    while sid and sid not in seen and styles is not None:
        seen.add(sid)
        st = styles.get(sid)
        if st is None:
            break
        if st[part] is not None:
            out.append(st[part])
        sid = st[1]
    return out


def _prop(chain: list[Any], name: str, attr: str = "val") -> str | None:
    for rpr in chain:
        el = rpr.find(f"{_W}{name}")
        if el is not None and el.get(f"{_W}{attr}") is not None:
            return el.get(f"{_W}{attr}")
    return None


MIN_POINTS = 2.0  # text drawn under 2 pt no one reads (DOCX w:sz, PPTX a:rPr sz, OpenDocument fo:font-size)


def hex_colour(value: str | None) -> str | None:
    """A colour as six upper-case hex digits (`FFFFFF`, `#fff`, `#ffffff`), None for anything else (`auto`, a
    theme's or a scheme's name: not judged)."""
    v = (value or "").strip().lstrip("#").upper()
    if len(v) == 3 and all(c in "0123456789ABCDEF" for c in v):
        return "".join(c * 2 for c in v)
    return v if len(v) == 6 and all(c in "0123456789ABCDEF" for c in v) else None


def unseen_text(size_pt: float | None = None, colour: str | None = None, behind: str | None = None) -> bool:
    """The one rule for a text run of a document format (DOCX, PPTX, OpenDocument): no one reads it when it is drawn
    under 2 pt (a size of 0 too), or in the colour of what lies behind it. `colour`, `behind`: hex colours
    (hex_colour's forms); `behind` None when what is behind the text is not known for sure (a shading, a filled
    cell or shape, a picture, a theme colour): then colour hides nothing. Callers pass only the run's own size and
    colour (or its styles'), so text a reader sees is never lost."""
    if size_pt is not None and size_pt < MIN_POINTS:
        return True
    fg, bg = hex_colour(colour), hex_colour(behind)
    return fg is not None and fg == bg


def docx_run_hidden(run: Any, styles: dict[str, tuple[Any, str | None, Any]] | None, dark_page: bool) -> bool:
    """Whether Word draws a run so no one reads it: a font size under 2 pt, or white text (FFFFFF) with nothing
    behind it but the page (no shading or highlight on the run or its paragraph, not in a table cell or a text box,
    which may be filled dark, and the page not coloured). Size and colour are the run's own, else its character
    style's, else its paragraph style's."""
    rpr = run.find(f"{_W}rPr")
    p = run.getparent()
    while p is not None and p.tag != f"{_W}p":
        p = p.getparent()
    ppr = p.find(f"{_W}pPr") if p is not None else None
    rstyle = rpr.find(f"{_W}rStyle") if rpr is not None else None
    pstyle = ppr.find(f"{_W}pStyle") if ppr is not None else None
    chain = ([rpr] if rpr is not None else []) + _style_chain(styles, rstyle.get(f"{_W}val") if rstyle is not None
                                                               else None)
    chain += _style_chain(styles, pstyle.get(f"{_W}val") if pstyle is not None else None)
    size = _prop(chain, "sz")
    try:
        if size is not None and unseen_text(float(size) / 2):
            return True
    except ValueError:
        pass
    colour = hex_colour(_prop(chain, "color"))
    if colour != "FFFFFF" or dark_page or any(_shaded(pr) for pr in (*chain, ppr)):
        return False  # (only white is judged: a page without a page colour is white; anything else not known)
    if any(_shaded(pr) for pr in _style_chain(styles, pstyle.get(f"{_W}val") if pstyle is not None else None, 2)):
        return False  # a paragraph style's shading
    a = p
    while a is not None:  # a cell or a shape can be filled by a table style or the drawing: not read, so kept
        if a.tag in (f"{_W}tc", f"{_W}txbxContent"):
            return False
        a = a.getparent()
    return unseen_text(colour=colour, behind="FFFFFF")  # nothing behind it but the white page


def docx_dark_page(body: Any) -> bool:
    """The document has a page colour (Design > Page Color) other than white: white text may show on it."""
    bg = body.getparent().find(f"{_W}background") if body.getparent() is not None else None
    return bg is not None and (bg.get(f"{_W}color") or "FFFFFF").upper() not in ("FFFFFF", "AUTO")


HTML_HOW = ("display:none, visibility:hidden, font-size:0, opacity:0, colour on its own or its background's colour "
            "or `hidden`")


def note(count: int, what: str, how: str) -> str:
    """The ingest summary's line for a document with hidden text left out (as redaction boxes are said)."""
    return (f"{count} {what}{'s' if count > 1 else ''} of hidden text ({how}) left out: the file still holds that "
            "text, a reader of the document does not see it (docs/ingest.md, Hidden text)")
