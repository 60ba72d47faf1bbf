"""The learned reranker: a linear listwise model over cheap features of each fused candidate, trained on a
corpus's own labelled questions (`ragtune rerank train`, ragtune/models/rerank_ltr.py) and run here with numpy.

Why not a cross-encoder: reading 20 candidates of ~150 tokens through even two MiniLM layers costs ~0.45 s of CPU
per query (measured, benchmarks/README.md), 15x the 30 ms budget, and the one trained on this project's data
stayed near random. What decides relevance here is whether a chunk holds the *sentence* that answers the question,
which the fused score (a whole-chunk similarity) sees only dimly. The features look for that sentence:

- the fused score and each retriever's score, standardised over the candidate list, and the fused rank;
- query-term coverage of the chunk, of its best sentence and best two-sentence window, and of its title, with
  terms weighted by an IDF over the candidate list itself (a word that every candidate shares, such as the
  name of the thing asked about, says nothing about *which* candidate answers; a rare one does);
- query bigrams found in order; the original (disfluent) wording's extra terms;
- a question's acronym that a sentence spells out and a date it writes in another form count as its words there
  (`other_forms`, round 59: the keyword index meets them, and the chunk it found by them is the one to serve);
- the question's type (who / when / how many / where / which / other) crossed with what the best sentence holds
  that the question does not: a number, a year, a capitalised name (the answer's slot filled);
- document context: whether the chunk is its document's best candidate and the rank of that document.

All features are relative to the candidate list, so the model transfers across corpora and list lengths.
Scoring 20 candidates costs a few ms of CPU (benchmarks/README.md).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .acronyms import asked_acronyms, spelled
from .dateforms import MONTH_NAMES, dates
from .errors import ModelError
from .jsonl import loads_located
from .scripts import OTHER_SCRIPT
from .text import STOPWORDS, folded, stem, words

FORMAT = 1
KIND = "features"
QTYPES = ("who", "when", "howmany", "where", "which", "other")
FEATURES = (
    "fused_z", "fused_inv_rank", "fused_log_rank", "bm25_z", "bm25_found", "vector_z", "vector_cos",
    "cover_idf", "cover_terms", "cover_original", "cover_title", "best_sentence", "best_window", "bigrams",
    "doc_best_chunk", "doc_is_top", "doc_inv_rank", "doc_log_chunks", "log_length", "sentence_new_share",
) + tuple(f"{t}_{a}" for t in QTYPES for a in ("number", "year", "name"))

_WORD = re.compile(r"[0-9a-z]+")
_SENT = re.compile(r"(?<=[.!?])\s+|\n+")
_CAP = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
_YEAR_TOKEN = re.compile(r"(?:1[5-9]|20)\d\d")
_TYPE_RULES = (
    ("howmany", re.compile(r"\bhow (many|much|long|far|large|big|old|tall|high|deep|thick|often|fast|wide|heavy)\b|"
                           r"\bwhat (is|was) the (number|cost|price|size|length|population|percentage|rate)\b|"
                           r"\bnumber of\b")),
    ("when", re.compile(r"\bwhen\b|\bwhat (year|date|time|day|month)\b|\bwhich (year|date|day|month)\b")),
    ("who", re.compile(r"\bwho\b|\bwhom\b|\bwhose\b")),
    ("where", re.compile(r"\bwhere\b")),
    ("which", re.compile(r"\bwhich\b|\bwhat\b")),
)


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words (stopwords dropped), in order; accents folded first (`text.folded`, as
    the keyword index reads words): an ASCII-only word pattern split "björn" into "bj" + "rn", so a question typed
    "Bjorn" never met its source's name. ASCII text is unchanged. A text with another script than Latin is read
    as `text.words` reads it (round 49: the ASCII-only pattern found no word at all in Greek, Cyrillic, Arabic, Hebrew,
    Indic, Thai, CJK or Hangul text, so every coverage feature was 0 and the top source's score too low for the
    evidence check: answerable questions were refused); its Latin words as before."""
    if text.isascii() or not OTHER_SCRIPT.search(text):
        return [stem(t) for t in _WORD.findall(folded(text.lower())) if t not in STOPWORDS]
    return [stem(t) for w in words(text) for t in (_WORD.findall(w) if w.isascii() else (w,)) if t not in STOPWORDS]


_DAY_NUMBER = re.compile(r"0?(\d{1,2})(?:st|nd|rd|th)?")


def _day_or_month(term: str, day: int, month: int) -> bool:
    """Whether a question's term names the date's day or month: "11th", "03", "march", "mar"."""
    m = _DAY_NUMBER.fullmatch(term)
    if m:
        return int(m.group(1)) in (day, month)
    return not term.isdigit() and len(term) >= 3 and MONTH_NAMES[month - 1].startswith(term)


def other_forms(query: str, qt: Sequence[str]) -> Callable[[str], set[str]] | None:
    """A function from a sentence to the question's terms (`qt`) it writes in another form than the question: an
    acronym the question writes in capitals that the sentence spells out ("AGM": "Annual general meeting"), a date
    the question asks that the sentence writes otherwise ("11th of March": "2026-03-11"). The keyword index meets
    both (acronyms.py, dateforms.py: its FORMS field), the coverage features did not: the chunk BM25 found by them
    covered none of a short question's words and the reranker put chunks that cover nothing either, but hold a
    date or a number, above it (round 59: "when is the AGM"). None when the question writes neither (no cost)."""
    acronyms, asked = asked_acronyms(query), dates(query)
    by_acronym = {a: [t for t in qt if t == stem(a)] for a in acronyms}
    by_date = {(d, m, y): ([t for t in qt if _day_or_month(t, d, m)], [t for t in qt if y and t == y])
               for d, m, y in asked}
    by_acronym = {a: ts for a, ts in by_acronym.items() if ts}
    by_date = {k: ts for k, ts in by_date.items() if ts[0]}
    if not by_acronym and not by_date:
        return None

    def met(sentence: str) -> set[str]:
        out: set[str] = set()
        for a in spelled(set(by_acronym), sentence) if by_acronym else ():
            out.update(by_acronym[a])
        if by_date and any(c.isdigit() for c in sentence):
            for d, m, y in dates(sentence):  # the same day: a year only where both write one
                for (qd, qm, qy), (day_month, year) in by_date.items():
                    if (d, m) == (qd, qm) and (not y or not qy or y[-2:] == qy[-2:]):
                        out.update(day_month + (year if y else []))
        return out

    return met


def question_type(question: str) -> str:
    q = question.lower()
    for name, rule in _TYPE_RULES:
        if rule.search(q):
            return name
    return "other"


def _z(values: Sequence[float]) -> np.ndarray:
    from .fusion import zscores

    return zscores(values)


def _z_missing(values: Sequence[float | None]) -> np.ndarray:
    """z-scores with a missing value (not found by that retriever) at the list's lowest score."""
    present = [v for v in values if v is not None]
    floor = min(present) if present else 0.0
    return _z([floor if v is None else float(v) for v in values])


def candidate_features(query: str, hits: Sequence[Any], original: str | None = None) -> np.ndarray:
    """[len(hits), len(FEATURES)] for fused candidates `hits` (best first; objects with .text, .title, .doc_id,
    .fused, .bm25_score, .vector_score), the normalised `query` and, when it differs, the `original` wording."""
    n = len(hits)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    qt = list(dict.fromkeys(terms(query)))
    qset = set(qt)
    ot = [t for t in dict.fromkeys(terms(original)) if t not in qset] if original else []
    qnums = {t for t in qt if _DIGIT.search(t)}
    q_has_year = any(_YEAR_TOKEN.fullmatch(t) for t in qnums)
    qbigrams = set(zip(qt, qt[1:]))
    qtype = QTYPES.index(question_type(query))
    also = other_forms(query, qt)
    # per hit: sentences (text, term set), body terms, title terms
    parsed = []
    for h in hits:
        sents = [s for s in _SENT.split(h.text) if s.strip()] or [h.text]
        st = [terms(s) for s in sents]
        body = [t for ts in st for t in ts]
        ssets = [set(ts) | also(s) for s, ts in zip(sents, st)] if also else [set(ts) for ts in st]
        parsed.append((sents, ssets, body, set(terms(h.title or ""))))
    df: dict[str, int] = {}
    for _, ssets, _, title in parsed:
        seen = set().union(*ssets) | title
        for t in seen.intersection(qt + ot):
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in qt + ot}
    wsum = sum(idf[t] for t in qt) or 1.0
    osum = sum(idf[t] for t in ot) or 1.0

    def cover(words: set[str]) -> float:
        return sum(idf[t] for t in qt if t in words) / wsum

    fused = _z([h.fused for h in hits])
    bm = _z_missing([h.bm25_score for h in hits])
    vec = _z_missing([h.vector_score for h in hits])
    first_of_doc: dict[int, int] = {}
    count_of_doc: dict[int, int] = {}
    for i, h in enumerate(hits):
        first_of_doc.setdefault(h.doc_id, i)
        count_of_doc[h.doc_id] = count_of_doc.get(h.doc_id, 0) + 1
    doc_rank = {d: r for r, d in enumerate(sorted(first_of_doc, key=first_of_doc.__getitem__))}
    for i, (h, (sents, ssets, body, title)) in enumerate(zip(hits, parsed)):
        words = set().union(*ssets) | title
        covs = [cover(s) for s in ssets]
        b = int(np.argmax(covs))
        window = max([covs[0]] + [cover(a | c) for a, c in zip(ssets, ssets[1:])])
        best_text, best_set = sents[b], ssets[b]
        has_num = any(_DIGIT.search(t) and t not in qnums for t in best_set)
        has_year = bool(_YEAR.search(best_text)) and not q_has_year
        has_name = bool({w.lower() for w in _CAP.findall(best_text)} - qset)
        new_share = len(best_set - qset) / max(1, len(best_set))
        d = h.doc_id
        row = [fused[i], 1.0 / (i + 1), math.log(i + 1), bm[i], float(h.bm25_score is not None), vec[i],
               float(h.vector_score or 0.0), cover(words), sum(1 for t in qt if t in words) / max(1, len(qt)),
               sum(idf[t] for t in ot if t in words) / osum if ot else 0.0, cover(title), covs[b], window,
               len(qbigrams & set(zip(body, body[1:]))) / len(qbigrams) if qbigrams else 0.0,
               float(first_of_doc[d] == i), float(doc_rank[d] == 0), 1.0 / (1 + doc_rank[d]),
               math.log(count_of_doc[d]), math.log(1 + len(body)), new_share]
        out[i, : len(row)] = row
        base = len(row) + 3 * qtype
        out[i, base: base + 3] = (float(has_num), float(has_year), float(has_name))
    return out


class FeatureReranker:
    """A trained linear model over `candidate_features` (folder with reranker.json, kind "features").

    `score_hits(query, hits, original)` -> one score per hit; `weight` is the interpolation weight of its
    (standardised) score against the fused score fitted at training time; `top` the list length it learned on."""

    def __init__(self, model_dir: str | Path):
        path = Path(model_dir).expanduser()
        path = path / "reranker.json" if path.is_dir() else path
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the reranker: {exc}") from None
        spec = loads_located(raw, path, "cannot read the reranker: invalid JSON", error=ModelError)
        self.path = path
        if not isinstance(spec, dict) or spec.get("kind") != KIND:
            raise ModelError(f"{path}: not a feature reranker (kind {KIND!r})")
        names = spec.get("features")
        if spec.get("format") != FORMAT or names != list(FEATURES):
            raise ModelError(f"{path}: trained with other features (format {spec.get('format')}); "
                             f"this ragtune computes format {FORMAT}", hint="retrain it: ragtune rerank train")
        try:
            self.mean = np.asarray(spec["mean"], dtype=np.float64)
            self.scale = np.asarray(spec["scale"], dtype=np.float64)
            self.coef = np.asarray(spec["weights"], dtype=np.float64)
            self.weight = float(spec.get("weight", 1.0))
            self.top = int(spec.get("top", 20))
        except (KeyError, TypeError, ValueError):
            raise ModelError(f"{path}: malformed reranker (mean, scale, weights)") from None
        if not (self.mean.shape == self.scale.shape == self.coef.shape == (len(FEATURES),)) or not 0 <= self.weight <= 1:
            raise ModelError(f"{path}: malformed reranker (vector lengths or weight)")

    def score_hits(self, query: str, hits: Sequence[Any], original: str | None = None) -> list[float]:
        if not hits:
            return []
        x = (candidate_features(query, hits, original) - self.mean) / self.scale
        return (x @ self.coef).tolist()

    def close(self) -> None:
        pass


def model_spec(mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, *, weight: float, top: int,
               **extra: Any) -> dict[str, Any]:
    """The reranker.json of a feature model (what FeatureReranker reads)."""
    return {"format": FORMAT, "kind": KIND, "features": list(FEATURES), "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale], "weights": [round(float(v), 6) for v in weights],
            "weight": round(float(weight), 4), "top": int(top), **extra}
