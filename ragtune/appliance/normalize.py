"""Query normalisation: what retrieval (and the cache key, and the prompt) sees of a question.

`clean_text` (NFKC, control characters, whitespace), `normalize_query` (disfluencies removed) and the answer
pipeline's first stage built on them, `normalise_question` (the question cleaned, then normalised). Spoken or
hastily typed questions carry disfluencies: a reparandum (what was said by mistake), an editing term ("no", "or
rather", "I mean", "uh", "scratch that") and a repair (what was meant): "the capital of Spain, uh, I mean
Portugal". Retrieval should see the repaired question only. The rules below are the classic
reparandum/interregnum/repair model (Shriberg 1994): find an editing-term run, then decide how much precedes it
by aligning the repair's first words with the words before it (a repeated word marks where the repair restarts),
by a restart of the question (the repair begins with a question word), or by replacing the proper name / the
single word just before it. docs/retrieval.md (stage 1) describes the rules with examples.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InputError
from .scripts import CJK_STOPS
from .text import folded

_FILLERS = {"uh", "uhh", "uhm", "um", "umm", "er", "erm", "ehm", "hmm", "hm", "ah", "eh", "mm"}
# Editing phrases that mark a correction on their own.
_STRONG = [
    ("or", "rather"), ("no", "wait"), ("wait", "no"), ("no", "sorry"), ("i", "mean"), ("i", "meant"),
    ("scratch", "that"), ("strike", "that"), ("let", "me", "rephrase"), ("my", "bad"), ("or", "no"),
    ("no", "no"), ("i", "intended"), ("sorry",), ("oops",), ("correction",), ("rather",), ("no",), ("instead",),
]
# Phrases that only act as editing terms next to a strong one ("or no make that", "oh no not that but").
_WEAK = [
    ("make", "that"), ("not", "that"), ("tell", "me"), ("wait",), ("actually",), ("oh",), ("well",),
    ("hold", "on"), ("i", "guess"), ("like",), ("maybe",), ("more", "specifically"), ("answer", "me", "this"),
    ("i", "just", "want", "to", "know"), ("i", "want", "to", "know"),
]
_CONNECTORS = {"or", "and", "but", "so"}
_WH = {"what", "who", "whom", "whose", "when", "where", "why", "how", "which"}
_AUX = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "has", "have",
        "had", "name", "list", "give", "in", "on", "at", "during", "for", "from", "by", "to", "of"}
# "no" is a determiner after these ("there is no water", "with no return") and before these ("no longer").
_NO_DET_BEFORE = {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "there", "with",
                  "without", "of", "in", "on", "at", "by", "for", "to", "and", "that", "which", "who", "gave",
                  "give", "got", "get", "make", "makes", "made", "take", "takes", "took", "leave", "leaves",
                  "left", "show", "shows", "showed", "see", "saw", "need", "needs", "needed", "want", "wants",
                  "under", "from", "into", "as", "if", "whether", "had", "do", "does", "did", "yes"}
_NO_DET_AFTER = {"one", "longer", "more", "less", "matter", "doubt", "later", "sooner", "other", "fewer", "way",
                 "man", "body", "thanks", "problem", "idea", "longer"}
_RATHER_NOT_AFTER = {"would", "d", "had", "i", "we", "you", "they", "he", "she", "it"}
# Function words: a repeated one is weak evidence of where a repair starts, and they are never "replaced".
_FUNCTION_WORDS = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "is",
                   "are", "was", "were", "be", "been", "do", "does", "did", "has", "have", "had", "it", "its", "that", "this",
                   "these", "those", "as", "into", "than", "then", "there", "their", "his", "her", "they", "he", "she", "we",
                   "you", "i", "s", "not", "can", "could", "will", "would", "should", "may", "might", "must"}
_CLAUSE_PUNCT = {",", ";", ":", "!", "?", "(", ")", "--", "—", "–"}
_ALIGN_WINDOW = 6


def _key(tok: str) -> str:
    """Comparison key of a token: lower-case letters/digits only ('Law,' -> 'law')."""
    return "".join(ch for ch in tok.lower() if ch.isalnum())


def _is_punct(tok: str) -> bool:
    return _key(tok) == ""


def _match_phrase(keys: list[str], i: int, phrases: list[tuple[str, ...]]) -> int:
    """Length of the longest phrase starting at keys[i], 0 if none."""
    best = 0
    for ph in phrases:
        n = len(ph)
        if n > best and tuple(keys[i:i + n]) == ph:
            best = n
    return best


def _strong_ok(keys: list[str], toks: list[str], i: int, n: int) -> bool:
    """Guards for the editing readings of ordinary words."""
    head = keys[i]
    prev = next((keys[j] for j in range(i - 1, -1, -1) if keys[j]), "")
    nxt = next((keys[j] for j in range(i + n, len(keys)) if keys[j]), "")
    if n == 1 and head == "no":
        if nxt in _WH and prev:  # "When did no who did ..." is a restart whatever precedes it
            return True
        if not prev or prev in _NO_DET_BEFORE or nxt in _NO_DET_AFTER or not nxt:
            return False
        if toks[i] == "No" and nxt.isdigit():  # "No. 5"
            return False
    if n == 1 and head == "rather":
        if nxt == "than" or prev in _RATHER_NOT_AFTER:
            return False
    if n == 1 and head == "instead":
        if nxt == "of" or not nxt:
            return False
    return True


def _find_run(toks: list[str], keys: list[str], start: int) -> tuple[int, int, bool] | None:
    """Next editing-term run at or after `start`: (begin, end, is_correction). A run is a sequence of editing
    phrases, fillers, connectors and punctuation; it is a correction if it holds a strong phrase or a connector
    followed by a filler/weak phrase ("or uh law"); a run of fillers alone is just noise to drop."""
    n = len(toks)
    i = start
    while i < n:
        k = keys[i]
        after_punct = i > 0 and keys[i - 1] == "" and toks[i - 1] in (",", ";", "--", "—", "–")
        is_starter = (k in _FILLERS or _match_phrase(keys, i, _STRONG) or
                      (after_punct and _match_phrase(keys, i, _WEAK) and k not in ("like", "maybe", "well")) or
                      (k in _CONNECTORS and i > 0 and i + 1 < n and
                       (keys[i + 1] in _FILLERS or _match_phrase(keys, i + 1, _STRONG) or _match_phrase(keys, i + 1, _WEAK))))
        if is_starter:
            m = _match_phrase(keys, i, _STRONG)
            if m and k not in _FILLERS and not _strong_ok(keys, toks, i, m):
                i += 1
                continue
            j, strong, weak_or_conn = i, False, False
            while j < n:
                kj = keys[j]
                if kj == "":  # punctuation inside a run
                    j += 1
                    continue
                if kj in _FILLERS:
                    j += 1
                    continue
                m = _match_phrase(keys, j, _STRONG)
                if m and (j > i or _strong_ok(keys, toks, j, m)) and not (m == 1 and kj == "no" and j + 1 < n and keys[j + 1] in _NO_DET_AFTER):
                    strong = True
                    j += m
                    continue
                m = _match_phrase(keys, j, _WEAK)
                if m and (j > i or after_punct):
                    weak_or_conn = True
                    j += m
                    continue
                if kj in _CONNECTORS and j + 1 < n and (keys[j + 1] in _FILLERS or _match_phrase(keys, j + 1, _STRONG) or
                                                       ((strong or j == i) and _match_phrase(keys, j + 1, _WEAK))):
                    weak_or_conn = True
                    j += 1
                    continue
                if kj in _CONNECTORS and strong and j + 1 < n:
                    j += 1  # "no not that but ...", "scratch that and ..."
                    continue
                break
            while j > i and keys[j - 1] == "":  # trailing punctuation stays with the repair ("... rather ?")
                j -= 1
            # punctuation right before the run belongs to it ("Where , sorry , what")
            b = i
            while b > 0 and keys[b - 1] == "":
                b -= 1
            # ", oh actually , who led ..." : weak terms set off by punctuation also mark a correction
            correction = strong or (weak_or_conn and (keys[i] in _CONNECTORS or after_punct))
            if j > i:
                return b, j, correction
        i += 1
    return None


def _reparandum_start(pre_keys: list[str], pre_toks: list[str], rep_keys: list[str], rep_toks: list[str],
                      filler_only: bool = False) -> int:
    """Index into the prefix where the reparandum begins (len(prefix) = nothing to remove). After a bare filler
    ("um") only clear evidence counts: a repeated word, or a number/name replaced by another number/name."""
    n = len(pre_keys)
    content = [j for j in range(n) if pre_keys[j]]
    if not content:
        return n
    rep = [(k, t) for k, t in zip(rep_keys, rep_toks) if k]
    if not rep:
        return n  # trailing editing term ("... outbreak rather ?")
    # clause start: after the last clause punctuation of the prefix
    clause = 0
    for j in range(n - 1, -1, -1):
        if pre_keys[j] == "" and pre_toks[j].strip() in _CLAUSE_PUNCT:
            clause = j + 1
            break
    window = [j for j in content if j >= clause][-_ALIGN_WINDOW:]
    # 1. alignment: the repair repeats a word of the prefix ("the Vistula River no is Warsaw" <- "is")
    for off in range(min(3, len(rep))):
        if off and rep[off][0] in _FUNCTION_WORDS:
            continue  # "in 1812 um 1815 in Europe": a function word two words on says nothing
        for j in reversed(window):
            if pre_keys[j] == rep[off][0]:
                # the off words before the match belong to the reparandum, too ("first law, uh third law")
                before = [c for c in window if c < j]
                if off == 0:
                    return j
                if len(before) >= off:
                    return before[-off]
                break
    last = window[-1] if window else n
    if filler_only:
        if window and last > 0 and rep[0][0].isdigit() and pre_keys[last].isdigit():
            return last
        if (window and last > 0 and pre_keys[last] not in _FUNCTION_WORDS and rep[0][0] not in _FUNCTION_WORDS and
                pre_toks[last][:1].isupper() == rep[0][1][:1].isupper() and pre_keys[last] not in _WH):
            return last  # "sugar er salt": a content word right after another of the same kind replaces it
        if not (window and last > 0 and rep[0][1][:1].isupper() and pre_toks[last][:1].isupper()) and rep[0][0] not in _WH:
            return n
        if rep[0][0] in _WH and not any(pre_keys[j] in _WH for j in window):
            return n
    # 2. restart: the repair is a new question ("how no wait what do they pay")
    if rep[0][0] in _WH or (rep[0][0] in _AUX and rep[0][0] not in ("in", "on", "at", "for", "from", "by", "to", "of")):
        wh = [j for j in window if pre_keys[j] in _WH]
        return wh[-1] if wh and wh[-1] > clause else clause
    # 3. a proper name replaced by another ("Santa Monica no Palm Springs")
    if rep[0][1][:1].isupper() and pre_toks[last][:1].isupper() and pre_keys[last] not in _WH:
        j = last
        while j - 1 >= clause and pre_keys[j - 1] and pre_toks[j - 1][:1].isupper() and pre_keys[j - 1] not in _WH | _AUX:
            j -= 1
        return j
    # 4. otherwise the single word before the editing term ("salt uh rather sediment")
    if last == 0 or pre_keys[last] in _WH:
        return n
    return last


def remove_disfluencies(text: str) -> str:
    """Drop editing terms, reparanda and immediate word repetitions from a whitespace-normalised string."""
    toks = text.split()
    guard = 0
    pos = 0
    while guard < 20:
        guard += 1
        # acronyms ("ER", "UM") are names, not fillers
        keys = [k.upper() if len(k) > 1 and t.isupper() else k for t, k in ((t, _key(t)) for t in toks)]
        run = _find_run(toks, keys, pos)
        if run is None:
            break
        b, e, correction = run
        start = _reparandum_start(keys[:b], toks[:b], keys[e:], toks[e:], filler_only=not correction)
        del toks[start:e]
        if start < len(toks) and toks[start] in (",", ";") and start < b:  # the comma that set off the edit
            del toks[start]
        pos = start
    # immediate repetitions: "the the rock", "in the in the"
    out: list[str] = []
    for t in toks:
        if out and _key(t) == _key(out[-1]) and not _key(t).isdigit() and (_key(t) or t == out[-1]):
            continue  # "the the", ", ,"
        out.append(t)
    for size in (2, 3):
        i = 0
        while i + 2 * size <= len(out):
            a = [_key(t) for t in out[i:i + size]]
            b2 = [_key(t) for t in out[i + size:i + 2 * size]]
            if all(a) and a == b2:
                del out[i + size:i + 2 * size]
            else:
                i += 1
    # leading punctuation left by a cut
    while out and _is_punct(out[0]) and out[0] not in ('"', "'", "("):
        out.pop(0)
    return " ".join(out)


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
    fluent = remove_disfluencies(cleaned)
    return fluent if _key(fluent) else cleaned


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
    return bool(_key(text))


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
