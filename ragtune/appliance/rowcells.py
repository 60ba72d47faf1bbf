"""A table row as loaders/tablerows.py writes it, `Label: value; Label: value`, read back into its cells: one reader
for tablematch.row_cells (which rows a lookup keeps) and extractive.table_cells (where a quoted span ends), round 54.

A row is cut into cells before each `; Label:` (`label_at`: a few words, the last one ending in ":"), its ";" left
out. A value may itself hold "; " ("Notes: call first; then wait": no label after it, the cell goes on) or "; Word:"
("Opening hours: Mon-Fri: 9-5; Sat: 10-2"): the cut is then made only before a label that is one of the table's
columns (`column_labels`: a label starting a part on two or more rows), or when the value before it holds no
"Word:" of its own (round 53's rule for the cell cut, now the row rule's too). A row's first value written under no
label (a column with an empty header cell) is a cell with no label; a later one goes on inside the cell before it.
"""

from __future__ import annotations

import re
from typing import AbstractSet, Iterable, Sequence

Label = tuple[str, ...]
_LABEL_WORDS = 8  # a column label's words at most ("Assigned to:"); a longer run up to a ":" is a value's prose
_WORD = re.compile(r"\S+")


def label_at(words: Sequence[str], k: int) -> Label | None:
    """The column label ("Assigned to:") starting at words[k]: up to a word ending in ":" within a label's few
    words; None when there is none (or a word ending in ";" comes first)."""
    for i, w in enumerate(words[k:k + _LABEL_WORDS]):
        if w.endswith(":"):
            return tuple(words[k:k + i + 1])
        if w.endswith(";"):
            return None
    return None


def _holds_label(cell: Sequence[str]) -> bool:
    """Whether a cell's words ("Opening hours: Mon-Fri: 9-5") hold a "Word:" after their label's: the value itself
    does, so a "; Sat:" after it goes on inside it."""
    for i, w in enumerate(cell):
        if w.endswith(":"):
            return any(x.endswith(":") for x in cell[i + 1:])
    return False


def part_labels(line: str) -> set[Label]:
    """The labels that start a `Label: value` part of one row `line` (its start or after a "; "): its cells' labels
    and any "Sat:" or "Extension:" a cell's value may hold."""
    words = line.split()
    here = {label_at(words, k) for k in range(len(words)) if k == 0 or words[k - 1].endswith(";")}
    return here - {None}  # type: ignore[return-value]


def column_labels(lines: Iterable[str]) -> set[Label]:
    """The labels that start a `Label: value` part (`part_labels`) on two or more of `lines`: the table's column
    labels, not a "Sat:" inside one row's value."""
    seen: dict[Label, int] = {}
    for line in lines:
        for label in part_labels(line):
            seen[label] = seen.get(label, 0) + 1
    return {label for label, n in seen.items() if n >= 2}


def ends_cell(words: Sequence[str], k: int, cell: Sequence[str], columns: AbstractSet[Label]) -> bool:
    """Whether the cell whose words so far are `cell` ends with words[k] (its ";" left out): words[k] ends in ";"
    and a label starts at words[k + 1] that is a column, or that the cell's value holds no "Word:" of its own."""
    if not words[k].endswith(";"):
        return False
    label = label_at(words, k + 1)
    return label is not None and (label in columns or not _holds_label(cell))


def row_cells(line: str, columns: AbstractSet[Label]) -> list[tuple[str, str]]:
    """(label, value) of each cell of one row `line`, as written there ("" for a value under no label); `columns`
    the table's column labels (`column_labels` of its rows)."""
    found = list(_WORD.finditer(line))
    words = [m[0] for m in found]
    cells: list[tuple[str, str]] = []
    start = 0  # the cell's first word
    for k in range(len(words)):
        last = k + 1 == len(words)
        if not last and not ends_cell(words, k, words[start:k], columns):
            continue
        cell = found[start:k + 1]
        end = cell[-1].end() - (not last)  # a cut cell's ";" left out
        n = len(label_at(words[start:k + 1], 0) or ())
        label = line[cell[0].start():cell[n - 1].end() - 1].strip() if n else ""
        cells.append((label, line[cell[n].start():end].strip() if n < len(cell) else ""))
        start = k + 1
    return cells
