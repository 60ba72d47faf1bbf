"""Question augmentation for dataset building: the same question as people also type it — disfluent, with
typos, or as lower-case keywords. Only the question changes: the answer, the evidence and the documents never do.
Deterministic given the random generator handed in (the builder seeds one per question)."""

from __future__ import annotations

import random
import re

KINDS = ("disfluent", "typo", "keywords")

from ragtune.appliance.text import STOPWORDS

# A keyword query also drops the conversational words people add around a question.
_STOP = STOPWORDS | frozenset("whom whose there their they he she his her please tell me know about any some much many".split())
_FILLERS = ("uh", "um", "er", "like", "you know", "I mean")
_WH = ("what", "when", "where", "which", "who", "how")
_KEYS = "qwertyuiop asdfghjkl zxcvbnm".split()


def _words(q: str) -> list[str]:
    return q.split()


def disfluent(q: str, rng: random.Random) -> str:
    """A spoken question: a false start corrected ("when was the, uh, no, where was …"), a filler, or a stutter."""
    w = _words(q)
    if len(w) < 3:
        return q
    form = rng.randrange(3)
    if form == 0:  # false start: the first few words with the question word swapped, then the real question
        n = min(len(w) - 1, rng.randint(2, 4))
        start = [x for x in w[:n]]
        wh = [i for i, x in enumerate(start) if x.lower().strip(",?") in _WH]
        if wh:
            i = wh[0]
            start[i] = rng.choice([x for x in _WH if x != start[i].lower().strip(",?")])
        else:
            start = start[:max(1, n - 1)]
        filler = rng.choice(("uh, no,", "sorry,", "no wait,", "um, I mean,"))
        return f"{' '.join(start).lower()}, {filler} {_lower_first(q)}"
    if form == 1:  # a filler in the middle
        i = rng.randint(1, len(w) - 1)
        return " ".join(w[:i] + [rng.choice(_FILLERS) + ","] + w[i:])
    i = rng.randint(0, min(2, len(w) - 1))  # a stutter: one of the first words repeated
    return " ".join(w[:i + 1] + [w[i].rstrip(",").lower()] + w[i + 1:])


def _lower_first(q: str) -> str:
    return q[:1].lower() + q[1:] if q[:2] != q[:2].upper() else q


def _typo_word(word: str, rng: random.Random) -> str:
    core = re.match(r"^(\W*)(\w+)(\W*)$", word)
    if not core or len(core.group(2)) < 4 or any(ch.isdigit() for ch in core.group(2)):
        return word
    pre, w, post = core.groups()
    i = rng.randint(1, len(w) - 2)
    op = rng.randrange(4)
    if op == 0:  # swap two neighbours
        w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
    elif op == 1:  # drop one
        w = w[:i] + w[i + 1:]
    elif op == 2:  # double one
        w = w[:i] + w[i] + w[i:]
    else:  # a neighbouring key
        row = next((r for r in _KEYS if w[i].lower() in r), None)
        if row:
            j = row.index(w[i].lower())
            w = w[:i] + row[min(len(row) - 1, max(0, j + rng.choice((-1, 1))))] + w[i + 1:]
    return pre + w + post


def typo(q: str, rng: random.Random) -> str:
    """One or two real-looking typos (never in numbers), and sometimes no capitals or final question mark."""
    w = _words(q)
    cand = [i for i, x in enumerate(w) if len(re.sub(r"\W", "", x)) >= 4 and not any(ch.isdigit() for ch in x)]
    for i in rng.sample(cand, min(len(cand), rng.choice((1, 1, 2)))):
        w[i] = _typo_word(w[i], rng)
    out = " ".join(w)
    if rng.random() < 0.4:
        out = out.lower()
    if rng.random() < 0.4:
        out = out.rstrip("?")
    return out


def keywords(q: str, rng: random.Random | None = None) -> str:
    """A terse lower-case keyword query: the content words in order, no punctuation."""
    toks = re.findall(r"[\w'’.-]+", q.lower())
    keep = [t.strip(".'’-") for t in toks if t.strip(".'’-") and t.strip(".'’-") not in _STOP]
    return " ".join(keep)


_FUNCS = {"disfluent": disfluent, "typo": typo, "keywords": keywords}


def variants(q: str, style: str, n: int, kinds: list[str] | tuple[str, ...], rng: random.Random) -> list[tuple[str, str]]:
    """Up to n (kind, question) variants, each different from the question and from each other; a kind equal
    to the question's own style (a terse question's keyword form) is skipped."""
    own = {"terse": "keywords", "typo": "typo", "disfluent": "disfluent"}.get(style)
    order = [k for k in kinds if k != own]
    rng.shuffle(order)
    out: list[tuple[str, str]] = []
    seen = {" ".join(q.lower().split())}
    for kind in order:
        if len(out) >= n:
            break
        v = _FUNCS[kind](q, rng).strip()
        key = " ".join(v.lower().split())
        if len(v.split()) >= 2 and key not in seen:
            seen.add(key)
            out.append((kind, v))
    return out
