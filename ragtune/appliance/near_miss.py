"""The near-miss check (round 58): an extractive answer copied from a sentence about another thing of the same kind
than the one the question names (`other_subject`, refusal.py).

A question that the sources cannot answer is most often a near miss: the source is about the same subject but
names a different one of its kind. "When did the north depot open?" over a leaflet that writes only "The south depot
on Mill Lane opened in 2014": the 135M model copies "2014", and every word check passes, since the sentence shares
"depot" and "open" with the question. What gives it away is a naming word of the question that the answer's
sentence lacks while the same place in the sentence holds a rival of it:

- a modifier before a head noun both share: "north depot" / "south depot", "junior choir" / "adult choir", "Tennis
  Club" / "Cricket Club";
- a code after a name both share: "route 14" / "route 12", "Aldo K3" / "Aldo K2" (exactly: "07" is "7", "10" no "1"),
  "size 8" / "size 7", "Year 5" / "Year 6"; a year before one: "the 2024 accounts" / "the 2025 accounts" (round 59).
  The question's number must be in no word of the sentence but the answer's ("reorder level 8" answers for size 7).
  A number is no code after a verb ("can I order 8 gloves"), after a word that points into a text ("page 3 of the
  policy"), nor in a range, list or bound: the question's "Year 5 and 6", "aged 65 or over"; the source's "sizes
  6-9" holding 8, "Level 2 or above", "from Year 3", "up to size 10".

A rival is a code, a name (the question capitalises its word, the source never writes the rival lower-case) or
another member of one closed contrast set (north/south, front/back, junior/senior, spring/summer, morning/evening,
single/double, annual/monthly, red/blue, indoor/outdoor...). Any other word may be a synonym, and a synonym refuses
a right answer: "bin" / "refuse" collection, "GP" / "doctors'" surgery, "Saturday" / "weekend" market, "summer" /
"village" fete (a reader's 88 right answers lost 21 to them; on a recorded disflqa run 4 right answers for 5 more
unanswerable refused). So "alarm code" / "cabinet code" is let through, unless the sentence names the alarm outside
the clause that gives the code ("The key cabinet code is 4471; the alarm is set by the last person out", round 59).

A name rival must stand where the question's name stands (round 59): not a title before a surname ("Ms Tey" is
Rosalind Tey), not a word capitalised only for opening its sentence ("Field service managers report to...") or for a
job title the question writes lower-case ("Field Service Manager" for "Orrin's service manager"), not a word of the
answer before a head it does not hold ("Marta Kell Service Manager" answers "Who is Orrin's service manager?").

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
from typing import Callable, Iterator, Sequence

from .faqpairs import asked_before
from .injection import SourceView
from .normalize_terms import CALENDAR as NAMED_DAYS
from .numberwords import source_numbers
from .sentences import located
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
# a title before a surname is no name of its own: "Ms Tey" is Rosalind Tey (round 59)
TITLES = frozenset("mr mrs ms miss mx dr prof sir dame lord lady rev revd fr cllr".split())
# a sentence's first word, capitalised only for standing first ("Field service managers report to...", round 59);
# not a possessive ("Pellow's service manager": it names)
_OPENING = re.compile(r"^\s*[\"“‘]?([A-Z][\w-]*)\s+[a-z]", re.MULTILINE)
# what a question asks the code of: "the alarm code", "the wifi password", "the account number" (round 59)
CODES = frozenset("code codes pin pins password passwords passcode passcodes number numbers".split())
# words before a code that say which of one thing's codes, not whose: "the new code", "the access code"
_ANY_CODE = frozenset("new old current default master temporary main personal secret same usual access security"
                      .split())
_CLAUSE = re.compile(r"[;,]|\s[—–-]\s")  # where a sentence's clauses part
_CAPS = re.compile(r"(?<![\w'’-])([A-Z][\w-]*)(?=\s+([A-Z][\w-]*))")  # two capitalised words in a row
_SMALL = re.compile(r"(?<![\w'’-])([a-z][\w-]*)(?=\s+([a-z][\w-]*))")  # two lower-case words in a row
# a number after one of these points into a text, it names no thing: "page 3 of the policy" (round 59)
REFERENCES = frozenset("""page pages pp section sections paragraph para clause clauses chapter line lines item step
point part appendix annex schedule figure fig note question rule article footnote slide""".split())
_YEAR = re.compile(r"(?:19|20)\d\d")
# after a code: more of a range or list ("sizes 6-9", "rooms 10 to 14", "Year 5 and 6"), or an open bound ("Level 2
# or above", "aged 65+"), a unit aside ("20 kg or more")
_SPREAD = re.compile(r"(?:\s*[a-z%]{1,3}\b)?\s*(?:(-|–|—|to|through|thru|and|or|&|,|/)\s*(\d+)\b|\+|and (?:up|over|"
                     r"above|older|under|below|younger)\b|or (?:more|over|above|older|later|less|under|younger|higher|"
                     r"lower)\b|onwards|upwards|plus\b)", re.IGNORECASE)
_RANGE = frozenset("- – — to through thru".split())
_BOUNDED = re.compile(r"(?:\bup\s+to|\d\s*(?:-|–|—|to|and|or|&|,|/))\s*$", re.IGNORECASE)  # "up to", "2023 and"
# before a code: a bound ("from Year 3", "up to size 10", "over 65s")
BOUNDS = frozenset("from over above below under beyond until till since after before least upto up".split())


def _spread(text: str, first: str, then: str, asked: str = "") -> bool:
    """Whether `text` writes `first` and `then` (a name and its code, or a year and its name) in a range, a list or
    a bound: "sizes 6-9", "Levels 2 or above", "from Year 3", "Years 5 and 6", "2023 and 2024 accounts"; a range
    that leaves out the question's number `asked` ("Years 3-4" for Year 5) is a rival still."""
    code = then if _digit(then) else first
    span = re.fullmatch(r"(\d+)-(\d+)", code)  # "Years 3-6", read whole
    if span:
        return not asked.isdigit() or int(span.group(1)) <= int(asked) <= int(span.group(2))
    for m in re.finditer(rf"(?<![\w'’-]){re.escape(first)}[\w'’]{{0,3}}\s+{re.escape(then)}(?![\w'’-])", text,
                         re.IGNORECASE):
        before = text[:m.start()]
        word = re.search(r"(\w+)\s*$", before)
        if (word and word.group(1).lower() in BOUNDS) or _BOUNDED.search(before):
            return True
        more = _SPREAD.match(text, m.end())
        if more is None:
            continue
        joint, end = (more.group(1) or "").lower(), more.group(2)
        if joint not in _RANGE or not (code.isdigit() and asked.isdigit() and end) \
                or int(code) <= int(asked) <= int(end):
            return True  # a list, a bound, a range in the question or one holding its number
    return False


def _says(answer: str, code: str) -> bool:
    """Whether the answer gives the code whole: "1" is in "Zone 1", not in "£1.20"."""
    return bool(re.search(rf"(?<![\w.,]){re.escape(code)}(?![\w'’-]|[.,]\d)", answer, re.IGNORECASE))


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
    return (w in names and r not in lower and r not in TITLES) or \
        (not a & b and bool({i for i, _ in a} & {i for i, _ in b}))


def rival(question: str, sentence: str, heading: str, answer: str = "") -> tuple[str, str] | None:
    """(the question's naming word, the rival the sentence or its heading holds in its place), or None when the
    sentence, read under `heading` (its title, headings and FAQ question, lines apart), is no near miss. A word of
    `answer` (the span copied from the sentence) before a head it does not hold is no rival, it is what was asked:
    "Marta Kell" of "Marta Kell Service Manager" for "Who is Orrin's service manager?" (round 59); an answer that
    holds both names the other thing itself ("1–9 v Brannock Town" for a win against Crale Town)."""
    runs = _runs(question)
    q = _parts([w for run in runs for w in run])
    names = {w for x in _NAME.findall(question) for w in _words(x)} - CALENDAR  # "the Aldermere fees": a name
    text = f"{heading}\n{sentence}"
    lines = _runs(text)
    near = _parts([w for line in lines for w in line])
    lower = set(_words(" ".join(_LOWER.findall(text))))  # the words the source writes lower-case
    # as if lower-case: a word capitalised only for opening the sentence (or a line of it) before a lower-case word
    lower |= {w for x in _OPENING.findall(sentence) for w in _words(x)} - set(_words(heading))
    said = set(_words(answer))
    # "Orrin's service manager" written in title case ("Field Service Manager"): the word before is the title's
    caps = {(x.lower(), y.lower()) for x, y in _CAPS.findall(text)}
    small = {(x.lower(), y.lower()) for x, y in _SMALL.findall(question)}
    # "What time does the coffee shop close?": after an auxiliary the last word is a verb, no head
    last = runs[-1][-1] if runs and AUXILIARY.intersection(q) else None

    # the question's number is held where a word other than the answer gives it ("Size 7 ... reorder level: 8")
    at = re.search(rf"(?<!\w){re.escape(answer)}(?!\w)", sentence) if answer.strip() else None
    rest = sentence if at is None else sentence[:at.start()] + " " + sentence[at.end():]
    numbers = _parts([w for line in _runs(f"{heading}\n{rest}") for w in line])

    def held(w: str, pool: set[str] = near) -> bool:
        if "-" in w and all(held(p, pool) for p in w.split("-") if p):
            return True
        m = _members(w)
        return any(_close(w, v) or (w not in names and _same(w, v)) or bool(m & _members(v)) for v in pool)

    def asked(w: str) -> bool:
        return any(_close(x, w) or (x not in names and _same(x, w)) for x in q)

    for k, run in enumerate(runs):
        called = [("", run[i + 2], run[i]) for i in range(len(run) - 2) if run[i + 1] in _CALLED]
        pairs = [(*p, run[i + 2] if i + 2 < len(run) else "") for i, p in enumerate(_pairs(run, asking=True))
                 if not (k == len(runs) - 1 and i == len(run) - 2 and p[2] == last)]
        for before, w, a, then in [*pairs, *((*c, "") for c in called)]:
            if _naming(w, before) and _naming(a) and not _number(w) and not _number(a) and len(a) >= 3 \
                    and not held(w):
                # a modifier: "north depot" / "south depot"
                for line in lines:
                    for j, (b, r, head) in enumerate(_pairs(line)):
                        nxt = line[j + 2] if j + 2 < len(line) else ""
                        styled = bool(then and nxt) and (a, then) in small and _same_head(then, nxt) and \
                            {(r, head), (head, nxt)} <= caps
                        if (_same_head(a, head) and _naming(r, b) and not _close(w, r) and not asked(r)
                                and not (r in said and head not in said) and not _number(r)
                                and _rivals(w, r, names, lower | {r} if styled else lower)):
                            return w, r
        for (before, a, w) in _pairs(run, asking=True):
            if _digit(w) and _naming(a, before) and not _number(a) and a not in REFERENCES \
                    and not held(w, numbers) and not _spread(question, a, w):
                # a code after a name: "route 14" / "route 12", "size 8" / "size 7"
                for line in lines:
                    for name, r in zip(line, line[1:]):
                        if _same_head(a, name) and _digit(r) and not _code_same(w, r) and not asked(r) \
                                and not (_says(answer, r) and name not in said) and not _spread(text, name, r, w):
                            return w, r
            if _YEAR.fullmatch(a) and _naming(w) and not _number(w) and len(w) >= 3 and w not in REFERENCES \
                    and not held(a, numbers) and not _spread(question, a, w):
                # a year before a name: "the 2024 accounts" / "the 2025 accounts"
                for line in lines:
                    for r, name in zip(line, line[1:]):
                        if _same_head(w, name) and _YEAR.fullmatch(r) and r != a and not asked(r) \
                                and not (_says(answer, r) and name not in said) and not _spread(text, r, name, a):
                            return a, r
        for w, c in zip(run, run[1:]):
            if c in CODES and _naming(w) and w not in _ANY_CODE and not _number(w):
                # a code of another thing: "the alarm code" / "The key cabinet code is 4471; the alarm is set..."
                hit = _other_code(w, c, sentence, heading, answer, lambda r: asked(r) or r in said)
                if hit:
                    return hit
    return None


def _other_code(w: str, code: str, sentence: str, heading: str, answer: str,
                known: Callable[[str], bool]) -> tuple[str, str] | None:
    """(`w`, the rival) when the clause of `sentence` holding `answer` gives the code (`code`: "code", "PIN",
    "password", "number") of another thing, "<rival> code", and names `w` nowhere, while the rest of the sentence
    names it: "whats the alarm code" over "The key cabinet code is 4471; the alarm is set by the last person out".
    Narrow on purpose: where the sentence never names the question's thing, or its heading does, the rival may be
    a synonym ("wifi password" / "guest network password", "alarm code" / "panel code" under "What is the alarm
    code?"). `known`: whether a word is the question's or the answer's (never a rival)."""
    at = sentence.find(answer) if answer else -1
    if at < 0:
        return None
    cuts = [(m.start(), m.end()) for m in _CLAUSE.finditer(sentence)]
    start = max((e for _, e in cuts if e <= at), default=0)
    end = min((b for b, _ in cuts if b >= at + len(answer)), default=len(sentence))
    clause, rest = sentence[start:end], sentence[:start] + " " + sentence[end:]

    def names_it(text: str) -> bool:
        return any(_close(w, v) or _same(w, v) for v in _parts(_words(text)))

    if names_it(clause) or names_it(heading) or not names_it(rest):
        return None
    for run in _runs(clause):
        for b, r, c in _pairs(run):
            if _same_head(code, c) and _naming(r, b) and r not in _ANY_CODE and not _number(r) \
                    and not _close(w, r) and not known(r):
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


def places(span: str, sources: Sequence[tuple[SourceView, str, str]]) -> Iterator[tuple[str, str]]:
    """(the sentence holding `span`, what it stands under: its document's title, the headings above it in its
    passage, the FAQ question it answers, a table cell's row, one a line) for every occurrence of `span` in the
    blocks of the sources, each (its view, its raw text, its document's title). What a source gives is read once
    (a span found a hundred times in a long source read it a hundred times over)."""
    for v, raw, title in sources:
        found = list(located(span, v.blocks))
        if not found:
            continue
        collapsed = " ".join(raw.split())
        raw_words = [(m.start(), len(m.group(0))) for m in re.finditer(r"\S+", raw)]
        starts = [at for at, _ in raw_words]  # the raw offset of each collapsed word
        at_word = list(accumulate((n + 1 for _, n in raw_words), initial=0))
        heads = _heading_lines(raw)
        rows = [line for line in raw.splitlines() if "|" in line and span in " ".join(line.split())][:1]
        for place in found:
            block, sentence, cuts = place.text, place.sentence, place.starts
            if _inside(block, place.at, place.at + len(span)):
                continue  # "6" in "2.6-7.5kg": not where the answer was copied from (round 59)
            upto = _raw_at(collapsed.find(sentence[:40]), starts, at_word, len(raw))
            ends = [s for s, _ in place.breaks] + [cuts[-1]]
            before = [block[c:x] for c, x in zip(cuts, ends) if block[c:x].strip()]
            faq = asked_before(before, sentence) or ""
            above = [h for pos, h in heads if upto < 0 or pos < upto]
            yield sentence, "\n".join([title, *above, faq, *rows])  # a cell's row: its label


def _inside(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands inside a longer word or number: "6" in "2.6" or "6,000", "Tom" in "Tomas"."""
    a, z = text[start:start + 1], text[end - 1:end]
    before, after = text[max(0, start - 2):start], text[end:end + 2]
    return (a.isalnum() and before[-1:].isalnum()) or (z.isalnum() and after[:1].isalnum()) or (
        a.isdigit() and len(before) == 2 and before[1] in ".," and before[0].isdigit()) or (
        z.isdigit() and len(after) == 2 and after[0] in ".," and after[1].isdigit())


def _raw_at(at: int, starts: list[int], at_word: list[int], size: int) -> int:
    """The raw text's offset of offset `at` of its white-space-collapsed form (-1 stays -1: not found), from the raw
    offset of each word (`starts`) and where each starts in the collapsed form (`at_word`)."""
    if at < 0:
        return -1
    k = bisect_right(at_word, at) - 1
    if k + 1 < len(at_word) and at >= at_word[k + 1] - 1:  # the space after word k: word k + 1 starts it
        k += 1
    return starts[k] + max(0, at - at_word[k]) if k < len(starts) else size


def other_subject(question: str, span: str, sources: Sequence[tuple[SourceView, str, str]]) -> tuple[str, str] | None:
    """The first (question word, rival) when every place an extractive answer `span` was copied from (over the
    sources it cites, each (view, raw text, document title)) is a near miss of the question; None when one is not,
    or there is none."""
    found = None
    for sentence, heading in places(span, sources):
        hit = rival(question, sentence, heading, span)
        if hit is None:
            return None
        found = found or hit
    return found
