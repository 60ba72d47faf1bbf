"""Phone numbers, e-mail addresses and door or alarm codes as people write them (round 59): what answer typing
(answertype.py) needs to tell whether a span is one. Shapes only, erring towards "it is one": a span is called no
phone number only when none of its digits could be one (a date, a time, a sum, "Room 12"), no e-mail address only
when it holds digits and no address, and no code only when its digits are all a sum, a time, a date or a length."""

from __future__ import annotations

import re

# A run of digits and the separators people put in a phone number: "01632 960 123", "+44 (0)7700 900123",
# "(555) 123-4567", "0800.123.456"; not after a currency sign, a decimal point or inside a word
_RUN = re.compile(r"(?<![\w£$€¥₹.,/:])(?:\+|00)?\(?\d[\d ().\-]*\d(?![\w%£$€:]|\.\d)")
_PHONE_DIGITS = 6  # "555 1234" has 7, "0800 123 456" 10; a room, a year or a sum of thousands fewer or other marks
# runs with enough digits that are no phone number: a date, a year range, a time range
_NOT_PHONE = re.compile(r"\d{1,4}([-./])\d{1,2}\1\d{1,4}|(?:19|20)\d\d\s*[-–/]\s*(?:19|20)?\d\d"
                        r"|\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}")
# a short number a word says is one to call or key in: "ext. 214", "x214", "dial 999", "text 85258", "press 3"
_CALLED = re.compile(r"\b(?:ext|extn|extension|x|tel|telephone|phone|call|ring|dial|text|sms|press|option|freephone"
                     r"|helpline)\b\.?:?\s*(?:on\s+)?\+?\d", re.IGNORECASE)
# words that say the span is about a phone line although it writes no number ("the switchboard", "reception's
# direct line")
PHONE_WORDS = frozenset({
    "phone", "telephone", "tel", "call", "ring", "dial", "text", "number", "numbers", "line", "lines", "ext",
    "extension", "switchboard", "helpline", "hotline", "freephone", "mobile", "landline", "voicemail", "whatsapp",
    "answerphone", "fax", "sms",
})
# "name@example.org", "name [at] example [dot] org", "name at example dot org"
EMAIL = re.compile(r"[\w.+'-]+\s*(?:@|[\[({]\s*at\s*[\])}])\s*[\w-]+(?:\s*(?:\.|[\[({]\s*dot\s*[\])}])\s*[\w-]+)+"
                   r"|\b[\w.+-]+ at [\w-]+(?: dot [a-z]{2,})+\b", re.IGNORECASE)
_DOMAIN = re.compile(r"\b[\w-]+\.(?:org|com|net|gov|ac|co|uk|edu|info|io|nhs|sch)\b", re.IGNORECASE)
# a digit run that is a code's: not a sum, a clock time, a length of time or space, an ordinal; "2580", "C1234X",
# "#1470*", "Harbour2026!"
_CODE_DIGITS = re.compile(r"(?<![£$€¥₹\d.,:])(?:[A-Za-z#*]*\d{3,}[\w#*!]*|[A-Za-z#*]+\d+[\w#*!]*)(?![\d:])")
_NOT_CODE = re.compile(r"\d+(?:st|nd|rd|th|am|pm|h|hr|hrs|m|min|mins|s|sec|secs|kg|g|km|cm|mm|ml|l|p|k|x|mph)",
                       re.IGNORECASE)
_CODE_UNIT_AFTER = re.compile(
    r"\s*(?:%|am\b|pm\b|a\.m|p\.m|seconds?\b|secs?\b|minutes?\b|mins?\b|hours?\b|hrs?\b|days?\b|weeks?\b|months?\b"
    r"|years?\b|metres?\b|meters?\b|miles?\b|km\b|kg\b|pounds?\b|euros?\b|dollars?\b|pence\b|people\b|members\b"
    r"|square\b|sq\b|cubic\b|litres?\b|grams?\b|tonnes?\b|seats?\b|places?\b|pupils?\b|spaces?\b|pages?\b|words?\b)",
    re.IGNORECASE)

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_DATE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+\d{4})?|\b" + _MONTH
                   + r"\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s+\d{4})?|\b" + _MONTH + r"\s+\d{4}\b", re.IGNORECASE)


_EXT = re.compile(r"\b(?:ext|extn|extension)\.?\s*\d{2,5}\b", re.IGNORECASE)


def phone_values(text: str) -> list[str]:
    """The phone numbers `text` writes, as written: runs of 6 or more digits that are no date or range, and
    extensions ("ext. 214")."""
    out = [m.group(0) for m in _EXT.finditer(text)]
    for m in _RUN.finditer(text):
        run = m.group(0).rstrip(" .-(")
        run = run[1:] if run.startswith("(") and run.count("(") > run.count(")") else run
        if sum(c.isdigit() for c in run) >= _PHONE_DIGITS and not _NOT_PHONE.fullmatch(run):
            out.append(run)
    return out


def email_values(text: str) -> list[str]:
    """The e-mail addresses `text` writes, as written."""
    return [m.group(0).rstrip(".") for m in EMAIL.finditer(text)]


def phone_shaped(text: str) -> bool:
    """Whether `text` holds something that could be a phone number: a run of 6 or more digits with a phone
    number's separators that is no date or range, or a short number after "ext"/"dial"/"call"/"press"."""
    if _CALLED.search(text):
        return True
    for m in _RUN.finditer(text):
        run = m.group(0).strip(" .-")
        if sum(c.isdigit() for c in run) >= _PHONE_DIGITS and not _NOT_PHONE.fullmatch(run):
            return True
    return False


def bare_number(text: str, digits: int = 1, code: bool = False) -> bool:
    """Whether `text` is a number alone of at least `digits` digits ("214", "999", "+44 7700 900123", "#1470*"),
    no date or range; a `code` may be written like a date without a year ("3-1-9", a padlock's)."""
    text = text.strip(" .")
    if not re.fullmatch(r"[\d\s+().#*-]*\d[\d\s+().#*-]*", text) or sum(c.isdigit() for c in text) < digits:
        return False
    return not _NOT_PHONE.fullmatch(text) or (code and not re.search(r"/|\d{4}", text))


def email_shaped(text: str) -> bool:
    """Whether `text` holds an e-mail address (also written "[at]"/" at … dot …") or a web domain."""
    return bool(EMAIL.search(text) or _DOMAIN.search(text))


def code_shaped(text: str) -> bool:
    """Whether `text` holds a digit run that could be a code (3 or more digits, or digits inside letters), not a
    sum, a clock time, a date or a number of units ("£250", "10:30", "1 March 2026", "30 seconds", "4th")."""
    text = _DATE.sub(" ", text)
    for m in _CODE_DIGITS.finditer(text):
        token = m.group(0)
        if _NOT_CODE.fullmatch(token) or _CODE_UNIT_AFTER.match(text, m.end()):
            continue
        return True
    return False


__all__ = ["EMAIL", "PHONE_WORDS", "bare_number", "code_shaped", "email_shaped", "email_values", "phone_shaped",
           "phone_values"]
