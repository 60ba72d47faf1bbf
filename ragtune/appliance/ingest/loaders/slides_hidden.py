"""White (or background-coloured) text on a slide (round 52; slides.py reads the deck, hidden.py has the rule DOCX and
OpenDocument use: hidden.unseen_text). A run is judged only on its own colour (a:rPr's solid fill: an RGB, a preset
or a theme colour through the slide's colour map and the master's theme) against what is surely behind it: the
shape's own solid fill, or, for a shape without a fill (a text box, a placeholder its layout leaves unfilled), the
slide's background (the slide's, else its layout's, else its master's; none at all: PowerPoint's white). Not judged
(kept): a colour with a transform (tint, shade, alpha), a run with a highlight, an outline or an effect, a shape
filled by a gradient, a picture, a pattern, its group or its theme style, a background of those, a table cell, the
speaker notes."""

from __future__ import annotations

from typing import Any

from .hidden import hex_colour
from .slides_package import _A, _P

_PRESET = {"white": "FFFFFF", "black": "000000"}
_FILLS = ("solidFill", "noFill", "gradFill", "blipFill", "pattFill", "grpFill")
_DEFAULT_MAP = {"bg1": "lt1", "tx1": "dk1", "bg2": "lt2", "tx2": "dk2"}
_MARKS = ("highlight", "effectLst", "effectDag")  # a run drawn on a colour or with a glow/shadow: seen
_DRAWN = frozenset(f"{_P}{t}" for t in ("pic", "graphicFrame", "grpSp", "cxnSp", "contentPart"))
_BARE = "-"  # (paints: what `behind` says of a shape without a fill of its own)


class SlideColours:
    """Colours of one deck: the masters' colour maps and themes, read once each."""

    def __init__(self, pkg: Any):
        self.pkg = pkg
        self.schemes: dict[str, dict[str, str]] = {}  # master part -> scheme name -> hex
        self.bg_styles: dict[str, list[Any]] = {}  # master part -> the theme's background fill styles

    def scheme(self, master: str | None, slide: Any, root: Any = None) -> dict[str, str]:
        """Scheme colour names (`bg1`, `tx1`, `accent1`, `lt1` ...) as hex, through the slide's colour map (its
        override, else the master's). `root`: the master part's root, parsed already (slides._Deck.roots)."""
        key = master or ""
        if key not in self.schemes:
            theme_colours: dict[str, str] = {}
            if root is None and master:
                root = self.pkg.xml(master)
            theme_part = self.pkg.related(master, "theme") if master else None
            theme = self.pkg.xml(theme_part) if theme_part else None
            cs = theme.find(f"{_A}themeElements/{_A}clrScheme") if theme is not None else None
            for c in (cs.iterchildren() if cs is not None else ()):
                if not isinstance(c.tag, str):
                    continue
                v = c.find(f"{_A}srgbClr")
                s = c.find(f"{_A}sysClr")
                got = hex_colour(v.get("val")) if v is not None else hex_colour(s.get("lastClr")) if s is not None \
                    else None
                if got:
                    theme_colours[c.tag.rsplit("}", 1)[-1]] = got
            fs = theme.find(f"{_A}themeElements/{_A}fmtScheme/{_A}bgFillStyleLst") if theme is not None else None
            self.bg_styles[key] = [c for c in fs.iterchildren() if isinstance(c.tag, str)] if fs is not None else []
            cmap = root.find(f"{_P}clrMap") if root is not None else None
            mapping = dict(_DEFAULT_MAP) if cmap is None else {k: v for k, v in cmap.attrib.items()}
            out = dict(theme_colours)
            out.update({k: theme_colours[v] for k, v in mapping.items() if v in theme_colours})
            self.schemes[key] = out
        base = self.schemes[key]
        over = slide.find(f"{_P}clrMapOvr/{_A}overrideClrMapping") if slide is not None else None
        if over is None:
            return base
        themed = {k: v for k, v in base.items() if k in ("dk1", "lt1", "dk2", "lt2")}
        return {**base, **{k: themed[v] for k, v in over.attrib.items() if v in themed}}

    @staticmethod
    def colour(el: Any, scheme: dict[str, str], placeholder: str | None = None) -> str | None:
        """A colour element's RGB (a:srgbClr, a:prstClr, a:schemeClr, a:sysClr), None when it is not known for
        sure (a transform changes it: lumMod, tint, alpha ...)."""
        if el is None or len(el):
            return None
        name = el.tag.rsplit("}", 1)[-1]
        if name == "srgbClr":
            return hex_colour(el.get("val"))
        if name == "prstClr":
            return _PRESET.get(el.get("val") or "")
        if name == "sysClr":
            return hex_colour(el.get("lastClr"))
        if name == "schemeClr":
            val = el.get("val") or ""
            return placeholder if val == "phClr" else scheme.get(val)
        return None

    def fill(self, holder: Any, scheme: dict[str, str]) -> tuple[bool, str | None]:
        """(holder says a fill, its colour: None for none (noFill) or one not known for sure). `holder`: an
        element holding a fill (p:spPr, p:bgPr)."""
        for c in (holder.iterchildren() if holder is not None else ()):
            name = c.tag.rsplit("}", 1)[-1] if isinstance(c.tag, str) else ""
            if name in _FILLS:
                if name == "noFill":
                    return True, "none"
                if name == "solidFill":
                    return True, self.colour(next((x for x in c.iterchildren() if isinstance(x.tag, str)), None),
                                             scheme)
                return True, None
        return False, None

    def background(self, parts: list[Any], master: str | None, scheme: dict[str, str]) -> str | None:
        """The background of a slide: its own p:bg, else its layout's, else its master's (`parts`: their roots,
        nearest first). None: not known for sure (a picture, a gradient)."""
        for root in parts:
            bg = root.find(f"{_P}cSld/{_P}bg") if root is not None else None
            if bg is None:
                continue
            pr = bg.find(f"{_P}bgPr")
            if pr is not None:
                said, got = self.fill(pr, scheme)
                return got if said and got != "none" else None
            ref = bg.find(f"{_P}bgRef")
            if ref is None:
                return None
            try:
                idx = int(ref.get("idx") or 0)
            except ValueError:
                return None
            styles = self.bg_styles.get(master or "", [])
            style = styles[idx - 1001] if 1001 <= idx < 1001 + len(styles) else None
            if style is None or style.tag != f"{_A}solidFill":
                return None
            ph = self.colour(next((x for x in ref.iterchildren() if isinstance(x.tag, str)), None), scheme)
            return self.colour(next((x for x in style.iterchildren() if isinstance(x.tag, str)), None), scheme, ph)
        return "FFFFFF"  # no background anywhere: PowerPoint draws the slide white

    def behind(self, shape: Any, inherited: list[Any], slide_bg: str | None, scheme: dict[str, str]) -> str | None:
        """What is surely behind a shape's text: its solid fill, or the slide's background when it has none
        (nor its layout's placeholder). `inherited`: the layout's and master's placeholders' (spPr, p:style)."""
        for sppr, style in [(shape.find(f"{_P}spPr"), shape.find(f"{_P}style")), *inherited]:
            said, got = self.fill(sppr, scheme)
            if said:
                return slide_bg if got == "none" else got
            ref = style.find(f"{_A}fillRef") if style is not None else None
            if ref is not None and (ref.get("idx") or "0") != "0":
                return None  # filled by the theme's shape style
        return slide_bg

    def paints(self, shape: Any, inherited: Any = ()) -> bool:
        """Whether a shape draws over what is under it, so a text box drawn above it on the slide does not lie on
        the slide's background (round 52: white text on a photo or a dark banner was dropped): a picture, a table
        or chart, a group, a connector, ink, a shape filled (by itself, its layout's placeholder or its theme
        style). A shape without a fill (noFill, none said: a text box) paints nothing."""
        if shape.tag != f"{_P}sp":
            return shape.tag in _DRAWN  # (not a tree's own properties, nvGrpSpPr, grpSpPr, extLst)
        return self.behind(shape, list(inherited), _BARE, {}) != _BARE

    def run(self, run: Any, scheme: dict[str, str]) -> str | None:
        """A run's own colour ("none": no fill, drawn invisible), None when it has none or is drawn so it shows
        anyway (a highlight, an outline, an effect)."""
        rpr = run.find(f"{_A}rPr")
        if rpr is None or any(rpr.find(f"{_A}{m}") is not None for m in _MARKS):
            return None
        ln = rpr.find(f"{_A}ln")
        if ln is not None and ln.find(f"{_A}noFill") is None:
            return None
        return self.fill(rpr, scheme)[1]

