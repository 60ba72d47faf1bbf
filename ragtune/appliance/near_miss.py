"""The near-miss check (round 58): an extractive answer copied from a sentence about another thing of the same kind
than the one the question names (`other_subject`, refusal.py).

A question that the sources cannot answer is most often a near miss: the source is about the same subject but
names a different one of its kind. "When did the north depot open?" over a leaflet that writes only "The south depot
on Mill Lane opened in 2014": the 135M model copies "2014", and every word check passes, since the sentence shares
"depot" and "open" with the question. What gives it away is a naming word of the question that the answer's
sentence lacks while the same place in the sentence holds another word:

- a modifier before a head noun both share: "north depot" / "south depot", "sick leave" / "annual leave", "alarm
  code" / "cabinet code", "tennis club" / "cricket club";
- a code after a name both share: "route 14" / "route 12", "Aldo K3" / "Aldo K2".

The sentence is read as a reader reads it: under its document's title, the headings above it in its passage, in a
FAQ the question it answers, and a table cell with its row ("Recall: Brisendol 200 mg tablets" names the stock of
every line below it). The question's word must be in none of them. Only words that name count: not a verb ("stop
drinking", "doesn't get better", "Which club paid Rovers": after "to", an auxiliary, a negation or "which <noun>"),
not a function word or a word of asking or measure ("how many", "the maximum wind", "the total fees"), not a number;
a name the question capitalises has no common word for its rival ("the Aldermere fees" / "the total fees") and is
matched strictly ("Hollinsford" is not "Hollinsway"); the head must be the same word, its plural aside ("monthly
rent" is no "calendar month"); "the scanner called Tarn" is the Tarn scanner. Other words are matched leniently
(5-letter prefixes, a short word's inflections): a miss here refuses an answer, so only a plainly different word
counts.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from .faqpairs import asked_before
from .injection import SourceView
from .numberwords import source_numbers
from .text import STOPWORDS, words

# words of asking or measure, never a naming word ("How many unused days" / "five unused days", "the maximum wind"
# / "a legal wind": the maximum is what is asked, not which wind)
ASKING = frozenset("""many much long often far old soon early late kind sort type maximum minimum max min total
overall exact approximate""".split())
# words that never name a thing, though not stop words
FUNCTION = frozenset("since until till each every per than via within without whether also yet still even ever "
                     "please either neither".split())
# a word after one of these is a verb ("have to stop drinking", "doesn't get better", "can I park")
VERB_BEFORE = frozenset("""to do does did doesn don didn t can could will would should must may might shall i you we
they he she it""".split())
# what parts two words into two runs (not quotes: 'The "Fell" scanner' is a pair)
_BREAK = re.compile(r"[^\w\s'’\"“”-]+|\n")
_NAME = re.compile(r"(?<=\S\s)[A-Z][\w'’]*")  # a capitalised word, not the first of its text
# capitalised, yet no name of a thing: "Saturday hours" are opening hours
CALENDAR = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december""".split())
_WHICH = frozenset({"which", "what", "whose"})
_CALLED = frozenset({"called", "named"})  # "the scanner called Tarn": the Tarn scanner
HEADING_WORDS = 12  # a line this short, standing alone, with no sentence end, is a heading


def _same(q: str, w: str) -> bool:
    """Whether the question's word `q` and a source's word `w` are one word (lenient: 5-letter prefixes; a short
    word and its inflections, "move"/"moved")."""
    if q == w:
        return True
    if len(q) >= 5 and len(w) >= 5:
        return q[:5] == w[:5]
    short, other = (q, w) if len(q) <= len(w) else (w, q)
    return len(short) >= 3 and other.startswith(short) and len(other) - len(short) <= 3


def _close(q: str, w: str) -> bool:
    """One word, strictly: the same, or one with up to three more letters ("depot"/"depots", "open"/"opening");
    two names that share five letters are two ("Hollinsford"/"Hollinsway")."""
    short, other = (q, w) if len(q) <= len(w) else (w, q)
    return other.startswith(short) and len(other) - len(short) <= 3


def _same_head(a: str, h: str) -> bool:
    """The same head noun, its plural aside: "depot"/"depots", "fee"/"fees", but "monthly"/"month" are two."""
    short, other = (a, h) if len(a) <= len(h) else (h, a)
    return other in (short, short + "s", short + "es", short[:-1] + "ies" if short.endswith("y") else short)


def _digit(w: str) -> bool:
    return any(c.isdigit() for c in w)


def _number(w: str) -> bool:
    return _digit(w) or bool(source_numbers(w))


def _naming(w: str, before: str = "") -> bool:
    """Whether `w` (after the word `before` in its run) can name a thing."""
    return (w not in STOPWORDS and w not in ASKING and w not in FUNCTION and len(w) >= 2
            and before not in VERB_BEFORE)


def _runs(text: str) -> list[list[str]]:
    """The text's words in runs of words only spaces, hyphens or apostrophes part: "sachet, drink" and "Ferry —
    fares" are no pair, nor two lines."""
    return [w for w in (words(run) for run in _BREAK.split(text)) if w]


def _pairs(run: list[str], asking: bool = False) -> Iterator[tuple[str, str, str]]:
    """(the word before, a word, the next) along a run. In a question (`asking`), the word after "which/what <noun>"
    is its verb ("Which club paid Rovers"): it comes with "to" before it."""
    for i in range(len(run) - 1):
        verb = asking and i >= 2 and run[i - 2] in _WHICH and run[i - 1] not in STOPWORDS
        yield ("to" if verb else run[i - 1] if i else ""), run[i], run[i + 1]


def rival(question: str, sentence: str, heading: str) -> tuple[str, str] | None:
    """(the question's naming word, the rival the sentence or its heading holds in its place), or None when the
    sentence, read under `heading` (its title, headings and FAQ question, lines apart), is no near miss."""
    runs = _runs(question)
    q = [w for run in runs for w in run]
    names = {x.lower() for x in _NAME.findall(question)} - CALENDAR  # "the Aldermere fees": a name
    lines = _runs(f"{heading}\n{sentence}")
    near = {w for line in lines for w in line}
    lower = set(re.findall(r"\b[a-z][\w'’]*", f"{heading}\n{sentence}"))  # the words the source writes lower-case

    def held(w: str) -> bool:
        return any(_close(w, v) or (w not in names and _same(w, v)) for v in near)

    def asked(w: str) -> bool:
        return any(_close(x, w) or (x not in names and _same(x, w)) for x in q)

    for run in runs:
        called = [("", run[i + 2], run[i]) for i in range(len(run) - 2) if run[i + 1] in _CALLED]
        for before, w, a in [*_pairs(run, asking=True), *called]:
            if _naming(w, before) and _naming(a) and not _number(w) and not _number(a) and len(a) >= 3 \
                    and not held(w):
                # a modifier: "north depot" / "south depot"
                for line in lines:
                    for b, r, head in _pairs(line):
                        if (_same_head(a, head) and _naming(r, b) and r != w and not asked(r) and not _number(r)
                                and not (w in names and r in lower)):
                            return w, r
        for a, w in zip(run, run[1:]):
            if _digit(w) and _naming(a) and not _number(a) and not held(w):
                # a code after a name: "route 14" / "route 12"
                for line in lines:
                    for name, r in zip(line, line[1:]):
                        if _same_head(a, name) and _digit(r) and r != w and not asked(r):
                            return w, r
    return None


def headings(raw: str, upto: int = -1) -> list[str]:
    """The heading lines of a passage's raw text (a Markdown "#" line; a short line standing alone after a blank
    line or at the start, with no sentence end: "2. RENT", "Route 12: Harbour to Station"), those starting before
    character `upto` when it is given."""
    out, pos, blank = [], 0, True
    for line in raw.splitlines(keepends=True):
        s = line.strip()
        if 0 <= upto <= pos:
            break
        if s.startswith("#") or (blank and s and len(s.split()) <= HEADING_WORDS and "|" not in s
                                 and not s[0].islower() and not re.search(r"[.!?]$", s)):
            out.append(s.lstrip("#").strip())
        blank = not s
        pos += len(line)
    return out


def places(span: str, sources: Sequence[tuple[SourceView, str, str]],
           sentence_end: re.Pattern[str]) -> Iterator[tuple[str, str]]:
    """(the sentence holding `span`, what it stands under: its document's title, the headings above it in its
    passage, the FAQ question it answers, a table cell's row, one a line) for every occurrence of `span` in the
    blocks of the sources, each (its view, its raw text, its document's title)."""
    for v, raw, title in sources:
        collapsed = " ".join(raw.split())
        for block in v.blocks:
            i = block.find(span)
            while i >= 0:
                start = max((m.end() for m in sentence_end.finditer(block, 0, i + 1)), default=0)
                end = next((m.start() for m in sentence_end.finditer(block, i + len(span))), len(block))
                sentence = block[start:end]
                at = collapsed.find(sentence[:40])
                upto = _raw_at(raw, at)
                before = [s for s in sentence_end.split(block[:start]) if s.strip()]
                faq = asked_before(before, sentence) or ""
                rows = [line for line in raw.splitlines() if "|" in line and span in " ".join(line.split())]
                yield sentence, "\n".join([title, *headings(raw, upto), faq, *rows[:1]])  # a cell's row: its label
                i = block.find(span, i + 1)


def _raw_at(raw: str, at: int) -> int:
    """The raw text's offset of offset `at` of its white-space-collapsed form (-1 stays -1: not found)."""
    if at < 0:
        return -1
    seen = 0
    for m in re.finditer(r"\S+", raw):
        if seen + len(m.group(0)) > at:
            return m.start() + max(0, at - seen)
        seen += len(m.group(0)) + 1
    return len(raw)


def other_subject(question: str, span: str, sources: Sequence[tuple[SourceView, str, str]],
                  sentence_end: re.Pattern[str]) -> tuple[str, str] | None:
    """The first (question word, rival) when every place an extractive answer `span` was copied from (over the
    sources it cites, each (view, raw text, document title); `sentence_end`: refusal.SENTENCE_END) is a near miss
    of the question; None when one is not, or there is none."""
    found = None
    for sentence, heading in places(span, sources, sentence_end):
        hit = rival(question, sentence, heading)
        if hit is None:
            return None
        found = found or hit
    return found
