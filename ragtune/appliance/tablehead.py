"""A table's header for a source that starts inside the table (`table_heads`).

A long markdown table is cut into several chunks, and a chunk after the first holds rows without the header row that
names their columns: "| Copperfield | 13.50 | 9.00 | 95.00 |" does not say which figure is the hotel cap. The
model then picks a column at random. So a served source whose text begins with table rows (`|` lines) gets the
header row and its `|---|` rule prepended, found in the document's chunks just before it (the text before the
chunk's start is rebuilt from them: chunk text is an exact span of the document's text). Only when every line
between that rule and the chunk is a row of the same table; a table that starts inside the chunk has its header
there already. The chunk itself, its offsets and what the evidence check reads are unchanged: the header is shown
to the model (and quotable by an extractive answer, a block of its own) as part of the source.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Sequence

from .types import Hit

LOOK_BACK = 6  # chunks before a hit searched for its table's header (a table longer than that: no header found)
MAX_HEAD_CHARS = 600  # a header row longer than that is not shown (a "table" that is a page of pipes)
ROW_START = r"[ \t]{0,3}\|"  # a markdown table row's line starts so (4 spaces would make it code): injection.py too
_ROW = re.compile(ROW_START)
_RULE = re.compile(r"[ \t]{0,3}\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*")


def _starts_in_table(text: str) -> bool:
    first = text.lstrip("\n").split("\n", 1)[0]
    return bool(_ROW.match(first)) and not _RULE.fullmatch(first)


def head_before(before: str) -> str:
    """The header row and rule of the table that `before` (the document's text up to a chunk) ends inside, or "".
    `before` ends at the chunk's start: its last (partial) line is the start of the chunk's first row."""
    lines = before.split("\n")
    lines.pop()  # the chunk's first line begins here (a row's start, or part of one)
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if _RULE.fullmatch(line):
            if i == 0 or not _ROW.match(lines[i - 1]) or len(lines[i - 1]) + len(line) > MAX_HEAD_CHARS:
                return ""
            return lines[i - 1].strip() + "\n" + line.strip()
        if not _ROW.match(line):
            return ""  # the rows since the chunk's start belong to no table with a header before them
    return ""


def table_heads(hits: Sequence[Hit], chunks_before: Callable[[int, int, int], list[tuple[int, str, int]]]) -> list[Hit]:
    """`hits` with `table_head` set where a hit starts inside a table whose header lies before it (copies; the others
    as they are). `chunks_before(doc_id, ord, n)`: the store's (ord, text, start_char) of the n chunks before."""
    out: list[Hit] = []
    for h in hits:
        if h.ord > 0 and _starts_in_table(h.text):
            head = head_before(_text_before(h, chunks_before(h.doc_id, h.ord, LOOK_BACK)))
            if head:
                h = dataclasses.replace(h, table_head=head)
        out.append(h)
    return out


def _text_before(h: Hit, prior: list[tuple[int, str, int]]) -> str:
    """The document's text from the earliest of `prior` up to `h`'s start, put together from the chunks (they
    overlap; each is an exact span), or as much of it as is contiguous back from `h`."""
    text, start = "", h.start_char
    for _, t, s in prior:  # nearest first
        if s >= start or s + len(t) < start:
            break  # not reaching back past what is had, or a gap: stop where the text is whole
        text = t[:start - s] + text
        start = s
    return text


def with_head(text: str, head: str) -> str:
    """A source's text as the prompt shows it: its table's header first, where it has one."""
    return f"{head}\n{text}" if head else text


__all__ = ["LOOK_BACK", "ROW_START", "head_before", "table_heads", "with_head"]
