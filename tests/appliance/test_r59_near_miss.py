"""Round 59: the near-miss check (near_miss.py, `other_subject`) and the answer path's sentences (sentences.py).

A rival is a name or code standing where the question's name stands: not a title before a surname ("Ms Tey" is
Rosalind Tey), not a word capitalised for opening its sentence or for a job title written in title case, not the
answer's own word before the head. A code of another thing is a near miss where the sentence names the question's
thing outside the answer's clause. The relevance check and the near-miss check read one sentence rule and one reader
of where a span stands (sentences.located). Invented texts (CC0)."""
from __future__ import annotations

import re

import pytest

from ragtune.appliance import answer_yesno, focus, refusal, sentences
from ragtune.appliance.injection import source_view
from ragtune.appliance.near_miss import other_subject, places, rival
from ragtune.appliance.refusal import refusal_check
from ragtune.appliance.sentences import SENTENCE_END, located
from ragtune.appliance.types import ContextItem

ORRIN = "who took over from Rosalind Tey as Orrin's service manager?"


@pytest.mark.parametrize("question,sentence,heading,answer", [
    # a title before the surname is no rival of the first name
    (ORRIN, "In 2023 Marta Kell took over from Ms Tey as service manager.", "Orrin Labs: who's who", "Marta Kell"),
    ("When did Professor Alan Grey retire from Kelby College?", "Prof Grey retired in 2019 after 30 years at Kelby "
     "College.", "College news", "2019"),
    ("Who did Priya Shah hand the treasurer role to?", "Ms Shah handed the treasurer role to Tom Reed in May.",
     "Minutes", "Tom Reed"),
    # a job title in title case where the question writes it lower-case: the word before is the title's
    (ORRIN, "Marta Kell replaced Rosalind Tey as Field Service Manager in 2023.", "Staff changes", "Marta Kell"),
    ("Who is Brackley's finance officer?", "Owen Price became Senior Finance Officer after the restructure.",
     "Team update", "Owen Price"),
    # capitalised for opening the sentence, before a lower-case word
    ("Who is Orrin's service manager?", "Field service managers report to Marta Kell.", "Staff news", "Marta Kell"),
    ("What time does the Ashby surgery close on Thursdays?", "Evening surgery on Thursdays runs until 8pm.",
     "Opening times", "until 8pm"),
    ("When does the Kelby pool open on Sundays?", "Main pool opens at 9am on Sundays.", "Leisure centre", "9am"),
    # the answer's own word before a head it does not hold is what was asked
    ("Who is Orrin's service manager?", "Marta Kell Service Manager (since 2023)", "Staff list", "Marta Kell"),
    # a code's modifier written another way, both ways
    ("whats the door code", "The front door code is 1234; the door locks at 10pm.", "Access", "1234"),
    ("whats the front door code", "The door code is 1234; the front door locks at 10pm.", "Access", "1234"),
    ("whats the alarm code", "The alarm system code is 4471, and the alarm is set by the last person out.", "FAQ",
     "4471"),
    ("whats the alarm system code", "The alarm code is 4471; the system is checked yearly.", "FAQ", "4471"),
    # the question's thing named nowhere else (a synonym may stand there), or in the heading, or a generic modifier
    ("whats the alarm code", "The key cabinet code is 4471.", "Bramley Hall FAQ", "4471"),
    ("What's the wifi password?", "The guest network password is Blue42.", "Welcome pack", "Blue42"),
    ("What is the alarm code?", "The panel code is 1973; the alarm sounds for 20 minutes.",
     "Hall FAQ\nQ: What is the alarm code?", "1973"),
    ("what's the alarm code", "The new code is 4471; the alarm is set by the last person out.", "FAQ", "4471"),
])
def test_the_questions_name_written_another_way_is_no_near_miss(question, sentence, heading, answer):
    assert rival(question, sentence, heading, answer) is None


@pytest.mark.parametrize("question,sentence,heading,answer,hit", [
    ("Who is Orrin's service manager?", "Pellow's service manager is Marta Kell.", "Staff news", "Marta Kell",
     ("orrin", "pellow")),  # a possessive opening its sentence is a name
    ("Who is Orrin's sales manager?", "Marta Kell is Pellow's Sales Manager.", "Staff", "Marta Kell",
     ("orrin", "pellow")),
    ("When was Kelby Cricket Club founded?", "Harwood Cricket Club was founded in 1884.", "History", "1884",
     ("kelby", "harwood")),  # an opening name before a capitalised word
    ("When does the Hollinsford clinic open?", "The Hollinsway clinic opens at 8am.", "Clinics", "8am",
     ("hollinsford", "hollinsway")),
    # an answer holding the other name with the head names the other thing itself
    ("What's the record win against Crale Town?", "Record win: 9-1 v Brannock Town, 1908.", "Records",
     "9-1 v Brannock Town", ("crale", "brannock")),
    # a code of another thing in the answer's clause, the question's thing named in the rest of the sentence
    ("whats the alarm code", "The key cabinet code is 4471; the alarm is set by the last person out.", "Hall FAQ",
     "4471", ("alarm", "cabinet")),
    ("what's the alarm PIN", "The safe PIN is 0077, and the alarm is set from the hall panel.", "Office", "0077",
     ("alarm", "safe")),
    ("What's the gate code?", "The bike shed code is 2580, and the gate is opened by the warden.", "Site", "2580",
     ("gate", "shed")),
])
def test_another_name_or_code_in_the_questions_place_is_a_near_miss(question, sentence, heading, answer, hit):
    assert rival(question, sentence, heading, answer) == hit


def _src(text, title=""):
    return source_view(text), text, title


def test_the_answer_is_read_from_its_place_in_the_source():
    text = "Keys and alarm\n\nThe key cabinet code is 4471; the alarm is set by the last person out."
    assert other_subject("whats the alarm code", "4471", [_src(text, "Hall notes")]) is None  # "alarm" heads it
    text = "The key cabinet code is 4471; the alarm is set by the last person out."
    assert other_subject("whats the alarm code", "4471", [_src(text, "Hall notes")]) == ("alarm", "cabinet")
    obj = {"status": "ok", "answer": "4471", "citations": ["S1"]}
    v = refusal_check(obj, [ContextItem(id="S1", text=text, title="Hall notes")], min_support=0.34,
                      mode="extractive", question="whats the alarm code", min_relevance=0.01)
    assert (v.status, v.reason) == ("refused", "other_subject")


def test_one_sentence_rule_for_the_answer_path():
    assert refusal.SENTENCE_END is SENTENCE_END is focus.SENTENCE_END is answer_yesno.SENTENCE_END


def _reference(span, texts):
    """How the relevance check read a span's sentence before round 59 (refusal._located), for comparison."""
    for seg in texts:
        i = seg.find(span)
        while i >= 0:
            starts = [0] + [m.end() for m in SENTENCE_END.finditer(seg, 0, i + 1)]
            end = next((m.start() for m in SENTENCE_END.finditer(seg, i + len(span))), len(seg))
            yield seg, starts, end, i
            i = seg.find(span, i + 1)


TEXTS = [
    "The south depot opened in 2014. It takes garden waste. The north depot opened in 2019! Both close at 4pm.",
    "Q: Is there parking?\nA: Yes, twelve spaces. Q: Is there a lift? A: Yes, by the side door.",
    "新员工每年有二十天年假。病假另计。  年假可以结转五天。",
    "Opening hours... Mon 9-5.  Sat 9-12. Sun closed",
    "รถออกเวลา 9 โมง ค่าโดยสาร 20 บาท",
    "no stop at all in this one",
]


@pytest.mark.parametrize("text", TEXTS)
def test_located_reads_every_span_as_the_relevance_check_did(text):
    # an answer runs from a word's start to a word's end, or one character on (a closer)
    at = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    spans = {text[at[k][0]:at[k + n][1] + c] for n in (0, 1, 2, 3) for k in range(len(at) - n) for c in (0, 1)}
    for span in sorted(spans):
        got = [(p.text, p.starts, p.end, p.at) for p in located(span, [text, text[::-1]])]
        assert got == list(_reference(span, [text, text[::-1]])), span


def test_a_place_gives_its_sentence_and_the_breaks_before_it():
    text = "A b. C d. E f."
    (p,) = located("E f", [text])
    assert (p.sentence, p.starts, p.breaks, p.at) == ("E f.", [0, 5, 10], [(4, 5), (9, 10)], 10)
    assert [q.at for q in located("d", ["d. d d"])] == [0, 3, 5]
    assert list(located("zz", TEXTS)) == []


def test_places_and_other_subject_take_no_sentence_rule():
    found = list(places("2014", [_src("Depots\n\nThe south depot opened in 2014.")]))
    assert found == [("The south depot opened in 2014.", "\nDepots\n")]
    assert sentences.located is refusal.located
