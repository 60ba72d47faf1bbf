"""The disfluency stage of query normalisation (moved out of normalize.py in round 56): `remove_disfluencies` finds
editing-term runs (`_find_run`) and decides how much precedes each (`_reparandum_start`). The classic
reparandum/interregnum/repair model (Shriberg 1994): find an editing-term run, then decide how much precedes it by
aligning the repair's first words with the words before it (a repeated word marks where the repair restarts), by a
restart of the question (the repair begins with a question word), or by replacing the proper name / the single word
just before it. A repair stays within one sentence. The editing terms and their guards are in normalize_terms.py;
docs/retrieval.md (stage 1) describes the rules with examples.
"""

from __future__ import annotations

import re

from .disfluency_back import (abandoned_wh, ellipsis, name_start, name_word, np_start, particle_name, quantity,
                              resolve_pronoun)
from .disfluency_pre import hesitations_as_fillers, postposed_repair, spaced_commas
from .normalize_terms import (ARTICLES, AUX, CLAUSE_PUNCT, COPULAS, CONNECTORS, DISCOURSE, FUNCTION_WORDS, NO_DET_AFTER,
                              PREPOSITIONS, SET_OFF, STRONG, WEAK_NOT_FIRST, WH, chained_weak, fronted_restart,
                              is_filler, lone_wait, match_phrase, possessive_head, rejected_end, runs_on,
                              quoted_tokens, same_kind_word, set_off_before, strong_ok, token_key, VERB_AUX, wait_run,
                              weak_match, wh_restart)

_ALIGN_WINDOW = 6


def _is_punct(tok: str) -> bool:
    return token_key(tok) == ""


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
        wm = weak_match(keys, i)
        chained = bool(wm) and chained_weak(keys, toks, i, wm)
        wait = k == "wait" and lone_wait(keys, toks, i)
        is_starter = (is_filler(keys, i) or match_phrase(keys, i, STRONG) or wait or chained or
                      (after_punct and wm and k not in WEAK_NOT_FIRST) or
                      (k in CONNECTORS and i > 0 and i + 1 < n and
                       (is_filler(keys, i + 1) or match_phrase(keys, i + 1, STRONG) or weak_match(keys, i + 1))))
        if is_starter:
            m = match_phrase(keys, i, STRONG)
            if m and not is_filler(keys, i) and not strong_ok(keys, toks, i, m) and not chained and not wait:
                i += 1
                continue
            j, strong, weak_or_conn, only_mind = i, False, False, True
            while j < n:
                kj = keys[j]
                if kj == "" or is_filler(keys, j) or (j == i and wait):  # punctuation, fillers, the lone "wait"
                    j += 1
                    continue
                m = match_phrase(keys, j, STRONG)
                if m and (j > i or strong_ok(keys, toks, j, m)) and not (m == 1 and kj == "no" and j + 1 < n and keys[j + 1] in NO_DET_AFTER):
                    strong = True
                    only_mind = only_mind and keys[j] in ("never", "nevermind")
                    j += m
                    continue
                m = weak_match(keys, j)
                if m and (j > i or after_punct or chained):
                    weak_or_conn = True
                    j += m
                    continue
                if kj in CONNECTORS and j + 1 < n and (is_filler(keys, j + 1) or match_phrase(keys, j + 1, STRONG) or
                                                      ((strong or j == i) and weak_match(keys, j + 1))):
                    weak_or_conn = True
                    j += 1
                    continue
                if kj in CONNECTORS and strong and j + 1 < n:
                    j += 1  # "no not that but ...", "scratch that and ..."
                    continue
                break
            # a discourse word before a restarted question is part of the edit ("or uh first what was ...")
            nxt = []
            for x in range(j, n):  # the next two words, looked for no further than needed
                if keys[x]:
                    nxt.append(x)
                    if len(nxt) == 2:
                        break
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
            if strong and only_mind and after_punct and not set_off:
                kind = "mind"  # ", never mind a mile ?" is "let alone": it needs a weak term's evidence
            elif strong:
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
                      kind: str = "strong", set_off: bool = False) -> int | None:
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
    if len(content) == 1 and pre_keys[content[0]] in WH and rep[0][0] not in WH and not (
            kind == "strong" and not set_off and rep[0][0] in VERB_AUX):
        # a question word alone is not restarted: "When, actually, does the sale end?"; but after a strong run not
        # set off by commas an auxiliary restarts the question ("How or no rather can a packet ...")
        return n
    # a new question after a set-off term restarts, it does not align on its auxiliary when the clause before was
    # whole ("What time does the gym open, never mind, does it have a pool?"; "What does the gym, sorry, does the
    # pool open?" aligns)
    restart = kind in ("strong", "weak", "wait") and set_off and len(rep) >= 3 and rep[0][0] in VERB_AUX
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
    for off in range(1 if restart else min(3, len(rep))):
        if off and (rep[off][0] in FUNCTION_WORDS or rep[0][0] in WH):
            continue  # "in 1812 um 1815 in Europe": a function word two words on says nothing; a question word restarts
        if kind == "mind" and rep[off][0] in FUNCTION_WORDS:
            continue  # "the bike shed, never mind the car park": a repeated "the" is no evidence after "never mind"
        for j in reversed(window):
            if pre_keys[j] == rep[off][0] or (off == 0 and {pre_keys[j], rep[0][0]} == {"a", "an"}):
                # the off words before the match belong to the reparandum, too ("first law, uh third law")
                before = [c for c in window if c < j]
                if off == 0 and restart and (pre_keys[j] in COPULAS or sum(1 for c in window if c > j) >= 3):
                    break  # the prefix's clause was whole ("does the gym open", "is the bank"): a new question
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
    # a name may open with particles ("de Vries") or join one to a capital ("al-Turabi")
    rep_name = name_word(rep[0][1]) or particle_name(rep)
    last_name = bool(window) and name_word(pre_toks[last])
    if kind in ("weak", "wait", "mind"):
        if not single and (rep[0][0] in WH or (rep[0][0] in AUX and rep[0][0] not in PREPOSITIONS)):
            pass  # a restart: step 2
        elif rep_name and last_name and pre_keys[last] not in WH:
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
        # after a filler alone only a name replaces a name ("the Leeds, um, York train", step 3): between two
        # lower-case words it is hesitation ("Is the library, um, open"), not a swap
        if not (window and last > 0 and rep_name and last_name) and rep[0][0] not in WH:
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
    if rep_name and last_name and pre_keys[last] not in WH:  # "Lloyd - Jones", "Piet van der Berg": all the name's
        return name_start(pre_keys, pre_toks, last, clause, particle_name(rep))
    # 4. otherwise the single word before the editing term ("salt uhh rather sediment"), but a lone verb form does
    # not replace a name ("who founded the garden for the Hale Library actually I mean designed ?")
    if last == 0 or pre_keys[last] in WH:
        return n
    if single and rep[0][1][:1].islower() and pre_toks[last][:1].isupper() and rep[0][0].endswith(("ed", "ing")):
        return n
    if rep[0][0] in ARTICLES and pre_keys[last - 1] in ARTICLES:
        return last - 1  # the repair brings its own article ("in an apple, sorry, a banana")
    # a noun phrase for a noun phrase: "the finance officer no wait Treasurer", "the fire door or make that exit"
    return np_start(pre_keys, pre_toks, last, rep) if kind in ("strong", "conn") else last


def _words(toks: list[str]) -> int:
    return sum(1 for t in toks if token_key(t))


# titles and abbreviations written with a stop inside a sentence ("Dr. No", "St. Ann's", "No. 5")
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "no", "nos", "vs", "jr", "sr", "prof", "rev", "mt", "ft", "fig",
                  "approx", "dept", "co", "ltd", "inc", "gen", "col", "capt", "sgt", "lt", "gov", "sen", "rep",
                  "ave", "rd", "eg", "ie", "etc", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
                  "oct", "nov", "dec"}  # not "am"/"pm": "I am." ends a sentence; "a.m." is dotted
_DOTTED = re.compile(r"(?:[A-Za-z]{1,3}\.)+[A-Za-z]{1,3}")  # "U.S.", "a.m.", "e.g.", "Ph.D."


def _sentences(toks: list[str]) -> list[list[str]]:
    """The tokens cut after each "?", "!" or "." that ends a sentence: a repair never reaches across one ("Are pets
    allowed? No dogs on the beach, right?"). A "." after an initial or a capitalised abbreviation ("Dr.", "St.",
    "No.", spaced as tokenised text writes it: "J . A . Smith") or in an ellipsis ("Spain... I mean Portugal") ends
    none, nor one after a dotted or listed abbreviation in any case ("6 p.m.", "U.S.", "e.g.", "approx.", "Nov."),
    nor one before a token that does not start with a capital, nor one before a strong editing term that restarts a
    question asked ("What is the form? No, what is the deadline?")."""
    out: list[list[str]] = [[]]
    keys: list[str] | None = None
    for x, t in enumerate(toks):
        out[-1].append(t)
        word = t.rstrip(".") or (toks[x - 1] if x and t == "." else "")
        if x + 1 < len(toks) and (t[-1:] in "?!" or (t[-1:] == "." and not t.endswith("..") and not (
                (word[:1].isupper() and len(word) == 1) or token_key(word) in _ABBREVIATIONS or
                _DOTTED.fullmatch(word.rstrip(".")) is not None or not toks[x + 1][:1].isupper()))):
            keys = keys or [token_key(k) for k in toks]
            if not _corrects(out[-1], toks, keys, x + 1):
                out.append([])
    return out


def _corrects(sentence: list[str], toks: list[str], keys: list[str], at: int) -> bool:
    """Whether the sentence starting at toks[at] takes back the question before it: a strong editing term other
    than a lone "sorry" (a polite new question: "Is the pool open? Sorry, when does it close?"), not ending a
    sentence itself ("No?"), then a new question ("What is the form? No, what is the deadline?")."""
    m = match_phrase(keys, at, STRONG)
    if not m or keys[at] == "sorry" and m == 1 or toks[at + m - 1][-1:] in "?!.":
        return False
    return any(token_key(t) in WH for t in sentence) and wh_restart(keys, at + m)


# words that begin a question or a request typed without "?" ("is it open on Sundays", "tell me the fees")
_QUESTION_START = VERB_AUX | {"am", "may", "might", "must", "shall", "isnt", "arent", "dont", "doesnt", "didnt", "cant",
                              "wont", "tell", "show", "find", "explain", "describe", "please", "i", "we", "you", "my"}


def _keyword_query(toks: list[str]) -> bool:
    """A terse keyword query ("return item no receipt", "sorry letter example"): no "?", no question word, no
    leading auxiliary, modal, pronoun or request verb, and no comma or dash (a phrase set off is a sentence's: "the
    fee for stews, er, no, for stocks"). Its "no", "sorry" or "wait" are words of the query."""
    keys = [token_key(t) for t in toks]
    first = next((k for k in keys if k), "")
    return (not any(p in t for t in toks for p in "?,;—–") and "--" not in toks and not any(k in WH for k in keys)
            and first not in _QUESTION_START)


def remove_disfluencies(text: str) -> str:
    """Drop editing terms, reparanda and immediate word repetitions from a whitespace-normalised string, one
    sentence at a time; from a keyword query only fillers and repetitions."""
    out = _remove(text)
    spaced = spaced_commas(text)  # "glass,hold on,batteries": read as typed with spaces where that repairs words
    if spaced != text and not _tight_list(text):
        alt = _remove(spaced)
        if [token_key(t) for t in alt.split()] != [token_key(t) for t in spaced_commas(out).split()]:
            return alt
    return out


def _tight_list(text: str) -> bool:
    """A list typed tight, one word per item ("please,thanks,sorry", "bike,like,hike"): its items are words."""
    toks = text.split()
    for n, m in enumerate(toks):
        items = m.rstrip("?!.").split(",")
        if len(items) >= 3 and all(x.isalpha() and x.islower() for x in items) and (
                n == len(toks) - 1 or m[-1:] in "?!." or {"no", "sorry", "wait", "yes"} & set(items)):
            return True
    return False


def _remove(text: str) -> str:
    toks = text.split()
    if _keyword_query(toks):
        return _remove_in_sentence(toks, keyword=True)
    return " ".join(s for s in (_remove_in_sentence(part) for part in _sentences(toks)) if s)


def _remove_in_sentence(toks: list[str], keyword: bool = False) -> str:
    """The sentence repaired; in a keyword query only its fillers go (no reparandum, no other editing term)."""
    guard = 0
    pos = 0
    has_quotes = any(q in t for t in toks for q in '"“‘«')
    if not keyword:  # round 57: a postposed repair put in place, hesitation phrases as fillers (disfluency_pre.py)
        keys0 = [token_key(t) for t in toks]
        if not has_quotes:
            toks = postposed_repair(toks, keys0)
            keys0 = [token_key(t) for t in toks]
        toks = abandoned_wh(hesitations_as_fillers(toks, keys0))  # round 59: "What who was the chair?"
    known: dict[str, str] = {}  # each token's key, computed once (the keys are rebuilt after every cut)
    while guard < 20:
        guard += 1
        # acronyms ("ER", "UM") are names, not fillers
        # and a quoted word is mentioned, not said ('Who sang "Sorry"?'): upper-cased keys match no editing term
        quoted = quoted_tokens(toks) if has_quotes else [False] * len(toks)
        keys = [k.upper() if (len(k) > 1 and t.isupper()) or q else k
                for t, k, q in zip(toks, (known.get(t) or known.setdefault(t, token_key(t)) for t in toks), quoted)]
        run = _find_run(toks, keys, pos)
        if run is None:
            break
        b, e, kind = run
        # the run set off on both sides (", never mind ,"): a new question after it restarts
        set_off = (toks[b] in SET_OFF or (b > 0 and toks[b - 1][-1:] in ",;")) and (
            toks[e - 1][-1:] in ",;" or toks[e - 1] in SET_OFF or (e < len(toks) and toks[e] in SET_OFF))
        if keyword:  # its "no" is a word, unless the repair repeats the prefix ("capital of uh no capital of France")
            start = b if kind == "filler" else _reparandum_start(keys[:b], toks[:b], keys[e:], toks[e:], kind, set_off)
            if kind != "filler" and (start is None or start >= b or keys[start] != next((k for k in keys[e:] if k), "")):
                start = None
        else:
            counted = quantity(toks[:b], toks[e:]) if kind in ("strong", "conn", "weak", "wait") else None
            if counted is not None:  # round 59: "two good examples of a rapid test sorry just one"
                toks, pos = counted, min(b, len(counted))
                continue
            start = _reparandum_start(keys[:b], toks[:b], keys[e:], toks[e:], kind, set_off)
        if start is None:  # ordinary words after all; its fillers still go ("road, um, actually reopen")
            kept = [toks[x] for x in range(b, e) if not is_filler(keys, x)]
            if len(kept) < e - b and not _words(toks[e:]) and all(token_key(t) in CONNECTORS | {""} for t in kept):
                kept = []  # "... on Tuesday or uh ?": nothing left to connect
            toks[b:e] = kept
            pos = b + len(kept)
            continue
        if start < b and _words(toks[:start]) + _words(toks[e:]) < 2 <= _words(toks[:b]):
            start = b  # a repair never leaves less than a question: only the editing term goes
        if kind == "strong" and start < b and [k for k in keys[e:e + 3] if k][:2] in (["the", "one"], ["that", "one"], ["the", "ones"]):
            start = b  # "the pool, I mean the one on Elm St": a clarification of what it names, not a swap
        if start < b and kind != "filler" and keys[start] in WH and next((k for k in keys[e:] if k), "") in WH:
            # round 59: a repair that points back keeps what the reparandum named ("when was it serviced" <- "the
            # boiler"; "who besides Ben" <- "Who besides Ana had the idea")
            p = next(x for x in range(e, len(toks)) if keys[x])  # the repair from its first word
            back = ellipsis(toks[start:b], toks[p:]) or resolve_pronoun(toks[start:b], toks[p:])
            if back is not None:
                toks[start:] = back
                pos = start
                continue
        # a trailing term typed with the question mark ("... late I mean?") leaves the mark
        mark = toks[e - 1][-1] if toks[e - 1][-1:] in "?!" and not _words(toks[e:]) else ""
        del toks[start:e]
        if mark and start > 0:
            toks[start - 1] = mark if toks[start - 1] in SET_OFF else toks[start - 1].rstrip(",;") + mark
        if kind == "filler" and start == b > 0 and set_off and next(
                (token_key(t) for t in toks[b:] if token_key(t)), "") not in WH | VERB_AUX:
            # "library, um, open": the comma goes with the filler; it stays before a clause ("lock, who sells",
            # "barbecues, uh, can you")
            if toks[b - 1][-1:] == "," and len(toks[b - 1]) > 1:
                toks[b - 1] = toks[b - 1][:-1]
            elif b < len(toks) and toks[b] == ",":
                del toks[b]
        if start == b > 0 and set_off and token_key(toks[b - 1]) in WH | {"many", "much"} and toks[b - 1][-1:] == ",":
            toks[b - 1] = toks[b - 1][:-1]  # a question word loses its comma with the term ("When, actually, does")
        if start < len(toks) and toks[start] in (",", ";") and start < b:  # the comma that set off the edit
            del toks[start]
        pos = start
    return " ".join(_drop_repeats(toks))


def _drop_repeats(toks: list[str]) -> list[str]:
    """The tokens without immediate repetitions ("the the rock", "in the in the") and leading punctuation."""
    out: list[str] = []
    for t in toks:
        if (out and token_key(t) == token_key(out[-1]) and not token_key(t).isdigit() and (token_key(t) or t == out[-1]) and
                not (t[:1].isupper() and out[-1][:1].isupper() and len(out) > 1)):
            continue  # "the the", ", ,"; a name may repeat a word ("Sorry Sorry", "Wait Wait Don't Tell Me")
        out.append(t)
    for size in (2, 3):
        i = 0
        while i + 2 * size <= len(out):
            a = [token_key(t) for t in out[i:i + size]]
            b2 = [token_key(t) for t in out[i + size:i + 2 * size]]
            if all(a) and a == b2:
                del out[i + size:i + 2 * size]
            else:
                i += 1
    # leading punctuation left by a cut
    while out and _is_punct(out[0]) and out[0] not in ('"', "'", "("):
        out.pop(0)
    return out
