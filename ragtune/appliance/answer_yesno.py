"""Yes/no questions answered with the sentence that rules on them (round 55).

"Can I bring my dog to the hall?" asks for a ruling, and an extractive answer cannot say "No": it is a span of a
source. The model's span is then a fragment ("assistance dogs") that reads as the opposite of the rule. The span's
whole sentence ("Dogs are not allowed in the hall, except assistance dogs.") is a span too, and it is the answer a
person gives by pointing at the rules. So for a yes/no question an extractive "ok" answer is served as the sentence
of the cited source that holds it: the sentence as the relevance check reads one (refusal.SENTENCE_END) inside the
source's block (injection.source_view: a list item, a table row's line or a heading is a block of its own, so a list
item is its sentence), its list marker and an FAQ's "A:" / "Answer:" / "Q:" label left out (a span opening with the
label too), at most MAX_CHARS or generate.max_answer_chars long (a longer one keeps the span). A sentence also ends
at a line break before a line not opening in lower case in a block without stops (lines, rows) or after a heading
line over prose, and not after an abbreviation, a title or an initial (_cuts).
Of the sentences holding the span, wherever it occurs in the cited sources (the first place may be the opposite
ruling: "Dogs are not allowed in the hall. Dogs are allowed in the garden."), the one holding most of the question's
words (refusal.said); a tie keeps the span (unsure).

Applied after the refusal check, which judged the model's own span: the sentence holds every word of the span, so
its support and relevance are at least the span's, it holds no quarantined text (blocks are clean text) and it
echoes the question only if the span did; it is checked to be a span (extractive.check_span) of the source it came
from, and it keeps the citations that hold it. No "Yes" or "No" is added: it would not be a span, and a wrong "Yes"
is a hallucination the sources cannot back.

A yes/no question opens with an auxiliary or modal ("Can I …", "Is parking …", "Do I need …", "Are we allowed …"),
maybe after a short lead-in ("Quick question: can I …", "So is …"). Not one: a wh-question, an alternative question
("Is it Tuesday or Wednesday?"; "or not" is still yes/no), an indirect wh-question ("Can you tell me when …"), one
restarted as a wh-question ("can the tenants have a, what pets are they allowed …") or joined to one ("Is there
parking and how much is it?"), a value asked for politely ("Can you list the fees?", "Can I have the clerk's
email?"), a keyword query ("can recycling?", "May opening hours?": a modal that may be a noun counts only before a
subject; but "Will rent go up?": "will" before a lower-case word and two more, round 57, while "Will Smith age?"
opens with a name and "Will writing service cost?", "Will template for couples?" are keyword queries, unlike "Will
power cuts continue?": a verb after the will's noun and a plural, round 58, but not "Will power cuts end when?",
"will storage fees end date": no "?", a wh-word or an asked-for noun make it a keyword query again), and a
question in another language than English ("Was kostet der Saal?": normalize.language)."""

from __future__ import annotations

import re
from typing import Sequence

from .extractive import check_span
from .injection import source_view
from .normalize import language
from .refusal import Verdict, said
from .sentences import SENTENCE_END
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
_OPEN_AUX = re.compile(rf"^(?:{_LEAD})?{_AUX}\s+(?P<next>\S+)", re.IGNORECASE)
# "was blamed for …", "are believed to be …": an auxiliary before a participle opens no question but the tail of
# one (what is left of a restarted question once normalize.py cuts its disfluency), not a yes/no question
_PARTICIPLE = re.compile(r"[a-z]{3,}ed")
_OPEN_MODAL = re.compile(rf"^(?:{_LEAD})?(?P<modal>{_MODAL})\s+(?P<next>\S+)(?P<rest>.*)", re.IGNORECASE)
# a subject that is a noun: a plural with words after it ("Can notices under the lease be sent …?", "Can tenants
# keep pets?") or any lower-case word before a later "be" ("Can parking be booked?"); else not ("Will Smith age?",
# "May opening hours?", "can recycling?", "Can collection days?")
# ("non-members", "over-60s": hyphens and digits too); a plural with one word after it asks too when it ends in "?"
# ("Can pets stay?", "Might fees rise?")
_PLURAL = re.compile(r"[a-z][a-z0-9-]*(?<![su]s)(?<!is)(?<!-)s")
_LATER_BE = re.compile(r"\bbe\b")
# "will" as a noun in a keyword query: a function word or a wh-word after it ("Will and testament fees?", "will,
# what happens if there is none?") or after the word after it ("Will storage at the bank?", "Will template for
# couples?"), or the trade's nouns after it ("Will writing service cost?", "will reading appointment times?"; a
# gerund in general is a subject: "Will parking get dearer?")
_NOT_SUBJECT = re.compile(r"and|or|of|for|to|in|on|at|with|by|from|what|when|where|who|whom|whose|which|why|how",
                          re.IGNORECASE)
_WILL_NOUN = re.compile(r"writing|reading|making|drafting|writers?", re.IGNORECASE)
# the will's own nouns after "Will" ("Will executor duties?", "Will kits sold at the post office?") make a keyword
# query unless a verb follows them ("Will executors be paid?", "Will witnesses need to sign?")
_WILL_DOMAIN = re.compile(r"executors?|executrix|witness(?:es)?|probate|disputes?|trusts?|storage|registration|"
                          r"challenges?|contests?|kits?|power|templates?|forms?|packs?|beneficiar(?:y|ies)|"
                          r"codicils?|solicitors?|lawyers?|clauses?|copies|copy", re.IGNORECASE)
_WILL_VERB = re.compile(r"be|need|needs|get|have|has|take|pay|receive|charge|sign|inherit|apply|expire|last|go|"
                        r"stay|still|also|ever|always|usually|normally|automatically|not|n['’]t|really|then",
                        re.IGNORECASE)
# ... or after a plural noun after them, the pair one subject ("Will power cuts continue?", "Will storage fees rise?";
# round 58), where a verb of change may follow too ("end", "change" after the will's noun itself may be nouns)
_WILL_CHANGE = re.compile(r"continue|rise|fall|increase|decrease|change|stop|end|return|resume|start|happen",
                          re.IGNORECASE)
# ... unless the query asks for a thing or where, when, how (round 58 mend): a wh-word anywhere after "Will <noun>"
# or a noun naming what is asked for right after the verb ("end date", "change form", "return policy", "pay online")
_WH = re.compile(r"\b(?:how|when|where|what|which|who|whom|whose|why)\b", re.IGNORECASE)
_ASKED_NOUN = re.compile(r"dates?|forms?|address|polic(?:y|ies)|times?|prices?|list|estimate|online|year|fees?|"
                         r"costs?|details", re.IGNORECASE)
_SUBJECT_P = re.compile(_SUBJECT, re.IGNORECASE)
_CHOICE = re.compile(r"\bor\b(?!\s+not\b)", re.IGNORECASE)  # "A or B?" is a choice; "… or not?" is yes/no
# "Can you tell me when …", "Do you know who …": a wh-question asked politely
_INDIRECT_WH = re.compile(r"^\S+\s+(?:you|anyone|somebody|someone)\s+(?:please\s+)?(?:tell|know|say|explain|"
                          r"remind|show|advise|let\s+(?:me|us)\s+know)\b(?:\s+(?:me|us))?\s+"
                          r"(?:what|when|where|who|whom|whose|which|why|how)\b", re.IGNORECASE)
# "can the tenants have a, what pets are they allowed to keep": a question restarted as a wh-question
_RESTART = re.compile(r"[,;:–—-]\s*(?:what|when|where|who|whom|whose|which|why|how)\b", re.IGNORECASE)
# "Is there parking and how much does it cost?": a second question asking for a value
_AND_WH = re.compile(r"\b(?:and|but|plus)\s+(?:also\s+)?(?:(?:by|for|at|in|to)\s+)?"  # "… and by how much?"
                     r"(?:what|when|where|who|whom|whose|which|why|how)\b", re.I)
# a value asked for politely: "Can you give me / list / send …", "Do you know the …", "Can I have the clerk's email?"
# ("Can you tell me if …", "Do you know whether …" and "Can I have a dog?" still ask yes or no)
_VALUE_REQUEST = re.compile(r"^\S+\s+(?:(?:you|anyone|somebody|someone)\s+(?:please\s+)?(?:(?:tell|give|send|show|list|"
                            r"share|provide|email|text)\b(?!\s+(?:me\s+|us\s+)?(?:if|whether)\b)|(?:know|have)\s+"
                            r"(?:the|your|their|his|her|its)\b)|(?:i|we)\s+(?:please\s+)?(?:have|get)\s+(?:the|your|"
                            r"their|his|her|its|\S+['’]s)\b)", re.IGNORECASE)
# ... but "Can I have the hall on Sunday?", "Can we get the keys early?" ask for a booking at a time: yes or no
_WHEN = re.compile(r"\b(?:on|at|this|next|until|till|from|by)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|"
                   r"\b(?:on|this|next)\s+(?:weekend|weekday|evening|morning|afternoon|night)s?\b|"
                   r"\b(?:early|late|tomorrow|tonight|today)\W*$", re.IGNORECASE)
# a stop after a word of one or two letters ("p.m.", "e.g.", "Dr.", "No.") ends a sentence only before an upper-case
# letter, and never after a title or an initial ("Dr. Wynne", "J. Smith"); a capital letter or "St" after a
# capitalised word in a sentence is a label or a street ("Block A.", "Zone B.", "Mill St."): the stop ends it
_ABBREV = re.compile(r"(?<![\w.])(?:[^\W\d_]{1,2}\.)+$")
_TITLE = re.compile(r"(?<![\w.])(?:(?i:dr|mrs?|ms|mt)|(?P<label>(?i:st)|[A-Z]))\.$")
# a capitalised word or a number ("25 C."), not the sentence's first
_NAME_BEFORE = re.compile(r"(?<=[^\s.!?:;])\s+(?P<word>[A-Z][\w'’-]*|\d+)\.?\s+$")
_TITLE_WORD = re.compile(r"(?:dr|mrs?|ms|mt|st|[a-z])", re.IGNORECASE)
# a heading line over prose in one block ("DURING THE SCAN\nA radiographer will …"): short, opening in upper case,
# not ending mid-sentence (a function word or , ; : -), unlike a wrapped line ("Bonfires are not allowed before\n7 pm")
_HEADING = re.compile(r"[A-Z][^\n.!?]*")
_MID = re.compile(r"(?:[,;:–—-]|\b(?i:a|an|the|of|to|in|on|at|by|for|from|with|before|after|during|between|"
                  r"until|and|or|but|nor|including|except|excluding|than|per|via|into|over|under|within|without|is|"
                  r"are|be|was|were|not|no|your|our|their|its|his|her|my|this|that|these|those|which|who))\s*$")
_LIST_MARK = re.compile(r"^(?:(?:[-*+>•]|\d{1,3}[.)]|#{1,6})\s+)+")
# an FAQ's labels ("A: Only assistance dogs …", "Answer: Yes, …"): its layout, not the answer's words (round 58)
_FAQ_MARK = re.compile(r"^(?:A|Q|(?i:ans|answer|question))\s?:\s+")


def is_yesno(question: str) -> bool:
    """Whether `question` asks yes or no (module docstring): an auxiliary or modal opening it or a short lead-in."""
    q = " ".join(question.split())
    if not q or _CHOICE.search(q) or _AND_WH.search(q) or language(q) not in ("en", None):
        return False
    body = _body(q)
    if _INDIRECT_WH.match(body) or _RESTART.search(body) or (_VALUE_REQUEST.match(body) and not _WHEN.search(body)):
        return False
    m = _OPEN_AUX.match(q)
    if m:
        return _PARTICIPLE.fullmatch(m.group("next").strip(",.?!")) is None
    m = _OPEN_MODAL.match(q)
    if m is None:
        return False
    nxt, rest = m.group("next").strip(",.?!"), m.group("rest")
    if _SUBJECT_P.fullmatch(nxt):
        return True
    words = len(rest.split())
    if m.group("modal").lower() == "will" and _WILL_DOMAIN.fullmatch(nxt):
        after, then, obj = ([w.strip(",.?!") for w in rest.split()[:3]] + ["", "", ""])[:3]
        if _LATER_BE.search(rest) is not None or _WILL_VERB.fullmatch(after) is not None:
            return True
        # the plural's verb is a question's only as one: a "?", no wh-word, no asked-for noun after it ("Will power
        # cuts end when?", "will storage fees end date", "Will storage boxes return date?": keyword queries)
        return _PLURAL.fullmatch(after) is not None and bool(_WILL_VERB.fullmatch(then) or _WILL_CHANGE.fullmatch(
            then)) and q.endswith("?") and not _WH.search(rest) and not _ASKED_NOUN.fullmatch(obj)
    # "Will rent go up?": "will" before a lower-case word and a verb phrase is the modal ("Will Smith age?" a name)
    if m.group("modal").lower() == "will" and nxt.islower() and words >= 2 and q.endswith("?") \
            and not _NOT_SUBJECT.fullmatch(nxt) and not _WILL_NOUN.fullmatch(nxt) \
            and not _NOT_SUBJECT.fullmatch(rest.split()[0].strip(",.?!")):
        return True
    return nxt.islower() and (_LATER_BE.search(rest) is not None or (
        _PLURAL.fullmatch(nxt) is not None and (words >= 2 or (words == 1 and q.endswith("?")))))


def _body(q: str) -> str:
    """`q` from its auxiliary on (the lead-in cut), for the indirect wh-question test."""
    m = re.match(rf"^(?:{_LEAD})?(?={_AUX}|{_MODAL})", q, re.IGNORECASE)
    return q[m.end():] if m else q


def sentences_of(span: str, item: ContextItem, max_chars: int = MAX_CHARS) -> list[str]:
    """The sentences of `item`'s clean text that hold `span` (the module docstring's), one for each place it occurs
    in each block, in order and each once; none longer than `max_chars`."""
    # where it starts and ends a word, as the decoder copied it ("all" is not the one inside "allowed")
    at = re.compile(("(?<!\\w)" if span[:1].isalnum() else "") + re.escape(span)
                    + ("(?!\\w)" if span[-1:].isalnum() else ""))
    flat = re.sub(r"\s+", lambda m: "\n" if "\n" in m.group() else " ", item.text)  # the words, lines kept
    out: list[str] = []
    for block in source_view(item.text).blocks:
        cuts: list[tuple[int, int]] | None = None
        for found in at.finditer(block):
            cuts = _cuts(block, flat) if cuts is None else cuts
            i, j = found.start(), found.end()
            start = max([0] + [e for s, e in cuts if e <= i])
            end = min([len(block)] + [s for s, e in cuts if s >= j])
            sentence = _FAQ_MARK.sub("", _LIST_MARK.sub("", block[start:end]).strip())
            if span in sentence and len(sentence) <= max_chars and sentence not in out:
                out.append(sentence)
    return out


def _cuts(block: str, flat: str) -> list[tuple[int, int]]:
    """Where `block` breaks between sentences, as (end of one, start of the next): refusal.SENTENCE_END but not
    after an abbreviation ("6 p.m. on weekdays", "Dr. Wynne": _ABBREV, _title), and, in a block without stops (a
    list of lines, table rows joined), a line break of the source before a line that does not open in lower case.
    Prose hard-wrapped before a capital or a digit ("allowed before\n7 p.m.", "during\nThe Christmas Fair") has
    stops (between its sentences or at its end), so its lines are not cut, but for a heading line over it (_HEADING)."""
    cuts = [(m.start(), m.end()) for m in SENTENCE_END.finditer(block)
            if not (_ABBREV.search(block, max(0, m.start() - 12), m.start())
                    and (_title(block, m.start()) or not block[m.end():][:1].isupper()))]
    stops = cuts or block.rstrip().endswith((".", "!", "?"))
    lines = None if stops else re.search(re.escape(block).replace("\\ ", "[ \n]"), flat)
    if lines is not None:
        cuts += [(k, k + 1) for k, c in enumerate(lines.group()) if c == "\n" and not block[k + 1:k + 2].islower()]
    elif (flat_lines := re.search(re.escape(block).replace("\\ ", "[ \n]"), flat)) is not None:
        text, at = flat_lines.group(), 0
        for line in text.split("\n")[:-1]:
            k = at + len(line)
            head = _LIST_MARK.sub("", line.strip())  # "1. HIRE RATES"
            if (_HEADING.fullmatch(head) and len(head.split()) <= 5 and not _MID.search(head)
                    and block[k + 1:k + 2].isupper()):
                cuts.append((k, k + 1))
            at = k + 1
    return cuts


def _title(block: str, stop: int) -> bool:
    """Whether the stop at `stop` ends a title or an initial ("Dr.", "J."): "St" or a capital letter after a
    capitalised word or a number that does not open the sentence is a street, a label or a unit ("Mill St.",
    "in Block A.", "25 C."), unless that word is itself a title or an initial ("Mrs J. Smith", "J. R. Smith")."""
    m = _TITLE.search(block, max(0, stop - 4), stop)
    if m is None:
        return False
    if m.group("label") is None:
        return True
    before = _NAME_BEFORE.search(block, max(0, m.start() - 60), m.start())
    return before is None or _TITLE_WORD.fullmatch(before.group("word")) is not None


def sentence_of(span: str, item: ContextItem, max_chars: int = MAX_CHARS) -> str | None:
    """The first of `sentences_of`, or None: not found, or longer than `max_chars`."""
    return next(iter(sentences_of(span, item, max_chars)), None)


def ruling_sentence(verdict: Verdict, context: Sequence[ContextItem], question: str, mode: str,
                    max_chars: int = MAX_CHARS) -> Verdict:
    """`verdict` with its answer served as its whole sentence when `question` is a yes/no question and the answer
    an extractive "ok" span; else (or when the sentence cannot be served: not found, longer than MAX_CHARS or
    `max_chars` (generate.max_answer_chars), not a span) as it was. Of the sentences holding the span, at every place
    in every cited source, the one with most of the question's words ("allowed" for "Are dogs allowed in the
    garden?": "Dogs are allowed in the garden.", not an earlier "Dogs are not allowed in the hall."); none when
    two tie (unsure: the span is kept). The citations kept are those that hold the sentence."""
    if mode != "extractive" or verdict.status != "ok" or not verdict.citations or not is_yesno(question):
        return verdict
    by_id = {c.id: c for c in context}
    found: dict[str, str] = {}  # sentence -> the first cited source holding it
    span = _FAQ_MARK.sub("", verdict.text) or verdict.text  # ("A: Only assistance dogs" copied with its label)
    for cid in verdict.citations:
        for s in sentences_of(span, by_id[cid], min(MAX_CHARS, max_chars)) if cid in by_id else []:
            found.setdefault(s, cid)
    score = {s: said(question, s) for s in found}
    best = [s for s in found if score[s] == max(score.values(), default=0.0)]
    if len(best) != 1 or best[0] == verdict.text:
        return verdict
    sentence, cid = best[0], found[best[0]]
    span, holders = check_span(sentence, [(c, source_view(by_id[c].text).blocks) for c in verdict.citations
                                          if c in by_id])
    if span != sentence or cid not in holders:
        return verdict
    return Verdict(verdict.status, sentence, [c for c in verdict.citations if c in holders], verdict.reason)


__all__ = ["MAX_CHARS", "is_yesno", "ruling_sentence", "sentence_of", "sentences_of"]
