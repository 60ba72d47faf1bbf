"""Round 59: how far a repair reaches back, for the disfluency stage (disfluency.py calls these): a multi-word noun
phrase replaced whole ("the finance officer no wait Treasurer"), a spaced hyphenated name ("Lloyd - Jones ' s or uh
Patel ' s"), a question word said and abandoned ("What who was the chair?"), and a repair that points back at the
reparandum: a pronoun for the noun phrase it dropped ("What is the boiler, scratch that, when was it last serviced?" ->
"when was the boiler last serviced?") or an ellipsis re-saying the reparandum's first words ("Who besides Ana had the
idea, I mean who besides Ben?" -> "Who besides Ben had the idea?"); a whole name replaced, with its particles ("Piet van
der Berg", "al-Turabi") and a reflexive after it; a trailing quantity repair put on the count it corrects ("two good
examples of a rapid test sorry just one" -> "one good example of a rapid test"). Retrieval and the model read the same
normalised question, so what the reparandum named is put into the repair as words of a question, not appended as loose
keywords. docs/retrieval.md (stage 1) describes the rules with examples.
"""

from __future__ import annotations

import re

from .normalize_terms import (AUX, CONNECTORS, COPULAS, DETERMINERS, FUNCTION_WORDS, PREPOSITIONS, VERB_AUX, WH,
                              possessive_head, token_key)

_HYPHENS = ("-", "‐", "‑")  # spaced inside a name by a tokenizer ("Lloyd - Jones"), never a clause break


def _content(key: str) -> bool:
    return bool(key) and key not in FUNCTION_WORDS and key not in WH and key not in AUX and key not in (
        "many", "much") and not key.isdigit()


# lower-case particles inside a name ("Piet van der Berg", "Gaafar al - Turabi", "Ana de la Cruz")
NAME_PARTICLES = {"van", "von", "der", "de", "del", "della", "di", "da", "du", "des", "la", "le", "al", "el", "bin",
                  "ibn", "abu", "dos", "das", "ter", "zu"}
_PARTICLE_JOINED = re.compile(r"(?:al|el|ad|ar|as|at|an|bin|ibn|abu|d|l)[-‐‑'’][A-Z]")  # "al-Turabi", "d'Arcy"
REFLEXIVES = {"himself", "herself", "themselves", "itself", "themself"}


def name_word(tok: str) -> bool:
    """A word of a name: capitalised, or a particle joined to a capitalised part ("al-Turabi", "d'Arcy")."""
    return tok[:1].isupper() or _PARTICLE_JOINED.match(tok) is not None


def particle_name(rep: list[tuple[str, str]]) -> bool:
    """Whether the repair (keys and tokens of its words) is a name opened by particles ("de Vries", "van Dijk")."""
    x = 0
    while x < len(rep) and rep[x][0] in NAME_PARTICLES:
        x += 1
    return 0 < x < len(rep) and rep[x][1][:1].isupper()


def name_start(keys: list[str], toks: list[str], j: int, clause: int, particles: bool = False) -> int:
    """Where the name ending at toks[j] begins: back over capitalised words, over a spaced hyphen with a word
    before it ("Lloyd - Jones", "Stratford - upon - Avon"), and over particles with a capitalised word before them
    ("Piet van der Berg"; at the name's start only when the repair opens with one, `particles`: "van der Berg no
    wait de Vries"); never over a question word or an auxiliary."""
    while j - 1 >= clause:
        if toks[j - 1] in _HYPHENS and j - 2 >= clause and keys[j - 2] and keys[j - 2] not in WH:
            j -= 2
        elif keys[j - 1] and name_word(toks[j - 1]) and keys[j - 1] not in WH | AUX:
            j -= 1
        elif keys[j - 1] in NAME_PARTICLES:
            x = j - 1
            while x - 1 >= clause and keys[x - 1] in NAME_PARTICLES:
                x -= 1
            if not (particles or x == clause or keys[x - 1] in VERB_AUX | WH | PREPOSITIONS | {"and", "with"} or (
                    keys[x - 1] and name_word(toks[x - 1]) and keys[x - 1] not in WH | AUX)):
                break  # "the bin Monday": a particle after a determiner is a word ("Did van Gogh" is a name)
            j = x
        else:
            break
    return j


_SUBORDINATORS = {"if", "when", "whenever", "because", "while", "unless", "until", "before", "after", "once", "though",
                 "although", "whether", "where", "since", "less", "more"}


def np_start(keys: list[str], toks: list[str], last: int, rep: list[tuple[str, str]]) -> int:
    """Where the reparandum begins when the repair is a whole noun phrase: a title for a role ("the finance officer
    no wait Treasurer"), or two content words for a compound ("the fire door or make that emergency exit"). The
    noun phrase before the editing term is up to three lower-case content words after a determiner; anything else
    (no determiner: "renew online no sorry book", one content word in the repair: "the red bus no wait tram on")
    leaves the single word `last`."""
    if not rep or not toks[last][:1].islower():
        return last
    title = rep[0][1][:1].isupper() and rep[0][0] not in WH | AUX and rep[0][0] != "i"
    # a compound's second word is a noun: not a participle, an adverb or a clause's opener ("the working gas or
    # actually fluid received in", "firebox uh sorry plugs if the water", "async or no forwarded synchronously")
    compound = len(rep) >= 2 and all(_content(k) and t[:1].islower() for k, t in rep[:2]) and not (
        _participle(rep[1][0]) or rep[1][0].endswith("ly") or rep[1][0] in _SUBORDINATORS)
    if not (title or compound):
        return last
    j = last
    while j - 1 >= 0 and last - j < 2 and _content(keys[j - 1]) and toks[j - 1][:1].islower() and (
            toks[j - 1][-1:].isalnum()):
        j -= 1
    return j if j < last and j > 0 and keys[j - 1] in DETERMINERS else last


def abandoned_wh(toks: list[str]) -> list[str]:
    """The sentence without a question word said and abandoned at its start ("What who was the chair?", "How,
    where can I ...", "When what day is ..."): a first question word, then (a comma between at most) another one
    that begins a question, its auxiliary within two words and no connector ("When where and how was ..." stays)."""
    keys = [token_key(t) for t in toks[:6]]
    first = next((x for x, k in enumerate(keys) if k), None)
    if first is None or keys[first] not in WH:
        return toks
    at = first + 1
    if keys[first] == "why" and (toks[first][-1:] == "," or toks[at:at + 1] == [","]):
        return toks  # "Why, what is wrong with it?": an exclamation
    if toks[first][-1:] != ",":
        if at < len(toks) and toks[at] == ",":
            at += 1
        elif not toks[first][-1:].isalnum():
            return toks  # "What? Who ..."
    if at >= len(keys) or keys[at] not in WH or keys[at] == keys[first]:
        return toks
    nxt = keys[at + 1:at + 3]
    if not nxt or any(k in CONNECTORS or not k for k in nxt) or any(t[-1:] == "," for t in toks[at:at + 2]):
        return toks  # "How, when heated, does it ...": an aside
    if at > first + 1 or toks[first][-1:] == ",":
        if not any(k in VERB_AUX for k in nxt):
            return toks  # after a comma only a question with its auxiliary restarts ("What, when you think ...")
    return toks[:first] + toks[at:]


# third-person pronouns a repair may point back with; possessives and plain forms
_SINGULAR = {"it": "", "he": "", "she": "", "him": "", "its": "s", "his": "s"}
_PLURAL = {"they": "", "them": "", "their": "s"}
_PERSON = {"he", "she", "him", "his", "her"}
# what "he" / "she" can name besides a name: a role ("the new vicar", "the treasurer", "the lead soprano")
_PERSON_ENDS = ("er", "or", "ist", "ian", "ant", "ent", "ess", "man", "woman", "person")
_PERSON_NOUNS = {"vicar", "chair", "head", "captain", "coach", "clerk", "nurse", "mayor", "secretary", "priest",
                 "rector", "pupil", "child", "boy", "girl", "mum", "dad", "guide", "cook", "chef", "judge", "soprano",
                 "alto", "vet", "dentist", "gp", "caretaker", "warden", "tenant", "neighbour"}


def _noun_phrases(keys: list[str], toks: list[str]) -> list[tuple[int, int]]:
    """The noun phrases of a short clause, (start, end): a determiner and the content words after it, or a run of
    capitalised words (not the clause's first word); a possessive ends one ("the library's phone number": "the
    library" is what "its" names)."""
    out: list[tuple[int, int]] = []
    x, n = 0, len(keys)
    while x < n:
        k = keys[x]
        if k in ("the", "this", "that", "these", "those", "our", "my") and x + 1 < n and _content(keys[x + 1]):
            y = x + 1
            while y < n and (_content(keys[y]) or toks[y][:1].isupper() and keys[y]) and not _possessive(toks[y]):
                y += 1
            if y < n and _possessive(toks[y]):
                y += 1
            out.append((x, y))
            x = y
        elif x > 0 and toks[x][:1].isupper() and k and k not in WH | AUX and k != "i":
            y = x + 1
            while y < n and toks[y][:1].isupper() and keys[y]:
                y += 1
            out.append((x, y))
            x = y
        else:
            x += 1
    return out


def _possessive(tok: str) -> bool:
    return tok.lower().endswith(("'s", "’s"))


def _referent(r_keys: list[str], r_toks: list[str]) -> list[str] | None:
    """The one noun phrase of the reparandum a pronoun can name, as tokens; None when it holds none or several.
    After a question word and a non-copula auxiliary the clause's last word is its verb ("where do the volunteers
    meet"): not part of the phrase."""
    nps = _noun_phrases(r_keys, r_toks)
    if len(nps) != 1:
        return None
    s, e = nps[0]
    words = [x for x, k in enumerate(r_keys) if k]
    # the clause ends on a verb: after a non-copula auxiliary ("did Tesla invent"), or a passive's participle
    verb_last = len(words) >= 2 and r_keys[words[0]] in WH and r_toks[words[-1]][:1].islower() and (
        _participle(r_keys[words[-1]]) or any(r_keys[x] in VERB_AUX and r_keys[x] not in COPULAS
                                               for x in words[1:] if x < s))
    if e == len(r_keys) and e - s > 2 and verb_last:
        e -= 1
    after = e
    while _possessive(r_toks[e - 1]) and after < len(r_keys) and _content(r_keys[after]):
        after += 1  # "the library's phone number": "its" names the library
    if any(_content(r_keys[x]) for x in words if x >= after and not (x == words[-1] and verb_last)):
        return None  # "the boiling point of water": "it" may be either
    np = r_toks[s:e]
    if _possessive(np[-1]):
        np = np[:-1] + [np[-1][:-2]]
    if np[0][:1].isupper() and r_keys[s] in DETERMINERS:
        np[0] = np[0].lower()
    return np


_PARTICIPLES = {"built", "made", "held", "sold", "found", "won", "done", "seen", "given", "taken", "written", "known",
                "chosen", "broken", "born", "paid", "run", "used", "put", "set", "kept", "left", "bought", "taught"}


def _participle(key: str) -> bool:
    """A passive's participle ending the clause ("where was the treaty signed"); not "shed", "bed", "seed"."""
    return key in _PARTICIPLES or (key.endswith("ed") and len(key) > 4 and not key.endswith("eed"))


def _plural(np: list[str]) -> bool:
    head = token_key(np[-1])
    return head.endswith("s") and not head.endswith(("ss", "us", "is")) and not np[-1][:1].isupper()


def resolve_pronoun(r_toks: list[str], p_toks: list[str]) -> list[str] | None:
    """The repair with its one pronoun replaced by the reparandum's one noun phrase ("when was it last serviced?" <-
    "What is the boiler"), when they agree in number, the repair names nothing else before the pronoun (but "the key
    to it") and holds no other pronoun; None otherwise."""
    r_keys = [token_key(t) for t in r_toks]
    p_keys = [token_key(t) for t in p_toks]
    at = [x for x, k in enumerate(p_keys) if k in _SINGULAR or k in _PLURAL or k == "her"]
    if len(at) == 1 and p_keys[at[0]] == "its" and any(a in p_toks[at[0]] for a in "'’"):
        return None  # "it's": "it is"
    if len(at) != 1 or at[0] == 0 or not r_keys or r_keys[next(x for x, k in enumerate(r_keys) if k)] not in WH:
        return None
    if any(k in _SINGULAR or k in _PLURAL for k in r_keys):
        return None  # "Where did it split in the direction of its flow, sorry, where did it join": "it" names the same
    x = at[0]
    if p_keys[x] == "it" and ("to" in p_keys[x + 1:x + 3] or "that" in p_keys[x + 1:x + 3]):
        return None  # "how much is it to hire ...", "is it true that ...": "it" names nothing
    np = _referent(r_keys, [t.rstrip(",;") for t in r_toks])
    if np is None:
        return None
    pron = p_keys[x]
    plural = _plural(np)
    head = token_key(np[-1])
    if (pron in _PLURAL) != plural or (pron in _PERSON and not (
            np[0][:1].isupper() or head in _PERSON_NOUNS or head.endswith(_PERSON_ENDS))):
        return None  # "the van ... the keys to him": him is someone else
    before = _noun_phrases(p_keys[:x], p_toks[:x])
    if before and not (before[-1][1] == x - 1 and p_keys[x - 1] in PREPOSITIONS | {"with", "about"}):
        return None  # "who gave the key to him": the repair names its own thing
    possessive = pron in ("its", "his", "their") or (
        pron == "her" and x + 1 < len(p_keys) and p_keys[x + 1] and p_keys[x + 1] not in FUNCTION_WORDS | WH)
    words = list(np)
    if possessive:
        words[-1] += "'" if plural else "'s"
    tail = p_toks[x][len(p_toks[x].rstrip("?!.,;")):]  # "it?" keeps its mark
    return p_toks[:x] + words[:-1] + [words[-1] + tail] + p_toks[x + 1:]


_ALONGSIDE = {"else", "too", "also", "besides", "either"}  # "who else": said with the question, not instead of a word


def _units(toks: list[str], keys: list[str], idx: list[int]) -> int:
    """How many words the tokens at idx say, a name one word ("Tom Reid", "Hassan al - Bashir", "van der Berg")."""
    n, in_name = 0, False
    for y, x in enumerate(idx):
        nxt = toks[idx[y + 1]] if y + 1 < len(idx) else ""
        named = bool(keys[x]) and name_word(toks[x]) and keys[x] not in WH | AUX
        joins = toks[x] in _HYPHENS or keys[x] in NAME_PARTICLES and (
            name_word(nxt) or token_key(nxt) in NAME_PARTICLES or nxt in _HYPHENS)
        if named or joins:
            n += not in_name
            in_name = True
        else:
            n += bool(keys[x])
            in_name = False
    return n


def _name_end(words: list[str], keys: list[str], y: int) -> int:
    """The last word of the name that begins at words[y] ("Maya Ortiz", "van der Berg", "Lloyd - Jones"), with a
    reflexive after it ("Maya Ortiz herself"): a repair re-saying the name replaces all of it."""
    z = y
    while z + 1 < len(words):
        if name_word(words[z + 1]) and keys[z + 1] not in WH:
            z += 1
            continue
        x = z + 1
        while x < len(words) and (words[x] in _HYPHENS or keys[x] in NAME_PARTICLES):
            x += 1
        if x == z + 1 or x == len(words) or not name_word(words[x]):
            break
        z = x
    return z + 1 if z + 1 < len(words) and keys[z + 1] in REFLEXIVES else z


def ellipsis(r_toks: list[str], p_toks: list[str]) -> list[str] | None:
    """The reparandum with the ellipsis's new words in place ("Who besides Ana had the idea for the fair" + "who
    besides Ben ?" -> "Who besides Ben had the idea for the fair ?"): the repair re-says the reparandum's first
    words and ends the sentence after at most three more, fewer words than the reparandum has (a name's particles
    and hyphens not counted). Its new words replace the same word said again ("how many in 2023" <- "... came in
    2022"), a whole name or a number and what comes before it ("apart from Lena" <- "besides Omar", "besides Tom
    Reid" <- "besides Maya Ortiz herself"), one word after a determiner ("the chair" <- "the treasurer"), or go in
    after the shared words ("who else"). None when none fits."""
    rt = [t.rstrip(",;") for t in r_toks]
    rk = [token_key(t) for t in rt]
    pk = [token_key(t) for t in p_toks]
    r = [x for x, k in enumerate(rk) if k or rt[x] in _HYPHENS]  # a spaced hyphen is a name's ("al - Turabi")
    p = [x for x, k in enumerate(pk) if k or p_toks[x] in _HYPHENS]
    if not r or not p or _units(p_toks, pk, p) >= _units(rt, rk, r) or any(
            pk[x] == "" and p_toks[x] not in "?!." and p_toks[x] not in _HYPHENS for x in range(len(pk))):
        return None
    m = 0
    while m < len(p) and m < len(r) and pk[p[m]] == rk[r[m]]:
        m += 1
    rest = [p_toks[x] for x in p[m:]]
    rest_k = [pk[x] for x in p[m:]]
    if m == 0 or rk[r[0]] not in WH or not rest or not rest_k[-1] or not 1 <= _units(
            p_toks, pk, [x for x in p[m:] if pk[x] not in REFLEXIVES]) <= 3:
        return None
    mark = p_toks[p[-1] + 1:]  # "?" spaced stays spaced, typed on the word stays on the last word
    typed = p_toks[p[-1]][-1] if p_toks[p[-1]][-1:] in "?!." else ""
    if typed:
        rest[-1] = rest[-1][:-1]
    words = [rt[x] for x in r]
    keys = [rk[x] for x in r]
    # the name or number the repair ends on, before its reflexive ("who besides Tom Reid himself")
    core = rest[:-1] if len(rest) > 1 and rest_k[-1] in REFLEXIVES else rest
    out: list[str] | None = None
    if rest_k[-1] in AUX:
        return None  # "... tell me where the riot was": an embedded question ends on its verb, an ellipsis does not
    if rest_k[0] and rest_k[0] in keys[m:]:  # the same word said again: from there on
        y = keys.index(rest_k[0], m)
        out = words[:y] + rest + words[y + len(rest):]
    elif name_word(core[-1]) or rest_k[-1].isdigit():  # a name or number for a name or number
        named = name_word(core[-1])
        kind = name_word if named else (lambda t: token_key(t).isdigit())
        y = next((y for y in range(m, min(len(words), m + 3)) if kind(words[y])), None)
        if y is not None:
            y = _name_end(words, keys, y) if named else possessive_head(keys, words, y)
            out = words[:m] + rest + words[y + 1:]
    elif len(rest) == 1 and m < len(words) and keys[m - 1] in DETERMINERS and _content(keys[m]) and _content(
            rest_k[0]):
        out = words[:m] + rest + words[m + 1 + (m + 1 < len(keys) and keys[m + 1] in REFLEXIVES):]
    elif all(k in _ALONGSIDE for k in rest_k):
        out = words[:m] + rest + words[m:]
    if out is None:
        return None
    out[-1] += typed
    return out + mark


_NUMBER_WORDS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_LIMITERS = {"just", "only", "merely", "exactly"}  # "sorry just one": how many, said again
# a number after these names a thing, not how many ("in 2022", "the 42", "room 4", "flat 2")
_NOT_COUNT_AFTER = PREPOSITIONS | DETERMINERS | {"room", "flat", "route", "bus", "platform", "gate", "page", "number",
                                                 "no", "line", "year", "aged", "age", "level", "floor", "step"}
_SINGULAR_VERB = {"are": "is", "were": "was"}
_ADVERB_PARTICLES = {"out", "off", "up", "down", "away", "back", "over"}  # "a day out": the noun is before it
_AFTER_NOUN = {"free", "left", "available", "open", "spare", "needed", "missing", "here", "there", "now", "today"}


def _count(key: str) -> int | None:
    if key in _NUMBER_WORDS:
        return _NUMBER_WORDS[key]
    return int(key) if key.isdigit() and len(key) <= 3 else None


_NOT_PLURAL = {"news", "series", "species", "means", "lens", "gas", "various", "previous", "always", "perhaps"}


def _singular(word: str) -> str | None:
    low = word.lower()
    if not word.isalpha() or not low.endswith("s") or low.endswith(("ss", "us", "is")) or len(low) < 4 or (
            low in _NOT_PLURAL):
        return None
    if low.endswith("ies"):
        return word[:-3] + "y"
    if low.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def _plural_of(word: str) -> str | None:
    low = word.lower()
    if not word.isalpha() or low.endswith("s"):
        return None
    if low.endswith("y") and low[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if low.endswith(("ch", "sh", "x", "z")) else "s")


def _counts_things(keys: list[str], x: int) -> bool:
    """Whether the number at keys[x] says how many: a number word ("the two main causes"; not "no one", "the one
    place"), or digits not after a preposition, a determiner or a noun they name ("in 2022", "the 42 bus", "room
    4")."""
    prev = keys[x - 1] if x else ""
    if keys[x].isdigit():  # after a determiner only before a plural ("the 3 best routes"; not "the 42 bus")
        return prev not in _NOT_COUNT_AFTER or prev in DETERMINERS and int(keys[x]) > 1 and any(
            _singular(k) is not None for k in keys[x + 1:x + 3])
    return keys[x] != "one" or prev not in DETERMINERS | {"no", "each", "any", "every", "which", "some"}


def quantity(pre_toks: list[str], rep_toks: list[str]) -> list[str] | None:
    """The sentence with a trailing quantity repair put in place ("What are two good examples of a rapid test sorry
    just one ?" -> "What is one good example of a rapid test ?"): the repair ends the sentence and is a number with
    perhaps "just"/"only" before it and the counted noun after it; it replaces the one count of the sentence (a
    number before a lower-case word, not after a preposition or a determiner: "in 2022", "the 42"), and between one
    and more the counted noun and a copula right before the count agree with it. With "just"/"only" and no count to
    replace (none, or several), the words before the editing term stay whole ("... of a rapid test ?"). None when
    the repair is not a quantity (the other rules decide)."""
    rk: list[str] = []
    words: list[int] = []
    for x, t in enumerate(rep_toks):  # at most four words, then only end marks (a long rest is rejected early)
        rk.append(token_key(t))
        if rk[-1]:
            words.append(x)
        if len(words) > 4 or (words and not rk[-1] and t not in "?!."):
            return None
    if not words:
        return None
    lim = 0
    while lim < len(words) and rk[words[lim]] in _LIMITERS:
        lim += 1
    if lim == len(words) or len(words) - lim > 2 or _count(rk[words[lim]]) is None:
        return None
    new_tok = rep_toks[words[lim]].rstrip("?!.")
    noun = rk[words[lim + 1]] if len(words) - lim == 2 else None
    pre = [t.rstrip(",;") if x == len(pre_toks) - 1 else t for x, t in enumerate(pre_toks)]
    while pre and not token_key(pre[-1]):
        pre.pop()  # the comma before the editing term
    pk = [token_key(t) for t in pre]
    if not pk or _count(pk[-1]) is not None:
        return None  # "in 2022 sorry 2023": a number for a number, the rules before
    counts = [x for x in range(len(pk)) if _count(pk[x]) is not None and x + 1 < len(pk) and pre[x + 1].isalpha()
              and pre[x + 1].islower() and _counts_things(pk, x)]
    mark = rep_toks[words[-1] + 1:]
    typed = rep_toks[words[-1]][-1] if rep_toks[words[-1]][-1:] in "?!." else ""
    if len(counts) != 1:
        if lim:  # "just one" with no one count to replace: only the editing term and the repair go
            return pre[:-1] + [pre[-1] + typed] + mark
        return None
    c = counts[0]
    old, now = _count(pk[c]), _count(token_key(new_tok))
    # the counted noun, among up to three lower-case words after the count: the first plural one ("two good
    # examples", "two rooms free"); going from one to more the last before a function word ("one good example of")
    run = []
    while len(run) < 3 and c + len(run) + 1 < len(pk) and pre[c + len(run) + 1].isalpha() and (
            pre[c + len(run) + 1].islower() and pk[c + len(run) + 1] not in FUNCTION_WORDS | _ADVERB_PARTICLES):
        run.append(c + len(run) + 1)
    if now == 1:
        head = next((x for x in run if _singular(pre[x]) is not None), c)
    else:
        after = run[-1] + 1 if run else c
        head = run[-1] if run and (len(run) == 1 or after == len(pk) and pk[run[-1]] not in _AFTER_NOUN or (
            after < len(pk) and pk[after] in FUNCTION_WORDS | _ADVERB_PARTICLES)) else c
    if noun is not None and not any(noun in (pk[x], pk[x] + "s", pk[x] + "es") or pk[x] in (noun + "s", noun + "es")
                                    for x in run):
        return None  # "two examples sorry one more": not the count said again
    out = list(pre)
    out[c] = new_tok
    if old != now and 1 in (old, now) and head > c:
        form = _singular(pre[head]) if now == 1 else _plural_of(pre[head])
        if form is not None:
            out[head] = form
            verbs = _SINGULAR_VERB if now == 1 else {v: k for k, v in _SINGULAR_VERB.items()}
            v = c - 1
            while v > 0 and pk[v] in ("there", "the"):
                v -= 1  # "are two", "are there two", "are the two"
            rel = head + 2 if pk[head + 1:head + 2] in (["that"], ["which"], ["who"]) else -1  # "plants that are"
            for v in (v, rel):
                if 0 <= v < len(pk) and pk[v] in verbs:
                    out[v] = verbs[pk[v]] if pre[v].islower() else verbs[pk[v]].capitalize()
    out[-1] += typed
    return out + mark
