"""What a law firm's PDFs carry besides their text, found on each page: pleading paper's line numbers (1 to 28 in
the left margin of every page) and redaction boxes, dark rectangles painted over text that was left in the text
layer. A reader sees a black bar there; pypdf extracts the words under it, and an answer could quote them."""

from __future__ import annotations

import re
from typing import Any

_SHOW = frozenset((b"Tj", b"TJ", b"'", b'"'))
_FILL = frozenset((b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"))
_END_PATH = frozenset((b"n", b"S", b"s"))  # a path ended without filling (a clip: "re W n"; a frame: "re S")
_DARK = 0.25  # a fill at most this light (gray 0.25, rgb all under 64/255) hides black text painted under it


def _dark(op: bytes, operands: Any, space: str = "") -> bool | None:
    """Whether a fill colour operator sets a dark colour; None if it is not one (or names a pattern: not dark).
    `space`: for sc/scn, the fill colour space's family as `_family` gives it: only gray, RGB and CMYK ones are read
    (a Separation or DeviceN tint runs the other way, 1 = full ink: a light 0.15 spot tint is not a black box)."""
    try:
        vals = [float(x) for x in operands]
    except (TypeError, ValueError):
        return False  # a pattern (scn /P1) or a named colour: not taken as a box that hides text
    if op in (b"sc", b"scn") and {"gray": 1, "rgb": 3, "cmyk": 4}.get(space) != len(vals):
        return False
    if op == b"k" or (op in (b"sc", b"scn") and len(vals) == 4):
        c, m, y, k = vals[:4]
        return all(1 - min(1.0, v + k) <= _DARK for v in (c, m, y))
    if op == b"g" or (op in (b"sc", b"scn") and len(vals) == 1):
        return vals[0] <= _DARK
    if op == b"rg" or (op in (b"sc", b"scn") and len(vals) == 3):
        return max(vals[:3]) <= _DARK
    return False


_DEVICE = {"/DeviceGray": "gray", "/DeviceRGB": "rgb", "/DeviceCMYK": "cmyk"}
_CAL = {"/CalGray": "gray", "/CalRGB": "rgb"}


def _family(name: Any, resources: Any) -> str:
    """"gray", "rgb" or "cmyk" for a colour space that `cs` names: a device space, or a page /Resources /ColorSpace
    entry that is (or resolves to) one, ICCBased by its /N, CalGray or CalRGB. Anything else (Separation, DeviceN,
    Indexed, Lab, Pattern, a name the page does not define): "" (its sc/scn colours are not read as dark)."""
    try:
        if str(name) in _DEVICE:
            return _DEVICE[str(name)]
        res = _obj(resources)
        spaces = _obj(res.get("/ColorSpace")) if hasattr(res, "get") else None
        cs = _obj(spaces.get(str(name))) if hasattr(spaces, "get") else None
        if isinstance(cs, str):  # /CS0 /DeviceRGB: another name for a device space
            return _DEVICE.get(cs, "")
        family = str(_obj(cs[0])) if isinstance(cs, (list, tuple)) and cs else ""
        if family == "/ICCBased" and len(cs) > 1:
            return {1: "gray", 3: "rgb", 4: "cmyk"}.get(int(_obj(cs[1]).get("/N")), "")
        return _CAL.get(family, "")
    except Exception:  # a damaged entry: its colours are not read as dark
        return ""


class Covers:
    """pypdf visitors wrapping pdf_layout.Recorder's: beside placing the text, note every rectangle filled on the
    page itself (not in a form XObject), dark or not, with how many text segments were shown before it, and whether
    each segment's text is dark. `covered()`: the segments a reader cannot see for a dark box. Never raises: an
    operator it cannot read is skipped."""

    def __init__(self, rec: Any, resources: Any = None):
        self.rec = rec
        self.resources = resources  # the page's /Resources: its /ColorSpace names what `cs /CS0` sets
        self.dark = True  # a page starts with black as its fill colour
        self.space = "gray"  # in DeviceGray
        self._stack: list[tuple[bool, str]] = []
        self._path: list[tuple[float, float, float, float]] = []
        self.boxes: list[tuple[float, float, float, float, int, bool]] = []  # x0, y0, x1, y1, shown before, dark
        self.dark_text: list[bool] = []  # per segment: shown in a dark colour

    def before(self, op: bytes, operands: Any, cm: Any, tm: Any) -> None:
        self.rec.before(op, operands, cm, tm)

    def after(self, op: bytes, operands: Any, cm: Any, tm: Any) -> None:
        self.rec.after(op, operands, cm, tm)
        if self.rec._depth:  # inside a form XObject: its own coordinates
            return
        try:
            if op in _SHOW:
                self.dark_text += [self.dark] * (len(self.rec.segs) - len(self.dark_text))
            elif op == b"re":
                x, y, w, h = (float(v) for v in operands[:4])
                pts = [(px * cm[0] + py * cm[2] + cm[4], px * cm[1] + py * cm[3] + cm[5])
                       for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))]
                xs, ys = [p[0] for p in pts], [p[1] for p in pts]
                if max(xs) - min(xs) >= 2 and max(ys) - min(ys) >= 2:  # not a rule or a hairline
                    self._path.append((min(xs), min(ys), max(xs), max(ys)))
            elif op in _FILL:
                if len(self.boxes) < 5000:
                    self.boxes += [(*b, len(self.rec.segs), self.dark) for b in self._path[:100]]
                self._path = []
            elif op in _END_PATH:
                self._path = []
            elif op == b"q":
                self._stack.append((self.dark, self.space))
            elif op == b"Q":
                self.dark, self.space = self._stack.pop() if self._stack else (self.dark, self.space)
            elif op in (b"g", b"rg", b"k"):
                self.space = {b"g": "gray", b"rg": "rgb", b"k": "cmyk"}[op]  # these set the space too
                self.dark = bool(_dark(op, operands))
            elif op in (b"sc", b"scn"):
                self.dark = bool(_dark(op, operands, self.space))
            elif op == b"cs":  # the fill space (CS sets the stroke's, which no box or text here is painted with)
                self.space = _family(operands[0], self.resources) if operands else ""
                self.dark = False  # a new colour space starts at its initial colour: black only in some, say not
        except Exception:
            self._path = []

    def annotations(self, page: Any) -> None:
        """Redaction annotations not yet applied (marked, the text still there) and filled dark rectangle comments
        (a PDF editor's "black box") lie over all the page's text: boxes painted last."""
        try:
            for ref in list(page.get("/Annots") or [])[:500]:
                a = ref.get_object()
                kind = a.get("/Subtype")
                fill = a.get("/IC")
                fill = [float(v) for v in fill] if fill is not None else []
                dark = kind == "/Redact" or (kind == "/Square" and bool(fill) and bool(
                    _dark({1: b"g", 3: b"rg", 4: b"k"}.get(len(fill), b""), fill)))
                if dark:
                    x0, y0, x1, y1 = (float(v) for v in a["/Rect"])
                    self.boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), len(self.rec.segs), True))
        except Exception:  # a damaged annotation: the content's own boxes still count
            pass

    def covered(self) -> set[int]:
        """Segments (indices in rec.segs) a reader sees a black bar for: a dark box painted over them after they
        were shown, or dark text shown on a dark box (Word's black highlighting) that no lighter box was painted on
        since. A box counts over a segment when it is at least half as tall as the text, holds its middle height,
        and spans an em of it or a third of its width. The whole segment (a run of text shown from one position:
        often a line) is taken: better a few words too many out of the index than a redacted name in it."""
        hidden: set[int] = set()
        if not any(b[5] for b in self.boxes):
            return hidden
        bands: dict[int, list[tuple[float, float, float, float, int, bool]]] = {}
        for b in self.boxes:  # by 20-point bands of height, so a page of many boxes stays linear
            for k in range(int(b[1] // 20), int(b[3] // 20) + 1)[:100]:
                bands.setdefault(k, []).append(b)
        dark_text = self.dark_text + [True] * (len(self.rec.segs) - len(self.dark_text))
        for i, s in enumerate(self.rec.segs):
            if not s.upright or s.x1 <= s.x0 or s.h <= 0:
                continue
            mid = s.y + 0.35 * s.h
            under = None
            for x0, y0, x1, y1, before, dark in bands.get(int(mid // 20), ()):
                if y1 - y0 < 0.5 * s.h or not y0 <= mid <= y1:
                    continue
                if min(s.x1, x1) - max(s.x0, x0) < min(s.h, (s.x1 - s.x0) / 3):
                    continue
                if before > i and dark:
                    hidden.add(i)
                    break
                if before <= i and (under is None or before >= under[0]):
                    under = (before, dark)
            else:
                if under is not None and under[1] and dark_text[i]:
                    hidden.add(i)
        return hidden


# -- pleading paper ---------------------------------------------------------------------------------
_NUMBERED = re.compile(r"^[ \t]*(\d{1,2})(?:[ \t]+(.*))?$")
_RUN = 10  # numbers 1..10 at least, in order, on a page: its lines are numbered


def _numbered_lines(lines: list[str]) -> list[int]:
    """Indices of the lines that start with 1, 2, 3 … in order (alone on the line when pypdf gives the margin
    apart from the text, or before the line's text), if the run reaches `_RUN`."""
    idx, want = [], 1
    for i, line in enumerate(lines):
        m = _NUMBERED.match(line)
        if m and int(m.group(1)) == want:
            idx.append(i)
            want += 1
    return idx if len(idx) >= _RUN else []


def strip_line_numbers(pages: list[list[str]]) -> tuple[list[list[str]], int]:
    """Pages without pleading paper's line numbers, and how many pages had them. Taken only where at least half
    the pages (20 numbers or more on a document's only page) are numbered 1, 2, 3 …: elsewhere a run of numbered
    lines is content (a numbered table, a list)."""
    found = [_numbered_lines(lines) for lines in pages]
    n = sum(1 for f in found if f)
    if not n or n < (len(pages) + 1) // 2 or (len(pages) == 1 and len(found[0]) < 20):
        return pages, 0
    out = []
    for lines, idx in zip(pages, found):
        drop = set(idx)
        page = []
        for i, line in enumerate(lines):
            if i in drop:
                rest = _NUMBERED.match(line).group(2)  # type: ignore[union-attr]
                if rest:
                    page.append(rest)
            else:
                page.append(line)
        out.append(page)
    return out, n


# -- form fields ------------------------------------------------------------------------------------
# What a fillable form's fields hold (AcroForm /V) is not page content: a widget shows it from its own appearance
# stream, which text extraction never reads. Bounded: a form of 10^5 fields (or a /Kids loop) costs milliseconds.
FORM_MAX_NODES = 5000  # field dictionaries visited
FORM_MAX_VALUES = 500  # lines given
FORM_MAX_CHARS = 2000  # of one value (a multi-line "details" box), then "…"
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TICKED = frozenset(("yes", "on", "true", "1", "x", "checked"))
_RADIO, _PUSH, _PASSWORD = 1 << 15, 1 << 16, 1 << 13  # /Ff bits (PDF 32000, 12.7.4)


def _field_text(v: Any) -> str:
    """A field's /V (or name) as one clean line: a PDF string pypdf decoded, a byte string only if UTF-8, a choice
    field's several picks joined by "; "; control characters and half surrogate pairs made harmless."""
    if hasattr(v, "get_object"):
        v = v.get_object()
    if isinstance(v, (list, tuple)):
        return "; ".join(t for t in (_field_text(x) for x in list(v)[:50]) if t)
    if isinstance(v, bytes):
        try:
            v = v.decode("utf-8")
        except UnicodeDecodeError:
            return ""
    if not isinstance(v, (str, int, float)):
        return ""
    s = _SURROGATE.sub("\ufffd", _CONTROLS.sub(" ", str(v)))
    s = " ".join(s.split())
    return s if len(s) <= FORM_MAX_CHARS else s[:FORM_MAX_CHARS].rstrip() + "…"


def _button(v: Any, flags: int) -> str:
    """A check box as "yes"/"no" (or its export value when that says more than "on"); a radio group as the
    choice made (none: ""); a push button holds nothing."""
    if flags & _PUSH:
        return ""
    name = _field_text(v).lstrip("/")
    if not name:
        return ""
    if name.lower() == "off":
        return "" if flags & _RADIO else "no"
    return "yes" if name.lower() in _TICKED else name


def _obj(x: Any) -> Any:
    return x.get_object() if hasattr(x, "get_object") else x


def _fields(reader: Any, out: list[tuple[str, str]]) -> None:
    """(name, value) of each terminal field with a value, in the form's order, into `out`; /FT, /Ff and /V are
    inherited (PDF 32000, 12.7.3.1). A damaged field is skipped; an object met twice (a /Kids loop) is read once."""
    form = _obj(_obj(reader.trailer["/Root"]).get("/AcroForm"))
    if not hasattr(form, "get"):
        return
    seen: set[Any] = set()
    stack = [(f, "", None, 0, None) for f in reversed(list(_obj(form.get("/Fields")) or [])[:FORM_MAX_NODES])]
    while stack and len(seen) < FORM_MAX_NODES and len(out) < FORM_MAX_VALUES:
        ref, parent, ft, ff, v = stack.pop()
        key = (ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(ref)
        if key in seen:
            continue
        seen.add(key)
        try:
            node = _obj(ref)
            part = _field_text(node.get("/T"))
            name = f"{parent}.{part}" if parent and part else part or parent
            ft, ff, v = _obj(node.get("/FT", ft)), _obj(node.get("/Ff", ff)), node.get("/V", v)
            kids = [k for k in list(_obj(node.get("/Kids")) or [])[:FORM_MAX_NODES]
                    if hasattr(_obj(k), "get") and "/T" in _obj(k)]
            if kids:  # kids without /T are its widgets (one field shown in several places), not fields
                room = max(0, 2 * FORM_MAX_NODES - len(stack))  # one /Kids array shared by every node: still bounded
                stack.extend((k, name, ft, ff, v) for k in reversed(kids[:room]))
                continue
            if v is None or ft == "/Sig":
                continue
            flags = int(ff) if isinstance(ff, (int, float)) else 0
            if ft == "/Tx" and flags & _PASSWORD:
                continue  # a password box: what a reader sees as dots stays out of the index
            value = _button(v, flags) if ft == "/Btn" else _field_text(v)
            label = _field_text(node.get("/TU"))
            label = label if label and len(label) <= 80 else re.sub(r"\[\d+\]", "", name)  # XFA's "f1_01[0]"
            label = label.rstrip(" :")
        except Exception:
            continue
        if value:
            out.append((label, value))


def form_values(reader: Any, text: str) -> list[str]:
    """"Field name: value" lines for the values typed into a fillable form's fields (text, choice, check box, radio;
    not signatures, push buttons, passwords or empty ones), leaving out a value of 4 characters or more that `text`
    (the pages' own) already holds: a form flattened with its fields kept shows its values as page text. Never
    raises: a damaged form gives what was read before the damage."""
    found: list[tuple[str, str]] = []
    try:
        _fields(reader, found)
    except Exception:
        pass
    if not found:
        return []
    shown = " ".join(text.split()).casefold()
    lines = []
    for label, value in found:
        v = value.casefold()
        if len(v) >= 4 and re.search(r"(?<!\w)" + re.escape(v) + r"(?!\w)", shown):
            continue
        lines.append(f"{label}: {value}" if label else value)
    return lines
