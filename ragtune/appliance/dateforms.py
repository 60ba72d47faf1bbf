"""Dates as people write them and as documents write them (round 58): a question's "11th of March", "March 11",
"3/11" or "the 11th" and a source's "2026-03-11", "11/03/2026", "11.03.26", "11 Mar" or "Wednesday 11th" are one
day. The keyword index meets them on a date's own terms (`date_terms`: "date0311" for 11 March, "day11" for any
date on the 11th), which lexical_terms.search_form adds to a chunk's and a question's words alike; the evidence
check's number feature meets them on a date's numbers in every form (`date_numbers`: "2026-03-03" names 3, not only
"03").

Day-first or month-first: a year-first date ("2026-03-11") is year, month, day. A numeric date without a month name
("03/11/2026", "3/11") is read the way the same text's other dates show (one of them with a first part over 12,
"25/03/2026", makes the text day-first; with a second part over 12 month-first); where none shows it, or both do, it
is read both ways, so either reading meets; only dates with a year show it ("screens are 16/9" does not). A date
needs a month: a bare "3/11" only with a slash (a "9-1" or "10.30" is a range or a time) and only after a date word
("on", "by", "until", "due", a weekday, a dash: not "1/2 cup", "sizes 10/12") or in a text that writes a numeric date
with a year; a day number alone only as an ordinal ending its phrase ("on the 3rd", "the 3rd of", not "the 4th
floor", "3rd party"). A dotted date after a letter or a version/clause word ("v1.4.22", "clause 4.2.12") is a number,
and a day must exist in its month (29 February may).

Round 59: a range ("3-5 March", "3rd–5th March 2026", "March 3 to 5", "from the 3rd to the 5th of March", "28 Feb -
3 Mar", "between 3 and 5 March") writes every day inside it, a range over more than 31 days only its ends, "3 and 5
March" its two days; spreadsheet and log shapes ("03-Mar-26", "03/Mar/2026:10:15"); spelled ordinals ("the third of
March", "March the third", "twenty-first of June": with "of" or "the" or a capitalised month, not "a third march").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from .text import STOPWORDS

_NAMES = ("january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul", "august aug",
          "september sep sept", "october oct", "november nov", "december dec")  # each month's full name first
_MONTHS = {name: i for i, names in enumerate(_NAMES, start=1) for name in names.split()}
# the names as a trie (the engine tries each branch at each word: the plain alternation took 3 times as long); the
# month patterns read the text lower-cased
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_ORD = r"(?:st|nd|rd|th)"
_ISO = re.compile(r"(?<![\d.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d]|[-/.]\d)")
# day and month with a year ("11/03/2026", "11.03.26", "11-03-2026"; one separator), or a slash alone ("3/11")
_NUMERIC = re.compile(r"(?<![\d./:-])(?<!\d,)(\d{1,2})(?:([-/.])(\d{1,2})\2(\d{4}|\d{2})|/(\d{1,2}))(?![\d]|[-/.:,]\d)")
_ORDINAL_DAY = re.compile(rf"(?<![\d./:-])(?<!\d,)(\d{{1,2}}){_ORD}\b(?:[ \t]+([^\W\d_]+))?")
# what may stand right before a bare "3/11" that is a date (a text with no dated numeric date): a date word, a
# weekday, a dash (the end of the text before it)
_DATE_BEFORE = re.compile(r"(?i)(?:\b(?:on|by|from|until|till|(?<!\bup )to|before|after|w/?c|dated?|due|deadline"
                          r"|week|(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?s?)\.?|[–—-])"
                          r"[ \t]*$")
# a dotted "1.2.10" after these is a version or a clause number
_NUMBER_BEFORE = re.compile(r"(?i)(?:[^\W\d_]|\b(?:version|ver|v|release|rel|rev|revision|build|clause|section|sec"
                            r"|para|paragraph|rule|item|step|chapter|page|no)\.?[ \t]*)$")
_DAYS_IN = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_UNITS = "first second third fourth fifth sixth seventh eighth ninth".split()
_WORD_DAYS = {**{w: i for i, w in enumerate(_UNITS, start=1)}, **{w: i for i, w in enumerate(
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
    .split(), start=10)}, **{f"twenty{w}": 20 + i for i, w in enumerate(_UNITS, start=1)}, "thirtieth": 30,
    "thirtyfirst": 31}
_ORD_WORD = (r"(?:(?:twenty[- \t]?)(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirty[- \t]?first"
             r"|thirtieth|twentieth|tenth|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)teenth"
             r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)")
_DAY = rf"(\d{{1,2}}{_ORD}?|{_ORD_WORD})"  # a day as a number, an ordinal or a spelled ordinal
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?\.?,?[ \t]+)"
_TO = r"[ \t]*(?:[-–—]|to|until|till|through|thru|and)[ \t]*(?:the[ \t]+)?"  # a range's "to" between two days
# "3 March", "3rd of March", "the third of March", a range "3-5 March", "the 3rd to the 5th of March"
_DAYS_MONTH = re.compile(rf"(?<![\w./:-])(?<!\d,)(?:the[ \t]+)?{_DAY}(?:({_TO}){_WEEKDAY}?{_DAY})?([ \t]+of)?[ \t]+"
                         rf"({_MONTH})\b\.?")
# "March 3", "March the third", a range "March 3 to 5"
_MONTH_DAYS = re.compile(rf"\b(?=[adfjmnos])({_MONTH})\.?[ \t]+(the[ \t]+)?{_DAY}(?![a-z])(?:({_TO}){_DAY}(?![a-z]))?"
                         r"(?![\d:.,]\d|[ \t]*(?:[ap]\.?m\b|%))")
# a spreadsheet's or a log's "03-Mar-26", "3-Mar", "03/Mar/2026:10:15:00"
_DAY_ABBR = re.compile(rf"(?<![\w./:-])(\d{{1,2}})([-/])({_MONTH})(?:\2(\d{{4}}|\d{{2}})(?!\d))?\b(?!-\d)")
_YEAR_AFTER = re.compile(r",?[ \t]+(\d{4})\b")
_BETWEEN = re.compile(r"(?i)\bbetween[ \t]+(?:the[ \t]+)?$")
_SPAN_TO = re.compile(rf"(?i)(?:,?[ \t]+\d{{4}})?,?{_TO}{_WEEKDAY}?(?:the[ \t]+)?")  # "28 Dec 2025 - Sat 3 Jan"


def _valid(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN[month - 1]  # not "31/4", "2/31"


def _verb_may(month: str, written: str) -> bool:
    """Whether a lower-case "may" is the verb ("you may 3 times", "up to 4 may"): a month only capitalised or beside
    an ordinal or "of" ("may 3rd", "3rd of may")."""
    return month == "may" and not re.search(rf"\d{_ORD}|\bof\b", written)


def _numeric_order(pairs: list[tuple[int, int, str]]) -> tuple[bool, bool]:
    """(day-first possible, month-first possible) for the text's numeric dates (first part, second part, year), by
    its dates with a year that show it (a "16/9" ratio shows nothing)."""
    day_first = any(a > 12 and b <= 12 and y for a, b, y in pairs)
    month_first = any(b > 12 and a <= 12 and y for a, b, y in pairs)
    if day_first == month_first:  # neither shows it, or both: either reading
        return True, True
    return day_first, month_first


_SPELLED = re.compile(rf"(?i){_ORD_WORD}")


def _may_date(text: str) -> bool:
    """Whether the text may write a date: a digit, or a spelled ordinal ("the third of March")."""
    return any(c.isdigit() for c in text) or bool(_SPELLED.search(text))


def _day(written: str) -> int:
    """A day's number: "3", "3rd", "third", "twenty-first"."""
    digits = re.match(r"\d+", written)
    return int(digits.group()) if digits else _WORD_DAYS[re.sub(r"[- \t]", "", written)]


def _is_date(m: re.Match, cased: str, month: int, joined: str | None) -> bool:
    """Whether a day-and-month match is a date: not the verb "may"; a spelled day ("third") only with "of" or "the"
    or a capitalised month ("the third of March", "March the third", not "a third march")."""
    if _verb_may(cased[m.start(month):m.end(month)], m.group(0)):
        return False
    return not _SPELLED.search(m.group(0)) or bool(joined) or cased[m.start(month)].isupper()


def _range_ends(low: str, end: int) -> bool:
    """Whether "March 3 to 5" ends as a range does: at the text's or a phrase's end, a function word, a month or
    "inclusive" ("March 3 to 5 people" is the 3rd and a number)."""
    word = re.match(r"[ \t]*([^\W\d_]+)", low[end:])
    return not word or word.group(1) in STOPWORDS or word.group(1) in _MONTHS or word.group(1) == "inclusive"


def _joined(low: str, between: str, start: int) -> bool:
    """Whether two days joined by `between` are a range: "to", "-", "until"; "and" only after "between" ("3 and 5
    March" are two days)."""
    return not re.search(r"\band\b", between) or bool(_BETWEEN.search(low, max(0, start - 24), start))


def _through(d1: int, m1: int, d2: int, m2: int, year: str) -> list[tuple[int, int]]:
    """The days strictly inside a range (a year's end crossed: "28 Dec - 3 Jan"), none over 31 days."""
    y = int(year) if len(year) == 4 else 2025  # (no year: 29 February is no inside day)
    try:
        a = date(y, m1, d1)
        b = date(y if (m2, d2) >= (m1, d1) else y + 1, m2, d2)
    except ValueError:
        return []
    n = (b - a).days
    return [((a + timedelta(i)).day, (a + timedelta(i)).month) for i in range(1, n)] if 1 < n <= 31 else []


def _add_range(low: str, m: re.Match, first: str, to: str | None, last: str | None, month: int,
               out: dict, spans: list) -> None:
    """One date ("3 March": a span for `dates`' ranges across months), or a range in one month ("3-5 March") with
    every day inside it, or two days joined by "and"."""
    if last is None:
        spans.append((m.start(), m.end(), _day(first), month, ""))
        return
    d1, d2 = _day(first), _day(last)
    out[d1, month, ""] = out[d2, month, ""] = None
    if _joined(low, to, m.start()) and d1 < d2:
        out.update(((d, month, ""), None) for d in range(d1 + 1, d2))


def dates(text: str) -> list[tuple[int, int, str]]:
    """Each (day, month, year as written or "") the text writes, a numeric one without a month name once per
    reading it may have (module docstring); in order of the forms, not of the text."""
    out: dict[tuple[int, int, str], None] = {}  # (in order, each once)
    spans: list[tuple[int, int, int, int, str]] = []  # (start, end, day, month, year) of dates a range may join
    for m in _ISO.finditer(text):
        spans.append((m.start(), m.end(), int(m.group(4)), int(m.group(3)), m.group(1)))
        out[spans[-1][2:]] = None
    found = [m for m in _NUMERIC.finditer(text)
             if not (m.group(2) == "." and _NUMBER_BEFORE.search(text, max(0, m.start() - 12), m.start()))]
    pairs = [(int(m.group(1)), int(m.group(3) or m.group(5)), m.group(4) or "") for m in found]
    if not out and not any(p[2] for p in pairs):  # no dated numeric date: a bare "3/11" only after a date word
        pairs = [p for p, m in zip(pairs, found) if _DATE_BEFORE.search(text, max(0, m.start() - 16), m.start())]
    pairs = [p for p in pairs if p[:2] != (24, 7) or p[2]]  # "open 24/7": always, not 24 July
    day_first, month_first = _numeric_order(pairs) if pairs else (False, False)
    for a, b, year in pairs:
        for day, month, ok in ((a, b, day_first), (b, a, month_first)):
            if ok and _valid(day, month):
                out[day, month, year] = None
    low = text.lower()
    cased = text if len(low) == len(text) else low  # (a letter whose lower case is longer: "May" read as written)
    taken = set()
    for m in _DAY_ABBR.finditer(low):  # "03-Mar-26": no verb "may" there
        taken.add(m.start(3))
        spans.append((m.start(), m.end(), int(m.group(1)), _MONTHS[m.group(3)], m.group(4) or ""))
    for m in _DAYS_MONTH.finditer(low):
        taken.add(m.start(5))
        if _is_date(m, cased, 5, m.group(4)):
            _add_range(low, m, m.group(1), m.group(2), m.group(3), _MONTHS[m.group(5)], out, spans)
    for m in _MONTH_DAYS.finditer(low):  # not a month a day-first date holds ("03 Mar 26" is not 26 March)
        if m.start(1) not in taken and _is_date(m, cased, 1, m.group(2)) and (
                m.group(3)[0].isdigit() or _range_ends(low, m.end())):  # not "March the first group in"
            two = m.group(4) and _range_ends(low, m.end())  # "March 3 to 5 people" is no range
            _add_range(low, m, m.group(3), m.group(4) if two else None, m.group(5) if two else None,
                       _MONTHS[m.group(1)], out, spans)
    for d in spans:
        out[d[2:]] = None
    spans.sort()
    for (first, end, d1, m1, y1), (start, last, d2, m2, y2) in zip(spans, spans[1:]):  # "28 Feb - 3 Mar"
        if _SPAN_TO.fullmatch(text, end, start) and _joined(low, low[end:start], first):
            year = y1 if y1 == y2 else ""
            written = _YEAR_AFTER.match(text, last)  # "... 2 Mar 2028": 29 February inside
            out.update(((d, m, year), None) for d, m in _through(d1, m1, d2, m2, y2 or (written and written[1]) or ""))
    return [d for d in out if _valid(d[0], d[1])]


def date_terms(text: str) -> list[str]:
    """The index's terms for the text's dates, each once: "date0311" (11 March, any year) and "day11" for each date,
    and "day11" for an ordinal day alone ("the 11th", "Wednesday 11th")."""
    if not _may_date(text):
        return []
    out: dict[str, None] = {}
    for day, month, _ in dates(text):
        out[f"date{month:02d}{day:02d}"] = None
        out[f"day{day:02d}"] = None
    for m in _ORDINAL_DAY.finditer(text.lower()):
        # ending its phrase ("on the 11th", "the 11th at 3"), not "the 4th floor", "3rd party", "21st century"
        if 1 <= int(m.group(1)) <= 31 and (not m.group(2) or m.group(2) in STOPWORDS):
            out[f"day{int(m.group(1)):02d}"] = None
    return list(out)


def date_numbers(text: str, short_years: frozenset[str] = frozenset()) -> set[str]:
    """Every number the text's dates name, in each form: day and month with and without a leading zero, a year as
    written, and as its last two digits only where `short_years` (the question's 2-digit years) holds them
    ("2026-03-03": 3, 03, 2026, and 26 for a question's "3/3/26": never a "26 March"); a month written as a name
    too ("11 March": 3, 03)."""
    out: set[str] = set()
    for day, month, year in dates(text):
        out |= {str(day), f"{day:02d}", str(month), f"{month:02d}"}
        if year:
            out |= {year, year[-2:]} if year[-2:] in short_years else {year}
    return out




MONTH_NAMES = [names.split()[0] for names in _NAMES]


def _short_years(asked: list[tuple[int, int, str]]) -> frozenset[str]:
    return frozenset(year for _, _, year in asked if len(year) == 2)


def date_words(text: str, asked: list[tuple[int, int, str]]) -> set[str]:
    """The words of the text's dates in the forms a question may write them: each date's month as its full name and
    its numbers (`date_numbers`), only for a question that writes a date (`asked`: its `dates`). The evidence check's
    best_sentence meets a question's "3 March" in a source's "2026-03-03" with them (evidence.py)."""
    if not asked or not _may_date(text):
        return set()
    return {MONTH_NAMES[month - 1] for _, month, _ in dates(text)} | date_numbers(text, _short_years(asked))


def with_date_numbers(text: str, asked: list[tuple[int, int, str]]) -> str:
    """`text` with its dates' numbers (`date_numbers`) written after it, for numberwords.numbers_missing, only for a
    question that writes a date (`asked`: its `dates`; a "room for 3 people" is not met by a "2026-03-03"): a
    question's "3 March" meets a source's "2026-03-03", its "2026-03-11" a source's "11 March 2026"."""
    extra = date_numbers(text, _short_years(asked)) if asked and _may_date(text) else set()
    return f"{text}\n{' '.join(sorted(extra))}" if extra else text


__all__ = ["date_numbers", "date_terms", "date_words", "dates", "with_date_numbers"]
