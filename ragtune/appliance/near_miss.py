"""The near-miss check (round 58): an extractive answer copied from a sentence about another thing of the same kind
than the one the question names (`other_subject`, refusal.py).

A question that the sources cannot answer is most often a near miss: the source is about the same subject but
names a different one of its kind. "When did the north depot open?" over a leaflet that writes only "The south depot
on Mill Lane opened in 2014": the 135M model copies "2014", and every word check passes, since the sentence shares
"depot" and "open" with the question. What gives it away is a naming word of the question that the answer's
sentence lacks while the same place in the sentence holds a rival of it:

- a modifier before a head noun both share: "north depot" / "south depot", "junior choir" / "adult choir", "Tennis
  Club" / "Cricket Club";
- a code after a name both share: "route 14" / "route 12", "Aldo K3" / "Aldo K2" (exactly: "07" is "7", "10" no "1").

A rival is a code, a name (the question capitalises its word, the source never writes the rival lower-case) or
another member of one closed contrast set (north/south, front/back, junior/senior, spring/summer, morning/evening,
single/double, annual/monthly, red/blue, indoor/outdoor...). Any other word may be a synonym, and a synonym refuses
a right answer: "bin" / "refuse" collection, "GP" / "doctors'" surgery, "Saturday" / "weekend" market, "summer" /
"village" fete (a reader's 88 right answers lost 21 to them; on a recorded disflqa run 4 right answers for 5 more
unanswerable refused). So "alarm code" / "cabinet code" is let through.

The sentence is read as a reader reads it: under its document's title, the headings above it in its passage, in a
FAQ the question it answers, and a table cell with its row ("Recall: Brisendol 200 mg tablets" names the stock of
every line below it). The question's word must be in none of them. Only words that name count: not a verb ("stop
drinking", "doesn't get better", "Which club paid Rovers": after "to", an auxiliary, a negation or "which <noun>";
yet in a question the word right after "does" is its subject, "does evening surgery finish", and after an auxiliary
its last word a verb, "does the coffee shop close"), not a function word or a word of asking or measure ("how
many", "the maximum wind", "the total fees"), not a number (nor a hyphened word with a part of digits, "30-day": a
hyphened word is read whole, a possessive as its word). A name is matched strictly ("Hollinsford" is not
"Hollinsway"); the head must be the same word, its plural aside ("monthly rent" is no "calendar month"); "the
scanner called Tarn" is the Tarn scanner. Other words are matched leniently (5-letter prefixes, a short word's
inflections, an abbreviation: "St"/"Street", "Mt"/"Mount"): a miss here refuses an answer, so only a plainly
different word counts.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import Iterator, Sequence

from .faqpairs import asked_before
from .injection import SourceView
from .normalize_terms import CALENDAR as NAMED_DAYS
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
_NAME = re.compile(r"(?<=\S\s)[\"“‘]?([A-Z][\w'’-]*)")  # a capitalised word, not the first of its text
# capitalised, yet no name of a thing: "Saturday hours" are opening hours
CALENDAR = frozenset(NAMED_DAYS | {"christmas", "easter"})
_WHICH = frozenset({"which", "what", "whose"})
# in a question, the word after one of these is its subject ("When does evening surgery finish?")
AUXILIARY = frozenset("do does did will can".split())
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b|(?<=s)['’](?!\w)")
_LOWER = re.compile(r"(?<![\w-])[a-z][\w'’-]*")
_CALLED = frozenset({"called", "named"})  # "the scanner called Tarn": the Tarn scanner
HEADING_WORDS = 12  # a line this short, standing alone, with no sentence end, is a heading


def _abbrev(a: str, b: str) -> bool:
    """One word written short: a side of two or three letters, no stop word ("on" is no "Orvenna"), whose letters
    stand in order in the other, from its first ("St"/"Street", "Rd"/"Road", "Mt"/"Mount"), or a name one letter
    apart ("MacLeod"/"McLeod")."""
    s, o = (a, b) if len(a) <= len(b) else (b, a)
    short = 2 <= len(s) <= 3 < len(o) or len(s) >= 5 and len(o) == len(s) + 1
    if not (short and s.isalpha() and o.isalpha() and s[0] == o[0] and _naming(s)):
        return False
    rest = iter(o)
    return all(c in rest for c in s)


def _code_same(a: str, b: str) -> bool:
    """Two codes compared exactly, digits by value ("7" is "07"; "10" is no "1", "7a" no "7")."""
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def _same(q: str, w: str) -> bool:
    """Whether the question's word `q` and a source's word `w` are one word (lenient: 5-letter prefixes; a short
    word and its inflections, "move"/"moved"; an abbreviation)."""
    if _digit(q) or _digit(w):
        return _code_same(q, w)
    if q == w or _abbrev(q, w):
        return True
    if len(q) >= 5 and len(w) >= 5:
        return q[:5] == w[:5]
    short, other = (q, w) if len(q) <= len(w) else (w, q)
    return len(short) >= 3 and other.startswith(short) and len(other) - len(short) <= 3


def _close(q: str, w: str) -> bool:
    """One word, strictly: the same, or one with up to three more letters ("depot"/"depots", "open"/"opening");
    two names that share five letters are two ("Hollinsford"/"Hollinsway"); an abbreviation is its word."""
    if _digit(q) or _digit(w):
        return _code_same(q, w)
    short, other = (q, w) if len(q) <= len(w) else (w, q)
    return (other.startswith(short) and len(other) - len(short) <= 3) or _abbrev(q, w)


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


def _words(text: str) -> list[str]:
    """The text's words, a hyphened word whole ("30-day", "open-air") and a possessive as its word ("women's",
    "kids'")."""
    text = _HYPHEN.sub("_", _POSSESSIVE.sub("", text))
    return [w.replace("_", "-") for w in words(text)]


def _parts(ws: Sequence[str]) -> set[str]:
    """The words and the parts of the hyphened ones ("e-bike": "e", "bike")."""
    return {*ws, *(p for w in ws if "-" in w for p in w.split("-") if p)}


def _runs(text: str) -> list[list[str]]:
    """The text's words in runs of words only spaces, hyphens or apostrophes part: "sachet, drink" and "Ferry —
    fares" are no pair, nor two lines."""
    return [w for w in (_words(run) for run in _BREAK.split(text)) if w]


def _pairs(run: list[str], asking: bool = False) -> Iterator[tuple[str, str, str]]:
    """(the word before, a word, the next) along a run. In a question (`asking`), the word after "which/what <noun>"
    is its verb ("Which club paid Rovers"): it comes with "to" before it; the word right after an auxiliary is its
    subject ("does evening surgery finish"), not a verb."""
    for i in range(len(run) - 1):
        verb = asking and i >= 2 and run[i - 2] in _WHICH and run[i - 1] not in STOPWORDS
        before = "to" if verb else run[i - 1] if i else ""
        yield ("" if asking and before in AUXILIARY else before), run[i], run[i + 1]


# closed contrast sets, one member's words "|" apart ("kids|children": one member, no rival of each other)
CONTRASTS = [[frozenset(m.split("|")) for m in s.split()] for s in (
    "north|northern south|southern east|eastern west|western upper lower inner outer",
    "front back|rear side top bottom left right upstairs downstairs",
    "small|little large|big main medium",
    "junior|child|children|kids|youth senior adult infant|toddler student|students family",
    "men|mens|male|gents|boys women|womens|female|ladies|girls",
    "spring summer autumn winter christmas easter",
    "morning afternoon evening night",
    "single double twin family",
    "annual|yearly monthly weekly daily quarterly",
    "red blue green black white yellow brown purple orange grey gold silver platinum bronze",
    "indoor|inside outdoor|outside",
    "first second third fourth last",
    "full part")]


def _members(w: str) -> set[tuple[int, int]]:
    """(its contrast set, its member) for each set holding the word ("family": of the ages and of the rooms); a
    hyphened word's are its first part's ("part-time", "full-time")."""
    found = {(i, j) for i, s in enumerate(CONTRASTS) for j, m in enumerate(s) if w in m}
    return found or (_members(w.split("-")[0]) if "-" in w else found)


def _rivals(w: str, r: str, names: set[str], lower: set[str]) -> bool:
    """Whether the question's word `w` and the source's `r` plainly name two things: two names (the question
    capitalises `w`, the source never writes `r` lower-case) or two members of one contrast set. Any other word may
    be a synonym ("bin"/"refuse", "GP"/"doctors", "Saturday"/"weekend", "summer"/"village" fete): a reader's 88
    right answers lost 21 to them."""
    a, b = _members(w), _members(r)
    return (w in names and r not in lower) or (not a & b and bool({i for i, _ in a} & {i for i, _ in b}))


def rival(question: str, sentence: str, heading: str) -> tuple[str, str] | None:
    """(the question's naming word, the rival the sentence or its heading holds in its place), or None when the
    sentence, read under `heading` (its title, headings and FAQ question, lines apart), is no near miss."""
    runs = _runs(question)
    q = _parts([w for run in runs for w in run])
    names = {w for x in _NAME.findall(question) for w in _words(x)} - CALENDAR  # "the Aldermere fees": a name
    text = f"{heading}\n{sentence}"
    lines = _runs(text)
    near = _parts([w for line in lines for w in line])
    lower = set(_words(" ".join(_LOWER.findall(text))))  # the words the source writes lower-case
    # "What time does the coffee shop close?": after an auxiliary the last word is a verb, no head
    last = runs[-1][-1] if runs and AUXILIARY.intersection(q) else None

    def held(w: str) -> bool:
        if "-" in w and all(held(p) for p in w.split("-") if p):
            return True
        m = _members(w)
        return any(_close(w, v) or (w not in names and _same(w, v)) or bool(m & _members(v)) for v in near)

    def asked(w: str) -> bool:
        return any(_close(x, w) or (x not in names and _same(x, w)) for x in q)

    for k, run in enumerate(runs):
        called = [("", run[i + 2], run[i]) for i in range(len(run) - 2) if run[i + 1] in _CALLED]
        pairs = [p for i, p in enumerate(_pairs(run, asking=True))
                 if not (k == len(runs) - 1 and i == len(run) - 2 and p[2] == last)]
        for before, w, a in [*pairs, *called]:
            if _naming(w, before) and _naming(a) and not _number(w) and not _number(a) and len(a) >= 3 \
                    and not held(w):
                # a modifier: "north depot" / "south depot"
                for line in lines:
                    for b, r, head in _pairs(line):
                        if (_same_head(a, head) and _naming(r, b) and not _close(w, r) and not asked(r)
                                and not _number(r) and _rivals(w, r, names, lower)):
                            return w, r
        for a, w in zip(run, run[1:]):
            if _digit(w) and _naming(a) and not _number(a) and not held(w):
                # a code after a name: "route 14" / "route 12"
                for line in lines:
                    for name, r in zip(line, line[1:]):
                        if _same_head(a, name) and _digit(r) and not _code_same(w, r) and not asked(r):
                            return w, r
    return None


def _heading_lines(raw: str) -> list[tuple[int, str]]:
    """(where it starts, the heading) for every heading line of a passage's raw text (a Markdown "#" line; a short
    line standing alone after a blank line or at the start, with no sentence end: "2. RENT", "Route 12: Harbour to
    Station")."""
    out, pos, blank = [], 0, True
    for line in raw.splitlines(keepends=True):
        s = line.strip()
        if s.startswith("#") or (blank and s and len(s.split()) <= HEADING_WORDS and "|" not in s
                                 and not s[0].islower() and not re.search(r"[.!?]$", s)):
            out.append((pos, s.lstrip("#").strip()))
        blank = not s
        pos += len(line)
    return out


def headings(raw: str, upto: int = -1) -> list[str]:
    """The heading lines of a passage's raw text, those starting before character `upto` when it is given."""
    return [h for pos, h in _heading_lines(raw) if upto < 0 or pos < upto]


def places(span: str, sources: Sequence[tuple[SourceView, str, str]],
           sentence_end: re.Pattern[str]) -> Iterator[tuple[str, str]]:
    """(the sentence holding `span`, what it stands under: its document's title, the headings above it in its
    passage, the FAQ question it answers, a table cell's row, one a line) for every occurrence of `span` in the
    blocks of the sources, each (its view, its raw text, its document's title). What a source gives is read once
    (a span found a hundred times in a long source read it a hundred times over)."""
    for v, raw, title in sources:
        found = [block for block in v.blocks if span in block]
        if not found:
            continue
        collapsed = " ".join(raw.split())
        raw_words = [(m.start(), len(m.group(0))) for m in re.finditer(r"\S+", raw)]
        starts = [at for at, _ in raw_words]  # the raw offset of each collapsed word
        at_word = list(accumulate((n + 1 for _, n in raw_words), initial=0))
        heads = _heading_lines(raw)
        rows = [line for line in raw.splitlines() if "|" in line and span in " ".join(line.split())][:1]
        for block in found:
            marks = [(m.start(), m.end()) for m in sentence_end.finditer(block)]
            i = block.find(span)
            while i >= 0:
                start = max((e for s, e in marks if e <= i + 1), default=0)
                end = next((s for s, _ in marks if s >= i + len(span)), len(block))
                sentence = block[start:end]
                upto = _raw_at(collapsed.find(sentence[:40]), starts, at_word, len(raw))
                cuts = [0, *(e for s, e in marks if e <= start)]
                ends = [s for s, e in marks if e <= start] + [start]
                before = [block[c:x] for c, x in zip(cuts, ends) if block[c:x].strip()]
                faq = asked_before(before, sentence) or ""
                above = [h for pos, h in heads if upto < 0 or pos < upto]
                yield sentence, "\n".join([title, *above, faq, *rows])  # a cell's row: its label
                i = block.find(span, i + 1)


def _raw_at(at: int, starts: list[int], at_word: list[int], size: int) -> int:
    """The raw text's offset of offset `at` of its white-space-collapsed form (-1 stays -1: not found), from the raw
    offset of each word (`starts`) and where each starts in the collapsed form (`at_word`)."""
    if at < 0:
        return -1
    k = bisect_right(at_word, at) - 1
    if k + 1 < len(at_word) and at >= at_word[k + 1] - 1:  # the space after word k: word k + 1 starts it
        k += 1
    return starts[k] + max(0, at - at_word[k]) if k < len(starts) else size


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
