"""Which table rows an extractive answer may quote: the rows whose own key the question names (round 53).

A spreadsheet's or CSV's row is one source (ingest/table_chunks.py), written `Label: value; Label: value`
(loaders/tablerows.py; read back by rowcells.py as the cell cut reads it, the columns those of the table's rows
served), its first cell the row's key by a table's convention (a name, a registration, a request id).
"What is Daniel Reed's extension?" retrieves Daniel Reed's own row and the row whose line manager is Daniel Reed;
the 135M model copied the extension of the second (benchmarks/README.md, round 52). Here the served table rows are
ranked, and the rows below the best are left out of what the decoder may copy (the model still reads them all):
1. the row's key cell is named whole in the question (every content word of its value, by its stem alone);
2. one of the row's column labels is a word of the question (the column asked for: "extension"), or a label
   starting a `; Label:` part of it ("Hours: Mon-Thu: 9-5; Extension: 4412" read as one cell, round 54);
3. how many of its other cells are named whole ("2025" beside a product priced in two years), the column asked for
   left out (its value is the answer, which the question does not say).
Only a lookup on the named row narrows (mend of reviewer rG): every key-named row has a column the question asks for.
"Who reports to Daniel Reed?" or "Which room is Daniel Reed in?" asks for no column of his own row: the answer is a
row naming him elsewhere, and nothing is left out. Unless the question asks about the key's own row ("Jon Weiss's
loan", "the manager of Jon Weiss"), a row naming the key under a column asked for is kept too ("loans Jon Weiss
approved": the rows `Approved by: Jon Weiss`).
Two different keys named ("Alice Wong and Bob Li") keep both rows; a key inside a longer named key ("Acme" in "Acme
Logistics") is not named. A key in a script written without spaces (王伟 inside 王伟华) is never named: its bounds
are unknown. A key of digits alone is named only beside its label or "#" ("No 1", "#1"; not "for 1 kg").
Nothing is narrowed unless some row's key is named whole (a question naming only "Priya" of "Priya
Nair", or no row at all, is left to the model and the refusal checks), and sources that are not table rows (prose,
a chunk of several rows) are never left out: an English passage's answer is decided as before.
Labels and other cells meet on their stem's first five letters ("lifts"/"lift"), as focus.py's do, keys on the
stem alone ("Martinez" does not name "Martin"), and a date as the day and month it names ("2025-08-22" is named by
"22 August", "Aug 22nd").
"""

from __future__ import annotations

import re
from typing import AbstractSet, Callable, Sequence

from . import rowcells
from .rowcells import Label, column_labels
from .text import content_words, prefix5, stem
from .types import ContextItem

Sources = list[tuple[str, tuple[str, ...]]]

_MONTH = (r"(january|february|march|april|may|june|july|august|september|october|november|december|"
          r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_YEAR = r"(?:,?\s+\d{4})?"
# A date as a cell shows it (2025-08-22, what the spreadsheet loader writes) or as a question says it (22 August,
# Aug 22nd), the year optional: one term "@22.8" (a question rarely says the year its table's dates all share).
DATE = re.compile(rf"\b(?:(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}{_YEAR}"
                  rf"|{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?{_YEAR})\b", re.IGNORECASE)
# letters of the scripts written without spaces (Chinese, Japanese kana, Thai, Lao, Myanmar, Khmer): a key there
# has no word bounds, and 王伟 would be named inside 王伟华
_UNSPACED = re.compile("[\u0e01-\u0e4e\u0e81-\u0ece\u1000-\u109f\u1780-\u17dd\u3040-\u30ff\u3400-\u4dbf"
                       "\u4e00-\u9fff\uf900-\ufaff]")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def date_term(m: re.Match[str]) -> str:
    """The one term "@day.month" of a date `DATE` matched, however it was written (namedcell.py reads dates alike)."""
    day, month = (m[3], m[2]) if m[1] else (m[4], m[5]) if m[4] else (m[7], m[6])
    number = int(month) if month.isdigit() else _MONTHS.index(month[:3].lower()) + 1
    return f"@{int(day)}.{number}"


def _terms(text: str, lenient: bool = True) -> frozenset[str]:
    """The content words' stems of `text` (`prefix5` of `stem` where `lenient`), each date one term (`DATE`)."""
    dates = [date_term(m) for m in DATE.finditer(text)]
    rest = DATE.sub(" ", text) if dates else text
    return frozenset([prefix5(stem(w)) if lenient else stem(w) for w in content_words(rest)] + dates)


def row_line(text: str) -> str | None:
    """The one table row `text` holds (lines above it, a `## Sheet:` heading or a title, are not rows), or None when
    it holds none or more than one (a chunk of several rows is not judged)."""
    rows = [line for line in text.split("\n") if ": " in line and not line.startswith("#")]
    return rows[0] if len(rows) == 1 else None


def row_cells(text: str, columns: AbstractSet[Label] = frozenset()) -> list[tuple[str, str]] | None:
    """(label, value) of each cell of the one table row `text` holds (`row_line`), as rowcells.py reads a row for
    the cell cut too (`columns`: the column labels its table's other rows show); None when it holds no row, more
    than one, or one with no labelled cell."""
    line = row_line(text)
    if line is None:
        return None
    cells = rowcells.row_cells(line, columns | column_labels(text.split("\n")))
    return cells if any(label for label, _ in cells) else None


def _rank(cells: list[tuple[str, str]], asked: frozenset[str], line: str = "") -> tuple[bool, bool, int]:
    """(key named whole, a label asked for, other cells named whole) of a row `line` read as `cells` (its labels
    those of the cells where no line is given), for a question's terms `asked`."""
    named = [bool(t) and t <= asked for t in (_terms(v) for _, v in cells)]
    label_asked = [bool(_terms(label) & asked) for label, _ in cells]
    # a label starting any `; Label:` part counts as asked too: a row served alone whose value holds its own
    # "Word:" ("Hours: Mon-Thu: 9-5; Extension: 4412") reads as one cell there, the asked column inside it (mend of
    # reviewer readA: Daniel Reed's extension); not by the key's own words ("Sat:" of a key "Sat: closed")
    key = _terms(cells[0][1])
    part_asked = any((_terms(" ".join(label)) & asked) - key for label in rowcells.part_labels(line))
    # a cell of the column asked for holds the answer, which the question does not say ("Places left: 1" is not
    # named by "the 1 pm course")
    return (named[0], any(label_asked) or part_asked,
            sum(n and not a for n, a in zip(named[1:], label_asked[1:])))


def _subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    """Whether `short` is `long` with some items left out, in order."""
    rest = iter(long)
    return all(item in rest for item in short)


def _keys(ctx: Sequence[ContextItem], rows: dict[int, list[tuple[str, str]]]) -> dict[int, frozenset[str]]:
    """Each table row's key terms (exact stems), empty where its first cell is no key: a value in a script without
    spaces, or a row whose labels, in order, are another row's of its document after that row's first (the loader
    leaves an empty cell out, so a row with no name is [Team, Extension] beside [Name, Team, Extension]; a row of
    another sheet that merely has a Name column keeps its rows' keys, mend of reviewer rH)."""
    shapes: dict[str, set[tuple[str, ...]]] = {}
    for i, cells in rows.items():
        shapes.setdefault(ctx[i].source, set()).add(tuple(label for label, _ in cells))
    keyless = {i for i, cells in rows.items()
               if any(_subsequence([label for label, _ in cells], other[1:]) for other in shapes[ctx[i].source])}
    return {i: frozenset() if i in keyless or _UNSPACED.search(value) else _terms(value, False)
            for i, ((label, value), *_) in rows.items()}


def _said(label: str, value: str, question: str) -> bool:
    """Whether a key made only of digits is said as that key: beside its column's label or "#" ("No 1", "item 1"
    for Item, "#1"), not as any number ("for 1 kg" names no row No 1, mend of reviewer rH). Other keys: True."""
    if not re.fullmatch(r"[0-9]+", value):
        return True
    label_words = "|".join(re.escape(w) for w in re.findall(r"\w+", label)) or "#"
    return bool(re.search(rf"(?:(?<!\w)(?:{label_words})\.?\s*|#\s*)0*{int(value)}(?![\w.,]\d|\w)", question,
                          re.IGNORECASE))


def _owner(key: str, question: str) -> bool:
    """Whether `question` asks about the row of `key` as its owner: "Jon Weiss's loan", "the manager of Jon Weiss"
    (not "the loans Jon Weiss approved", "Who reports to Jon Weiss?")."""
    words = key.split()
    return bool(words) and bool(re.search(rf"{re.escape(words[-1])}['\u2019]s?(?!\w)|\bof\s+{re.escape(words[0])}",
                                          question, re.IGNORECASE))


def key_rows(question: str, ctx: Sequence[ContextItem], sources: Sources,
             is_table: Callable[[str], bool]) -> Sources:
    """`sources` (extractive_sources of `ctx`, in its order) without the table rows the question's lookup does not
    need (see the module's doc); `sources` itself when no row's key is named, or when the question is no lookup on
    the named rows. `is_table(path)`: whether a source's document is of a kind written as table rows
    (extractive._is_table)."""
    asked, exact = _terms(question), _terms(question, False)
    if not asked or len(sources) != len(ctx):
        return sources
    lines = {i: line for i, c in enumerate(ctx) if is_table(c.source) and (line := row_line(c.text))}
    columns = {src: column_labels([line for i, line in lines.items() if ctx[i].source == src])
               for src in {ctx[i].source for i in lines}}  # a value's own "; Sat:" is no column (rowcells.py)
    rows = {i: cells for i in lines if (cells := row_cells(ctx[i].text, columns[ctx[i].source]))}
    ranks = {i: _rank(cells, asked, lines[i]) for i, cells in rows.items()}
    named = {i: k for i, k in _keys(ctx, rows).items() if k and k <= exact and _said(*rows[i][0], question)}
    named = {i: k for i, k in named.items() if not any(k < o for o in named.values())}  # "Acme" in "Acme Logistics"
    if not named or not all(ranks[i][1] for i in named):  # no column of the named row asked: not a lookup on it
        return sources
    if len(set(named.values())) > 1:  # two rows' keys named ("Alice Wong and Bob Li"): both, nothing compared
        keep = set(named)
    else:
        top = max(ranks[i][1:] for i in named)
        keep = {i for i in named if ranks[i][1:] == top}
    if not any(_owner(rows[i][0][1], question) for i in named):  # "loans Jon Weiss approved": rows naming him
        terms = set().union(*named.values())
        keep |= {i for i, cells in rows.items()
                 if any((v := _terms(value, False)) and v <= terms and _terms(label) & asked
                        for label, value in cells[1:])}
    if keep == set(rows):
        return sources
    return [s for i, s in enumerate(sources) if i not in rows or i in keep]
