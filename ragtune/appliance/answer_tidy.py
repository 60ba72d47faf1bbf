"""Answers copied from pre-tokenized text, served with ordinary spacing (round 57).

Some documents arrive tokenized: text exported from NLP pipelines, OCR or converters puts spaces around punctuation
("5 , 000 to 30 , 000", "Qutb ' s ideas", "the kilogram - force", "the U . S . Congress", "( BP = Before Present )").
An extractive answer is a span of its source, so it came out as "5 , 000 professors": ugly in any interface, and a
scorer's token F1 reads "5 , 000" as two tokens that do not meet "5,000". So an "ok" answer copied from a tokenized
source is served tidied ("5,000 professors", "Qutb's ideas", "(BP = Before Present)"), after every check: the span
check, the refusal checks, the evidence and the yes/no sentence judged the span as the source has it, and its status
and citations stay as they were; only the answer's text changes. The words are the same words (text.words splits at
punctuation either way), so the support and groundedness of the tidied text are those of the span.

A source is tokenized (`tokenized`) when its punctuation stands apart from the word before it. The evidence
(`marks`, outside code: fenced, in backticks, indented): spaced commas ("word , next"), spaced full stops that end a
sentence (" ." before a capital, a digit, a quote or the end: not in ". . .", dot leaders, "git add . to", nor after
a path, an address or a dotted name: "see https://x.org/a . Then"), spaced clitics ("Qutb ' s", "does n't"); a mark
between digits counts only as a thousands comma (" , 000"). Tokenized text shows at least MIN_KINDS of these three
kinds, at least MIN_SPACED marks in all, and more than SPACED_SHARE of its word-ending commas, full stops and clitics
spaced (ordinary text: none; round 57 mend3: readA's contents pages, shell how-tos, lightly OCR'd minutes, spaced
ellipses and "URL ." passages read ordinary; benchmarks/r57_answer_tidy.py). A writer who spaces both commas and
full stops by habit does read tokenized: so the rules only make joins that keep the meaning (below). An answer from
an ordinary source is never touched ("10 - 5", "Section 3 . 2" and "3 / 4" stay as the document writes them). The
sources an answer was copied from are its cited sources that hold it verbatim (else, a free answer, every cited
source); all of them must be tokenized.

The joins that could change the meaning are guarded: a hyphen between digits always ("3 - 4 days"); between words
only when it is the answer's one " - ", the source sentence has no other (but a prefix's, "non - SI"), and both
words are lower-case letters (after it also "19th", "1990s"), neither a function word ("No - it", "late - 10",
"Price - Field", "mat - the blue one", "The bridge - built in 1932 - carries", "fell to - 5" stay: round 57 mend7)
nor the first an adverb in -ly after a verb ("open daily - closed Sundays", "served nightly - book ahead"; not "a
family - run hotel", "Italy - based", "early - bird tickets"), and the source around the answer does not write its
compounds whole ("part-time", "Self-service" outnumber its other spaced ones: its " - " are dashes; not "X-ray",
"e-mail", "Coca-Cola", "Stratford-upon-Avon": round 58 and its mend). A tokenizer-split source joins capitalised
words too ("Saint - Pierre", "London - Paris": a pair of names with a hyphen is the same pair);
a thousands comma only in a chain read as one number, 1 to 3 digits then groups of three, not as a list or range
over the whole chain and the source right after the answer ("rooms 101 , 102 , 103", "Buses 5 , 123" + " and 9",
"5 to 11 , 120" stay as written, as does any chain with another group: "€ 5 , 50"); a decimal point or a colon only after a whole number of 1 to 3 digits ("in 1990 . 5 more" stays); a
space before a mark goes only when a space or the end follows the mark (".NET", ".csv" stay); a clitic only when
nothing of a word or a quote follows it ("' re-entry '", "' d ' or" stay quotes); straight double quotes hug what
they quote by their parity in the source before the span (a span that starts inside a quotation), and are left as
they are where the source's count is odd (a quotation cut by the chunking) or a number stands before one (inches).

Text other than ASCII is kept as it is (NFC in, NFC out): the rules only remove spaces. The answer's source is known
only at the end (its citations come after it), so an answer over a context with a tokenized source is sent whole once
decided (answer_served.sent_whole; answer.py), so that the streamed text is the served one (serve/stream.py would otherwise
withdraw it); the stricter test keeps ordinary documents streaming."""

from __future__ import annotations

import re
from typing import Any, Sequence

from .text import STOPWORDS


MIN_SPACED = 3  # spaced commas / full stops / clitics a source needs at least to count as tokenized
SPACED_SHARE = 0.66  # ... and their share of its word-ending commas, full stops and clitics must be above this
# (round 57 mend3: 0.5 -> 0.66, two in three: lightly OCR'd minutes space 4 of their 7, tokenized text nearly all)
MIN_KINDS = 2  # ... of at least two kinds (commas, full stops, clitics): a habit of spacing commas alone is a style

# a word-ending comma or full stop (after a word, a closing bracket or quote, "%"), or an apostrophe of a possessive
# or contraction, standing apart ("5 , 000", "the end .", "Qutb ' s", "does n't") or not
_END = r"(?<=[\w%)\]\"'’])"
_CLITIC = r"(?:s|t|re|ll|ve|d|m)\b(?![\w'’-])(?! ['’])"  # not "' re-entry '", "' t-shirt", "' d ' or"
_SP_COMMA = re.compile(rf"{_END} ,(?=\s|$)")
_SP_STOP = re.compile(rf"{_END} \.(?=\s*$|\s+[\"'`“‘(\[]*[A-Z0-9])")  # a sentence's end, not ". . ." nor "add . to"
_SP_CLITIC = re.compile(rf"(?<=\w) ['’] ?{_CLITIC}|(?<=\w) n['’]t\b")
_ATTACHED = re.compile(r"(?<=[\w%)\]\"'’])[,.](?=\s|$)|(?<=\w)(?<!\sn)['’](?:s|t|re|ll|ve|d|m)\b")
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`|^(?: {4}|\t).*$", re.DOTALL | re.MULTILINE)
_ADDRESS = re.compile(r"[/@\\]|\w\.\w")  # a path, URL, e-mail or dotted name ends before " .": "app.log . The"
_GROUP3 = re.compile(r" \d{3}(?!\d)")
_INCHES = re.compile(r'\d ?"')  # '12 " pipe': a '"' after a number may be an inch mark, not a quotation's

_APOS = "'’"
_NT = re.compile(r"n['’]t\b")  # "doesn't": the Penn Treebank splits it "does n't"
_QUOTE = r"(?:\"|``|'')"  # a served '"' where a tokenized source may have `` or ''
_INITIALS = re.compile(r"(?<![\w.])((?:[A-Za-z] \. )+[A-Za-z]) \.(?=\s|$|[,;:)])")  # "U . S ." -> "U.S."
_CHAIN = re.compile(r"(?<![\w.])\d+(?: , \d+)+(?![\w.])")  # "1 , 234 , 567", "101 , 102 , 103", "5 , 50"
_LIST_AFTER = re.compile(r"\d{3}\s*(?:and|or|&|to|-)\s*\d+(?!\d)(?! ?, ?\d{3}(?!\d))")  # "101 , 102 and 205"
_LIST_BEFORE = re.compile(r"(?<![\d,] )\b\d+\s*(?:and|or|&|to|-)\s*$")  # "5 to 11 , 120"
_LIST_WINDOW = 40  # chars before a number _LIST_BEFORE reads (a bounded window: no rescan of a long prefix)
_TAIL = 40  # chars of the source after the answer that a list or a sentence may go on in ("101 , 102" + " and 205")
# words a dash after or before marks a clause or a minus, not a compound ("to - 5", "mat - the", "No - it"); not
# "so", a compound's first word ("so - called") far more often than a clause's last
_FUNCTION = frozenset({"to", "from", "of", "at", "between", "and", "or", "below", "minus"}) | (STOPWORDS - {"so"})
_WORD_DASH = re.compile(r"(\w+) - (?=(\w+))")
_LOWER_WORD = re.compile(r"[a-z]+")  # "kilogram - force"; not "Price - Field", "late - 10", "A - Z"
_LETTERS = re.compile(r"[^\W\d_]+")  # "Saint - Pierre", "β - defensins": letters of any case or script
# an adverb in -ly ("open daily - closed Sundays", "served nightly - book ahead"): English does not hyphenate one to
# the word it modifies, so a dash after it is a clause's (round 58). Only after a verb: an -ly word after anything
# else is a noun, an adjective or a name far more often ("a family - run hotel", "supply - chain", "Italy - based",
# "Early - bird tickets": round 58 mend), joined as any compound
_ADVERB = re.compile(r"[a-z]{2,}ly")
# a participle or a verb a notice puts a frequency or manner adverb after ("open daily", "Answer briefly"); not an
# auxiliary ("had supply - chain problems") nor an -ing word ("during early - morning hours")
_VERB_BEFORE = re.compile(r"[a-z]{2,}ed|(?:open|close|run|meet|serve|answer|reply|write|speak|read|work|pay|"
                          r"post|check|update|deliver|collect|drive|travel|train|play|sing|operate|respond)s?|"
                          r"paid|ran|met|shut|held|kept|done|written|spoken|driven|run", re.IGNORECASE)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|s)")  # "mid - 19th", "mid - 1990s"; not "late - 10"
_PREFIX_DASH = re.compile(r"\b[A-Za-z]+ - [A-Z0-9]{1,4}(?:st|nd|rd|th|s)?\b")  # "non - SI", "pre - 1990s": no clause
_NUMBER_BEFORE = re.compile(r"[$£€¥]?\d{1,3}")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")
# a compound the source writes whole ("part-time", "Self-service"; not a quoted term, "' re-use '", nor an address's
# "my-site.org"): its writer or tokenizer keeps hyphens, so its " - " between words is a dash (round 58). Only two
# words of two letters or more in lower case (the first may open a sentence), counted within COMPOUND_WINDOW
# characters of the answer against the spaced ones there: a name or a letter's compound ("Coca-Cola", "X-ray",
# "e-mail", "U-turn", "Stratford-upon-Avon") is written whole by tokenizers that split every other (round 58 mend)
_WHOLE_COMPOUND = re.compile(r"(?<![\w./@\\-])(?<!['’\"‘“`] )[^\W\d_]+-[^\W\d_]+(?![\w/@\\-]|\.\w)")
_SPACED_COMPOUND = re.compile(r"(?<![\w-])[^\W\d_]{2,} - [^\W\d_]{2,}(?![\w-])")
COMPOUND_WINDOW = 160
PAIR_WORDS = 8  # two " - " this close in a sentence set a clause or list off: "The bridge - built in 1932 - carries"
# (pattern, replacement) in order: numbers and initials before the general "no space before a mark" rule
_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"(?<![\w.])(\d{1,3}) ([.:]) (?=\d)"), r"\1\2"),  # "3 . 5", "9 : 30"; not "in 1990 . 5 more"
    (_INITIALS, lambda m: m.group(1).replace(" ", "") + "."),
    (re.compile(r"(?<=\d) - (?=\d)"), "-"),  # "3 - 4 days"
    (re.compile(rf"(?<=\w) ?([{_APOS}]) ?(?={_CLITIC})"), r"\1"),  # "Qutb ' s", "doesn ' t", "we 're"
    (re.compile(r"(?<=\w) (?=n['’]t\b)"), ""),  # "does n't" (the Penn Treebank's split)
    (re.compile(r"``\s?(.*?)\s?''"), r'"\1"'),  # `` x '' (the Penn Treebank's quotes) -> "x"
    (re.compile(r"“\s?(.*?)\s?”"), r"“\1”"),
    (re.compile(r"([(\[{]) "), r"\1"),  # "( BP" -> "(BP"
    (re.compile(r" (?=[)\]}.;:!?%](?:\s|$))"), ""),  # "BP )", "word ,", "50 %"; not ".NET", ".csv"
    (re.compile(r" (?=,(?:\s|$))"), lambda m: _comma(m)),  # "word ,"; not "€ 5 , 50", "101 , 102 , 103"
    (re.compile(r"([$£€¥]) (?=\d(?!\d* , \d))"), r"\1"),  # "$ 5"; not "€ 5 , 50" (a chain left apart)
)
# a lone apostrophe after a plural is its possessive ("the students ' union"), not a quote mark
_PLURAL_POSSESSIVE = re.compile(rf"(?<=s) ([{_APOS}])(?= \w)")


def marks(text: str) -> tuple[int, int, int, int]:
    """(spaced commas, spaced full stops, spaced clitics, attached ones) of `text`, code left out (see the module)."""
    prose = _CODE.sub(" ", text)

    def between_digits(m: re.Match[str]) -> bool:
        return prose[m.start() - 1].isdigit() and prose[m.end():m.end() + 2].strip()[:1].isdigit()

    commas = sum(1 for m in _SP_COMMA.finditer(prose)
                 if not between_digits(m) or _GROUP3.match(prose, m.end()))  # " , 000" counts, "1 , 2" not
    stops = sum(1 for m in _SP_STOP.finditer(prose)
                if not between_digits(m) and not _ADDRESS.search(_token_before(prose, m.start())))
    return commas, stops, len(_SP_CLITIC.findall(prose)), len(_ATTACHED.findall(prose))


def _token_before(text: str, i: int) -> str:
    head = text[max(0, i - 200):i].split()
    return head[-1] if head else ""


def spacing(text: str) -> tuple[int, int]:
    """(spaced, attached): how many of `text`'s word-ending commas, full stops and clitics stand apart, how many not."""
    commas, stops, clitics, attached = marks(text)
    return commas + stops + clitics, attached


def tokenized(text: str) -> bool:
    """Whether `text` reads as pre-tokenized: its commas, full stops and clitics stand apart (see the module)."""
    commas, stops, clitics, attached = marks(text)
    spaced = commas + stops + clitics
    return (bool(commas) + bool(stops) + bool(clitics) >= MIN_KINDS and spaced >= MIN_SPACED
            and spaced > SPACED_SHARE * (spaced + attached))


def tidy(text: str, sources: Sequence[str] = ()) -> str:
    """`text` with tokenizer spacing around punctuation removed ("5 , 000" -> "5,000", "( BP )" -> "(BP)"). Apply it
    only to text copied from a `tokenized` source: an ordinary document may mean "10 - 5" as written. `sources`: the
    texts it was copied from, which say whether it starts inside a quotation (else its quotes must pair up)."""
    src, at = _holder(text, sources)
    out = _join_numbers(text, src[at + len(text):at + len(text) + _TAIL] if src else "")
    for pattern, repl in _RULES:
        out = pattern.sub(repl, out)
    if text.count(" - ") == 1 and not text.startswith("- ") and _one_dash(text, src, at) and \
            not _writes_whole(src, at, text):  # two: clause dashes; compounds written whole: a dash
        # a source split by a tokenizer ("Qutb ' s", "does n't": no writer spaces those) splits its compounds too,
        # capitalised ones included ("al - Turabi", "Saint - Pierre", "Saudi - based"); a habit-spaced one may not
        lead = src[max(0, at - _TAIL):at].split()[-1:] if src else []
        join = _word_dash_ptb if src and _SP_CLITIC.search(src) else _word_dash
        out = _WORD_DASH.sub(lambda m: join(m, lead[0] if lead else ""), out)
    if sum(out.count(a) for a in _APOS) == 1:
        out = _PLURAL_POSSESSIVE.sub(r"\1", out)
    return _hug_quotes(out, _opened(text, sources))


_DIGITS_AFTER = re.compile(r"\s?(\d+)")


def _comma(m: re.Match[str]) -> str:
    """The space before a comma goes, unless a whole number of 1 to 3 digits stands before it and a number after:
    a chain _join_numbers left apart ("€ 5 , 50" is five euros fifty, "101 , 102 , 103" a list) stays as written."""
    s = m.string
    before = s[max(0, m.start() - 40):m.start()].rsplit(None, 1)[-1:] or [""]
    after = _DIGITS_AFTER.match(s, m.end() + 1)
    # "May 18 , 1756": four digits or more after the comma are no group of a chain, so the space goes
    return m.group() if _NUMBER_BEFORE.fullmatch(before[0]) and after and len(after.group(1)) <= 3 else ""


def _holder(text: str, sources: Sequence[str]) -> tuple[str, int]:
    """(the first source holding `text`, where), or ("", -1)."""
    for src in sources:
        at = src.find(text)
        if at >= 0:
            return src, at
    return "", -1


def _one_dash(text: str, src: str, at: int) -> bool:
    """Whether the answer's one " - " is no dash of a pair: no other " - " (a prefix's before a short capital or
    number token, "non - SI", aside) stands within PAIR_WORDS words of it in the source sentence holding it. "The
    bridge - completed in 1932 - carries" sets a clause off by two dashes, whatever part of it the answer holds; a
    tokenized sentence splits every compound, so "the pound - force ... less commonly used than the newton : the
    kilogram - force" holds two hyphens far apart."""
    if not src:
        return True
    start = max([m.end() for m in _SENTENCE_END.finditer(src, max(0, at - 400), at)] or [max(0, at - 400)])
    end = _SENTENCE_END.search(src, at + len(text))
    stop = end.start() if end else len(src)
    mine = at + text.index(" - ")
    prefixes = {m.start() + m.group().index(" - ") for m in _PREFIX_DASH.finditer(src, start, stop)}
    for m in re.finditer(" - ", src[start:stop]):
        other = start + m.start()
        if other == mine or other in prefixes:
            continue
        lo, hi = sorted((mine, other))
        if len(src[lo:hi].split()) <= PAIR_WORDS:
            return False
    return True


def _writes_whole(src: str, at: int, text: str) -> bool:
    """Whether the source around the answer (COMPOUND_WINDOW characters either side, code left out) writes more
    compounds of two lower-case words whole ("part-time") than it spaces (the answer's own " - " aside)."""
    if not src:
        return False
    lo, hi = max(0, at - COMPOUND_WINDOW), at + len(text) + COMPOUND_WINDOW
    window = _CODE.sub(lambda m: " " * len(m.group()), src)[lo:hi]  # code left out, places kept
    mine = at - lo + text.index(" - ")
    whole = sum(1 for m in _WHOLE_COMPOUND.finditer(window) if _lower_pair(m.group()))
    return whole > sum(1 for m in _SPACED_COMPOUND.finditer(window) if mine not in range(m.start(), m.end()))


def _lower_pair(compound: str) -> bool:
    """"part-time", "Self-service": two parts, two letters or more each, lower case but for a capital opening it."""
    first, _, second = compound.partition("-")
    return len(first) >= 2 and len(second) >= 2 and first[1:].islower() and second.islower()


def _join_numbers(text: str, tail: str) -> str:
    """"5 , 000" -> "5,000", "1 , 234 , 567" -> "1,234,567": a chain of numbers joined only when it reads as one
    number (a whole number of 1 to 3 digits, then groups of exactly three) and not as a list or range: "101 , 102 ,
    103" (three digits, then two or more groups), "101 , 102" where the source goes on " and 205", "5 to 11 , 120";
    a chain with any other group ("€ 5 , 50", "4 , 7 , 1") is left as it is. `tail`: the source right after `text`."""
    s = text + tail
    out, last = [], 0
    for m in _CHAIN.finditer(s):
        if m.start() >= len(text):
            break
        groups = m.group().split(" , ")
        if (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])
                or (len(groups[0]) == 3 and len(groups) > 2)
                or _LIST_AFTER.match(s, m.end() - 3)
                or _LIST_BEFORE.search(s, max(0, m.start() - _LIST_WINDOW), m.start())):
            continue
        end = min(m.end(), len(text))
        out += [text[last:m.start()], text[m.start():end].replace(" , ", ",")]
        last = end
    return "".join(out) + text[last:]


def _word_dash(m: re.Match[str], lead: str = "") -> str:
    """"kilogram - force" -> "kilogram-force": two lower-case words, neither a function word nor the first an adverb
    after a verb (`_adverb`); not "late - 10", "Dan Price - Field", "No - it", "came - Tom", "to - 5" (digits:
    _RULES). `lead`: the source's word before the answer."""
    before, after = m.group(1), m.group(2)
    if not (_LOWER_WORD.fullmatch(before) and (_LOWER_WORD.fullmatch(after) or _ORDINAL.fullmatch(after))) or \
            before in _FUNCTION or after in _FUNCTION or _adverb(m, lead):
        return m.group()
    return before + "-"


def _word_dash_ptb(m: re.Match[str], lead: str = "") -> str:
    """_word_dash in a source a tokenizer split: two words of letters in any case, neither a function word."""
    before, after = m.group(1), m.group(2)
    if not (_LETTERS.fullmatch(before) and (_LETTERS.fullmatch(after) or _ORDINAL.fullmatch(after))) or \
            before.lower() in _FUNCTION or after.lower() in _FUNCTION or _adverb(m, lead):
        return m.group()
    return before + "-"


def _adverb(m: re.Match[str], lead: str) -> bool:
    """Whether the word before a " - " is an -ly adverb: lower case, after a verb (`_VERB_BEFORE`: the answer's word
    before it, or `lead` where the answer opens with it)."""
    if not _ADVERB.fullmatch(m.group(1)):
        return False
    words = m.string[:m.start()].split()
    return _VERB_BEFORE.fullmatch(words[-1] if words else lead) is not None


def _opened(text: str, sources: Sequence[str]) -> int | None:
    """1 when `text` starts inside a straight-quoted passage of its sources, 0 outside, None unknown (quotes left as
    written): the parity of '"' before each place a source holds it; with no source holding it, its own quotes
    must pair up. A source with an odd count (a quotation cut by the chunking) or a '"' after a number (an inch mark?)
    tells nothing."""
    if '"' not in text:
        return 0
    if _INCHES.search(text):
        return None
    states = set()
    for src in sources:
        at = src.find(text)
        if at >= 0 and (src.count('"') % 2 or _INCHES.search(src)):
            return None
        while at >= 0:
            states.add(src.count('"', 0, at) % 2)
            at = src.find(text, at + 1)
    if not states:
        return 0 if text.count('"') % 2 == 0 else None
    return states.pop() if len(states) == 1 else None


def _hug_quotes(text: str, opened: int | None) -> str:
    """Straight double quotes hugging what they quote ('" x "' -> '"x"'); `opened`: see _opened."""
    parts = text.split('"')
    if len(parts) < 2 or opened is None:
        return text
    out = []
    for i, part in enumerate(parts):
        if (i + opened) % 2:  # inside a quotation: no space just within its marks
            part = part.lstrip(" ") if i > 0 else part
            part = part.rstrip(" ") if i < len(parts) - 1 else part
        out.append(part)
    return '"'.join(out)


def tidied_span(text: str, answer: str) -> tuple[int, int] | None:
    """(start, end) of the first span of `text` that answer_tidy serves as `answer` (lower case, any final full stop
    dropped), else None. Candidates read as `answer` with the spaces tidy may remove left out (beside a punctuation
    mark, before "n't"; a double quote may be the Penn Treebank's `` or ''); one counts only when tidy(span, [text])
    gives the answer back: "101,102" is not in "101 , 102 and 205", nor "1990.5" in "1990 . 5 more beds". (So an
    answer recorded by an older, looser tidy may no longer be found: its runs are re-scored as their text reads.)"""
    parts: list[str] = []
    for k, ch in enumerate(answer):
        if k and not ch.isspace() and not answer[k - 1].isspace() and (
                not (ch.isalnum() and answer[k - 1].isalnum()) or _NT.match(answer, k)):
            parts.append(" ?")
        parts.append(_QUOTE if ch == '"' else re.escape(ch))
    pattern = re.compile("".join(parts) + r"(?: ?\.)?", re.IGNORECASE)
    want = _served(answer)
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        if _served(tidy(m.group(), [text])) == want:
            return m.start(), m.end()
        pos = m.start() + 1
    return None


def _served(answer: str) -> str:
    """`answer` as tidied_span compares it: case-folded, any final full stop dropped."""
    a = answer.strip().casefold()
    return a[:-1].rstrip() if a.endswith(".") else a


__all__ = ["MIN_KINDS", "MIN_SPACED", "SPACED_SHARE", "marks", "spacing", "tidied_span", "tidy", "tokenized"]
