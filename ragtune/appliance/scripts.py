"""How the keyword index reads scripts other than Latin (round 49; `lexical_terms.search_form` calls `script_form`).

Tantivy's simple tokenizer ends a word at any character that is not a letter or digit to Rust (`is_alphanumeric`):
a virama or nukta (Devanagari "पासवर्ड" was the two words "पासवर" and "ड"), a Thai tone mark, Hebrew cantillation.
Such marks are dropped inside the search form, so the word stays one term on both sides (the stored text keeps
them). Then the spellings one word has are made one, as Lucene's analyzers for those languages do: Greek without
tonos and with final sigma as sigma ("ΚΩΔΙΚΟΣ" and "κωδικός" are one term), Russian "ё" as "е", Arabic without
harakat and tatweel and with one alef, yeh and heh (Lucene's ArabicNormalizer), Hebrew without points (niqqud),
digits of every script as ASCII ("٢١" finds "21"). Thai, Lao, Khmer and Myanmar are written without spaces between
words: a run is read as overlapping pairs of letters (each with the vowel signs on it), as Han runs are, so a word
inside a sentence is found. ASCII text is never passed here.

The word-overlap checks of the answer path (text.words: evidence, refusal, focus, the reranker's features) read a text
with these scripts the same way (`word_form`: this and the Han/kana/Hangul pairs `cjk_pairs`), its words with their
vowel signs (`word_pattern`); a text without them (`OTHER_SCRIPT`: Latin alone) is read as before.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from functools import lru_cache

# Combining marks Rust's `char::is_alphanumeric` rejects (so Tantivy split words at them), measured with the
# installed tantivy (tests/appliance/test_r49_lang_terms.py checks each), plus marks that are letters to Rust but
# only decorate one (Hebrew points, Arabic harakat, Quranic marks) and the Arabic tatweel (a stretched joint).
_DROP = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a\u0640"
    "\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u093c\u094d\u0951-\u0954\u09bc\u09cd\u09fe\u0a3c\u0a4d\u0abc\u0acd\u0afd-\u0aff\u0b3c\u0b4d\u0b55\u0bcd"
    "\u0c3c\u0c4d\u0cbc\u0ccd\u0d3b\u0d3c\u0d4d\u0dca\u0e47-\u0e4c\u0e4e\u0eba\u0ec8-\u0ecc"
    "\u0f18\u0f19\u0f35\u0f37\u0f39\u0f3e\u0f3f\u0f84\u0f86\u0f87\u0fc6\u1037\u1039\u103a"
    "\u17b4\u17b5\u17c9-\u17d3\u17dd\u3099\u309a]")
# one letter for the spellings of one (Greek final sigma, Russian yo, Arabic alef/yeh/teh marbuta: Lucene's)
_LETTERS = str.maketrans({"ς": "σ", "ё": "е", "Ё": "Е", "آ": "ا", "أ": "ا", "إ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_GREEK_ACCENTED = re.compile("[\u0386\u0388-\u038a\u038c\u038e-\u0390\u03aa-\u03b0\u03ca-\u03ce\u1f00-\u1fff]")
_NONASCII_DIGIT = re.compile(r"(?![0-9])\d")
# letters and vowel signs of the scripts written without spaces between words (digits and punctuation not)
_UNSPACED = re.compile("[\u0e01-\u0e3a\u0e40-\u0e4e\u0e81-\u0ece\u1000-\u103f\u1050-\u108f\u109a-\u109f"
                       "\u1780-\u17d3\u17dd]+")
_PAIR_LIMIT = 40  # bytes: the analyzer drops longer terms (remove_long(40)); a pair never comes near
# Sentence ends written with no space after them, one definition for the chunker's cuts (ingest/chunker._GLUED_END),
# the answer path's sentences (refusal.SENTENCE_END) and the Chinese/Japanese guess (normalize._CJK_SENTENCE); each
# takes the sets it always took: Chinese/Japanese 。！？, the halfwidth ｡, the fullwidth ． (the chunker only),
# Devanagari danda/double danda and the Arabic question mark and full stop (not normalize)
CJK_STOPS = "\u3002\uff01\uff1f"  # 。！？
HALFWIDTH_STOP = "\uff61"  # ｡
FULLWIDTH_DOT = "\uff0e"  # ． (also a decimal point in fullwidth numbers: the answer path does not end a sentence at it)
INDIC_ARABIC_STOPS = "\u0964\u0965\u061f\u06d4"  # । ॥ ؟ ۔
# Thai ends a sentence (or clause) with a space and no mark; inside one, words have no spaces between them (round 52):
# else a Thai paragraph was one sentence to the answer path and a span from any clause of it was "relevant"
# (refusal.SENTENCE_END). A space between Thai letters only: not the spaces around digits, Latin or punctuation.
THAI_GAP = "(?<=[\u0e01-\u0e4e])[ \t]+(?=[\u0e01-\u0e4e])"


@lru_cache(maxsize=1024)
def _bare_greek(c: str) -> str:
    return "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))


def _clusters(run: str) -> list[str]:
    """The letters of `run`, each with the marks that follow it (a mark at the run's start stands alone)."""
    out: list[str] = []
    for c in run:
        if out and unicodedata.category(c)[0] == "M":
            out[-1] += c
        else:
            out.append(c)
    return out


def _joined(units: str | list[str]) -> str:
    """`units` (a run's characters, or its letters with their marks) as overlapping pairs set apart by spaces; a lone
    unit stands alone."""
    if len(units) == 1:
        return f" {units[0]} "
    return " " + " ".join(units[i] + units[i + 1] for i in range(len(units) - 1)) + " "


def _pairs(m: re.Match[str]) -> str:
    return _joined(_clusters(m.group()))


# Arabic and Hebrew write "and", "the", "in", "to" on the word (round 50): "والمدرسة", "المدرسة" and "مدرسة" were three
# terms. Light stemming, prefixes only, when what remains is long enough, in the keyword index's search form alone
# (lexical_terms.search_form: chunks and questions alike), not in the answer path's word checks (`word_form`): there
# it let the evidence check pass wrong Hebrew answers it had refused (docs/retrieval.md, "Languages"):
# Arabic as light10 (Larkey et al.; Lucene's ArabicStemmer prefixes): "و" when 3+ letters remain, then one of the
# articles "ال وال بال كال فال لل" when 2+ remain (a bare "ب ل ك ف" is not stripped: too many words begin with one);
# Hebrew: up to 3 of the prefix letters "ו ה ב ל כ מ ש", one at a time, while 3+ letters remain (a root is 3), so
# "והמנהל", "המנהל" and "מנהל" meet. A word is a whole run of the script's letters (marks already dropped).
_AR_WORD = re.compile(r"(?<!\w)[\u0620-\u064a]{4,}(?!\w)")
_AR_ARTICLES = ("ال", "وال", "بال", "كال", "فال", "لل")
# what `_ar_light` may take off, as a regex (prefix_pattern): "و", an article, or both ("وال" is "و" + "ال")
_AR_PREFIX_RE = "(?:و?(?:" + "|".join(p for p in _AR_ARTICLES if p[0] != "و") + ")|و)?"
_HE_WORD = re.compile(r"(?<!\w)[\u05d0-\u05ea]{4,}(?!\w)")
_HE_PREFIX = "והבלכמש"
AR_OR_HE = re.compile("[\u0620-\u064a\u05d0-\u05ea]")


def _ar_light(m: re.Match[str]) -> str:
    w = m.group()
    if w[0] == "و" and len(w) >= 4:
        w = w[1:]
    for p in _AR_ARTICLES:
        if w.startswith(p) and len(w) - len(p) >= 2:
            return w[len(p):]
    return w


def _he_light(m: re.Match[str]) -> str:
    w = m.group()
    k = 0
    while k < 3 and len(w) - k > 3 and w[k] in _HE_PREFIX:
        k += 1
    return w[k:]


def strip_prefixes(text: str) -> str:
    """`text` with the prefixes of its Arabic and Hebrew words stripped (above); other words as they are."""
    if not AR_OR_HE.search(text):
        return text
    return _HE_WORD.sub(_he_light, _AR_WORD.sub(_ar_light, text))


def prefix_pattern(term: str) -> str:
    """A regex of the prefixes `strip_prefixes` may have taken off an Arabic or Hebrew `term` (a search term), to put
    before it where its words are looked for in stored text ("مدرسه" in "والمدرسة": tui highlighting); "" for
    another."""
    if "\u0620" <= term[:1] <= "\u064a":
        return _AR_PREFIX_RE
    if "\u05d0" <= term[:1] <= "\u05ea":
        return f"[{_HE_PREFIX}]{{0,3}}"
    return ""


def ascii_digits(text: str) -> str:
    """`text` with the digits of every script as ASCII digits ("٢١" and "२१" are "21"): the one digit map, for the
    keyword index (`script_form`) and the evidence check's numbers. Text without other digits comes back as it is."""
    if _NONASCII_DIGIT.search(text):
        text = _NONASCII_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), "")) or m.group(), text)
    return text


def script_form(text: str) -> str:
    """`text` (NFKC, not ASCII) as the keyword index reads it, per script (the module's doc). Latin, Cyrillic other
    than "ё", CJK (lexical_terms bigrams it) pass unchanged."""
    if _DROP.search(text):
        text = _DROP.sub("", text)
    text = text.translate(_LETTERS)
    if _GREEK_ACCENTED.search(text):
        text = _GREEK_ACCENTED.sub(lambda m: _bare_greek(m.group()), text)
    text = ascii_digits(text)
    if _UNSPACED.search(text):
        text = _UNSPACED.sub(_pairs, text)
    return text


# Han and kana runs have no spaces: the tokenizer took one up to a punctuation mark for a word (none past 13 characters).
# Hangul too (round 49, as Lucene's CJK analyzer): a particle is written on its noun ("부산의" holds "부산"). A lone
# character is set apart as well, or it was one word with the digits or Latin letters beside it ("每90", "3000円").
CJK_RUN = re.compile("[\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
                     "\uf900-\ufaff\U00020000-\U0003134f]+")
# a unit of the checks that is one character of a paired script (a run of one between punctuation: "问：")
LONE_PAIRED = re.compile(CJK_RUN.pattern.removesuffix("+"))
# a character of the scripts read as pairs (Han, kana, Hangul; Thai, Lao, Myanmar, Khmer): a term of them is found
# inside a run, not only at a word's start (tui highlighting)
PAIRED = re.compile("[\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
                    "\uf900-\ufaff\U00020000-\U0003134f\u0e01-\u0e3a\u0e40-\u0e4e\u0e81-\u0ece\u1000-\u109f"
                    "\u1780-\u17dd]")
# a letter or mark of a script other than Latin (Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, Han, kana, Hangul…):
# a text without one is read by the word-overlap checks exactly as before round 49
OTHER_SCRIPT = re.compile("[\u0370-\u1cff\u1f00-\u1fff\u2e80-\u2fdf\u3005-\u3007\u3040-\u30ff\u3131-\u318e"
                          "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
                          "\ufb1d-\ufdff\ufe70-\ufefc\U00010000-\U0003134f]")


def cjk_pairs(text: str) -> str:
    """Each Han, kana or Hangul run of `text` as its overlapping pairs ("雪山专业版": "雪山 山专 专业 业版", as Lucene's
    CJK analyzer), a lone character set apart."""
    return CJK_RUN.sub(lambda m: _joined(m.group()), text)


def word_form(text: str) -> str:
    """`text` (NFKC, not ASCII) as the word-overlap checks read it: `script_form`, then `cjk_pairs`, as the keyword
    index reads it (lexical_terms.search_form)."""
    return cjk_pairs(script_form(text))


class _MarkWalk:
    """The runs of combining marks (categories Mn, Mc, Me) from U+0300 on, read from the Unicode database as far as
    asked and never twice: `word_pattern` needs the BMP (0.03 s), the chunker all of Unicode (0.5 s); each used to walk
    from U+0300 (round 50)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.to = 0x300  # code points below this are walked
        self.open: int | None = None  # first code point of a run still open at `to`
        self.ranges: list[tuple[int, int]] = []  # (first, last) of every closed run

    def upto(self, stop: int) -> list[tuple[int, int]]:
        """The runs, walked at least to `stop` (exclusive); the last may be open: it ends at `stop - 1` or later."""
        with self.lock:
            for cp in range(self.to, min(stop, sys.maxunicode + 1)):
                if unicodedata.category(chr(cp))[0] == "M":
                    if self.open is None:
                        self.open = cp
                elif self.open is not None:
                    self.ranges.append((self.open, cp - 1))
                    self.open = None
            self.to = max(self.to, stop)
            return self.ranges + ([(self.open, self.to - 1)] if self.open is not None else [])


_MARKS = _MarkWalk()


@lru_cache(None)
def mark_class(stop: int) -> str:
    """The combining marks (categories Mn, Mc, Me) from U+0300 up to `stop`, as the inside of a regex character class
    of ranges, built from the Unicode database (for `word_pattern` and the chunker's mark runs). No mark is ASCII, so
    none is a character a class gives a meaning to (`]`, `\\`, `^`, `-`): nothing needs escaping."""
    marks = []
    for first, last in _MARKS.upto(stop):
        if first >= stop:
            break
        last = min(last, stop - 1)  # a run reaching past `stop` ends at `stop - 1`
        marks.append(f"{chr(first)}-{chr(last)}" if last > first else chr(first))
    return "".join(marks)


@lru_cache(maxsize=1)
def word_pattern() -> re.Pattern[str]:
    """A word of any script: letters and digits with the marks written on them (Python's `\\w` leaves out vowel
    signs: "कर्मचारियों" was eight words of a letter or two). Built once, from the Unicode database."""
    return re.compile("(?:\\w|[" + mark_class(0x10000) + "])+")


# Function words of scripts with spaces that the one stopword list (text.STOPWORDS, English) leaves in (round 51): the
# postpositions, auxiliaries and question words of Hindi, Hebrew and Arabic. As content words "में", "को", "של", "من"
# met nearly every sentence, so a span copied from a sentence about something else still counted as relevant, and
# a span that repeated them was not an echo. Read in the checks' form by refusal.py (marks dropped, letters made one).
FUNCTION_WORDS = frozenset("""
का की के को में से पर है हैं था थी थे और या भी तो ने एक यह वह इस उस कि जो क्या कब कहाँ कहां कौन किसने किसे किस
कितना कितने कितनी कैसे क्यों होगा होगी होगे होता होती हो ही तक लिए द्वारा साथ गया गई गए
של את על עם אל מן גם או כי אם לא יש אין זה זו זאת הוא היא הם הן מי מה מתי איפה איך למה כמה האם אשר כל
من في على إلى الى عن مع أو او هو هي هم ما ماذا متى أين اين كيف كم هل لماذا الذي التي هذا هذه ذلك تلك قد لا لم لن أن
إن كان يجب
""".split())
# Japanese writes its particles, endings and question words in hiragana ("は", "ます", "いくら"): a unit of the checks
# (a character pair) with a hiragana character in it is grammar, as "ます" or "すか", which every sentence has.
HIRAGANA = re.compile("[\u3040-\u309f]")
# a unit of the checks that is one character of a paired script (a run of one between punctuation: "问：")
