"""Hidden by the page's own `<style>` sheets (round 51; hidden.py has the inline style and the `hidden` attribute).
A small CSS reader, not a cascade engine: rules of `<style>` elements (never an external sheet: no network), at the
top level or inside `@media screen/all` and `@supports`; selectors of one element, class or id, or `tag.class`,
`tag#id`. A rule hides with display:none, visibility:hidden/collapse, a zero font-size, opacity:0, or a text colour
equal to its own background (or transparent). What a reader can still open is kept (docs/ingest.md, Hidden text):
- a rule with a transition or animation (a fade-in); one that another rule shows again when a selector mentions the
  same class or id (`.tab.active`, `#t:checked ~ .panel`, `li:hover > .sub`), or that another class of the element
  shows (Tailwind's `hidden md:block`); an inline style that shows it;
- on a page with scripts, an element a script can toggle: its class or id named in an inline script, its id the
  target of a control (`aria-controls`, `data-target`, `href="#id"`), a disclosure role or name (FAQ answers, tabs,
  accordions, menus, modals);
- inside text hidden by font size, visibility or colour, a descendant a rule sizes, shows or colours again.
Screen-reader text (clipped, off-screen: `.sr-only`, `.visually-hidden`) is kept: a screen reader reads it aloud."""

from __future__ import annotations

import html
import re
from typing import Any

_MAX_CSS = 1_000_000  # characters of style sheets read (a 5 MB sheet: its first megabyte)
_MAX_RULES = 20_000
_MAX_SCRIPT = 2_000_000  # characters of inline script searched for a class or id name
_SCAN = re.compile(r"<!--|<(script|style)(?=[\s/>])([^>]*)>", re.I)
_RAW_END = {t: re.compile(rf"</\s*{t}\s*>", re.I) for t in ("script", "style")}
_ANY_SHEET = re.compile(r"<style|data:text/css", re.I)
# `[^<>]`: each `<link` is searched to the next tag at most, not to the next `>` (100 KB of `<link `: 61 s)
_DATA_LINK = re.compile(r"""<link\b[^<>]*?\bhref\s*=\s*(["'])(data:text/css[^"']*)\1[^<>]*>""", re.I)
_MEDIA_ATTR = re.compile(r"""\bmedia\s*=\s*["']?([^"'>]*)""", re.I)
_SCRIPT_DATA = re.compile(r"""\btype\s*=\s*["']?[^"'\s>]*(?:json|template|html)""", re.I)  # data, never run
_BRACE = re.compile(r"[{}]")
_LAST_TAG = re.compile(r"([a-z][a-z0-9-]*)", re.I)
_SIMPLE = re.compile(r"^([a-z][a-z0-9-]*|\*)?(?:([.#])((?:[-\w]|\\.)+))?$", re.I)
_TOKENS = re.compile(r"([.#])((?:[-\w]|\\.)+)")
_IMPORTANT = re.compile(r"!\s*important", re.I)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(["'])(.*?)\1""", re.I | re.S)
_WORD = re.compile(r"[-\w]+")
_ESC = re.compile(r"\\([0-9a-fA-F]{1,6}\s?|.)")
_ZERO = re.compile(r"^[-+]?(?:0*\.0+|0+)(?:[a-z%]+)?$")  # (not `0*\.?0+`: quadratic backtracking on a run of zeros)
_RELATIVE = re.compile(r"^[-+]?[\d.]+(?:em|ex|ch|%)$|^(?:smaller|inherit)$")  # of a parent's 0 size: still 0
_TARGETS = re.compile(r"""(?:aria-controls|aria-owns|data-(?:bs-)?target|data-toggle|data-(?:bs-)?content|href|for)"""
                      r"""\s*=\s*["']?#?([-\w:.]+)""", re.I)
# names a script or a reader opens: FAQ answers, accordion and tab panels, menus, dialogs, "show more", utilities a
# script adds and removes (a page without scripts has nothing to open them but CSS, read above)
_DISCLOSURE = re.compile(r"(?i)answer|panel|collaps|accordion|tab|toggle|expand|drop|menu|popup|popover|modal|dialog"
                         r"|tooltip|drawer|reveal|more|detail|content|body|slide|hide|hidden|d-none|invisible|cloak"
                         r"|js-|is-|show|open|step|faq|question|spoiler|sub"
                         r"|error|alert|msg|message|notice|warning|success|status|fade|anim|appear|aos|wow|lazy"
                         r"|scroll|visible")
_OPENED = frozenset(("dd", "dialog", "details"))  # a definition a script opens: an FAQ's answer
_ROLES = frozenset(("tabpanel", "region", "dialog", "alertdialog", "tooltip", "menu", "listbox", "tree", "group"))
_MOVING = ("transition", "animation", "-webkit-transition", "-webkit-animation")
REVEALABLE = frozenset(("font", "visibility", "colour"))  # a descendant's own rule can undo these; not display/opacity
_NAMED = {"white": "#ffffff", "black": "#000000", "transparent": "transparent"}


def _colour(v: str) -> str | None:
    v = v.strip()
    if v in _NAMED:
        return _NAMED[v]
    if re.fullmatch(r"#[0-9a-f]{3}", v):
        return "#" + "".join(c * 2 for c in v[1:])
    if re.fullmatch(r"#[0-9a-f]{6}", v):
        return v
    if re.fullmatch(r"#[0-9a-f]{8}", v):
        return "transparent" if v.endswith("00") else v[:7]
    m = re.fullmatch(r"rgba?\((\d+)[,\s]+(\d+)[,\s]+(\d+)(?:[,\s/]+([\d.]+%?))?\)", v)
    if m:
        if m.group(4) is not None and _ZERO.match(m.group(4)):
            return "transparent"
        return "#" + "".join(f"{min(255, int(x)):02x}" for x in m.groups()[:3])
    return None


def declarations(text: str) -> dict[str, str]:
    """`a: b; c: d` as {a: b} (lower case, spaces squeezed, `!important` dropped)."""
    out: dict[str, str] = {}
    for decl in text.lower().split(";"):
        name, sep, value = decl.partition(":")
        if sep:
            out[name.strip()] = " ".join(value.replace("!important", " ").split())
    return out


def _important_bg(block: str) -> bool:
    """A rule's background declared `!important` (declarations drops the mark)."""
    return any(name.strip().lower().startswith("background") and _IMPORTANT.search(value)
               for name, _, value in (decl.partition(":") for decl in block.split(";")))


def hides(d: dict[str, str]) -> set[str]:
    """What a set of declarations hides text with (empty: nothing)."""
    if any(k.startswith(_MOVING) for k in d):
        return set()  # changes on a hover, a class, a timer: not hidden for good
    out = set()
    if d.get("display") == "none":
        out.add("display")
    if d.get("visibility") in ("hidden", "collapse"):
        out.add("visibility")
    if _ZERO.match(d.get("font-size", "x")):
        out.add("font")
    if _ZERO.match(d.get("opacity", "x")):
        out.add("opacity")
    fg = _colour(d.get("color", ""))
    bg = _colour(d.get("background-color", d.get("background", "")))
    # a picture or gradient behind the text: the background colour is only its fallback, not what is under the text
    bg_all = d.get("background", "")
    painted = any(k in d for k in ("background-clip", "-webkit-background-clip", "text-shadow",
                                   "-webkit-text-stroke", "-webkit-text-fill-color")) or \
        d.get("background-image", "none") != "none" or "url(" in bg_all or "gradient(" in bg_all
    if fg is not None and not painted and (fg == "transparent" or fg == bg):
        out.add("colour")
    return out


def shows(d: dict[str, str]) -> set[str]:
    """What a set of declarations shows again (of what `hides` names)."""
    out = set()
    if d.get("display", "none") != "none":
        out.add("display")
    if d.get("visibility") == "visible":
        out.add("visibility")
    fs = d.get("font-size")
    if fs is not None and not _ZERO.match(fs) and not _RELATIVE.match(fs):
        out.add("font")
    if d.get("opacity") is not None and not _ZERO.match(d["opacity"]):
        out.add("opacity")
    if "color" in d or "-webkit-text-fill-color" in d:
        out.add("colour")
    return out


_HEX = frozenset("0123456789abcdefABCDEF")


def _code_point(g: str) -> str:
    """An escape's character; one out of range or a surrogate is U+FFFD, as CSS Syntax reads it (chr() raised, and
    the whole sheet was dropped)."""
    cp = int(g, 16)
    return chr(cp) if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else "\ufffd"


def _name(s: str) -> str:
    # a hex escape of any length (`\0`, `\41 `) is a code point; any other character stands for itself
    return _ESC.sub(lambda m: _code_point(m.group(1)) if m.group(1)[0] in _HEX else m.group(1).strip(), s)


def _strip_comments(css: str) -> str:
    out, pos = [], 0
    while (a := css.find("/*", pos)) >= 0:
        out.append(css[pos:a])
        b = css.find("*/", a + 2)
        if b < 0:
            return "".join(out)
        pos = b + 2
    out.append(css[pos:])
    return "".join(out)


def _media_never(query: str) -> bool:
    """`print`, `speech`: never on a screen (what such a rule paints is no page's on screen)."""
    return all(re.match(r"\s*(?:only\s+)?(?:print|speech)\b", part) for part in query.lower().split(","))


def _media_applies(query: str) -> bool:
    """`all`, `screen` or none at all: what every screen shows. A width, print or anything else: not read."""
    q = query.strip().lower()
    return all(part.strip() in ("", "all", "screen", "only screen") for part in q.split(","))


class Sheet:
    """The hiding rules of a page's sheets, and what shows them again."""

    def __init__(self) -> None:
        self.hide: dict[str, set[str]] = {}  # simple selector (`p`, `.a`, `#b`, `p.a`) -> what it hides with
        self.shown: dict[str, set[str]] = {}  # `.a`, `#b`, `p` -> shown again by another rule mentioning it
        self.own: dict[str, set[str]] = {}  # `.a`, `#b`, `p`, `*` -> shown by a rule of that selector alone
        self.scripts = False
        self.script_text = ""
        self._targets: set[str] | None = None
        self.rules = 0
        # rules that paint or place, and whether they hold on every screen (hidden_paint.Paint)
        # (and whether a background of theirs is `!important`: it may outweigh a later rule)
        self.painting: list[tuple[str, dict[str, str], bool, bool]] = []
        self.imports = False  # an @import: a sheet this reader never sees
        self._words: set[str] | None = None
        self.page = ""  # for the targets of controls, read when first asked for
        self._tags: set[str] = set()
        self._classes: set[str] = set()
        self._ids: set[str] = set()

    def add(self, css: str, applies: bool = True, screen: bool = True) -> None:
        """Read a sheet's rules (`applies`: False for a sheet or at-rule whose hiding does not count, but whose
        showing does: a width-conditioned `md:block` still shows the element on a wide screen; `screen`: False for a
        print sheet, whose painting and showing are never on a screen)."""
        css = _strip_comments(css)
        self.imports = self.imports or "@import" in css.lower()
        stack: list[Any] = []  # per open at-rule block: its hiding counts (True/False), or "skip" (@keyframes ...)
        # "skip", False and "never" (@media print) entries of the stack (counted: walking it at every brace was
        # quadratic)
        skips = offs = nevers = 0
        pos = 0
        while self.rules < _MAX_RULES:
            m = _BRACE.search(css, pos)
            if m is None:
                return
            if m.group() == "}":
                if stack:
                    top = stack.pop()
                    skips -= top == "skip"
                    offs -= top is False or top == "never"
                    nevers -= top == "never"
                pos = m.end()
                continue
            prelude = css[pos:m.start()].rsplit(";", 1)[-1].strip()  # (after `@import x;`)
            if prelude.startswith("@"):
                low = prelude.lower()
                if skips or not low.startswith(("@media", "@supports", "@layer", "@container")):
                    stack.append("skip")
                    skips += 1
                elif low.startswith("@media") and _media_never(low[6:]):
                    stack.append("never")
                    offs, nevers = offs + 1, nevers + 1
                else:
                    stack.append(low.startswith(("@supports", "@layer")) or (
                        low.startswith("@media") and _media_applies(low[6:])))
                    offs += stack[-1] is False
                pos = m.end()
                continue
            end = css.find("}", m.end())
            if end < 0:
                return
            self.rules += 1
            if not skips:
                block = css[m.end():end]
                self._rule(prelude, declarations(block), applies and not offs, screen and not nevers,
                           _important_bg(block))
            pos = end + 1

    def _rule(self, prelude: str, d: dict[str, str], applies: bool, screen: bool = True,
              important: bool = False) -> None:
        if not screen:
            return  # a print sheet or `@media print`: neither paints nor shows anything on a screen (round 53)
        if any(k.startswith("background") for k in d) or d.get("position", "").startswith((
                "absolute", "fixed", "sticky")):
            # (what lies behind text, a placed element's too, and whether only under a condition: hidden_paint)
            self.painting.append((prelude, d, applies, important))
        hid, shw = hides(d), shows(d)
        if any(k.startswith(_MOVING) for k in d):  # `.x{transition:…}` beside `.x{opacity:0}`: it changes
            shw = shw | {"display", "visibility", "opacity"}
        if not hid and not shw:
            return
        for sel in prelude.split(","):
            sel = " ".join(sel.split())
            m = _SIMPLE.match(sel)
            if m and sel:
                tag, kind, name = (m.group(1) or "").lower(), m.group(2) or "", _name(m.group(3) or "")
                token = f"{kind}{name}" if kind else (tag or "*")
                key = f"{tag}{token}" if kind and tag not in ("", "*") else token
                if key in ("html", "body", "head", "*"):
                    if key == "*":
                        self.own.setdefault("*", set()).update(shw)
                    continue
                if applies and hid:
                    self.hide.setdefault(key, set()).update(hid)
                elif key in self.hide:  # a later rule of the same selector wins
                    self.hide[key] -= shw
                self.own.setdefault(token, set()).update(shw)
                if key != token:  # `p.a` shows what `.a` hides: it is the more specific
                    self.shown.setdefault(token, set()).update(shw)
                continue
            if shw:  # a complex selector: each class and id it mentions may be shown again by it
                for kind, name in _TOKENS.findall(sel):
                    self.shown.setdefault(f"{kind}{_name(name)}", set()).update(shw)
                last = _LAST_TAG.match(sel.split()[-1]) if sel.split() else None
                if last:
                    self.shown.setdefault(last.group(1).lower(), set()).update(shw)

    def freeze(self) -> None:
        """The names the hiding rules use, so that most elements are passed by a set look-up (element)."""
        for key in self.hide:
            cut = min((i for i in (key.find("."), key.find("#")) if i >= 0), default=len(key))
            (self._classes if key[cut:cut + 1] == "." else self._ids if key[cut:cut + 1] == "#" else
             self._tags).add(key[cut + 1:] if cut < len(key) else key)

    def element(self, tag: str, attrs: list[tuple[str, str | None]]) -> set[str]:
        """What this sheet hides an element with, after what shows it again (empty: it is seen)."""
        if tag not in self._tags and not any(
                v and (k == "class" and not self._classes.isdisjoint(v.split()) or k == "id" and v.strip() in self._ids)
                for k, v in attrs):
            return set()
        classes, ident, style, a = [], "", "", {}
        for k, v in attrs:
            if k == "class" and v:
                classes = v.split()
            elif k == "id" and v:
                ident = v.strip()
            elif k == "style" and v:
                style = v
            a[k] = v or ""
        tokens = [f".{c}" for c in classes] + ([f"#{ident}"] if ident else [])
        hid: set[str] = set()
        for key, token in [(tag, tag)] + [(t, t) for t in tokens] + [(f"{tag}{t}", t) for t in tokens]:
            h = self.hide.get(key)
            if h:
                hid |= h - self.shown.get(token, set())
        if not hid:
            return hid
        for t in tokens:  # another class of the element that shows it (`hidden md:block`)
            if t not in self.hide:
                hid -= self.own.get(t, set())
        if style:  # inline style wins
            hid -= shows(declarations(style))
        if self.scripts:  # opacity:0 on a page with scripts is a fade waiting for them (scroll reveals)
            hid.discard("opacity")
        if hid - REVEALABLE and self.scripts and self._toggled(tag, ident, classes, a):
            hid &= REVEALABLE  # a font size or colour is no toggle
        return hid

    def _toggled(self, tag: str, ident: str, classes: list[str], a: dict[str, str]) -> bool:
        """A script can show this element: its names in an inline script, its id a control's target, a disclosure
        role or name."""
        if self._targets is None:
            self._targets = set(_TARGETS.findall(self.page)[:100_000])
        if ident and (ident in self._targets or _DISCLOSURE.search(ident) or self._scripted(ident)):
            return True
        if a.get("role", "").lower() in _ROLES or "aria-labelledby" in a or "aria-expanded" in a or tag in _OPENED:
            return True
        return any(_DISCLOSURE.search(c) or self._scripted(c) for c in classes)

    def _scripted(self, name: str) -> bool:
        if self._words is None:  # the names in the page's scripts, once
            self._words = set(_WORD.findall(self.script_text))
        return len(name) > 1 and name in self._words

def _data_css(url: str) -> str | None:
    """The CSS of a `data:text/css` URL (base64 or percent-encoded), None when it cannot be read."""
    import base64
    from urllib.parse import unquote

    head, _, body = html.unescape(url).partition(",")
    try:
        return base64.b64decode(body).decode("utf-8", "replace") if head.endswith(";base64") else unquote(body)
    except Exception:
        return None


def read_sheets_of(page: str, keep: bool = False) -> Sheet | None:
    """The hiding rules of a page's `<style>` elements (those in comments or scripts are not sheets), with what
    tells a script can open an element; None when no sheet hides anything (most pages: nothing more is done), unless
    `keep`: then a sheet that hides nothing is returned unfrozen, for what it paints (hidden_paint.read_page)."""
    if _ANY_SHEET.search(page) is None:
        return None
    sheet, pos, read = Sheet(), 0, 0
    scripts: list[str] = []
    script_chars = 0
    while (m := _SCAN.search(page, pos)) is not None:
        if not m.group(1):
            c = page.find("-->", m.end())
            if c < 0:
                break
            pos = c + 3
            continue
        kind = m.group(1).lower()
        c = _RAW_END[kind].search(page, m.end())
        body = page[m.end():c.start() if c else len(page)]
        pos = c.end() if c else len(page)
        if kind == "script":
            if not _SCRIPT_DATA.search(m.group(2) or ""):
                sheet.scripts = True
                if script_chars < _MAX_SCRIPT:
                    scripts.append(body[:_MAX_SCRIPT - script_chars])
                    script_chars += len(scripts[-1])
            continue
        media = _MEDIA_ATTR.search(m.group(2) or "")
        if read < _MAX_CSS:
            sheet.add(body[:_MAX_CSS - read], media is None or _media_applies(media.group(1)),
                      media is None or not _media_never(media.group(1)))
            read += len(body)
    for m in _DATA_LINK.finditer(page):  # a sheet in the page itself after all (no network)
        css = _data_css(m.group(2))
        if css is not None and read < _MAX_CSS:
            sheet.add(css[:_MAX_CSS - read], "print" not in m.group(0).lower(), "print" not in m.group(0).lower())
            read += len(css)
    sheet.hide = {k: v for k, v in sheet.hide.items() if v}
    if not sheet.hide:
        return sheet if keep else None
    sheet.freeze()
    for m in _HANDLER.finditer(page):  # onclick="…": scripts too (their text names what they open)
        sheet.scripts = True
        if script_chars >= _MAX_SCRIPT:
            break
        scripts.append(m.group(2))
        script_chars += len(m.group(2))
    sheet.script_text = "\n".join(scripts)
    sheet.page = page
    return sheet


def reveals(sheet: Sheet | None, tag: str, attrs: Any, kind: str, paint: Any = None,
            colour: str | None = None) -> bool:
    """Inside text hidden with `kind` (font, visibility, colour), an element whose own style or rule undoes it:
    `p{font-size:14px}` in a font-size:0 box (inline-block grids), a `color` in a colour-on-colour box, a
    visibility:visible child; for colour also one that paints its own background (round 52: inline, `bgcolor`,
    or a rule's: `paint`, hidden_paint.Paint) unless that is the hidden text's own `colour` (round 53: white text
    in a white-painted child is still unseen; `colour` None: not known, any painting child undoes it)."""
    tokens = [tag, "*"]
    for k, v in attrs:
        if k == "class" and v:
            tokens += [f".{c}" for c in v.split()]
        elif k == "id" and v:
            tokens.append(f"#{v.strip()}")
        elif k == "style" and v and kind in shows(declarations(v)):
            return True
    if kind == "colour" and paint is not None:
        own = paint.element(tag, attrs)
        if own is None or own is not False and (colour is None or own != colour):
            return True
    return sheet is not None and any(kind in sheet.shown.get(t, ()) or kind in sheet.own.get(t, ()) for t in tokens)


def element_kinds(sheet: Sheet | None, tag: str, attrs: list[tuple[str, str | None]]) -> set[str]:
    """Every kind a sheet hides this element with (empty: seen)."""
    return set() if sheet is None or tag in ("html", "body") else sheet.element(tag, attrs)
