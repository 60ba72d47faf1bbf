"""A table's header for a source that starts inside the table (`table_heads`).

A long markdown table is cut into several chunks, and a chunk after the first holds rows without the header row that
names their columns: "| Copperfield | 13.50 | 9.00 | 95.00 |" does not say which figure is the hotel cap. The
model then picks a column at random. So a served source whose text begins with table rows (`|` lines) gets the
header row and its `|---|` rule prepended, found by walking the document's text back from the chunk's start, line
by line, through the chunks before it (nearest first, read only as far as the walk goes: chunk text is an exact
span of the document's text). Only when every line between that rule and the chunk is a row of the same table: the
first line that is not a row ends the walk without a header, so a header is never taken from an earlier table, and
a table of any length costs one indexed query that stops at its header. A table that starts inside the chunk has
its header there already. The chunk itself, its offsets and what the evidence check reads are unchanged: the header
is shown to the model (and quotable by an extractive answer, a block of its own) as part of the source.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Iterable, Iterator, Sequence

from .types import Hit

MAX_HEAD_CHARS = 600  # a header row longer than that is not shown (a "table" that is a page of pipes)
ROW_START = r"[ \t]{0,3}\|"  # a markdown table row's line starts so (4 spaces would make it code): injection.py too
_ROW = re.compile(ROW_START)
_NOT_A_ROW = re.compile(r"\n(?![ \t]{0,3}\|)")  # a line, after a text's first, that is not a row (a rule has "--")
_RULE = re.compile(r"[ \t]{0,3}\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*")


def _starts_in_table(text: str) -> bool:
    """Whether `text` begins with a table's row, not with its rule nor with its header row (a rule next): a table
    that starts in the chunk has its header there (and one right below another table must not get that one's)."""
    first, _, rest = text.lstrip("\n").partition("\n")
    return bool(_ROW.match(first)) and not _RULE.fullmatch(first) and not _RULE.fullmatch(rest.partition("\n")[0])


def head_before(before: str) -> str:
    """The header row and rule of the table that `before` (the document's text up to a chunk) ends inside, or "".
    `before` ends at the chunk's start: its last (partial) line is the start of the chunk's first row."""
    return _head_in([before])


def _head_in(pieces: Iterable[str]) -> str:
    """`head_before` of the text that `pieces` make up (nearest first: each ends where the one before it in the list
    begins), walked line by line from its end. Only the line a piece begins inside is carried to the next, so a long
    table's rows are not kept; a piece whose whole lines are all rows, none a rule, is passed over in one search."""
    carry, own, rule = "", True, None  # own: the chunk's first line, which begins at the text's end, not yet passed
    for piece in pieces:
        text = piece + carry
        cut = text.find("\n")
        if cut >= 0 and not own and rule is None and "--" not in text and not _NOT_A_ROW.search(text, cut):
            carry = text[:cut]
            continue
        parts = text.split("\n")
        carry = parts.pop(0)
        for line in reversed(parts):
            if own:
                own = False
                continue
            if rule is not None:
                return _head(line, rule)
            if _RULE.fullmatch(line):
                rule = line
            elif not _ROW.match(line):
                return ""  # the rows since the chunk's start belong to no table with a header before them
    # the text's first line (counted as whole: a chunk starts at a row) above a rule; else no rule, or none above it
    return _head(carry, rule) if rule is not None else ""


def _head(line: str, rule: str) -> str:
    """The header shown for a table whose rule is `rule`, `line` the line above it ("" if that is not a row)."""
    if not _ROW.match(line) or len(line) + len(rule) > MAX_HEAD_CHARS:
        return ""
    return line.strip() + "\n" + rule.strip()


def table_heads(hits: Sequence[Hit],
                chunks_before: Callable[[int, int], Iterable[tuple[int, str, int]]]) -> list[Hit]:
    """`hits` with `table_head` set where a hit starts inside a table whose header lies before it (copies; the others
    as they are). `chunks_before(doc_id, ord)`: the store's (ord, text, start_char) of the chunks before, nearest
    first; the walk stops reading them where the table's header (or its end) is."""
    out: list[Hit] = []
    for h in hits:
        if h.ord > 0 and _starts_in_table(h.text):
            head = _head_in(_pieces_before(h, chunks_before(h.doc_id, h.ord)))
            if head:
                h = dataclasses.replace(h, table_head=head)
        out.append(h)
    return out


def _pieces_before(h: Hit, prior: Iterable[tuple[int, str, int]]) -> Iterator[str]:
    """The document's text before `h`'s start, a piece per chunk of `prior` (nearest first; they overlap, each an
    exact span): each piece is what its chunk holds before the text already had. Stops at a gap (a chunk that does
    not reach the one after it): the text is whole only back to there."""
    start = h.start_char
    for _, t, s in prior:
        if s >= start or s + len(t) < start:
            return  # not reaching back past what is had, or a gap
        yield t[:start - s]
        start = s


def with_head(text: str, head: str) -> str:
    """A source's text as the prompt shows it: its table's header first, where it has one."""
    return f"{head}\n{text}" if head else text


__all__ = ["ROW_START", "head_before", "table_heads", "with_head"]
