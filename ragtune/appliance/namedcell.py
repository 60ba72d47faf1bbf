"""The cell the question names, within the row the answer was copied from (round 55).

A table row is served as labelled cells (`Room: Main hall; Parishioner rate: £15; Non-parishioner rate: £22`,
loaders/tablerows.py). The 135M model finds the right row but often copies the wrong cell of it: the parishioner
price when the question says non-parishioners, a later year's column, the start time when it asks when a session
ends. `named_cell` moves an extractive answer that is one cell's value (or a prefix of it) to another cell of THAT
row when the question names that cell's label clearly better than the chosen one's:
- a label is named by its words found in the question (stopwords left out, simple inflection: "fees"/"fee",
  "parties"/"party", "ends"/"end"); a hyphenated word is one word, so "non-parishioners" names "Non-parishioner
  rate" and never "Parishioner rate";
- only the words one label has and the other has not count ("rate" of both rates names neither): the other cell
  must have such a word named and the chosen cell none (the chosen label named too: left alone);
- the best other cell must name more such words than any other candidate, or as many with fewer of its label's
  words left unnamed ("weekend rate" names "Weekend rate" over "Weekend evening rate"); a tie: left alone;
- the words of a cell value the question says, whole or in part ("the Committee Room", "Tuesday", "the night
  shift" for `Shift: Night 21:30-07:30`), and of that cell's label ("registration KX23 NJV", "Dr Wynne on call"
  for `Dentist on call: Dr Wynne`), name the row, not a column asked for; such a cell is never the answer (the
  question gives it), and a chosen value holding some of the question's words (not all) is left alone: they are
  why the model chose it ("replaced by PH-1082" for "Which SKU replaced …?"); a "why" question is left alone;
- the row's first cell (its key, by a table's convention) competes but is never moved to: a question names the key's
  column to say which row ("when did she hand back her main door key" beside `Key no.: K-03`); a grouped row's
  group is written into its key (`Key no.: K-03 (Block B); Holder: Ann Lee`, round 56), so the key stays cell 0
  (copied without the group's name, `K-03`, its value is the words copied);
- a negation is one word with the word it negates ("non parishioners", "not a parishioner", "isn't a member", "no
  members": "non-parishioner", as the hyphenated word; never "No." or "№": `No. seats` is a number); a negation (not,
  non, without, except, excluding, excl, other than, before; nicht, ohne, sans, sauf) of a word some label of the row
  has moves the answer only to a label that holds the negation among the words the chosen label has not
  ("non-parishioners" to `Non-parishioner rate`, "excluding VAT" to `Price excluding VAT`); else it is left alone:
  "not including VAT", "without VAT", "anyone other than parishioners" name the label they negate (readB, round 55). A
  negated word no label has ("not the P120", "before the audit") is no matter;
- the new value must be of the kind the question asks for (answertype.fits): "who … the treasurer?" never moves a
  name to the phone number beside it.
Conservative elsewhere: the answer must be held by exactly one cell of the cited table rows (`extractive.is_row`:
spreadsheet and CSV rows, a document table's labelled rows), never by a source that is no row; a headerless
`a | b` row, a chunk of several rows and an unlabelled cell are never a target; the new answer is the target cell's
whole value and must be a span of its source (`extractive.check_span`), which it then cites alone.
"""

from __future__ import annotations

import re
from typing import Sequence

from .answertype import fits
from .extractive import check_span, is_row
from .injection import source_view
from .rowcells import column_labels
from .tablematch import DATE, date_term, row_cells, row_line
from .text import STOPWORDS, folded, nfkc, prefix5
from .types import ContextItem

# a word: letters joined by hyphens are one ("non-parishioner", "mon-fri"), digits split at any punctuation
# ("2026/27", "2026-27": 2026 and 27)
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+|\w+")
_WHY = re.compile(r"\bwhy\b", re.IGNORECASE)
_NOT = re.compile(r"\b\w+n['’]t\b")  # "isn't", "don't", "can't": a "not"
_JOIN = frozenset({"non", "not", "no"})  # joined with the word after ("not a"/"not an": the word after the article)
# "No. seats", "№ seats", "Nº seats": "number of seats", no negation (readC, round 55): "№"/"Nº" written "No." before
# NFKC folds "Nº" to "No", and a "no" a "." follows is never joined
_NUMBER_SIGN = re.compile(r"№|(?<![^\W\d_])[Nn][º°](?![^\W\d_])")
# negation words: a negated word a label has is named only by a label saying the negation ("excluding", "non-")
_NEGATION = frozenset({"not", "non", "without", "except", "excluding", "excl", "before", "nicht", "ohne", "sans",
                       "sauf"})


def _form(word: str) -> str:
    """A word's simple inflection taken off, alike on both sides: "parties" -> "party", "fees" -> "fee", "rates" ->
    "rate", "classes" -> "class", "ending" -> "end" (not "status", "bus")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suf, root in (("ing", 3), ("ed", 4)):  # "ending" -> "end"; "used", "bed" kept
        if len(word) >= len(suf) + root and word.endswith(suf):
            return word[:-len(suf)]
    if len(word) > 4 and word.endswith("es") and (word[-3] in "sxz" or word[-4:-2] in ("ch", "sh")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    """The words of lower-cased `text`, a negation joined with the word it negates as a hyphenated word is: "non
    parishioners", "not a parishioner", "isn't a parishioner", "no members" -> "non-parishioners", "non-parishioner",
    "non-parishioner", "non-members" (a stopword, a number or a "non-" word after it, or a "." after "no": not
    joined; "No. seats" is the number of seats)."""
    text = _NOT.sub(" not ", text)
    found = list(_TOKEN.finditer(text))
    words = [m[0] for m in found]
    dotted = [text[m.end():m.end() + 1] == "." for m in found]  # "no." is "number", never a negation
    out, i = [], 0
    while i < len(words):
        j = i + 1 + (words[i] == "not" and words[i + 1:i + 2] in (["a"], ["an"]))
        if (words[i] in _JOIN and not dotted[i] and j < len(words) and words[j] not in STOPWORDS
                and words[j] not in _JOIN and not words[j][0].isdigit() and not words[j].startswith("non-")):
            out.append("non-" + words[j])
            i = j + 1
        else:
            out.append(words[i])
            i += 1
    return out


def terms(text: str) -> frozenset[str]:
    """The words of `text` (lower case, accents folded, stopwords left out, a negation joined with its word:
    `_words`) as `_form` writes them, met on their first five letters (text.prefix5, as tablematch's labels:
    "drives" meets "Driver"), each part of a hyphenated word alike ("non-parishioners", "non parishioners" ->
    "non-paris"); a date one term, its day and month (tablematch: `2026-01-26` is "26 January")."""
    dates = [date_term(m) for m in DATE.finditer(text)]
    rest = DATE.sub(" ", text) if dates else text
    return frozenset([_term(w) for w in _words(_nfkc(rest).lower()) if w not in STOPWORDS] + dates)


def negations(question: str) -> list[tuple[str | None, str | None]]:
    """The negations of `question`, each (the term that says it, the term it negates): ("non-paris", "paris") for
    "non parishioners", ("exclu", "vat") for "excluding VAT"; the first None where its word is a stopword no label
    can name ("other than parishioners", "before VAT", a "not" left unjoined), the second where no word follows."""
    words = _words(_nfkc(question).lower())
    out: list[tuple[str | None, str | None]] = []
    for i, w in enumerate(words):
        if w.startswith("non-"):
            out.append((_term(w), _term(w[4:])))
        elif w in _NEGATION or (w == "other" and words[i + 1:i + 2] == ["than"]):
            after = next((x for x in words[i + 1:] if x not in STOPWORDS and x not in _NEGATION), None)
            out.append((None if w in STOPWORDS else _term(w), after and _term(after)))
    return out


def _nfkc(text: str) -> str:
    return nfkc(_NUMBER_SIGN.sub("No.", text))


def _term(word: str) -> str:
    return "-".join(prefix5(part) for part in _form(folded(word)).split("-"))


def _clean(text: str) -> str:
    return " ".join(text.split())


def _holds(value: str, label: str, answer: str) -> bool:
    """Whether `answer` is the cell's value or a prefix of it ending at a word end, its label written before it or
    not ("£15", "Parishioner rate: £15")."""
    for text in (value, f"{label}: {value}" if label else value):
        if text == answer or (text.startswith(answer) and not (text[len(answer)].isalnum() and answer[-1:].isalnum())):
            return True
    return False


def _target(cells: list[tuple[str, str]], chosen: int, question: frozenset[str],
            negates: Sequence[tuple[str | None, str | None]] = ()) -> int | None:
    """The index of the cell of `cells` the question's words `question` name clearly better than cell `chosen`
    (see the module's doc), or None. Each of the question's negations `negates` (`negations`) of a word some label
    has must be said by a word of that cell's label the chosen label has not, else None."""
    mine = terms(cells[chosen][1])
    if mine & question and not mine <= question:
        return None  # the chosen value holds some of the question's words (not all): why the model chose it
    said = [(terms(label), t) for label, value in cells if (t := terms(value)) & question]
    # the question's words that may name a label: not a value's it says (whole or in part), nor that cell's
    # label's, which say which row ("the vehicle with registration KX23 NJV", "Dr Wynne on call" for `Dentist on
    # call: Dr Wynne`, "the night shift" for `Shift: Night 21:30-07:30`)
    asked = question.difference(*(label | value for label, value in said))
    own = terms(cells[chosen][0])
    found: list[tuple[tuple[int, int], int]] = []
    for i, (label, value) in enumerate(cells):
        if i == chosen or not label or not value or terms(value) & question:
            continue
        other = terms(label)
        plus, minus = (other - own) & asked, (own - other) & asked
        if plus and not minus:  # ranked by its words named, then by its words not named (fewer first)
            found.append(((len(plus), -len(other - asked)), i))
    found.sort(reverse=True)
    if not found or (len(found) > 1 and found[0][0] == found[1][0]):
        return None
    labels = frozenset().union(*(terms(label) for label, _ in cells))
    told = terms(cells[found[0][1]][0]) - own
    if any(neg not in told for neg, word in negates if word in labels or neg in labels):
        return None  # "not including VAT", "without VAT", "other than parishioners": the label named is negated
    # the row's key (its first cell) competes but is never the answer: a question names the key's column to say
    # which row ("her main door key" beside `Key no.: K-03`; "the vehicle with registration …")
    return found[0][1] or None


def named_cell(answer: str, citations: Sequence[str], question: str,
               ctx: Sequence[ContextItem]) -> tuple[str, list[str]] | None:
    """(the value of the cell the question names, [its row's id]) instead of `answer`, a span copied
    from one cell of a cited table row; None when the rule does not apply (see the module's doc)."""
    answer = _clean(answer)
    asked = terms(question)
    if not answer or not asked or _WHY.search(question):
        return None  # "why": a reason, which no column's label names (a year beside it names a price column)
    rows = [c for c in ctx if is_row(c)]
    others = [(c.id, source_view(c.text).blocks) for c in ctx if not is_row(c)]
    if not rows or (others and check_span(answer, others)[0] == answer):
        return None  # no table row served, or a source that is no row holds the answer: prose, left alone
    by_source: dict[str, list[str]] = {}
    for c in rows:
        if (line := row_line(c.text)) is not None:
            by_source.setdefault(c.source, []).append(line)
    columns = {src: column_labels(lines) for src, lines in by_source.items()}  # a value's own "Sat:" is no column
    cited = [c for c in rows if not citations or c.id in citations]
    hits = []
    for c in cited:
        cells = row_cells(c.text, columns.get(c.source, frozenset()))
        for k, (label, value) in enumerate(cells or ()):
            if _holds(_clean(value), _clean(label), answer):
                hits.append((c, [(lb, _clean(v)) for lb, v in cells or ()], k))
    if len(hits) != 1:
        return None  # no cell holds it, or several: which one the model copied is unknown
    c, cells, k = hits[0]
    if not k and cells[0][1].startswith(f"{answer} (") and cells[0][1].endswith(")"):
        cells[0] = (cells[0][0], answer)  # a grouped row's key copied without its group's name: the words copied
    i = _target(cells, k, asked, negations(question))
    if i is None or not fits(question, cells[i][1]):
        return None  # nor a name moved to the phone number beside it ("who … the treasurer?")
    value = cells[i][1]
    span = check_span(value, [(c.id, source_view(c.text).blocks)])[0]
    return (value, [c.id]) if span == value else None
