"""Yes/no questions answered with the sentence that rules on them (round 55).

"Can I bring my dog to the hall?" asks for a ruling, and an extractive answer cannot say "No": it is a span of a
source. The model's span is then a fragment ("assistance dogs") that reads as the opposite of the rule. The span's
whole sentence ("Dogs are not allowed in the hall, except assistance dogs.") is a span too, and it is the answer a
person gives by pointing at the rules. So for a yes/no question an extractive "ok" answer is served as the sentence
of the cited source that holds it: the sentence as the relevance check reads one (refusal.SENTENCE_END) inside the
source's block (injection.source_view: a list item, a table row's line or a heading is a block of its own, so a list
item is its sentence), its list marker left out, at most MAX_CHARS long (a longer one keeps the span); where several
cited sources hold the span, the sentence holding most of the question's words (refusal.said).

Applied after the refusal check, which judged the model's own span: the sentence holds every word of the span, so
its support and relevance are at least the span's, it holds no quarantined text (blocks are clean text) and it
echoes the question only if the span did; it is checked to be a span (extractive.check_span) of the source it came
from, and it keeps the citations that hold it. No "Yes" or "No" is added: it would not be a span, and a wrong "Yes"
is a hallucination the sources cannot back.

A yes/no question opens with an auxiliary or modal ("Can I …", "Is parking …", "Do I need …", "Are we allowed …"),
maybe after a short lead-in ("Quick question: can I …", "So is …"). Not one: a wh-question, an alternative question
("Is it Tuesday or Wednesday?"; "or not" is still yes/no), an indirect wh-question ("Can you tell me when …"), one
restarted as a wh-question ("can the tenants have a, what pets are they allowed …"), and a
keyword query ("can recycling", "may bank holiday hours": a modal that may be a noun counts only before a subject
or in a sentence ending with "?")."""

from __future__ import annotations

import re
from typing import Sequence

from .extractive import check_span
from .injection import source_view
from .refusal import SENTENCE_END, Verdict, said
from .types import ContextItem

MAX_CHARS = 300  # a longer sentence is a paragraph run together (no stops): the span is kept

# auxiliaries that never open a keyword query, and modals that may be a noun or a month ("can", "may", "will")
_AUX = r"(?:is|are|am|was|were|does|did|do|could|would|should|isn['’]t|aren['’]t|doesn['’]t|don['’]t|didn['’]t|" \
       r"wasn['’]t|weren['’]t|couldn['’]t|wouldn['’]t|shouldn['’]t|can['’]t|cannot|won['’]t|mustn['’]t)"
_MODAL = r"(?:can|may|will|must|shall|might|need|has|have|had|hasn['’]t|haven['’]t|hadn['’]t)"
_SUBJECT = r"(?:i|we|you|he|she|it|they|one|there|this|that|these|those|my|our|your|his|her|their|its|a|an|the|" \
           r"any|anyone|anybody|someone|somebody|everyone|people|guests?|visitors?|members?|children|kids|dogs?)\b"
_LEAD_WORDS = r"(?:so|and|but|also|ok|okay|well|hi|hello|hey|sorry|please|just|then|right|oh|um|uh|hmm|" \
              r"quick question|one more thing|question)"
# a lead-in: discourse words, or up to four words before ":" "," or a dash ("Quick question:", "Hi there,")
_LEAD = rf"(?:(?:{_LEAD_WORDS}\b[\s,:;.!–—-]*){{1,3}}|(?:[^\W\d_][\w'’]*\s+){{0,3}}[^\W\d_][\w'’]*\s*[:,–—-]\s+)"
_OPEN_AUX = re.compile(rf"^(?:{_LEAD})?{_AUX}\s+\S", re.IGNORECASE)
_OPEN_MODAL = re.compile(rf"^(?:{_LEAD})?{_MODAL}\s+(?P<next>\S+)", re.IGNORECASE)
_SUBJECT_P = re.compile(_SUBJECT, re.IGNORECASE)
_CHOICE = re.compile(r"\bor\b(?!\s+not\b)", re.IGNORECASE)  # "A or B?" is a choice; "… or not?" is yes/no
# "Can you tell me when …", "Do you know who …": a wh-question asked politely
_INDIRECT_WH = re.compile(r"^\S+\s+(?:you|anyone|somebody|someone)\s+(?:please\s+)?(?:tell|know|say|explain|"
                          r"remind|show|advise|let\s+(?:me|us)\s+know)\b(?:\s+(?:me|us))?\s+"
                          r"(?:what|when|where|who|whom|whose|which|why|how)\b", re.IGNORECASE)
# "can the tenants have a, what pets are they allowed to keep": a question restarted as a wh-question
_RESTART = re.compile(r"[,;:–—-]\s*(?:what|when|where|who|whom|whose|which|why|how)\b", re.IGNORECASE)
_LIST_MARK = re.compile(r"^(?:(?:[-*+>•]|\d{1,3}[.)]|#{1,6})\s+)+")


def is_yesno(question: str) -> bool:
    """Whether `question` asks yes or no (module docstring): an auxiliary or modal opening it or a short lead-in."""
    q = " ".join(question.split())
    if not q or _CHOICE.search(q):
        return False
    body = _body(q)
    if _INDIRECT_WH.match(body) or _RESTART.search(body):
        return False
    if _OPEN_AUX.match(q):
        return True
    m = _OPEN_MODAL.match(q)
    return m is not None and (q.endswith("?") or _SUBJECT_P.fullmatch(m.group("next").strip(",.?!")) is not None)


def _body(q: str) -> str:
    """`q` from its auxiliary on (the lead-in cut), for the indirect wh-question test."""
    m = re.match(rf"^(?:{_LEAD})?(?={_AUX}|{_MODAL})", q, re.IGNORECASE)
    return q[m.end():] if m else q


def sentence_of(span: str, item: ContextItem) -> str | None:
    """The sentence of `item`'s clean text that holds `span` (the module docstring's), or None: not found, or
    longer than MAX_CHARS."""
    # where it starts and ends a word, as the decoder copied it ("all" is not the one inside "allowed")
    at = re.compile(("(?<!\\w)" if span[:1].isalnum() else "") + re.escape(span)
                    + ("(?!\\w)" if span[-1:].isalnum() else ""))
    for block in source_view(item.text).blocks:
        found = at.search(block)
        if found is None:
            continue
        i = found.start()
        start = max([0] + [m.end() for m in SENTENCE_END.finditer(block, 0, i + 1) if m.end() <= i])
        end = next((m.start() for m in SENTENCE_END.finditer(block, i + len(span))), len(block))
        sentence = _LIST_MARK.sub("", block[start:end]).strip()
        return sentence if span in sentence and len(sentence) <= MAX_CHARS else None
    return None


def ruling_sentence(verdict: Verdict, context: Sequence[ContextItem], question: str, mode: str) -> Verdict:
    """`verdict` with its answer served as its whole sentence when `question` is a yes/no question and the answer
    an extractive "ok" span; else (or when the sentence cannot be served: not found, too long, not a span) as it
    was. The citations kept are those that hold the sentence (the one it came from at least)."""
    if mode != "extractive" or verdict.status != "ok" or not verdict.citations or not is_yesno(question):
        return verdict
    by_id = {c.id: c for c in context}
    found = [(s, cid) for cid in verdict.citations if cid in by_id
             for s in [sentence_of(verdict.text, by_id[cid])] if s and s != verdict.text]
    if not found:
        return verdict
    # of the cited sources' sentences, the one holding most of the question's words (ties: citation order)
    sentence, cid = max(found, key=lambda f: (said(question, f[0]), -found.index(f)))
    span, holders = check_span(sentence, [(c, source_view(by_id[c].text).blocks) for c in verdict.citations
                                          if c in by_id])
    if span != sentence or cid not in holders:
        return verdict
    return Verdict(verdict.status, sentence, [c for c in verdict.citations if c in holders], verdict.reason)


__all__ = ["MAX_CHARS", "is_yesno", "ruling_sentence", "sentence_of"]
