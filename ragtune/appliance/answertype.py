"""The kind of answer a question asks for, and whether a span clearly is not of that kind: answer typing, the
classic step of extractive QA systems (TREC QA; Moldovan et al. 2000). Answer candidates (candidates.py) prefer
a span that fits: the 135M model's wrong spans are often the right sentence's other value, of another kind
("up to 7.5 tonnes" for how long a van may stay, a fee for when someone moved).

Deliberately narrow: a question gets a kind only from a wh-phrase that opens it or one of its clauses ("when
there's a tie, what's …" is not a "when" question; a keyword query only when it opens with a phone number's,
e-mail address's or code's noun, round 59), and a span is called unfit only when it clearly lacks every mark of the
kind (a duration without a time or length word, a date that is money, a person that is a measure, a phone number
without a phone number's digits). Anything unsure fits, so other questions are chosen as before."""

from __future__ import annotations

import re

from .contactshapes import PHONE_WORDS, bare_number, code_shaped, email_shaped, phone_shaped

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
# ("as" alone is no length, round 58: "Biopsy results take longer, as explained above"; "as long as" has "long")
_OPEN_ENDED = {"until", "till", "indefinitely", "permanently", "forever", "overnight", "while", "long",
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
_BARE_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_NO_CHARGE = re.compile(r"\bno (?:charge|cost|fee)\b", re.IGNORECASE)
_FREE = {"free", "nothing", "included", "inclusive", "waived", "complimentary", "gratis", "nil"}
# A price may also be written (mend of reviewer readB): in another currency ("Rs 500", "kr 250", "50 zł", "two quid",
# "12,500 + VAT"), per a period or a unit ("95 a night", "1,200 pcm"; not "10 referrals a year"), as a share ("half
# price", "a third off", "two thirds", "all of it") or naming what is paid ("half the adult fare", "15 credits",
# "a day's pay"): each fits.
_MORE_MONEY = {"rs", "inr", "kr", "aud", "cad", "nzd", "sgd", "hkd", "zł", "zl", "pln", "czk", "huf", "quid", "bucks",
               "rand", "zar", "baht", "peso", "pesos", "yuan", "rmb", "lira", "shekel", "shekels", "vat"}
_PER_PERIOD = re.compile(r"\d[\d,.]*\s*(?:k\s*)?(?:(?:a|an|per|each|/)\s*(?:hour|hr|day|night|week|month|year|annum"
                         r"|session|person|head|adult|child|visit|mile|unit|item)s?\b|p\.?c\.?m\b|pw\b|pa\b|p\.a\.)",
                         re.IGNORECASE)
_SHARE = {"half", "third", "thirds", "quarter", "quarters", "fifth", "fifths", "most", "all", "whole", "double",
          "twice", "off"}
_PRICE_WORDS = {"price", "prices", "priced", "fare", "fares", "fee", "fees", "cost", "costs", "charge", "charges",
                "rate", "rates", "refund", "deposit", "pay", "paid", "credit", "credits", "salary", "wage", "wages",
                "rent", "tariff", "premium", "subscription", "discount", "compensation"}
# words that are never an answer by themselves (a span cut before its value): "from", "on the", "until"
_BARE = {"from", "to", "at", "on", "in", "by", "of", "for", "with", "the", "a", "an", "and", "or", "until", "till",
         "since", "between", "into", "per", "as", "than", "about", "around", "up", "after", "before", "within"}
_AMOUNT_EXTRA = {"free", "nothing", "charge", "cost", "price", "fee", "rate", "full", "percent", "per"}

_WORD = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*", re.UNICODE)
_DIGIT = re.compile(r"\d")
_CURRENCY_SIGN = re.compile(r"[£$€¥₹₩₽¢]")

# (kind, pattern): the first that matches decides. Order matters: "how long" before "how many", "how much time"
# before "how much".
# A price (round 58): "how much" with a word of paying, and "what's the … fee/fare/price/…", asks for a sum of money
# (or "free", a share): "12 metre cherry picker (CP12)" holds a digit but is no weekly rate, "up to 10 referrals a
# year" no credit for a referral. Other "how much" questions (a dose, a weight, a grant's size) stay amounts.
# Conservative (mend of reviewer readB, whose 39 questions not about money were nearly all read as prices): the
# paying word must be the question's verb ("how much does the membership cost", "how much will I be paid for …";
# not "how much luggage can I take without paying", "how much does a charge last") or the money word right after
# "how much" ("how much credit/discount/pay"; not "how much paid leave"), and the price noun must end its phrase
# ("the fee for …", "the rent?"; not "the fee structure", "the price band", "the toll-free number").
_PAY_VERB = r"(?:cost|costs|costing|charge|charges|charged|pay|paying|paid|refund|refunded)"
_MONEY_NOUN = r"(?:credit|discount|compensation|refund|money|cash|pay|rent|deposit|commission|interest|tax|fee|fine)s?"
# what may follow a paying verb or a price noun that ends its phrase (a preposition, a pronoun, an auxiliary)
_PHRASE_END = (r"(?![\w'’-])(?=\s*(?:$|[?.!,;:)]|(?:to|for|of|per|on|in|into|at|if|when|with|from|by|now|this|each|be"
               r"|is|was|will|would|going|charged|payable|due|like|these|then|there|here|and|or|me|us|you|them|him"
               r"|her|it|a|an|the|extra|back|up|out|do|does|did)\b))")
# "how much does the boiler cost to run in energy", "… cost the council in staff time": not money
_NOT_MONEY = r"(?!.*\bin (?:[\w'’-]+ )?(?:energy|time|hours|days|calories|carbon|co2|emissions|kwh|effort|fuel)\b)"
# "rate" only as a price's ("weekly rate", "the rate for a double room"), not a heart rate or a flow rate; "charge"
# alone only before "for/per/to/if/when" ("the charge for a late return"; not "what was the charge?", a crime)
_PRICED = (r"(?:(?:[\w'’-]+ ){0,4}?(?:(?:price|cost|fee|fare|rent|toll|premium|subscription)s?|(?:hourly|daily|weekly"
           r"|monthly|nightly|yearly|annual|day|hire|room|standard|reduced|discounted|concession|group|student|member"
           r"|full) rates?|(?!(?:the|a|an|my|our|your|their|this|that)\b)[\w'’-]+ charges?)" + _PHRASE_END
           + r"|(?:[\w'’-]+ ){0,4}?charges? (?=(?:for|per|to|if|when)\b)|rates? for\b)")
# A phone number, an e-mail address, a door or alarm code (round 59): "what's the contact number for …", "what number
# do I ring …", "how do I phone the surgery", "what's the e-mail for bookings", "what's the alarm code", "the wifi
# password". The noun must end its phrase as a price's ("the phone number policy", "the email subject line", "the
# password policy" ask no value), and only words that name a phone line may stand before "number" ("the room
# number", "the booking number", "the player's number" are no phone's); "who do I ring" asks who. "How do I call …"
# is left out (a meeting, the lift), and so is a bare "extension" (a deadline's, a visa's, a house's).
_WHAT_THE = r"what(?:'s|’s|s| is| was| are| were| will be| would be)? (?:the |a |an |my |our |your |their |his |her )?"
_ENDS = (r"(?![\w'’-])(?=\s*(?:$|[?.!,;:)]|(?:to|for|of|on|at|in|if|when|i|we|you|they|should|do|does|can|please"
         r"|now)\b))")
_PHONE_NOUN = (r"(?:(?:phone|telephone|tel|mobile|cell|contact|landline|helpline|hotline|emergency|freephone|whatsapp"
               r"|fax|out[- ]of[- ]hours|direct[- ]dial|switchboard|extension) (?:line )?(?:number|no\.?)s?|helpline"
               r"|hotline|switchboard|(?:phone|telephone) line|(?:phone|telephone|tel|internal) extensions?)")
_EMAIL_NOUN = r"e-?mail(?: address)?(?:es)?"
_CODE_NOUN = (r"(?:(?:alarm|door|entry|entrance|access|gate|keypad|key[- ]?safe|key box|lock[- ]?box|padlock|lock"
              r"|locker|safe|shed|store|garage|intercom|cupboard|cabinet|security) codes?|pins?(?: numbers?| codes?)?"
              r"|passcodes?|passwords?|(?:lock|padlock|safe|locker) combination|(?:wi-?fi|wireless|network|guest"
              r"|router) (?:key|code)s?)")
# the noun alone may open a keyword question ("contact number for the caretaker", "door code for the side
# entrance?"), not a yes/no one ("is the phone number for …")
_OPENS = (r"^\s*(?!(?:" + _AUX + r"|what|which|who|how|when|where|why|if|i)\b)(?:the |a |my |our |your )?"
          r"(?:[\w'’-]+ ){0,2}?")
_PHONE_Q = (r"(?:" + _WHAT_THE + r"(?:[\w'’-]+ ){0,4}?|" + _OPENS + ")" + _PHONE_NOUN + _ENDS
            + r"|" + _WHAT_THE + r"number (?:for|to (?:call|ring|phone|dial|text))\b"
            r"|(?:on |at )?(?:what|which) (?:phone |telephone |mobile |contact |freephone )?(?:number|extension)\b"
            r"(?! of\b)(?=(?: [\w'’-]+){0,6}? (?:call|calls|ring|phone|dial|(?:diverted|forwarded|transferred|reported"
            r"|put through) to|(?:i|we|you) (?:text|contact|reach))\b)"
            r"|how (?:do|can|could|should|would) (?:i|we|you|one|people|parents|tenants) (?:phone|ring|telephone)\b"
            r"(?! (?:in|back|(?:the |a )?(?:bell|doorbell|buzzer))\b)")
_EMAIL_Q = (r"(?:" + _WHAT_THE + r"(?:[\w'’-]+ ){0,4}?|" + _OPENS + ")" + _EMAIL_NOUN + _ENDS
            + r"|(?:to )?(?:what|which) e-?mail(?: address)?\b|where (?:do|can|should|would) (?:i|we|you) e-?mail\b")
_CODE_Q = (r"(?:" + _WHAT_THE + r"(?:[\w'’-]+ ){0,4}?|" + _OPENS + ")" + _CODE_NOUN + _ENDS
           + r"|" + _WHAT_THE + r"combination (?:for|to|on) (?:the |my |our |your )?(?:[\w'’-]+ ){0,2}?(?:lock|padlock"
           r"|safe|locker|door|gate|box|shed|store)s?\b"
           r"|(?:what|which) (?:code|pin|password|combination) (?:do|should|can|will|would|opens|unlocks|works)\b")
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p, re.IGNORECASE)) for k, p in (
    ("frequency", _CLAUSE + r"how (?:often|frequently)\b"),
    ("duration", _CLAUSE + r"(?:for )?how (?:long|much (?:time|longer))\b"),
    ("count", _CLAUSE + r"how many\b"),
    ("price", _CLAUSE + r"how much (?:" + _MONEY_NOUN + r"\b|(?:of (?:[\w'’-]+ ){1,3})?" + _AUX
     + r" (?:[\w'’-]+ ){0,5}?" + _PAY_VERB + _PHRASE_END + ")" + _NOT_MONEY),
    ("price", _CLAUSE + r"what(?:'s|’s|s| is| was| are| were| will be| would be)? (?:the |a |an |my |our |your |their )?"
     + _PRICED),
    ("phone", _CLAUSE + r"(?:" + _PHONE_Q + ")"),
    ("email", _CLAUSE + r"(?:" + _EMAIL_Q + ")"),
    ("code", _CLAUSE + r"(?:" + _CODE_Q + ")"),
    ("amount", _CLAUSE + r"how much\b"),
    ("count", _CLAUSE + r"how old\b"),
    ("clock", _CLAUSE + r"(?:at |by |from |until )?what time\b"),
    ("date", _CLAUSE + r"when " + _AUX + r"\b"),
    ("date", _CLAUSE + r"(?:in |on |by |from |since |until )?(?:what|which) (?:year|date|day|month|decade)\b"),
    ("person", _CLAUSE + r"(?:who|whom|whose)\b"),
))

# Other languages (round 52): question words of he, hi, ar, zh, ja, th. Hebrew and Arabic glue prepositions and
# "and" to a word (למי, בכמה, بكم), Chinese, Japanese and Thai write no spaces, so these are matched inside a
# phrase; a more specific phrase is listed first (กี่โมง before กี่, 几点 before 几, כמה זמן before כמה) and wins a
# tie. Hebrew כמה and Hindi कितना ask "how much" and "how many" alike: both read as an amount, whose check
# (a number, a sum, "free") also suits a count.
_HE = r"(?<![\u05d0-\u05ea])[ובלמשה]{0,2}"  # a Hebrew word's start, with its glued prefixes
_HE_END = r"(?![\u05d0-\u05ea])"
_AR = r"(?<![\u0621-\u064a])[وفب]?"
_AR_END = r"(?![\u0621-\u064a])"
_HI = r"(?<![\u0900-\u097f])"
_HI_END = r"(?![\u0900-\u097f])"
_FOREIGN: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p)) for k, p in (
    # Hebrew
    ("clock", _HE + r"(?:איזו|איזה) שעה" + _HE_END),
    ("date", _HE + r"(?:איזה|איזו) (?:תאריך|יום|שנה|חודש)" + _HE_END),
    ("duration", _HE + r"כמה זמן" + _HE_END),  # "how many days" is a count, as in English
    ("amount", _HE + r"כמה" + _HE_END),
    ("date", r"(?<![\u05d0-\u05ea])(?:עד |[ולמ])?מתי" + _HE_END),  # not שמתי ("I put")
    ("person", r"(?:^|[,;:?]\s*)(?:(?:של|את|עם|אצל|על ידי) )?[ולבמ]?מי" + _HE_END),
    # Hindi
    ("clock", _HI + r"(?:(?:कितने|कितनी) बजे|किस समय)" + _HI_END),
    ("duration", _HI + r"(?:कितने|कितनी|कितना) (?:समय|देर)" + _HI_END),
    ("amount", _HI + r"कितन(?:ा|ी|े|ों)" + _HI_END),
    ("date", _HI + r"(?:कब|किस (?:तारीख|दिन|साल|वर्ष|महीने|तिथि))" + _HI_END),
    ("person", _HI + r"(?:कौन(?![ -](?:सा|सी|से)" + _HI_END + r")|किस(?:ने|को|े|का|की|के))" + _HI_END),
    # Arabic: من is also "from"; only a question-opening من not followed by a word it opens as "from" is "who"
    ("clock", _AR + r"(?:في |ب)?أي(?:ة)? ساعة" + _AR_END + r"|الساعة كم" + _AR_END),
    ("duration", _AR + r"كم (?:من الوقت|مدة)" + _AR_END + r"|منذ متى|ما مدة"),
    ("amount", _AR + r"كم" + _AR_END),
    ("date", _AR + r"(?:حتى )?متى" + _AR_END + r"|(?:في )?أي (?:يوم|تاريخ|سنة|عام|شهر)" + _AR_END),
    ("person", r"(?:^|[,;:?؟،]\s*)[وف]?(?:من|لمن|بمن)" + _AR_END
     + r"(?! (?:أين|فضلك|الممكن|المفترض|الضروري|المتوقع|خلال|أجل|قبل|بعد|حيث|فضل))"),
    # Chinese and Japanese
    ("clock", r"几点|幾點|何時(?!間)|なんじ"),
    ("date", r"星期几|礼拜几|周几|几月|几号|几日|哪天|哪一天|哪年|哪一年|哪个月|什么时候|什麼時候|何时|何時(?!間)|几时|"
             r"什么日期|哪个日期|何日(?!間)|何曜日|何月|何年(?!間)|いつ"),
    ("duration", r"多久|多长时间|多長時間|多少时间|多长|どのくらいの期間"),
    ("amount", r"(?<![或])多少(?!有些|有点)|几(?!乎)|幾(?!乎)|いくら|何人|何個|何枚|何回|何名|何時間|何日間|何年間|何週間|何か月|何ヶ月|"
               r"どのくらい|どれくらい|どれぐらい|どのぐらい"),
    ("person", r"谁|誰|だれ|どなた|哪位"),
    # Thai
    ("clock", r"กี่โมง|กี่ทุ่ม|เวลาอะไร|กี่นาฬิกา"),
    ("date", r"วันที่เท่า(?:ไร|ไหร่|ใด)|วันไหน|วันอะไร|ปีไหน|เดือนไหน|เมื่อ(?:ไร|ไหร่|ใด)"),
    ("duration", r"นาน(?:เท่า(?:ไร|ไหร่|ใด)|แค่ไหน)"),
    ("amount", r"กี่|เท่า(?:ไร|ไหร่|ใด)"),
    ("person", r"ใคร(?!่)"),
))


def _kind(question: str) -> tuple[str, bool] | None:
    """(kind, from another language's question word) or None."""
    best: tuple[int, str, bool] | None = None
    for foreign, table in ((False, _KINDS), (True, _FOREIGN)):
        for name, pattern in table:
            m = pattern.search(question)
            if m is not None and (best is None or m.start() < best[0]):
                best = (m.start(), name, foreign)  # the earliest clause wins: "who … and how many" asks who first
    return (best[1], best[2]) if best else None


def kind(question: str) -> str | None:
    """The kind of answer `question` asks for, or None (no clear wh-phrase: keyword queries, "what is …")."""
    found = _kind(question)
    return found[0] if found else None


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _money(text: str, words: set[str]) -> bool:
    return bool(_CURRENCY_SIGN.search(text)) or bool(words & _CURRENCY_WORDS) or bool(
        re.search(r"\d\s?(?:p|k)\b", text))


def fits(question: str, answer: str) -> bool:
    """False only when `answer` clearly is not the kind of answer `question` asks for; True when it is, when the
    question asks for no particular kind, or when unsure."""
    found = _kind(question)
    if found is None or not answer.strip():
        return True
    k, foreign = found
    if foreign:
        return _fits_foreign(k, answer)
    words = set(_words(answer))
    has_digit = bool(_DIGIT.search(answer))
    if words and words <= _BARE:
        return False  # "from", "on the": a span cut before its value is no answer of any kind (round 58)
    if k == "frequency":
        return bool(words & _FREQ) or bool(words & _TIME_UNITS and (has_digit or words & {"a", "an", "per"}))
    if k == "duration":
        return bool(words & (_TIME_UNITS | _LENGTH_UNITS | _OPEN_ENDED)) or bool(re.search(r"\d\s?[hm]\b", answer))
    if k == "count":
        return has_digit or bool(words & _NUM_WORDS)
    if k == "amount":
        return has_digit or bool(words & (_NUM_WORDS | _AMOUNT_EXTRA)) or _money(answer, words)
    if k == "price":  # a sum, free, a share, or a number per something ("£12 per hour", "2 per cent", "5%")
        return _money(answer, words) or bool(words & _FREE) or "%" in answer or bool(
            words & {"percent", "per", "cent"} and has_digit) or bool(_NO_CHARGE.search(answer)) or bool(
            _BARE_NUMBER.fullmatch(answer.strip())) or bool(  # a table's "Fee (£)" column holds bare numbers
            words & _MORE_MONEY and (has_digit or words & _NUM_WORDS)) or bool(_PER_PERIOD.search(answer)) or bool(
            words & (_SHARE | _PRICE_WORDS))
    if k in ("phone", "email", "code"):
        return _fits_contact(k, answer, words, has_digit)
    if k == "clock":
        return has_digit or bool(words & _CLOCK)
    if k == "date":
        return not _money(answer, words) and (has_digit or bool(words & _TEMPORAL))
    # person: a measure, a sum of money or a date is not a who
    capitalised = [w for w in _WORD.findall(answer) if w[:1].isupper() and w.lower() not in _MONTHS | _WEEKDAYS]
    if _money(answer, words):
        return False
    return not has_digit or bool(capitalised)


def _fits_contact(k: str, answer: str, words: set[str], has_digit: bool) -> bool:
    """A phone number: one's shape, a bare number ("214"), or no digits but a word of phone lines ("the
    switchboard"); not a date, a time, a sum, "Room 12", an e-mail address alone or a name. An e-mail address:
    one's shape, or no digits (unsure: "the bookings secretary"). A code: no digits (a password may be words), or a
    digit run no sum, time, date or number of units."""
    if k == "phone":
        if phone_shaped(answer) or bare_number(answer, 3):
            return True
        return not has_digit and not email_shaped(answer) and bool(words & (PHONE_WORDS | _NUM_WORDS))
    if k == "email":
        return email_shaped(answer) or not has_digit
    return not has_digit or bare_number(answer, 3, code=True) or (code_shaped(answer) and not _money(answer, words))


# Another language's answer: its own words for numbers, money, units and dates, matched inside a word (prefixes,
# no spaces). Digits of any script are digits already (\d is Unicode); CJK numerals count as digits here.
_NUMERALS = re.compile(r"[〇零一二三四五六七八九十百千万萬亿億两兩壹贰貳叁參半]")
# In a name the numeral kanji begin or end words ("三浦春馬", "前田一郎", "张一明", "千秋"): for a person a CJK numeral is a
# number only with a counter or unit right after it ("四个小时", "三月", "十時", "两周"); digits always are (round 53).
# A weekday or a lunar day is a numeral after its word ("星期三", "礼拜天", "周三", "初三", "正月初一"); 周 is also a
# surname (周一围): it counts only as the last letter of a CJK run.
_COUNTED = re.compile(r"(?:星期|禮拜|礼拜)[日天]|(?:星期|禮拜|礼拜|初)" + _NUMERALS.pattern
                      + r"|[周週][一二三四五六七日天](?![\u3400-\u9fff])|" + _NUMERALS.pattern
                      + r"+\s*(?:小时|小時|星期|[かカヶヵ]月|[点點時时日月年分秒天周週晚夜个個号號人名位岁歳次回倍%％])")
# A day of the week, where it cannot be a name: 周三 before a time of day ("周三下午"; at a CJK run's end _COUNTED has
# it), 水曜日 or 水曜 ending a CJK run (not 曜子 or 鈴木曜平, given names), Hebrew יום רביעי (שני alone is also a name),
# Arabic after يوم or an evening or noon or opening the answer (خميس, جمعة and الخميس after a name are names too, as
# is صباح), Hindi बुधवार, Thai วันพุธ (round 54).
_F_WEEKDAY = re.compile(
    r"[周週][一二三四五六七日天](?=上午|下午|中午|晚上|早上|早晨|凌晨|傍晚|夜里|夜裡|晚间|晚間|白天|全天)"
    r"|[月火水木金土日]曜(?:日|(?![\u3400-\u9fff]))"
    r"|(?<![\u05d0-\u05ea])[ובלמה]{0,2}(?:יום (?:ראשון|שני|שלישי|רביעי|חמישי|שישי|שבת)|שבת)(?![\u05d0-\u05ea])"
    r"|(?:(?<![\u0621-\u064a])(?:يوم|مساء|ظهر|ليلة) (?:ال)?|^\s*[وب]?(?:في )?ال)"
    r"(?:أحد|اثنين|إثنين|ثلاثاء|أربعاء|خميس|جمعة|سبت)(?![\u0621-\u064a])"
    r"|" + _HI + r"(?:सोम|मंगल|बुध|गुरु|बृहस्पति|शुक्र|शनि|रवि|इत)वार" + _HI_END
    + r"|วัน(?:จันทร์|อังคาร|พุธ|พฤหัส|ศุกร์|เสาร์|อาทิตย์)")
# What a weekday answer may hold besides its weekday ("周一到周三下午", "毎週月曜の午後", "ביום שני בבוקר", "गुरुवार को",
# "ทุกวันจันทร์"): other weekdays, times of day, "every", "until", particles. An answer holding any other letters
# ("张伟负责周三下午的值班", "望月曜", "דני כהן, בשבת", "ตะวันจันทร์") may be a person's: it fits (mend of reviewer readA).
_F_WEEKDAY_REST = re.compile(
    r"(?:星期|禮拜|礼拜)[一二三四五六日天]|[周週][一二三四五六七日天]|[月火水木金土日]曜日?|[每毎](?:[周週](?![一二三四五六七日天]))?|から|まで"
    r"|上午|下午|中午|晚上|早上|早晨|凌晨|傍晚|夜里|夜裡|晚间|晚間|白天|全天|午前|午後|夕方|[朝夜のにはへ到至和与及、～〜]"
    r"|(?<![\u05d0-\u05ea])[ובלמה]{0,2}(?:יום|ימי|ראשון|שני|שלישי|רביעי|חמישי|שישי|שבת|בוקר|צהריים|ערב|לילה|עד|כל)"
    r"(?![\u05d0-\u05ea])"
    r"|(?<![\u0621-\u064a])[وب]?(?:في )?(?:ال)?(?:يوم|أيام|أحد|اثنين|إثنين|ثلاثاء|أربعاء|خميس|جمعة|سبت|صباح|مساء|ظهر"
    r"|ليلة|حتى|إلى|كل|في|من)(?![\u0621-\u064a])"
    r"|" + _HI + r"(?:(?:सोम|मंगल|बुध|गुरु|बृहस्पति|शुक्र|शनि|रवि|इत)वार|सुबह|दोपहर|शाम|रात|को|से|तक|और|हर|प्रत्येक)"
    + _HI_END
    + r"|วัน(?:จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์|อาทิตย์)|ทุก|ตอน|เช้า|บ่าย|เย็น|กลางคืน|และ|ถึง"
    r"|\b(?:a\.?m|p\.?m)\b\.?")


def _weekday_answer(answer: str) -> bool:
    """Whether `answer` is a day of the week (`_F_WEEKDAY`) and little else: a time of day, particles."""
    return bool(_F_WEEKDAY.search(answer)) and not re.search(r"[^\W\d_]", _F_WEEKDAY_REST.sub(" ", answer.lower()))


_F_NUMBER = (
    "אחד", "אחת", "שתי", "שניים", "שני", "שלוש", "ארבע", "חמש", "שש", "שבע", "שמונה", "תשע", "עשר", "עשרים",
    "מאה", "מאות", "אלף", "אלפי", "חצי", "רבע", "אין",
    "एक", "दो", "तीन", "चार", "पांच", "पाँच", "छह", "छः", "सात", "आठ", "नौ", "दस", "बीस", "सौ", "हज़ार",
    "हजार", "लाख", "आधा", "आधी", "डेढ़", "ढाई", "कोई नहीं", "सभी",
    "واحد", "اثن", "ثلاث", "أربع", "خمس", "ستة", "ستين", "سبع", "ثمان", "تسع", "عشر", "مائة", "مئة", "ألف", "نصف", "ربع",
    "لا يوجد",
    "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า", "สิบ", "ยี่สิบ", "ร้อย", "พัน", "หมื่น", "แสน",
    "ครึ่ง", "ไม่มี", "ทุก",
    "ひと", "ふた", "なし", "ない", "没有", "無", "无",
)
_F_MONEY = re.compile("[₪฿﷼元円圆块塊]|ש\"ח|שקל|אגורות|रुपय|रुपए|रुपया|रु\\.|पैसे|บาท|สตางค์|ريال|درهم|دينار|"
                      "جنيه|ليرة|دولار|يورو|ドル|ユーロ|美元|欧元|人民币|日元")
_F_FREE = ("חינם", "ללא תשלום", "ללא עלות", "मुफ्त", "मुफ़्त", "निःशुल्क", "नि:शुल्क", "مجان", "免费", "免費",
           "無料", "ฟรี", "ไม่เสียค่า")
_F_TIME_UNIT = (
    "שניות", "שנה", "שנים", "שנת", "שנתיים", "חודש", "שבוע", "יום", "ימים", "ימי", "יומיים", "שעה", "שעות", "שעתיים", "דק", "לילה",
    "सेकंड", "मिनट", "घंट", "दिन", "दिवस", "पखवाड़", "सप्ताह", "हफ़्त", "हफ्त", "महीन", "माह", "साल", "वर्ष", "रात",
    "ثاني", "ثوان", "دقيق", "دقائق", "ساع", "يوم", "أيام", "أسبوع", "أسابيع", "شهر", "أشهر", "سنة",
    "سنوات", "سنتين", "عام", "أعوام", "ليل",
    "秒", "分", "时", "時", "小时", "天", "日", "周", "週", "星期", "月", "年", "晚", "夜",
    "วินาที", "นาที", "ชั่วโมง", "วัน", "สัปดาห์", "อาทิตย์", "เดือน", "ปี", "คืน",
)
_F_CLOCK = ("בוקר", "צהריים", "ערב", "לילה", "חצות", "बजे", "सुबह", "दोपहर", "शाम", "रात", "صباح", "ظهر", "مساء",
            "ليل", "منتصف", "点", "點", "時", "时", "午", "晚", "早", "朝", "夜", "โมง", "ทุ่ม", "เช้า", "บ่าย", "เที่ยง",
            "เย็น", "นาฬิกา", "ตี")
_F_DATE = _F_TIME_UNIT + (
    "ינואר", "פברואר", "מרץ", "מרס", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר", "אוקטובר", "נובמבר",
    "דצמבר", "ראשון", "שלישי", "רביעי", "חמישי", "שישי", "שבת", "מחר", "אתמול", "היום", "עכשיו", "לפני", "אחרי",
    "סוף", "תחילת", "אמצע", "קיץ", "חורף", "אביב", "סתיו", "חג", "מיד",
    "जनवरी", "फरवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर",
    "दिसंबर", "सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार", "अगल", "पिछल",
    "कल", "आज", "अभी", "पहले", "बाद", "तक", "अंत", "शुरू", "गर्मी", "सर्दी", "त्योहार", "तुरंत",
    "يناير", "فبراير", "مارس", "أبريل", "إبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
    "ديسمبر", "كانون", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين", "الأحد",
    "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "غد", "أمس", "اليوم", "الآن", "قبل", "بعد",
    "حتى", "نهاية", "بداية", "صيف", "شتاء", "ربيع", "خريف", "عيد", "فور",
    "号", "號", "曜", "今", "明", "昨", "前", "后", "後", "底", "初", "末", "春", "夏", "秋", "冬", "节", "節", "まで",
    "มกรา", "กุมภา", "มีนา", "เมษา", "พฤษภา", "มิถุนา", "กรกฎา", "สิงหา", "กันยา", "ตุลา", "พฤศจิกา", "ธันวา",
    "จันทร์", "อังคาร", "พุธ", "พฤหัส", "ศุกร์", "เสาร์", "พรุ่งนี้", "เมื่อวาน", "ตอนนี้", "ก่อน", "หลัง", "ถึง",
    "สิ้น", "ต้น", "ปลาย", "ฤดู", "ทันที",
)


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Chinese, Japanese and Thai words anywhere (no spaces); a Hebrew, Arabic or Hindi word at a word's start,
    after its glued prefixes (ב/ל/ה/ו…, ال/بال/و…), so "दस" (ten) is not read inside "सदस्यता"."""
    glued = [re.escape(w) for w in words if re.match(r"[\u0590-\u06ff\u0900-\u097f]", w)]
    inside = [re.escape(w) for w in words if not re.match(r"[\u0590-\u06ff\u0900-\u097f]", w)]
    parts = [r"(?<!\w)(?:[ובלמשהכ]{1,2}|[وبلفك]?(?:ال|ل)?)(?:" + "|".join(glued) + ")"] if glued else []
    return re.compile("|".join(parts + inside))


_F_NUMBER_P, _F_FREE_P, _F_TIME_UNIT_P, _F_CLOCK_P, _F_DATE_P = (
    _pattern(w) for w in (_F_NUMBER, _F_FREE, _F_TIME_UNIT, _F_CLOCK, _F_DATE))


def _has(answer: str, words: re.Pattern[str]) -> bool:
    return words.search(answer) is not None


def _fits_foreign(k: str, answer: str) -> bool:
    """fits() for a question asked in another language: the English test, or the answer's own words for it.
    Matched inside words, so it errs towards fitting."""
    low = answer.lower()
    words = set(_words(answer))
    number = bool(_DIGIT.search(answer) or _NUMERALS.search(answer)) or _has(low, _F_NUMBER_P) or bool(
        words & _NUM_WORDS)
    money = _money(answer, words) or bool(_F_MONEY.search(answer))
    if k in ("count", "amount"):
        return number or money or _has(low, _F_FREE_P) or bool(words & _AMOUNT_EXTRA) or _has(low, _F_TIME_UNIT_P)
    if k in ("duration", "frequency"):  # as in English, a length needs its unit: "31 March" is no duration
        return _has(low, _F_TIME_UNIT_P) or bool(words & (_TIME_UNITS | _LENGTH_UNITS | _OPEN_ENDED)) or bool(
            re.search(r"\d\s?[hm]\b", answer))
    if k == "clock":
        return number or _has(low, _F_CLOCK_P) or bool(words & _CLOCK)
    if k == "date":
        return not money and (number or _has(low, _F_DATE_P) or bool(words & _TEMPORAL))
    # person: a sum of money, a day of the week, a bare number, or a number with a unit of time ("四个小时",
    # "7 בבוקר") is not a who
    if money or _weekday_answer(answer):
        return False
    if not (_DIGIT.search(answer) or _COUNTED.search(answer)):
        return True
    return any(not w.isdigit() for w in _words(answer)) and not (_has(low, _F_DATE_P) or _has(low, _F_CLOCK_P))


__all__ = ["fits", "kind"]
