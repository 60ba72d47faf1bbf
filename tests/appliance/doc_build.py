"""A tiny writer of Word 97-2003 documents (MS-DOC) for tests/appliance/test_r52_doc*.py, on top of msg_build's
compound-file writer: a WordDocument stream (the FIB, the pieces of text, character and paragraph formatting pages),
a 0Table/1Table stream (the piece table in a Clx, the formatting bin tables) and a SummaryInformation property set,
laid out as Word writes them. Invented content (CC0).

Text conventions of `word_doc`: "\\r" ends a paragraph, "\\x07" ends a table cell, ROW ends a table row (written as
Word's row-end \\x07 with fTtp), CELL_PARA ends a paragraph inside a cell (written as \\r with fInTable)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from .msg_build import Node, cfb, filetime

ROW, CELL_PARA = "\x1d", "\x1c"
VANISH = b"\x3c\x08\x01"  # sprmCFVanish on
IN_TABLE, TTP = b"\x16\x24\x01", b"\x17\x24\x01"


@dataclass
class Piece:
    text: str
    compressed: bool = True  # cp1252 bytes; False: UTF-16LE
    hidden: bool = False  # formatted hidden (a CHPX run with sprmCFVanish)
    props: bytes = b""  # more character sprms for the whole piece (round 53: a size, a colour, a character style)
    istd: int = 0  # the paragraph style of the paragraphs whose marks are in this piece (round 53)
    para: bytes = b""  # more paragraph sprms for them (round 53: shading)


def _fkp(runs: list[tuple[int, int, bytes | None]], papx: bool) -> bytes:
    """One formatted disk page: runs (fc start, fc end, grpprl or None for the defaults), contiguous; runs with the
    same properties share them, as Word's pages do."""
    page = bytearray(512)
    fcs = [r[0] for r in runs] + [runs[-1][1]]
    struct.pack_into(f"<{len(fcs)}I", page, 0, *fcs)
    crun = len(runs)
    step = 13 if papx else 1
    free = 511
    placed: dict[bytes, int] = {}
    for i, (_, _, grpprl) in enumerate(runs):
        if grpprl is None:
            continue
        if grpprl not in placed:
            if papx:
                body = grpprl  # the istd, then the sprms
                blob = bytes(((len(body) + 1) // 2,)) + body if len(body) % 2 else \
                    b"\0" + bytes((len(body) // 2,)) + body
            else:
                blob = bytes((len(grpprl),)) + grpprl
            free = (free - len(blob)) & ~1
            assert free >= 4 * (crun + 1) + crun * step, "too many runs for one page"
            page[free:free + len(blob)] = blob
            placed[grpprl] = free // 2
        page[4 * (crun + 1) + i * step] = placed[grpprl]
    page[511] = crun
    return bytes(page)


def _pages(runs: list[tuple[int, int, bytes | None]], papx: bool, first_pn: int) -> tuple[bytes, bytes]:
    """The pages for `runs` (at most 20 or 80 runs a page) and their bin table (PlcBte: first fcs, last end, pns)."""
    per = 20 if papx else 80
    groups = [runs[i:i + per] for i in range(0, len(runs), per)]
    pages = b"".join(_fkp(g, papx) for g in groups)
    fcs = [g[0][0] for g in groups] + [runs[-1][1]]
    plc = struct.pack(f"<{len(fcs)}I", *fcs) + struct.pack(f"<{len(groups)}I", *range(first_pn,
                                                                                    first_pn + len(groups)))
    return pages, plc


def _fill(runs: list[tuple[int, int, bytes | None]], start: int, end: int) -> list[tuple[int, int, bytes | None]]:
    out: list[tuple[int, int, bytes | None]] = []
    at = start
    for a, b, g in sorted(runs, key=lambda r: r[0]):
        if a > at:
            out.append((at, a, None))
        out.append((a, b, g))
        at = b
    if at < end:
        out.append((at, end, None))
    return out


def summary(title: str | None = None, created: datetime | None = None, saved: datetime | None = None, *,
            unicode_title: bool = False) -> bytes:
    """A \\x05SummaryInformation property set stream (code page 1252, title, creation and last-save times)."""
    props: list[tuple[int, bytes]] = [(1, struct.pack("<HHH2x", 2, 0, 1252)[:8])]
    if title is not None:
        if unicode_title:
            raw = title.encode("utf-16-le") + b"\0\0"
            props.append((2, struct.pack("<II", 0x1F, len(raw) // 2) + raw + b"\0" * (-len(raw) % 4)))
        else:
            raw = title.encode("cp1252") + b"\0"
            props.append((2, struct.pack("<II", 0x1E, len(raw)) + raw + b"\0" * (-len(raw) % 4)))
    for pid, when in ((12, created), (13, saved)):
        if when is not None:
            props.append((pid, struct.pack("<IQ", 0x40, filetime(when))))
    head = 8 + 8 * len(props)
    body, offsets = b"", []
    for pid, value in props:
        offsets.append((pid, head + len(body)))
        body += value
    pset = struct.pack("<II", head + len(body), len(props)) + b"".join(struct.pack("<II", p, o) for p, o in offsets)
    pset += body
    fmtid = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")
    return struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, b"\0" * 16, 1) + fmtid + struct.pack("<I", 48) + pset


def _notes_plc(notes: list[tuple[int, str]]) -> tuple[str, bytes, bytes]:
    """A note story (each note's text, then a guard paragraph mark) and its reference and text tables."""
    story = "".join(t for _, t in notes) + "\r"
    refs = [cp for cp, _ in notes] + [max(cp for cp, _ in notes) + 1]
    starts = [0]
    for _, t in notes:
        starts.append(starts[-1] + len(t))
    ref = struct.pack(f"<{len(refs)}I", *refs) + struct.pack(f"<{len(notes)}h", *[1] * len(notes))
    return story, ref, struct.pack(f"<{len(starts) + 1}I", *starts, starts[-1] + 1)


def _cp1252(text: str) -> bool:
    """Whether a note story can be a compressed (cp1252) piece; else it is written as UTF-16 (an emoji in a note)."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def word_stream_and_table(pieces: list[Piece], *, after: str = "", encrypted: bool = False, table: str = "1Table",
                          nfib: int = 0xC1, reverse: bool = False, prc: bool = True, papx: bool = True,
                          ccp_text: int | None = None, footnotes: list[tuple[int, str]] | None = None,
                          endnotes: list[tuple[int, str]] | None = None, stsh: bytes | None = None,
                          dgg: bytes | None = None, wident: int = 0xA5EC) -> tuple[bytes, bytes]:
    """The WordDocument and table streams. `after`: text past the main document (a footnote's), counted as ccpFtn.
    `reverse`: the pieces' bytes stored in the opposite order (the piece table puts them back). Round 53:
    `footnotes`, `endnotes`: (reference cp in the main text, the note's text) each, with their tables; `stsh`: a
    style sheet (`style_sheet`); `dgg`: the drawings (fcDggInfo); `wident`: the FIB's first word."""
    stories = [(k, _notes_plc(n)) for k, n in (("ftn", footnotes), ("edn", endnotes)) if n]
    pieces = list(pieces) + ([Piece(after)] if after else []) + [Piece(story, compressed=_cp1252(story))
                                                                  for _, (story, _, _) in stories]
    out_pieces = []  # (text as written, compressed, hidden and props, marks: [(index, istd + grpprl)])
    for p in pieces:
        marks = []
        text = ""
        istd = struct.pack("<H", p.istd)
        for ch in p.text:
            if ch == ROW:
                marks.append((len(text), istd + IN_TABLE + TTP + p.para))
                ch = "\x07"
            elif ch == CELL_PARA:
                marks.append((len(text), istd + IN_TABLE + p.para))
                ch = "\r"
            elif ch == "\x07":
                marks.append((len(text), istd + IN_TABLE + p.para))
            elif ch == "\r" and (p.istd or p.para):
                marks.append((len(text), istd + p.para))
            text += ch
        out_pieces.append((text, p.compressed, (VANISH if p.hidden else b"") + p.props, marks))
    body = bytearray(b"\0" * 1024)  # the FIB, padded
    where: list[int] = [0] * len(out_pieces)
    for i in (reversed(range(len(out_pieces))) if reverse else range(len(out_pieces))):
        text, comp, _, _ = out_pieces[i]
        where[i] = len(body)
        body += text.encode("cp1252") if comp else text.encode("utf-16-le", "surrogatepass")  # (a pair: two cps)
        body += b"\0" * (len(body) % 2)
    text_start, text_end = 1024, len(body)
    body += b"\0" * (-len(body) % 512)
    chpx_runs, papx_runs = [], []
    for (text, comp, chpx, marks), fc in zip(out_pieces, where):
        w = 1 if comp else 2
        if chpx:
            chpx_runs.append((fc, fc + len(text) * w, chpx))
        for i, grpprl in marks:
            papx_runs.append((fc + i * w, fc + (i + 1) * w, grpprl))
    pages, chpx_plc = _pages(_fill(chpx_runs, text_start, text_end), False, len(body) // 512)
    body += pages
    if papx_runs and papx:
        pages, papx_plc = _pages(_fill(papx_runs, text_start, text_end), True, len(body) // 512)
        body += pages
    # the table stream: Clx (a Prc, then the Pcdt), PlcBteChpx, PlcBtePapx
    cps = [0]
    for text, *_ in out_pieces:
        cps.append(cps[-1] + len(text))
    pcds = b"".join(struct.pack("<HIH", 0, fc * 2 | 0x40000000 if comp else fc, 0)
                    for (_, comp, _, _), fc in zip(out_pieces, where))
    plc = struct.pack(f"<{len(cps)}I", *cps) + pcds
    clx = (b"\x01" + struct.pack("<h", 3) + b"\x3c\x08\x00" if prc else b"")
    clx += b"\x02" + struct.pack("<I", len(plc)) + plc
    tbl = bytearray(clx)
    pairs = {33: (0, len(clx))}
    pairs[12] = (len(tbl), len(chpx_plc))
    tbl += chpx_plc
    if papx_runs and papx:
        pairs[13] = (len(tbl), len(papx_plc))
        tbl += papx_plc
    for kind, (_, ref, txt) in stories:
        i = 2 if kind == "ftn" else 46
        pairs[i], pairs[i + 1] = (len(tbl), len(ref)), (len(tbl) + len(ref), len(txt))
        tbl += ref + txt
    for i, blob in ((1, stsh), (50, dgg)):
        if blob is not None:
            pairs[i] = (len(tbl), len(blob))
            tbl += blob
    story_len = {k: len(story) for k, (story, _, _) in stories}
    main = sum(len(t) for t, *_ in out_pieces) - len(after) - sum(story_len.values())
    flags = (0x0200 if table == "1Table" else 0) | (0x0100 if encrypted else 0)
    fib = struct.pack("<HHHHHHHIBBHHII", wident, nfib, 0, 0x0409, 0, flags, 0xBF, 0, 0, 0, 0, 0, 0, 0)
    fib += struct.pack("<H", 14) + b"\0" * 28
    lw = [0] * 22
    lw[0] = len(body)
    lw[3] = main if ccp_text is None else ccp_text
    lw[4] = len(after) + story_len.get("ftn", 0)
    lw[8] = story_len.get("edn", 0)
    fib += struct.pack("<H", 22) + struct.pack("<22I", *lw)
    blob = [0] * (93 * 2)
    for i, (fc, lcb) in pairs.items():
        blob[2 * i], blob[2 * i + 1] = fc, lcb
    fib += struct.pack("<H", 93) + struct.pack(f"<{93 * 2}I", *blob) + struct.pack("<H", 0)
    assert len(fib) <= 1024
    body[:len(fib)] = fib
    return bytes(body), bytes(tbl)


def word_doc(pieces: list[Piece] | str, *, title: str | None = None, created: datetime | None = None,
             table: str = "1Table", extra: list[Node] | None = None, v4: bool = False, **kw: object) -> bytes:
    """A .doc: `pieces` (a str: one compressed piece), the summary's title and creation time."""
    if isinstance(pieces, str):
        pieces = [Piece(pieces)]
    word, tbl = word_stream_and_table(pieces, table=table, **kw)  # type: ignore[arg-type]
    nodes = [Node("WordDocument", word), Node(table, tbl)]
    if title is not None or created is not None:
        nodes.append(Node("\x05SummaryInformation", summary(title, created)))
    return cfb(nodes + (extra or []), v4=v4)


def style_sheet(styles: dict[int, tuple[int, int, bytes, bytes]], *, base_size: int = 10) -> bytes:
    """A style sheet (STSH, round 53): istd -> (stk 1 paragraph or 2 character, istdBase, character sprms, paragraph
    sprms), each style named "s<istd>"; slots without a style are empty. `base_size`: cbSTDBaseInFile (10 as Word 97
    writes it, 18 as Word 2002 and later)."""
    n = max(styles) + 1 if styles else 0
    stshi = struct.pack("<HHHHHHHHH", n, base_size, 1, 0x5B, 0x0F, 0, 0, 0, 0)
    out = struct.pack("<H", len(stshi)) + stshi
    for istd in range(n):
        if istd not in styles:
            out += b"\0\0"
            continue
        stk, base, chpx, papx = styles[istd]
        name = f"s{istd}".encode("utf-16-le")
        std = struct.pack("<HHHHH", 0x0FFE, stk | base << 4, (2 if stk == 1 else 1) | istd << 4, 0, 0)
        std += b"\0" * (base_size - 10) + struct.pack("<H", len(name) // 2) + name + b"\0\0"
        upxs = [struct.pack("<H", istd) + papx, chpx] if stk == 1 else [chpx]
        for upx in upxs:
            std += struct.pack("<H", len(upx)) + upx + b"\0" * (len(upx) % 2)
        out += struct.pack("<H", len(std)) + std
    return out


def background_shape(fill: int | None = 0x00402000) -> bytes:
    """Drawings (fcDggInfo) holding the page's background shape (round 53): an FSP record flagged fBackground, then
    its properties (OPT) as Word writes them: `fill` None: not filled (Word's shape in every document without a page
    colour); else filled with that colour (0x00BBGGRR; 0xFFFFFF white)."""
    fsp = struct.pack("<HHI", 0x0012, 0xF00A, 8) + struct.pack("<II", 1025, 0x400 | 0x200 | 0x800)
    props = [(0x01BF, 0x100000 if fill is None else 0x100010), (0x01FF, 0x80000), (0x0304, 9)]
    if fill is not None:
        props.insert(0, (0x0181, fill))
    opt = struct.pack("<HHI", 0x0003 | len(props) << 4, 0xF00B, 6 * len(props))
    opt += b"".join(struct.pack("<HI", pid, value) for pid, value in props)
    sp = fsp + opt
    return struct.pack("<HHI", 0x0F, 0xF004, len(sp)) + sp


def assert_damage_survived(raw: bytes, load, seed: int, rounds: int = 300, seconds: float = 20.0) -> None:
    """`rounds` copies of `raw`, each with 1-8 random bytes changed, give a document or a one-line LoadError under
    300 characters, all within `seconds`."""
    import random
    import time

    from ragtune.appliance.ingest.loaders.base import LoadError

    rng = random.Random(seed)
    t = time.perf_counter()
    for _ in range(rounds):
        b = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        try:
            load(bytes(b))
        except LoadError as exc:
            assert "\n" not in exc.reason and len(exc.reason) < 300
    assert time.perf_counter() - t < seconds
