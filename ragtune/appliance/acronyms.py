"""Acronyms and the phrases they stand for (round 58): a question's "AGM" meets a source's "Annual general meeting",
and a question's "disclosure and barring service" a source's "DBS", read off the texts themselves (the initials of
a phrase), never off a list of known acronyms.

lexical_terms.search_form adds these terms to what the keyword index reads of a chunk and of a question:
- a phrase's initials, as "zzp" + initials ("zzpagm"): every run of 2 to 4 capitalised words ("Annual General
  Meeting") and every run of 3 words whatever their case ("annual general meeting"); two words only where the same
  text writes their acronym too ("Human Resources (HR)": a "Tom Vale" is no "TV", a "Wendy Clarke" no "WC"); "of",
  "and", "for", "&" inside are skipped ("Disclosure and Barring Service" is "dbs"); a run ends at another function
  word (text.STOPWORDS), a number, punctuation or a word in capitals;
- an acronym written in capitals (2 to 6 letters, "AGM", "PPE", not inside a run of capitalised words: a shouted
  heading's "CENTRE" is no acronym), as "zza" + the acronym ("zzaagm").
Round 59: an "&" acronym ("Q&A", "H&S", "A&E", "r&d") and two words joined by "and" or "&" ("questions and answers",
"Health & Safety") meet as "zza"/"zzp" + "and" + the two initials ("zzaandqa"; no other phrase's initials are 5
letters with "and" first); and two words whose second is a long word with a common noun's ending ("Human Resources",
"customer services", "Data Protection", "Facilities Management": 8 letters or more, "-ces", "-tion", "-ment", "-ity",
...) give their two initials though the text never writes the acronym: a surname rarely has those ("Tom Vale",
"Tom Clement", "Wendy Lawrence" stay no acronyms).
A question reads them the other way round: its acronym becomes the phrase term ("AGM": "zzpagm", met by a source's
phrase), its phrases the acronym terms ("annual general meeting": "zzaagm", met by a source's "AGM"). So a phrase's
initials meet only a written acronym, never another phrase's initials or a plain word: "new office wing" is not
"now", and two unrelated phrases with the same initials do not meet. (A question's acronym written as a source
writes it already meets it as a plain word.)
"""

from __future__ import annotations

import re

from .text import STOPWORDS

# words of any script (an "ZÜRICH" is one word, not "Z" and "RICH"), numbers, each other character
_TOKEN = re.compile(r"[^\W\d_](?:[^\W_]|['’])*|\d+[^\W_]*|[^\w\s]")  # "4th" one token: no "th floor rota"
_CAPITAL_PREFIX = re.compile(r"\b[A-Z]+(?=-[a-z])")  # "RE-ran", "PRE-booked": a word's prefix, no acronym
_JOINERS = frozenset({"of", "and", "for", "&"})
_CAPS = re.compile(r"([A-Z]{2,6})s?")  # "AGM", "GPs"
PHRASE, ACRONYM = "zzp", "zza"
AND = "and"  # the mark of an "&" acronym's term and of its two words' ("zzaandqa", "zzpandqa")
_AMPERSAND = re.compile(r"(?i)(?<![\w&])([a-z])[ \t]?&[ \t]?([a-z])(?-i:s?)(?![\w&])")  # "Q&A", "A & E", "T&Cs"
_TITLES = frozenset("mr mrs ms miss mx dr prof professor sir dame rev revd cllr councillor lord lady".split())
_ROMAN = re.compile(r"[ivx]{2,4}")  # "part II", "Henry VIII": a number, no acronym
# the endings of a common noun, not of a name: a two-word phrase ending in a long word with one is no person
_NOUN_END = re.compile(r"(?:ces|tions?|sions?|ments?|it(?:y|ies)|ness|ships?|olog(?:y|ies)|ances?|ics|ures?|ists?"
                       r"|isms?|ors)$")


def _runs(text: str) -> list[list[str]]:
    """Runs of words with no function word, number or punctuation between them (a joiner kept in place); a word's
    prefix in capitals ("RE-ran") lower-cased, no acronym."""
    if "-" in text:
        text = _CAPITAL_PREFIX.sub(lambda m: m.group().lower(), text)
    runs: list[list[str]] = [[]]
    for tok in _TOKEN.findall(text):
        low = tok.lower()
        if tok[0].isalpha() and (low not in STOPWORDS or low in _JOINERS) and len(tok) > 1 or tok == "&":
            runs[-1].append(tok)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _shouts(run: list[str]) -> bool:
    """Whether a run is written in capitals throughout, a heading ("COMMUNITY CENTRE", no acronym in it): three
    words or more, or a word longer than an acronym ("PPE and DBS" are two acronyms)."""
    words = [w.rstrip("'’s") for w in run if w.lower() not in _JOINERS]
    return all(w.isupper() for w in words) and (len(words) > 2 or any(len(w) > 6 for w in words))


def _phrases(runs: list[list[str]], defined: set[str]) -> set[str]:
    """The initials of the phrases of a text's runs (module docstring), lower-case; of two words only those in
    `defined` (the text's own acronyms: two capitalised words are most often a person's name)."""
    out: set[str] = set()
    nouns: set[str] = set()  # two-word initials whose second word is a common noun by its ending
    for run in runs:
        for words in _split_at_capitals(run):
            _initials(words, out, nouns)
    return {p for p in out if len(p) > 2 or p in defined} | nouns


def _and_pairs(runs: list[list[str]]) -> set[str]:
    """The "and" + initials of the two words each side of an "and" or "&" ("health and safety": "andhs")."""
    out: set[str] = set()
    for run in runs:
        for i in range(1, len(run) - 1):
            if run[i].lower() in ("and", "&") and run[i - 1].lower() not in _JOINERS \
                    and run[i + 1].lower() not in _JOINERS:
                out.add(AND + (run[i - 1][0] + run[i + 1][0]).lower())
    return out


def _split_at_capitals(run: list[str]) -> list[list[str]]:
    """A run cut at its words in capitals (an acronym, a shouted word: no phrase is spelled across them)."""
    parts: list[list[str]] = [[]]
    for w in run:
        if len(w) > 1 and w.rstrip("'’s").isupper():
            parts.append([])
        else:
            parts[-1].append(w)
    return [p for p in parts if p]


def _initials(words: list[str], out: set[str], nouns: set[str]) -> None:
    """Add the initials of the phrases of one run (`_phrases`) to `out`: from each word, 2 to 4 capitalised words
    or 3 words whatever their case, joiners between them skipped ("disclosure and barring service": "dbs"); to
    `nouns` two words ending in a common noun ("human resources": "hr")."""
    words = [w for w in words if w.lower() not in _JOINERS]
    initials = "".join(w[0] for w in words).lower()
    capital = [w[0].isupper() for w in words]
    n = len(words)
    for i in range(n):
        if i + 3 <= n:
            out.add(initials[i:i + 3])
        if i + 2 <= n and len(words[i + 1]) >= 8 and _NOUN_END.search(words[i + 1].lower()) \
                and not (i and words[i - 1].lower().rstrip(".") in _TITLES):  # "Dr Tim Clements" is a person
            nouns.add(initials[i:i + 2])
        j = i
        while j < n and j - i < 4 and capital[j]:
            j += 1
        out.update(initials[i:e] for e in range(i + 2, j + 1))


def _acronyms(runs: list[list[str]]) -> set[str]:
    """The acronyms a text's runs write in capitals, lower-case: not in a shouted heading."""
    out: set[str] = set()
    for run in runs:
        if not _shouts(run):  # "PPE and DBS checks": each; not a function word ("AND", "IT", "US")
            out.update(m.group(1).lower() for m in map(_CAPS.fullmatch, run)
                       if m and m.group(1).lower() not in STOPWORDS and not _ROMAN.fullmatch(m.group(1).lower()))
    return out


def acronym_terms(text: str, query: bool = False) -> list[str]:
    """The index's terms for the text's phrases and acronyms (a question's: the other way round), sorted."""
    if not any(c.isupper() for c in text) and " " not in text:
        return []
    runs = _runs(text)
    acronyms = _acronyms(runs) | {AND + (a + b).lower() for a, b in _AMPERSAND.findall(text)}
    phrases = _phrases(runs, acronyms) | _and_pairs(runs)
    if query:
        phrases, acronyms = acronyms, phrases
    return sorted({PHRASE + p for p in phrases} | {ACRONYM + a for a in acronyms})


def asked_acronyms(question: str) -> set[str]:
    """The acronyms a question writes in capitals, lower-case ("when is the AGM": {"agm"})."""
    return _acronyms(_runs(question)) if any(c.isupper() for c in question) else set()


def spelled(acronyms: set[str], text: str) -> set[str]:
    """Those of `acronyms` (`asked_acronyms`) whose phrase the text writes ("agm" in "Annual general meeting: 21
    April"; of two letters only one the text defines: "Tom Vale" is no "TV"): the evidence check's best_sentence
    counts the question's "AGM" as found there (evidence.py)."""
    if not acronyms:
        return set()
    runs = _runs(text)
    return acronyms & _phrases(runs, _acronyms(runs))


__all__ = ["ACRONYM", "PHRASE", "acronym_terms", "asked_acronyms", "spelled"]
