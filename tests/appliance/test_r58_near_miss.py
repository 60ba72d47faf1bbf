"""Round 58: the near-miss check (ragtune/appliance/near_miss.py, refusal reason `other_subject`): an extractive
answer copied from a sentence about another thing of the question's kind is refused; the sentence is read under its
document's title and headings, and only naming words count. Invented texts (CC0)."""
from __future__ import annotations

import pytest

from ragtune.appliance.injection import source_view
from ragtune.appliance.near_miss import headings, other_subject, rival
from ragtune.appliance.refusal import SENTENCE_END, WORD_MATCH_REASONS, refusal_check
from ragtune.appliance.types import ContextItem
from ragtune.tui.data import REFUSAL_REASONS

DEPOT = ("Household recycling: the south depot\n\nThe south depot on Mill Lane opened in 2014. It takes garden "
         "waste, timber and scrap metal.")
BUS = ("Route 12: Harbour to Station\n\nWeekday departures from Harbour: 06:40 and 07:15. On Saturdays buses run "
       "hourly from 08:00.")
LEAVE = "Annual leave policy\n\nFull-time staff receive 25 days of annual leave a year plus bank holidays."
FAQ = ("Q: Is there parking?\nA: Yes, twelve spaces behind the hall. Disabled bays are by the side door.\n\n"
       "Q: Do you have a defibrillator?\nA: Yes, on the wall by the main entrance. The cabinet code is 4 8 2 6 and it "
       "is also on the noticeboard.")


@pytest.mark.parametrize("question,sentence,heading,hit", [
    ("When did the north depot open?", "The south depot on Mill Lane opened in 2014.", "Recycling", ("north", "south")),
    ("How many days of sick leave do staff get?", "Staff receive 25 days of annual leave a year.", "Policy",
     ("sick", "annual")),
    ("Who founded the Harwood tennis club?", "Harwood Cricket Club was founded in 1884 by Thomas Ashby.", "History",
     ("tennis", "cricket")),
    ("What time does route 14 leave on Saturdays?", "Saturdays: hourly from 08:00.", "Route 12: Harbour", ("14", "12")),
    ("whats the alarm code", "The cabinet code is 4 8 2 6.", "Bramley Hall FAQ", ("alarm", "cabinet")),
    ("What's the door code for the side door?", "The cabinet code is 4 8 2 6.", "FAQ", ("door", "cabinet")),
    # a name and another name before the same head, however many letters they share
    ("Saturday hours at the Ashcombe surgery?", "08:30 to 12:00", "Ashworth Surgery opening times",
     ("ashcombe", "ashworth")),
    # "the room called Willow" is the Willow room; the quotes do not part "Oak" from "room"
    ('How many seats has the room called "Willow"?', 'The "Oak" room seats 40.', "Rooms", ("willow", "oak")),
])
def test_a_naming_word_with_a_rival_in_its_place_is_a_near_miss(question, sentence, heading, hit):
    assert rival(question, sentence, heading) == hit


@pytest.mark.parametrize("question,sentence,heading", [
    ("When did the south depot open?", "The south depot on Mill Lane opened in 2014.", "Recycling"),
    ("How many unused leave days can I carry over?", "Up to five unused days may be carried over.", "Annual leave"),
    ("When did the depot open?", "The south depot opened in 2014.", "Recycling"),  # asks for no other depot
    # the question's word in the title or a heading the sentence stands under
    ("How much is an adult swim at Riverside Pool?", "An adult swim costs £4.50.", "Riverside Pool timetable"),
    ("by when must shops return the recalled Veltrane stock", "Quarantine remaining stock and return it by 3 May.",
     "Recall: two batches of Veltrane 50 mg capsules"),
    # verbs are no naming words: after "to", an auxiliary or a negation
    ("When do I have to stop eating before the test?", "After each dose, eat nothing solid for 6 hours.", "Prep"),
    ("When should I call if a cough doesn't get better?", "Call us if you do not feel better after 5 days.", "Advice"),
    ("Which club paid Rovers their record fee?", "Kelby Rovers received a record fee from Ashby Town.", "History"),
    # words of measure, and a capitalised name against a common word
    ("What's the maximum speed allowed?", "Cars keep to a legal speed of no more than 20 mph.", "Site rules"),
    ("What is the most the Kelby fees can reach?", "The total fees shall not exceed £9,000.", "Agreement"),
    # the head must be the same word, its plural aside: "monthly" is no "month"
    ("flat 4 mill row monthly rent", "The rent is £900 per calendar month.", "TENANCY AGREEMENT"),
    # a day of the week is capitalised but names no thing
    ("Saturday hours at the clinic", "Saturday 08:00 to 12:00", "Clinic opening hours"),
])
def test_the_same_subject_is_no_near_miss(question, sentence, heading):
    assert rival(question, sentence, heading) is None


def _src(text, title=""):
    return source_view(text), text, title


def test_every_place_the_span_came_from_must_be_a_near_miss():
    south = _src("Depots\n\nThe south depot opened in 2014.")
    north = _src("The north depot opened in 2014.")
    q = "When did the north depot open?"
    assert other_subject(q, "2014", [south], SENTENCE_END) == ("north", "south")
    assert other_subject(q, "2014", [south, north], SENTENCE_END) is None
    assert other_subject(q, "1999", [south], SENTENCE_END) is None  # found nowhere


def test_the_documents_title_is_read_with_the_sentence():
    text = "The south depot opened in 2014."
    q = "When did the north depot open?"
    assert other_subject(q, "2014", [_src(text)], SENTENCE_END) == ("north", "south")
    assert other_subject(q, "2014", [_src(text, "The north and south depots")], SENTENCE_END) is None


def test_headings_are_short_lines_standing_alone():
    raw = ("# Fees\n\n2. RENT\nThe rent is £900 per calendar month, paid on the first of\neach month by transfer\n\n"
           "Route 12: Harbour to Station\n\nBuses run hourly.")
    assert headings(raw) == ["Fees", "2. RENT", "Route 12: Harbour to Station"]
    assert headings(raw, raw.index("Route")) == ["Fees", "2. RENT"]  # only those above the sentence
    assert headings("and radio waves to make pictures\n\nThe scanner is quiet.") == []  # a chunk cut mid-sentence


def test_a_cells_row_is_read_with_it():
    raw = "Opening hours\n\n| Day | Hours |\n|---|---|\n| Saturday | 09:00 to 12:00 |\n| Sunday | closed |"
    assert other_subject("Saturday hours of the shop?", "09:00 to 12:00", [_src(raw)], SENTENCE_END) is None


def _check(question, answer, text, title=""):
    obj = {"status": "ok", "answer": answer, "citations": ["S1"]}
    return refusal_check(obj, [ContextItem(id="S1", text=text, title=title)], min_support=0.34, mode="extractive",
                         question=question, min_relevance=0.01)


def test_refusal_check_refuses_the_near_miss_and_keeps_the_answer():
    v = _check("When did the north depot open?", "2014", DEPOT)
    assert (v.status, v.reason) == ("refused", "other_subject")
    v = _check("When did the south depot open?", "2014", DEPOT)
    assert (v.status, v.reason, v.text) == ("ok", None, "2014")
    v = _check("How often does route 14 run on Saturdays?", "hourly", BUS)  # the route in the heading
    assert (v.status, v.reason) == ("refused", "other_subject")
    assert _check("How often does route 12 run on Saturdays?", "hourly", BUS).status == "ok"
    v = _check("How many days of sick leave do full-time staff get?", "25 days", LEAVE)
    assert (v.status, v.reason) == ("refused", "other_subject")


def test_a_faq_code_of_another_thing_is_refused():
    for q in ("whats the alarm code", "What's the door code for the side door?"):
        v = _check(q, "4 8 2 6", FAQ, title="Bramley Hall - questions")
        assert (v.status, v.reason) == ("refused", "other_subject")
    assert _check("what is the defib cabinet code", "4 8 2 6", FAQ).status == "ok"


def test_free_answers_are_not_judged_by_it():
    obj = {"status": "ok", "answer": "2014", "citations": ["S1"]}
    v = refusal_check(obj, [ContextItem(id="S1", text=DEPOT)], min_support=0.34, mode="free",
                      question="When did the north depot open?")
    assert v.status == "ok"


def test_the_reason_is_named_and_word_matched():
    assert "other_subject" in REFUSAL_REASONS and "other_subject" in WORD_MATCH_REASONS


def test_the_heading_is_read_apart_from_a_passage_run_into_one_segment():
    text = ("# Elm Park Tennis Club\n\nJunior membership is £45; senior membership costs £160. Junior coaching is on "
            "Tuesday evenings.")
    v = _check("When is senior coaching at the tennis club?", "Tuesday evenings", text)
    assert (v.status, v.reason) == ("refused", "other_subject")  # "senior" is in another sentence only
    assert _check("When is junior coaching at the tennis club?", "Tuesday evenings", text).status == "ok"
