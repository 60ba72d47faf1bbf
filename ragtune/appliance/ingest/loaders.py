"""One loader per format. Each turns raw bytes into a `Document` (plain text + title + optional date) or raises
`LoadError` whose message is the one-line reason shown to the user ("binary file", "encrypted PDF", …).

Loaders never see the database: the pipeline decides what to store.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import InputError
from ..hashing import sha256_bytes
from ..text import CONTROLS

KINDS = {".md": "md", ".markdown": "md", ".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf",
         ".docx": "docx", ".jsonl": "beir"}


class LoadError(InputError):
    """A document that cannot be ingested; `reason` is the short text reported per file."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Document:
    path: str  # absolute path, or "<abs corpus path>#<_id>" for BEIR rows
    kind: str
    title: str
    text: str
    doc_date: str | None
    sha256: str  # of the raw bytes (BEIR: of the row's canonical JSON)
    size: int = 0


# -- helpers --------------------------------------------------------------------------------------
def title_from_path(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip()


def looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    # control characters other than \t \n \r \f \v \b and ESC are rare in text in any encoding
    allowed = {8, 9, 10, 11, 12, 13, 27}
    ctrl = sum(1 for b in sample if b < 32 and b not in allowed)
    return ctrl / len(sample) > 0.10


def decode_utf8(raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise LoadError("not UTF-8 text (UTF-16; save it as UTF-8)")
    if looks_binary(raw):
        raise LoadError("binary file")
    try:
        return raw.decode("utf-8-sig")  # a BOM is tolerated and dropped
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(f"not UTF-8 text (invalid byte at line {line})") from None


_DATE_RES = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})"), "ymd"),
    (re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?"), "pdf"),
    (re.compile(r"^(\d{4})/(\d{2})/(\d{2})"), "ymd"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
]


def parse_date(value: Any) -> str | None:
    """ISO date (YYYY-MM-DD) from a datetime/date or a common string form; None if not a valid date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value).strip().strip("\"'")
    for rx, _ in _DATE_RES:
        m = rx.match(s)
        if m:
            y = int(m.group(1))
            mo = int(m.group(2) or 1)
            d = int(m.group(3) or 1)
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                return None
    return None


# Terminal escape sequences (CSI, OSC, the others) and the control characters but tab and newline (text.CONTROLS):
# not text. Kept, a chunk holding `ESC]0;…` could be cited, copied into an answer and printed to a terminal
# (retitling or clearing it), and its bytes would only dilute retrieval.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]+[0-~]|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")


def _norm_text(text: str) -> str:
    # CR line ends; FF and VT are page and line breaks (PDF text has form feeds)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    if CONTROLS.search(text):
        text = CONTROLS.sub("", _ESCAPES.sub("", text))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _require_text(text: str, empty_reason: str = "empty document") -> str:
    if not text.strip():
        raise LoadError(empty_reason)
    return text


# -- text / markdown ------------------------------------------------------------------------------
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple YAML-ish `key: value` front matter (no YAML dependency). Returns (fields, rest of text)."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    fields: dict[str, str] = {}
    for line in m.group(1).splitlines():
        if ":" in line and not line.startswith((" ", "\t", "-", "#")):
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip().strip("\"'")
    return fields, text[m.end():]


def load_markdown(path: Path, raw: bytes) -> Document:
    text = decode_utf8(raw)
    fields, body = front_matter(text.replace("\r\n", "\n"))
    body = _require_text(_norm_text(body))
    title = fields.get("title", "")
    if not title:
        m = _H1.search(body)
        title = m.group(1).strip() if m else title_from_path(path)
    return Document(str(path), "md", title, body, parse_date(fields.get("date")), sha256_bytes(raw), len(raw))


def load_text(path: Path, raw: bytes) -> Document:
    text = _require_text(_norm_text(decode_utf8(raw)))
    return Document(str(path), "txt", title_from_path(path), text, None, sha256_bytes(raw), len(raw))


# -- HTML -----------------------------------------------------------------------------------------
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header", "footer", "main",
          "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "hr", "form", "aside", "address"}
_DROP = {"script", "style", "nav", "noscript", "template", "svg", "iframe", "object", "canvas"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.h1: list[str] = []
        self.meta: dict[str, str] = {}
        self._drop = 0
        self._in_title = False
        self._in_head = False
        self._heading: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            if tag not in _VOID:
                self._drop += 1
            return
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            a = {k.lower(): (v or "") for k, v in attrs}
            key = (a.get("name") or a.get("property") or a.get("itemprop") or "").lower()
            if key and "content" in a:
                self.meta.setdefault(key, a["content"])
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = int(tag[1])
            self.parts.append("\n\n" + "#" * self._heading + " ")
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag in ("p", "div", "section", "article", "table", "blockquote", "pre") else "\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._drop = max(0, self._drop - 1)
            return
        if tag == "title":
            self._in_title = False
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = None
            self.parts.append("\n\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._drop:
            return
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._heading == 1:
            self.h1.append(data)
        self.parts.append(data)


def _decode_html(raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise LoadError("not valid UTF-16 text") from None
    if looks_binary(raw):
        raise LoadError("binary file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    m = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", raw[:4096], re.I)
    if m:
        enc = m.group(1).decode("ascii")
        try:
            wide = codecs.lookup(enc).name.startswith(("utf-16", "utf-32"))
        except LookupError:
            wide = False
        if wide:  # the declaration was read as ASCII bytes, so the file is not UTF-16/32 (HTML treats it as UTF-8)
            raise LoadError(f"not UTF-8 text (it declares charset {enc}, which its bytes are not)")
        try:
            return raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            raise LoadError(f"not valid {enc} text (declared charset)") from None
    raise LoadError("not UTF-8 text (and no charset declared)")


def load_html(path: Path, raw: bytes) -> Document:
    p = _HTMLText()
    try:
        p.feed(_decode_html(raw))
        p.close()
    except LoadError:
        raise
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise LoadError(f"cannot parse HTML: {exc}") from None
    text = "".join(p.parts)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = _require_text(_norm_text(text))
    title = " ".join("".join(p.title_parts).split()) or " ".join("".join(p.h1).split()) or title_from_path(path)
    d = None
    for key in ("date", "dc.date", "dcterms.date", "article:published_time", "datepublished", "pubdate"):
        if key in p.meta:
            d = parse_date(p.meta[key])
            if d:
                break
    return Document(str(path), "html", title, text, d, sha256_bytes(raw), len(raw))


# -- PDF ------------------------------------------------------------------------------------------
def load_pdf(path: Path, raw: bytes) -> Document:
    import pypdf
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every quirk; reasons go in the summary
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise LoadError("corrupt PDF: no %PDF header")
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # permission-only encryption opens with an empty password
            except Exception:
                ok = 0
            if not ok:
                raise LoadError("encrypted PDF (password required)")
        pages = []
        for page in reader.pages:
            pages.append(page.extract_text() or "")
    except LoadError:
        raise
    except (PdfReadError, Exception) as exc:  # pypdf raises many types on damaged files
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"corrupt PDF: {msg[:160]}") from None
    text = _require_text(_norm_text("\n\n".join(pages)), "no extractable text in PDF (scanned images?)")
    title = ""
    d = None
    try:  # metadata is optional: damaged metadata never costs the text
        meta = reader.metadata or {}
        title = str(meta.get("/Title") or "").strip()
        d = parse_date(meta.get("/CreationDate")) or parse_date(meta.get("/ModDate"))
    except Exception:
        pass
    return Document(str(path), "pdf", title or title_from_path(path), text, d, sha256_bytes(raw), len(raw))


# -- DOCX -----------------------------------------------------------------------------------------
def load_docx(path: Path, raw: bytes) -> Document:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - a base dependency
        raise LoadError(f"cannot read DOCX: {exc}") from None
    try:
        d = docx.Document(io.BytesIO(raw))
        lines: list[str] = []
        first_heading = ""
        for block in d.iter_inner_content():
            if isinstance(block, Paragraph):
                t = block.text.strip()
                if not t:
                    continue
                style = (block.style.name if block.style is not None else "") or ""
                m = re.match(r"Heading (\d)", style)
                if style == "Title" or m:
                    level = int(m.group(1)) if m else 1
                    first_heading = first_heading or t
                    lines.append("#" * min(level, 6) + " " + t)
                else:
                    lines.append(t)
            elif isinstance(block, Table):
                for row in block.rows:
                    cells = [c.text.strip() for c in row.cells]
                    if any(cells):
                        lines.append(" | ".join(cells))
        props = d.core_properties
        title = (props.title or "").strip() or first_heading
        dd = parse_date(props.created) or parse_date(props.modified)
    except LoadError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors, ...
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"corrupt DOCX: {msg[:160]}") from None
    text = _require_text(_norm_text("\n\n".join(lines)))
    return Document(str(path), "docx", title or title_from_path(path), text, dd, sha256_bytes(raw), len(raw))


# -- BEIR corpus ----------------------------------------------------------------------------------
def iter_beir_documents(path: Path) -> Iterator[Document]:
    """Each row of a BEIR corpus.jsonl as a Document ("<abs path>#<_id>"). The whole file is validated
    first (`ragtune.appliance.beir.iter_corpus`): a bad line fails the file before any row is stored."""
    from ..beir import iter_corpus

    try:
        n = sum(1 for _ in iter_corpus(path))
    except InputError as exc:
        raise LoadError(exc.message) from None
    if not n:  # like an empty document: a failure, so rows stored from it are kept (even with --prune)
        raise LoadError("empty document (a corpus file with no rows)")
    for row in iter_corpus(path):
        canon = json.dumps({"title": row["title"], "text": row["text"], "date": row.get("date")},
                           ensure_ascii=False, sort_keys=True).encode("utf-8")
        text = _norm_text(row["text"])
        yield Document(f"{path}#{row['_id']}", "beir", row["title"].strip(), text, parse_date(row.get("date")),
                       sha256_bytes(canon), len(canon))


# -- dispatch -------------------------------------------------------------------------------------
LOADERS: dict[str, Callable[[Path, bytes], Document]] = {
    "md": load_markdown, "txt": load_text, "html": load_html, "pdf": load_pdf, "docx": load_docx,
}


def kind_of(path: Path) -> str | None:
    return KINDS.get(path.suffix.lower())


def read_bytes(path: Path, max_file_mb: float) -> bytes:
    """Raw bytes with the size limit and read errors turned into reasons."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LoadError("file not found (broken symlink?)") from None
    except PermissionError:
        raise LoadError("permission denied") from None
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from None
    limit = float(max_file_mb) * 1024 * 1024
    if size > limit:
        raise LoadError(f"over size limit ({size / 1048576:.1f} MB > {max_file_mb:g} MB)")
    if size == 0:
        raise LoadError("empty document")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(int(limit) + 1)
    except PermissionError:
        raise LoadError("permission denied") from None
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:  # grew since stat
        raise LoadError(f"over size limit (> {max_file_mb:g} MB)")
    if not raw:
        raise LoadError("empty document")
    return raw


def load_file(path: Path, *, max_file_mb: float = 50.0) -> Document:
    """Load one non-BEIR document file. Raises LoadError with the reason."""
    kind = kind_of(path)
    if kind is None or kind == "beir":
        raise LoadError(f"unsupported file type '{path.suffix or path.name}'")
    raw = read_bytes(path, max_file_mb)
    return LOADERS[kind](path, raw)
