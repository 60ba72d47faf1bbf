"""The numbers a question asks for and the numbers a source names, for the evidence check's `number_missing`
(evidence.py): a number of the question is missing when none of its forms occurs in any source.

Digits of every script ("٢١" is 21, scripts.ascii_digits), thousands separators ("1,175" is 1175) and, round 57:
- number words: "eleven" is 11, "twenty-five" and "twenty five" 25, "two hundred and fifty" 250, "a thousand" 1000;
- seasons and financial years: "2021–22", "2021-22", "2021/22" name 2021 and 2022 (consecutive years only: "2011-12-05"
  is a date, "1990-95" a span; neither is read as a season).
A source is read generously: every form it has counts, "one", "a dozen" (12) and ordinals ("third" is 3) too, so a
question's "3rd" or "12" meets it. A question is read strictly, since each number it names becomes one the sources
must hold: a word alone that is often no number is left out ("which one", "no one", "zero-hours", "the second
time", "the first mayor" over a source that names her and a year), so is a count word from two to ten ("What are
the two types of ...": the source lists two types without the word; COUNT_WORDS; "two years" still asks), and a
season asks for its full second year ("2021–22" asks for 2022, not for "22", which a source writing "2022" lacks).
What a question reads, the same text as a source reads too: a question quoting its source never misses a number.
"""

from __future__ import annotations

import re

from .scripts import ascii_digits

_THOUSANDS = re.compile(r"(?<=\d)[,\u066c](?=\d{3}(?!\d))")  # "1,175" (and Arabic's "١٬١٧٥")
_DIGITS = re.compile(r"\d+")
# a season or financial year: a first year, a dash or slash, the next year's last two digits (not a date's month)
_SEASON = re.compile(r"(?<![\d.:/-])((?:1[6-9]|20)\d\d)[ \t]*[-\u2010-\u2015/][ \t]*(\d\d)(?!\d|[-/.:]\d)")

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORD_UNITS = ("zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
              "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth").split()
_ORD_TENS = "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split()
_VALUE = {**{w: i for i, w in enumerate(_UNITS)}, **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
          **{w: i for i, w in enumerate(_ORD_UNITS)}, **{w: 20 + 10 * i for i, w in enumerate(_ORD_TENS)}, "a": 1}
_ORDINAL = set(_ORD_UNITS) | set(_ORD_TENS)
_WORD = re.compile(r"\b(?:" + "|".join(sorted(_VALUE.keys() - {"a"}, key=len, reverse=True))
                   + r"|hundred|thousand|dozen|a(?=[ \t]+(?:hundred|thousand|dozen)\b))\b", re.IGNORECASE)
# The largest number word a question names without asking a source for it (round 57, mend1). Two to ten are what
# people count with: "What are the two symbols of pharmacy?", "What two women refused ...", "When three forces act
# on a particle ...", "If two thirds of the water flows north ...", "Name ten of the ...". The word counts the items
# the answer lists, or sets up a general case, and a source that lists the two symbols rarely writes "two": asking
# for it refuses an answerable question before the model (no_evidence), the dearest mistake the check makes; letting
# a small quantity through ("children under ten") costs only when no source answers and the model then answers
# anyway. Eleven up a word is a quantity a source states ("eleven players", "twenty-five members", "three hundred
# seats"), and people seldom ask for a list that long. "Twelve" is both ("twelve months", "twelve eggs") but a
# list of twelve is rare, so it asks. Digits ask as before: "2" is written, not said, and names a quantity.
COUNT_WORDS = 10
# ... except before a unit of time: "the ten-night holiday", "covered for two years", "after three days" name a
# length of time the answer turns on, never a count of its items, and a source that answers states it
_DURATION = re.compile(r"[ \t]*-?[ \t]*(?:minute|hour|day|night|week|month|year|decade)s?\b", re.IGNORECASE)
_JOIN = re.compile(r"[ \t]*-[ \t]*|[ \t]+")  # what may stand between the words of one number
_AND = re.compile(r"[ \t]+and[ \t]+", re.IGNORECASE)  # "two hundred and fifty" (only after hundred or thousand)


def _digits(text: str) -> str:
    return _THOUSANDS.sub("", text if text.isascii() else ascii_digits(text))


def _word_numbers(text: str) -> list[tuple[int, bool]]:
    """(value, a question may ask for it) for each number written in words. Not asked for: a count word up to
    COUNT_WORDS ("two", "ten") unless a time unit follows it, a word alone that is often no number ("one", "zero",
    "a"), an ordinal ("second", "first"), "dozen" (often "dozens": a guess) and numbers written next to each other
    ("nineteen ninety-nine" is a year, "two three" a list or a code)."""
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    out: list[list] = []
    i = 0
    while i < len(words):
        value, _, end, asked = _read(words, text, i)
        if value is not None:
            if out and out[-1][2] == i - 1 and _joined(words, text, i - 1):
                out[-1][1] = asked = False
            # "one" and "zero" alone are seldom numbers; two to ten count the answer's items unless a time unit follows
            small = value < 2 or value <= COUNT_WORDS and not _DURATION.match(text, words[end - 1][2])
            out.append([value, asked and not small, end - 1])
        i = end
    return [(v, a) for v, a, _ in out]


def _joined(words: list[tuple[str, int, int]], text: str, i: int, also_and: bool = False) -> bool:
    """Whether word i + 1 belongs to the same number as word i (a hyphen, spaces or, after hundred, "and")."""
    if i + 1 >= len(words):
        return False
    gap = text[words[i][2]:words[i + 1][1]]
    return bool(_JOIN.fullmatch(gap) or (also_and and _AND.fullmatch(gap)))


def _small(words: list[tuple[str, int, int]], text: str, i: int) -> tuple[int | None, int, bool]:
    """A number below 100 from word i: (value or None, the next word, whether it ends in an ordinal)."""
    w = words[i][0]
    if w not in _VALUE:
        return None, i, False
    if w in _TENS and _joined(words, text, i) and _VALUE.get(words[i + 1][0], 10) in range(1, 10) \
            and words[i + 1][0] != "a":
        return _VALUE[w] + _VALUE[words[i + 1][0]], i + 2, words[i + 1][0] in _ORDINAL
    return _VALUE[w], i + 1, w in _ORDINAL


def _read(words: list[tuple[str, int, int]], text: str, i: int) -> tuple[int | None, int, int, bool]:
    """One number from word i: (value or None, how many words, the next word, whether a question may ask for it)."""
    start = i
    value, i, ordinal = _small(words, text, i)
    if value is None:  # a multiplier alone: "dozen" is 12, "hundred" or "thousand" with no count before it no number
        return (12 if words[i][0] == "dozen" else None), 1, i + 1, False
    strict = words[start][0] != "a"
    total = 0
    while not ordinal and _joined(words, text, i - 1) and words[i][0] in ("hundred", "thousand", "dozen"):
        mult = words[i][0]
        if mult == "dozen":
            return value * 12, i + 1 - start, i + 1, False
        value *= 100 if mult == "hundred" else 1000
        if mult == "thousand":
            total, value = total + value, 0
        i += 1
        if _joined(words, text, i - 1, also_and=True) and words[i][0] in _VALUE and words[i][0] != "a":
            more, i, ordinal = _small(words, text, i)
            value += more or 0
    return total + value, i - start, i, strict and not ordinal


def _seasons(text: str) -> dict[int, str]:
    """{where a season's short year starts: that year in full} ("2021–22": 2022), consecutive years only."""
    out = {}
    for m in _SEASON.finditer(text):
        year = int(m.group(1)) + 1
        if year % 100 == int(m.group(2)):
            out[m.start(2)] = str(year)
    return out


def source_numbers(text: str) -> set[str]:
    """Every number a source names, as ASCII digits, in every form it has ("2021/22": 2021, 22 and 2022)."""
    text = _digits(text)
    out = set(_DIGITS.findall(text)) | set(_seasons(text).values())
    return out | {str(v) for v, _ in _word_numbers(text)}


def asked_numbers(question: str) -> set[str]:
    """The numbers a question asks for, as ASCII digits: digits, a season's full years, number words that are
    numbers ("eleven players", not "which one")."""
    text = _digits(question)
    seasons = _seasons(text)
    out = {seasons.get(m.start(), m.group()) for m in _DIGITS.finditer(text)}
    return out | {str(v) for v, asked in _word_numbers(text) if asked}
