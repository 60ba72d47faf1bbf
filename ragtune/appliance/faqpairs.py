"""The FAQ question an answer sentence belongs to, for the refusal check's `relevance` (round 51).

In a FAQ the answer is cut from its question at the "?" ("Q: How many days of leave do I get? A: 25 days a year.",
"## How do I reset my password?" then its paragraph, "Does it remove lead? Yes, 99% of it."), so the sentence a
right span was copied from often shares no word with the user's question, which paraphrases the FAQ's own: the span
was refused "off_topic" or lost to a worse candidate. The sentence and the question it answers are read as one.

The shapes, as the sources reach the check (source_view: words joined by one space, line breaks gone):
- the sentences just before end in a question mark ("?", Arabic "؟", fullwidth "？"): a heading, a line of its own,
  a "Q:" line, or the same line ("Is there parking? Eindhoven has 120 spaces."). Up to MAX_BACK of them in a row
  ("Can I bring my dog? What about cats? Dogs only.");
- the sentence opens with an answer mark ("A:", "Answer:", "ج:", "ת:", "उत्तर:", "答：") and one of the MAX_BACK
  sentences before opens with a question mark ("Q:", "Question:", "س:", "ש:", "प्रश्न:", "问："): the question
  may end in a full stop ("Q: I lost my badge. A: Tell reception.").
A bold question ("**How many days?** 25 days.") needs neither: "?**" ends no sentence, the two are one already.
Only the sentence right after the question is paired; a later sentence of a long answer is read alone.
"""

from __future__ import annotations

import re
from typing import Sequence

MAX_BACK = 3  # sentences a question may span before its answer
QUESTION_END = ("?", "\u061f", "\uff1f")  # ? ؟ ？
# A label, possibly bold or in a list item, then a colon (a full stop or a bracket would take "A." list items too).
_LABEL = r"^[\s*_>#-]*(?:{})[\s*_]*[:\uff1a]"
ANSWER_MARK = re.compile(_LABEL.format(
    r"A|Ans|Answer|Antwort|R|R[ée]ponse|Respuesta|Risposta|Resposta|Antwoord|\u062c|\u062c\u0648\u0627\u0628|"
    r"\u05ea|\u05ea\u05e9\u05d5\u05d1\u05d4|\u0909|\u0909\u0924\u094d\u0924\u0930|\u7b54|\ub2f5|\ub2f5\ubcc0"),
    re.IGNORECASE)
QUESTION_MARK = re.compile(_LABEL.format(
    r"Q|Question|F|Frage|Pregunta|Domanda|Pergunta|Vraag|\u0633|\u0633\u0624\u0627\u0644|\u05e9|"
    r"\u05e9\u05d0\u05dc\u05d4|\u092a\u094d\u0930|\u092a\u094d\u0930\u0936\u094d\u0928|\u95ee|\u554f|"
    r"\uc9c8\ubb38"), re.IGNORECASE)


def asked_before(before: Sequence[str], sentence: str) -> str | None:
    """The FAQ question `sentence` answers, from `before` (the sentences right before it, nearest last), or None:
    the sentences from one opening with a question mark when `sentence` opens with an answer mark, else the run of
    sentences ending in a question mark right before it."""
    near = [s.strip() for s in before[-MAX_BACK:]]
    if ANSWER_MARK.match(sentence):
        for k in range(len(near) - 1, -1, -1):
            if QUESTION_MARK.match(near[k]):
                return " ".join(near[k:])
    run = []
    for s in reversed(near):
        if not s.endswith(QUESTION_END):
            break
        run.insert(0, s)
    return " ".join(run) or None
