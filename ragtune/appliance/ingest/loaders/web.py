"""HTML: the text a reader sees: headings as `#` lines, data tables as `a | b` rows (`Label: value; …` under a marked
header row: web_tables.py), `<pre>` verbatim in a fenced block. Scripts, styles, navigation, cookie banners are not."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

from ...hashing import sha256_bytes
from .base import PARSE_BEAT, PARSE_BEAT_EVERY, Document, LoadError, clean_text, clean_title, exc_reason, \
    nul_separates, parse_date, require_text, title_from_path
from .hidden import HTML_HOW, HiddenStack, inline_kinds, note
from .hidden_css import REVEALABLE, element_kinds
from .hidden_paint import Backdrop, read_page
from .parse_budget import budgeted, guarded
from .web_charset import decode_html
from .web_tables import Room, Table as _Table, nest, relabel  # (_Table: a test counts its reads)

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header", "footer", "main",
          "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "hr", "form", "aside", "address",
          "details", "summary", "fieldset", "legend", "center", "menu"}
_PARA = {"p", "div", "section", "article", "table", "blockquote", "pre"}
_DROP = {"script", "style", "nav", "noscript", "template", "svg", "iframe", "object", "canvas"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
         "frame"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SPACED = {"button", "option", "label", "select", "textarea", "img", "input"}  # never glued to the next word
# A cell holding one of these, or a long text, is page layout, not a data cell: its row is written as paragraphs,
# not `a | b`. (Paragraphs and lists alone do not decide it: Word and wiki exports put a <p> in every data cell.)
_CELL_BLOCKS = {"table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "section", "article", "form"}
_LAYOUT_CELL_CHARS = 400
# Landmarks and banners that are site furniture: the same on every page, never the page's content.
_FURNITURE = re.compile(r"(?i)(?:^|[\s_-])(?:cookie|gdpr|consent)[-_]?(?:banner|bar|notice|consent|popup|modal|dialog|"
                        r"message|wall|overlay|container|box)(?:$|[\s_-])"
                        r"|onetrust|cookiebot|cookielaw|\bcc-(?:window|banner)\b")
# A <header>/<footer> outside any of these is the page's banner or footer (ARIA's banner and contentinfo). One that
# is mostly link text is the site's menu and links (Home, HR, Privacy), the same on every page: dropped, but for its
# <h1>. Others are kept: a page footer also says who wrote the page and when it is next reviewed.
_SECTIONING = {"article", "section", "main", "aside", "nav"}
_MENU_LINK_SHARE = 0.5
_WS = re.compile("[ \t\n\r\f\u00a0]+")  # HTML's collapsible white space (and NBSP, as a plain space)
_PRE_A, _PRE_B = "\ue000", "\ue001"  # around verbatim <pre> text while the rest is whitespace-normalised


class _HTMLText(HTMLParser):
    def __init__(self, sheet: object = None, paint: object = None, labels: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.labels = labels  # tables under a marked header row labelled (web_tables.py; a mail's body: not)
        self.sheet = sheet  # the page's <style> rules that hide (hidden_css.Sheet), None: none
        self.paint = paint  # what the page's sheets paint (hidden_paint.Paint), None: not judged
        self._backdrop = Backdrop(paint)  # the backgrounds around the element being read (text colour on them)
        # where text goes: the page, and above it a table cell or a banner being read (StringIO, not lists of
        # pieces: a 50 MB page is millions of pieces, ~60 bytes each as str objects)
        self.parts = io.StringIO()
        self.sinks: list[io.StringIO] = [self.parts]
        self.title_parts: list[str] = []
        self.h1: list[str] = []
        self.meta: dict[str, str] = {}
        self.frames: list[str] = []
        self.scripts = 0
        self._drop = 0
        self._furniture: tuple[str, int, int] | None = None  # (tag, open count, sink depth)
        # a page's <header>/<footer> being read: (tag, open count, sink depth, len(self.h1), self._link_chars)
        self._banner: tuple[str, int, int, int, int] | None = None
        self._sections = 0  # sectioning elements open (_SECTIONING)
        self._in_a = 0
        self._link_chars = 0  # non-space characters of link text so far
        self._tables: list[_Table] = []
        self._room = Room()  # what labelled tables may add to the page's text (web_tables.relabel)
        self._beat = guarded(PARSE_BEAT.get())  # how far the parse is, every PARSE_BEAT_EVERY start tags
        self._tags = 0
        self.stop: Exception | None = None  # what the beat raised (the caller's: a stop asked for mid-parse)
        self._lines = self._chars = 1  # of the page fed (load_html): the parse's position is a line and column
        self._pre: list[str] | None = None
        self._pre_depth = 0
        self._in_title = False
        self._heading: int | None = None
        self._hides = HiddenStack()  # the hidden elements being left out (hidden.py)

    hidden = property(lambda self: self._hides.count)  # hidden elements that held text
    sheet_chars = property(lambda self: self._hides.sheet_chars)  # hidden by a <style> rule (load_html: not most)

    # -- where text goes ----------------------------------------------------------------------------------------
    def _out(self, s: str) -> None:
        if self._pre is not None:
            self._pre.append(s)
        else:
            self.sinks[-1].write(s)

    def _pop_to(self, index: int) -> str:
        """Close the sink at `index` and every one above it (their text joined into it); return its text."""
        if self._furniture is not None and self._furniture[2] > index:
            self._furniture = None  # broken markup closed around it: its text is kept
        if self._banner is not None and self._banner[2] > index:
            self._banner = None
        # tables open in order of depth (each opens at the sinks' height, and only this lowers it): the ones above
        # `index` are the last. From the end: a filter of the whole list made 8,000 nested tables 8 s (quadratic).
        while self._tables and self._tables[-1].depth > index:
            self._tables.pop()
        self._merge_down(index)
        return self.sinks.pop().getvalue() if index >= 1 and len(self.sinks) > index else ""

    def _merge_down(self, index: int) -> None:
        while len(self.sinks) > index + 1:
            top = self.sinks.pop()
            self.sinks[-1].write(top.getvalue())

    def _end_row(self, t: _Table) -> None:
        t.end_cell(self._pop_to)
        row, t.row = t.row, None
        if not row:
            return
        if any(block or len(text) > _LAYOUT_CELL_CHARS for text, block, _ in row):
            self._out("".join(f"\n\n{text}\n\n" for text, _, _ in row))
            t.grid_row(None)  # (layout: not labelled)
        else:
            cells = [_WS.sub(" ", _squash(text)).strip() for text, _, _ in row]
            t.grid_row([(c, *th) for c, (_, _, th) in zip(cells, row)])
            if any(cells):  # `| a | b`, a row a paragraph: the form stored by every earlier version
                t.first_row(self.sinks[-1] if self._pre is None else None)
                self._out("\n" + "".join(f" | {c}" for c in cells) + "\n")

    def _end_table(self, t: _Table) -> None:
        self._end_row(t)
        relabel(t, self.sinks[-1] if self._pre is None else None, self._room)

    # -- parser events ------------------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tags += 1
        if self._beat is not None and not self._tags % PARSE_BEAT_EVERY:
            line, col = self.getpos()
            try:
                self._beat((line - 1) / self._lines if self._lines > 1 else col / self._chars)
            except Exception as exc:  # let through as itself (load_html): not "cannot parse HTML", not remembered
                self.stop = exc
                raise
        unseen = self._backdrop.start(tag, tag in _VOID, attrs)  # (every element: a hidden one's paint counts too)
        if not self._hides.start(tag, tag in _VOID, attrs, tag in _DROP, bool(self._drop)):
            return  # inside a hidden element (a descendant shown again is read as the page's own)
        if tag not in ("html", "body"):  # (a whole page hidden is scripts' flicker guard)
            kinds = inline_kinds(attrs)
            if unseen:
                kinds.add("colour")  # its colour is its ancestor's or the page's background (hidden_paint)
            ruled = element_kinds(self.sheet, tag, attrs) if "display" not in kinds else set()
            # (its text counts toward "a sheet hiding most of the page" where the rule's kind is the one that holds)
            by_sheet = bool(ruled) and (not kinds or bool(ruled - REVEALABLE - kinds))
            kinds |= ruled
            if kinds:
                if tag not in _VOID:
                    self._hides.push(tag, kinds, self.sheet, by_sheet, tag in _DROP, self.paint, unseen)
                if tag in ("td", "th") and "display" not in kinds and self._tables and self._pre is None:
                    self._tables[-1].open_cell(tag, attrs, self._pop_to, self.sinks)  # (web_tables: holds its place)
                return
        if tag in _SECTIONING:
            self._sections += 1
        elif tag == "a":
            self._in_a += 1
        if tag in ("iframe", "frame"):
            self.frames.extend(v for k, v in attrs if k == "src" and v)
        if tag == "script":
            self.scripts += 1
        if self._furniture is not None:
            if tag == self._furniture[0]:
                self._furniture = (tag, self._furniture[1] + 1, self._furniture[2])
        elif self._banner is not None and tag == self._banner[0]:
            b = self._banner
            self._banner = (tag, b[1] + 1, *b[2:])
        if tag in _DROP:
            if tag not in _VOID:
                self._drop += 1
            return
        if self._furniture is None and tag not in _VOID:
            a = dict(attrs)
            named = f"{a.get('id') or ''} {a.get('class') or ''}"
            role = (a.get("role") or "").lower()
            if role == "navigation" or _FURNITURE.search(named):
                self.sinks.append(io.StringIO())
                self._furniture = (tag, 1, len(self.sinks) - 1)
                return
            if self._banner is None and self._pre is None and (
                    role in ("banner", "contentinfo") or (tag in ("header", "footer") and not self._sections)):
                self.sinks.append(io.StringIO())  # judged at its end (_end_banner)
                self._banner = (tag, 1, len(self.sinks) - 1, len(self.h1), self._link_chars)
        if self._pre is not None:
            if tag == "pre":
                self._pre_depth += 1
            elif tag == "br":
                self._pre.append("\n")
            return
        t = self._tables[-1] if self._tables else None
        if t is not None and t.cell and tag in _CELL_BLOCKS:
            t.cell_block = True
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            a = {k.lower(): (v or "") for k, v in attrs}
            key = (a.get("name") or a.get("property") or a.get("itemprop") or "").lower()
            if key and "content" in a:
                self.meta.setdefault(key, a["content"])
        elif tag == "table":
            self._out("\n\n")
            nest(self._tables, _Table(len(self.sinks), attrs if self.labels else None))
        elif tag in ("thead", "tbody", "tfoot") and t is not None:
            self._end_row(t)  # (HTML5 closes a cell and row left open there: the row's place in a <thead> is known)
            t.section(tag)
        elif tag == "tr" and t is not None:
            self._end_row(t)
            t.row = []
            self._out(" ")  # stray text between rows is not glued to the next
        elif tag in ("td", "th") and t is not None:
            t.open_cell(tag, attrs, self._pop_to, self.sinks)
        elif tag in _HEADINGS:
            self._heading = int(tag[1])
            self._out("\n\n" + "#" * self._heading + " ")
        elif tag == "pre":
            self._pre, self._pre_depth = [], 1
        elif tag == "br" and self._heading is not None:
            self._out(" ")
        elif tag == "dt":  # a term and its definitions: one paragraph, a line each
            self._out("\n\n")
        elif tag == "dd":
            self._out("\n")
        elif tag in _BLOCK:
            self._out("\n\n" if tag in _PARA else "\n")
        elif tag in ("td", "th"):  # a cell outside any table
            self._out(" | ")
        elif tag in _SPACED:
            self._out(" ")

    def handle_endtag(self, tag: str) -> None:
        self._backdrop.end(tag)
        if not self._hides.end(tag, tag in _DROP, bool(self._drop)):
            return
        if tag in _SECTIONING:
            self._sections = max(0, self._sections - 1)
        elif tag == "a":
            self._in_a = max(0, self._in_a - 1)
        if self._furniture is not None and tag == self._furniture[0]:
            ftag, n, depth = self._furniture
            if n > 1:
                self._furniture = (ftag, n - 1, depth)
            else:
                self._pop_to(depth)  # site furniture: thrown away
                self._furniture = None
            return
        if self._furniture is None and self._pre is None and self._banner is not None and tag == self._banner[0]:
            if self._banner[1] > 1:
                b = self._banner
                self._banner = (tag, b[1] - 1, *b[2:])
            else:
                self._end_banner()
            return
        if tag in _DROP:
            self._drop = max(0, self._drop - 1)
            return
        if self._pre is not None:
            if tag == "pre":
                self._pre_depth -= 1
                if self._pre_depth <= 0:
                    self._end_pre()
            return
        t = self._tables[-1] if self._tables else None
        if tag == "title":
            self._in_title = False
        elif tag == "table" and t is not None:
            self._tables.pop()
            self._end_table(t)
            self._out("\n\n")
        elif tag == "thead" and t is not None:
            self._end_row(t)
            t.section("")
        elif tag == "tr" and t is not None:
            self._end_row(t)
        elif tag in ("td", "th") and t is not None:
            t.end_cell(self._pop_to)
        elif tag in _HEADINGS:
            self._heading = None
            self._out("\n\n")
        elif tag == "dd":
            self._out("\n")
        elif tag in _BLOCK and tag not in _VOID and tag != "dt":
            self._out("\n")
        elif tag in _SPACED:
            self._out(" ")

    def _end_banner(self) -> None:
        _, _, depth, h1_at, links_at = self._banner
        text = self._pop_to(depth)
        self._banner = None
        chars = len("".join(text.split()))
        if chars and (self._link_chars - links_at) < _MENU_LINK_SHARE * chars:
            self._out(text + "\n")  # not a menu: the page's own text
            return
        h1 = _WS.sub(" ", "".join(self.h1[h1_at:])).strip()
        if h1:  # a page title set in the banner is the page's heading, not furniture
            self._out(f"\n\n# {h1}\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hides.data(data) or self._drop:  # (the region counts its text first)
            return
        if self._in_a and self._banner is not None:
            self._link_chars += len("".join(data.split()))
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._pre is not None:
            self._pre.append(data.replace(_PRE_A, "").replace(_PRE_B, ""))
            return
        if self._heading == 1:
            self.h1.append(data)
        if self._tables and not self._tables[-1].cell and self._tables[-1].at is not None and data.strip():
            self._tables[-1].grid = None  # text outside its cells among its rows: `a | b` (web_tables.relabel)
        self._out(_WS.sub(" ", data))  # HTML: a line break in the source is a space on the page

    def parse_html_declaration(self, i: int) -> int:
        try:
            return super().parse_html_declaration(i)
        except AssertionError:  # `<![ x`: _markupbase gives up on it; HTML5 reads a bogus comment to the next '>'
            return self.parse_bogus_comment(i)

    def _end_pre(self) -> None:
        text = "".join(self._pre or [])
        self._pre = None
        text = (text[1:] if text.startswith("\n") else text).rstrip()  # the newline right after <pre> is markup
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text.strip():
            fence = "~~~~" if "```" in text else "```"
            self._out(f"\n\n{fence}\n{_PRE_A}{text}{_PRE_B}\n{fence}\n\n")

    def close(self) -> None:
        super().close()
        while self._hides.open:
            self._hides.pop(bool(self._drop))
        if self._pre is not None:
            self._end_pre()
        while self._tables:
            self._end_table(self._tables.pop())
        self._furniture = self._banner = None  # never closed: broken markup, so its text is kept
        self._merge_down(0)


_SPACES = re.compile(r"\t[ \t]*| [ \t]+")
_SPACED_NL = re.compile(r" +\n *|\n +")


def _squash(text: str) -> str:
    """Spaces collapsed and trimmed around line breaks, except inside <pre> text."""
    out = []
    for i, seg in enumerate(re.split(f"({_PRE_A}[^{_PRE_B}]*{_PRE_B})", text)):
        if i % 2:
            out.append(seg)
        else:
            # only runs that change are matched: re.sub keeps a piece per match (GBs for 50 MB of words)
            out.append(_SPACED_NL.sub("\n", _SPACES.sub(" ", seg)))
    return "".join(out)


_SCAN = re.compile(r"<!--|<(script|style)(?=[\s/>])", re.I)
_RAW_END = {t: re.compile(rf"</\s*{t}\s*>", re.I) for t in ("script", "style")}
_COMMENT_END = re.compile(r"--\s*>")
_MARKUP = re.compile(r"<[A-Za-z/!?]")
_LONE_LT = re.compile(r"<(?![A-Za-z/!?])")


def html5_eof(text: str) -> str:
    """The page as HTML5 reads its end, and in a form html.parser parses in linear time. html.parser (before Python
    3.13.4) searches to the end of the file again for every construct left open there: a page of `<!--` or `<a b='`
    repeated took minutes per megabyte. HTML5 shows none of them: a comment never closed hides the rest of the page,
    and a tag, declaration or `<?` cut off by the end of the file is dropped. A `<` that opens no markup is text:
    escaped, so runs of text stay one piece (each bare `<` was a piece of its own: 1.4 GB for 50 MB of `a < b`)."""
    pos = 0
    while (m := _SCAN.search(text, pos)) is not None:
        if m.group(1):  # a script or style: raw text to its end tag (a `<!--` in it is not a comment)
            gt = text.find(">", m.end())
            c = _RAW_END[m.group(1).lower()].search(text, gt) if gt >= 0 else None
            if c is None:
                break
            pos = c.end()
        else:
            c = _COMMENT_END.search(text, m.end())
            if c is None:
                text = text[:m.start()]
                break
            pos = c.end()
    text = text[:_open_quote_cut(text)]
    tail = _MARKUP.search(text, text.rfind(">") + 1)
    if tail is not None:
        text = text[:tail.start()]
    return _LONE_LT.sub("&lt;", text) if "<" in text else text


# A tag from its `<` to a quote that opens an attribute value (`=` then `'` or `"`): names and unquoted values, and
# quoted values closed before it (a `>` or `<` inside those is text). Each place has one way on: no backtracking.
_TAG_TO_OPEN_QUOTE = re.compile(r"""</?[A-Za-z](?:[^>=]|=(?!\s*['"])|=\s*"[^"]*"|=\s*'[^']*')*=\s*['"]""")
_OPEN_QUOTE_TRIES = 16  # tag starts tried before a quote (each a scan to it), and quotes in a row dropped


def _open_quote_cut(text: str) -> int:
    """Where the text ends if a tag's quoted attribute value runs to the end of the file: at that tag's `<` (HTML5
    drops a tag cut off by the end of the file). Only a quote that is the last of its kind can be open at the end;
    a `>` inside it hid the tag from the cut after the last `>` (html.parser then gave the tag as text)."""
    end = len(text)
    for _ in range(_OPEN_QUOTE_TRIES):
        cut = end
        for quote in "'\"":
            q = text.rfind(quote, 0, end)
            eq = q - 1
            while eq >= 0 and text[eq].isspace():
                eq -= 1
            if q < 0 or eq < 0 or text[eq] != "=":
                continue
            lt = q
            for _ in range(_OPEN_QUOTE_TRIES):
                lt = text.rfind("<", 0, lt)
                if lt < 0:
                    break
                if _TAG_TO_OPEN_QUOTE.fullmatch(text, lt, q + 1):
                    cut = min(cut, lt)
                    break
        if cut == end:
            return end
        end = cut
    return end


def _parse(page: str, sheet: object, paint: object = None, labels: bool = False) -> _HTMLText:
    p = _HTMLText(sheet, paint, labels)
    try:
        if p._beat is not None:
            p._lines, p._chars = page.count("\n") + 1, max(1, len(page))
        p.feed(page)
        p.close()
    except LoadError:
        raise
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise p.stop or LoadError(f"cannot parse HTML: {exc_reason(str(exc))}") from None  # p.stop: the beat's
    return p


def page_text(page: str, labels: bool = False) -> tuple[str, _HTMLText]:  # an html5_eof'd page's text, its parser
    sheet, paint = read_page(page)  # (the sheets read once for both: hidden_paint)
    p = _parse(page, sheet, paint, labels)  # (labels: web_tables.py; a mail's body is read without)
    if p.sheet_chars and p.sheet_chars > 2 * len(clean_text(_squash(p.parts.getvalue()))):
        p = _parse(page, None, paint, labels)  # a sheet hiding most of the page: a loading guard (hidden_css)
    return _squash(p.parts.getvalue()).replace(_PRE_A, "").replace(_PRE_B, ""), p


@budgeted("HTML", "a page of millions of elements")  # as a PDF's (parse_budget.PARSE_SECONDS)
def load_html(path: Path, raw: bytes) -> Document:
    try:
        page = html5_eof(nul_separates(decode_html(raw)))
    except LoadError:
        raise
    except Exception as exc:  # as the parse's own (below)
        raise LoadError(f"cannot parse HTML: {exc_reason(str(exc))}") from None
    text, p = page_text(page, labels=True)
    del page
    if not clean_text(text):
        if p.frames:
            raise LoadError(f"no text in HTML (its content is in a frame: {p.frames[0][:120]}; ingest that page)")
        if p.scripts:
            raise LoadError("no text in HTML (scripts build this page; save the page as the browser shows it)")
    text = require_text(clean_text(text))
    title = clean_title("".join(p.title_parts)) or clean_title("".join(p.h1)) or title_from_path(path)
    d = None
    for key in ("date", "dc.date", "dcterms.date", "article:published_time", "datepublished", "pubdate"):
        if key in p.meta:
            d = parse_date(p.meta[key])
            if d:
                break
    notes = (note(p.hidden, "element", HTML_HOW),) if p.hidden else ()
    return Document(str(path), "html", title, text, d, sha256_bytes(raw), len(raw), notes)
