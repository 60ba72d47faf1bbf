"""A short hyphenated word's joined form (round 59): "Wi-Fi" is also "wifi", "e-mail" "email", "check-in" "checkin",
"co-ordinator" "coordinator", so a question typing one way meets a source writing the other. The keyword index's
analyzer splits a word at its hyphen ("Wi-Fi": "wi", "fi"), and "wifi" is one term: neither found the other.

lexical_terms.form_terms adds these terms to the FORMS field of a chunk and to a question's search terms, as plain
words (no mark: a question's "wifi" meets a source's joined "Wi-Fi", a question's joined "Wi-Fi" a source's "wifi"
in its text). Only a word of two parts of letters, each of at most MAX_PART letters, joined at least MIN_JOINED:
no chains ("day-to-day", "well-known-brand-x"), no numbers or codes ("2026-03-03", "A-3", "covid-19"), no "A-Z",
no part of an address or a file name ("wi-fi.example.org"), no product code ("BRV-Guest", "MIME-Version": a part in
capitals beside a capitalised one). A word written in capitals ("WI-FI", "PRE-booked") is a word. The index does
stem (its analyzer's English stemmer: "consultation", "consults" and "consult" are one term), so no forms of endings.
"""

from __future__ import annotations

import re

MAX_PART = 10  # letters a part may have ("co-ordinator": 9); longer compounds ("well-established") rarely close up
MIN_JOINED = 4  # "A-Z", "x-y" are no words joined
MAX_TERMS = 64  # a chunk's joined forms (distinct), at most

_HYPHENS = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen
_H = r"\-\u2010\u2011"  # the same in a character class
# a word of two letter parts, not inside a longer run of words, numbers and hyphens, an address or a path
_JOINED = re.compile(rf"(?<![\w{_H}./@:'’])([^\W\d_]+)[{_H}]([^\W\d_]+)(?![\w{_H}@]|[./:]\w)")


def _shape(part: str) -> str:
    """"lower", "title" (a capital then lower case), "caps", "one" (a letter: "E-mail", "E-MAIL"); "" for a mix
    ("iPhone", "McDo"): a name or a code."""
    if len(part) == 1:
        return "one"
    if part.islower():
        return "lower"
    if part.isupper():
        return "caps"
    if part[0].isupper() and part[1:].islower():
        return "title"
    return ""


def joined(left: str, right: str) -> str | None:
    """The joined form of the hyphenated word `left`-`right`, lower-cased; None where it is no such word."""
    if len(left) > MAX_PART or len(right) > MAX_PART or len(left) + len(right) < MIN_JOINED:
        return None
    shapes = {_shape(left), _shape(right)}
    if "" in shapes or shapes == {"caps", "title"}:  # "BRV-Guest", "MIME-Version", "XJ-Pro"
        return None
    return (left + right).lower()


def hyphen_terms(text: str) -> list[str]:
    """The joined forms of the short hyphenated words of `text` (its search form), each once, in order."""
    if not any(h in text for h in _HYPHENS):
        return []
    out: dict[str, None] = {}
    for m in _JOINED.finditer(text):
        term = joined(m.group(1), m.group(2))
        if term is not None:
            out[term] = None
            if len(out) >= MAX_TERMS:
                break
    return list(out)
