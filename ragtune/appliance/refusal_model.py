"""The refusal model (`generate.refusal_model`): four refusal signals weighed together by one logistic model into
the probability that an "ok" answer is wrong.

Three signals have had a cut of their own: the model's P(refused) at the status value (`refusal_threshold`), the
evidence score of the context (evidence.py, `evidence_cut`) and the least likely answer token's log-probability
(sampler.py, `min_answer_logprob`). Cut one at a time they waste what they say together: a middling P(refused)
with a token the model hardly wanted is a likelier mistake than either alone. The fourth is read from the answer
itself (`answer_sentence`): how much of the question the sentence the answer was copied from is about. A span from
a sentence that names half the question's words answers a near miss ("the 1921 strike" for a question about 1926)
or another question. Fitted for the shipped adapter on questions of behaviour-corpus train domains it never trained
on (`benchmarks/status_probe.py study --features scalars+sentence`), the model ranked wrong answers above right ones
better than P(refused) alone on six held-out sets, but its task-success gain was not confirmed on fresh questions,
so no built-in adapter carries one yet (benchmarks/README.md, "Answer quality, round 33"). Its numbers belong to one
adapter's scales, so a built-in adapter's manifest carries them (`serving.refusal_model`, from its recipe's
`[serving.refusal_model]`) and "auto" serves them with that adapter only. A missing signal (a remote model
reports no log-probabilities; no evidence check without reranking) counts at its mean: it says nothing either way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .answer_tidy import tidied_span, tokenized
from .calibrated import is_number
from .text import content_words, prefix5

FEATURES = ("p_refused_logit", "evidence_score", "answer_min_logprob", "answer_sentence")
KEYS = ("features", "mean", "scale", "weights", "bias", "threshold")


# Finer than refusal.SENTENCE_END: a table row's cells and a list's lines are sentences of their own here (with
# the coarser split the feature ranked wrong answers worse: benchmarks/README.md, round 33).
_PIECE_END = re.compile(r"(?<=[.!?;])\s+|\n+|\s\|\s")


def answer_sentence(question: str, answer: str, cited: Sequence[str], context: Mapping[str, str]) -> float:
    """The share of the question's content words (5-letter prefixes) in the sentence holding the answer: the
    first occurrence (case-insensitive) in the cited sources, in citation order, else in any source; failing that,
    the first span of a tokenized source that the answer is served tidied from (answer_tidy: a recorded "5,000"
    read where its source has "5 , 000", as serving read the span before the tidy). 0.0 when no source holds it or
    either text has no content."""
    stems = [prefix5(w) for w in dict.fromkeys(content_words(question))]
    a = answer.strip().rstrip(".").lower()
    if not stems or not a:
        return 0.0
    texts = [context[c] for c in cited if c in context] + list(context.values())
    for text in texts:
        i = text.lower().find(a)
        if i >= 0:
            return _share(stems, text, i, i + len(a))
    for text in texts:  # only where no source holds it as written: an ordinary answer reads as before
        span = tidied_span(text, a) if tokenized(text) else None
        if span is not None:
            return _share(stems, text, *span)
    return 0.0


def _share(stems: list[str], text: str, i: int, j: int) -> float:
    """The share of `stems` in the piece of `text` that holds text[i:j]."""
    start = max([m.end() for m in _PIECE_END.finditer(text, 0, i)] or [0])
    end = _PIECE_END.search(text, j)
    have = {prefix5(w) for w in content_words(text[start:end.start() if end else len(text)])}
    return sum(s in have for s in stems) / len(stems)


def logit(p: float) -> float:
    """log(p / (1 − p)), p clamped to [1e-6, 1 − 1e-6]: P(refused) as the model reads it."""
    p = min(max(float(p), 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class RefusalModel:
    """P(wrong) = sigmoid(bias + Σ weight · (x − mean) / scale) over FEATURES; refuse above `threshold`."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def p_wrong(self, p_refused: float | None, evidence_score: float | None, answer_min_logprob: float | None,
                sentence: float | None) -> float:
        """`sentence`: answer_sentence() of the answer."""
        xs = (None if p_refused is None else logit(p_refused), evidence_score, answer_min_logprob, sentence)
        z = self.bias + sum(w * (float(x) - m) / s
                            for x, m, s, w in zip(xs, self.mean, self.scale, self.weights) if x is not None)
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def refuses(self, question: str, answer: str, cited: Sequence[str], context: Mapping[str, str], *,
                p_refused: float | None, evidence_score: float | None, answer_min_logprob: float | None) -> bool:
        """Refuse this "ok" answer ("uncertain")? `question`: the one the model read (normalized); `context`:
        source id -> text."""
        sentence = answer_sentence(question, answer, cited, context)
        return self.p_wrong(p_refused, evidence_score, answer_min_logprob, sentence) > self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias, "threshold": self.threshold}


def _number(v: Any) -> bool:
    """A finite number a float holds: is_number, and an integer past a float's range (10**400) is none."""
    try:
        return is_number(v)
    except OverflowError:
        return False


def parse(obj: Any) -> RefusalModel:
    """A refusal model from its JSON object; ValueError names the field that is wrong (the caller names the file)."""
    if not isinstance(obj, dict):
        raise ValueError("must be an object with " + ", ".join(KEYS))
    unknown = sorted(set(obj) - set(KEYS))
    missing = [k for k in KEYS if k not in obj]
    if unknown or missing:
        raise ValueError(f"unknown keys {unknown}" if unknown else f"missing keys {missing}")
    if obj["features"] != list(FEATURES):
        raise ValueError(f"'features' must be {list(FEATURES)}")
    for key in ("mean", "scale", "weights"):
        v = obj[key]
        if not (isinstance(v, list) and len(v) == len(FEATURES) and all(_number(x) for x in v)):
            raise ValueError(f"'{key}' must be {len(FEATURES)} finite numbers")
    if not all(s > 0 for s in obj["scale"]):
        raise ValueError("'scale' must be > 0")
    if not _number(obj["bias"]):
        raise ValueError("'bias' must be a finite number")
    if not (_number(obj["threshold"]) and 0 < obj["threshold"] < 1):
        raise ValueError("'threshold' must be a number between 0 and 1")
    return RefusalModel(tuple(float(x) for x in obj["mean"]), tuple(float(x) for x in obj["scale"]),
                        tuple(float(x) for x in obj["weights"]), float(obj["bias"]), float(obj["threshold"]))


__all__ = ["FEATURES", "RefusalModel", "answer_sentence", "logit", "parse"]
