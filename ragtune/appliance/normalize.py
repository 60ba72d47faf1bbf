"""Query normalisation: what retrieval (and the cache key, and the prompt) sees of a question.

`clean_text` (NFKC, control characters, whitespace), `normalize_query` (disfluencies removed) and the answer
pipeline's first stage built on them, `normalise_question` (the question cleaned, then normalised). Spoken or
hastily typed questions carry disfluencies: a reparandum (what was said by mistake), an editing term ("no", "or
rather", "I mean", "uh", "scratch that") and a repair (what was meant): "the capital of Spain, uh, I mean
Portugal". Retrieval should see the repaired question only. The rules below are the classic
reparandum/interregnum/repair model (Shriberg 1994): find an editing-term run, then decide how much precedes it
by aligning the repair's first words with the words before it (a repeated word marks where the repair restarts),
by a restart of the question (the repair begins with a question word), or by replacing the proper name / the
single word just before it. The editing terms and their guards are in normalize_terms.py; docs/retrieval.md
(stage 1) describes the rules with examples.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InputError
from .normalize_terms import (AUX, CLAUSE_PUNCT, CONNECTORS, DISCOURSE, FUNCTION_WORDS, NO_DET_AFTER,
                              PREPOSITIONS, SET_OFF, STRONG, WEAK, WEAK_NOT_FIRST, WH, chained_weak, fronted_restart,
                              is_filler, lone_wait, match_phrase, possessive_head, rejected_end, runs_on,
                              same_kind_word, set_off_before, strong_ok, wait_run)
from .scripts import CJK_STOPS
from .text import folded

_ALIGN_WINDOW = 6


def _key(tok: str) -> str:
    """Comparison key of a token: lower-case letters/digits only ('Law,' -> 'law')."""
    return "".join(ch for ch in tok.lower() if ch.isalnum())


def _is_punct(tok: str) -> bool:
    return _key(tok) == ""


def _find_run(toks: list[str], keys: list[str], start: int) -> tuple[int, int, str] | None:
    """Next editing-term run at or after `start`: (begin, end, kind). A run is a sequence of editing phrases,
    fillers, connectors and punctuation. Its kind says how much evidence a repair needs: "strong" (it holds a
    strong phrase), "conn" (a connector then a filler/weak phrase: "or uh law"), "weak" (weak phrases after a
    comma or two in a row: ", hang on ,", "actually, tell me"), "wait" (weak phrases holding "wait", set off by
    commas on both sides: ", oh wait ,"), "filler" (fillers or a lone "wait": noise to drop unless the words around
    it show a repair)."""
    n = len(toks)
    i = start
    while i < n:
        k = keys[i]
        after_punct = set_off_before(toks, keys, i)
        wm = match_phrase(keys, i, WEAK)
        chained = bool(wm) and chained_weak(keys, toks, i, wm)
        wait = k == "wait" and lone_wait(keys, toks, i)
        is_starter = (is_filler(keys, i) or match_phrase(keys, i, STRONG) or wait or chained or
                      (after_punct and wm and k not in WEAK_NOT_FIRST) or
                      (k in CONNECTORS and i > 0 and i + 1 < n and
                       (is_filler(keys, i + 1) or match_phrase(keys, i + 1, STRONG) or match_phrase(keys, i + 1, WEAK))))
        if is_starter:
            m = match_phrase(keys, i, STRONG)
            if m and not is_filler(keys, i) and not strong_ok(keys, toks, i, m) and not chained and not wait:
                i += 1
                continue
            j, strong, weak_or_conn = i, False, False
            while j < n:
                kj = keys[j]
                if kj == "" or is_filler(keys, j) or (j == i and wait):  # punctuation, fillers, the lone "wait"
                    j += 1
                    continue
                m = match_phrase(keys, j, STRONG)
                if m and (j > i or strong_ok(keys, toks, j, m)) and not (m == 1 and kj == "no" and j + 1 < n and keys[j + 1] in NO_DET_AFTER):
                    strong = True
                    j += m
                    continue
                m = match_phrase(keys, j, WEAK)
                if m and (j > i or after_punct or chained):
                    weak_or_conn = True
                    j += m
                    continue
                if kj in CONNECTORS and j + 1 < n and (is_filler(keys, j + 1) or match_phrase(keys, j + 1, STRONG) or
                                                      ((strong or j == i) and match_phrase(keys, j + 1, WEAK))):
                    weak_or_conn = True
                    j += 1
                    continue
                if kj in CONNECTORS and strong and j + 1 < n:
                    j += 1  # "no not that but ...", "scratch that and ..."
                    continue
                break
            # a discourse word before a restarted question is part of the edit ("or uh first what was ...")
            nxt = [x for x in range(j, n) if keys[x]][:2]
            if j > i and len(nxt) == 2 and keys[nxt[0]] in DISCOURSE and keys[nxt[1]] in WH:
                j = nxt[0] + 1
            if strong:  # "what time does the, no, not the pool, what time ...": "not the pool ," goes too
                j = rejected_end(keys, toks, i, j)
            words = [x for x in range(i, j) if keys[x]]
            set_off = bool(words) and (toks[words[-1]][-1:] in ",;" or
                                       any(toks[x] in SET_OFF for x in range(words[-1] + 1, j)))
            while j > i and keys[j - 1] == "":  # trailing punctuation stays with the repair ("... rather ?")
                j -= 1
            # punctuation right before the run belongs to it ("Where , sorry , what")
            b = i
            while b > 0 and keys[b - 1] == "":
                b -= 1
            if strong:
                kind = "strong"
            elif weak_or_conn and keys[i] in CONNECTORS:
                kind = "conn"
            elif weak_or_conn and after_punct and set_off and wait_run(keys, i, words):
                kind = "wait"  # "low , oh wait , high": "wait" set off by commas on both sides
            elif weak_or_conn and (after_punct or chained):
                kind = "weak"  # ", oh actually , who led ...": weak terms set off by punctuation
            else:
                kind = "filler"
            if j > i:
                return b, j, kind
        i += 1
    return None


def _reparandum_start(pre_keys: list[str], pre_toks: list[str], rep_keys: list[str], rep_toks: list[str],
                      kind: str = "strong") -> int | None:
    """Index into the prefix where the reparandum begins (len(prefix) = nothing to remove, None = no repair: the
    run is ordinary words and stays). After a bare filler ("um") only clear evidence counts: a repeated word, or a
    number/name replaced by another number/name; after weak terms alone also a restart, never a word for a word
    ("Is the fee , actually , refundable ?" is fluent)."""
    n = len(pre_keys)
    content = [j for j in range(n) if pre_keys[j]]
    if not content:
        return n
    rep = [(k, t) for k, t in zip(rep_keys, rep_toks) if k]
    if not rep:
        # trailing editing term ("... outbreak rather ?"); "should I spray then or wait ?" is fluent
        return n if kind in ("strong", "filler") else None
    # clause start: after the last clause punctuation of the prefix; a restart with no question word to go back to
    # also stops at a comma typed on a word ("the Copse Farm one, the email said the 17th but, um, what's ..."),
    # not the one that sets off the editing term itself
    clause = typed = 0
    for j in range(n - 1, -1, -1):
        if pre_keys[j] == "" and pre_toks[j].strip() in CLAUSE_PUNCT:
            clause = j + 1
            break
        if not typed and j < n - 1 and pre_toks[j][-1:] in ",;:!?":
            typed = j + 1
    window = [j for j in content if j >= clause][-_ALIGN_WINDOW:]
    # 1. alignment: the repair repeats a word of the prefix ("the Vistula River no is Warsaw" <- "is")
    for off in range(min(3, len(rep))):
        if off and (rep[off][0] in FUNCTION_WORDS or rep[0][0] in WH):
            continue  # "in 1812 um 1815 in Europe": a function word two words on says nothing; a question word restarts
        for j in reversed(window):
            if pre_keys[j] == rep[off][0]:
                # the off words before the match belong to the reparandum, too ("first law, uh third law")
                before = [c for c in window if c < j]
                if off == 0:
                    return j
                if len(before) >= off:
                    return before[-off]
                break
    # the word before the editing term; a split possessive ("Ahmed ' s") is its name
    last = possessive_head(pre_keys, pre_toks, window[-1]) if window else n
    single = len(rep) == 1  # a one-word repair never restarts the question ("does the hall give or no sorry have")
    # a content word right after another of the same kind replaces it ("sugar er salt", "low , oh wait , high")
    same_kind = bool(window) and last > 0 and same_kind_word(pre_keys[last], pre_toks[last], *rep[0])
    if kind in ("weak", "wait"):
        if not single and (rep[0][0] in WH or (rep[0][0] in AUX and rep[0][0] not in PREPOSITIONS)):
            pass  # a restart: step 2
        elif rep[0][1][:1].isupper() and pre_toks[last][:1].isupper() and pre_keys[last] not in WH:
            pass  # a name for a name: step 3
        elif rep[0][0].isdigit() and pre_keys[last].isdigit():
            return last
        elif kind == "wait" and same_kind and runs_on(rep_keys, rep_toks):
            return last  # "wait" marks a correction; "Is the fee , actually , refundable ?" is fluent
        else:
            return None
    if kind == "filler":
        if window and last > 0 and rep[0][0].isdigit() and pre_keys[last].isdigit():
            return last
        if same_kind:
            return last
        if not (window and last > 0 and rep[0][1][:1].isupper() and pre_toks[last][:1].isupper()) and rep[0][0] not in WH:
            return n
        if rep[0][0] in WH and not any(pre_keys[j] in WH for j in window):
            return n
    # 2. restart: the repair is a new question ("how no wait what do they pay"), perhaps after a short phrase set off
    # by a comma ("What does the 2013 report never mind , according to the 1955 review , what were ...")
    wh = [j for j in window if pre_keys[j] in WH]
    if kind == "strong" and wh and fronted_restart(rep_keys, rep_toks):
        return wh[-1]
    if rep[0][0] in WH or (rep[0][0] in AUX and rep[0][0] not in PREPOSITIONS):
        if single and rep[0][0] in WH:
            # a question word for one after a strong term ("describes who or no make that what ?"; "who umm what"
            # may be fluent); else no question is left to restart ("... no sorry when ?")
            return last if kind == "strong" and window and pre_keys[last] in WH else n
        if not single:
            return wh[-1] if wh else max(clause, typed)
    # 3. a proper name replaced by another ("Santa Monica no Palm Springs")
    if rep[0][1][:1].isupper() and pre_toks[last][:1].isupper() and pre_keys[last] not in WH:
        j = last
        while j - 1 >= clause and pre_keys[j - 1] and pre_toks[j - 1][:1].isupper() and pre_keys[j - 1] not in WH | AUX:
            j -= 1
        return j
    # 4. otherwise the single word before the editing term ("salt uhh rather sediment"), but a lone verb form does
    # not replace a name ("who founded the garden for the Hale Library actually I mean designed ?")
    if last == 0 or pre_keys[last] in WH:
        return n
    if single and rep[0][1][:1].islower() and pre_toks[last][:1].isupper() and rep[0][0].endswith(("ed", "ing")):
        return n
    return last


def _words(toks: list[str]) -> int:
    return sum(1 for t in toks if _key(t))


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
        b, e, kind = run
        start = _reparandum_start(keys[:b], toks[:b], keys[e:], toks[e:], kind)
        if start is None:  # ordinary words after all; its fillers still go ("road, um, actually reopen")
            kept = [toks[x] for x in range(b, e) if not is_filler(keys, x)]
            if len(kept) < e - b and not _words(toks[e:]) and all(_key(t) in CONNECTORS | {""} for t in kept):
                kept = []  # "... on Tuesday or uh ?": nothing left to connect
            toks[b:e] = kept
            pos = b + len(kept)
            continue
        if start < b and _words(toks[:start]) + _words(toks[e:]) < 2 <= _words(toks[:b]):
            start = b  # a repair never leaves less than a question: only the editing term goes
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
