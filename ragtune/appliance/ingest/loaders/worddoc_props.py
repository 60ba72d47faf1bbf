"""The formatting of a Word 97-2003 document (worddoc.py), as far as reading its text needs it: the formatted disk pages
(FKPs) of character and paragraph properties and their sprms, the style sheet (STSH), and which characters a reader
cannot see: formatted hidden (sprmCFVanish, directly or through a paragraph or character style), drawn under 2 pt, or
white with nothing behind it but a white page (DOCX's rule, `hidden.unseen_text`: shading, a highlight, a table cell
or a page colour may lie behind white text, so it is then not judged). Bounded as worddoc.py is: every offset is
checked against its stream; a damaged style sheet is not read (its styles then hide nothing), never a failure."""

from __future__ import annotations

import re
import struct
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Iterator
from dataclasses import dataclass, field

from .hidden import unseen_text

FKP = 512
# character sprms: hidden, character style, size (half-points), colour (an index, an RGB), highlight, shading (two)
VANISH, ISTD, HPS, ICO, CV, HIGHLIGHT, SHD80, SHD = 0x083C, 0x4A30, 0x4A43, 0x2A42, 0x6870, 0x2A0C, 0x4866, 0xCA71
IN_TABLE, TTP, PSHD80, PSHD = 0x2416, 0x2417, 0x442D, 0xC64D  # paragraph sprms: in a table, row end, shading
VANISHED, UNSEEN = 0, 1  # why a run is not seen: formatted hidden; under 2 pt or white on white
_DEFAULT_CHAR_STYLE = 10  # "Default Paragraph Font": a run without sprmCIstd
# a run's look: hidden, size in half-points, colour (hex, "" for one not white, None for auto), something behind it
Look = tuple[bool, int | None, str | None, bool]
_PLAIN: Look = (False, None, None, False)


class Bad(Exception):
    """Damage found in the WordDocument or table stream (worddoc.py words it as "damaged DOC: ...")."""


def u32(data: bytes, at: int, what: str) -> int:
    if at < 0 or at + 4 > len(data):
        raise Bad(f"{what} lies past the end of its stream")
    return struct.unpack_from("<I", data, at)[0]


def span(data: bytes, fc: int, lcb: int, what: str) -> bytes:
    if fc + lcb > len(data):
        raise Bad(f"{what} ({lcb:,} bytes at {fc:,}) lies past the end of its {len(data):,}-byte stream")
    return data[fc:fc + lcb]


def fkp_runs(word: bytes, table: bytes, fc: int, lcb: int, papx: bool) -> list[tuple[int, int, bytes, int]]:
    """(fc start, fc end, grpprl, istd) of each character run (papx=False, istd 0) or paragraph (papx=True) with
    properties, from the bin table's formatted disk pages (FKPs) in the WordDocument stream: each page read once, within
    the stream; runs that overlap (no real file's do) are cut so that a byte is in one run at most."""
    if lcb < 12:
        return []
    plc = span(table, fc, lcb, "a formatting bin table")
    n = (len(plc) - 4) // 8
    pns = struct.unpack_from(f"<{n}I", plc, 4 * (n + 1))
    step = 13 if papx else 1
    runs: list[tuple[int, int, bytes, int]] = []
    for pn in sorted({p & 0x3FFFFF for p in pns}):
        page = span(word, pn * FKP, FKP, "a formatting page (FKP)")
        crun = page[511]
        if 4 * (crun + 1) + crun * step > 511:
            raise Bad("a formatting page (FKP) claims more runs than it holds")
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for i in range(crun):
            off = page[4 * (crun + 1) + i * step] * 2
            if not off or fcs[i + 1] <= fcs[i]:
                continue  # no properties (the defaults), or an empty run
            istd = 0
            if papx:  # PapxInFkp: cb, then 2*cb - 1 bytes (cb 0: a second cb, then 2*cb bytes); an istd first
                cb = page[off]
                size, at = (2 * cb - 1, off + 1) if cb else (2 * page[min(off + 1, 511)], off + 2)
                grpprl = page[at + 2:at + size]
                istd = int.from_bytes(page[at:at + 2], "little") if at + 2 <= 512 else 0
            else:  # Chpx: cb, then cb bytes
                grpprl = page[off + 1:off + 1 + page[off]]
            runs.append((fcs[i], fcs[i + 1], grpprl, istd))
    runs.sort(key=lambda r: r[0])
    out: list[tuple[int, int, bytes, int]] = []
    for start, end, grpprl, istd in runs:
        start = max(start, out[-1][1]) if out else start
        if start < end:
            out.append((start, end, grpprl, istd))
    return out


def _walk(grpprl: bytes) -> Iterator[tuple[int, bool, bytes]]:
    """(sprm, variable, operand) of each sprm of a grpprl in order, a variable operand without its size byte; stops
    at sprmTDefTable (0xD608) and sprmPChgTabs (0xC615), whose size byte does not hold their size: read no further."""
    at = 0
    while at + 2 < len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        spra = sprm >> 13
        if spra == 6:
            if sprm in (0xD608, 0xC615):
                return
            size, at = grpprl[at], at + 1
        else:
            size = (1, 1, 2, 4, 2, 2, 0, 3)[spra]
        yield sprm, spra == 6, grpprl[at:at + size]
        at += size


def operands(grpprl: bytes) -> dict[int, bytes]:
    """Each sprm of a grpprl with its operand (a variable one without its size byte); a later one wins, as in Word.
    The first byte of an operand is all `sprms` reads (a toggle, a flag)."""
    return {sprm: op for sprm, _var, op in _walk(grpprl)}


def sprms(grpprl: bytes) -> dict[int, int]:
    """The first operand byte of each fixed-size sprm in a grpprl (the first of a sprm given twice)."""
    out: dict[int, int] = {}
    for sprm, var, op in _walk(grpprl):
        if not var:
            out.setdefault(sprm, op[0])
    return out


class Runs:
    """Property runs by byte offset (disjoint, sorted): the sprms asked for, per run."""

    def __init__(self, runs: list[tuple[int, int, bytes, int]], wanted: tuple[int, ...]) -> None:
        self.starts = [r[0] for r in runs]
        self.ends = [r[1] for r in runs]
        self.props = [{s: v for s, v in sprms(r[2]).items() if s in wanted} for r in runs]

    def at(self, fc: int) -> dict[int, int]:
        i = bisect_right(self.starts, fc) - 1
        return self.props[i] if i >= 0 and fc < self.ends[i] else {}


@dataclass
class Style:
    base: int
    chpx: dict[int, bytes]
    papx: dict[int, bytes] = field(default_factory=dict)
    char: bool = False  # a character style (stk 2), else a paragraph style


def styles(table: bytes, fc: int, lcb: int) -> dict[int, Style]:
    """The paragraph and character styles of the style sheet (STSH) by istd; {} when it is missing or damaged."""
    try:
        data = span(table, fc, lcb, "the style sheet")
        if len(data) < 6:
            return {}
        cb_stshi, cstd, cb_base = struct.unpack_from("<HHH", data, 0)
        at, out = 2 + cb_stshi, {}
        for istd in range(min(cstd, 4095)):
            if at + 2 > len(data):
                break
            cb = struct.unpack_from("<H", data, at)[0]
            std = data[at + 2:at + 2 + cb]
            at += 2 + cb
            if cb < max(cb_base, 10) + 4:
                continue  # an empty slot
            stk_base, cupx = struct.unpack_from("<HH", std, 2)
            stk, pos = stk_base & 0xF, cb_base
            pos += 2 + 2 * struct.unpack_from("<H", std, pos)[0] + 2  # the name (Xstz: count, UTF-16, terminator)
            upx = []
            for _ in range(cupx & 0xF):
                if pos + 2 > len(std):
                    break
                size = struct.unpack_from("<H", std, pos)[0]
                upx.append(std[pos + 2:pos + 2 + size])
                pos += 2 + size + (size & 1)
            if stk == 1 and len(upx) >= 2:  # a paragraph style: its paragraph (istd first), then character sprms
                out[istd] = Style(stk_base >> 4, operands(upx[1]), operands(upx[0][2:]))
            elif stk == 2 and upx:  # a character style
                out[istd] = Style(stk_base >> 4, operands(upx[0]), char=True)
        return out
    except (Bad, struct.error):
        return {}


def page_coloured(table: bytes, fc: int, lcb: int) -> bool:
    """Whether the page has a colour (Page Color, Format > Background): the fill of the background shape Word keeps in
    its drawings (OfficeArt, fcDggInfo). Word writes that shape, unfilled, in every document; a filled one that is
    not plain white (a colour, a pattern, a picture), or one whose properties cannot be read, counts as coloured
    (white text may show on it). A byte scan for the shape record (FSP, 0xF00A) flagged fBackground."""
    if not lcb or fc + lcb > len(table):
        return False
    data = table[fc:fc + lcb]
    at = data.find(b"\x0a\xf0", 2)
    while at >= 0:
        if at + 14 <= len(data) and struct.unpack_from("<I", data, at + 2)[0] == 8 and \
                struct.unpack_from("<I", data, at + 10)[0] & 0x400:
            return _filled(data, at + 14)
        at = data.find(b"\x0a\xf0", at + 1)
    return False


def _filled(data: bytes, at: int) -> bool:
    """The background shape's properties (OPT, 0xF00B, right after its FSP) say it is filled with other than white."""
    if at + 8 > len(data) or struct.unpack_from("<H", data, at + 2)[0] != 0xF00B:
        return True  # (not known: counted as coloured)
    props = {}
    for i in range(struct.unpack_from("<H", data, at)[0] >> 4):
        if at + 14 + 6 * i > len(data):
            break
        pid, value = struct.unpack_from("<HI", data, at + 8 + 6 * i)
        props[pid & 0x3FFF] = value
    fill = props.get(0x01BF)  # fill booleans: fFilled (bit 4), and whether it is set (bit 20)
    if fill is not None and fill & 0x100000 and not fill & 0x10:
        return False
    # a fill type other than solid (pattern, texture, picture, gradient), or a colour other than white (the default)
    return props.get(0x0180, 0) != 0 or props.get(0x0181, 0xFFFFFF) != 0xFFFFFF


def _toggle(op: int, base: bool) -> bool:
    return {0: False, 1: True, 0x80: base, 0x81: not base}.get(op, base)


def _shaded(op: bytes, pattern80: bool) -> bool:
    """A shading operand paints something behind the text: Shd80 (2 bytes: any but all-clear), Shd (colours, then a
    pattern: a pattern, or a back colour neither automatic nor white)."""
    if pattern80:
        return len(op) >= 2 and struct.unpack_from("<H", op, 0)[0] != 0
    if len(op) < 10:
        return bool(op)
    back, ipat = op[4:8], struct.unpack_from("<H", op, 8)[0]
    return ipat not in (0, 0xFFFF) or not (back[3] == 0xFF or back[:3] == b"\xff\xff\xff")


def _para_shaded(ops: dict[int, bytes]) -> bool:
    return (PSHD80 in ops and _shaded(ops[PSHD80], True)) or (PSHD in ops and _shaded(ops[PSHD], False))


def _apply(look: Look, ops: dict[int, bytes]) -> Look:
    hidden, hps, colour, behind = look
    if VANISH in ops and ops[VANISH]:
        hidden = _toggle(ops[VANISH][0], hidden)
    if HPS in ops and len(ops[HPS]) == 2:
        hps = struct.unpack_from("<H", ops[HPS])[0]
    if CV in ops and len(ops[CV]) == 4:  # COLORREF: red, green, blue, then 0xFF for "automatic"
        op = ops[CV]
        colour = None if op[3] == 0xFF else "FFFFFF" if op[:3] == b"\xff\xff\xff" else ""
    elif ICO in ops and ops[ICO]:
        colour = {0: None, 8: "FFFFFF"}.get(ops[ICO][0], "")  # ico 8: white
    behind = behind or bool(ops.get(HIGHLIGHT, b"\0")[:1] != b"\0") or \
        (SHD80 in ops and _shaded(ops[SHD80], True)) or (SHD in ops and _shaded(ops[SHD], False))
    return hidden, hps, colour, behind


_KEEP: Any = object()  # (a size or colour a style chain leaves as it found it)
# what a style chain does to a look, as one step: hidden (what it makes of not hidden, of hidden), size, colour (each
# _KEEP or a value), something behind (or-ed)
Step = tuple[tuple[bool, bool], Any, Any, bool]
_NO_STEP: Step = ((False, True), _KEEP, _KEEP, False)


def _step(ops: dict[int, bytes]) -> Step:
    """A style's own character properties as a step (_apply on a look of each hidden value, so the two agree)."""
    shown, hidden = _apply((False, _KEEP, _KEEP, False), ops), _apply((True, _KEEP, _KEEP, False), ops)
    return (shown[0], hidden[0]), shown[1], shown[2], shown[3]


def _then(a: Step, b: Step) -> Step:
    return ((b[0][a[0][0]], b[0][a[0][1]]), a[1] if b[1] is _KEEP else b[1], a[2] if b[2] is _KEEP else b[2],
            a[3] or b[3])


def _through(step: Step, look: Look) -> Look:
    return (step[0][look[0]], look[1] if step[1] is _KEEP else step[1], look[2] if step[2] is _KEEP else step[2],
            look[3] or step[3])


def _hides(look: Look) -> bool:
    return look[0] or (look[1] is not None and unseen_text(look[1] / 2)) or look[2] == "FFFFFF"


class Sight:
    """What a reader sees of each run: its direct character properties over its character style's over its paragraph
    style's (each style over the one it is based on)."""

    def __init__(self, stsh: dict[int, Style], page_colour: bool) -> None:
        self.stsh, self.page_colour = stsh, page_colour
        self._chains: dict[int, list[Style]] = {}
        self._looks: dict[tuple[int, int], Look] = {}
        self._steps: dict[int, Step] = {}  # style -> its chain's step
        self._own: dict[int, Step] = {}  # id of a Style -> its own properties' step
        self._para_shaded: dict[int, bool] = {}
        # a run without a character style: "Default Paragraph Font", where istd 10 is a character style (else none)
        default = stsh.get(_DEFAULT_CHAR_STYLE)
        self.default_char = _DEFAULT_CHAR_STYLE if default is not None and default.char else -1
        self.styles_hide = any(_hides(self.style_look(i, self.default_char)) for i in stsh)

    def chain(self, istd: int) -> list[Style]:
        """A style and those it is based on, the root first (a loop or a missing base ends it)."""
        got = self._chains.get(istd)
        if got is None:
            out: list[Style] = []
            seen: set[int] = set()
            at = istd
            while at in self.stsh and at not in seen and len(out) < 64:
                seen.add(at)
                out.append(self.stsh[at])
                at = self.stsh[at].base
            got = self._chains[istd] = out[::-1]
        return got

    def style_look(self, para: int, char: int) -> Look:
        key = (para, char)
        if key not in self._looks:
            look = _through(self.step(para), _PLAIN)
            self._looks[key] = _through(self.step(char), look) if char != para else look
        return self._looks[key]

    def step(self, istd: int) -> Step:
        """What a style's chain does to a look, walked once per style: a (paragraph, character) pair of styles then
        costs two steps, not two chains (a sheet of long chains and many pairs was quadratic)."""
        got = self._steps.get(istd)
        if got is None:
            got = _NO_STEP
            for st in self.chain(istd):
                own = self._own.get(id(st))
                if own is None:
                    own = self._own[id(st)] = _step(st.chpx)
                got = _then(got, own)
            self._steps[istd] = got
        return got

    def para_shaded(self, istd: int) -> bool:
        if istd not in self._para_shaded:
            self._para_shaded[istd] = any(_para_shaded(st.papx) for st in self.chain(istd))
        return self._para_shaded[istd]

    def why(self, run: dict[int, bytes] | None, para: dict[int, bytes] | None, para_istd: int) -> int | None:
        """VANISHED, UNSEEN, or None: the run is seen (or what is behind it is not known)."""
        char = self.default_char
        if run and ISTD in run and len(run[ISTD]) == 2:
            char = struct.unpack_from("<H", run[ISTD])[0]
        look = self.style_look(para_istd, char)
        if run:
            look = _apply(look, run)
        hidden, hps, colour, behind = look
        if hidden:
            return VANISHED
        if hps is not None and unseen_text(hps / 2):
            return UNSEEN
        if colour != "FFFFFF" or behind or self.page_colour or self.para_shaded(para_istd):
            return None  # (only white is judged, on the white page with nothing else behind it)
        if para and (para.get(IN_TABLE, b"\0")[:1] != b"\0" or _para_shaded(para)):
            return None  # a table cell (a table style may fill it) or a shaded paragraph
        return UNSEEN if unseen_text(colour=colour, behind="FFFFFF") else None


def _run_hides(ops: dict[int, bytes]) -> bool:
    return _hides(_apply(_PLAIN, ops))  # (a style's share: Sight.styles_hide)


def unseen_spans(pieces: list[tuple[int, int, int, int]], text: str, fc_of: Callable[[int], int],
                 chpx: list[tuple[int, int, bytes, int]], papx: list[tuple[int, int, bytes, int]],
                 sight: Sight) -> list[tuple[int, int, int]]:
    """(cp start, cp end, VANISHED or UNSEEN) of the text a reader does not see: each piece cut at its character
    runs' bounds and after each paragraph mark, a paragraph's properties being those at its mark (`fc_of`: a cp's
    place in the WordDocument stream). The cuts of one run (or of text without one) that follow each other in a piece
    are one span (a run hidden across paragraph marks counts once)."""
    c_ops = [operands(r[2]) for r in chpx]
    if not sight.styles_hide and not any(_run_hides(o) for o in c_ops):
        return []
    p_ops = [operands(r[2]) for r in papx]
    c_starts, c_ends = [r[0] for r in chpx], [r[1] for r in chpx]
    p_starts, p_ends = [r[0] for r in papx], [r[1] for r in papx]
    marks = [m.start() for m in re.finditer("[\r\x07]", text)]
    out: list[tuple[int, int, int]] = []
    for cp0, cp1, fc, w in pieces:
        last_run = -2  # (a run's span ends with its piece: one per piece and run, as round 52 counted them)
        cp1 = min(cp1, len(text))
        if cp1 <= cp0:
            continue
        end_fc = fc + (cp1 - cp0) * w
        cuts = {cp0, cp1}
        i = max(bisect_right(c_starts, fc) - 1, 0)
        while i < len(c_starts) and c_starts[i] < end_fc:
            cuts.update(cp0 + (x - fc + w - 1) // w for x in (c_starts[i], c_ends[i]) if fc < x < end_fc)
            i += 1
        j = bisect_left(marks, cp0)
        while j < len(marks) and marks[j] < cp1:
            cuts.add(marks[j] + 1)
            j += 1
        bounds = sorted(cuts)
        for a, b in zip(bounds, bounds[1:]):
            s = fc + (a - cp0) * w
            ci = bisect_right(c_starts, s) - 1
            ci = ci if ci >= 0 and s < c_ends[ci] else -1
            k = bisect_left(marks, a)
            pi = -1
            if k < len(marks):
                mark_fc = fc_of(marks[k])
                pi = bisect_right(p_starts, mark_fc) - 1
                pi = pi if pi >= 0 and mark_fc < p_ends[pi] else -1
            why = sight.why(c_ops[ci] if ci >= 0 else None, p_ops[pi] if pi >= 0 else None,
                            papx[pi][3] if pi >= 0 else 0)
            if why is None:
                last_run = -2
                continue
            if out and out[-1][1] == a and out[-1][2] == why and last_run == ci:
                out[-1] = (out[-1][0], b, why)
            else:
                out.append((a, b, why))
            last_run = ci
    return out
