"""Markdown and plain text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from ...hashing import sha256_bytes
from ..chunker import fence_spans
from .base import Document, clean_text, clean_title, decode_utf8, parse_date, require_text, title_from_path
from .md_inline import strip_inline

_FRONT = re.compile(r"\A(?:[ \t]*\n)*---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TOML = re.compile(r"\A(?:[ \t]*\n)*\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.S)
_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
_BLOCK_SCALAR = {">", "|", ">-", "|-", ">+", "|+"}
_YAML_LINE = re.compile(r"\s*$|\s*#|[^\s:#-][^:\n]*:(\s|$)|\s+\S|\s*-\s|\s*-$")
_TOML_LINE = re.compile(r"\s*$|\s*#|[\w\"'.-]+\s*=|\[|\s+\S|\]")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` YAML front matter (`---`, no YAML dependency; a `>`/`|` block value is joined into one
    line) or Hugo's TOML `+++` `key = value`. Returns (fields, rest of text)."""
    m = _FRONT.match(text)
    toml = m is None
    if toml:
        m = _FRONT_TOML.match(text)
    if not m:
        return {}, text
    fields: dict[str, str] = {}
    lines = m.group(1).splitlines()
    if not all((_TOML_LINE if toml else _YAML_LINE).match(x) for x in lines):
        return {}, text  # prose between two rules, not front matter: it stays content
    sep = "=" if toml else ":"
    for i, line in enumerate(lines):
        if sep in line and not line.startswith((" ", "\t", "-", "#", "[")):
            k, v = line.split(sep, 1)
            v = v.strip()
            if v in _BLOCK_SCALAR and not toml:
                more = []
                for cont in lines[i + 1:]:
                    if cont.strip() and not cont.startswith((" ", "\t")):
                        break
                    more.append(cont.strip())
                v = " ".join(x for x in more if x)
            fields[k.strip().lower()] = v.strip("\"'")
    return fields, text[m.end():]


def _outside_fences(text: str, fn: Callable[[str], str]) -> str:
    """`fn` applied to the text between fenced code blocks (a `# comment` in a fence is code, not a heading)."""
    spans = fence_spans(text)
    if not spans:
        return fn(text)
    out, pos = [], 0
    for a, b in spans:
        out += [fn(text[pos:a]), text[a:b]]
        pos = b
    out.append(fn(text[pos:]))
    return "".join(out)


_COMMENT = re.compile(r"<!--.*?-->", re.S)
# A one-line paragraph underlined with === or --- (a setext heading) becomes a `#` line like every other heading,
# so the chunker keeps it with its section and citations can name it. "A line with a non-space" is a lookahead, not
# `[^\n]*\S[^\n]*`: that one backtracks quadratically on a long line that is no heading (round 46: an 8 KB one-line
# paragraph took 2 s to load, 16 KB 7.5 s, a 1 MB one hours); the lookahead is matched once.
_SETEXT = re.compile(r"(?:(?<=\n\n)|\A)( {0,3}(?![#>|<`~\-*+ \t]|\d+[.)] )(?=[^\n]*\S)[^\n]*)"
                     r"\n {0,3}(=+|-+)[ \t]*(?=\n|\Z)")


# A raw HTML <script> or <style> block (CommonMark's HTML block of type 1: the line starts with the tag): code, never
# shown on the rendered page; an analytics snippet or CSS in a README is not content.
_RAW_HTML = re.compile(r"^ {0,3}<(script|style)(?=[\s>]|$).*?(?:</\1\s*>|\Z)", re.I | re.S | re.M)


def _markdown_structure(text: str) -> str:
    def fix(seg: str) -> str:
        if "<!--" in seg:
            seg = _COMMENT.sub("", seg)  # not rendered: drafts and notes to other editors are not content
        if "<" in seg:
            seg = _RAW_HTML.sub("", seg)
        seg = strip_inline(seg)  # before the setext headings: "**Title**" over "===" is a heading too
        return _SETEXT.sub(lambda m: ("# " if m.group(2)[0] == "=" else "## ") + m.group(1).strip(), seg)
    return _outside_fences(text, fix)


def markdown_title(text: str) -> str:
    found: list[str] = []
    _outside_fences(text, lambda seg: (found.extend(m.group(1).strip() for m in _H1.finditer(seg)), seg)[1])
    return found[0] if found else ""


def load_markdown(path: Path, raw: bytes) -> Document:
    text = decode_utf8(raw)
    fields, body = front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    body = require_text(clean_text(_markdown_structure(body)))
    title = clean_title(fields.get("title", "")) or clean_title(markdown_title(body)) or title_from_path(path)
    return Document(str(path), "md", title, body, parse_date(fields.get("date")), sha256_bytes(raw), len(raw))


# A memo's title line: the first line, standing alone (a blank line, an `===`/`---` underline or the end after it),
# short, with a letter, not laid out in columns, not ending like a sentence or an opening ("Hi all," "Agenda:"). A
# hard-wrapped first line of prose, a log line or a CSV header has a line right under it: the file name is better.
_TXT_TITLE_MAX = 100
_TXT_TITLE_END = tuple(".,;:")
_COLUMNS = re.compile(r"\t| {3,}")
_UNDERLINE = re.compile(r"[ \t]*(=+|-+)[ \t]*")


def text_title(text: str) -> str:
    """The first line of a plain-text document when it reads as its title, else "" (the caller uses the file name)."""
    lines = text.lstrip().split("\n", 2)
    if _COLUMNS.search(lines[0].strip()):
        return ""  # laid out in columns: a man page's header, a table's
    first = clean_title(lines[0])
    nxt = lines[1] if len(lines) > 1 else ""
    if nxt.strip() and not _UNDERLINE.fullmatch(nxt):
        return ""
    if len(first) > _TXT_TITLE_MAX or first.endswith(_TXT_TITLE_END) or not any(c.isalpha() for c in first):
        return ""
    return first


def load_text(path: Path, raw: bytes) -> Document:
    text = require_text(clean_text(decode_utf8(raw)))
    title = text_title(text) or title_from_path(path)
    return Document(str(path), "txt", title, text, None, sha256_bytes(raw), len(raw))
