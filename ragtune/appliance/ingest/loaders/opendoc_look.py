"""How OpenDocument styles draw text (.odt, .ods, .odp): its size and colour and what lies behind it, for the one
hidden-text rule of every document format (hidden.unseen_text: under 2 pt, or in the colour of what is behind it).
Only what the file says for sure is judged: a size given in percent, an automatic (window) colour, a picture or
gradient behind the text: not judged, so text a reader sees is never lost."""

from __future__ import annotations

import re
from typing import Any, Callable

from .hidden import hex_colour, unseen_text

_S = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_DR = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_TX, _TB = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}", "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT_PROPS = {f"{_S}text-properties"}
_FILL_PROPS = {f"{_S}{n}" for n in ("paragraph-properties", "table-cell-properties", "graphic-properties",
                                    "drawing-page-properties", "section-properties")}
_POINTS = {"pt": 1.0, "pc": 12.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "px": 0.75}
_LENGTH = re.compile(r"\s*(-?[0-9]*\.?[0-9]+)\s*(pt|pc|in|cm|mm|px)\s*$", re.I)
UNKNOWN = "?"  # what lies behind text is not known (a picture, a gradient): colour hides nothing
CLEAR = ""  # nothing painted here: look further out


def points(value: str | None) -> float | None:
    """A length in points ("1pt", "0.5mm"); None for a percentage or anything else (not judged)."""
    m = _LENGTH.match(value or "")
    return float(m.group(1)) * _POINTS[m.group(2).lower()] if m else None


def _fill(props: Any) -> str | None:
    """What a paragraph's, cell's, shape's or page's properties paint behind text: a hex colour, CLEAR, UNKNOWN, or
    None (they do not say: the parent style decides)."""
    fill = props.get(f"{_DR}fill")
    if fill is not None:
        if fill == "none":
            return CLEAR
        if fill != "solid":
            return UNKNOWN  # bitmap, gradient, hatch
        return hex_colour(props.get(f"{_DR}fill-color")) or UNKNOWN
    if props.tag.endswith("graphic-properties") or props.tag.endswith("drawing-page-properties"):
        return None  # a fill colour alone does not paint (draw:fill says whether it does)
    bg = props.get(f"{_FO}background-color")
    if bg is None:
        # (iterchildren by tag: an XML comment among the children has no string tag; it stopped the whole file)
        return UNKNOWN if any(c.attrib for c in props.iterchildren(f"{_S}background-image")) else None
    return CLEAR if bg == "transparent" else hex_colour(bg) or UNKNOWN


class Look:
    """Size, colour, highlight and fill of each style (automatic and named, per family, through its parents and the
    family's default style)."""

    def __init__(self, *roots: Any):
        self.styles: dict[tuple[str, str], tuple[str | None, dict[str, Any]]] = {}
        self.defaults: dict[str, dict[str, Any]] = {}
        self.pages: set[str | None] = set()  # what page layouts paint behind a text document
        self._cache: dict[tuple[Any, ...], bool] = {}
        # roots come content.xml first: walked last, its automatic styles win a clash with styles.xml's of one name
        # (those belong to headers, footers and master pages; otherwise a crafted file could unhide hidden text)
        for root in reversed(roots):
            if root is None:
                continue
            for pl in root.iter(f"{_S}page-layout"):
                for c in pl.iterchildren(f"{_S}page-layout-properties"):
                    self.pages.add(_fill(c))
            for st in root.iter(f"{_S}style", f"{_S}default-style"):
                family = st.get(f"{_S}family") or ""
                props: dict[str, Any] = {}
                for c in st.iterchildren():
                    if c.tag in _TEXT_PROPS:
                        if c.get(f"{_FO}font-size") is not None:
                            props["size"] = points(c.get(f"{_FO}font-size"))  # None: a percentage, not judged
                        if c.get(f"{_S}use-window-font-color") == "true":
                            props["colour"] = None  # automatic: drawn to contrast with what is behind
                        elif c.get(f"{_FO}color") is not None:
                            props["colour"] = hex_colour(c.get(f"{_FO}color"))
                        bg = c.get(f"{_FO}background-color")
                        if bg is not None:
                            props["highlight"] = CLEAR if bg == "transparent" else hex_colour(bg) or UNKNOWN
                    elif c.tag in _FILL_PROPS:
                        fill = _fill(c)
                        if fill is not None:
                            props["fill"] = fill
                if st.tag.endswith("default-style"):
                    self.defaults[family] = props
                else:
                    self.styles[(family, st.get(f"{_S}name") or "")] = (st.get(f"{_S}parent-style-name"), props)

    def page(self) -> str:
        """What lies behind a text document's body: its page colour (white without one), UNKNOWN where its page
        layouts differ (a layout with no background is a white page: one dark cover layout beside it is no dark
        body) or one has a picture."""
        kinds = {"FFFFFF" if p in (None, CLEAR) else p for p in self.pages}
        return outermost(kinds.pop()) if len(kinds) == 1 else UNKNOWN if kinds else "FFFFFF"

    def get(self, family: str, name: str | None, key: str) -> tuple[bool, Any]:
        """(found, value) of a property of a style, through its parents, else the family's default style."""
        seen = set()
        while name and name not in seen:
            seen.add(name)
            parent, props = self.styles.get((family, name), (None, {}))
            if key in props:
                return True, props[key]
            name = parent
        d = self.defaults.get(family, {})
        return (key in d), d.get(key)

    def own(self, family: str, name: str | None) -> bool:
        """The style (or its parents) sets a size, colour or highlight of its own."""
        return any(self.get(family, name, k)[0] for k in ("size", "colour", "highlight")) if name else False

    def fill(self, family: str, name: str | None) -> str | None:
        found, value = self.get(family, name, "fill")
        return value if found else None

    def unseen(self, chain: list[tuple[str, str | None]], behind: str | None) -> bool:
        """Whether text drawn with the styles `chain` (nearest first: span, paragraph, cell or shape) is drawn so no
        one reads it, on `behind` (a hex colour; UNKNOWN or None: not known)."""
        key = (*chain, behind)
        if key not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = self._unseen(chain, behind)
        return self._cache[key]

    def _unseen(self, chain: list[tuple[str, str | None]], behind: str | None) -> bool:
        size = colour = painted = None
        got_size = got_colour = False
        for family, name in chain:
            if name is None:
                continue
            if not got_size:
                got_size, size = self.get(family, name, "size")
            if not got_colour:
                got_colour, colour = self.get(family, name, "colour")
            if painted is None:  # a highlight, or a paragraph's fill, is what lies right behind the text
                found, hl = self.get(family, name, "highlight")
                fill = hl if found else self.fill(family, name) if family == "paragraph" else None
                painted = fill if fill not in (None, CLEAR) else None
        behind = painted or behind
        return unseen_text(size, colour, None if behind in (None, UNKNOWN, CLEAR) else behind)


def outermost(*fills: str | None) -> str | None:
    """What lies behind text: the first fill that paints (innermost first), else white (a page, a slide, a sheet
    with no background); UNKNOWN when a picture or gradient is there."""
    for f in fills:
        if f == UNKNOWN:
            return UNKNOWN
        if f not in (None, CLEAR):
            return f
    return "FFFFFF"


def bold_row(tr: Any, bolded: Callable[[str | None], bool]) -> bool:
    """Whether a table row's text is bold in each of two or more cells (opendoc.py: a header row's mark), by its
    paragraphs' styles or, where a paragraph's text is all in spans, theirs (`bolded`: a style's weight is bold)."""
    cells = [tc for tc in tr.iterchildren(f"{_TB}table-cell") if "".join(tc.itertext()).strip()]
    return len(cells) > 1 and all(_bold(p, bolded) for tc in cells for p in tc.iter(f"{_TX}p", f"{_TX}h")
                                  if "".join(p.itertext()).strip())


def _bold(p: Any, bolded: Callable[[str | None], bool]) -> bool:
    if bolded(p.get(f"{_TX}style-name")):
        return True  # (a span setting it back to normal weight is not looked for)
    loose = (p.text or "").strip() or any((c.tail or "").strip() for c in p.iterchildren())
    spans = [c for c in p.iterchildren() if "".join(c.itertext()).strip()]
    return not loose and bool(spans) and all(c.tag == f"{_TX}span" and bolded(c.get(f"{_TX}style-name"))
                                             for c in spans)
