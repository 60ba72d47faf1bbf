"""FAQ-shaped sources (round 51): the refusal check's relevance reads an answer sentence with the FAQ question it
answers (faqpairs.py), so a right span is not refused "off_topic" or beaten by a worse candidate because its
sentence was cut from the question at the "?". Invented FAQs only."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.appliance.candidates import choose_span
from ragtune.appliance.faqpairs import asked_before
from ragtune.appliance.genresult import GenResult
from ragtune.appliance.ingest.loaders.web import load_html
from ragtune.appliance.injection import source_view
from ragtune.appliance.refusal import proximity, refusal_check, relevance, span_sentences
from ragtune.appliance.types import ContextItem

MD = """# IT questions

## How do I reset my password?

Open the self-service site and choose "New code"; a code is sent to your phone.

## Which laptop will I get?

Engineers get a 16-inch workstation; everyone else gets a 14-inch ultrabook.
"""
TXT = """Office facilities

Q: What time does the building open?
A: The doors open at 7:00 and close at 20:00 on weekdays.

Q: I lost my badge. What now?
A: Reception prints a temporary one.

Q: Visitors and guests.
A: Register them in Envoy the day before.
"""
INLINE = "Does the Kestrel Mini remove lead? Yes, it is certified to remove 99% of it. Replace it every 400 litres."
HTML = b"""<html><body><h1>Travel FAQ</h1>
<h3>What is the daily meal allowance?</h3><p>45 euros a day within Europe and 60 euros elsewhere.</p>
<h3>Which class can I fly?</h3><p>Economy under six hours; premium economy for longer ones.</p>
</body></html>"""


def rel(question, span, text):
    return relevance(question, span, [source_view(text)])


def test_a_markdown_heading_question_joins_its_answer():
    q = "How can I recover a forgotten password?"  # the FAQ's own words: password; the answer's: none
    assert rel(q, "a code is sent to your phone", MD) > 0.3
    assert rel("Which computer do engineers receive?", "16-inch workstation", MD) > 0  # its own words still count


def test_q_and_a_marks_in_plain_text():
    assert rel("When does the office building open in the morning?", "7:00", TXT) >= 0.5
    # a question ending in a full stop: the answer mark finds it by its "Q:"
    assert rel("What should I do about a lost badge?", "a temporary one", TXT) > 0
    assert rel("How are guests and visitors signed in?", "in Envoy", TXT) > 0


def test_a_question_and_its_answer_on_one_line():
    assert rel("Is lead removed by the Kestrel Mini filter?", "certified to remove 99%", INLINE) > 0.5
    # only the sentence right after the question is its answer: a later one is read alone
    assert rel("Is lead removed by the Kestrel Mini filter?", "every 400 litres", INLINE) == 0.0


def test_html_derived_text():
    text = load_html(Path("travel.html"), HTML).text
    assert rel("How much is the meal allowance per day?", "45 euros", text) > 0.5
    assert rel("What seat class is allowed on flights?", "Economy", text) > 0


def test_bold_questions_were_one_sentence_with_their_answer_already():
    text = "**How many days of leave do I get?**\n25 days a year.\n\n**Who approves it?**\nYour manager."
    assert [s for s, _ in span_sentences("25 days", [source_view(text)])] == [
        "**How many days of leave do I get?** 25 days a year."]
    assert rel("How much leave is there?", "25 days", text) > 0.3


def test_no_pairing_without_a_question_before_or_for_another_question():
    prose = "The canteen opens at noon. It serves hot meals until two."
    assert rel("When does the canteen open?", "hot meals until two", prose) == 0.0  # a statement before: alone
    assert rel("What is the capital of France?", "7:00", TXT) == 0.0  # a question about something else
    assert asked_before(["A. Scope of this policy."], "B. It applies to all staff.") is None  # list letters
    assert asked_before([], "A: an answer with nothing before it.") is None


def test_a_run_of_questions_and_an_answer_mark_in_other_scripts():
    assert asked_before(["Can I bring my dog?", "What about cats?"], "Dogs only.") == \
        "Can I bring my dog? What about cats?"
    assert asked_before(["س: كم يوما من الإجازة؟"], "ج: خمسة وعشرون يوما.") == "س: كم يوما من الإجازة؟"
    assert asked_before(["问：年假有几天？"], "答：二十五天。") == "问：年假有几天？"
    assert asked_before(["The rule changed.", "Why?"], "Because of the law.") == "Why?"


def test_proximity_is_unchanged():
    assert proximity("When does the office building open in the morning?", "7:00", [source_view(TXT)]) > 0
    assert proximity("What time does the canteen serve lunch?", "a code is sent", [source_view(MD)]) == 0.0


def test_a_right_span_of_a_faq_is_no_longer_refused_off_topic():
    ctx = [ContextItem(id="S1", text=TXT)]
    obj = {"status": "ok", "answer": "7:00", "citations": ["S1"]}
    v = refusal_check(obj, ctx, min_support=0.34, mode="extractive",
                      question="When is the office building opened each morning?", min_relevance=0.01)
    assert (v.status, v.reason, v.text) == ("ok", None, "7:00")
    v = refusal_check(obj, ctx, min_support=0.34, mode="extractive",
                      question="What is the capital of France?", min_relevance=0.01)
    assert (v.status, v.reason) == ("refused", "off_topic")  # an unrelated question still is


def _res(answer, mean, complete=True):
    text = json.dumps({"status": "ok", "answer": answer, "citations": ["S1"]})
    if not complete:
        text = text[:text.index(', "citations"')]
    return GenResult(text=text, tokens_prompt=100, tokens_completion=3, ttft_ms=1.0, generation_ms=1.0,
                     answer_mean_logprob=mean, answer_min_logprob=mean, finish="stop" if complete else "answer")


def test_a_faq_answer_beats_a_likelier_span_of_an_unrelated_sentence():
    ctx = [ContextItem(id="S1", text="Where is the Kestrel assembled? Tampere, Finland. Shipping takes a week.")]
    outputs = {("Shipping",): ("Tampere, Finland", -0.5)}

    def more(avoid, complete):
        answer, mean = outputs[tuple(avoid)]
        return _res(answer, mean, complete)

    got = choose_span(_res("Shipping takes a week", -0.3), more, 2, "In which country are Kestrel units built?", ctx)
    assert json.loads(got.text)["answer"] == "Tampere, Finland"
