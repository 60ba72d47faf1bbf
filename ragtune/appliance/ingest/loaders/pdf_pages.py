"""What a law firm's PDFs carry besides their text: pleading paper's line numbers (1 to 28 in the left margin of
every page) and the values typed into a fillable form's fields. (Redaction boxes over text: pdf_marks.py.)"""

from __future__ import annotations

import re
from typing import Any

# -- pleading paper ---------------------------------------------------------------------------------
_NUMBERED = re.compile(r"^[ \t]*(\d{1,2})(?:[ \t]+(.*))?$")
_RUN = 10  # numbers 1..10 at least, in order, on a page: its lines are numbered


def _numbered_lines(lines: list[str]) -> list[int]:
    """Indices of the lines that start with 1, 2, 3 … in order (alone on the line when pypdf gives the margin
    apart from the text, or before the line's text), if the run reaches `_RUN`."""
    idx, want = [], 1
    for i, line in enumerate(lines):
        m = _NUMBERED.match(line)
        if m and int(m.group(1)) == want:
            idx.append(i)
            want += 1
    return idx if len(idx) >= _RUN else []


def strip_line_numbers(pages: list[list[str]]) -> tuple[list[list[str]], int]:
    """Pages without pleading paper's line numbers, and how many pages had them. Taken only where at least half
    the pages (20 numbers or more on a document's only page) are numbered 1, 2, 3 …: elsewhere a run of numbered
    lines is content (a numbered table, a list)."""
    found = [_numbered_lines(lines) for lines in pages]
    n = sum(1 for f in found if f)
    if not n or n < (len(pages) + 1) // 2 or (len(pages) == 1 and len(found[0]) < 20):
        return pages, 0
    out = []
    for lines, idx in zip(pages, found):
        drop = set(idx)
        page = []
        for i, line in enumerate(lines):
            if i in drop:
                rest = _NUMBERED.match(line).group(2)  # type: ignore[union-attr]
                if rest:
                    page.append(rest)
            else:
                page.append(line)
        out.append(page)
    return out, n


# -- form fields ------------------------------------------------------------------------------------
# What a fillable form's fields hold (AcroForm /V) is not page content: a widget shows it from its own appearance
# stream, which text extraction never reads. Bounded: a form of 10^5 fields (or a /Kids loop) costs milliseconds.
FORM_MAX_NODES = 5000  # field dictionaries visited
FORM_MAX_VALUES = 500  # lines given
FORM_MAX_CHARS = 2000  # of one value (a multi-line "details" box), then "…"
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TICKED = frozenset(("yes", "on", "true", "1", "x", "checked"))
_RADIO, _PUSH, _PASSWORD = 1 << 15, 1 << 16, 1 << 13  # /Ff bits (PDF 32000, 12.7.4)


def _field_text(v: Any) -> str:
    """A field's /V (or name) as one clean line: a PDF string pypdf decoded, a byte string only if UTF-8, a choice
    field's several picks joined by "; "; control characters and half surrogate pairs made harmless."""
    if hasattr(v, "get_object"):
        v = v.get_object()
    if isinstance(v, (list, tuple)):
        return "; ".join(t for t in (_field_text(x) for x in list(v)[:50]) if t)
    if isinstance(v, bytes):
        try:
            v = v.decode("utf-8")
        except UnicodeDecodeError:
            return ""
    if not isinstance(v, (str, int, float)):
        return ""
    s = _SURROGATE.sub("\ufffd", _CONTROLS.sub(" ", str(v)))
    s = " ".join(s.split())
    return s if len(s) <= FORM_MAX_CHARS else s[:FORM_MAX_CHARS].rstrip() + "…"


def _button(v: Any, flags: int) -> str:
    """A check box as "yes"/"no" (or its export value when that says more than "on"); a radio group as the
    choice made (none: ""); a push button holds nothing."""
    if flags & _PUSH:
        return ""
    name = _field_text(v).lstrip("/")
    if not name:
        return ""
    if name.lower() == "off":
        return "" if flags & _RADIO else "no"
    return "yes" if name.lower() in _TICKED else name


def _obj(x: Any) -> Any:
    return x.get_object() if hasattr(x, "get_object") else x


def _fields(reader: Any, out: list[tuple[str, str]]) -> None:
    """(name, value) of each terminal field with a value, in the form's order, into `out`; /FT, /Ff and /V are
    inherited (PDF 32000, 12.7.3.1). A damaged field is skipped; an object met twice (a /Kids loop) is read once."""
    form = _obj(_obj(reader.trailer["/Root"]).get("/AcroForm"))
    if not hasattr(form, "get"):
        return
    seen: set[Any] = set()
    stack = [(f, "", None, 0, None) for f in reversed(list(_obj(form.get("/Fields")) or [])[:FORM_MAX_NODES])]
    while stack and len(seen) < FORM_MAX_NODES and len(out) < FORM_MAX_VALUES:
        ref, parent, ft, ff, v = stack.pop()
        key = (ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(ref)
        if key in seen:
            continue
        seen.add(key)
        try:
            node = _obj(ref)
            part = _field_text(node.get("/T"))
            name = f"{parent}.{part}" if parent and part else part or parent
            ft, ff, v = _obj(node.get("/FT", ft)), _obj(node.get("/Ff", ff)), node.get("/V", v)
            kids = [k for k in list(_obj(node.get("/Kids")) or [])[:FORM_MAX_NODES]
                    if hasattr(_obj(k), "get") and "/T" in _obj(k)]
            if kids:  # kids without /T are its widgets (one field shown in several places), not fields
                room = max(0, 2 * FORM_MAX_NODES - len(stack))  # one /Kids array shared by every node: still bounded
                stack.extend((k, name, ft, ff, v) for k in reversed(kids[:room]))
                continue
            if v is None or ft == "/Sig":
                continue
            flags = int(ff) if isinstance(ff, (int, float)) else 0
            if ft == "/Tx" and flags & _PASSWORD:
                continue  # a password box: what a reader sees as dots stays out of the index
            value = _button(v, flags) if ft == "/Btn" else _field_text(v)
            label = _field_text(node.get("/TU"))
            label = label if label and len(label) <= 80 else re.sub(r"\[\d+\]", "", name)  # XFA's "f1_01[0]"
            label = label.rstrip(" :")
        except Exception:
            continue
        if value:
            out.append((label, value))


def form_values(reader: Any, text: str) -> list[str]:
    """"Field name: value" lines for the values typed into a fillable form's fields (text, choice, check box, radio;
    not signatures, push buttons, passwords or empty ones), leaving out a value of 4 characters or more that `text`
    (the pages' own) already holds: a form flattened with its fields kept shows its values as page text. Never
    raises: a damaged form gives what was read before the damage."""
    found: list[tuple[str, str]] = []
    try:
        _fields(reader, found)
    except Exception:
        pass
    if not found:
        return []
    shown = " ".join(text.split()).casefold()
    lines = []
    for label, value in found:
        v = value.casefold()
        if len(v) >= 4 and re.search(r"(?<!\w)" + re.escape(v) + r"(?!\w)", shown):
            continue
        lines.append(f"{label}: {value}" if label else value)
    return lines
