"""The kind of answer a question asks for, and whether a span clearly is not of that kind: answer typing, the
classic step of extractive QA systems (TREC QA; Moldovan et al. 2000). Answer candidates (candidates.py) prefer
a span that fits: the 135M model's wrong spans are often the right sentence's other value, of another kind
("up to 7.5 tonnes" for how long a van may stay, a fee for when someone moved).

Deliberately narrow: a question gets a kind only from a wh-phrase that opens it or one of its clauses ("when
there's a tie, what's …" is not a "when" question), and a span is called unfit only when it clearly lacks every
mark of the kind (a duration without a time or length word, a date that is money, a person that is a measure).
Anything unsure fits, so questions without a kind and keyword queries are chosen as before."""

from __future__ import annotations

import re

_CLAUSE = r"(?:^|[,;:?]\s*|\b(?:and|but|so|then)\s+)"
_AUX = r"(?:did|does|do|is|was|were|will|are|can|could|should|has|have|had|must|would|shall|may|might)"

_NUM_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands",
    "million", "millions", "billion", "dozen", "dozens", "half", "quarter", "third", "both", "single", "couple",
    "once", "twice", "thrice", "no", "none", "all", "several", "few", "many", "every", "each", "nil",
}
_TIME_UNITS = {
    "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "h",
    "day", "days", "week", "weeks", "fortnight", "fortnights", "month", "months", "year", "years", "yr", "yrs",
    "decade", "decades", "century", "centuries", "night", "nights", "term", "terms", "season", "seasons",
    "semester", "semesters", "quarter", "quarters", "shift", "shifts", "weekend", "weekends", "lifetime",
}
_LENGTH_UNITS = {
    "mm", "cm", "m", "km", "metre", "metres", "meter", "meters", "kilometre", "kilometres", "kilometer",
    "kilometers", "mile", "miles", "yard", "yards", "foot", "feet", "ft", "inch", "inches", "in", "lengths",
    "length", "laps", "lap", "pages", "page", "words", "characters",
}
_OPEN_ENDED = {"until", "till", "indefinitely", "permanently", "forever", "overnight", "while", "as", "long",
               "unlimited", "always", "duration"}
_FREQ = {
    "once", "twice", "thrice", "times", "every", "each", "daily", "weekly", "monthly", "yearly",
    "annually", "hourly", "nightly", "fortnightly", "quarterly", "biweekly", "biannually", "per", "always",
    "never", "regularly", "occasionally", "whenever", "continuously", "constantly", "rarely", "often", "usually",
    "sometimes", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "weekdays",
    "weekends", "needed", "required", "necessary", "cycle", "interval", "intervals",
}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekday", "weekdays",
             "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "weekend",
             "weekends"}
_TEMPORAL = _TIME_UNITS | _MONTHS | _WEEKDAYS | {
    "today", "tomorrow", "yesterday", "now", "then", "before", "after", "within", "until", "till", "by",
    "during", "since", "from", "once", "when", "while", "immediately", "soon", "later", "earlier", "ago", "end",
    "start", "beginning", "following", "next", "last", "previous", "prior", "every", "each", "annually", "morning",
    "mornings", "afternoon", "evening", "evenings", "noon", "midday", "midnight", "dawn", "dusk", "spring",
    "summer", "autumn", "fall", "winter", "christmas", "easter", "holiday", "holidays", "time", "times", "date",
    "deadline", "close", "opening", "upon", "on", "at", "in", "as", "whenever", "never", "always", "first",
    "annual", "daily", "weekly", "monthly", "yearly", "term", "season", "period", "anniversary", "renewal",
}
_CLOCK = {"noon", "midday", "midnight", "morning", "mornings", "afternoon", "evening", "evenings", "night",
          "dawn", "dusk", "am", "pm", "a.m", "p.m", "o'clock", "oclock", "close", "closing", "opening", "hours"}
_CURRENCY_WORDS = {
    "pound", "pounds", "dollar", "dollars", "euro", "euros", "crown", "crowns", "krona", "kronor", "krone",
    "kroner", "franc", "francs", "pence", "penny", "cent", "cents", "yen", "rupee", "rupees", "usd", "eur",
    "gbp", "chf", "sek", "nok", "dkk",
}
_AMOUNT_EXTRA = {"free", "nothing", "charge", "cost", "price", "fee", "rate", "full", "percent", "per"}

_WORD = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*", re.UNICODE)
_DIGIT = re.compile(r"\d")
_CURRENCY_SIGN = re.compile(r"[£$€¥₹₩₽¢]")

# (kind, pattern): the first that matches decides. Order matters: "how long" before "how many", "how much time"
# before "how much".
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p, re.IGNORECASE)) for k, p in (
    ("frequency", _CLAUSE + r"how (?:often|frequently)\b"),
    ("duration", _CLAUSE + r"(?:for )?how (?:long|much (?:time|longer))\b"),
    ("count", _CLAUSE + r"how many\b"),
    ("amount", _CLAUSE + r"how much\b"),
    ("count", _CLAUSE + r"how old\b"),
    ("clock", _CLAUSE + r"(?:at |by |from |until )?what time\b"),
    ("date", _CLAUSE + r"when " + _AUX + r"\b"),
    ("date", _CLAUSE + r"(?:in |on |by |from |since |until )?(?:what|which) (?:year|date|day|month|decade)\b"),
    ("person", _CLAUSE + r"(?:who|whom|whose)\b"),
))


def kind(question: str) -> str | None:
    """The kind of answer `question` asks for, or None (no clear wh-phrase: keyword queries, "what is …")."""
    best: tuple[int, str] | None = None
    for name, pattern in _KINDS:
        m = pattern.search(question)
        if m is not None and (best is None or m.start() < best[0]):
            best = (m.start(), name)  # the earliest clause wins: "who … and how many" asks who first
    return best[1] if best else None


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _money(text: str, words: set[str]) -> bool:
    return bool(_CURRENCY_SIGN.search(text)) or bool(words & _CURRENCY_WORDS) or bool(
        re.search(r"\d\s?(?:p|k)\b", text))


def fits(question: str, answer: str) -> bool:
    """False only when `answer` clearly is not the kind of answer `question` asks for; True when it is, when the
    question asks for no particular kind, or when unsure."""
    k = kind(question)
    if k is None or not answer.strip():
        return True
    words = set(_words(answer))
    has_digit = bool(_DIGIT.search(answer))
    if k == "frequency":
        return bool(words & _FREQ) or bool(words & _TIME_UNITS and (has_digit or words & {"a", "an", "per"}))
    if k == "duration":
        return bool(words & (_TIME_UNITS | _LENGTH_UNITS | _OPEN_ENDED)) or bool(re.search(r"\d\s?[hm]\b", answer))
    if k == "count":
        return has_digit or bool(words & _NUM_WORDS)
    if k == "amount":
        return has_digit or bool(words & (_NUM_WORDS | _AMOUNT_EXTRA)) or _money(answer, words)
    if k == "clock":
        return has_digit or bool(words & _CLOCK)
    if k == "date":
        return not _money(answer, words) and (has_digit or bool(words & _TEMPORAL))
    # person: a measure, a sum of money or a date is not a who
    capitalised = [w for w in _WORD.findall(answer) if w[:1].isupper() and w.lower() not in _MONTHS | _WEEKDAYS]
    if _money(answer, words):
        return False
    return not has_digit or bool(capitalised)


__all__ = ["fits", "kind"]
