"""The numbers of a question the evidence check asks its context for (`number_missing`, evidence.py).

A number that names what is asked about ("the 2019 season", "GX30", "Unit 4", "the 3 mg pen", "over £500") must
occur in the context: a context without it is about something else. A number that states the asker's own situation
does not: the documents give a rule for it, not the number ("my grandfather is 81, how much can he take" over a
leaflet's "adults and children over 12"). Round 55 found 10 of the 26 answerable questions of the corpus dev
calibration half refused `no_evidence` with `number_missing` set, several by such a number (round 56: 26 -> 22
refused, the unanswerable ones refused 38 -> 38). Read from the question's own words, these are conditions:

- an age: "81" in "my grandfather is 81" / "she's 6 and", "N years old", "my 8 year old", "a 4-year-old child",
  "aged 70", "at the age of 4" (not "a 12-year-old malt": only alone or before a person or a function word);
- in a clause of the asker's (one holding I, me, my, we, us, our): a clock time at which they do something ("if my
  appointment is at 10:30", "I arrive around 9 pm"; not "my 10:30 train"), a time span of theirs ("for 3 nights",
  "2 weeks ago"), a count of their party ("we are 3 adults", "4 of us", "for 2 adults and 3 children").

Anything else counts, as before, and a number named again outside a condition counts too. English wording only;
the digits of every script are read as ASCII first (`numbers_in`, round 49).
"""

from __future__ import annotations

import re

from .scripts import ascii_digits
from .text import STOPWORDS

# "1,175" is the number 1175 (and Arabic's "١٬١٧٥": its own thousands separator)
_THOUSANDS = re.compile(r"(?<=\d)[,\u066c](?=\d{3}(?!\d))")
_DIGITS = re.compile(r"\d+")


def _ascii(text: str) -> str:
    if not text.isascii():
        text = ascii_digits(text)  # the keyword index's digit map: one definition
    return _THOUSANDS.sub("", text)


def numbers_in(text: str) -> set[str]:
    """The numbers `text` names, as ASCII digits: "٢١" (Arabic-Indic) or "२१" (Devanagari) in a question is the
    "21" of a source (round 49: it set number_missing). ASCII text is read as before."""
    return set(_DIGITS.findall(_ascii(text)))


_PERSON = (r"(?:grand)?(?:father|mother|sons?|daughters?|child|children|kids?|dad|mum|mom|parents?)"
           r"|granddad|grandad|grandpa|grandma|gran|nan|nana|baby|babies|toddlers?|boy|girl|boys|girls|husband|wife"
           r"|partner|brother|sister|friend|patient|uncle|aunt|auntie|nephew|niece|cousin|teenager")
_THEN = r"(?=\s*(?:$|[,;.?!)]|[-\u2013\u2014](?:\s|$)|(?:and|but|so|now|next|this|years?|yrs?|months?)\b))"  # the age ends its phrase
_N = r"(\d+(?:\.5)?)"
_AGES = [
    re.compile(rf"\b(?:i am|i'm|im|he is|he's|she is|she's|they are|they're|(?:my|our|his|her|their)(?: \w+)? "
               rf"(?:{_PERSON})(?:'s| is| are| was| turned| turns| will be)) (?:about |nearly |almost |just |over |under )?"
               rf"{_N}{_THEN}"),
    re.compile(rf"(?<!to )(?<![-\u2013]){_N}\b[- ]?(?:years?|yrs?|months?|weeks?)[- ]old(?!s)"
               rf"(?=\s*(?:$|[,;.?!)]|(?:{_PERSON}|{'|'.join(sorted(STOPWORDS))})\b))"),
    re.compile(rf"\b(?:aged|at (?:the )?age(?: of)?) {_N}\b(?!\s*(?:to|[-\u2013]|and|or)\s*\d)"),  # not a band
]
# "10:30", "10.30 am", "9 pm", "9 o'clock"; a bare "9" only where its clause ends ("if I arrive at 9, …")
_CLOCK = (r"(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\b\.?)?|\d{1,2}\s*(?:[ap]\.?m\b\.?|o'?clock)|\d{1,2}(?=\s*(?:$|[,;?!])))"
          r"(?!\s*(?:%|per\b))")
_ASKER = re.compile(r"\b(?:i|i'm|im|i've|i'll|i'd|me|my|we|we're|we've|we'll|us|our)\b")
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|yrs?)"
_COUNTED = (r"(?:adults?|people|persons?|guests?|passengers?|children|kids?|seniors?|students?|pupils?|members?"
            rf"|visitors?|dogs?|{_PERSON})")
_ASKERS = [
    # a moment: "at 10:30", "by 9 pm", "at 9" closing its clause; "my 10:30 train" names the train
    re.compile(rf"\b(?:at|by|around|about|before|after|until|till|from) ({_CLOCK})"),
    re.compile(rf"\b(?:for|in|about|nearly|almost|over|under) (\d+)[- ]?{_UNIT}\b"),
    re.compile(rf"\b(\d+)[- ]?{_UNIT} ago\b"),
    re.compile(r"\b(?:we are|we're|there are|there're|there will be|there'll be) (\d+)\b"),
    re.compile(r"\b(\d+) of us\b"),
    re.compile(rf"\b(?:for|with|we are|we're|there are|there'll be|there will be|have|have got|'ve got|bring"
               rf"|bringing|book|booking)(?: about| around| roughly| up to)? (\d+) {_COUNTED}\b"
               rf"(?:(?:,| and) (\d+) {_COUNTED}\b)?"),
]
_CLAUSE_END = re.compile(r"[,;?!]|[.:](?!\d)|\s[-\u2013\u2014]\s")


def _spans(pattern: re.Pattern[str], text: str, start: int = 0) -> list[tuple[int, int]]:
    return [(m.start(g) + start, m.end(g) + start) for m in pattern.finditer(text)
            for g in range(1, (pattern.groups or 0) + 1) if m.start(g) >= 0]


def _conditions(text: str) -> list[tuple[int, int]]:
    """Where in `text` (lower case, ASCII digits) the asker's conditions are (the `_AGES` and `_ASKERS` forms)."""
    spans = [s for p in _AGES for s in _spans(p, text)]
    at = 0
    for end in [m.start() for m in _CLAUSE_END.finditer(text)] + [len(text)]:
        clause = text[at:end]
        if _ASKER.search(clause):
            spans += [s for p in _ASKERS for s in _spans(p, clause, at)]
        at = end + 1
    return spans


def asked_numbers(question: str) -> set[str]:
    """The numbers the context must name for `question`: `numbers_in` less those standing only in conditions."""
    text = _ascii(question).lower().replace("\u2019", "'")  # "I’m": a typed apostrophe, one character for one
    if not _DIGITS.search(text):
        return set()
    spans = _conditions(text)
    return {m.group() for m in _DIGITS.finditer(text)
            if not any(a <= m.start() and m.end() <= b for a, b in spans)}


__all__ = ["asked_numbers", "numbers_in"]
