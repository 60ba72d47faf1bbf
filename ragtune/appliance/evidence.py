"""Does the retrieved context hold an answer at all? The refusal decision made before the model is called.

Measured (benchmarks/README.md, "Answer quality, round 3"): the default 135M model's own P(refused) at the status token
does not tell answerable from unanswerable questions (AUC 0.47-0.51 on the corpus dev domains and disflqa-dev, base
and adapter alike), so a threshold on it refuses answerable questions at random. What does carry signal is the
served context itself:

- `best_sentence`: the largest share of the question's content words found together in one sentence of the
  context (a question about "the 1921 strike" over sources about "the 1926 strike" misses a word everywhere); a
  question that first sets out the asker's situation is read by the part that asks too (`asked_words`, round 58);
- `top_rerank`: the reranker's score of the top source (how much the best candidate looks like it answers);
- `number_missing`: 1 when a number the question names (a year, an amount, a model number) occurs nowhere in the
  context: "the 2019 season" over sources about 2018 and 2020. Added in round 4: on the corpus dev domains the
  model's AUC went 0.671 -> 0.705 with it (benchmarks/README.md, "Answer quality, round 4"). Every number of the
  question counts, the asker's own too: "a dose for my 14-month-old" over a leaflet from age 2 is such a miss
  (round 56 tried leaving out ages, arrival times and party sizes: no answer gained, one unanswerable let through).
  Numbers are read by numberwords.py: a source's "eleven" meets "11", its "2021-2022" the "2021-22" (round 57).

A logistic model over them (weights standardised, `evidence.json` beside the reranker it was fitted with,
since `top_rerank` is on that reranker's scale) gives a score; at or below `cut` the question is refused
("no_evidence") and the model is never called. The cut is fitted on the behaviour corpus's train domains as the
largest refusal set whose questions are at least half unanswerable there (`ragtune rerank fit-evidence`,
ragtune/models/evidence_fit.py): refusing there is right more often than not, the break-even whenever the model
answers fewer than all answerable questions right.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .acronyms import asked_acronyms, spelled
from .dateforms import date_words, dates, with_date_numbers
from .errors import ModelError, located, unreadable
from .jsonl import json_key_line, loads_located
from .normalize_terms import VERB_AUX, WH
from .numberwords import numbers_missing
from .quantities import asked as asked_amounts, met, with_amount_numbers
from .text import content_words, prefix5

FORMAT = 1
FEATURES = ("best_sentence", "top_rerank", "number_missing")  # what a model may use (its file names its own)
FILE = "evidence.json"
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_HEADING = re.compile(r"[ ]{0,3}(#{1,6})[ \t]+(\S.*)")  # a markdown heading line ("## 7. Village Hall roof")
_FENCE = re.compile(r"[ ]{0,3}(`{3,}|~{3,})")  # a code fence: its `# comment` lines are code, not headings


def _in_code(lines: list[str], fence: str) -> tuple[list[bool], bool]:
    """Whether each line is code (a fence line, or inside a ``` or ~~~ fence; `fence`: the one open at the start),
    and whether a fence is open at the end."""
    out: list[bool] = []
    for line in lines:
        f = _FENCE.match(line)
        if f and not fence:
            fence = f.group(1)
        elif f and f.group(1)[0] == fence[0] and len(f.group(1)) >= len(fence) and not line[f.end():].strip():
            out.append(True)  # closed by a bare run of its character, as long or longer
            fence = ""
            continue
        out.append(bool(fence))
    return out, bool(fence)


def _read_with(text: str) -> list[tuple[str, str]]:
    """(sentence, the headings it is read with) for each sentence of a chunk: the `#` lines the loaders write above
    it in the chunk (its section's and those it is under; a heading line itself, those it is under). A sentence of a
    section ("Plot 14 on Quarry Road has been untended…" under "## 9. Allotments") need not name what the section is
    about; its heading does (round 55, best_sentence). A `#` line inside a ``` or ~~~ fence is code (a shell or
    Python comment), not a heading (round 56). Only fences opened in the chunk count: a chunk cut inside a fence
    cannot be told from one that opens a bare fence and ends in it ("## Install\n```\n# a comment\nmake"), so its
    first lines are read as round 55 read them, headings kept (mend6: a guess dropped real headings)."""
    if "#" not in text:
        return [(s, "") for s in _SENTENCE_END.split(text)]
    starts: list[int] = []
    abouts: list[list[str]] = []
    heads: list[tuple[int, str]] = []  # (level, text), outermost first
    lines = text.splitlines(keepends=True)
    code = _in_code(lines, "")[0]
    pos = 0
    for line, in_code in zip(lines, code):
        m = None if in_code else _HEADING.match(line)
        if m:
            heads = [h for h in heads if h[0] < len(m.group(1))]
        starts.append(pos)
        abouts.append([h for _, h in heads])
        if m:
            heads.append((len(m.group(1)), m.group(2).strip()))
        pos += len(line)
    out, at = [], 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        end = m.start() if m else len(text)
        first, last = bisect_right(starts, at) - 1, bisect_right(starts, max(at, end - 1)) - 1
        out.append((text[at:end], " ".join(dict.fromkeys(h for a in abouts[max(first, 0):last + 1] for h in a))))
        at = m.end() if m else at
    return out


_PART_END = re.compile(r"([.!?;:])\s+")
_KEY = re.compile(r"[^a-z0-9]+")
# A word of the asking part that points back into the situation ("When was it founded?", "How much is it for her?",
# "is there a charge?"): that part's subject is the situation's, so read alone it let near misses through (a reader
# in round 58: 23 of 33 invented near misses rose, "tennis at the Harwood club. When was it founded?" 0.5 -> 1.0).
_POINTS_BACK = re.compile(r"\b(?:it|its|itself|they|them|their|theirs|themselves|he|him|his|himself|she|her|hers|"
                          r"herself|one|ones|this|that|these|those|there)\b", re.I)


def asked_words(question: str) -> list[list[str]]:
    """The question's content words (each once), and when it sets out the asker's situation in a part of its own
    before asking ("We're running a game jam at our community centre; how far ahead do we need to register?"),
    those of the part that asks too: the last part holding a question mark, else the last. The situation is the
    asker's, not the documents': its words diluted the share of the sentence that answers (round 58). A part ends
    at "?", ";" or ":", and at "." or "!" only before a question's first word (normalize_terms.WH, VERB_AUX), so
    "Dr. Patel" and "10 a.m. class" are not cut. The asking part is read only when it names its own subject: two
    content words or more and no word pointing back (`_POINTS_BACK`)."""
    words = list(dict.fromkeys(content_words(question)))
    bits = _PART_END.split(question.strip())
    parts = [bits[0]]
    for stop, part in zip(bits[1::2], bits[2::2]):
        first = _KEY.sub("", part.split(maxsplit=1)[0].lower()) if part.strip() else ""
        if stop in ".!" and first not in WH | VERB_AUX:
            parts[-1] += f"{stop} {part}"
        else:
            parts[-1] += stop
            parts.append(part)
    parts = [p for p in parts if content_words(p)]
    if len(parts) < 2:
        return [words]
    ask = next((p for p in reversed(parts) if "?" in p), parts[-1])
    own = list(dict.fromkeys(content_words(ask)))
    if len(own) < 2 or _POINTS_BACK.search(ask):  # "Where can I park?" after "My car is electric." is the car's
        return [words]
    return [words, own]


def features(question: str, hits: Sequence[Any]) -> dict[str, float] | None:
    """The features of a served context (hits in served order), or None when they cannot be computed: no hits,
    no content word in the question, or no reranker score on the top hit (reranking off)."""
    words = list(dict.fromkeys(content_words(question)))
    if not hits or not words or getattr(hits[0], "rerank", None) is None:
        return None
    groups = [[prefix5(w) for w in ws] for ws in asked_words(question)]
    best, acronyms, asked = 0.0, asked_acronyms(question), dates(question)  # no date asked: no date words
    amounts = asked_amounts(question)  # "a week", "30kg": met by "within 7 days", "20 kg and over" (quantities.py)
    for h in hits:
        for sentence, about in _read_with(h.text):
            read = f"{about} {sentence}" if about else sentence
            have = {prefix5(w) for w in content_words(read)}
            have |= {prefix5(w) for w in date_words(sentence, asked) | spelled(acronyms, sentence)}  # "3 March", "AGM"
            have |= {prefix5(w) for q in met(read, amounts) for w in q.words}
            best = max(best, *(sum(s in have for s in stems) / len(stems) for stems in groups))
    missing = numbers_missing(question, [with_amount_numbers(with_date_numbers(h.text, asked), amounts)
                                         for h in hits])  # numberwords, dateforms, quantities
    return {"best_sentence": best, "top_rerank": float(hits[0].rerank), "number_missing": float(missing)}


@dataclass(frozen=True)
class EvidenceModel:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    cut: float
    path: Path | None = None
    names: tuple[str, ...] = FEATURES  # the features it was fitted on, in order (a subset of FEATURES)

    def score(self, feats: dict[str, float]) -> float:
        """The logit of "answerable" (higher: more evidence)."""
        return self.bias + sum(w * (feats[f] - m) / s
                               for f, m, s, w in zip(self.names, self.mean, self.scale, self.weights))

    def holds(self, question: str, hits: Sequence[Any], cut: float | None = None) -> tuple[bool, float | None]:
        """(the context may hold the answer, its score); True when the features cannot be computed. `cut`: instead
        of the fitted one (`generate.evidence_cut`, a value calibrated for the adapter served after this check)."""
        feats = features(question, hits)
        if feats is None:
            return True, None
        s = self.score(feats)
        return s > (self.cut if cut is None else cut), s

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {"format": FORMAT, "features": list(self.names), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias, "cut": self.cut, **extra}


def _finite(x: Any) -> bool:
    try:
        return isinstance(x, (int, float)) and math.isfinite(x)
    except OverflowError:  # an integer past a float's range (10**400 in the file)
        return False


def _numbers(spec: dict[str, Any], key: str, n: int, where: str) -> tuple[float, ...]:
    v = spec.get(key)
    if not isinstance(v, list) or len(v) != n or not all(_finite(x) for x in v):
        raise ModelError(f"{where}: '{key}' must be a list of {n} numbers")
    return tuple(float(x) for x in v)


def load(path: Path) -> EvidenceModel:
    """An evidence.json, validated (a bad file names itself; unknown keys are allowed only under "fitted")."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # a byte that is not UTF-8: its line and column
        raise ModelError(unreadable(path, exc, "cannot read the evidence model")) from None
    spec = loads_located(text, path, "invalid evidence model JSON", error=ModelError)

    def at(key: str | None = None) -> str:  # `file:line` of a key (evidence.json is written indented)
        return located(path, json_key_line(text, key) if key and isinstance(spec, dict) and key in spec else None)

    names = spec.get("features") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or spec.get("format") != FORMAT or not isinstance(names, list) or not names \
            or not all(isinstance(f, str) and f in FEATURES for f in names) or len(set(names)) != len(names):
        where = at("format" if isinstance(spec, dict) and spec.get("format") != FORMAT else "features")
        raise ModelError(f"{where}: not an evidence model of format {FORMAT} over features of {list(FEATURES)}",
                         hint="refit it: ragtune rerank fit-evidence")
    unknown = set(spec) - {"format", "features", "mean", "scale", "weights", "bias", "cut", "fitted"}
    if unknown:
        raise ModelError(f"{at(sorted(unknown)[0])}: unknown keys {sorted(unknown)}")
    n = len(names)
    mean, scale, weights = (_numbers(spec, k, n, at(k)) for k in ("mean", "scale", "weights"))
    if any(s <= 0 for s in scale):
        raise ModelError(f"{at('scale')}: 'scale' must be positive")
    for k in ("bias", "cut"):
        if not _finite(spec.get(k)):
            raise ModelError(f"{at(k)}: '{k}' must be a number")
    return EvidenceModel(mean, scale, weights, float(spec["bias"]), float(spec["cut"]), path, tuple(names))


def for_reranker(folder: str) -> EvidenceModel | None:
    """The evidence model fitted with the reranker in `folder` (its evidence.json), or None (no check)."""
    if not folder:
        return None
    p = Path(folder) / FILE
    return load(p) if p.is_file() else None


__all__ = ["FEATURES", "FILE", "EvidenceModel", "features", "for_reranker", "load"]
