"""Where a PDF page's text stands, and in what order it reads when the page is set in columns. pypdf gives a page's
text in content-stream order; a page whose two columns are stored line by line interleaved (left 1, right 1,
left 2, …) then reads as two texts mixed. `Recorder` places every text-showing operator while pypdf extracts (its
start from pypdf's matrices, its end from the font's glyph widths); `reading_order` finds a gutter that splits the
page into columns of prose and orders the operators: full-width lines where they stand, between them each column
top to bottom. Conservative on purpose: no clear gutter, table-like columns, or a stream that already reads column
by column give None, and pdf.py keeps pypdf's text."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

_SHOW = frozenset((b"Tj", b"TJ", b"'", b'"'))
_MOVE = frozenset((b"BT", b"ET", b"Td", b"TD", b"Tm", b"T*", b"cm", b"Q"))


def _mult(m: list[float], n: list[float]) -> tuple[float, ...]:
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
            m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


# -- glyph widths ---------------------------------------------------------------------------------
@dataclass
class _Metrics:
    widths: dict[int, float]  # glyph code -> width in glyph space
    default: float
    two_byte: bool = False
    scale: float = 0.001  # glyph space -> text space (Type3: its /FontMatrix)
    table: list[float] = field(default_factory=list)  # one-byte fonts: the width of each code, for speed

    def __post_init__(self) -> None:
        if not self.two_byte and not self.table:
            self.table = [self.widths.get(c, self.default) for c in range(256)]


# Helvetica-like widths for a standard font without /Widths (close enough to find a gutter)
_GUESSED = [278.0 if c in " .,;:!'|il" else 667.0 if c.isupper() else 556.0 if c.isdigit() else 500.0
            for c in map(chr, range(256))]


def _metrics(font: Any) -> _Metrics:
    font = font.get_object()
    sub = font.get("/Subtype")
    if sub == "/Type0":
        enc = font.get("/Encoding")
        if isinstance(enc, str) and enc.endswith("-V"):
            raise ValueError("vertical writing")
        desc = font["/DescendantFonts"].get_object()[0].get_object()
        widths: dict[int, float] = {}
        w = desc.get("/W")
        w = list(w.get_object()) if w is not None else []
        i = 0
        while i + 1 < len(w) and len(widths) < 70000:  # bounded: a hostile /W range cannot eat memory
            first = int(w[i])
            nxt = w[i + 1].get_object()
            if isinstance(nxt, list):
                widths.update((first + k, float(x)) for k, x in enumerate(nxt))
                i += 2
            elif i + 2 < len(w):
                last = min(int(nxt), first + 70000)
                widths.update((c, float(w[i + 2])) for c in range(first, last + 1))
                i += 3
            else:
                break
        return _Metrics(widths, float(desc.get("/DW", 1000)), two_byte=True)
    scale = 0.001
    if sub == "/Type3":
        scale = abs(float(font["/FontMatrix"][0])) or 0.001
    first = int(font.get("/FirstChar", 0))
    ws = font.get("/Widths")
    widths = {first + k: float(x) for k, x in enumerate(ws.get_object())} if ws is not None else {}
    fd = font.get("/FontDescriptor")
    missing = float(fd.get_object().get("/MissingWidth", 0)) if fd is not None else 0.0
    if widths:
        default = missing or sum(widths.values()) / len(widths)
        return _Metrics(widths, default, scale=scale)
    if "Courier" in str(font.get("/BaseFont", "")):
        return _Metrics({}, 600.0, scale=scale)
    if sub == "/Type3":
        return _Metrics({}, 0.5 / scale, scale=scale)
    return _Metrics({}, 500.0, scale=scale, table=_GUESSED)


_UNKNOWN = _Metrics({}, 500.0, table=_GUESSED)  # a font the page does not define


# -- recording text operators while pypdf extracts -------------------------------------------------
@dataclass
class Seg:
    """Text shown from one position on: operators with no repositioning between them (a line of a column, a
    word...). `pieces`: (text state, operator, operands) to replay; x1 is where its last glyph ends."""
    x0: float
    x1: float
    y: float
    h: float  # font size on the page
    m: tuple[float, ...]
    pieces: list[tuple[tuple[Any, ...], bytes, Any]] = field(default_factory=list)
    upright: bool = True  # else rotated (a margin stamp) or a form XObject's text: kept out of the columns, read
    # after them


class Recorder:
    """pypdf visitors (`before`, `after`) that place every text operator of a page (and every form XObject that
    shows text). They never raise (an error would cost pypdf's extraction): anything they cannot place makes the
    page `unusable`."""

    def __init__(self, fonts: Any, cache: dict[int, tuple[Any, _Metrics]] | None = None):
        self.fonts = fonts  # the page's /Resources /Font dictionary (or {})
        self._cache = {} if cache is None else cache  # the document's fonts, measured once: id -> (font, metrics)
        self.segs: list[Seg] = []
        self.unusable = False
        self._depth = 0  # inside a form XObject: pypdf places its text in the form's own space
        self._form_text = False  # the form being drawn shows text: its Do is replayed as a whole
        self._font: Any = None
        self._size = 0.0
        self._tc = self._tw = 0.0
        self._tz = 100.0
        self._stack: list[tuple[Any, ...]] = []
        self._cont = False  # the next show continues the last segment (no repositioning since)
        self._adv = 0.0
        self._metrics: _Metrics | None = None

    def before(self, op: bytes, operands: Any, cm: Any, tm: Any) -> None:
        if op == b"Do":
            self._depth += 1

    def after(self, op: bytes, operands: Any, cm: Any, tm: Any) -> None:
        if self.unusable:
            return
        try:  # (the most frequent operators first: this runs for every operator of every page)
            if op in _SHOW:
                if self._depth:
                    self._form_text = True
                else:
                    self._show(op, operands, cm, tm)
            elif op in _MOVE:
                self._cont = False
                if op == b"Q" and self._stack and not self._depth:
                    self._font, self._size, self._tc, self._tw, self._tz, self._metrics = self._stack.pop()
            elif op == b"Do":
                self._depth -= 1
                self._cont = False
                if not self._depth and self._form_text:
                    state = (self._font, self._size, self._tc, self._tw, self._tz)
                    self.segs.append(Seg(0, 0, 0, 0, (1, 0, 0, 1, 0, 0), [(state, op, operands)], False))
                    self._form_text = False
            elif self._depth:
                return
            elif op == b"Tf":
                self._set_font(operands)
            elif op == b"Tc":
                self._tc = float(operands[0])
            elif op == b"Tw":
                self._tw = float(operands[0])
            elif op == b"Tz":
                self._tz = float(operands[0])
            elif op == b"q":
                self._stack.append((self._font, self._size, self._tc, self._tw, self._tz, self._metrics))
        except Exception:
            self.unusable = True

    def _set_font(self, operands: Any) -> None:
        name, self._size = operands[0], float(operands[1])
        if name == self._font and self._metrics is not None:
            return
        self._font, self._metrics = name, None
        try:
            font = self.fonts.get(self._font)
        except Exception:
            font = None
        if font is None:
            return  # a missing font: pypdf extracts what it can, widths are guessed
        font = font.get_object()
        if id(font) not in self._cache:  # (the font is kept with its metrics: its id cannot be reused meanwhile)
            self._cache[id(font)] = (font, _metrics(font))
        self._metrics = self._cache[id(font)][1]

    def _width(self, items: Any) -> float:
        """Advance of the shown strings (and TJ offsets) in text space units."""
        met = self._metrics or _UNKNOWN
        size, th = self._size, self._tz / 100.0
        total = 0.0
        for it in items:
            if isinstance(it, (int, float)):
                total -= it / 1000.0 * size * th
                continue
            codes = it if isinstance(it, bytes) else getattr(it, "original_bytes", None) or str(it).encode("latin-1",
                                                                                                           "replace")
            if met.two_byte:
                w, d = met.widths, met.default
                n, spaces = len(codes) // 2, 0
                gw = sum(w.get(codes[k] << 8 | codes[k + 1], d) for k in range(0, 2 * n, 2))
            else:
                n, spaces = len(codes), codes.count(32)
                gw = sum(map(met.table.__getitem__, codes))
            total += (gw * met.scale * size + self._tc * n + self._tw * spaces) * th
        return total

    def _show(self, op: bytes, operands: Any, cm: Any, tm: Any) -> None:
        if op == b'"':
            self._tw, self._tc = float(operands[0]), float(operands[1])
            items: Any = [operands[2]]
        elif op == b"TJ":
            items = operands[0]
        else:
            items = [operands[0]]
        m = _mult(tm, cm)
        h = self._size * m[3]
        # only upright, horizontal text can be put in columns (a little shear is a synthetic italic)
        upright = m[0] > 0 and h > 0 and abs(m[1]) <= 0.05 * m[0] and abs(m[2]) <= 0.5 * m[3]
        adv = self._width(items) * m[0] if upright else 0.0
        state = (self._font, self._size, self._tc, self._tw, self._tz)
        piece = (state, b"Tj" if op in (b"'", b'"') else op, [operands[2]] if op == b'"' else
                 [operands[0]] if op == b"'" else operands)
        if self._cont and self.segs:
            seg = self.segs[-1]
            self._adv += adv
            seg.x1 = max(seg.x1, seg.x0 + self._adv)
            seg.pieces.append(piece)
        else:
            self._adv = adv
            x0, x1 = (m[4], m[4] + adv) if adv >= 0 else (m[4] + adv, m[4])
            self.segs.append(Seg(x0, x1, m[5], h, m, [piece], upright))
        self._cont = True


# -- columns --------------------------------------------------------------------------------------
@dataclass
class _Chunk:
    """Segments of one line that touch (gaps under half an em): a line of a column, a table cell."""
    x0: float
    x1: float
    y: float
    h: float
    ln: int  # line number on the page, top down
    segs: list[int]
    extents: list[tuple[float, float]]  # (x0, x1) of each segment


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2] if s else 0.0


def _chunks(boxes: list[tuple[float, float, float, float]]) -> list[_Chunk]:
    """Boxes joined into chunks: next to each other (gaps under half an em) and on one baseline give or take a sub-
    or superscript. Chunks are numbered into lines (`ln`) by their baselines."""
    order = sorted(range(len(boxes)), key=lambda i: (-boxes[i][2], boxes[i][0]))
    out: list[_Chunk] = []
    recent: list[_Chunk] = []  # chunks whose baseline is still within reach
    for i in order:
        x0, x1, y, h = boxes[i]
        recent = [c for c in recent if c.y - y <= 1.5 * max(c.h, h)]
        for c in recent:
            near = 0.5 * max(h, c.h)
            if abs(c.y - y) <= 0.5 * max(h, c.h) and x0 <= c.x1 + near and x1 >= c.x0 - near:
                c.x0, c.x1 = min(c.x0, x0), max(c.x1, x1)
                if h > c.h:
                    c.y, c.h = y, h  # the baseline of the line's main text, not of an exponent
                c.segs.append(i)
                c.extents.append((x0, x1))
                break
        else:
            c = _Chunk(x0, x1, y, h, 0, [i], [(x0, x1)])
            out.append(c)
            recent.append(c)
    out.sort(key=lambda c: (-c.y, c.x0))
    ln, base, size = -1, 0.0, 0.0
    for c in out:
        if ln < 0 or abs(base - c.y) > 0.5 * max(size, c.h):
            ln, base, size = ln + 1, c.y, c.h
        c.ln = ln
    return out


def _gutter(chunks: list[_Chunk]) -> float | None:
    """The middle of the widest vertical strip, in the middle 60% of the text, that the fewest chunks cross (at
    most 40% of them): where a column gutter would be."""
    em = _median([c.h for c in chunks])
    x0 = min(c.x0 for c in chunks)
    width = max(c.x1 for c in chunks) - x0
    if width < 15 * em or width > 20000:
        return None
    cov = [0] * (int(width) + 3)
    for c in chunks:
        cov[int(c.x0 - x0)] += 1
        cov[int(c.x1 - x0) + 1] -= 1
    run = 0
    for k in range(len(cov)):
        run += cov[k]
        cov[k] = run
    lo, hi = int(0.2 * width), int(0.8 * width)
    least = min(cov[lo:hi + 1])
    if least > 0.4 * len(chunks):
        return None
    best, start = (0, 0), None
    for k in range(lo, hi + 2):
        if k <= hi and cov[k] == least:
            start = k if start is None else start
        elif start is not None:
            best = max(best, (k - start, start))
            start = None
    if best[0] < 0.4 * em:
        return None
    return x0 + best[1] + best[0] / 2


def _prose(side: list[_Chunk]) -> bool:
    """Lines of running text: mostly long, and ending near the column's right edge (justified or ragged), unlike
    table cells (short, ragged by more than a word)."""
    em = _median([c.h for c in side])
    if _median([c.x1 - c.x0 for c in side]) < 8 * em:
        return False
    x1s = sorted(c.x1 for c in side)
    edge = x1s[int(0.9 * (len(x1s) - 1))]
    width = edge - _median([c.x0 for c in side])
    near = sum(1 for c in side if edge - c.x1 <= max(4 * em, 0.2 * width))
    return near >= 0.6 * len(side)


def _gaps(side: list[_Chunk]) -> tuple[list[tuple[float, float]], float]:
    """The vertical gaps of a side wider than its line pitch (baseline below, baseline above), and the pitch."""
    ys = sorted({c.ln: c.y for c in side}.values(), reverse=True)
    steps = [a - b for a, b in zip(ys, ys[1:])]
    pitch = _median(steps)
    return [(b, a) for a, b, s in zip(ys, ys[1:], steps) if s > 1.4 * pitch], pitch


def _cuts(left: list[_Chunk], right: list[_Chunk]) -> tuple[list[float], bool]:
    """Heights (top down) where the page is cut into bands read one after the other, and whether they are table
    rows. Rows: every vertical gap of one side is matched by one of the other, the lines below them on one
    baseline (cells that wrap; paragraphs of two columns of prose do not line up like that), so each row reads
    left cell then right cell. Else only gaps of
    four lines or more across both sides (a figure across the page): the columns above are read before those
    below."""
    (gl, pl), (gr, pr) = _gaps(left), _gaps(right)
    few, many = sorted((gl, gr), key=len)
    tol = 0.5 * max(pl, pr)  # the next row starts on one baseline in both cells

    def row(a: float, b: float, c: float, d: float) -> bool:
        return abs(a - c) <= tol and a < d and c < b

    if len(few) >= 2 and all(any(row(a, b, c, d) for c, d in many) for a, b in few):
        return sorted({(max(a, c) + min(b, d)) / 2 for a, b in gl for c, d in gr if row(a, b, c, d)},
                      reverse=True), True
    # a side also stands empty above its first line and below its last (a column that stops at a figure)
    inf = float("inf")
    gl += [(max(c.y for c in left), inf), (-inf, min(c.y for c in left))]
    gr += [(max(c.y for c in right), inf), (-inf, min(c.y for c in right))]
    return sorted({(max(a, c) + min(b, d)) / 2 for a, b in gl for c, d in gr
                   if min(b, d) - max(a, c) >= 4 * max(pl, pr) and abs(max(a, c) + min(b, d)) < inf},
                  reverse=True), False


def _single(side: list[_Chunk]) -> bool:
    lines: dict[int, int] = {}
    for c in side:
        lines[c.ln] = lines.get(c.ln, 0) + 1
    return sum(1 for n in lines.values() if n > 1) <= 0.3 * len(lines)


def _peel(chunks: list[_Chunk]) -> set[int]:
    """Running headers and footers (a line or two cut off from the body by a wide gap) are full-width blocks,
    so a right-aligned header is not read as the right column's first line: their line numbers."""
    ys = sorted({c.ln: c.y for c in chunks}.items())
    if len(ys) < 6:
        return set()
    pitch = _median([a[1] - b[1] for a, b in zip(ys, ys[1:])])
    cut: set[int] = set()
    for k in (0, 1):
        if ys[k][1] - ys[k + 1][1] > 2 * pitch:
            cut |= {ln for ln, _ in ys[:k + 1]}
            break
    for k in (1, 2):
        if ys[-k - 1][1] - ys[-k][1] > 2 * pitch:
            cut |= {ln for ln, _ in ys[-k:]}
            break
    return cut


def _cut(chunks: list[_Chunk], g: float) -> list[_Chunk]:
    """A chunk across the gutter none of whose segments crosses it is a left and a right line that nearly touch
    (a narrow gutter): two chunks."""
    out = []
    for c in chunks:
        if c.x0 < g < c.x1 and not any(a < g < b for a, b in c.extents):
            for keep in (lambda e: e[1] <= g, lambda e: e[0] >= g):
                part = [(i, e) for i, e in zip(c.segs, c.extents) if keep(e)]
                out.append(_Chunk(min(e[0] for _, e in part), max(e[1] for _, e in part), c.y, c.h, c.ln,
                                  [i for i, _ in part], [e for _, e in part]))
        else:
            out.append(c)
    return out


@dataclass
class _Layout:
    """A validated gutter, the heights where the page is cut into bands, and the layout of each side when that side
    is columns in turn (None: one column)."""
    g: float
    cuts: list[float]
    rows: bool  # the cuts are a table's rows
    sides: tuple[_Layout | None, _Layout | None]


def _layout(chunks: list[_Chunk], depth: int = 0) -> _Layout | None:
    """The column layout of these chunks (at most 4 columns), or None when they are not columns of prose."""
    if len(chunks) < 6:
        return None
    g = _gutter(chunks)
    if g is None:
        return None
    chunks = _cut(chunks, g)
    left = [c for c in chunks if c.x1 <= g]
    right = [c for c in chunks if c.x0 >= g]
    n_span = len(chunks) - len(left) - len(right)
    if len(left) < 3 or len(right) < 3 or n_span > 0.5 * (len(left) + len(right)):
        return None
    em = _median([c.h for c in chunks])
    x1s = sorted(c.x1 for c in left)
    extent = max(c.x1 for c in right) - min(c.x0 for c in left)
    x0s = sorted(c.x0 for c in right)
    if x0s[len(x0s) // 10] - x1s[int(0.9 * (len(x1s) - 1))] > max(6 * em, 0.1 * extent):
        return None  # a gutter wider than a few words: table columns (labels, then values far off), not prose
    ys = sorted(c.y for c in left)
    beside = 0
    for c in right:
        k = bisect_left(ys, c.y - em)
        beside += k < len(ys) and ys[k] <= c.y + em
    if beside < max(3, 0.3 * min(len(left), len(right))):
        return None  # not side by side: nothing to untangle
    sides: list[_Layout | None] = []
    for side in (left, right):
        if _single(side):
            if not _prose(side):
                return None
            sides.append(None)
        else:  # a side that is columns itself (3 columns): split in turn, or the page is not understood
            sub = _layout(side, depth + 1) if depth < 1 else None
            if sub is None:
                return None
            sides.append(sub)
    cuts, rows = _cuts(left, right)
    return _Layout(g, cuts, rows, (sides[0], sides[1]))


def _arrange(chunks: list[_Chunk], lay: _Layout, full: frozenset[int] | set[int] = frozenset()) -> list[_Chunk]:
    """Chunks in reading order: top down, each band between full-width lines (and cuts) read left side, then
    right side; lines in `full` (headers, footers) are full width wherever they stand."""
    chunks = _cut(chunks, lay.g)
    side = {id(c): 2 if c.ln in full else 0 if c.x1 <= lay.g else 1 if c.x0 >= lay.g else 2 for c in chunks}
    cuts = list(lay.cuts)
    out: list[_Chunk] = []
    band: list[_Chunk] = []

    def flush() -> None:
        for s in (0, 1):
            part = [c for c in band if side[id(c)] == s]
            sub = lay.sides[s]
            out.extend(_arrange(part, sub) if sub is not None and part else part)
        band.clear()

    for c in sorted(chunks, key=lambda c: (c.ln, c.x0)):
        while cuts and c.y < cuts[0]:
            cuts.pop(0)
            flush()
        if side[id(c)] == 2:
            flush()
            out.append(c)
        else:
            band.append(c)
    flush()
    return out


def reading_order(boxes: list[tuple[float, float, float, float]]) -> list[int] | None:
    """Indices of `boxes` ((x0, x1, baseline y, font size) in stream order, y up) in reading order when the page
    is set in columns and the stream does not already follow them; else None."""
    if not 6 <= len(boxes) <= 20000:  # (a page of single glyphs beyond that is not worth the time)
        return None
    chunks = _chunks(boxes)
    g = _gutter(chunks)
    if g is None:
        return None
    # only a stream that goes back and forth between the sides is reordered: one that already reads column by
    # column (most PDFs, checked first as it is cheap) keeps pypdf's text, whatever the heuristics made of it
    chunks = _cut(chunks, g)
    sides = [0 if c.x1 <= g else 1 for c in sorted(chunks, key=lambda c: min(c.segs)) if c.x1 <= g or c.x0 >= g]
    switches = sum(1 for a, b in zip(sides, sides[1:]) if a != b)
    if switches < max(6, 0.3 * len(sides)):
        return None
    lay = _layout(chunks)
    if lay is None:
        return None
    ordered = _arrange(chunks, lay, set() if lay.rows else _peel(chunks))
    # inside a chunk (a line of a column) the stream's order stays: exponents, fractions, accents as pypdf read them
    return [i for c in ordered for i in sorted(c.segs)]
