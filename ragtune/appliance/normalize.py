"""Query normalisation: what retrieval (and the cache key, and the prompt) sees of a question.

`clean_text` (NFKC, control characters, whitespace), `normalize_query` (disfluencies removed) and the answer
pipeline's first stage built on them, `normalise_question` (the question cleaned, then normalised). Spoken or
hastily typed questions carry disfluencies: a reparandum (what was said by mistake), an editing term ("no", "or
rather", "I mean", "uh", "scratch that") and a repair (what was meant): "the capital of Spain, uh, I mean
Portugal". Retrieval should see the repaired question only: disfluency.py cuts them (an English question's only:
another language's "no" is a word), with the editing terms of normalize_terms.py; docs/retrieval.md (stage 1)
describes the rules with examples. The question's language guess (`language`) is here too.
"""

from __future__ import annotations

import re
import unicodedata

from .disfluency import remove_disfluencies, token_key
from .errors import InputError
from .scripts import CJK_STOPS
from .text import folded


# Invisible inside a word (soft hyphen, zero-width space, word joiner, BOM): removed, not spaced, or a pasted
# "war\u200branty" would search for "war" and "ranty". The one list: ingest removes the same from documents
# (ingest/loaders/base.py imports it), so a question and a document meet on the same word.
INVISIBLE = "\u00ad\u200b\u2060\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(q: str) -> str:
    """NFKC, invisible characters removed, other control/format characters (and lone surrogates) to spaces,
    whitespace collapsed."""
    q = unicodedata.normalize("NFKC", q.translate(_INVISIBLE))
    q = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in q)
    return " ".join(q.split())


def normalize_query(q: str) -> str:
    """What retrieval (and the cache key) sees: cleaned text with disfluencies removed. The original is kept
    for display by the callers. Falls back to the cleaned text if the rules would leave nothing."""
    if not isinstance(q, str):
        raise InputError("query must be a string")
    cleaned = clean_text(q)
    # the editing terms are English words: Spanish, Portuguese or Italian "no", "o no" are not edits
    fluent = cleaned if _other_language(cleaned) else remove_disfluencies(cleaned)
    return fluent if token_key(fluent) else cleaned


# The one error for a question with nothing to search for (ask, search, /v1/ask, chat completions: empty_question).
BLANK_HINT = "ask a question with some words in it"
NO_WORDS_HINT = "the question has no words to search for"


def empty_question(text: str) -> InputError:
    """The "empty question" error, its hint saying why: blank (spaces, control characters), or no letter or digit
    (punctuation, emoji)."""
    return InputError("empty question", hint=NO_WORDS_HINT if clean_text(text) else BLANK_HINT)


def clean_question(question: object) -> str:
    """Control characters stripped, whitespace collapsed; empty -> InputError."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    q = clean_text(question)
    if not q:
        raise empty_question(question)
    return q


def normalise_question(question: object) -> tuple[str, str]:
    """(cleaned, normalised): the answer pipeline's first stage. The cleaned text is what the user asked (logged,
    handed to the retriever), the normalised one (disfluencies cut) is what the model reads."""
    q = clean_question(question)
    return q, normalize_query(q)


def displayable(text: str) -> str:
    """`text` with lone surrogates (undecodable bytes of a command-line argument, a "\\ud800" JSON escape) as
    U+FFFD: they cannot be written as UTF-8, so a result echoing them would make invalid JSON."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if _SURROGATE.search(text) else text


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in `text` as its escape ("\\udce9"), or None when the text is valid Unicode."""
    m = _SURROGATE.search(text)
    return None if m is None else f"\\u{ord(m.group()):04x}"


def check_unicode(text: str, what: str, *, hint: str | None = None) -> str:
    """`text` when it is valid Unicode, else an InputError "WHAT is not valid Unicode (a lone surrogate \\udce9)".
    The one check of outside text that is stored or written: a lone surrogate (a "\\udce9" JSON escape, or a
    command-line argument whose bytes are not UTF-8) cannot be encoded as UTF-8, so SQLite, a file or the
    terminal would fail on it half-way."""
    esc = lone_surrogate(text)
    if esc is not None:
        raise InputError(f"{what} is not valid Unicode (a lone surrogate {esc})", hint=hint)
    return text


# for check_unicode of a command-line argument: Python hands bytes that are not UTF-8 over as lone surrogates
ARG_HINT = "its bytes are not UTF-8 (a terminal or script in another encoding): give it as UTF-8 text"

# Python's surrogateescape: each byte of an argument that is not UTF-8 becomes one of these (0x80..0xff)
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def _redecode(m: re.Match[str]) -> str:
    raw = m.group().encode("utf-8", "surrogateescape")  # the argument's own bytes back
    try:
        return raw.decode("utf-8")  # an ASCII locale escapes every non-ASCII byte, UTF-8 ones included
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("utf-8", "surrogatepass")  # an encoded surrogate (\xed\xa0\x80): no cp1252 text reads so,
        return m.group()  # and it is no character: left as it is (U+FFFD where it is shown)
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def from_argv(text: str) -> str:
    """A command-line argument (a question) as its user typed it. Bytes that are not UTF-8 (a Latin-1 or cp1252
    terminal's "Fr\xe9nce") reach Python as surrogate escapes that would be shown and searched as U+FFFD, a
    question silently asked without its "é": each run of them is decoded again, as UTF-8 when it is valid, else
    as cp1252 (Latin-1's superset; its 5 unused bytes become U+FFFD)."""
    return _ESCAPED_BYTES.sub(_redecode, text) if _SURROGATE.search(text) else text


def has_content(text: str) -> bool:
    """True when the text holds at least one letter or digit (a query worth searching)."""
    return bool(token_key(text))


# -- the question's language ------------------------------------------------------------------------------------
# The keyword index, the English embedder and the evidence and refusal checks all meet a question and its sources on
# shared words, so a question in another language than the documents is refused whatever they hold. To say so, the
# language is guessed from closed-class words (question words, articles, pronouns, auxiliaries): a few of them
# identify a language, and content words (names, cognates: "Dockingstation", "password") do not mislead it. A word
# may belong to several lists ("was", "de", "una"); only a clear winner counts. Words that are also common English
# words ("as", "no", "do", "van", "son", "come", "bin", "hat") are left out of the other lists. Compared with accents
# folded, so "cuantos" typed without them counts as "cuántos".
_FUNCTION_WORDS_BY_LANGUAGE = {
    "en": """the what how many much which who whom whose when where why does did do can could should would must my
          your our of for and are was were with from this that these those there their is it an to have has i am be
          been by at will get if or not on in a you we they he she""",
    "de": """der die das den dem des und ist sind ich du wir nicht wie viele viel was wer welche welcher welches
          welchem wo wann warum habe haben muss darf kann ein eine einen einem einer im für auf mit von zu bei
          nach über oder auch noch mein meine es gibt bekomme kostet dauert lange""",
    "fr": """le la les des du de et est je ai combien quel quelle quels quelles qui que qu pour par dans une faut
          puis dois doit sont il elle nous vous mon ma mes au aux avec sur coûte dure être ce ne pas l d j""",
    "es": """el los las la de del que qué cuántos cuántas cuánto cuánta cuál cuáles quién dónde cuándo cómo
          es tengo puedo necesito debo por para con una un al mi mis cuesta dura debe tener y se""",
    "nl": """de het een en ik hoeveel hoe wat wie welke waar wanneer waarom heb mag moet kan voor op met zijn
          mijn duurt kost niet er krijg""",
    "pl": """ile jak jaki jaka jakie który która którego które kto gdzie kiedy dlaczego czy jest są mi mogę muszę
          w z na od dla się trwa kosztuje przysługuje mam nie musi być mój moja""",
    "pt": """os da dos das na quantos quantas quanto qual quais quem onde quando como tenho posso preciso
          é são um uma para com por custa dura meu minha""",
    "it": """il lo gli della dello degli quanti quante quanto qual quale chi dove quando è sono ho posso devo
          con una un mi costa dura di che""",
}
_LANGUAGE_WORDS = {lang: frozenset(folded(w) for w in words.split())
                   for lang, words in _FUNCTION_WORDS_BY_LANGUAGE.items()}
# Han and kana: Chinese and Japanese have no function words separated by spaces; kana marks Japanese (not the
# middle dot "・": Chinese text writes it in foreign names too)
_HAN_KANA = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30fa\u30fc-\u30ff]")
_CJK_SENTENCE = re.compile(f"[^{CJK_STOPS}!?\n]+")  # (not "｡": halfwidth is not this guess's)
# Scripts that tell the language by themselves (round 49; function words never did: these texts were "unknown"). The
# script's main language stands for all that write it (Cyrillic "ru", Arabic script "ar", Devanagari "hi"): the codes
# are compared, never shown, and two languages of one script read as the same (a reason not given, never a wrong one).
_SCRIPT_LANGUAGES = tuple((lang, re.compile(f"[{ranges}]")) for lang, ranges in (
    ("ko", "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af"), ("th", "\u0e00-\u0e7f"),
    ("el", "\u0370-\u03ff\u1f00-\u1fff"), ("ru", "\u0400-\u052f"), ("he", "\u0590-\u05ff\ufb1d-\ufb4f"),
    ("ar", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"), ("hi", "\u0900-\u097f")))
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;]\s*|\n)\W*$")


def _function_word_candidates(text: str) -> list[str]:
    """The words of `text` that may be function words, lower-cased and folded: a capitalised word inside a sentence
    is part of a name ("Los Angeles", "De Gaulle", "San Diego"), not an article. A letter joined to a digit or a
    hyphen is a code, not a word: a table row's "Desk: D-160" read as French "d" (round 52: an English question over
    staff-directory rows was refused as "language")."""
    return [folded(m.group().lower()) for m in _WORD.finditer(text)
            if (not m.group()[:1].isupper() or _SENTENCE_START.search(text, max(0, m.start() - 8), m.start()))
            and not (m.end() - m.start() == 1 and _code_letter(text, m.start()))]


def _other_language(text: str) -> bool:
    """Whether a question is in another language than English: language() says so, or it says nothing (too few
    function words: "Perché no il lunedì?", "Não encontro no site") but the text has no English function word and
    one of another language (not a lone letter: "band d council tax") or a letter or mark English does not
    write."""
    lang = language(text)
    if lang is not None:
        return lang != "en"
    words = _function_word_candidates(text)
    if any(w in _LANGUAGE_WORDS["en"] for w in words):
        return False
    return any(len(w) > 1 and w in fw for lang, fw in _LANGUAGE_WORDS.items() if lang != "en" for w in words) or any(
        c in "¿¡ãõñçà" for c in text.lower())


def _code_letter(text: str, at: int) -> bool:
    """Whether the one letter at `at` has a digit or a hyphen beside it ("D-160", "A4", "3-D")."""
    near = text[max(0, at - 1):at] + text[at + 1:at + 2]
    return any(c == "-" or c.isdigit() for c in near)


def _chinese_or_japanese(text: str) -> str | None:
    """"ja" or "zh" for a text mostly of Han and kana, None when it holds both (sources of either language, joined).
    A sentence with kana is Japanese; one of 8 or more Han without kana is Chinese (a shorter one, a heading or a
    table cell, is either); the one with twice the other's letters wins. Before round 49 any kana made the text
    Japanese: a Chinese question over a Chinese and a Japanese source was refused as "language"."""
    ja = zh = 0
    for sentence in _CJK_SENTENCE.findall(text):
        n = len(_HAN_KANA.findall(sentence))
        if _KANA.search(sentence):
            ja += n
        elif n >= 8:
            zh += n
    if not ja:
        return "zh"
    if ja >= 2 * zh:
        return "ja"
    return "zh" if zh >= 2 * ja else None


def language(text: str) -> str | None:
    """The language `text` is most likely written in ("en", "de", "fr", "es", "nl", "pl", "pt", "it", "zh", "ja";
    "ko", "th", "el", "ru", "he", "ar", "hi" by their scripts), or None when its words do not tell.

    By script first (round 49): letters of Han and kana, Hangul (each counted twice: a syllable is a word's worth)
    or another script of _SCRIPT_LANGUAGES, half or more of the letters so counted: that script's language ("ja" or
    "zh": `_chinese_or_japanese`); a quarter or more, but no script half: None (two scripts, "上海办公室 Wi-Fi 密码
    when does it change?", neither language clear). Otherwise the language with the most function words, at least
    two, and more than any other; "en" wins a tie, so an English question with a French name ("Who wrote la vie en
    rose?") stays English. A capitalised word counts only where a sentence starts ("Los Angeles" is a name)."""
    letters = "".join(c for c in text if c.isalpha())
    if not letters.isascii():
        counts = {"cjk": len(_HAN_KANA.findall(letters))}
        counts.update((lang, len(script.findall(letters))) for lang, script in _SCRIPT_LANGUAGES)
        weight = {lang: n * (2 if lang in ("cjk", "ko") else 1) for lang, n in counts.items()}
        total = len(letters) - sum(counts.values()) + sum(weight.values())
        lang = max(weight, key=weight.__getitem__)
        if counts[lang] >= 2 and weight[lang] * 2 >= total:
            return _chinese_or_japanese(text) if lang == "cjk" else lang
        if sum(weight.values()) * 4 >= total:
            return None
    words = _function_word_candidates(text)
    score = {lang: sum(w in fw for w in words) for lang, fw in _LANGUAGE_WORDS.items()}
    best = max(score.values())
    top = [lang for lang, s in score.items() if s == best]
    if best < 2 or (len(top) > 1 and "en" not in top):
        return None
    return "en" if "en" in top else top[0]
