"""The numbers of a question the evidence check asks its context for (`number_missing`, evidence.py).

A number that names what is asked about ("the 2019 season", "GX30", "Unit 4", "the 3 mg pen", "over £500") must
occur in the context: a context without it is about something else. A number that states the asker's own situation
does not: the documents give a rule for it, not the number ("my grandfather is 81, how much can he take" over a
leaflet's "adults and children over 12"). Round 55 found 10 of the 26 answerable questions of the corpus dev
calibration half refused `no_evidence` with `number_missing` set, several by such a number (round 56: 26 -> 22
refused, the unanswerable ones refused 38 -> 38). Read from the question's own words, these are conditions:

- an age with a person as its subject or head: "81" in "my grandfather is 81" / "she's 6 and", "I'm 67 years
  old", "my 8 year old", "dose 4 year old", "a 4-year-old child", "children aged 4", "at the age of 4" (not "the
  12 year old in stock", "a 10 year old", "cheddar aged 24 months", "my cat is 14");
- in a clause of the asker's (one holding I, me, my, we, us, our):
  - a clock time of their own arrival or appointment: after their verb of coming ("I arrive at 10:30", "we get
    there around 9 pm", "I'm coming at 10", "if I turn up by 11", "we stay until 1am"), after "my appointment,
    booking, reservation, slot, scan… (is) at", or in "if/when my X is at 10:30" where X is no timetabled service
    (train, flight, bus, show, tour…); any other time names what is asked about ("can I see the film at 19:30",
    "is there a train at 10:15 I can take", "my flight is at 6:40", "my 10:30 train");
  - a span of theirs after their verb of staying, hiring, booking, parking, renting, borrowing, visiting, coming,
    living, working, being away… ("stay for 3 nights", "hire the hall for 4 hours", "staying 5 nights"), or "2
    weeks ago"; not "open for 24 hours", "claim for 12 months", "renew my passport for 10 years";
  - a count of their party: up to 3 digits before a counted noun ("we are 3 adults", "for 2 adults and 3
    children", "there'll be 120 guests"), "4 of us", or 1-2 digits closing the clause ("we are 3,"); not "we are
    2019 entrants".

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
_N = r"(?<![\d.])(\d+(?:\.5)?)"  # whole: "1111 year old" tried at every digit was quadratic (readB: 16,000 digits)
_OLD = r"[- ]?(?:years?|yrs?|months?|weeks?)[- ]old(?!s)"
_AGES = [
    re.compile(rf"\b(?:i am|i'm|im|he is|he's|she is|she's|they are|they're|(?:my|our|his|her|their)(?: \w+)? "
               rf"(?:{_PERSON})(?:'s| is| are| was| turned| turns| will be)) (?:about |nearly |almost |just |over |under )?"
               rf"{_N}{_THEN}"),
    # a person is its head: "my 7 year old", "dose 4 year old" (alone or before a function word), "a 4-year-old
    # child"; not "the 12 year old in stock" (a malt), "cheddar aged 24 months"
    re.compile(rf"\b(?:my|our|his|her|their|dose|doses|dosage|for) {_N}{_OLD}"
               rf"(?=\s*(?:$|[,;.?!)]|(?:{_PERSON}|{'|'.join(sorted(STOPWORDS))})\b))"),
    re.compile(rf"(?<!to )(?<![-\u2013]){_N}{_OLD}(?= (?:{_PERSON})\b)"),
    re.compile(rf"\b(?:(?:{_PERSON}|i|i'm|me|he|she|him|they|them|we|us|one|someone|anyone|person|people|adults?)"
               rf" aged|at (?:the )?age(?: of)?) {_N}\b(?!\s*(?:to|[-\u2013]|and|or)\s*\d)"),  # not a band
]
# "10:30", "10.30 am", "9 pm", "9 o'clock"; a bare "9" only where its clause ends ("if I arrive at 9, …")
_CLOCK = (r"(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\b\.?)?|\d{1,2}\s*(?:[ap]\.?m\b\.?|o'?clock)|\d{1,2}(?=\s*(?:$|[,;?!])))"
          r"(?!\s*(?:%|per\b))")
_ASKER = re.compile(r"\b(?:i|i'm|im|i've|i'll|i'd|me|my|we|we're|we've|we'll|us|our)\b")
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|yrs?)"
_COUNTED = (r"(?:adults?|people|persons?|guests?|passengers?|children|kids?|seniors?|students?|pupils?|members?"
            rf"|visitors?|dogs?|{_PERSON})")
_SUBJ = (r"(?:i|we|i'm|im|we're|i'll|we'll|i'd|we'd|i've|we've)(?: (?:will|shall|should|would|could|can|might|may"
         r"|am|are|be|'ll|won't|don't|probably|only|not|usually|normally|just|only))*")
# the asker's own arrival or appointment: a time after another verb ("can I see the film at 19:30", "is there a train
# at 10:15 I can take", "my flight is at 6:40") names what is asked about
_ARRIVE = (r"(?:arrive|arriving|get (?:there|here|in|back|home|to)|getting (?:there|here|in|back|home|to)"
           r"|come|coming|turn up|turning up|show up|showing up|be there|be here|land|landing|check in|checking in"
           r"|drop (?:in|by)|pop (?:in|by)|stay|staying|go on|carry on|run on|finish|finishing)")
_MOMENT = r"(?:at|by|around|about|before|after|until|till|from|past)"
_STAY = (r"(?:stay|staying|stayed|hire|hiring|hired|book|booking|booked|park|parking|parked|rent|renting|rented"
         r"|borrow|borrowing|borrowed|visit|visiting|visited|come|coming|came|away|been|live|lived|living|work|worked"
         r"|working|leave|leaving|keep|keeping|holiday|travel|travelling|traveling)")
_SERVICE = (r"(?:trains?|bus|buses|coach|flights?|plane|ferry|boat|tram|tube|service|sailing|departure|connection"
            r"|show|film|movie|screening|performance|concert|match|game|tour|trip|event|session)")
_ASKERS = [
    # a moment: "if I arrive at 10:30", "we're getting there by 9", "my appointment is at 9"
    re.compile(rf"\b{_SUBJ} {_ARRIVE}\b(?: [\w'-]+){{0,3}}? {_MOMENT} ({_CLOCK})"),
    # "if my colonoscopy is at 10:30": a slot of the asker's, supposed; a timetabled service's time names it ("if my
    # train is at 10:15, which platform?", "my flight is at 6:40")
    re.compile(rf"\b(?:if|when|once) (?:my|our) (?!{_SERVICE}\b)[\w'-]+(?: (?!{_SERVICE}\b)[\w'-]+)?"
               rf"(?: is|'s| will be) {_MOMENT} ({_CLOCK})"),
    re.compile(rf"\b(?:my|our) (?:appointment|booking|reservation|slot|arrival|check-in|scan|consultation|interview"
               rf"|operation|procedure|party)(?:'s)?(?: [\w']+){{0,3}}? {_MOMENT} ({_CLOCK})"),
    # a span of theirs: "stay for 3 nights", "hire the hall for 4 hours"; not "open for 24 hours", "claim for 12 months"
    re.compile(rf"\b{_STAY}\b(?:(?: (?!for\b)[\w'-]+){{0,4}}? (?:for|in|about|nearly|almost|over|under))?"
               rf"(?: about| around| nearly| almost| over| under| up to)? (\d+)[- ]?{_UNIT}\b"),
    re.compile(rf"\b(\d+)[- ]?{_UNIT} ago\b"),
    # a count alone closing its clause: "we are 3", not "we are 2019 entrants"
    re.compile(r"\b(?:we are|we're|there are|there're|there will be|there'll be) (\d{1,2})"
               r"(?=\s*(?:$|[,;.?!)]|[-\u2013\u2014](?:\s|$)|(?:and|but|so|now)\b))"),
    re.compile(r"\b(\d+) of us\b"),
    re.compile(rf"\b(?:for|with|we are|we're|there are|there'll be|there will be|have|have got|'ve got|bring"
               rf"|bringing|book|booking)(?: about| around| roughly| up to)? (\d{{1,3}}) {_COUNTED}\b"
               rf"(?:(?:,| and) (\d{{1,3}}) {_COUNTED}\b)?"),
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
