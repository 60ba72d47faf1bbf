"""Round 57: what the disfluency stage rewrites before its editing-term search (disfluency.py calls these): commas
typed without a space ("glass,hold on,batteries"), hesitation phrases set off by commas ("what's the, let me
think, the fee", "can I, you know, bring my dog", "is the, like, the pool open") and a postposed repair ("is the
gym open, the pool I mean, on Sundays?"). A hesitation phrase goes with the comma after it, and the one before it
unless a clause follows ("refuse, like, when I ..." keeps "refuse, when I ..."); a word it separated from its
repetition is said once ("is the, like, the pool" -> "is the pool"). The same words used as words are not set off
by commas ("I like the pool", "you know the code?", "what kind of dog"). docs/retrieval.md (stage 1)
describes the rules with examples.
"""

from __future__ import annotations

import re

from .disfluency_back import quantity
from .normalize_terms import (AUX, COPULAS, DETERMINERS, FILLERS, FUNCTION_WORDS, PREPOSITIONS, SET_OFF, STRONG,
                              VERB_AUX, WH, match_phrase, quoted_tokens, token_key)

# a comma typed between two letters ("glass,hold on,batteries"); never between digits ("1,000")
_TIGHT_COMMA = re.compile(r"(?<=[^\W\d_]),(?=[^\W\d_])")


def spaced_commas(text: str) -> str:
    """The text with a space after each comma typed between two letters."""
    return _TIGHT_COMMA.sub(", ", text)


# Hesitation phrases (an interregnum with no correction in it): dropped when set off by commas on both sides inside
# a sentence; the START ones also opening a sentence with a comma after them ("Let me think, when ..."), the END
# ones also closing it after a comma ("... on Sundays, you know?").
HESITATION = [
    ("let", "me", "think"), ("let", "me", "see"), ("how", "do", "i", "put", "it"), ("how", "shall", "i", "put", "it"),
    ("how", "should", "i", "put", "it"), ("how", "can", "i", "put", "it"), ("whats", "it", "called"),
    ("what", "is", "it", "called"), ("what", "do", "you", "call", "it"), ("what", "do", "they", "call", "it"),
    ("whats", "the", "word"), ("what", "is", "the", "word"), ("you", "know"), ("like",), ("kind", "of"),
    ("sort", "of"), ("you", "see"),
]
START = {("let", "me", "think"), ("let", "me", "see"), ("you", "know"), ("like",)}
END = {("you", "know"), ("like",)}
# ", you know?" after these asks whether it is someone or something ("Is it someone, you know?"): it stays
_NOT_END = {"someone", "anyone", "somebody", "anybody", "something", ""}
# "kind of" / "sort of" after these is a noun phrase even between commas ("what, kind of, ...")
_KIND_NOT_AFTER = {"what", "which", "this", "that", "same", "any", "some", "every", "all", "one"}


def _phrase_at(keys: list[str], i: int) -> int:
    best = 0
    for ph in HESITATION:
        if len(ph) > best and tuple(keys[i:i + len(ph)]) == ph:
            best = len(ph)
    return best


def _comma_before(toks: list[str], i: int) -> bool:
    return i > 0 and (toks[i - 1] in SET_OFF or (toks[i - 1][-1:] in ",;" and len(toks[i - 1]) > 1))


def _comma_after(toks: list[str], end: int) -> bool:
    """Whether the phrase ending before toks[end] has a comma typed on its last word or spaced after it."""
    return toks[end - 1][-1:] in ",;" or (end < len(toks) and toks[end] in SET_OFF)


def _next_words(keys: list[str], at: int) -> list[str]:
    """The first two words (keys) from keys[at] on, fillers skipped: only as far as needed (long inputs stay
    linear)."""
    out: list[str] = []
    for x in range(at, len(keys)):
        k = keys[x]
        if k and k not in FILLERS:
            out.append(k)
            if len(out) == 2:
                break
    return out


def _word_before(keys: list[str], i: int) -> str:
    return next((keys[j] for j in range(i - 1, -1, -1) if keys[j]), "")


def hesitations_as_fillers(toks: list[str], keys: list[str]) -> list[str]:
    """The sentence's tokens without the hesitation phrases set off by commas. Quoted words are mentioned, never
    dropped."""
    quoted = quoted_tokens(toks) if any(q in t for t in toks for q in '"“‘«') else [False] * len(toks)
    out: list[str] = []
    i, n = 0, len(toks)
    wh_comma = _like_verb(toks, keys)
    while i < n:
        m = _phrase_at(keys, i) if keys[i] else 0
        if m and not any(quoted[i:i + m]) and all(keys[i:i + m]):
            ph = tuple(keys[i:i + m])
            last = toks[i + m - 1]
            if ph == ("like",) and wh_comma < i - 1:  # _like_verb
                out.append(toks[i])
                i += 1
                continue
            rest = _next_words(keys, i + m)
            if ph in END and not rest and _comma_before(toks, i) and _word_before(keys, i) not in _NOT_END and (
                    last[-1:] in "?!." or i + m == n or toks[i + m] in ("?", "!", ".")):
                # ", you know?" closing the question: the phrase and its comma go, the mark stays
                out[-1:] = [] if out[-1] in SET_OFF else [out[-1][:-1]]
                mark = last[-1] if last[-1:] in "?!." else ""
                out[-1] += mark
                i += m
                continue
            if last[-1:] in "?!.":
                out.append(toks[i])
                i += 1
                continue
            after = _comma_after(toks, i + m)
            first_word = not _word_before(keys, i)
            ok = (_comma_before(toks, i) and after and rest) or (ph in START and first_word and after and rest)
            if ok and ph in (("kind", "of"), ("sort", "of")) and _word_before(keys, i) in _KIND_NOT_AFTER:
                ok = False
            if ok and ph == ("like",) and _word_before(keys, i) not in FUNCTION_WORDS | AUX | {""} and _examples(
                    toks, keys, i + m):
                ok = False  # "animals, like, dogs or cats, need ...": "such as" before examples closed by a comma
            compared = ok and bool(rest) and rest[0] in DETERMINERS and _copula_subject(toks, keys, i)
            if compared and ph in (("like",), ("kind", "of"), ("sort", "of")):
                ok = False  # "Is a latte, like, a cappuccino?": X and Y compared, not a restart
            elif compared and _said_again(keys, i, i + m):
                compared = False  # "Is the parcel, let me think, the large parcel rate ...": a restart after all
            if ok:  # the phrase and the comma after it go; the one before only stays before a clause
                i += m
                if i < n and toks[i] in SET_OFF:
                    i += 1
                nxt = rest[0] if rest else ""
                if nxt not in WH | VERB_AUX and out:
                    out[-1:] = [] if out[-1] in SET_OFF else [out[-1][:-1] if out[-1][-1:] in ",;" else out[-1]]
                    out = out if compared else _restarted(out, nxt)  # "Is the mayor, you know, the guy ...": both stay
                if compared and _closed_by_comma(toks, i) and out and out[-1] not in SET_OFF:
                    out[-1] = out[-1].rstrip(",;") + ","  # "Are the fees, the ones on the website, up to date?"
                continue
        out.append(toks[i])
        i += 1
    return out


def _closed_by_comma(toks: list[str], at: int) -> bool:
    """Whether the words from toks[at] on are closed by a comma within six tokens, with a word after it: an
    apposition ("the fees, you know, the ones on the website, up to date"), not a compared noun phrase."""
    for x in range(at, min(at + 6, len(toks) - 1)):
        if toks[x][-1:] in "?!.":
            return False
        if toks[x] in SET_OFF or toks[x][-1:] in ",;":
            return any(c.isalnum() for c in toks[x + 1])
    return False


def _like_verb(toks: list[str], keys: list[str]) -> int:
    """Where "like" may be the verb or preposition of a wh-question after an aside ("What is the hotel, the one by
    the beach, like?", "What would my kids, aged 6, like?"): after a comma that closes one opened earlier, i.e. a
    "like" at i is a word when this index is below i - 1 (a hesitation is set off by the sentence's first comma
    pair). The first comma's index in a question opening with a wh-word, else len(toks); computed once (linear)."""
    if next((k for k in keys if k), "") not in WH:
        return len(toks)
    return next((x for x, t in enumerate(toks) if t in SET_OFF or t[-1:] in ",;"), len(toks))


def _examples(toks: list[str], keys: list[str], at: int) -> bool:
    """Whether one to four words from toks[at] on are closed by a comma with more words after it and hold no
    question word or auxiliary ("dogs or cats, need a licence")."""
    at += at < len(toks) and toks[at] in SET_OFF
    for x in range(at, min(len(toks), at + 4)):
        if keys[x] in WH or keys[x] in VERB_AUX:
            return False
        if toks[x][-1:] in ",;" or (x + 1 < len(toks) and toks[x + 1] in SET_OFF):
            return any(keys[y] for y in range(x + 1, len(toks)))
    return False


def _copula_subject(toks: list[str], keys: list[str], i: int) -> bool:
    """Whether the words before keys[i] are a copula, a determiner and at least one word not ending in 's ("Is a
    latte", "Is the new card"; not "Is the", "Is the vet's"). Looks back seven words at most (long inputs stay
    linear)."""
    words: list[int] = []
    for x in range(i - 1, -1, -1):
        if keys[x]:
            words.append(x)
            if len(words) == 7:
                break
    if not words or toks[words[0]].rstrip(",;").lower().endswith(("'s", "’s", "s'")):
        return False  # "Is the vet's, let me see, the emergency number": a possessive left unfinished
    for n, x in enumerate(words):
        if keys[x] in DETERMINERS:
            return 0 < n < len(words) - 1 and keys[words[n + 1]] in COPULAS
        if keys[x] in FUNCTION_WORDS | AUX or keys[x] in WH:
            return False
    return False


def _said_again(keys: list[str], i: int, end: int) -> bool:
    """Whether a word of the noun phrase before keys[i] (back to its determiner, six words at most) comes again in
    the four words from keys[end] on."""
    before: list[str] = []
    for x in range(i - 1, max(-1, i - 12), -1):
        if keys[x] in DETERMINERS:
            break
        if keys[x]:
            before.append(keys[x])
    return bool(set(before) & set(_next_n(keys, end, 4)))


def _next_n(keys: list[str], at: int, n: int) -> list[str]:
    out: list[str] = []
    for x in range(at, len(keys)):
        if keys[x]:
            out.append(keys[x])
            if len(out) == n:
                break
    return out


def _restarted(out: list[str], det: str) -> list[str]:
    """`out` without its last words (two at most after a determiner) when the words after the hesitation restart
    them with the same determiner ("the dog's, let me see, the vaccination card": "the dog's" goes)."""
    if det not in DETERMINERS:
        return out
    words: list[int] = []
    for x in range(len(out) - 1, -1, -1):
        if token_key(out[x]):
            words.append(x)
            if len(words) == 3:
                break
    for x in words:
        k = token_key(out[x])
        if k == det or {k, det} == {"a", "an"}:
            if all(token_key(out[y]) not in WH | AUX | FUNCTION_WORDS for y in words if y > x):
                del out[x:]  # in place: a copy per hesitation made long inputs quadratic
                return out
            break
    return out


# A repair said after what it replaces, then the editing term ("the gym open, the pool I mean, on Sundays").
POSTPOSED = [("i", "mean"), ("i", "meant"), ("sorry",)]  # "sorry" only where P names words before it
_MAX_REPAIR = 6
# "where is the post office": after these and a copula the noun phrase ends the clause (no verb after it)
_NP_ENDS_AFTER = {"where", "what", "whats", "who", "whos", "which", "whose"}
# words that begin a phrase of their own after a postposed repair ("..., the DVD I mean, after it is overdue")
_LINKS = {"after", "before", "without", "with", "until", "till", "about", "over", "under", "near", "since", "per",
          "via", "through", "around", "if", "when", "while", "because", "unless", "so", "or", "and", "but", "not",
          "online", "today", "tomorrow", "tonight", "now", "please"}


# a noun phrase after these is a subject, its next word a verb ("when the boiler, the shower I mean, stops")
_SUBJECT_AFTER = VERB_AUX | WH | FUNCTION_WORDS | {"if", "while", "because", "unless", "until", "once", "whether",
                                                   "so", "since"}
_PREPS = PREPOSITIONS | {"with", "into", "near", "behind", "opposite", "past", "via"}


def _hung_on_noun(keys: list[str], clause: list[int], x: int) -> bool:
    """Whether the noun phrase at clause[x] follows a preposition that follows a noun phrase (a determiner, then one
    to three words: "the bus to the airport"; not "park at the school")."""
    if x < 3 or keys[clause[x - 1]] not in _PREPS:
        return False
    for y in range(x - 2, max(-1, x - 6), -1):
        k = keys[clause[y]]
        if k in DETERMINERS:
            return y < x - 2
        if k in FUNCTION_WORDS | AUX or k in WH:
            return False
    return False


def _postposed_at(keys: list[str], toks: list[str], i: int) -> int:
    """Length of a postposed editing term at i: followed by punctuation or the end, its last word not "I"."""
    for ph in POSTPOSED:
        m = len(ph)
        if tuple(keys[i:i + m]) == ph and (i + m == len(keys) or not keys[i + m] or toks[i + m - 1][-1:] in ",;?!."):
            return m
    return 0


def _target(keys: list[str], toks: list[str], rep_keys: list[str], rep_toks: list[str],
            ends: bool, goes_on: bool) -> tuple[int, int] | None:
    """The words of the clause `toks` (what precedes the comma) that the postposed repair replaces, as (start, end):
    a noun phrase as long as the repair, opened by the same determiner and followed by a function word or by one
    last word before a clause that does not go on with a content word ("the gym open, the pool I mean, on ..."; not
    "the heaviest defeat in ..." <- "the score", "the museum café, the shop I mean, open"), or a determiner left
    alone ("on the, the ferry I mean"), or the last word when both are names or numbers ("Saturday" <- "Sunday").
    A noun phrase right before the comma is named again, not replaced, when P ends the question ("to the siege,
    the Ostrander army I mean?").
    None when nothing fits."""
    clause: list[int] = []
    for j in range(len(toks) - 1, -1, -1):
        if not keys[j] and toks[j] not in ("'", "’"):
            break  # punctuation of its own: an earlier clause
        if keys[j]:
            clause.insert(0, j)
        if j and toks[j - 1][-1:] in ",;:":
            break
    if len(clause) < 2:
        return None
    first = rep_keys[0]
    if rep_keys[-1] in ("one", "ones") or rep_keys[1:2] in (["one"], ["ones"]):
        return None  # "the sandpaper, the P240 one I mean": which of them, not another thing
    if first in DETERMINERS and len(rep_keys) >= 2:
        for x in range(len(clause) - 1, -1, -1):
            if keys[clause[x]] == first or {keys[clause[x]], first} == {"a", "an"}:
                # a shorter noun phrase may end the clause ("the bell" <- "the Drowned Bell")
                span, after = clause[x:x + len(rep_keys)], clause[x + len(rep_keys):]
                tail = clause[x:]
                if (len(tail) > 2 and not goes_on and x > 0 and keys[clause[x - 1]] in VERB_AUX and not (
                        keys[clause[x - 1]] in COPULAS and x > 1 and keys[clause[x - 2]] in _NP_ENDS_AFTER) and
                        keys[tail[-1]] != rep_keys[-1] and
                        not any(keys[c] in FUNCTION_WORDS | AUX for c in tail[1:])):
                    # after an auxiliary the clause's last word is its verb ("when does the box office open", "how
                    # long did the slow one take"): the noun phrase is all before it, whatever its length
                    span, after = tail[:-1], tail[-1:]
                elif (len(after) == 1 and x > 1 and keys[clause[x - 1]] in COPULAS and
                      keys[clause[x - 2]] in _NP_ENDS_AFTER and keys[after[0]] not in FUNCTION_WORDS | AUX):
                    span, after = tail, []  # no verb to end on: the noun phrase runs to the comma ("the post office")
                if any(keys[c] in WH or keys[c] in FUNCTION_WORDS | AUX for c in span[1:]):
                    return None
                if (len(after) > 1 or (after and goes_on)) and keys[after[0]] not in FUNCTION_WORDS | AUX:
                    return None  # the noun phrase may go on ("the heaviest defeat in ...", "the museum café, ... open")
                if len(after) > 1 and keys[after[0]] not in VERB_AUX:
                    return None  # P names something later in the clause ("open on Monday, the bank holiday I mean")
                if any(keys[c] == rep_keys[-1] for c in clause if not span[0] <= c <= span[-1]):  # linear
                    return None  # P names another noun of the clause ("the shop near the church, the big shop I mean")
                if not after and len(span) > 1 and ends:
                    return None  # ending the question, P may name it again ("to the siege, the Ostrander army")
                if len(span) > 1 and keys[span[-1]] != rep_keys[-1] and _hung_on_noun(keys, clause, x):
                    return None  # "the bus to the airport, the express I mean": P may name the bus, not the airport
                if (len(after) == 1 and x > 0 and keys[clause[x - 1]] not in _SUBJECT_AFTER and
                        keys[after[0]] not in _LINKS | FUNCTION_WORDS | AUX):
                    return None  # an object's last word may be its noun ("close the indoor pool, the lido I mean")
                return span[0], span[-1] + 1
        return None
    last = clause[-1]
    if len(rep_keys) == 1 and ((keys[last].isdigit() and first.isdigit()) or (
            toks[last][:1].isupper() and rep_toks[0][:1].isupper() and last != clause[0] and keys[last] not in WH)):
        return last, last + 1
    return None


def postposed_repair(toks: list[str], keys: list[str]) -> list[str]:
    """The sentence with a postposed repair put in place: ", P I mean ," (P one to six words after a comma)
    replaces the words of the clause before the comma that P names ("is the gym open, the pool I mean, on
    Sundays?" -> "is the pool open on Sundays?"). When nothing before matches P, only "I mean" goes: P stays as
    said ("the coating line, capex I mean, at ..." -> "the coating line, capex, at ...")."""
    for i in range(1, len(toks)):
        m = _postposed_at(keys, toks, i) if keys[i] else 0
        if not m:
            continue
        j = i - 1  # back over P to the comma before it
        while j >= 0 and keys[j] and toks[j][-1:] not in ",;" and i - j <= _MAX_REPAIR:
            j -= 1
        rep = list(range(j + 1, i))
        if j < 0 or not rep or len(rep) > _MAX_REPAIR or not (toks[j] in SET_OFF or toks[j][-1:] in ",;"):
            continue
        if any(keys[r] in WH or keys[r] in ("i", "im", "so", "very", "really") or (keys[r] in AUX and keys[r] not in PREPOSITIONS) or
               keys[r] in FILLERS or match_phrase(keys, r, STRONG) for r in rep):
            continue  # a clause or another edit, not a phrase ("..., what I mean, ...", "first, no I mean, ...")
        rest = toks[i + m:]
        c = toks[i + m - 1][-1:]
        closed = c in ",;" or bool(rest and rest[0] in SET_OFF)
        if rest and rest[0] in SET_OFF:
            rest = rest[1:]
        nxt = next((keys[x] for x in range(i + m, len(keys)) if keys[x]), "")
        prefix = toks[:j] if toks[j] in SET_OFF else toks[:j] + [toks[j][:-1]]
        target = _target(keys[:len(prefix)], prefix, [keys[r] for r in rep], [toks[r] for r in rep],
                         not nxt, bool(nxt) and nxt not in FUNCTION_WORDS | AUX | WH | _LINKS)
        if target is None and not nxt:  # round 59: "two good examples, just one I mean?" -> "one good example"
            said = [toks[r] for r in rep[:-1]] + [toks[rep[-1]] + (c if c in "?!." else "")]
            counted = quantity(prefix, said + rest)
            if counted is not None:
                return counted
        if target is None and keys[i] == "sorry":
            continue  # "..., so sorry, ...": the apology is left to the editing-term rules
        out = toks[:i] if target is None else prefix[:target[0]] + [toks[r] for r in rep] + prefix[target[1]:]
        # the comma that closed the repair stays before a question word ("..., how much can ...") and after a P that
        # stays
        keep = closed and bool(rest) and (target is None or nxt in WH)
        mark = c if c in "?!." else ("," if keep else "")
        if mark:
            out[-1] += mark
        return out + rest
    return toks
