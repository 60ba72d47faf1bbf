"""PDF (pypdf): the text layer of every page (a page set in columns in reading order, see pdf_layout), then what
page layout did to it undone: running headers, footers and page numbers (repeated on most pages) kept once, words
hyphenated across a line break joined, and lines that continue a sentence joined so line breaks mark sentence and
paragraph ends."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, Document, LoadError, clean_text, clean_title, exc_reason, parse_date, require_text, \
    title_from_path
from .hidden import note
from .parse_budget import budgeted, guarded

if TYPE_CHECKING:
    from .pdf_layout import Seg

_EDGE = 2  # lines at the top and at the bottom of a page that can be a running header/footer
_HYPHENS = "-\u00ad\u2010"
_HYPHENATED = re.compile(rf"([^\W\d_]+)[{_HYPHENS}][ \t]*\n[ \t]*([^\W\d_]+)")
_KEEP_HYPHEN_PREFIXES = {"self", "well", "cross", "half", "non", "co", "anti", "pre", "post"}
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SHOWS = re.compile(rb"T[jJ]|['\"]")
_OBJECT_ID = re.compile(r"IndirectObject\((\d+), (\d+), \d+\)")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")  # Hebrew, Arabic...: columns read right to left


_PAGE_NUMBER = re.compile(r"^\W*(?:page|p\.|pg\.?|seite|pagina|página)?\s*#\s*(?:(?:of|/|von|de|sur)\s*#)?\W*$")


def _edge(n_lines: int) -> int:
    """How many lines at each edge are candidates: a short page has at most one header and one footer line."""
    return _EDGE if n_lines > 2 * _EDGE + 1 else min(1, n_lines)


def _edge_key(line: str, sole: bool = False) -> str:
    """The line with its digits aside ("Page 3 of 9" recurs), except where it is all its page says: one line per page
    that differs only in its numbers is content (a label or certificate per page), a scanner's stamp is the same."""
    text = " ".join(line.split()).lower()
    key = re.sub(r"\d+", "#", text)
    return text if sole and not _PAGE_NUMBER.match(key) else key


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Lines among the first/last `_EDGE` of a page that recur (digits aside: "Page 3 of 9") at the same edge of at
    least half the pages (3 pages or more) are furniture: kept where first seen (page numbers: nowhere), dropped
    from the other pages, so no chunk carries them and no sentence is cut by them at a page break."""
    if len(pages) < 3:
        return pages
    counts: Counter[tuple[str, str]] = Counter()
    for lines in pages:
        body = [x for x in lines if x.strip()]
        edge = _edge(len(body))
        sole = len(body) == 1
        seen = ({("top", _edge_key(x, sole)) for x in body[:edge]}
                | {("bottom", _edge_key(x, sole)) for x in body[-edge:]})
        counts.update(seen)
    need = max(3, (len(pages) + 1) // 2)
    # a line of numbers only ("12 340 5 600": table rows) is never furniture, unless it is a page number
    furniture = {k for k, n in counts.items() if n >= need and len(k[1]) <= 200
                 and (len(re.findall(r"[^\W\d_]", k[1])) >= 3 or _PAGE_NUMBER.match(k[1]))}
    if not furniture:
        return pages
    kept_once: set[tuple[str, str]] = set()
    out, content = [], False
    for lines in pages:
        idx = [i for i, x in enumerate(lines) if x.strip()]
        drop = set()
        edge = _edge(len(idx))
        for where, positions in (("top", idx[:edge]), ("bottom", idx[-edge:])):
            for i in positions:
                key = (where, _edge_key(lines[i], len(idx) == 1))
                if key in furniture:
                    if key in kept_once or _PAGE_NUMBER.match(key[1]):
                        drop.add(i)
                    else:
                        kept_once.add(key)
                        drop.add(-1 - i)  # kept, but not content
        content = content or any(i not in drop and -1 - i not in drop for i in idx)
        out.append([x for i, x in enumerate(lines) if i not in drop])
    return out if content else [[] for _ in pages]  # only furniture (a scan with the scanner's stamp): no text


def _dehyphenate(text: str) -> str:
    """"informa-\\ntion" -> "information"; "self-\\nservice" keeps its hyphen, and so does any word the document
    spells with a hyphen elsewhere. Only lower-case halves are joined (not "COVID-\\n19", not "Jean-\\nLuc")."""
    if not _HYPHENATED.search(text):
        return text
    words = Counter(w.lower() for w in _WORDS.findall(text))

    def join(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        if not (a[-1].islower() and b[0].islower()):
            return m.group(0)
        hyphenated, whole = f"{a}-{b}".lower(), f"{a}{b}".lower()
        if words[hyphenated] > words[whole] or (not words[whole] and a.lower() in _KEEP_HYPHEN_PREFIXES):
            return f"{a}-{b}"
        return a + b
    return _HYPHENATED.sub(join, text)


_CONTINUES = re.compile(r"(?<=[^\W_]|,)[ \t]*\n[ \t]*(?=[^\W\d_])")


def _reflow(text: str) -> str:
    """A line break between a line that does not end a sentence and one that starts in lower case is a wrapped
    line: made a space. Headings, list items and lines ending with '.', ':' keep their breaks."""
    return _CONTINUES.sub(lambda m: " " if text[m.end()].islower() else m.group(0), text)


# -- pages set in columns ---------------------------------------------------------------------------
def _replay_ops(segs: list[Seg], order: list[int]) -> list[tuple[list[Any], bytes]]:
    """A content stream of the segments' text operators in `order`: each segment placed by an absolute Tm (its
    matrix, the CTM folded in), the text state set where it changes, so pypdf decodes and spaces them as before."""
    from pypdf.generic import FloatObject

    ops: list[tuple[list[Any], bytes]] = [([], b"BT")]
    cur: tuple[Any, ...] = (None, None, 0.0, 0.0, 100.0)
    for i in order:
        seg = segs[i]
        for k, (state, op, operands) in enumerate(seg.pieces):
            if op == b"Do":  # a form XObject that shows text: pypdf reads it from the page's resources
                ops += [([], b"ET"), (operands, op), ([], b"BT")]
                continue
            font, size, tc, tw, tz = state
            if (font, size) != cur[:2] and font is not None:
                ops.append(([font, FloatObject(size)], b"Tf"))
            for value, was, name in ((tc, cur[2], b"Tc"), (tw, cur[3], b"Tw"), (tz, cur[4], b"Tz")):
                if value != was:
                    ops.append(([FloatObject(value)], name))
            cur = state
            if k == 0:
                ops.append(([FloatObject(v) for v in seg.m], b"Tm"))
            ops.append((operands, op))
    ops.append(([], b"ET"))
    return ops


def _shows_text(page: Any) -> bool:
    """Whether the page shows text: its own content, or a form XObject it draws (a page that only draws forms still
    has their hidden text judged, pdf_marks). Without, visitors would only make pypdf parse a drawing that it
    otherwise skips. Forms are looked into 3 deep, 64 at most: a form with too many forms is not judged."""
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        if _SHOWS.search(data):
            return True
        res = page.get("/Resources")
        if res is None and hasattr(page, "get_inherited"):
            res = page.get_inherited("/Resources")
    except Exception:
        return False
    left = [64]

    def forms_show(data: bytes, res: Any, depth: int) -> bool:
        if depth > 3 or re.search(rb"\bDo\b", data) is None:
            return False
        try:
            xobjs = res.get_object().get("/XObject") if res is not None else None
            forms = list(xobjs.get_object().values()) if xobjs is not None else []
        except Exception:
            return False
        for ref in forms:
            if left[0] <= 0:
                return False
            try:  # (one form that cannot be read does not hide the others)
                form = ref.get_object()
                if form.get("/Subtype") != "/Form":
                    continue  # (an image is not decoded)
                left[0] -= 1
                inner = form.get_data()
                if _SHOWS.search(inner) or forms_show(inner, form.get("/Resources"), depth + 1):
                    return True
            except Exception:
                continue
        return False

    return forms_show(data, res, 1)


def page_text(page: Any, fonts_seen: dict[int, Any] | None = None, redacted: list[int] | None = None,
              concealed: list[int] | None = None) -> str:
    """The page's text as pypdf extracts it; where the page is set in columns and its stream mixes them, the page's
    text operators replayed to pypdf in reading order (rotated ones, a margin stamp, after them). Text that a box
    was painted over (a redaction that left the text layer: a dark bar, a white-out; pdf_marks) is left out of the
    replay, and how many runs of it appended to `redacted`; so is text no reader sees (under 2 pt, off the page,
    invisible on a page without an image: pdf_marks.Covers.concealed), counted in `concealed`. Any other doubt or
    error keeps pypdf's own text: a page is never worse than before. `fonts_seen`: one dict for a document's pages,
    so each font is measured once."""
    if not _shows_text(page):
        return page.extract_text() or ""
    from .pdf_layout import Recorder, reading_order  # lazy: every command imports the loaders, few read a PDF
    from .pdf_marks import Covers

    rec = Recorder(_page_fonts(page), fonts_seen)
    cov = Covers(rec, page.get("/Resources"), page.pdf, _visible_box(page))
    text = page.extract_text(visitor_operand_before=cov.before, visitor_operand_after=cov.after) or ""
    if rec.unusable:
        return text
    cov.annotations(page)
    covered, unseen = cov.covered(), cov.concealed()
    hidden = covered | unseen
    upright = [i for i, s in enumerate(rec.segs) if s.upright]
    order = None
    if len(upright) >= 6 and len(upright) >= 0.9 * len(rec.segs):
        try:
            cols = reading_order([(rec.segs[i].x0, rec.segs[i].x1, rec.segs[i].y, rec.segs[i].h) for i in upright])
            if cols is not None and len(_RTL.findall(text)) <= 0.2 * len(text):
                order = [upright[k] for k in cols] + [i for i, s in enumerate(rec.segs) if not s.upright]
        except Exception:  # an odd page keeps pypdf's stream order rather than fail the file
            order = None
    if order is None and not hidden:
        return text
    order = [i for i in (range(len(rec.segs)) if order is None else order) if i not in hidden]
    try:
        from pypdf import PageObject
        from pypdf.generic import ContentStream, NameObject

        stream = ContentStream(None, page.pdf)
        stream.operations = _replay_ops(rec.segs, order)
        copy = PageObject(page.pdf)
        copy.update({k: v for k, v in page.items() if k != "/Contents"})
        copy[NameObject("/Contents")] = stream
        out = copy.extract_text() or ""
    except Exception:
        if not hidden:
            return text
        out = ""  # the covered text could not be left out: none of the page rather than a redacted name
    boxed = covered - unseen  # text both under a box and unseen is counted as unseen
    if boxed and redacted is not None:
        redacted.append(len(boxed))
    if unseen and concealed is not None:
        concealed.append(len(unseen))
    return out if hidden else out or text


def _visible_box(page: Any) -> Any:
    try:
        return page.cropbox
    except Exception:
        return None


def _page_fonts(page: Any) -> Any:
    """The page's /Resources /Font dictionary (inherited from its parents if need be), {} if none or damaged."""
    try:
        res = page.get("/Resources")
        if res is None and hasattr(page, "get_inherited"):
            res = page.get_inherited("/Resources")
        fonts = (res.get_object().get("/Font") if res is not None else None) or {}
        return fonts.get_object()
    except Exception:
        return {}


# -- TeX's T1 ligatures ---------------------------------------------------------------------------------------------
# TeX's T1 (Cork) encoding, and T2A/B/C which copy it there, put the ligatures ff, fi, fl, ffi, ffl at codes 27-31.
# A font without a ToUnicode map whose /Encoding does not name those codes makes pypdf give the control code itself,
# which clean_text drops: "staff meeting" was stored as "sta meeting". Read as letters only on strong evidence.
_LIGATURE_CODES = re.compile("[\x1b-\x1f]")
_T1_LIGATURES = {"\x1b": "ff", "\x1c": "fi", "\x1d": "fl", "\x1e": "ffi", "\x1f": "ffl"}
_SUBSET = re.compile(r"^[A-Z]{6}\+")  # a subset font's tag: ABCDEF+SFRM1000
# T1 fonts by name: the EC fonts (ecrm1000, ecbx1200, ...), cm-super (SFRM1000, ...: T1, or T2 with the ligatures at
# the same codes), a name with a "T1" part (Foo-T1); by encoding: a (non-standard) encoding name that says T1 or Cork
_T1_FONT = re.compile(r"^(?:EC|SF)[A-Z]{2}\d{4}$|(?:^|[-_])T1(?:$|[-_])", re.I)
_T1_ENCODING = re.compile(r"^/?(?:T1|Cork|EC)(?:-?Encoding)?$", re.I)
# TeX's Computer Modern fonts put other characters at those codes (OT1 cmr10: 27 is "œ", 28 "ø"; cmmi10: Greek;
# cmsy10: symbols): a page with one of them that may give the codes raw reads none as a ligature
_CM_FONT = re.compile(r"^CM[A-Z]{1,6}\d{1,2}$", re.I)


def _ligature_evidence(fonts: Any) -> tuple[bool, bool]:
    """(a T1 font, another font) among a page's fonts that may give codes 27-31 raw: a simple font without a ToUnicode
    map whose /Encoding does not name all of those codes. (False, False) on a page with a Computer Modern one."""
    t1 = other = False
    try:
        for ref in list(fonts.values())[:200]:
            font = ref.get_object()
            if font.get("/Subtype") == "/Type0" or "/ToUnicode" in font:
                continue
            enc = font.get("/Encoding")
            enc = enc.get_object() if enc is not None else None
            if isinstance(enc, dict):
                diffs, named, code = enc.get("/Differences"), set(), 0
                for x in (diffs.get_object() if diffs is not None else [])[:1024]:
                    if isinstance(x, int):
                        code = x
                    else:
                        named.add(code)
                        code += 1
                if named >= {27, 28, 29, 30, 31}:
                    continue  # pypdf reads those codes by their glyph names
                enc = enc.get("/BaseEncoding")
            desc = font.get("/FontDescriptor")
            names = [str(font.get("/BaseFont") or ""), str(desc.get_object().get("/FontName") or "") if desc else ""]
            names = [_SUBSET.sub("", n.lstrip("/")) for n in names]
            if any(_CM_FONT.match(n) for n in names):
                return False, False
            if any(_T1_FONT.search(n) for n in names) or (enc is not None and _T1_ENCODING.match(str(enc))):
                t1 = True
            else:
                other = True
    except Exception:  # a damaged font dictionary: no evidence
        return False, False
    return t1, other


def t1_ligatures(text: str, page: Any) -> str:
    """`text` (a page's) with TeX T1 ligature codes read as their letters: next to a letter where the page has a
    T1 font (by its name or encoding's), between two letters where it has another font that may give them raw (not
    a Computer Modern one). Any other such code (an ESC before a space or a bracket, a real control code) is left
    to clean_text, which drops it."""
    if not _LIGATURE_CODES.search(text):
        return text
    t1, other = _ligature_evidence(_page_fonts(page))
    if not (t1 or other):
        return text

    def letters(m: re.Match[str]) -> str:
        i = m.start()
        before = i > 0 and text[i - 1].isalpha()
        after = i + 1 < len(text) and text[i + 1].isalpha()
        return _T1_LIGATURES[m.group()] if (before and after) or (t1 and (before or after)) else m.group()
    return _LIGATURE_CODES.sub(letters, text)


def _has_images(page: Any) -> bool:
    try:
        xobjects = page["/Resources"].get_object().get("/XObject") or {}
        return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())
    except Exception:
        return False


def _title(meta: Any) -> str:
    title = clean_title(str(meta.get("/Title") or ""))  # one line: a /Title may hold NULs and control codes
    title = re.sub(r"^Microsoft (?:Word|PowerPoint|Excel) - ", "", title)  # what Office's print-to-PDF writes
    title = re.sub(r"\.(?:docx?|pptx?|xlsx?|rtf|odt)$", "", title, flags=re.I).strip()
    return "" if title.lower() in ("untitled", "untitled document", "document", "title") else title


def pdf_text(pages: list[str]) -> str:
    from .pdf_pages import strip_line_numbers

    split = [p.replace("\r\n", "\n").replace("\r", "\n").split("\n") for p in pages]
    lines = strip_running_lines(strip_line_numbers(split)[0])  # numbers first: a header stands below "1", "2"
    text = ""
    for page in lines:
        t = "\n".join(x.rstrip() for x in page).strip()
        if not t:
            continue
        # a page break inside a sentence or a word is a line break like any other, not a paragraph break
        mid = text and t[0].islower() and (text[-1].isalnum() or text[-1] == ","
                                          or text[-1] in _HYPHENS and text[-2:-1].isalpha())
        text += ("\n" if mid else "\n\n") + t if text else t
    return _reflow(_dehyphenate(text))


@budgeted("PDF", "millions of drawing operators on a page, or forms nested deep")  # (parse_budget.PARSE_SECONDS)
def load_pdf(path: Path, raw: bytes) -> Document:
    """A PDF's document, within the wall-time budget: a file that takes longer fails with a reason, and the ingest
    goes on with the next."""
    import pypdf
    from pypdf.errors import DependencyError, PdfReadError

    log = logging.getLogger("pypdf")
    log.setLevel(logging.ERROR)  # pypdf warns on every quirk; reasons go in the summary
    if not log.handlers:  # without a handler, logging's last resort printed pypdf's errors on stderr, with the
        log.addHandler(logging.NullHandler())  # file's bytes in them (a font named /X#1B#5B2J cleared the terminal)
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        head = raw.lstrip()[:1024].lower()  # what a download that failed saves under the .pdf name
        if head.startswith(b"<!doctype html") or b"<html" in head:
            raise LoadError("not a PDF: an HTML page (a login or error page saved as .pdf?)")
        if raw[:4] == b"PK\x03\x04":
            raise LoadError("not a PDF: a ZIP archive (a Word file? rename it)")
        raise LoadError("corrupt PDF: no %PDF header")
    aes = "encrypted PDF (AES): reading it needs the Python package 'cryptography'"
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # permission-only encryption opens with an empty password
            except DependencyError:
                raise LoadError(aes) from None
            except Exception:
                ok = 0
            if not ok:
                raise LoadError("encrypted PDF (password required)")
        pages = []
        scanned = []  # pages with images and no text: a scan (no OCR is done)
        fonts: dict[int, Any] = {}
        redacted: list[tuple[int, int]] = []  # (page, runs of text left out) where a redaction box covers text
        concealed: list[int] = []  # runs of text no reader sees, per page that has some (hidden.py)
        # how far the parse is, after each page (milliseconds each: a beat costs nothing); `guarded`: the ingest's beat
        # (a lock, a stop) is never interrupted halfway by the budget
        beat = guarded(PARSE_BEAT.get())
        total = len(reader.pages) if beat is not None else 0
        stop: Exception | None = None
        for n, page in enumerate(reader.pages, start=1):
            hidden: list[int] = []
            unseen: list[int] = []
            t = page_text(page, fonts, hidden, unseen)  # in column reading order where the page is set in columns
            t = t1_ligatures(t, page)
            if hidden:
                redacted.append((n, hidden[0]))
            concealed += unseen
            if not t.strip() and _has_images(page):
                scanned.append(n)
            pages.append(t)
            if beat is not None:
                try:
                    beat(min(1.0, n / total))
                except Exception as exc:  # the caller's (a stop asked for mid-file): not "corrupt PDF", not remembered
                    stop = exc
                    break
    except LoadError:
        raise
    except DependencyError:
        raise LoadError(aes) from None
    except (PdfReadError, Exception) as exc:  # pypdf raises many types on damaged files
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = _OBJECT_ID.sub(r"\1 \2 R", msg)  # pypdf names an object with its id() too: a reason differing per run
        raise LoadError(f"corrupt PDF: {exc_reason(msg[:160])}") from None
    if stop is not None:
        raise stop
    empty = ("no extractable text in PDF (scanned images? no OCR is done)" if scanned
             else "no extractable text in PDF (no text layer, no images)" if pages else "PDF has no pages")
    from .pdf_pages import form_values

    body = pdf_text(pages)
    form = form_values(reader, body)  # what was typed into a fillable form: not in the pages' text
    if form:
        body += "\n\nForm fields:\n" + "\n".join(form)
    text = require_text(clean_text(body, escapes=False), empty)  # a PDF's ESC is a glyph, not a terminal's
    shown = ", ".join(map(str, scanned[:10])) + (", …" if len(scanned) > 10 else "")
    notes = (f"{len(scanned)} of {len(pages)} pages are images without text (page {shown}: scanned? no OCR is "
             "done): answers cannot come from them",) if scanned else ()
    if redacted:
        shown = ", ".join(str(n) for n, _ in redacted[:10]) + (", …" if len(redacted) > 10 else "")
        runs = sum(k for _, k in redacted)
        notes += (f"{runs} run{'s' if runs > 1 else ''} of text under redaction boxes on {len(redacted)} of "
                  f"{len(pages)} pages (page {shown}) left out: the PDF still holds that text (docs/security.md)",)
    if concealed:
        notes += (note(sum(concealed), "run", "drawn under 2 pt, off the page or invisible"),)
    title = ""
    d = None
    try:  # metadata is optional: damaged metadata never costs the text
        meta = reader.metadata or {}
        title = _title(meta)
        d = parse_date(meta.get("/CreationDate")) or parse_date(meta.get("/ModDate"))
    except Exception:
        pass
    return Document(str(path), "pdf", title or title_from_path(path), text, d, sha256_bytes(raw), len(raw), notes)
