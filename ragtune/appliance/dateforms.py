"""Dates as people write them and as documents write them (round 58): a question's "11th of March", "March 11",
"3/11" or "the 11th" and a source's "2026-03-11", "11/03/2026", "11.03.26", "11 Mar" or "Wednesday 11th" are one
day. The keyword index meets them on a date's own terms (`date_terms`: "date0311" for 11 March, "day11" for any
date on the 11th), which lexical_terms.search_form adds to a chunk's and a question's words alike; the evidence
check's number feature meets them on a date's numbers in every form (`date_numbers`: "2026-03-03" names 3, not only
"03").

Day-first or month-first: a year-first date ("2026-03-11") is year, month, day. A numeric date without a month name
("03/11/2026", "3/11") is read the way the same text's other dates show (one of them with a first part over 12,
"25/03/2026", makes the text day-first; with a second part over 12 month-first); where none shows it, or both do, it
is read both ways, so either reading meets. A date needs a month: a bare "3/11" only with a slash (a "9-1" or
"10.30" is a range or a time), a day number alone only as an ordinal ("the 3rd").
"""

from __future__ import annotations

import re

_MONTHS = {name: i for i, names in enumerate((
    "january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul", "august aug",
    "september sep sept", "october oct", "november nov", "december dec"), start=1) for name in names.split()}
# the names as a trie (the engine tries each branch at each word: the plain alternation took 3 times as long); the
# month patterns read the text lower-cased
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_ORD = r"(?:st|nd|rd|th)"
_ISO = re.compile(r"(?<![\d.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d]|[-/.]\d)")
# day and month with a year ("11/03/2026", "11.03.26", "11-03-2026"; one separator), or a slash alone ("3/11")
_NUMERIC = re.compile(r"(?<![\d.,/:-])(\d{1,2})(?:([-/.])(\d{1,2})\2(\d{4}|\d{2})|/(\d{1,2}))(?![\d]|[-/.:,]\d)")
_DAY_MONTH = re.compile(rf"(?<![\d.,/:-])(\d{{1,2}}){_ORD}?(?:[ \t]+of)?[ \t]+({_MONTH})\b\.?")
_MONTH_DAY = re.compile(rf"\b(?=[adfjmnos])({_MONTH})\.?[ \t]+(?:the[ \t]+)?(\d{{1,2}}){_ORD}?"
                        r"(?![\d:.,]\d|[ \t]*(?:[ap]\.?m\b|%))")
_ORDINAL_DAY = re.compile(rf"(?<![\d.,/:-])(\d{{1,2}}){_ORD}\b")


def _valid(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _verb_may(month: str, written: str) -> bool:
    """Whether a lower-case "may" is the verb ("you may 3 times", "up to 4 may"): a month only capitalised or beside
    an ordinal or "of" ("may 3rd", "3rd of may")."""
    return month == "may" and not re.search(rf"\d{_ORD}|\bof\b", written)


def _numeric_order(pairs: list[tuple[int, int, str]]) -> tuple[bool, bool]:
    """(day-first possible, month-first possible) for the text's numeric dates (first part, second part, year), by
    its dates that show it."""
    day_first = any(a > 12 and b <= 12 for a, b, _ in pairs)
    month_first = any(b > 12 and a <= 12 for a, b, _ in pairs)
    if day_first == month_first:  # neither shows it, or both: either reading
        return True, True
    return day_first, month_first


def dates(text: str) -> list[tuple[int, int, str]]:
    """Each (day, month, year as written or "") the text writes, a numeric one without a month name once per
    reading it may have (module docstring); in order of the forms, not of the text."""
    out: list[tuple[int, int, str]] = []
    for m in _ISO.finditer(text):
        out.append((int(m.group(4)), int(m.group(3)), m.group(1)))
    pairs = [(int(m.group(1)), int(m.group(3) or m.group(5)), m.group(4) or "") for m in _NUMERIC.finditer(text)]
    pairs = [p for p in pairs if p[:2] != (24, 7) or p[2]]  # "open 24/7": always, not 24 July
    day_first, month_first = _numeric_order(pairs) if pairs else (False, False)
    for a, b, year in pairs:
        for day, month, ok in ((a, b, day_first), (b, a, month_first)):
            if ok and _valid(day, month) and (day, month, year) not in out:
                out.append((day, month, year))
    low = text.lower()
    cased = text if len(low) == len(text) else low  # (a letter whose lower case is longer: "May" read as written)
    for m in _DAY_MONTH.finditer(low):
        if not _verb_may(cased[m.start(2):m.end(2)], m.group(0)):
            out.append((int(m.group(1)), _MONTHS[m.group(2)], ""))
    for m in _MONTH_DAY.finditer(low):
        if not _verb_may(cased[m.start(1):m.end(1)], m.group(0)):
            out.append((int(m.group(2)), _MONTHS[m.group(1)], ""))
    return [d for d in out if _valid(d[0], d[1])]


def date_terms(text: str) -> list[str]:
    """The index's terms for the text's dates, each once: "date0311" (11 March, any year) and "day11" for each date,
    and "day11" for an ordinal day alone ("the 11th", "Wednesday 11th")."""
    if not any(c.isdigit() for c in text):
        return []
    out: dict[str, None] = {}
    for day, month, _ in dates(text):
        out[f"date{month:02d}{day:02d}"] = None
        out[f"day{day:02d}"] = None
    for m in _ORDINAL_DAY.finditer(text.lower()):
        if 1 <= int(m.group(1)) <= 31:
            out[f"day{int(m.group(1)):02d}"] = None
    return list(out)


def date_numbers(text: str) -> set[str]:
    """Every number the text's dates name, in each form: day and month with and without a leading zero, a year in
    full and as its last two digits ("2026-03-03": 3, 03, 2026, 26); a month written as a name too ("11 March": 3,
    03)."""
    out: set[str] = set()
    for day, month, year in dates(text):
        out |= {str(day), f"{day:02d}", str(month), f"{month:02d}"}
        if year:
            out |= {year, year[-2:]}
    return out




_MONTH_NAMES = ("january february march april may june july august september october november december").split()


def date_words(text: str) -> set[str]:
    """The words of the text's dates in the forms a question may write them: each date's month as its full name and
    its numbers (`date_numbers`). The evidence check's best_sentence meets a question's "3 March" in a source's
    "2026-03-03" with them (evidence.py)."""
    if not any(c.isdigit() for c in text):
        return set()
    return {_MONTH_NAMES[month - 1] for _, month, _ in dates(text)} | date_numbers(text)


def with_date_numbers(text: str) -> str:
    """`text` with its dates' numbers (`date_numbers`) written after it, for numberwords.numbers_missing: a
    question's "3 March" meets a source's "2026-03-03", its "2026-03-11" a source's "11 March 2026"."""
    extra = date_numbers(text) if any(c.isdigit() for c in text) else set()
    return f"{text}\n{' '.join(sorted(extra))}" if extra else text


__all__ = ["date_numbers", "date_terms", "date_words", "dates", "with_date_numbers"]
