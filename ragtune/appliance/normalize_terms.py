"""The editing terms of spoken / hastily typed questions and the guards that keep their ordinary uses fluent: the
tables `normalize.remove_disfluencies` reads (moved out of normalize.py in round 56, when they outgrew it).

Words are compared by their key: lower-case letters and digits only ("Law," -> "law")."""

from __future__ import annotations


def token_key(tok: str) -> str:
    """Comparison key of a token: lower-case letters/digits only ('Law,' -> 'law'); the disfluency stages' one."""
    return "".join(ch for ch in tok.lower() if ch.isalnum())


FILLERS = {"uh", "uhh", "uhm", "um", "umm", "er", "erm", "ehm", "hmm", "hm", "ah", "eh", "mm"}
# Editing phrases that mark a correction on their own.
STRONG = [
    ("or", "rather"), ("no", "wait"), ("wait", "no"), ("no", "sorry"), ("i", "mean"), ("i", "meant"),
    ("scratch", "that"), ("strike", "that"), ("let", "me", "rephrase"), ("my", "bad"), ("or", "no"),
    ("no", "no"), ("i", "intended"), ("sorry",), ("oops",), ("correction",), ("rather",), ("no",), ("instead",),
    # round 56
    ("never", "mind"), ("nevermind",), ("nope",), ("tell", "me", "instead"), ("what", "i", "meant", "was"),
    ("what", "i", "mean", "is"), ("what", "i", "wanted", "to", "ask", "was"), ("i", "meant", "to", "ask"),
    ("i", "meant", "to", "say"), ("i", "mean", "to", "say"), ("let", "me", "ask"), ("let", "me", "ask", "again"),
    ("let", "me", "ask", "that", "again"), ("let", "me", "ask", "it", "again"), ("let", "me", "start", "again"),
    ("let", "me", "start", "over"), ("let", "me", "try", "again"),
]
# Phrases that only act as editing terms next to a strong one ("or no make that", "oh no not that but"), after
# punctuation (", hang on, the 2008 final") or next to another of them ("actually, tell me who ...").
WEAK = [
    ("make", "that"), ("not", "that"), ("tell", "me"), ("wait",), ("actually",), ("oh",), ("well",),
    ("hold", "on"), ("hang", "on"), ("i", "guess"), ("like",), ("maybe",), ("more", "specifically"),
    ("answer", "me", "this"), ("i", "just", "want", "to", "know"), ("i", "want", "to", "know"),
]
# too common as ordinary words to open a run after a comma ("Is it, like, open?")
WEAK_NOT_FIRST = {"like", "maybe", "well"}
CONNECTORS = {"or", "and", "but", "so"}
# A discourse word between an editing term and a restarted question belongs to the edit ("or uh first what was ...")
DISCOURSE = {"so", "then", "first", "firstly", "now", "okay", "ok", "also", "anyway", "just"}
WH = {"what", "who", "whom", "whose", "when", "where", "why", "how", "which",
      "whats", "whos", "wheres", "whens", "hows", "whys"}  # "what's", "where's" typed
AUX = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "has", "have",
       "had", "name", "list", "give", "in", "on", "at", "during", "for", "from", "by", "to", "of"}
PREPOSITIONS = {"in", "on", "at", "for", "from", "by", "to", "of", "during"}
VERB_AUX = AUX - PREPOSITIONS  # what begins a new question ("does it ...", "list the ...")
# "no" is a determiner after these ("there is no water", "with no return", "still no hot water") and before these
# ("no longer").
NO_DET_BEFORE = {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "there", "with",
                 "without", "of", "in", "on", "at", "by", "for", "to", "and", "that", "which", "who", "gave",
                 "give", "got", "get", "make", "makes", "made", "take", "takes", "took", "leave", "leaves",
                 "left", "show", "shows", "showed", "see", "saw", "need", "needs", "needed", "want", "wants",
                 "under", "from", "into", "as", "if", "whether", "do", "does", "did", "yes",
                 "actually", "really", "still", "just", "almost", "definitely", "absolutely", "literally"}
NO_DET_AFTER = {"one", "longer", "more", "less", "matter", "doubt", "later", "sooner", "other", "fewer", "way",
                "man", "body", "thanks", "problem", "idea"}
RATHER_NOT_AFTER = {"would", "d", "had", "i", "we", "you", "they", "he", "she", "it", "id", "wed", "youd", "theyd"}
# A subject or a modal before "never mind" / "let me" / "tell me" makes them ordinary ("would you never mind",
# "will it let me", "can you tell me").
SUBJECT_OR_MODAL = {"i", "you", "we", "they", "he", "she", "it", "people", "to", "will", "would", "can", "could",
                    "should", "may", "might", "must", "do", "does", "did", "not", "please", "dont", "doesnt", "didnt",
                    "wont", "cant", "t", "ll", "d"}
# "no", "sorry", "nope" are words, not edits, after these ("can I say no", "feel sorry for"); "nope" also after
# NOPE_NOT_AFTER ("what does the nurse mean by nope"), "no" after an article unless set off ("the no side")
SAY_VERBS = {"say", "says", "said", "saying", "reply", "replies", "replied", "answer", "answers", "answered",
             "type", "typed", "feel", "feels", "felt"}
POLITE_AFTER_SORRY_TO = {"ask", "bother", "trouble", "say", "interrupt", "hassle", "chase", "nag", "pester"}
NOPE_NOT_AFTER = {"just", "a", "the", "by", "with", "means", "mean"}
# An editing word after these is mentioned as a word ("the word nope", "how do you spell never mind", "does the app
# accept nope", "is nevermind one word", "voted no"), not said to correct oneself.
MENTION_AFTER = SAY_VERBS | {
    "word", "words", "phrase", "term", "expression", "write", "writes", "wrote", "written", "writing", "spell",
    "spells", "spelled", "spelt", "spelling", "pronounce", "pronounces", "pronounced", "accept", "accepts",
    "accepted", "type", "types", "typing", "vote", "votes", "voted", "voting", "shout", "shouts", "shouted", "mean",
    "means"}
MENTIONABLE = {"no", "nope", "sorry", "never", "nevermind", "rather", "instead", "oops", "correction"}
COPULAS = {"is", "are", "was", "were", "be"}
FILLER_MENTION = {"word", "words", "phrase", "term", "expression", "spell", "spells", "spelled", "spelt", "pronounce",
                  "pronounces", "pronounced"}
OPEN_QUOTES = {"“", "‘", "«"}
CLOSE_QUOTES = {'"', "”", "’", "»"}
ARTICLES = {"a", "an", "the"}
DETERMINERS = ARTICLES | {"this", "that", "these", "those", "my", "your", "our", "their", "his", "her", "its"}
CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
            "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
# Function words: a repeated one is weak evidence of where a repair starts, and they are never "replaced".
FUNCTION_WORDS = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "is",
                  "are", "was", "were", "be", "been", "do", "does", "did", "has", "have", "had", "it", "its", "that", "this",
                  "these", "those", "as", "into", "than", "then", "there", "their", "his", "her", "they", "he", "she", "we",
                  "you", "i", "s", "not", "can", "could", "will", "would", "should", "may", "might", "must"}
CLAUSE_PUNCT = {",", ";", ":", "!", "?", "(", ")", "--", "—", "–"}
SET_OFF = (",", ";", "--", "—", "–")  # punctuation that sets an editing term off
APOSTROPHES = {"'", "’"}


def is_filler(keys: list[str], i: int) -> bool:
    """A filler, not "mm" after a number ("over 20 mm": millimetres) nor a unit or a word mentioned ("how many mm
    of rain", "mm Hg", "how many um in a metre", "the difference between um and uh")."""
    k = keys[i]
    if k not in FILLERS:
        return False
    prev = keys[i - 1] if i > 0 else ""
    nxt = keys[i + 1] if i + 1 < len(keys) else ""
    if (k == "mm" and prev[-1:].isdigit()) or (k in ("mm", "um") and (
            nxt == "hg" or (prev in ("many", "much") and nxt in ("of", "are", "is", "in", "per")))):
        return False
    if prev in FILLER_MENTION:
        return False
    return not ((nxt in ("and", "or") and keys[i + 2:i + 3] and keys[i + 2] in FILLERS) or
                (prev in ("and", "or") and i >= 2 and keys[i - 2] in FILLERS))


def words_before(keys: list[str], i: int, count: int) -> list[str]:
    """The last `count` words (keys) before position i, walking back only as far as needed (a list of all the
    words before every editing term made long inputs quadratic)."""
    out: list[str] = []
    j = i - 1
    while j >= 0 and len(out) < count:
        if keys[j]:
            out.append(keys[j])
        j -= 1
    return out[::-1]


def quoted_tokens(toks: list[str]) -> list[bool]:
    """Which tokens are quoted or inside a quotation ('Who sang "Sorry" in 2015?', 'the error "sorry, no such
    file"', 'between "um" and "uh"'): words mentioned, not said. Double quotes (straight or curly, guillemets) and
    curly single ones; a straight apostrophe is too often a possessive to open a quotation."""
    out, depth = [], 0
    for t in toks:
        opens = t[:1] in OPEN_QUOTES or (t[:1] == '"' and depth == 0)
        out.append(depth > 0 or opens or t.rstrip("?.!,;:")[-1:] in CLOSE_QUOTES)
        for ch in t:
            if ch == '"':
                depth = 0 if depth else 1
            elif ch in OPEN_QUOTES:
                depth += 1
            elif ch in CLOSE_QUOTES and ch != '"':
                depth = max(0, depth - 1)
    return out


def _name_word(toks: list[str], keys: list[str], i: int, n: int) -> bool:
    """Whether a capitalised editing word inside the sentence is a name or part of one ("Dr. No", "No Entry",
    "Rather Street", "Who played Sorry in ..."): not set off by a comma, a dash or a colon, nor followed by a new
    question ("What is the form No what is the deadline ?", "... the form ? No , what is ...")."""
    return (i > 0 and keys[i] != "i" and toks[i][:1].isupper() and not set_off_before(toks, keys, i) and
            toks[i - 1][-1:] != ":" and not wh_restart(keys, i + n))


def wh_restart(keys: list[str], at: int) -> bool:
    """Whether a question word with an auxiliary after it begins at keys[at], punctuation skipped ("what is ...",
    ", where can I ...")."""
    while at < len(keys) and not keys[at]:
        at += 1
    return at < len(keys) and keys[at] in WH and _restarts(keys, at)


def _neighbours(keys: list[str], i: int, n: int) -> tuple[str, str]:
    """The words (keys) before position i and after the phrase keys[i:i + n], "" at either end."""
    prev = next((keys[j] for j in range(i - 1, -1, -1) if keys[j]), "")
    nxt = next((keys[j] for j in range(i + n, len(keys)) if keys[j]), "")
    return prev, nxt


def _edit_follows(keys: list[str], at: int) -> bool:
    """Whether a strong editing phrase, a filler or a question word restarting a question follows at keys[at]
    (punctuation skipped): then "I mean" before it is said to correct oneself, not a verb with an object ("What I
    meant was clear" is one)."""
    while at < len(keys) and not keys[at]:
        at += 1
    return at < len(keys) and (is_filler(keys, at) or bool(match_phrase(keys, at, STRONG)) or wh_restart(keys, at))


def _restarts(keys: list[str], at: int) -> bool:
    """Whether a new question begins at keys[at]: an auxiliary ("does it ..."), or a question word with an auxiliary
    among the next three words ("which form do ..."), not an embedded question ("let me ask who else applied")."""
    words = [k for k in keys[at:] if k][:4]
    if not words:
        return False
    if words[0] in AUX and words[0] not in PREPOSITIONS:
        return True
    return words[0] in WH and any(w in AUX and w not in PREPOSITIONS for w in words[1:])


def strong_ok(keys: list[str], toks: list[str], i: int, n: int) -> bool:
    """Guards for the editing readings of ordinary words ("there is no water", "would rather", "instead of", the
    album "Nevermind", "will the school let me ask for ...")."""
    head = keys[i]
    prev, nxt = _neighbours(keys, i, n)
    if n == 1 and head in ("no", "sorry", "nope") and prev in SAY_VERBS:  # "can I say no", "feel sorry"
        return False
    if _name_word(toks, keys, i, n):
        return False  # "Was Dr. No the first Bond film?", "Is there a No Parking zone?", "Who played Sorry in ..."
    if head == "sorry" and n == 1 and nxt == "to" and keys[i + 2:i + 3] and keys[i + 2] in POLITE_AFTER_SORRY_TO:
        return False  # "Is the fee, sorry to ask, refundable?": an apology set off by commas, not a correction
    if head == "sorry" and toks[i][-1:] != "," and not set_off_before(toks, keys, i) and (
            nxt in ("to", "for", "about", "that", "but", "if") or
            prev in ("im", "am", "so", "very", "really", "too", "be")):
        return False  # "I'm sorry to ask, but ...": the adjective
    if head == "sorry" and n == 1 and prev in ("a", "such") and not set_off_before(toks, keys, i):
        return False  # "in such a sorry state", "a sorry excuse": the adjective (round 59)
    if head == "correction" and (not nxt or prev in DETERMINERS):
        return False  # "before the lab sent a correction."
    if keys[i:i + 2] == ["or", "no"] and not nxt:
        return False  # "Is the water safe to drink, or no?": a yes-or-no tag
    if not prev and (head == "tell" or (head in ("i", "what") and not _punct_after(toks, i + n) and
                                        nxt not in WH and nxt not in VERB_AUX)):
        return False  # "Tell me instead about ...", "I mean it: ...", "What I meant was clear in the email"
    if head in MENTIONABLE and not set_off_before(toks, keys, i) and not wh_restart(keys, i + n) and (
            prev in MENTION_AFTER or (head in ("nope", "nevermind", "never", "sorry") and prev in COPULAS)):
        return False  # "the phrase never mind", "write nope" (but "the expression no what is ..." restarts)
    if head == "i" and prev in ("do", "did", "does", "what", "how", "why", "can", "could") and not (
            set_off_before(toks, keys, i)) and not _edit_follows(keys, i + n):
        return False  # "What do I mean by gross income?" ("On how I mean rather what is ..." edits)
    if n == 1 and ((head == "nope" and prev in NOPE_NOT_AFTER) or
                   (head == "no" and prev in ARTICLES and toks[i] == "no" and toks[i - 1] not in (",", ";")
                    and toks[i - 1][-1:] not in ",;" and nxt not in WH)):
        return False  # "mean by nope", "led the no side" (but "in a, no, how do I ...", "the no who was ...")
    if (head == "no" and words_before(keys, i, 2) == ["yes", "or"]) or (
            keys[i:i + 2] == ["or", "no"] and prev == "yes"):
        return False  # "a yes or no answer"
    if n == 1 and head == "no":
        if nxt in WH and prev:  # "When did no who did ..." is a restart whatever precedes it
            return True
        after = next((j for j in range(i + 1, len(keys)) if keys[j]), len(keys))
        if prev and keys[after:after + 1] != ["no"] and match_phrase(keys, after, STRONG):
            return True  # "does the hostel have no I mean offer": "no" before another editing term
        if prev and _no_then_weak(keys, toks, i):
            return True  # round 59: "Who does , no actually , how many ...", "Where is no make that what time ..."
        if not prev or prev in NO_DET_BEFORE or nxt in NO_DET_AFTER or not nxt:
            return False
        if toks[i] in ("No", "No.") and nxt.isdigit():  # "No. 5"
            return False
    if n == 1 and head == "rather":
        if nxt == "than" or prev in RATHER_NOT_AFTER or "than" in keys[i + 1:i + 8]:
            return False  # "would anyone rather pay cash than card"
    if n == 1 and head == "instead":
        if nxt in ("of", "if", "when", "because", "so", "and", "or", "but", "") or (
                prev in ("do", "go", "use", "pay", "me")):
            return False  # "What should I do instead if ..."
    if n == 1 and head in ("rather", "instead") and (toks[i][-1:] == "." or toks[i + 1:i + 2] == ["."]):
        return False  # it ends a sentence ("... next year instead. Can the ticket ...")
    if head in ("never", "nevermind", "nope") and n <= 2:
        # inside the question, lower-case (a capital is a name: "Nevermind"), not "you never mind", "says nope";
        # a capital right after a sentence's end and set off by a comma edits ("the bank? Nope, where is ...")
        opens = toks[i - 1][-1:] in "?!." and _punct_after(toks, i + n) if i > 0 else False
        if not prev or not nxt or not (toks[i][:1].islower() or opens) or prev in SUBJECT_OR_MODAL:
            return False
    if head == "let" and keys[i + 2] != "rephrase":
        # "let me ask (again)" only before a new question: "will the school let me ask for a refund" lets
        if not prev or prev in SUBJECT_OR_MODAL or not (_restarts(keys, i + n) or _punct_after(toks, i + n)):
            return False
    return True


def _no_then_weak(keys: list[str], toks: list[str], i: int) -> bool:
    """Whether "no" at i is followed by a weak editing phrase ("actually", "make that") that is set off by commas
    with it before a new question (", no actually , how many ...") or followed by a restarted question ("no make
    that what time is ..."): "there is no actually good option" stays."""
    at = i + 1
    while at < len(keys) and not keys[at]:
        at += 1
    w = match_phrase(keys, at, WEAK) if at < len(keys) and keys[at] not in WEAK_NOT_FIRST else 0
    if not w:
        return False
    then = next((keys[x] for x in range(at + w, len(keys)) if keys[x]), "")  # "Is there , no actually , a charge?"
    return (set_off_before(toks, keys, i) and _punct_after(toks, at + w) and (then in WH or then in VERB_AUX)) or (
        wh_restart(keys, at + w))


def fronted_restart(rep_keys: list[str], rep_toks: list[str]) -> int:
    """Where a new question begins when the repair is a phrase of at most six words set off by a comma, then that
    question ("according to the 1955 review , what were ..."); 0 if it is not."""
    words = 0
    for x, (k, t) in enumerate(zip(rep_keys, rep_toks)):
        if not words and (not k or k in WH or (k in AUX and k not in PREPOSITIONS)):
            if k:
                return 0  # a plain restart: step 2's own rule
            continue  # the comma after the editing term
        if (not k and t in SET_OFF) or (k and t[-1:] in ",;"):
            return x + 1 if words + bool(k) <= 6 and _restarts(rep_keys, x + 1) else 0
        words += bool(k)
        if words > 6:
            return 0
    return 0


def set_off_before(toks: list[str], keys: list[str], i: int) -> bool:
    """Whether toks[i] follows a comma or dash, spaced ("did , actually") or typed on the word ("did, actually")."""
    if i == 0:
        return False
    return (keys[i - 1] == "" and toks[i - 1] in SET_OFF) or toks[i - 1][-1:] in ",;"


def rejected_end(keys: list[str], toks: list[str], i: int, j: int) -> int:
    """Where a strong run keys[i:j] ends when "not" and the words it rejects follow it, set off by a comma before a
    restarted question ("what time does the, no, not the pool, what time ..."); only where there is a question to
    restart ("the P240 one I mean, not the P120, what does a pack cost" keeps its P240). Else j."""
    at = next((x for x in range(j, len(keys)) if keys[x]), len(keys))
    if keys[at:at + 1] != ["not"] or not any(k in WH for k in words_before(keys, i, 6)):
        return j
    fronted = fronted_restart(keys[at:], toks[at:])
    return at + fronted if fronted else j


def same_kind_word(key: str, tok: str, rep_key: str, rep_tok: str) -> bool:
    """Whether the repair word rep_tok can replace tok: two content words, both names or neither, no question word
    ("sugar er salt", "low , oh wait , high")."""
    return (key not in FUNCTION_WORDS and rep_key not in FUNCTION_WORDS and key not in WH and rep_key not in WH and
            key not in ("many", "much") and tok[:1].isupper() == rep_tok[:1].isupper())  # "how many, um, staff"


def wait_run(keys: list[str], i: int, words: list[int]) -> bool:
    """Whether a comma-set run (its words at `words`) marks a correction with "wait": "oh wait", "hang on, wait", or
    a bare "wait" after a word in a modifier's place ("the small , wait , large box", "does low , wait , high");
    a bare "wait" after a verb is an instruction ("once it beeps, wait, unplug it")."""
    said = [keys[x] for x in words]
    if said in (["hold", "on"], ["hang", "on"]):
        said = ["wait"]  # round 57: a bare "hold on" / "hang on" is a bare "wait" ("the glass, hold on, batteries")
    if "wait" not in said:
        return False
    before = words_before(keys, i, 2)
    return len(said) > 1 or (len(before) == 2 and before[0] in DETERMINERS | (AUX - PREPOSITIONS))


def runs_on(rep_keys: list[str], rep_toks: list[str]) -> bool:
    """Whether the repair's first word runs on into the next word ("oh wait , high demand"), not a step in a list
    ("freezes, wait, restart, and ...") or a connector ("says, wait, so do I ...")."""
    first = next(x for x, k in enumerate(rep_keys) if k)
    return (rep_keys[first] not in CONNECTORS | DISCOURSE and rep_toks[first][-1:].isalnum() and
            bool(rep_keys[first + 1:first + 2]) and rep_keys[first + 1] not in ("", "it", "them"))  # "release it"


def _punct_after(toks: list[str], end: int) -> bool:
    """Whether the phrase ending before toks[end] is set off by a comma or dash ("let me ask again, ...")."""
    if end == 0 or end > len(toks):
        return False
    return toks[end - 1][-1:] in ",;" or (end < len(toks) and toks[end] in SET_OFF)


def chained_weak(keys: list[str], toks: list[str], i: int, n: int) -> bool:
    """Whether the weak phrase keys[i:i + n] is followed (punctuation between) by another editing phrase, so the
    two mark a correction together ("actually, tell me who ...", "hang on actually"); "can you tell me" stays."""
    if keys[i] in WEAK_NOT_FIRST:
        return False
    prev, _ = _neighbours(keys, i, n)
    if keys[i] == "tell" and (prev in SUBJECT_OR_MODAL or not prev):
        return False  # "can you tell me", and "Tell me instead about ..." asks
    j = i + n
    while j < len(keys) and keys[j] == "":
        j += 1
    if j >= len(keys) or keys[j] in WEAK_NOT_FIRST:
        return False
    if match_phrase(keys, j, WEAK):
        return True
    m = match_phrase(keys, j, STRONG)
    return bool(m) and strong_ok(keys, toks, j, m)


def lone_wait(keys: list[str], toks: list[str], i: int) -> bool:
    """A lone lower-case "wait" between two names ("Italian wait Spanish"), two numbers ("1887 wait 1897", not
    "12 wait 2 hours") or a word and a name ("populated wait Arden") is an editing term, like a filler; "the wait",
    "I wait", "patients wait inside", "wait for" are the verb or the noun."""
    if toks[i] != "wait" or i == 0 or i + 1 >= len(toks) or not keys[i - 1] or not keys[i + 1]:
        return False
    after, prev, nxt = toks[i + 1], keys[i - 1], keys[i + 1]
    if prev in FUNCTION_WORDS or prev in SUBJECT_OR_MODAL or prev in WH or nxt in FUNCTION_WORDS or nxt in WH:
        return False
    if prev.isdigit() and nxt.isdigit():
        # "12 wait 2 hours" is the verb, "the 3 wait 5 rule" a name
        then = toks[i + 2] if i + 2 < len(toks) else ""
        return not (then[:1].isalpha() and then[:1].islower() and keys[i + 2] not in FUNCTION_WORDS | WH)
    return after[:1].isupper() and nxt not in CALENDAR


WAIT_VERB_BEFORE = {"for", "until", "till", "til", "in", "at", "outside", "inside", "here", "there", "longer"}


def weak_match(keys: list[str], i: int) -> int:
    """match_phrase(keys, i, WEAK), but not the verb "wait" ("and wait for a table", "wait outside")."""
    if keys[i] == "wait" and keys[i + 1:i + 2] and keys[i + 1] in WAIT_VERB_BEFORE:
        return 0
    return match_phrase(keys, i, WEAK)


def match_phrase(keys: list[str], i: int, phrases: list[tuple[str, ...]]) -> int:
    """Length of the longest phrase starting at keys[i], 0 if none."""
    best = 0
    for ph in phrases:
        n = len(ph)
        if n > best and tuple(keys[i:i + n]) == ph:
            best = n
    return best


def possessive_head(keys: list[str], toks: list[str], last: int) -> int:
    """The word a split possessive belongs to: "Ahmed ' s" -> the index of "Ahmed" (the name and its "' s" are one
    word for a repair), else `last`."""
    if keys[last] == "s" and last >= 2 and toks[last - 1] in APOSTROPHES and keys[last - 2]:
        return last - 2
    return last
