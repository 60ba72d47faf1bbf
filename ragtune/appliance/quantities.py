"""Amounts with a unit as people write them and as documents state them (round 59), for the evidence check
(evidence.py): a question's "in a week" meets a source's "within 7 days", its "a 30kg labrador" a price list's "20 kg
and over".

A question's amount is met by a sentence that states the same amount in any unit of its kind ("a fortnight", "14
days", "two weeks"; "half an hour", "30 minutes"; "an hour and a half", "90 minutes"; "48 hours", "2 days"; "1.5 kg",
"1500 g"; "a month" and "30 days", "a year" and "12 months" or "365 days", nothing else between months and days) or a
range holding it: "10-20 kg", "10 to 20 kg", "between 5 and 10 kg", "up to 10 kg", "within 7 days", "under 20 kg"
(20 itself not), "20 kg and over", "over 20kg", "20kg+", "from age 2", "aged 5 to 11". Kinds: time, months and years
(an age is one: "a 14-month-old" is not held by "from age 2"), mass, length, volume, each currency, percent. Never
across kinds ("30 kg" is not "30 days"), and a number without a unit only within a range without one that has an
upper end ("a table for 6" in "groups of up to 8"; "more than 3 tablets" holds no "16-tablet pack"), never a
year-like number (1000 or more) nor a time's or a date's number ("6pm", "3/5").
Only a sentence's stated amount makes a meeting, so the check can only grow less strict where the text states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numberwords import labels
from .text import content_words

_MIN, _MON = "time", "months"  # time in minutes; months and years (ages too) in months
_UNITS = {
    **dict.fromkeys(("min", "mins", "minute", "minutes"), (_MIN, 1.0)),
    **dict.fromkeys(("hr", "hrs", "hour", "hours", "h"), (_MIN, 60.0)),
    **dict.fromkeys(("day", "days"), (_MIN, 1440.0)),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), (_MIN, 10080.0)),
    **dict.fromkeys(("fortnight", "fortnights"), (_MIN, 20160.0)),
    **dict.fromkeys(("month", "months"), (_MON, 1.0)),
    **dict.fromkeys(("year", "years", "yr", "yrs"), (_MON, 12.0)),
    **dict.fromkeys(("g", "gram", "grams", "gramme", "grammes"), ("mass", 1.0)),
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"),
                    ("mass", 1000.0)),
    **dict.fromkeys(("mm",), ("length", 1.0)), **dict.fromkeys(("cm",), ("length", 10.0)),
    **dict.fromkeys(("m", "metre", "metres", "meter", "meters"), ("length", 1000.0)),
    **dict.fromkeys(("km", "kilometre", "kilometres", "kilometer", "kilometers"), ("length", 1e6)),
    **dict.fromkeys(("ml", "millilitre", "millilitres", "milliliter", "milliliters"), ("volume", 1.0)),
    **dict.fromkeys(("l", "litre", "litres", "liter", "liters"), ("volume", 1000.0)),
    **dict.fromkeys(("%", "percent", "per cent"), ("%", 1.0)),
}
_ATTACHED_ONLY = {"h", "g", "m", "l"}  # a one-letter unit only right after its digits ("48h", "500g", "2l")
_CURRENCY = {"£": "£", "$": "$", "€": "€"}
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
          "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_ONES = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_WORD_NUM = (rf"(?:{_TENS}[- ]{_ONES}|{_TENS}|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen"
             rf"|nineteen|ten|{_ONES}|an|a)")
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS if u != "%"), key=len, reverse=True))
# an amount: a currency, a number (digits, "1.5", "1,500", words), "and a half", a unit, "-old"; or "half an hour",
# "a quarter of an hour", "half a day"
_AMOUNT = re.compile(
    rf"(?<![\w.,:/])(?:(?P<half>half[ -](?:an?[ -])?|(?:a[ -])?quarter[ -]of[ -]an?[ -])(?P<hunit>hour|day)\b"
    rf"|(?P<cur>[£$€])?[ \t]?(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|\b{_WORD_NUM}\b)(?P<plus>\+)?"
    rf"(?P<and>[ \t]+and[ \t]+a[ \t]+half)?"
    rf"(?:(?P<gap>[ \t]*-?[ \t]*)(?P<unit>{_UNIT}|%|per[ \t]cent)(?![\w])(?P<half2>[ \t]+and[ \t]+a[ \t]+half)?"
    rf"(?P<old>s?[ -]olds?\b)?)?)", re.IGNORECASE)
# after a bare number: a time's, a date's, an ordinal's or a code's ("6pm", "10:30", "3/5", "3rd", "6 March", "12b")
_NOT_AFTER = re.compile(r"[.:/]\d|[^\W\d_]|[ \t]*(?:[ap]\.?m\b|o'clock|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct"
                        r"|nov|dec)[a-z]*\b)", re.IGNORECASE)
_CHAIN = re.compile(r"\d+(?:[-/.]\d+){2,}")  # a date's or a phone number's parts ("2026-01-12", "0345-040-5834")
_AGE = re.compile(r"\b(?:aged?|ages)[ \t]+$", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(?:between|from)[ \t]+$", re.IGNORECASE)
_TO = re.compile(r"[ \t]*(?:[-–—]|to|till|until|and)[ \t]*", re.IGNORECASE)
_ABOVE_BEFORE = re.compile(r"\b(?:over|above|more[ \t]+than|greater[ \t]+than|heavier[ \t]+than|older[ \t]+than|"
                           r"longer[ \t]+than|exceeding|at[ \t]+least|min(?:imum)?(?:[ \t]+of)?|from|starting[ \t]+at)"
                           r"[ \t]+(?:(?:age|aged)[ \t]+)?$", re.IGNORECASE)
_BELOW_BEFORE = re.compile(r"\b(?:under|below|less[ \t]+than|fewer[ \t]+than|lighter[ \t]+than|younger[ \t]+than|"
                           r"shorter[ \t]+than|up[ \t]*to|at[ \t]+most|max(?:imum)?(?:[ \t]+of)?|"
                           r"no[ \t]+more[ \t]+than|"
                           r"not[ \t]+more[ \t]+than|no[ \t]+longer[ \t]+than|within|not[ \t]+exceeding)"
                           r"[ \t]+(?:(?:age|aged)[ \t]+)?$", re.IGNORECASE)
_STRICT = re.compile(r"\b(?:under|below|less|fewer|lighter|younger|shorter|over|above|more|greater|heavier|older|"
                     r"longer|exceeding)\b", re.IGNORECASE)
_ABOVE_AFTER = re.compile(r"[ \t]*(?:and|or)[ \t]+(?:over|above|more|upwards|greater|older|heavier|longer|higher)\b",
                          re.IGNORECASE)
_BELOW_AFTER = re.compile(r"[ \t]*(?:and|or)[ \t]+(?:under|below|less|fewer|younger|lighter|shorter|lower)\b",
                          re.IGNORECASE)
_EQUAL = {(_MON, 1.0): (_MIN, 43200.0), (_MIN, 43200.0): (_MON, 1.0),  # a month is 30 days
          (_MON, 12.0): (_MIN, 525600.0), (_MIN, 525600.0): (_MON, 12.0)}  # a year is 365 days


@dataclass(frozen=True)
class Amount:
    start: int
    end: int
    number: float  # as written ("20" of "20 kg")
    kind: str | None  # None: no unit
    factor: float  # to the kind's base unit
    plus: bool = False  # "20kg+"
    age: bool = False  # "7-year-old", "aged 7"

    @property
    def value(self) -> float:
        return self.number * self.factor


def _number(written: str) -> float | None:
    w = written.lower().replace(",", "")
    if w[0].isdigit():
        return float(w)
    parts = re.split(r"[- ]", w)
    return float(sum(_WORDS.get(p, 0) for p in parts)) or None


def _run(text: str, start: int, end: int) -> str:
    """The run of digits and "-", "/", "." a number stands in."""
    while start > 0 and (text[start - 1].isdigit() or text[start - 1] in "-/."):
        start -= 1
    while end < len(text) and (text[end].isdigit() or text[end] in "-/."):
        end += 1
    return text[start:end].strip("-/.")


def amounts(text: str) -> list[Amount]:
    """The amounts the text writes, in order: with a unit, or bare digits (not a time's, a date's or a decimal's)."""
    out: list[Amount] = []
    for m in _AMOUNT.finditer(text):
        if m.group("hunit"):
            kind, factor = _UNITS[m.group("hunit").lower()]
            part = 0.25 if "quarter" in m.group("half").lower() else 0.5
            out.append(Amount(m.start(), m.end(), part, kind, factor))
            continue
        unit = (m.group("unit") or "").lower()
        if unit in _ATTACHED_ONLY and m.group("gap") or unit == "m" and m.group("cur"):
            unit = ""  # "5 m" may be a million, "£5m" is
        number = _number(m.group("num"))
        if number is None:
            continue
        if m.group("and") or m.group("half2"):
            number += 0.5
        end = m.end("unit") if unit else m.end("num") + (1 if m.group("plus") else 0)
        if m.group("old") and unit:
            end = m.end("old")
        age = bool(m.group("old") and unit) or bool(_AGE.search(text, max(0, m.start() - 8), m.start()))
        if unit:
            kind, factor = _UNITS["%" if unit in ("percent", "per cent") else unit]
        elif m.group("cur"):
            kind, factor = _CURRENCY[m.group("cur")], 1.0
        elif age and not m.group("num")[0].isalpha():
            kind, factor = _MON, 12.0  # "aged 7", "ages 5-11"
        elif m.group("num")[0].isdigit() and not _NOT_AFTER.match(text, m.end("num")) and number < 1000 \
                and not _CHAIN.fullmatch(_run(text, m.start("num"), m.end("num"))):
            kind, factor = None, 1.0
        else:
            continue  # a bare word ("a", "one") or a time, a date, a year
        if m.group("num")[0].isalpha() and m.group("num").lower() in ("a", "an") and unit.endswith("s") \
                and unit not in ("hrs", "mins", "wks", "yrs", "kgs"):
            continue  # "a days" is no amount
        out.append(Amount(m.start(), end, number, kind, factor, bool(m.group("plus")), age))
    return out


Range = tuple[str | None, float, bool, float, bool]  # (kind, low, low inclusive, high, high inclusive)


def ranges(text: str) -> list[Range]:
    """The amounts and ranges the text states: an amount is the range of itself, "10-20 kg" and "between 5 and 10 kg"
    both ends, "up to 10 kg" and "within 7 days" from nothing, "over 20 kg" and "20 kg and over" without an end."""
    found = amounts(text)
    out: list[Range] = []
    inf = float("inf")
    for i, a in enumerate(found):
        before = text[max(0, a.start - 24):a.start]
        above, below = _ABOVE_BEFORE.search(before), _BELOW_BEFORE.search(before)
        if a.kind is not None and not any(c and _STRICT.search(c.group()) for c in (above, below)):
            out.append((a.kind, a.value, True, a.value, True))  # "20 kg", not "under 20 kg"
        b = found[i + 1] if i + 1 < len(found) else None
        joined = b is not None and bool(_TO.fullmatch(text, a.end, b.start)) and (
            "and" not in text[a.end:b.start].lower() or bool(_BETWEEN.search(text, max(0, a.start - 10), a.start)))
        if joined:
            kind, fa, fb = _joined_kind(a, b)
            if kind is not False and a.number * fa < b.number * fb:
                out.append((kind, a.number * fa, True, b.number * fb, True))
        if joined:
            continue  # "from 10 to 20 kg" is no "from 10 kg"
        if a.kind is None:
            pass  # a bare "more than 3 tablets" holds every count above it: no range (a "16-tablet pack" is none)
        elif a.plus or _ABOVE_AFTER.match(text, a.end):
            out.append((a.kind, a.value, True, inf, True))
        elif above:
            out.append((a.kind, a.value, not _STRICT.search(above.group()), inf, True))
        if _BELOW_AFTER.match(text, a.end):
            out.append((a.kind, 0.0, True, a.value, True))
        elif below:
            out.append((a.kind, 0.0, True, a.value, not _STRICT.search(below.group())))
    return out


def _joined_kind(a: Amount, b: Amount) -> tuple[str | None | bool, float, float]:
    """The kind of a range "a to b" and each end's factor: an end without a unit takes the other's ("10-20 kg",
    "£10-20"); two units of different kinds: no range (False)."""
    if a.kind is None:
        return b.kind, b.factor, b.factor
    if b.kind is None:
        return a.kind, a.factor, a.factor
    return (a.kind, a.factor, b.factor) if a.kind == b.kind else (False, 0.0, 0.0)


def _holds(r: Range, kind: str | None, value: float) -> bool:
    k, lo, lo_in, hi, hi_in = r
    if k != kind:
        other = _EQUAL.get((kind, value)) if kind else None  # "a month" and "30 days"
        return other is not None and other[0] == k and lo <= other[1] <= hi
    return (lo < value or lo_in and lo == value) and (value < hi or hi_in and value == hi)


@dataclass(frozen=True)
class Asked:
    kind: str | None
    value: float
    words: frozenset[str]  # its content words, as the question writes them ("30kg"; "week")
    digits: frozenset[str]  # its digits ("30")
    age: bool = False


def asked(question: str) -> list[Asked]:
    """The question's amounts a source may state another way (its bare numbers below 1000 too, for a bare range)."""
    if not any(c.isdigit() for c in question) and not re.search(rf"(?i)\b(?:{_UNIT}|half|quarter)\b", question):
        return []
    out, named = [], labels(question)
    for a in amounts(question):
        span = question[a.start:a.end]
        if a.kind is None and span in named:
            continue  # "Lab 4", "room 30" name a thing: only its own digits meet it (numberwords.labels)
        out.append(Asked(a.kind, a.value, frozenset(content_words(span)), frozenset(re.findall(r"\d+", span)), a.age))
    return out


def met(text: str, wanted: list[Asked]) -> list[Asked]:
    """The question's amounts (`asked`) the text states: the same amount in any unit of its kind, or a range
    holding it (module docstring)."""
    if not wanted:
        return []
    stated = ranges(text)
    return [q for q in wanted if any(_holds(r, q.kind, q.value) for r in stated)]


def with_amount_numbers(text: str, wanted: list[Asked]) -> str:
    """`text` with the digits of the question's amounts it states written after it, for
    numberwords.numbers_missing: a question's "30kg" is not missing from "20 kg and over". Not an age's: a leaflet's
    age band holding the asker's "16-year-old" is no sign it answers about that medicine (corpus dev calibration
    half: the two age questions it let through were both unanswerable, as in round 56); best_sentence still reads
    them. Nor a bare number's (no unit): a range of other things ("20 to 40") holding it says nothing of it."""
    extra = {d for q in met(text, [q for q in wanted if not q.age and q.kind is not None]) for d in q.digits}
    return f"{text}\n{' '.join(sorted(extra))}" if extra else text


__all__ = ["Amount", "Asked", "amounts", "asked", "met", "ranges", "with_amount_numbers"]
