"""The runtime refusal check: the last stage before an answer is emitted (`refusal_check`).

An "ok" answer over a non-empty context becomes a refusal when:
- the model's own P(refused) at the status value exceeded `generate.refusal_threshold` ("model"; the decoder
  already takes that branch, this also covers a generator that only reports the probability);
- the least likely token of the answer had a log-probability below `generate.min_answer_logprob`
  ("low_confidence": the model was steered or guessing there; sampler.py records it);
- extractive mode: the answer is not a span of a source's clean text ending at a word end ("not_extractive"). The
  decoder makes this impossible; the check covers an answer closed by the token budget or a relaxed step: it is
  trimmed to its longest prefix that is such a span, unless that drops more than half of it;
- extractive mode: the sentence the span was copied from shares too few of the question's content words
  (`relevance` < `generate.min_relevance`, "off_topic"): the span answers something else;
- extractive mode: a naming word of the question is missing from that sentence (read under its document's title and
  headings), which holds a rival in its place ("other_subject", near_miss.py): "the north depot" from "the south depot";
- its content words are all words of the question ("echo", `generate.refuse_echo`): "the Mongols" for "Who did
  the Mongols send?" repeats the question instead of answering it (a choice question, "A or B?", is exempt: its
  answer is one of the options);
- it cites nothing ("no_citations"); citations are then pruned to the sources that hold the answer: an
  extractive answer cites the cited sources that contain the span (or, if it cited none of them, all that do); a
  free answer keeps the cited sources that add content words of the answer no other kept source holds
  (`supporting`), and none left is "unsupported";
- one of its content words occurs only in instruction-like text of the sources ("injection", injection.py; judged
  before "unsupported" and "not_extractive": an answer copied from a fenced payload says so, round 53);
- too few of its content words occur in the clean text of the sources it still cites ("unsupported",
  `generate.min_support`). Support is judged by the sources that hold the answer's words, without their
  instruction-like text, never by the union of everything cited.
A refusal of those that come from matching the question's words with the sources is "language" instead when the
question is in another language than its sources (`other_language`): a German question over English documents
shares no word with them, so "the sources are not about the question" would be untrue and asking again in the
documents' language is what helps. An answer is never changed by it, only the reason a refusal gives.
A refusal always carries `prompt.REFUSAL_TEXT` and no citations. With an empty context (the tune-only eval arm)
"ok" answers are not grounding-checked.

This check and the eval grader's support metric (`ragtune.appliance.eval.metrics.support_score`) differ on purpose:
the runtime one is lenient (a 0.34 share, 5-letter prefixes for inflections) because it decides what a user sees;
the grader is strict (0.75, suffix stemming) because it measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, Sequence

from .calibrated import CALIBRATED
from .faqpairs import MAX_BACK, asked_before
from .injection import SourceView, source_view
from .near_miss import other_subject
from .normalize import language
from .prompt import REFUSAL_TEXT
from .scripts import AR_OR_HE, FUNCTION_WORDS, HIRAGANA, LONE_PAIRED, OTHER_SCRIPT, PAIRED, strip_prefixes
from .sentences import SENTENCE_END, Place, located  # noqa: F401  (SENTENCE_END: re-exported)
from .text import content_words
from .text import words as text_words
from .types import ContextItem


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    return frozenset(w for f in FUNCTION_WORDS for w in text_words(f))  # as the checks read them (folded, one spelling)


def _content(text: str) -> list[str]:
    """The content words the checks below match (text.content_words), less the function words of other scripts
    (scripts.FUNCTION_WORDS; a Japanese unit with hiragana in it): "में" and "ます" are in every sentence (round 51).
    Latin text: content_words exactly."""
    found = content_words(text)
    if text.isascii() or not OTHER_SCRIPT.search(text):
        return found
    fw = _function_words()
    return [w for w in found if w not in fw and not HIRAGANA.search(w)]


def support_score(answer: str, sources: list[str]) -> float:
    """Share of the answer's content words that occur in the sources (1.0 when the answer has none,
    e.g. "Yes.": nothing to contradict lexically)."""
    words = _content(answer)
    if not words:
        return 1.0
    # tolerate simple inflection: "built" vs "build", "cities" vs "city" (5-letter prefixes, `_hits`)
    return sum(_hits(words, set(_content(" ".join(sources))))) / len(words)


def _hits(words: list[str], vocab: set[str]) -> list[bool]:
    stems = {w[:5] for w in vocab if len(w) >= 5}
    hit = [w in vocab or (len(w) >= 5 and w[:5] in stems) for w in words]
    if not all(hit) and any(not h and AR_OR_HE.search(w) for w, h in zip(words, hit)):
        # Arabic and Hebrew write "the", "and", "in" on the word: "السياسه" is "سياسه", "המדיניות" "מדיניות" (round
        # 51: the right span's sentence met none of the question's words, "off_topic")
        bare = {strip_prefixes(v) for v in vocab}
        hit = [h or strip_prefixes(w) in bare for w, h in zip(words, hit)]
    return hit




def tainted_words(answer: str, views: Sequence[SourceView]) -> list[str]:
    """The answer's content words that occur in instruction-like text of the sources and nowhere in their clean
    text: a sign that the answer follows an injected instruction."""
    words = _content(answer)
    if not words or not any(v.has_injection for v in views):
        return []
    clean = set(_content(" ".join(v.clean for v in views)))
    bad = set(_content(" ".join(q for v in views for q in v.quarantined)))
    return [w for w, ok, inj in zip(words, _hits(words, clean), _hits(words, bad)) if inj and not ok]


def supporting(answer: str, cited: Sequence[tuple[str, SourceView]]) -> list[str]:
    """The cited sources that support the answer: greedily, the source holding most of the answer's content words
    not yet held by an earlier pick (ties: context order), until no source adds one. A source that only repeats
    words another already supplies is dropped, so six related passages that all mention "Warsaw" do not all get
    cited for "Warsaw is the most diverse city". Returned in context order. An answer without content words keeps
    every cited source."""
    words = set(_content(answer))
    if not words:
        return [cid for cid, _ in cited]
    held = {cid: {w for w, h in zip(sorted(words), _hits(sorted(words), set(_content(v.clean)))) if h}
            for cid, v in cited}
    left, picked = set(words), []
    while left:
        cid = max(held, key=lambda c: (len(held[c] & left), -list(held).index(c)))
        gain = held[cid] & left
        if not gain:
            break
        picked.append(cid)
        left -= gain
    return [cid for cid, _ in cited if cid in picked]


def relevance(question: str, span: str, views: Sequence[SourceView]) -> float:
    """How much the text an extractive answer was taken from is about the question: the largest share of the
    question's content words found in a sentence holding the span (over the sources it cites), read with the FAQ
    question it answers where it is one's answer (faqpairs.asked_before, round 51: "25 days a year." after "How
    many days of leave do I get?" shares no word with "How much annual leave is there?"). A span copied from a
    sentence that shares no word with the question answers something else. 1.0 when the question has no content
    words."""
    words = _content(question)
    if not words:
        return 1.0
    best = 0.0
    for place in _located(span, views):
        seg, starts, sentence = place.text, place.starts, place.sentence
        near = starts[-MAX_BACK - 1:]  # the starts of the sentences before it, and its own
        asked = asked_before([seg[a:b] for a, b in zip(near, near[1:])], sentence)
        best = max(best, sum(_hits(words, set(_content(sentence if asked is None else f"{asked} {sentence}"))))
                   / len(words))
    return best


def span_sentences(span: str, views: Sequence[SourceView]) -> Iterator[tuple[str, int]]:
    """(sentence, where the span starts in it) for every occurrence of `span` in the sources' clean text."""
    for place in _located(span, views):
        yield place.sentence, place.at - place.starts[-1]


def _located(span: str, views: Sequence[SourceView]) -> Iterator[Place]:
    """Every occurrence of `span` in the sources' clean text (sentences.located)."""
    return located(span, (seg for v in views for seg in v.segments))


PROXIMITY_WINDOW = 3  # words on each side of the span (candidates.py)
_TOKEN = re.compile(r"\w+(?:[.,']\w+)*")  # "1,175", "3.5" and "don't" are one word each


def proximity(question: str, span: str, views: Sequence[SourceView]) -> float:
    """The largest share of the question's content words found within PROXIMITY_WINDOW words before or after the
    span, in a sentence of the sources holding it (0.0 when none does, or the question has no content words)."""
    words = _content(question)
    if not words:
        return 0.0
    best = 0.0
    for sentence, at in span_sentences(span, views):
        near = _TOKEN.findall(sentence[:at])[-PROXIMITY_WINDOW:] + \
            _TOKEN.findall(sentence[at + len(span):])[:PROXIMITY_WINDOW]
        joined = " ".join(near)  # (a space is no letter of OTHER_SCRIPT: the test the "".join of the words had)
        if OTHER_SCRIPT.search(joined):
            seen = set(_window(sentence[:at], sentence[at + len(span):]))
        else:  # Latin as before
            seen = {w.lower() for w in near}
        best = max(best, sum(_hits(words, seen)) / len(words))
    return best


def _window(before: str, after: str) -> list[str]:
    """The words next to a span in another script, counted as the checks read them (round 51): `\\w+` cut Hindi
    and Thai at every vowel sign (the window was three letters: Hindi proximity was always 0) and took a Han run
    whole (the window was the sentence). A unit of a paired script is a pair, half a word: twice as many."""
    b, a = _content(before), _content(after)
    nb = PROXIMITY_WINDOW * (2 if PAIRED.search(before[-12:]) else 1)
    na = PROXIMITY_WINDOW * (2 if PAIRED.search(after[:12]) else 1)
    return b[-nb:] + a[:na]  # (nb >= PROXIMITY_WINDOW > 0)


def said(question: str, span: str) -> float:
    """The share of the question's content words that the span itself holds (0.0 when the question has none): an
    extractive answer is the part the question does not say, so a span that repeats the question is usually the
    whole sentence around the answer ("The standard working week … is 37.5 hours, …" for "37.5 hours")."""
    words = _content(question)
    return sum(_hits(words, set(_content(span)))) / len(words) if words else 0.0


_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)


def echoes(question: str, answer: str) -> bool:
    """True when every content word of the answer is a word of the question (5-letter prefixes for inflections):
    the answer repeats what was asked. In extractive QA the answer is the part the question does not say. A
    choice question ("... A or B?") answers with one of its own words, so it never echoes."""
    words = _content(answer)
    if not words or _CHOICE.search(question):
        return False
    if not answer.isascii():
        # a lone Han, kana or Hangul character between punctuation ("问：" before a copied question) is no word of
        # its own: the pairs are (round 51)
        words = [w for w in words if not LONE_PAIRED.fullmatch(w)] or words
    return all(_hits(words, set(_content(question))))


@dataclass
class Verdict:
    """What the refusal check decided: the emitted status, text and cited ids, and why it refused (or None)."""

    status: str
    text: str
    citations: list[str]
    reason: str | None = None


def keyed(key: str, value: Any) -> bool:
    """Whether a `[generate]` value belongs in what identifies answers (answer-cache keys, eval run ids, reports):
    all do except `adapter_scale` at "auto" or 1.0, the adapter as trained, so keys made before it existed hold."""
    return key != "adapter_scale" or value not in ("auto", 1.0)


def resolve_serving(key: str, setting: float | str, adapter_id: str | None,
                    override: float | None = None) -> float | None:
    """A `[generate]` value calibrated per adapter (calibrated.CALIBRATED: `refusal_threshold`, `min_answer_logprob`,
    `evidence_cut`, `answer_candidates`, `adapter_scale`) as it is in force: the setting as set ("off": None), or
    for "auto" `override` (an eval's --adapter-refusal-threshold, --adapter-min-answer-logprob,
    --adapter-evidence-cut, --adapter-answer-candidates, --adapter-scale) or else the value of the adapter being
    served (a built-in adapter's manifest, `serving.<key>`), else the value for a model with none (never refuse by
    P(refused): the base model's does not separate the questions; no floor; the fitted cut; the first span only;
    the adapter as trained)."""
    if setting == "off":
        return None
    if setting != "auto":
        return float(setting)
    if override is not None:
        return float(override)
    from .builtin_adapters import serving_value_for

    t = serving_value_for(adapter_id, key) if adapter_id else None
    return CALIBRATED[key][2] if t is None else t


# Refusals decided by matching the question's words with the sources' (not injection, override, invalid output,
# a missing citation): the ones a question in another language than its sources gets whatever they hold.
WORD_MATCH_REASONS = frozenset({"model", "low_confidence", "off_topic", "uncertain", "echo", "unsupported",
                                "no_evidence", "other_subject"})


def other_language(question: str, texts: Sequence[str]) -> str | None:
    """The question's language ("de") when it is another than that of the texts (its sources) and both are clear
    (normalize.language), else None."""
    asked = language(question)
    if asked is None:
        return None
    written = language(" ".join(texts))
    if written is None or written == asked:
        return None
    # one source in the question's language is enough (round 49: a German question over its German source and two
    # French ones read as French joined)
    return None if any(language(t) == asked for t in texts) else asked


def language_reason(reason: str, question: str | None, texts: Sequence[str]) -> str:
    """`reason` for a refusal, or "language" when it is one of WORD_MATCH_REASONS and the question is in another
    language than `texts` (the context it was refused over)."""
    if reason in WORD_MATCH_REASONS and question and texts and other_language(question, texts):
        return "language"
    return reason


def refusal_check(obj: dict[str, Any], context: Sequence[ContextItem], *, min_support: float, mode: str = "free",
                  p_refused: float | None = None, refusal_threshold: float | None = None,
                  answer_min_logprob: float | None = None, min_answer_logprob: float | None = None,
                  question: str | None = None, min_relevance: float = 0.0, refuse_echo: bool = False,
                  reason: str | None = None) -> Verdict:
    """Judge a schema-valid answer object. `reason` is a refusal decided earlier (e.g. "invalid_output")."""
    status, text, cites = obj["status"], obj["answer"], list(obj["citations"])
    texts = [c.text for c in context]
    if status == "ok" and text.strip() == REFUSAL_TEXT:  # the refusal sentence under "ok" is still a refusal
        return Verdict("refused", REFUSAL_TEXT, [], language_reason(reason or "model", question, texts))
    if status == "ok" and context:
        if reason is None:
            reason, text, cites = _judge_ok(text, cites, context, min_support=min_support, mode=mode,
                                            p_refused=p_refused, refusal_threshold=refusal_threshold,
                                            confidence=(answer_min_logprob, min_answer_logprob), question=question,
                                            min_relevance=min_relevance, refuse_echo=refuse_echo)
        if reason:
            status = "refused"
    if status == "refused":
        return Verdict("refused", REFUSAL_TEXT, [], language_reason(reason or "model", question, texts))
    return Verdict(status, text, cites, reason)


def _judge_ok(text: str, cites: list[str], context: Sequence[ContextItem], *, min_support: float, mode: str,
              p_refused: float | None, refusal_threshold: float | None,
              confidence: tuple[float | None, float | None], question: str | None,
              min_relevance: float, refuse_echo: bool) -> tuple[str | None, str, list[str]]:
    """(refusal reason or None, the text and citations to emit) for an "ok" answer. `confidence`: (the answer's
    least likely token's log-probability, the floor in force or None)."""
    if p_refused is not None and refusal_threshold is not None and p_refused > refusal_threshold:
        return "model", text, cites
    lp, floor = confidence
    if lp is not None and floor is not None and lp < floor:
        return "low_confidence", text, cites
    if not cites:
        return "no_citations", text, cites
    views = {c.id: source_view(c.text) for c in context}
    raw = {c.id: c for c in context}
    if mode == "extractive":
        from .extractive import check_span

        span, holders = check_span(text, [(c.id, views[c.id].blocks) for c in context])
        if len(span) * 2 < len(text):  # a deeper cut would change what the answer says
            # (copied from fenced text: say so, round 53)
            return "injection" if tainted_words(text, list(views.values())) else "not_extractive", text, cites
        text = span
        cites = [c for c in cites if c in holders] or holders
        if question is not None and relevance(question, text, [views[c] for c in cites]) < min_relevance:
            return "off_topic", text, cites
        if question is not None and other_subject(question, text, [(views[c], raw[c].text, raw[c].title) for c in cites
                                                                   if c in raw]):
            return "other_subject", text, cites  # another depot, code or club than the question's (near_miss.py)
    else:
        cites = supporting(text, [(c, views[c]) for c in cites if c in views])
    if refuse_echo and question is not None and echoes(question, text):
        return "echo", text, cites
    if tainted_words(text, list(views.values())):  # (before "unsupported": a payload is in no clean text, round 53)
        return "injection", text, cites
    if not cites:
        return "unsupported", text, cites  # none of the cited sources holds any of its words
    if support_score(text, [views[c].clean for c in cites]) < min_support:
        return "unsupported", text, cites
    return None, text, cites
