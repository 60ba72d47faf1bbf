"""PPTX slide decks (PowerPoint; LibreOffice Impress saving as .pptx; a .ppsx or macro-enabled .pptm reads the same,
its macros never opened), from the package's XML (slides_package.py: the zip, its guards, a hardened parser). Slides
in presentation order (presentation.xml's slide list through its relationships, not part names), each a
`## Slide N: title` line, then its shapes' text in reading order (top to bottom, left to right; a group as one
block), bullets as `- ` lines indented by level, table rows as `a | b` (under a header row `Label: value; …`, as a
sheet's: tablerows.doc_rows), chart titles and SmartArt nodes, then the speaker notes as a `Notes:` paragraph.
Hidden slides and hidden shapes are left out and counted in a note; slide numbers, dates and footers are not
content; a placeholder's prompt ("Click to add title") is the layout's, never read for text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, Document, LoadError, clean_text, clean_title, exc_line, exc_reason, parse_date, \
    require_text, title_from_path
from .hidden import note as hidden_note, unseen_text
from .parse_budget import budgeted, guarded
from .slides_hidden import SlideColours
from .slides_package import _A, _C, _DC, _DCT, _DGM, _MC, _P, _R, _Package, _main_part
from .tablerows import doc_rows
from .word import _letters, _roman

_SKIPPED_PH = {"sldNum", "dt", "ftr", "hdr", "sldImg"}  # slide numbers, dates, footers: not content
_TITLE_PH = {"title", "ctrTitle"}
# The prompts PowerPoint and Impress show in an empty placeholder: they live in the layout, but a converter that
# copied one into a slide is still not the deck's text (a placeholder holding nothing else is dropped).
_PROMPTS = {"click to add title", "click to add text", "click to add subtitle", "click to add notes",
            "click to edit master title style", "click to edit master text styles",
            "click to edit master subtitle style", "click to add an outline", "click icon to add picture",
            "click icon to add table", "click icon to add chart"}
_FURNITURE = re.compile(r"slidenum$|datetime")  # field types
_SPACES = re.compile(r"[ \t]{2,}|\t")
_ROW_EMU = 228_600  # a quarter inch: shapes whose tops are this close read as one row, left to right
_MIN_SZ = 200  # a run's size (a:rPr sz) in hundredths of a point: under 2 pt no one reads it (as DOCX's, hidden.py)


def _texts(el: Any) -> str:
    return "".join(t.text or "" for t in el.iter(f"{_A}t"))


def _tiny(run: Any) -> bool:
    """The run's own size is under 2 pt (a size inherited from a list style is not judged)."""
    rpr = run.find(f"{_A}rPr")
    try:
        return rpr is not None and rpr.get("sz") is not None and float(rpr.get("sz")) < _MIN_SZ
    except ValueError:
        return False


def _offset(xfrm: Any) -> tuple[int, int] | None:
    off = xfrm.find(f"{_A}off") if xfrm is not None else None
    try:
        return (int(off.get("y")), int(off.get("x"))) if off is not None else None
    except (TypeError, ValueError):
        return None


def _bullet(ppr: Any) -> tuple[str, str, int] | None | bool:
    """What a paragraph-properties element says of bullets: ("num", scheme, start), ("bullet", "", 0), False (buNone),
    None (nothing: the next in the chain decides)."""
    if ppr is None:
        return None
    for c in ppr.iterchildren():
        tag = c.tag
        if tag == f"{_A}buNone":
            return False
        if tag == f"{_A}buAutoNum":
            try:
                start = int(c.get("startAt") or 1)
            except ValueError:
                start = 1
            return "num", c.get("type") or "arabicPeriod", min(max(start, 1), 32_767)
        if tag in (f"{_A}buChar", f"{_A}buBlip"):
            return "bullet", "", 0
    return None


def _label(scheme: str, n: int) -> str:
    # letters grow with the number ("zz…"): a list of a million items would make labels of gigabytes (word.py's
    # _LABEL_LETTERS); past 1,000 (39 letters) a label is in digits
    num = (str(n) if n > 1000 else _letters(n) if scheme.startswith("alphaLc")
           else _letters(n).upper() if scheme.startswith("alphaUc") else _roman(n) if scheme.startswith("romanLc")
           else _roman(n).upper() if scheme.startswith("romanUc") else str(n))
    if scheme.endswith("ParenBoth"):
        return f"({num})"
    return num + (")" if scheme.endswith("ParenR") else "" if scheme.endswith("Plain") else ".")



def reading_order(found: list[tuple[tuple[Any, Any], int, list[str]]], row_gap: float) -> list[list[str]]:
    """Blocks ((top, left), file order, lines) in reading order: top to bottom, then left to right within a row (tops
    within `row_gap` of the row's first), file order breaking ties (shared with opendoc_slides.py)."""
    found = sorted(found)
    rows: list[list[tuple[tuple[Any, Any], int, list[str]]]] = []
    for item in found:
        if rows and item[0][0] - rows[-1][0][0][0] <= row_gap:
            rows[-1].append(item)
        else:
            rows.append([item])
    return [lines for row in rows for _, _, lines in sorted(row, key=lambda it: (it[0][1], it[1]))]


def hidden_slides_note(hidden: list[int]) -> str:
    """The note for slides the slide show skips, by number (shared with opendoc_slides.py)."""
    shown = ", ".join(map(str, hidden[:20])) + (", …" if len(hidden) > 20 else "")
    many = len(hidden) > 1
    return (f"{len(hidden)} hidden slide{'s' if many else ''} ({shown}) left out: the file still holds "
            f"{'them' if many else 'it'}, the slide show skips {'them' if many else 'it'} (docs/ingest.md, Slide decks)")

class _Deck:
    def __init__(self, pkg: _Package):
        self.pkg = pkg
        self.hidden_shapes = 0
        self.tiny_runs = 0  # runs of text under 2 pt, left out
        self.coloured_runs = 0  # runs in the colour behind them (or drawn without a fill), left out
        # part -> placeholder key -> (offset, lstStyle, (spPr, p:style): its fill)
        self.layouts: dict[str, dict[Any, tuple[Any, Any, Any]]] = {}
        self.roots: dict[str, Any] = {}  # layout and master parts, parsed once
        self.colours = SlideColours(pkg)
        self.scheme: dict[str, str] = {}  # the slide being read: scheme colours (slides_hidden)
        self.styles: dict[str, Any] = {}  # master part -> its p:txStyles
        self.masters: dict[str, str | None] = {}  # layout part -> its master part
        self.under: dict[str, bool] = {}  # layout or master part -> it draws a shape under the slide's (_drawn_under)

    # -- placeholders: where they sit and how they bullet, from the layout and the master -------------------------
    def _placeholders(self, part: str | None) -> dict[Any, tuple[Any, Any, Any]]:
        if not part:
            return {}
        if part not in self.layouts:
            found: dict[Any, tuple[Any, Any]] = {}
            root = self.roots[part] = self.pkg.xml(part)
            for sp in (root.iter(f"{_P}sp") if root is not None else ()):
                ph = sp.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
                if ph is None:
                    continue
                spec = (_offset(sp.find(f"{_P}spPr/{_A}xfrm")), sp.find(f"{_P}txBody/{_A}lstStyle"),
                        (sp.find(f"{_P}spPr"), sp.find(f"{_P}style")))
                if ph.get("idx"):
                    found.setdefault(("idx", ph.get("idx")), spec)
                found.setdefault(("type", ph.get("type") or "obj"), spec)
            if root is not None and root.tag == f"{_P}sldMaster":
                self.styles[part] = root.find(f"{_P}txStyles")
            self.layouts[part] = found
        return self.layouts[part]

    def _inherited(self, ph: Any, layout: str | None, master: str | None) -> list[tuple[Any, Any, Any]]:
        """The placeholder's specs in its layout then its master (matched by index, else type), nearest first."""
        kind = ph.get("type") or "obj"
        out = []
        lay = self._placeholders(layout)
        spec = lay.get(("idx", ph.get("idx"))) if ph.get("idx") else None
        spec = spec or lay.get(("type", kind)) or (lay.get(("type", "title")) if kind == "ctrTitle" else None)
        if spec:
            out.append(spec)
        base = {"ctrTitle": "title", "subTitle": "body", "obj": "body"}.get(kind, kind)
        spec = self._placeholders(master).get(("type", base))
        if spec:
            out.append(spec)
        return out

    # -- text -------------------------------------------------------------------------------------------------------
    def paragraphs(self, body: Any, chain: list[Any], default: str, line_break: str = "\n",
                   behind: str | None = None) -> list[str]:
        """A text body's paragraphs as lines: a bullet `- ` (or its number) indented two spaces a level. `chain`: the
        list styles that decide bullets after the paragraph's own properties (the shape's, its layout's and master's
        placeholder, the master's text style); `default`: bullets when none of them says (the master is missing);
        `behind`: the colour surely behind the text (slides_hidden), None: not known (colour is not judged)."""
        lines, counters = [], {}
        for p in body.iterchildren(f"{_A}p"):
            ppr = p.find(f"{_A}pPr")
            try:
                lvl = min(max(int(ppr.get("lvl") or 0), 0), 8) if ppr is not None else 0
            except ValueError:
                lvl = 0
            parts = []
            for r in p.iterchildren():
                if r.tag == f"{_A}fld" and _FURNITURE.match(r.get("type") or ""):
                    continue  # a slide number or today's date typed into a text box: as the placeholders, no content
                if r.tag in (f"{_A}r", f"{_A}fld"):
                    run = "".join(t.text or "" for t in r.iterchildren(f"{_A}t"))
                    if _tiny(r):  # 1-pt text planted on a slide ("ignore previous instructions"): left out, counted
                        self.tiny_runs += bool(run.strip())
                        continue
                    if run.strip() and self._unseen(r, behind):  # white on the white slide (round 52)
                        self.coloured_runs += 1
                        continue
                    parts.append(run)
                elif r.tag == f"{_A}br":
                    parts.append(line_break)
            text = _SPACES.sub(" ", "".join(parts)).strip()  # (tabs too: a slide aligns text with them)
            if not text:
                continue
            how = _bullet(ppr)
            for style in chain:
                if how is not None:
                    break
                how = _bullet(style.find(f"{_A}lvl{lvl + 1}pPr")) if style is not None else None
            if how is None:
                how = ("bullet", "", 0) if default else False
            for deeper in [k for k in counters if k > lvl]:
                del counters[deeper]
            if not how:
                counters.pop(lvl, None)
                lines.append(text)
                continue
            kind, scheme, start = how
            if kind == "num":
                counters[lvl] = counters[lvl] + 1 if lvl in counters else start
                label = _label(scheme, counters[lvl])
            else:
                counters.pop(lvl, None)
                label = "-"
            lines.append("  " * lvl + label + " " + " ".join(text.split()))
        return lines

    def _unseen(self, run: Any, behind: str | None) -> bool:
        """A run drawn without a fill, or in the colour behind it (hidden.unseen_text: DOCX's rule)."""
        colour = self.colours.run(run, self.scheme)
        return colour == "none" or unseen_text(colour=colour, behind=behind)

    def table(self, tbl: Any) -> list[str]:
        rows, above = [], {}
        for tr in tbl.iterchildren(f"{_A}tr"):
            cells: dict[int, str] = {}
            for col, tc in enumerate(tr.iterchildren(f"{_A}tc")):
                if tc.get("hMerge") in ("1", "true"):
                    continue  # covered by the cell on its left (gridSpan): read once
                if tc.get("vMerge") in ("1", "true"):
                    text = above.get(col, "")  # merged with the cell above: its text, so each row reads whole
                else:
                    body = tc.find(f"{_A}txBody")
                    text = " ".join(" ".join(self.paragraphs(body, [], "", " ")).split()) if body is not None else ""
                cells[col] = text
            above = cells
            if any(cells.values()):
                rows.append(cells)
        return doc_rows(rows)

    def frame(self, gf: Any, rels: dict[str, tuple[str, str]]) -> list[str]:
        """A graphic frame: a table, a chart's title, a SmartArt diagram's nodes."""
        data = gf.find(f"{_A}graphic/{_A}graphicData")
        if data is None:
            return []
        tbl = data.find(f"{_A}tbl")
        if tbl is not None:
            return self.table(tbl)
        uri = data.get("uri") or ""
        if uri.endswith("/chart"):
            ref = data.find(f"{_C}chart")
            target = rels.get(ref.get(f"{_R}id") or "") if ref is not None else None
            chart = self.pkg.xml(target[1]) if target else None
            title = chart.find(f"{_C}chart/{_C}title") if chart is not None else None
            text = " ".join(_texts(title).split()) if title is not None else ""
            return [f"Chart: {text}"] if text else []
        if uri.endswith("/diagram"):
            ref = data.find(f"{_DGM}relIds")
            target = rels.get(ref.get(f"{_R}dm") or "") if ref is not None else None
            model = self.pkg.xml(target[1]) if target else None
            out = []
            for pt in (model.iter(f"{_DGM}pt") if model is not None else ()):
                t = pt.find(f"{_DGM}t")
                text = " ".join(_texts(t).split()) if t is not None else ""
                if text and (pt.get("type") or "node") in ("node", "asst"):
                    out.append("- " + text)
            return out
        return []

    def shapes(self, tree: Any, ctx: dict[str, Any]) -> list[list[str]]:
        """The text blocks of a shape tree in reading order: top to bottom, then left to right within a row (tops
        within a quarter inch). A shape with no offset of its own or its layout's keeps its place after the shape
        before it in the file. The first title placeholder goes to ctx["title"], not into a block."""
        found: list[tuple[tuple[int, int], int, list[str]]] = []
        at = (-1, -1)
        for i, el in enumerate(_children(tree)):
            pos, lines = self.shape(el, ctx)
            if ctx["bg"] is not None and self._paints(el, ctx):
                ctx["bg"] = None  # what lies under the shapes drawn after it is not the background (round 52)
            at = pos or at
            if lines:
                found.append((at, i, lines))
        return reading_order(found, _ROW_EMU)

    def _paints(self, el: Any, ctx: dict[str, Any] | None) -> bool:
        """A shape the slide draws (not hidden) that paints over what is under it (slides_hidden.paints). `ctx`
        None: a layout's or master's own shape (its placeholders are not drawn on the slide)."""
        nv = next((c for c in el.iterchildren() if c.tag.startswith(_P) and c.tag.endswith("Pr")
                   and c.tag[len(_P):].startswith("nv")), None)
        cnv = nv.find(f"{_P}cNvPr") if nv is not None else None
        if cnv is not None and cnv.get("hidden") in ("1", "true"):
            return False
        ph = nv.find(f"{_P}nvPr/{_P}ph") if nv is not None else None
        if ph is not None and ctx is None:
            return False
        inherited = self._inherited(ph, ctx["layout"], ctx["master"]) if ph is not None and ctx else []
        return self.colours.paints(el, [spec[2] for spec in inherited])

    def _drawn_under(self, part: str | None) -> bool:
        """A layout or master draws a shape of its own under the slide's (a banner, a logo, a picture)."""
        if not part:
            return False
        if part not in self.under:
            root = self.roots.get(part)
            tree = root.find(f"{_P}cSld/{_P}spTree") if root is not None else None
            self.under[part] = tree is not None and any(self._paints(el, None) for el in _children(tree))
        return self.under[part]

    def shape(self, el: Any, ctx: dict[str, Any]) -> tuple[tuple[int, int] | None, list[str]]:
        tag = el.tag
        nv = next((c for c in el.iterchildren() if c.tag.startswith(_P) and c.tag.endswith("Pr")
                   and c.tag[len(_P):].startswith("nv")), None)
        cnv = nv.find(f"{_P}cNvPr") if nv is not None else None
        if cnv is not None and cnv.get("hidden") in ("1", "true"):
            self.hidden_shapes += bool(" ".join(_texts(el).split()))
            return None, []
        if tag == f"{_P}grpSp":
            lines = [line for block in self.shapes(el, ctx) for line in block]
            return _offset(el.find(f"{_P}grpSpPr/{_A}xfrm")), lines
        if tag == f"{_P}graphicFrame":
            return _offset(el.find(f"{_P}xfrm")), self.frame(el, ctx["rels"])
        if tag != f"{_P}sp":
            return None, []  # pictures, connectors, ink: no text
        ph = nv.find(f"{_P}nvPr/{_P}ph") if nv is not None else None
        pos = _offset(el.find(f"{_P}spPr/{_A}xfrm"))
        body = el.find(f"{_P}txBody")
        kind = (ph.get("type") or "obj") if ph is not None else None
        if kind in _SKIPPED_PH:
            return pos, []
        inherited = self._inherited(ph, ctx["layout"], ctx["master"]) if ph is not None else []
        if pos is None:
            pos = next((spec[0] for spec in inherited if spec[0] is not None), None)
        if body is None:
            return pos, []
        if kind is not None and " ".join(_texts(body).split()).lower() in _PROMPTS:
            return pos, []
        behind = self.colours.behind(el, [spec[2] for spec in inherited], ctx["bg"], self.scheme)
        if kind in _TITLE_PH and ctx["title"] is None:
            ctx["title"] = " ".join(" ".join(self.paragraphs(body, [], "", " ", behind)).split())
            return pos, []
        styles = self.styles.get(ctx["master"] or "")
        if styles is not None:
            which = "titleStyle" if kind in _TITLE_PH else "bodyStyle" if kind in ("body", "obj") else "otherStyle"
            master_style = styles.find(f"{_P}{which}")
        else:
            master_style = None
        chain = [body.find(f"{_A}lstStyle"), *(spec[1] for spec in inherited), master_style]
        default = "bullet" if styles is None and kind in ("body", "obj") else ""
        return pos, self.paragraphs(body, chain, default, behind=behind)

    def notes(self, part: str | None) -> list[str]:
        root = self.pkg.xml(part) if part else None
        tree = root.find(f"{_P}cSld/{_P}spTree") if root is not None else None
        lines: list[str] = []
        for sp in (tree.iter(f"{_P}sp") if tree is not None else ()):
            ph = sp.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
            body = sp.find(f"{_P}txBody")
            if ph is not None and ph.get("type") == "body" and body is not None:
                if " ".join(_texts(body).split()).lower() not in _PROMPTS:
                    lines += self.paragraphs(body, [], "")
        return lines

    def slide(self, number: int, part: str) -> tuple[str | None, list[str]] | None:
        """The slide's title and lines (its heading first), None for a hidden slide."""
        root = self.pkg.xml(part)
        if root is None:
            raise LoadError(f"damaged slide deck (slide {number}: part {exc_reason(part[:80])} is missing)")
        if root.get("show") in ("0", "false"):
            return None
        rels = self.pkg.rels(part)
        layout = next((t for k, t in rels.values() if k == "slideLayout"), None)
        if layout and layout not in self.masters:
            self.masters[layout] = self.pkg.related(layout, "slideMaster")
        ctx = {"rels": rels, "layout": layout, "master": self.masters.get(layout or ""), "title": None}
        self._placeholders(ctx["master"])  # reads the master's text styles too (bullets of text boxes, placeholders)
        self._placeholders(layout)
        self.scheme = self.colours.scheme(ctx["master"], root, self.roots.get(ctx["master"] or ""))
        ctx["bg"] = self.colours.background([root, self.roots.get(layout or ""), self.roots.get(ctx["master"] or "")],
                                            ctx["master"], self.scheme)
        if self._drawn_under(layout) or self._drawn_under(ctx["master"]):
            ctx["bg"] = None  # a banner or picture of the template's under the slide's shapes: not judged
        tree = root.find(f"{_P}cSld/{_P}spTree")
        blocks = self.shapes(tree, ctx) if tree is not None else []
        title = ctx["title"] or None
        lines = [f"## Slide {number}: {title}" if title else f"## Slide {number}"]
        lines += ["\n".join(block) for block in blocks]
        notes = self.notes(next((t for k, t in rels.values() if k == "notesSlide"), None))
        if notes:
            lines.append("Notes: " + "\n".join(notes))
        return title, lines


def _children(tree: Any) -> list[Any]:
    """A shape tree's shapes; of markup-compatibility alternatives the first choice (an equation, a newer shape),
    never its fallback copy (a picture of it)."""
    out = []
    for c in tree.iterchildren():
        if c.tag == f"{_MC}AlternateContent":
            choice = c.find(f"{_MC}Choice")
            out += _children(choice) if choice is not None else []
        elif isinstance(c.tag, str):
            out.append(c)
    return out


@budgeted("PPTX", "a deck of millions of shapes")  # the one budget of every loader (parse_budget.PARSE_SECONDS)
def load_pptx(path: Path, raw: bytes) -> Document:
    if not raw:
        raise LoadError("empty document")
    suffix = path.suffix.lower() or ".pptx"
    try:
        pkg = _Package(raw, suffix)
        main = _main_part(pkg, suffix)
        pres = pkg.xml(main)
        rels = pkg.rels(main)
        order = [rels.get(s.get(f"{_R}id") or "") for s in pres.iterfind(f"{_P}sldIdLst/{_P}sldId")]
        core = pkg.xml(pkg.related("", "core-properties") or "docProps/core.xml")
    except LoadError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, lxml's XMLSyntaxError, zlib errors, ...
        raise LoadError(_damaged(exc)) from None
    deck, beat = _Deck(pkg), guarded(PARSE_BEAT.get())
    # each slide part once (part names are read without regard to case): a slide list naming one part 2,000 times
    # parsed it 2,000 times (a 6 KB deck, 200 M characters)
    slides = list({t[1].lower(): t[1] for t in order if t and t[0] == "slide"}.values())
    out, hidden, first_title = [], [], ""
    for n, part in enumerate(slides, 1):
        if beat is not None and n % 16 == 0:
            beat(n / len(slides))  # outside the try: a stop it raises is the caller's, not a damaged file
        try:
            got = deck.slide(n, part)
        except LoadError:
            raise
        except Exception as exc:
            raise LoadError(_damaged(exc, f"slide {n}")) from None
        if got is None:
            hidden.append(n)
            continue
        first_title = first_title or (got[0] or "")
        if got[0] or len(got[1]) > 1:  # a slide of no text at all (a picture, a blank) is no heading of its own
            out.append("\n\n".join(got[1]))
    if not slides:
        raise LoadError("empty document (a slide deck with no slides)")
    if len(hidden) == len(slides):
        raise LoadError(f"empty document (all {len(slides)} slides are hidden in the slide show)")
    text = require_text(clean_text("\n\n".join(out)))
    title = dd = None
    if core is not None:
        t = core.find(f"{_DC}title")
        title = clean_title(t.text or "") if t is not None else None
        for name in ("created", "modified"):
            d = core.find(f"{_DCT}{name}")
            dd = dd or (parse_date(d.text) if d is not None else None)
    notes = [hidden_slides_note(hidden)] if hidden else []
    shapes, runs = deck.hidden_shapes, deck.tiny_runs + deck.coloured_runs
    if shapes or runs:  # one note, as DOCX's hidden runs
        how = [w for w, n in (("hidden in the selection pane", shapes), ("under 2 pt", deck.tiny_runs),
                              ("in the colour behind it", deck.coloured_runs)) if n]
        notes.append(hidden_note(shapes + runs, "shape" if not runs else "run" if not shapes else "shape or run",
                                 ", or ".join(how)))
    return Document(str(path), "pptx", title or clean_title(first_title) or title_from_path(path), text, dd,
                    sha256_bytes(raw), len(raw), tuple(notes))


def _damaged(exc: Exception, where: str = "") -> str:
    msg = exc_line(exc)
    if re.search(r"encrypted|password", msg, re.I):
        return "encrypted slide deck (its zip is password protected)"
    return f"damaged slide deck ({where + ': ' if where else ''}{exc_reason(msg[:160])})"
