"""Boxes painted over a PDF page's text: a redaction that left the text layer. A reader sees a black bar (or a
white-out: a box in the paper's colour) there; pypdf extracts the words under it, and an answer could quote them.
`Covers` (pypdf visitors wrapping pdf_layout.Recorder's) notes every rectangle filled on the page, in the page's own
content or inside a form XObject it draws, with its colour read by colour space, and says which text segments a box
was painted over."""

from __future__ import annotations

from typing import Any

from .pdf_hidden import _INVISIBLE, _SHOW, _TINY, FormText, _obj, font_em, form_without, hidden_shows, with_forms

_FILL = frozenset((b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"))
_END_PATH = frozenset((b"n", b"S", b"s"))  # a path ended without filling (a clip: "re W n"; a frame: "re S")
_DARK = 0.25  # a fill at most this light (gray 0.25, rgb all under 64/255) hides black text painted under it
_SAME = 0.03  # a fill this close to the paper's colour (white, or the page's background) is a white-out box
_PROCESS = {"/Cyan": 0, "/Magenta": 1, "/Yellow": 2, "/Black": 3}
_FORM_DEPTH = 8  # forms inside forms, followed this deep
_FORM_OPS = 200_000  # operators read inside a page's forms (a form drawn 10^4 times costs no more than that)
Rgb = tuple[float, float, float]


def _cmyk(c: float, m: float, y: float, k: float) -> Rgb:
    return (1 - min(1.0, c + k), 1 - min(1.0, m + k), 1 - min(1.0, y + k))


class _Spot:
    """A Separation or DeviceN colour space whose colours can be told: process inks (Cyan … Black) and /All (the
    registration colour: every ink) by their tints, 1 = full ink; another ink through an exponential tint transform
    (FunctionType 2) into a device space, if that transform gives paper for no ink (tint 0). Else None: not read."""

    def __init__(self, names: list[str], alt: str, fn: Any):
        self.n = len(names)
        self.names, self.alt, self.fn = names, alt, fn

    def rgb(self, tints: list[float]) -> Rgb | None:
        if len(tints) != self.n:
            return None
        if all(n in _PROCESS or n == "/All" for n in self.names):  # /All: as dark as black ink at that tint
            cmyk = [0.0] * 4
            for n, t in zip(self.names, tints):
                i = _PROCESS.get(n, 3)
                cmyk[i] = max(cmyk[i], min(1.0, max(0.0, t)))
            return _cmyk(*cmyk)
        if self.n != 1 or self.fn is None or self.alt not in ("gray", "rgb", "cmyk"):
            return None
        paper, ink = self._eval(0.0), self._eval(tints[0])
        if paper is None or ink is None or min(paper) < 1 - _SAME:
            return None  # a transform that does not give paper for no ink is not understood
        return ink

    def _eval(self, t: float) -> Rgb | None:
        fn = self.fn
        if int(fn.get("/FunctionType", -1)) != 2:
            return None
        c0 = [float(v) for v in _obj(fn.get("/C0", [0.0]))]
        c1 = [float(v) for v in _obj(fn.get("/C1", [1.0]))]
        e = float(fn.get("/N", 1))
        t = min(1.0, max(0.0, t))
        vals = [a + (t ** e) * (b - a) for a, b in zip(c0, c1)]
        size = {"gray": 1, "rgb": 3, "cmyk": 4}[self.alt]
        if len(vals) != size:
            return None
        return _to_rgb(self.alt, vals)


def _to_rgb(space: Any, vals: list[float]) -> Rgb | None:
    """A colour's RGB (0..1) in a family `_family` gave, None where it cannot be told."""
    if isinstance(space, _Spot):
        return space.rgb(vals)
    if space == "gray" and len(vals) == 1:
        return (vals[0],) * 3
    if space == "rgb" and len(vals) == 3:
        return (vals[0], vals[1], vals[2])
    if space == "cmyk" and len(vals) == 4:
        return _cmyk(*vals)
    return None


def colour(op: bytes, operands: Any, space: Any = "") -> Rgb | None:
    """The RGB a fill colour operator sets; None for one not read (a pattern, a named colour, an Indexed, Lab or
    unknown space). `space`: for sc/scn, the fill colour space as `_family` gives it."""
    try:
        vals = [float(x) for x in operands]
    except (TypeError, ValueError):
        return None  # a pattern (scn /P1) or a named colour
    fam = {b"g": "gray", b"rg": "rgb", b"k": "cmyk"}.get(op, space if op in (b"sc", b"scn") else "")
    return _to_rgb(fam, vals)


def is_dark(rgb: Rgb | None) -> bool:
    return rgb is not None and max(rgb) <= _DARK


_DEVICE = {"/DeviceGray": "gray", "/DeviceRGB": "rgb", "/DeviceCMYK": "cmyk"}
_CAL = {"/CalGray": "gray", "/CalRGB": "rgb"}


def _space(cs: Any, depth: int = 0) -> Any:
    """A colour space object as "gray", "rgb", "cmyk", a `_Spot`, or "" (Indexed, Lab, Pattern, damaged)."""
    cs = _obj(cs)
    if isinstance(cs, str):
        return _DEVICE.get(cs, "")
    family = str(_obj(cs[0])) if isinstance(cs, (list, tuple)) and cs else ""
    if family == "/ICCBased" and len(cs) > 1:
        return {1: "gray", 3: "rgb", 4: "cmyk"}.get(int(_obj(cs[1]).get("/N")), "")
    if family in ("/Separation", "/DeviceN") and len(cs) >= 4 and depth < 2:
        names = [str(_obj(cs[1]))] if family == "/Separation" else [str(_obj(n)) for n in _obj(cs[1])][:32]
        if names == ["/None"]:
            return ""  # paints nothing
        alt = _space(cs[2], depth + 1)
        fn = _obj(cs[3])
        return _Spot(names, alt if isinstance(alt, str) else "", fn if hasattr(fn, "get") else None)
    return _CAL.get(family, "")


def _family(name: Any, resources: Any) -> Any:
    """The fill colour space `cs NAME` sets: a device space, or a /Resources /ColorSpace entry (ICCBased by its /N,
    CalGray, CalRGB, Separation, DeviceN); "" for anything else or a name the resources do not define."""
    try:
        if str(name) in _DEVICE:
            return _DEVICE[str(name)]
        res = _obj(resources)
        spaces = _obj(res.get("/ColorSpace")) if hasattr(res, "get") else None
        return _space(spaces.get(str(name))) if hasattr(spaces, "get") and str(name) in spaces else ""
    except Exception:  # a damaged entry: its colours are not read
        return ""


def _initial(space: Any) -> Rgb | None:
    """The colour `cs` starts a space with (PDF 32000, 8.6.5): black in a device space, full ink in a spot one."""
    if isinstance(space, _Spot):
        return space.rgb([1.0] * space.n)
    return {"gray": (0.0,) * 3, "rgb": (0.0,) * 3, "cmyk": (0.0,) * 3}.get(space) if isinstance(space, str) else None


def _opaque(name: Any, resources: Any) -> bool | None:
    """Whether `gs NAME` makes fills opaque (None: it does not say): a /ca under 0.95 or a blend mode other than
    Normal (a highlight's Multiply: white changes nothing) lets the text through a light box."""
    try:
        gs = _obj(_obj(_obj(resources).get("/ExtGState")).get(str(name)))
        ca, bm = gs.get("/ca"), _obj(gs.get("/BM"))
        bm = _obj(bm[0]) if isinstance(bm, list) and bm else bm
        if ca is None and bm is None:
            return None
        return (ca is None or float(ca) >= 0.95) and (bm is None or str(bm) in ("/Normal", "/Compatible"))
    except Exception:
        return None


def _mult(m: Any, n: Any) -> tuple[float, ...]:
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
            m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


def _rect(x: float, y: float, w: float, h: float, cm: Any) -> tuple[float, float, float, float]:
    pts = [(px * cm[0] + py * cm[2] + cm[4], px * cm[1] + py * cm[3] + cm[5])
           for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


Box = tuple[float, float, float, float, int, Any, bool]  # x0, y0, x1, y1, segments shown before, rgb, opaque


class Covers:
    """pypdf visitors wrapping pdf_layout.Recorder's: beside placing the text, note every rectangle filled on the
    page (in its content, and inside the form XObjects it draws, through their matrices), with how many text
    segments were shown before it, its colour and whether it is opaque, and whether each segment's text is dark.
    `covered()`: the segments a reader cannot see for a box. Never raises: an operator it cannot read is skipped."""

    def __init__(self, rec: Any, resources: Any = None, pdf: Any = None, page_box: Any = None):
        self.rec = rec
        self.resources = resources  # the page's /Resources: its /ColorSpace names what `cs /CS0` sets
        self.pdf = pdf  # to read the content of a form XObject (ContentStream)
        self.fill: Rgb | None = (0.0, 0.0, 0.0)  # a page starts with black as its fill colour
        self.space: Any = "gray"  # in DeviceGray
        self.opaque = True
        self._stack: list[tuple[Any, Any, bool, Any]] = []  # q: (fill, space, opaque, render mode or a form's CTM)
        self._path: list[tuple[float, float, float, float]] = []
        self.boxes: list[Box] = []
        self.dark_text: list[bool] = []  # per segment: shown in a dark colour
        self._form_ops = 0
        self._ops: dict[int, tuple[Any, list[Any]]] = {}  # id(form) -> (form, its operators) for this page
        self.images = False  # the page draws an image (its own, in a form, inline): a scan under an OCR layer
        self._tr = 0  # the text render mode (saved by q on `_stack`)
        self._kind: tuple[bool, bool] = (False, False)  # of the text being shown: (under _TINY, render mode 3)
        self.kinds: list[tuple[bool, bool]] = []  # per segment
        self._ftext: list[str] = []  # the form being read: each show's kind ("t" tiny or off the page, "i", "v")
        self.form_kinds: dict[int, list[str]] = {}  # a form's text segment -> its shows' kinds
        self._do_at = 0  # segments before the page's last Do
        self._em: dict[int, Any] = {}  # a font's em in text space per unit of size (pdf_hidden.font_em)
        self.page: Any = None  # (annotations): a form mixing seen and hidden text is drawn as a copy without the hidden
        try:
            self.page_box = [float(v) for v in page_box] if page_box is not None else None
        except Exception:
            self.page_box = None

    def before(self, op: bytes, operands: Any, cm: Any, tm: Any) -> None:
        if op == b"Do" and not self.rec._depth:
            self._do_at = len(self.rec.segs)
        if op in _SHOW and not self.rec._depth:
            try:
                kind = (self._tiny(cm, tm), self._tr == _INVISIBLE)
            except Exception:
                kind = (False, False)
            if kind != self._kind:  # tiny or invisible text is a segment of its own, never glued to visible text
                self.rec._cont, self._kind = False, kind
        self.rec.before(op, operands, cm, tm)

    def _tiny(self, cm: Any, tm: Any) -> bool:
        """The text about to be shown is drawn under _TINY points: its font size through the text and current
        matrices (any rotation), a Type3 font's through its own matrix (pdf_hidden.font_em). A size of 0 is not
        judged, nor a Type3 font without a bounding box."""
        em = font_em(self._em, self.rec.fonts, self.rec._font)
        m = _mult(tm, cm)
        size = abs(self.rec._size) * abs(m[0] * m[3] - m[1] * m[2]) ** 0.5 * (em or 0)
        return 0 < size < _TINY  # (a size of 0, or no Tf at all, is read differently by viewers: not judged)

    def after(self, op: bytes, operands: Any, cm: Any, tm: Any) -> None:
        self.rec.after(op, operands, cm, tm)
        if self.rec._depth:  # inside a form XObject as pypdf reads it (own coordinates): read at its Do instead
            return
        try:
            if op in _SHOW:
                self.dark_text += [is_dark(self.fill)] * (len(self.rec.segs) - len(self.dark_text))
                self.kinds += [self._kind] * (len(self.rec.segs) - len(self.kinds))
                return
            if op == b"Tr" and operands:
                self._tr = int(operands[0])
            elif op == b"INLINE IMAGE":
                self.images = True
            if op == b"Do":
                shown, self._ftext = len(self.rec.segs) > self._do_at, []  # (the form's text: a segment)
                self._form(operands[0], cm, self.resources, 0, set(), (self.rec._size, self.rec._font, self._tr))
                if shown and self._ftext and self._form_ops < _FORM_OPS:
                    self.form_kinds[len(self.rec.segs) - 1] = self._ftext
            else:
                self._op(op, operands, cm, self.resources)
        except Exception:
            self._path = []

    def _op(self, op: bytes, operands: Any, cm: Any, resources: Any) -> None:
        """A graphics operator of the page or of a form (`cm`: the matrix it is drawn with, in page space)."""
        if op == b"re":
            x0, y0, x1, y1 = _rect(*(float(v) for v in operands[:4]), cm)
            if x1 - x0 >= 2 and y1 - y0 >= 2:  # not a rule or a hairline
                self._path.append((x0, y0, x1, y1))
        elif op in _FILL:
            if len(self.boxes) < 5000:
                self.boxes += [(*b, len(self.rec.segs), self.fill, self.opaque) for b in self._path[:100]]
            self._path = []
        elif op in _END_PATH:
            self._path = []
        elif op == b"q":  # the render mode too: a page's q/Q (inside a form, `_form` pushes its CTM in its place)
            self._stack.append((self.fill, self.space, self.opaque, self._tr))
        elif op == b"Q":
            self.fill, self.space, self.opaque, self._tr = self._stack.pop() if self._stack else (
                self.fill, self.space, self.opaque, self._tr)
        elif op in (b"g", b"rg", b"k"):
            self.space = {b"g": "gray", b"rg": "rgb", b"k": "cmyk"}[op]  # these set the space too
            self.fill = colour(op, operands)
        elif op in (b"sc", b"scn"):
            self.fill = colour(op, operands, self.space)
        elif op == b"cs":  # the fill space (CS sets the stroke's, which no box or text here is painted with)
            self.space = _family(operands[0], resources) if operands else ""
            self.fill = _initial(self.space)
        elif op == b"gs" and operands:
            said = _opaque(operands[0], resources)
            self.opaque = self.opaque if said is None else said

    def _form(self, name: Any, cm: Any, resources: Any, depth: int, seen: set[int], text: Any = None) -> None:
        """The boxes a form XObject paints, read from its content through its /Matrix and the CTM at its Do
        (pypdf reads a form in its own space, and not at all when it has no /Resources: a plain white-out box),
        clipped to its /BBox; its colour state is the Do's, given back after it. The text it shows: whether each
        show is seen (`_ftext`; `text`: the Do's font size, font and render mode)."""
        from pypdf.generic import ContentStream

        xobjs = _obj(_obj(resources).get("/XObject")) if hasattr(_obj(resources), "get") else None
        form = _obj(xobjs.get(str(name))) if hasattr(xobjs, "get") else None
        if form is not None and form.get("/Subtype") == "/Image":
            self.images = True
        if form is None or form.get("/Subtype") != "/Form" or id(form) in seen or depth >= _FORM_DEPTH:
            return
        if self._form_ops >= _FORM_OPS:
            return
        matrix = [float(v) for v in _obj(form.get("/Matrix", [1, 0, 0, 1, 0, 0]))]
        ctm = _mult(matrix, cm)
        bx0, by0, bx1, by1 = (float(v) for v in _obj(form["/BBox"]))
        clip = _rect(min(bx0, bx1), min(by0, by1), abs(bx1 - bx0), abs(by1 - by0), ctm)
        res = form.get("/Resources")
        res = resources if res is None else res  # a form without its own resources uses the page's
        cached = self._ops.get(id(form))
        if cached is None:  # a form drawn again on the page (a tile, a tick box) is parsed once
            cached = self._ops[id(form)] = (form, ContentStream(form, self.pdf).operations)  # form: its id stays
        ops = cached[1]
        seen = seen | {id(form)}
        saved, start, stack = (self.fill, self.space, self.opaque), len(self.boxes), len(self._stack)
        self._path = []
        fonts = _obj(res).get("/Font") if hasattr(_obj(res), "get") else None
        ts = FormText(*(text or (0.0, None, 0)))
        try:
            for operands, op in ops:
                self._form_ops += 1
                if self._form_ops >= _FORM_OPS:
                    break
                if ts.op(op, operands):
                    if op in _SHOW:
                        self._ftext.append(ts.kind(ctm, fonts, self.page_box, self._em))
                    continue
                if op == b"cm":
                    ctm = _mult([float(v) for v in operands[:6]], ctm)
                elif op == b"q":
                    self._stack.append((self.fill, self.space, self.opaque, ctm))
                    ts.saved.append(ts.state())
                elif op == b"Q":
                    if len(self._stack) > stack:
                        self.fill, self.space, self.opaque, ctm = self._stack.pop()
                    if ts.saved:
                        ts.size, ts.font, ts.tr = ts.saved.pop()
                elif op == b"Do" and operands:
                    self._form(operands[0], ctm, res, depth + 1, seen, ts.state())
                elif op == b"INLINE IMAGE":
                    self.images = True
                else:
                    self._op(op, operands, ctm, res)
        finally:  # an operator that fails leaves none of the form's q entries (CTMs in the render mode's slot) behind
            del self._stack[stack:]
            self.fill, self.space, self.opaque = saved
        self._path = []
        # what the form paints outside its /BBox is clipped away
        cx0, cy0, cx1, cy1 = clip
        self.boxes[start:] = [(max(x0, cx0), max(y0, cy0), min(x1, cx1), min(y1, cy1), *rest)
                              for x0, y0, x1, y1, *rest in self.boxes[start:]
                              if min(x1, cx1) - max(x0, cx0) >= 2 and min(y1, cy1) - max(y0, cy0) >= 2]

    def annotations(self, page: Any) -> None:
        """Redaction annotations not yet applied (marked, the text still there) and filled rectangle comments (a
        PDF editor's black box, or white box: a white-out) lie over all the page's text: boxes painted last."""
        self.page = page
        try:
            for ref in list(page.get("/Annots") or [])[:500]:
                a = ref.get_object()
                kind = a.get("/Subtype")
                fill = a.get("/IC")
                fill = [float(v) for v in fill] if fill is not None else []
                rgb = (0.0, 0.0, 0.0) if kind == "/Redact" else (
                    _to_rgb({1: "gray", 3: "rgb", 4: "cmyk"}.get(len(fill), ""), fill) if kind == "/Square" else None)
                if rgb is not None:
                    x0, y0, x1, y1 = (float(v) for v in a["/Rect"])
                    opaque = float(a.get("/CA", 1)) >= 0.95
                    self.boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), len(self.rec.segs), rgb,
                                       opaque))
        except Exception:  # a damaged annotation: the content's own boxes still count
            pass

    def _paper(self) -> Rgb:
        """The page's colour: that of an opaque box over nearly all the page painted before any text, else white."""
        paper: Rgb = (1.0, 1.0, 1.0)
        if self.page_box is None:
            return paper
        px0, py0, px1, py1 = self.page_box
        area = abs(px1 - px0) * abs(py1 - py0)
        for x0, y0, x1, y1, before, rgb, opaque in self.boxes:
            if before > 0:
                break
            if rgb is not None and opaque and (x1 - x0) * (y1 - y0) >= 0.9 * area:
                paper = rgb
        return paper

    def covered(self) -> set[int]:
        """Segments (indices in rec.segs) a reader sees a bar or a blank for: a dark box, or an opaque one in the
        paper's colour (white, or the page's background: white-out), painted over them after they were shown; or
        dark text shown on a dark box (Word's black highlighting) that no lighter box was painted on since. A box
        counts over a segment when it is at least half as tall as the text, holds its middle height, and spans an
        em of it or a third of its width. The whole segment (a run of text shown from one position: often a line)
        is taken: better a few words too many out of the index than a redacted name in it. A white box painted
        before the text (a table's background) hides nothing."""
        hidden: set[int] = set()
        paper = self._paper()

        def blank(rgb: Rgb | None, opaque: bool) -> bool:
            return opaque and rgb is not None and (min(rgb) >= 1 - _SAME
                                                   or all(abs(a - b) <= _SAME for a, b in zip(rgb, paper)))

        boxes = [(x0, y0, x1, y1, before, is_dark(rgb), is_dark(rgb) or blank(rgb, opaque))
                 for x0, y0, x1, y1, before, rgb, opaque in self.boxes]
        if not any(b[6] for b in boxes):
            return hidden
        bands: dict[int, list[tuple[float, float, float, float, int, bool, bool]]] = {}
        for b in boxes:  # by 20-point bands of height, so a page of many boxes stays linear
            for k in range(int(b[1] // 20), int(b[3] // 20) + 1)[:100]:
                bands.setdefault(k, []).append(b)
        dark_text = self.dark_text + [True] * (len(self.rec.segs) - len(self.dark_text))
        for i, s in enumerate(self.rec.segs):
            if not s.upright or s.x1 <= s.x0 or s.h <= 0:
                continue
            mid = s.y + 0.35 * s.h
            under = None
            for x0, y0, x1, y1, before, dark, hides in bands.get(int(mid // 20), ()):
                if y1 - y0 < 0.5 * s.h or not y0 <= mid <= y1:
                    continue
                if min(s.x1, x1) - max(s.x0, x0) < min(s.h, (s.x1 - s.x0) / 3):
                    continue
                if before > i and hides:
                    hidden.add(i)
                    break
                if before <= i and (under is None or before >= under[0]):
                    under = (before, dark)
            else:
                if under is not None and under[1] and dark_text[i]:
                    hidden.add(i)
        return hidden

    def concealed(self) -> set[int]:
        """Segments no reader sees though nothing is painted over them (hidden.py): drawn under 2 points, wholly
        outside the page's crop box, or in render mode 3 (invisible) on a page that draws no image. Invisible text
        over an image is a scan's OCR layer, the page's only text: kept. A form XObject's text (one segment) is out
        when none of its shows is seen; when some are, its hidden shows are cut from a copy of it (_cut_forms)."""
        out: set[int] = set()
        box = self.page_box
        kinds = self.kinds + [(False, False)] * (len(self.rec.segs) - len(self.kinds))
        if box is not None:
            x0, y0, x1, y1 = min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])
        partial: dict[int, set[int]] = {}
        for i, s in enumerate(self.rec.segs):
            if s.pieces and s.pieces[0][1] == b"Do":  # a form's text, whole: out when none of it is seen
                k = self.form_kinds.get(i)
                drop = hidden_shows(k, self.images) if k else set()
                if k and len(drop) == len(k):
                    out.add(i)
                elif drop:
                    partial[i] = drop
                continue
            tiny, invisible = kinds[i]
            if tiny or (invisible and not self.images):
                out.add(i)
            elif box is not None and s.upright and s.h > 0 and s.x1 > s.x0:
                if s.x1 <= x0 or s.x0 >= x1 or s.y + s.h <= y0 or s.y - 0.3 * s.h >= y1:
                    out.add(i)
        return out | self._cut_forms(partial)

    def _cut_forms(self, partial: dict[int, set[int]]) -> set[int]:
        """Forms that mix seen and hidden shows (segment -> its hidden shows) are drawn, in the replay, as copies
        without the hidden ones (pdf_hidden.form_without), added to the page's resources under new names (in memory:
        the file is not changed). Each show cut is a run left out: an empty segment of its own, returned among the
        concealed ones, so the page is replayed and the runs counted. Anything not read keeps the form whole."""
        from pypdf.generic import NameObject

        from .pdf_layout import Seg

        copies: dict[int, tuple[Any, Any]] = {}
        n = 0
        try:
            xobjs = _obj(_obj(self.resources).get("/XObject"))
            for i, drop in partial.items():
                name = self.rec.segs[i].pieces[0][2][0]
                copy = form_without(self.pdf, self._ops, self.resources, name, drop, [0], max_depth=_FORM_DEPTH)
                if copy is not None:
                    while xobjs.get(f"/RtSeen{n}") is not None:
                        n += 1
                    copies[i] = (NameObject(f"/RtSeen{n}"), copy)
                    n += 1
            if not copies or self.page is None:
                return set()
            self.page[NameObject("/Resources")] = with_forms(self.resources, dict(copies.values()))
        except Exception:
            return set()
        added: set[int] = set()
        for i, (key, _) in copies.items():
            state, op, _ = self.rec.segs[i].pieces[0]
            self.rec.segs[i].pieces[0] = (state, op, [key])
            for _ in partial[i]:
                self.rec.segs.append(Seg(0, 0, 0, 0, (1, 0, 0, 1, 0, 0), [], False))
                added.add(len(self.rec.segs) - 1)
        return added
