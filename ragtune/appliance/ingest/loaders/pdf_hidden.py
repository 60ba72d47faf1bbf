"""Hidden text of a PDF page that pdf_marks.Covers reads beside its boxes (round 51; hidden.py): text shown inside
a form XObject (its text state followed through the form: size, matrices, render mode), and the em of a Type3 font,
whose glyphs are in its own units (a tiny /FontMatrix draws 12-pt text at a hundredth of a point)."""

from __future__ import annotations

from typing import Any

from .pdf_layout import _mult

_SHOW = frozenset((b"Tj", b"TJ", b"'", b'"'))
_TINY = 2.0  # text drawn under this size (points on the page) is not read by anyone: hidden text (hidden.py)
_INVISIBLE = 3  # render mode 3: glyphs neither filled nor stroked (a scan's OCR layer, or planted text)


def _obj(x: Any) -> Any:
    return x.get_object() if hasattr(x, "get_object") else x


def font_em(cache: dict[int, Any], fonts: Any, name: Any) -> float | None:
    """A font's em in text space per unit of font size: 1, but for a Type3 font the height of its /FontBBox
    through its /FontMatrix (or twice its median glyph width, if larger). None: not judged (a Type3 font without
    a bounding box, a font that cannot be read).
    `cache`: id(font) -> (font, em), per page."""
    try:
        font = _obj(_obj(fonts).get(name))
        if font is None or font.get("/Subtype") != "/Type3":
            return 1.0
        if id(font) not in cache:  # (the font is kept with its em: its id cannot be reused meanwhile)
            fm, bb = [float(v) for v in _obj(font["/FontMatrix"])], [float(v) for v in _obj(font["/FontBBox"])]
            em = abs(bb[3] - bb[1]) * abs(fm[3])
            widths = sorted(w for w in (abs(float(_obj(x))) for x in list(_obj(font.get("/Widths")) or [])[:512]) if w)
            if em and widths:  # a glyph's advance is about half an em: a bounding box too small is not believed
                em = max(em, 2 * widths[len(widths) // 2] * abs(fm[0]))
            cache[id(font)] = (font, em or None)
        return cache[id(font)][1]
    except Exception:
        return None


class FormText:
    """The text state while a form XObject is read (hidden text inside forms, Covers._show_kind): font, size,
    render mode, the text and line matrices. `op`: True for an operator it took (text ones)."""

    def __init__(self, size: float, font: Any, tr: int):
        self.size, self.font, self.tr = size, font, tr
        self.tm = self.lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        self.leading = 0.0
        self.saved: list[tuple[float, Any, int]] = []
        self.bad = False  # an operator it could not read: its form's text is not judged

    def state(self) -> tuple[float, Any, int]:
        return self.size, self.font, self.tr

    def _move(self, tx: float, ty: float) -> None:
        self.tm = self.lm = _mult((1.0, 0.0, 0.0, 1.0, tx, ty), self.lm)

    def op(self, op: bytes, operands: Any) -> bool:
        try:
            return self._op(op, operands)
        except Exception:
            self.bad = True
            return True

    def _op(self, op: bytes, operands: Any) -> bool:
        if op == b"BT":
            self.tm = self.lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        elif op == b"Tf":
            self.font, self.size = operands[0], float(operands[1])
        elif op == b"Tr":
            self.tr = int(operands[0])
        elif op == b"Tm":
            self.tm = self.lm = tuple(float(v) for v in operands[:6])
        elif op in (b"Td", b"TD"):
            self.leading = -float(operands[1]) if op == b"TD" else self.leading
            self._move(float(operands[0]), float(operands[1]))
        elif op == b"TL":
            self.leading = float(operands[0])
        elif op in (b"T*", b"'", b'"'):
            self._move(0.0, -self.leading)
        elif op not in _SHOW and op not in (b"ET", b"Tc", b"Tw", b"Tz", b"Ts"):
            return False
        return True

    def kind(self, ctm: Any, fonts: Any, page_box: Any, cache: dict[int, Any]) -> str:
        """A show: "t" drawn under _TINY points or wholly off the page, "i" invisible, "v" seen (or not judged: a
        size of 0, a Type3 font without a bounding box, a text state not read)."""
        if self.bad:
            return "v"
        m = _mult(self.tm, ctm)
        em = font_em(cache, fonts, self.font) if fonts is not None else 1.0
        size = abs(self.size) * abs(m[0] * m[3] - m[1] * m[2]) ** 0.5 * (em or 0)
        if 0 < size < _TINY:
            return "t"
        box = page_box
        if box is not None and size > 0 and (m[4] >= max(box[0], box[2]) or m[5] >= max(box[1], box[3])
                                             or m[5] + size <= min(box[1], box[3])):
            return "t"  # (left of the page a long line may still reach it: not judged)
        return "i" if self.tr == _INVISIBLE else "v"


def hidden_shows(kinds: list[str], images: bool) -> set[int]:
    """Of a form's shows (their kinds, FormText.kind), those no reader sees: tiny or off the page, or invisible on a
    page without an image."""
    return {j for j, k in enumerate(kinds) if k == "t" or (k == "i" and not images)}


def form_without(pdf: Any, ops: dict[int, Any], resources: Any, name: Any, drop: set[int], at: list[int],
                 depth: int = 0, seen: frozenset[int] = frozenset(), max_depth: int = 8) -> Any:
    """A copy of form XObject `name` (of `resources`) without the text shows numbered in `drop`, counted (`at[0]`)
    in the order pdf_marks.Covers._form met them, which this walk follows: nested forms the same way, copied where
    they hold such a show (round 52: a form mixing seen and hidden text keeps the seen). None: the form holds none
    of them (drawn as it is). `ops`: id(form) -> (form, its operators), as Covers parsed them. Raises on anything
    it cannot read (the caller then keeps the form whole)."""
    from pypdf.generic import ContentStream, DecodedStreamObject, NameObject

    xobjs = _obj(_obj(resources).get("/XObject")) if hasattr(_obj(resources), "get") else None
    form = _obj(xobjs.get(str(name))) if hasattr(xobjs, "get") else None
    if form is None or form.get("/Subtype") != "/Form" or id(form) in seen or depth >= max_depth:
        return None
    res = form.get("/Resources")
    res = resources if res is None else res
    inner = _obj(_obj(res).get("/XObject")) if hasattr(_obj(res), "get") else None
    out, extra, changed = [], {}, False
    for operands, op in ops[id(form)][1]:
        if op in _SHOW:
            at[0] += 1
            if at[0] - 1 in drop:
                changed = True  # (a `'` or `"` still moves to the next line, and `"` sets its spacing)
                out += [([operands[0]], b"Tw"), ([operands[1]], b"Tc")] if op == b'"' else []
                out += [([], b"T*")] if op in (b"'", b'"') else []
                continue
        elif op == b"Do" and operands:
            copy = form_without(pdf, ops, res, operands[0], drop, at, depth + 1, seen | {id(form)}, max_depth)
            if copy is not None:
                n = len(extra)
                while hasattr(inner, "get") and inner.get(f"/RtSeen{n}") is not None:
                    n += 1
                key = NameObject(f"/RtSeen{n}")
                extra[key], changed = copy, True
                out.append(([key], op))
                continue
        out.append((operands, op))
    if not changed:
        return None
    stream = ContentStream(None, pdf)
    stream.operations = out
    copy = DecodedStreamObject()
    copy.set_data(stream.get_data())
    for key, value in form.items():
        if key not in ("/Length", "/Filter", "/DecodeParms"):
            copy[NameObject(key)] = value
    if extra:
        copy[NameObject("/Resources")] = with_forms(res, extra)
    return copy


def with_forms(resources: Any, forms: dict[Any, Any]) -> Any:
    """A copy of a /Resources dictionary with `forms` added to its /XObject (the original is not changed)."""
    from pypdf.generic import DictionaryObject, NameObject

    res = DictionaryObject(dict(_obj(resources).items()) if hasattr(_obj(resources), "items") else {})
    xobjs = _obj(res.get("/XObject"))
    res[NameObject("/XObject")] = DictionaryObject({**(dict(xobjs.items()) if hasattr(xobjs, "items") else {}),
                                                    **forms})
    return res
