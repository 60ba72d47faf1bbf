"""HTML text in the colour of what lies behind it: an ancestor's background or the page's (round 52; hidden.py has
the element's own `color` on its own `background`). A text colour is an element's inline `color` (or `<font
color>`); what lies behind it is the nearest enclosing element that paints a background (inline `background`,
`bgcolor`, or a `<style>` rule), else the page's: `body`/`html`'s own (their last rule's, where no
`!important` or `html body` rule may outweigh it; html's where body's paints nothing), else white, a browser's
default. Judged only when that is known for sure, so a reader's text is never lost:
- an enclosing background that is a picture, a gradient, a colour with transparency or a variable, or set by a rule
  whose selector names the element (`.hero`, `#banner`, `.dark p`) is not known: nothing inside it is judged;
- a page that links a style sheet this reader never sees (`<link rel=stylesheet>`, `@import`), or whose rules paint
  the page under a condition (`body.dark`, `[data-theme]`, `@media (prefers-color-scheme: dark)`; `@media print`
  paints no screen), or that declares a dark colour scheme, is not judged at all: a dark theme's white text is
  common;
- `mark`, buttons and form fields draw a background of their own."""

from __future__ import annotations

import re
from typing import Any

from .hidden import OpenElements
from .hidden_css import _SIMPLE, _TOKENS, _colour, declarations, read_sheets_of

_EXTERNAL = re.compile(r"""<link\b[^<>]*\bstylesheet\b[^<>]*>""", re.I)
# a dark colour scheme (`<meta name=color-scheme content="dark">`, `:root{color-scheme: light dark}`): the browser
# draws the page dark for a reader who asks for it, and white text shows (round 53)
_META = re.compile(r"<meta\b[^<>]*>", re.I)
_SCHEME = re.compile(r"color-scheme\s*:([^;}<>\"']{0,200})", re.I)
_COMBINATOR = re.compile(r"\s*[>+~\s]\s*")
_OWN_BG = frozenset(("mark", "button", "input", "select", "textarea", "option", "meter", "progress", "img", "svg",
                     "video", "canvas", "picture", "iframe", "object", "embed"))
_EFFECTS = ("text-shadow", "-webkit-text-stroke", "-webkit-text-fill-color", "background-clip",
            "-webkit-background-clip", "filter", "mix-blend-mode", "opacity")
_NOT_PAINTED = ("none", "transparent", "initial", "unset", "inherit", "revert", "")
# an element placed over others (a heading over a hero <img>, a caption over a photo): what lies behind it is not read
_PLACED = re.compile(r"position\s*:\s*(?:absolute|fixed|sticky)\b", re.I)


def _solid(v: str) -> str | None | bool:
    """A background value: a solid colour, False (paints nothing), None (not known for sure)."""
    v = v.strip()
    if v in _NOT_PAINTED:
        return False
    if re.fullmatch(r"#[0-9a-f]{8}", v) and not v.endswith("ff") or re.match(r"(?:rgba|hsla?)\(|.*/", v):
        return False if _colour(v) == "transparent" else None  # see-through: mixed with what is under it
    c = _colour(v)
    return False if c == "transparent" else c


def background(d: dict[str, str]) -> str | None | bool:
    """What a set of declarations paints behind text: a colour, False (nothing), None (not known for sure)."""
    if not any(k.startswith("background") for k in d):
        return False
    image = d.get("background-image", "none")
    if image not in _NOT_PAINTED:
        return None
    v = d.get("background-color", d.get("background"))
    if v is None:
        return False  # (a position or size alone paints nothing)
    if "url(" in v or "gradient(" in v or "var(" in v:
        return None
    return _solid(v)


class Paint:
    """What a page's sheets and links say of backgrounds: `known` (False: a sheet not read, a conditional page
    colour), the page's colour, and the classes, ids and tags a rule paints."""

    def __init__(self, sheet: Any, page: str):
        self.known, self.page_bg, self.tokens = True, "#ffffff", set()
        head = page[:5_000_000]
        for m in _EXTERNAL.finditer(head):
            if "data:text/css" not in m.group(0).lower():
                self.known = False
        if any("dark" in m.group(1).lower() for m in _SCHEME.finditer(head)) or any(
                "color-scheme" in t and "dark" in t for t in (m.group(0).lower() for m in _META.finditer(head))):
            self.known = False
        said: dict[str, dict[str, str]] = {}  # body, html -> their background declarations, later rules over earlier
        maybe: set[Any] = set()  # what the page is painted under a condition (@media (prefers-color-scheme: dark))
        each: dict[str, set[Any]] = {}  # body, html -> what each of their rules paints
        strong = False  # a rule that may outweigh a later one (`!important`, `html body`): not all read by order
        for prelude, d, always, important in (sheet.painting if sheet is not None else ()):
            bg = None if _PLACED.search(f"position:{d.get('position', '')}") else background(d)  # placed: not known
            for sel in prelude.lower().split(","):
                parts = _COMBINATOR.split(sel.strip()) if sel.strip() else [""]
                last = parts[-1]
                m = _SIMPLE.match(last)
                if m and m.group(1) in ("body", "html") and not m.group(2) or last == ":root":
                    # `.dark body`, `[data-theme] body`: painted under a condition, as `body.dark` (below)
                    cond = any(p not in ("html", ":root", "*") for p in parts[:-1])
                    if always and bg is not None and not cond:
                        which = "body" if last == "body" else "html"
                        _cascade(said.setdefault(which, {}), d)
                        each.setdefault(which, set()).add(bg)
                        strong = strong or important or len(parts) > 1
                    else:  # (None: placed, not known)
                        maybe.add("#ffffff" if bg is False else bg)
                    continue
                if bg is False:
                    continue
                tokens = [f"{k}{n}" for k, n in _TOKENS.findall(last)]
                tag = re.match(r"[a-z][a-z0-9-]*", last)
                if tag and tag.group() in ("body", "html") or "root" in last:
                    self.known = False  # the page painted under a condition (a dark theme's class)
                elif tag or tokens:
                    self.tokens.update(tokens + ([tag.group()] if tag else []))
                elif "::" not in last:  # (`::selection`, a scrollbar: behind no text at rest)
                    self.known = False  # `*`, `[data-x]`, `:hover` alone: any element
        if sheet is not None and sheet.imports:
            self.known = False
        # body's colour, else (none, or one that paints nothing: `transparent`, a position alone) html's, else white
        body = background(said["body"]) if "body" in said else False
        page_bg = body if body is not False else background(said["html"]) if "html" in said else "#ffffff"
        if strong and any(len(v) > 1 for v in each.values()):
            self.known = False  # rules that disagree, a later one maybe the weaker: which paints the page not known
        if page_bg is None or maybe - {page_bg or "#ffffff"}:
            self.known = False
        self.page_bg = page_bg or "#ffffff"

    def element(self, tag: str, attrs: list[tuple[str, str | None]]) -> str | None | bool:
        """What an element paints behind its text: a colour, False (nothing), None (not known for sure)."""
        for k, v in attrs:
            if k == "style" and v and "background" in v.lower():
                bg = background(declarations(v))
                if bg is not False:
                    return bg
            elif k == "bgcolor" and v:
                return _solid(v.lower())
            elif k == "background" and v:
                return None  # `<td background=dark.jpg>`, `<body background=…>`: a picture
        if tag in _OWN_BG or tag in self.tokens:
            return None
        if self.tokens:
            for k, v in attrs:
                if v and (k == "class" and any(f".{c}" in self.tokens for c in v.split())
                          or k == "id" and f"#{v.strip()}" in self.tokens):
                    return None
        return False


def _cascade(into: dict[str, str], d: dict[str, str]) -> None:
    """A later rule's background declarations over an earlier one's (the `background` shorthand resets them all)."""
    if "background" in d:
        for k in [k for k in into if k.startswith("background")]:
            del into[k]
    into.update((k, v) for k, v in d.items() if k.startswith("background"))


def text_colour(tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
    """An element's own text colour (inline `color`, `<font color>`; a browser reads a `color` attribute on no
    other element), None when it has none or draws its text so it shows anyway (a shadow, an outline, a blend)."""
    for k, v in attrs:
        if k == "style" and v and "color" in v.lower():
            d = declarations(v)
            if "color" in d and not any(e in d for e in _EFFECTS):
                return _colour(d["color"])
        elif k == "color" and v and tag in ("font", "basefont"):
            return _colour(v.strip().lower())
    return None


class Backdrop:
    """The enclosing elements of an HTML page being read (web._HTMLText), with what each paints behind its text,
    so an element's text colour is compared with the nearest background (`behind`). Markup is closed as a browser
    closes it (hidden.OpenElements). Nothing is judged in or under an element placed by its own style
    (position:absolute/fixed/sticky): it may lie over a picture or another element's background (round 52)."""

    def __init__(self, paint: Paint | None):
        self.paint = paint
        self.on = paint is not None and paint.known
        self.stack = OpenElements(self._popped)  # (tag, what it paints, placed)
        self.painted: list[int] = []  # indexes into stack of the elements that paint
        self.placed = 0  # open elements placed by their own style

    def start(self, tag: str, void: bool, attrs: list[tuple[str, str | None]]) -> str | None:
        """A start tag: the colour its text would be drawn in on the background behind it, when the two are the
        same (its text is unseen), else None."""
        if not self.on:
            return None
        self.stack.pop_implied(tag)
        own = self.paint.element(tag, attrs)
        placed = any(k == "style" and v and _PLACED.search(v) for k, v in attrs)
        behind = self.stack[self.painted[-1]][1] if self.painted else self.paint.page_bg
        fg = text_colour(tag, attrs) if own is False and behind and not placed and not self.placed else None
        if not void:
            if own is not False:
                self.painted.append(len(self.stack))
            self.stack.push(tag, own, placed)
            self.placed += placed
        return fg if fg is not None and fg == behind else None

    def _popped(self, item: tuple[Any, ...]) -> None:
        self.placed -= item[2]
        if self.painted and self.painted[-1] == len(self.stack):
            self.painted.pop()

    def end(self, tag: str) -> None:
        if self.on:
            self.stack.close(tag)


def read_page(page: str) -> tuple[Any, Paint]:
    """The page's hiding sheet (hidden_css.read_sheets_of: None when none hides anything) and what it paints
    (web.page_text; a test replaces web's name to read a page without its sheets). Never raises."""
    try:
        sheet = read_sheets_of(page, keep=True)
    except Exception:  # a sheet this reader cannot read hides nothing, and what it paints is not known
        paint = Paint(None, "")
        paint.known = False
        return None, paint
    return (sheet if sheet is not None and sheet.hide else None), Paint(sheet, page)
