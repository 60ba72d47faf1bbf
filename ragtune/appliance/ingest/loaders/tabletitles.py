"""A document table's context in each of its rows (round 59): the nearest heading above a table of labelled rows (a
`#` line, as web.py, word.py, opendoc.py and worddoc.py write a heading), and its caption (a one-line paragraph
right above it: an HTML `<caption>`, "Table 2: Opening hours"), written into each row's key as a group row's name is
(tablegroups.in_group: `Plan: Cat (Pet Health Club); Per month: £13.50`).

Why: each row is a chunk of its own (table_chunks.doc_chunks), and nothing in `Plan: Cat; Per month: £13.50` said
"Health Club": "how much is the health club for a cat" was served the nurse-clinic row that names the club in a note,
and answered its price. A heading or caption is written only where it names something as a group's name does
(tablegroups.group_name: a noun phrase of a label's length, no sentence, no clause) and is not the document's title
(every chunk is embedded and searched with that already). A table's rows stay a block of the same labels, so the
chunker and the answer's row readers read them as before; a heading never comes from inside a code fence."""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from pathlib import Path
from typing import Callable

from ..chunker import fence_spans
from ..table_chunks import table_blocks
from .base import Document
from .tablegroups import group_name, in_group

_HEADING = re.compile(r"^#{1,6}[ \t]+(\S[^\n]*)", re.M)
_ITEM = re.compile(r"(?:[-*+>\u2022]|\d{1,9}[.)])(?:[ \t]|$)")  # a list item or quote line is no caption
_GROW_FREE = 65536  # what the rows' titles may add to a document's text, and as much again as its own length


def titled_rows(text: str, title: str = "") -> str:
    """`text` with each table block's rows (table_chunks.table_blocks) carrying its heading and caption (module doc);
    `text` itself where no block has one."""
    blocks = table_blocks(text)
    if not blocks:
        return text
    fences = fence_spans(text)
    heads = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)
             if not any(f0 <= m.start() < f1 for f0, f1 in fences)]
    at = [h for h, _ in heads]
    keep = title.strip().casefold()
    room = _GROW_FREE + len(text)
    out: list[str] = []
    pos = 0
    for a, b in blocks:
        k = bisect.bisect_left(at, a) - 1
        heading = group_name({0: heads[k][1].strip().rstrip("#").strip()}) if k >= 0 else ""
        parts = [p for p in (heading, _caption(text, a, at[k] if k >= 0 else -1)) if p and p.casefold() != keep]
        if not parts:
            continue
        name = " - ".join(" ".join(p.rstrip(":").replace(": ", " - ").replace("; ", ", ").split()) for p in parts)
        rows = [_keyed(line, name) for line in text[a:b].split("\n")]  # (": " and "; " as tablegroups.grouped)
        grown = sum(map(len, rows)) + len(rows) - 1 - (b - a)
        if grown > room:
            break
        room -= grown
        out += [text[pos:a], "\n".join(rows)]
        pos = b
    return "".join(out) + text[pos:] if out else text


def _caption(text: str, a: int, heading: int) -> str:
    """The caption right above the table block at `a`: a paragraph of one line (a blank line either side), not the
    heading at `heading`, that names something (group_name); "" for none."""
    if text[max(0, a - 2):a] != "\n\n":
        return ""
    end = a - 2
    start = text.rfind("\n", 0, end) + 1
    if start <= heading or (start and text[max(0, start - 2):start] != "\n\n" and start != 1) or start >= end:
        return ""
    line = text[start:end]
    if line != line.strip() or line.endswith(":") or " | " in line or "; " in line or _ITEM.match(line):
        return ""
    return group_name({0: line})


def _keyed(line: str, name: str) -> str:
    """A labelled row with `name` written into its key, its first value (a matrix's unlabelled first part)."""
    first, sep, rest = line.partition("; ")
    label, colon, value = first.partition(": ")
    if colon and value.strip():
        first = f"{label}: {in_group({0: value}, name)[0]}"
    else:
        first = in_group({0: first}, name)[0]
    return first + sep + rest


def titled(load: Callable[[Path, bytes], Document]) -> Callable[[Path, bytes], Document]:
    """A document loader (html, docx, odt, doc: those whose tables are labelled blocks, chunker.DOC_TABLE_KINDS)
    whose documents' table rows carry their heading and caption (`titled_rows`)."""
    @functools.wraps(load)
    def run(path: Path, raw: bytes) -> Document:
        doc = load(path, raw)
        text = titled_rows(doc.text, doc.title)
        return doc if text is doc.text else dataclasses.replace(doc, text=text)
    return run
