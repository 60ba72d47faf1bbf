"""The numbers a question asks for and the numbers a source names, for the evidence check's `number_missing`
(evidence.py): a number of the question is missing when none of its forms occurs in any source.

A question asks for its digits, read as before round 57: digits of every script ("٢١" is 21, scripts.ascii_digits)
and thousands separators ("1,175" is 1175); words ask for nothing. Round 57 read number words and seasons in
questions too, and that refused answerable questions whose source writes the number another way ("covered for two
years" / "a 24-month guarantee", "fifty grand" / "£50,000", "the Thirty Years' War" / 1618 to 1648): a number a
question asks for can only refuse, so the question side stays as it was (mend2).
A source names more forms, so a question's digits meet it more often (a number can only stop being missing):
- cardinal words from two up: "eleven" is 11, "twenty-five" and "twenty five" 25 (a dash, a soft hyphen, a no-break
  space or a line break between them too), "two hundred and fifty" 250, "a thousand" 1000, "three million"; not
  "one" (which one, no one), not an ordinal ("third", "twenty-first"), not "dozen", not a word joined to another
  number ("nineteen ninety-nine" is a year, "two dozen" 24, "two thirds" a fraction: none is read);
- a season written in full, "2021-2022", also names "22", so a question's "2021-22" meets it (a season does not
  name a full year it does not write: "2023-24" is no "2024").
"""

from __future__ import annotations

import re

from .normalize_terms import DETERMINERS, FUNCTION_WORDS, PREPOSITIONS
from .scripts import ascii_digits

_THOUSANDS = re.compile(r"(?<=\d)[,\u066c](?=\d{3}(?!\d))")  # "1,175" (and Arabic's "١٬١٧٥")
_DIGITS = re.compile(r"\d+")
# a season written in full: a year, a dash or slash, a year (not a date's month); consecutive years are checked
_SEASON = re.compile(r"(?<![\d.:/-])((?:1[6-9]|20)\d\d)[ \t]*[-\u2010-\u2015/][ \t]*((?:1[6-9]|20)\d\d)"
                     r"(?![\d]|[-/.:]\d)")

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_CARDINAL = {**{w: i for i, w in enumerate(_UNITS)}, **{w: 20 + 10 * i for i, w in enumerate(_TENS)}}
_UNITS_1_9 = set(_UNITS[1:10])
_SCALES = {"thousand": 10 ** 3, "million": 10 ** 6, "billion": 10 ** 9}
_NUMBER_WORDS = _CARDINAL.keys() | _SCALES.keys() | {"hundred"}  # a number right after one: none ("nineteen ninety")
# words that end a number as no cardinal: an ordinal, a fraction, "dozen" (no number; nor is the count before it)
_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
             "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth fiftieth sixtieth "
             "seventieth eightieth ninetieth hundredth thousandth millionth billionth").split()
_STOP = r"(?:" + "|".join(_ORDINALS) + r")s?|dozens?|halves|half|quarters?"
_SCALE_WORDS = r"hundred|thousand|million|billion"
_WORD = re.compile(r"\b(?:" + "|".join(sorted(_CARDINAL, key=len, reverse=True)) + rf"|{_SCALE_WORDS}|{_STOP}"
                   rf"|a(?=[ \t\u00a0]+(?:{_SCALE_WORDS})\b))\b", re.IGNORECASE)
# what may stand between the words of one number: spaces (a no-break one), a line break, a hyphen or dash (a soft
# hyphen, U+2010-2015) with spaces or a line break around it
_JOIN = re.compile(r"[ \t\u00a0]*[-\u00ad\u2010-\u2015][ \t\u00a0]*\n?[ \t\u00a0]*|[ \t\u00a0]*\n?[ \t\u00a0]*(?<=\s)")
_AND = re.compile(r"[ \t\u00a0\n]+and[ \t\u00a0\n]+", re.IGNORECASE)  # "two hundred and fifty", "a thousand and six"

_Words = list[tuple[str, int, int]]
# a question's digits right after a content word label a thing ("room 2", "bus 11", "clause 14"): a source's
# "two rooms" or "eleven buses" counts them and names no label, so only digits in a source meet them (reader E);
# not before a unit or a plural ("the fine 200 pounds", "open 24 hours", "a room for 2 adults"), a decimal point
# or a time's colon ("Saturday 10:00")
_UNIT = (r"%|(?:pounds?|pence|p|euros?|dollars?|quid|grand|k|percent|per|pm|am|o'clock|days?|weeks?|months?|years?|"
         r"hours?|mins?|minutes?|seconds?|miles?|km|kg|metres?|meters?|m|cm|mm|litres?|people|times|children|"
         r"[a-z]*[a-rtv-z]s)\b")
_LABEL = re.compile(rf"(?<![\w'’-])([^\W\d_][\w'’-]*)[ \t]+(\d+)(?![\d.:]|[ \t]*(?:{_UNIT}))", re.IGNORECASE)
# words a quantity follows, not a label ("more than 7 days", "after 8", "cost 50", "aged 6", "every 10 minutes")
_NOT_LABEL = FUNCTION_WORDS | PREPOSITIONS | DETERMINERS | {
    "after", "before", "under", "over", "about", "around", "until", "till", "within", "between", "per", "every",
    "each", "only", "just", "least", "most", "up", "all", "some", "any", "no", "cost", "costs", "pay", "paid", "aged",
    "age", "ages", "last", "next", "first", "top", "nearly", "almost", "roughly", "approximately", "exactly", "than",
    "below", "above", "past", "since", "through", "plus", "minus", "times", "or", "and", "to", "bring", "buy",
    "take", "book", "get", "need", "order", "rent", "hire", "want", "borrow", "add", "invite", "reserve", "renew",
    "limit", "fee", "fees", "price", "charge", "deposit", "fine", "total", "maximum", "minimum", "max", "min", "score",
    "rate", "capacity", "size", "count"}


def _digits(text: str) -> str:
    return _THOUSANDS.sub("", text if text.isascii() else ascii_digits(text))


def _joined(words: _Words, text: str, i: int, also_and: bool = False) -> bool:
    """Whether word i + 1 belongs to the same number as word i (a hyphen, spaces or, after hundred, "and")."""
    if i + 1 >= len(words):
        return False
    gap = text[words[i][2]:words[i + 1][1]]
    if len(gap) > 40:
        return False  # no number's words lie this far apart; long space runs would make _JOIN quadratic
    return bool(_JOIN.fullmatch(gap) or (also_and and _AND.fullmatch(gap)))


def _next_is(words: _Words, text: str, j: int, kinds: set[str] | dict, also_and: bool = False) -> bool:
    """Whether word j exists, is joined to word j - 1 and is one of `kinds`."""
    return j < len(words) and words[j][0] in kinds and _joined(words, text, j - 1, also_and)


def _group(words: _Words, text: str, i: int) -> tuple[int | None, int]:
    """A number below 10,000 from word i ("twenty-five", "two hundred and fifty", "twelve hundred", "a hundred", or
    the "a" of "a thousand"): (value or None, the next word)."""
    if words[i][0] == "a":
        value, j = 1, i + 1
    elif words[i][0] in _CARDINAL:
        value, j = _small(words, text, i)
    else:
        return None, i + 1
    if _next_is(words, text, j, {"hundred"}):
        value, j = value * 100, j + 1
        if _next_is(words, text, j, _CARDINAL, also_and=True):
            more, j = _small(words, text, j)  # below 100: no second "hundred"
            value += more
    return value, j


def _small(words: _Words, text: str, i: int) -> tuple[int, int]:
    """A number below 100 from word i, a cardinal: ("twenty-five": 25, the next word)."""
    w = words[i][0]
    if w in _TENS and _next_is(words, text, i + 1, _UNITS_1_9):
        return _CARDINAL[w] + _CARDINAL[words[i + 1][0]], i + 2
    return _CARDINAL[w], i + 1


def _read(words: _Words, text: str, i: int) -> tuple[int | None, int]:
    """One cardinal from word i, scales in falling order ("two million three hundred thousand and six"): (value or
    None, the next word). Values stay below 10**13: no run of words makes a number too long to write."""
    value, j = _group(words, text, i)
    if value is None:
        return None, j
    total, below = 0, 10 ** 12
    while j < len(words) and words[j][0] in _SCALES and _SCALES[words[j][0]] < below \
            and _joined(words, text, j - 1):
        below = _SCALES[words[j][0]]
        total, value, j = total + value * below, 0, j + 1
        if _next_is(words, text, j, _CARDINAL, also_and=True):
            value, j = _group(words, text, j)
            value = value or 0
    return total + value, j


def _word_numbers(text: str) -> set[int]:
    """The cardinals from two up written in words (the module docstring's)."""
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    out, i = set(), 0
    while i < len(words):
        value, j = _read(words, text, i)
        if value is not None and value >= 2:
            # joined to a number word before it or any word after it ("nineteen ninety-nine", "twenty-first", "two
            # dozen"): not read; after an ordinal it is ("the first fifty-metre pool")
            ends_in_scale = words[j - 1][0] in _SCALES or words[j - 1][0] == "hundred"
            if not (i > 0 and words[i - 1][0] in _NUMBER_WORDS and _joined(words, text, i - 1)) \
                    and not (j < len(words) and _joined(
                    words, text, j - 1, also_and=ends_in_scale)):
                out.add(value)
        i = j
    return out


def _season_years(text: str) -> set[str]:
    """The short second year of each season written in full ("2021-2022": "22"), consecutive years only."""
    return {m.group(2)[2:] for m in _SEASON.finditer(text) if int(m.group(2)) == int(m.group(1)) + 1}


def source_numbers(text: str) -> set[str]:
    """Every number a source names, as ASCII digits, in every form it has ("twenty-five": 25; "2021-2022": 2021,
    2022 and 22)."""
    text = _digits(text)
    return set(_DIGITS.findall(text)) | _season_years(text) | {str(v) for v in _word_numbers(text)}


def asked_numbers(question: str) -> set[str]:
    """The numbers a question asks for, as ASCII digits: its digits, read as before round 57 (module docstring)."""
    return set(_DIGITS.findall(_digits(question)))


def labels(question: str) -> set[str]:
    """The question's digits that label a thing: right after a content word ("room 2", "gate 12"; not "after 8")."""
    return {m.group(2) for m in _LABEL.finditer(_digits(question)) if m.group(1).lower() not in _NOT_LABEL}


def numbers_missing(question: str, sources: list[str]) -> bool:
    """Whether a number the question asks for occurs in no source: in no form, or, for a label, not as digits. Never
    missing where the round's start found it (it read digits on both sides), so no question is newly refused."""
    asked = asked_numbers(question)
    if not asked:
        return False
    digits: set[str] = set()
    met: set[str] = set()
    for text in sources:
        digits |= set(_DIGITS.findall(_digits(text))) | _season_years(_digits(text))
        met |= source_numbers(text)
    return bool((asked - met) | ((asked & labels(question)) - digits))
