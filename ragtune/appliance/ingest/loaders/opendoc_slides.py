"""ODP slide decks (LibreOffice Impress, OpenOffice, Google Slides' "download as .odp"), read as slides.py reads PPTX:
each `draw:page` in order as a `## Slide N: title` line (the title placeholder's text), then its shapes' text in
reading order (top to bottom, left to right; a group as one block), lists as `- ` lines indented by level, tables as
`a | b` rows, then the speaker notes (`presentation:notes`) as a `Notes:` paragraph. Hidden slides (a page style's
`presentation:visibility="hidden"`) and hidden shapes (`draw:display="none"`) are left out and counted in a note, as is
text drawn under 2 pt or in the colour behind it (opendoc_look: the shape's fill, else the slide's, else its
master's, else white). Page numbers, dates, footers and empty placeholders are not content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, Document, LoadError, clean_text, clean_title, exc_line, exc_reason, require_text, \
    title_from_path
from .hidden import note as hidden_note
from .opendoc import _NS, D, OF, TB, _Reader, _Styles
from .opendoc_look import CLEAR, UNKNOWN, outermost, points
from .opendoc_package import _meta, _xml, package
from .parse_budget import budgeted, guarded
from .slides import hidden_slides_note, reading_order

_O, _S = f"{{{_NS['office']}}}", f"{{{_NS['style']}}}"
_DR = f"{{{_NS['draw']}}}"
_PR = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
_SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
_FURNITURE = {"page-number", "footer", "date-time", "header", "handout", "page"}  # not content
_ROW_PT = 18.0  # a quarter inch: shapes whose tops are this close read as one row, left to right
_TEXT_SHAPES = {f"{_DR}{n}" for n in ("custom-shape", "rect", "ellipse", "circle", "polygon", "polyline", "path",
                                     "regular-polygon", "caption", "line", "connector", "measure")}
_PICTURES = {f"{_DR}{n}" for n in ("image", "object", "object-ole", "plugin")}  # a frame's content that paints


def _hidden_pages(*roots: Any) -> set[str]:
    out = set()
    for root in roots:
        for st in (root.iter(f"{_S}style") if root is not None else ()):
            for pp in st.iterchildren(f"{_S}drawing-page-properties"):
                if pp.get(f"{_PR}visibility") == "hidden":
                    out.add(st.get(f"{_S}name") or "")
    return out


class _Deck:
    def __init__(self, reader: _Reader, styles_root: Any):
        self.reader, self.look = reader, reader.styles.look
        self.hidden_shapes = 0
        self.masters: dict[str, str | None] = {}  # master page name -> its drawing-page style
        for mp in (styles_root.iter(f"{_S}master-page") if styles_root is not None else ()):
            self.masters[mp.get(f"{_S}name") or ""] = mp.get(f"{_DR}style-name")

    def slide(self, n: int, page: Any) -> tuple[str | None, list[str]]:
        behind = outermost(self.look.fill("drawing-page", page.get(f"{_DR}style-name")),
                           self.look.fill("drawing-page", self.masters.get(page.get(f"{_DR}master-page-name")
                                                                          or "")))
        ctx: dict[str, Any] = {"title": None, "behind": behind}
        blocks = self.shapes(page, ctx)
        title = ctx["title"] or None
        lines = [f"## Slide {n}: {title}" if title else f"## Slide {n}"]
        lines += ["\n".join(b) for b in blocks]
        notes = page.find(f"{_PR}notes")
        if notes is not None:
            # notes are drawn on the notes page (white by default), not on the slide
            on = outermost(self.look.fill("drawing-page", notes.get(f"{_DR}style-name")))
            said = [line for b in self.shapes(notes, {"title": "", "behind": on, "notes": True}) for line in b]
            if said:
                lines.append("Notes: " + "\n".join(said))
        return title, lines

    def shapes(self, parent: Any, ctx: dict[str, Any]) -> list[list[str]]:
        """The text blocks of a page's (or group's) shapes in reading order: top to bottom, then left to right
        within a row; a shape with no position keeps its place after the one before it."""
        found: list[tuple[tuple[float, float], int, list[str]]] = []
        at = (-1.0, -1.0)
        for i, el in enumerate(c for c in parent.iterchildren() if isinstance(c.tag, str)):
            pos, lines = self.shape(el, ctx)
            at = pos or at
            if lines:
                found.append((at, i, lines))
        return reading_order(found, _ROW_PT)

    def shape(self, el: Any, ctx: dict[str, Any]) -> tuple[tuple[float, float] | None, list[str]]:
        tag = el.tag
        if tag != D.g and tag != D.frame and tag not in _TEXT_SHAPES:
            return None, []  # forms, animations, thumbnails: no text
        y, x = points(el.get(f"{_SVG}y")), points(el.get(f"{_SVG}x"))
        pos = (y, x or 0.0) if y is not None else None
        if el.get(f"{_DR}display") == "none":
            self.hidden_shapes += bool(" ".join("".join(el.itertext()).split()))
            return pos, []
        if tag == D.g:
            blocks = self.shapes(el, ctx)
            return pos, [line for b in blocks for line in b]
        kind = el.get(f"{_PR}class")
        if kind in _FURNITURE or el.get(f"{_PR}placeholder") == "true":
            return pos, []
        if ctx.get("notes") and kind not in (None, "notes"):
            return pos, []
        dstyle, pstyle = el.get(f"{_DR}style-name"), el.get(f"{_PR}style-name")
        own = (self.look.fill("graphic", dstyle), self.look.fill("presentation", pstyle))
        # drawn over a picture or a filled shape before it (document order is drawing order; where it lies is not
        # read): what is behind its text is not known, as slides.py has it for .pptx
        behind = outermost(*own, UNKNOWN if ctx.get("covered") else ctx["behind"])
        # (a placeholder drawn by its presentation style alone does not take the graphic default's fill)
        paints = (own[0] if dstyle or not pstyle else None, own[1] if pstyle else None)
        if any(f not in (None, CLEAR) for f in paints) or tag == D.frame and any(
                c.tag in _PICTURES for c in el.iterchildren()):
            ctx["covered"] = True  # (for the shapes drawn after this one)
        reader = self.reader
        reader.outer, reader.behind = [("graphic", dstyle), ("presentation", pstyle)], behind
        lines: list[str] = []
        if tag == D.frame:
            for c in el.iterchildren():
                if c.tag == D.text_box:
                    lines += reader.blocks(c)
                elif c.tag == TB.table:
                    lines += reader.table(c)
        else:
            lines = reader.blocks(el)
        if kind == "title" and ctx["title"] is None:
            ctx["title"] = " ".join(" ".join(lines).split())
            return pos, []
        return pos, lines


@budgeted("ODP", "a deck of millions of shapes")
def load_odp(path: Path, raw: bytes) -> Document:
    z, read = package(raw, "ODP")
    with z:
        content, meta, styles_xml = read("content.xml") or b"", read("meta.xml"), read("styles.xml")
    root = _xml(content, "content.xml", "ODP")
    try:
        styles_root = _xml(styles_xml, "styles.xml", "ODP") if styles_xml else None
    except LoadError:
        styles_root = None  # the masters' backgrounds and named styles lost: white is assumed, as Impress's default
    body = root.find(f"{_O}body/{_O}presentation")
    if body is None:
        raise LoadError("not an ODP: content.xml has no presentation body (another OpenDocument kind?)")
    auto = root.find(OF.automatic_styles)
    reader = _Reader(_Styles(auto, styles_root), labels=False)  # (odp 3: a slide's table `a | b`, as before)
    deck, beat = _Deck(reader, styles_root), guarded(PARSE_BEAT.get())
    hidden_styles = _hidden_pages(auto, styles_root)
    pages = list(body.iterchildren(f"{_DR}page"))
    out, hidden, first_title = [], [], ""
    for n, page in enumerate(pages, 1):
        if beat is not None and n % 16 == 0:
            beat(n / len(pages))  # outside the try: a stop it raises is the caller's, not a damaged file
        if page.get(f"{_DR}style-name") in hidden_styles or page.get(f"{_PR}visibility") == "hidden":
            hidden.append(n)
            continue
        try:
            title, lines = deck.slide(n, page)
        except LoadError:
            raise
        except RecursionError:
            raise LoadError(f"corrupt ODP: slide {n} nests too deep") from None
        except Exception as exc:  # a count or level that is not a number
            if reader.stop is not None:
                raise reader.stop from None
            raise LoadError(f"corrupt ODP: slide {n}: {exc_reason(exc_line(exc)[:160])}") from None
        first_title = first_title or (title or "")
        if title or len(lines) > 1:  # a slide of no text at all (a picture, a blank) is no heading of its own
            out.append("\n\n".join(lines))
    if not pages:
        raise LoadError("empty document (a slide deck with no slides)")
    if len(hidden) == len(pages):
        raise LoadError(f"empty document (all {len(pages)} slides are hidden in the slide show)")
    text = require_text(clean_text("\n\n".join(out)))
    notes = [hidden_slides_note(hidden)] if hidden else []
    passages = reader.hidden + reader.unseen
    if deck.hidden_shapes or passages:
        notes.append(hidden_note(deck.hidden_shapes + passages, "shape or passage" if deck.hidden_shapes and passages
                                 else "shape" if deck.hidden_shapes else "passage",
                                 "draw:display none, a style's display:none, text under 2 pt or in the colour "
                                 "behind it"))
    title, when = _meta(meta, "ODP")
    return Document(str(path), "odp", title or clean_title(first_title) or title_from_path(path), text, when,
                    sha256_bytes(raw), len(raw), tuple(notes))
