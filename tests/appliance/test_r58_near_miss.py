"""Round 58: the near-miss check (ragtune/appliance/near_miss.py, refusal reason `other_subject`): an extractive
answer copied from a sentence about another thing of the question's kind is refused; the sentence is read under its
document's title and headings, and only naming words count; a rival is a name, a code or a member of one contrast
set (north/south, junior/senior, spring/summer...), since any other word may be a synonym (mend2). Invented texts
(CC0)."""
from __future__ import annotations

import time

import pytest

from ragtune.appliance.injection import source_view
from ragtune.appliance.near_miss import headings, other_subject, places, rival
from ragtune.appliance.refusal import WORD_MATCH_REASONS, refusal_check
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
    ("How many days of leave do part-time staff get?", "Full-time staff receive 25 days of annual leave a year.",
     "Policy", ("part-time", "full-time")),  # a hyphened word is read whole, its kind by its first part
    ("Who founded the Harwood Tennis Club?", "Harwood Cricket Club was founded in 1884 by Thomas Ashby.", "History",
     ("tennis", "cricket")),  # two names
    ("What time does route 14 leave on Saturdays?", "Saturdays: hourly from 08:00.", "Route 12: Harbour", ("14", "12")),
    # a name and another name before the same head, however many letters they share
    ("Saturday hours at the Ashcombe surgery?", "08:30 to 12:00", "Ashworth Surgery opening times",
     ("ashcombe", "ashworth")),
    # "the room called Willow" is the Willow room; the quotes do not part "Oak" from "room", nor hide a name
    ('How many seats has the room called "Willow"?', 'The "Oak" room seats 40.', "Rooms", ("willow", "oak")),
    # the subject right after an auxiliary is no verb
    ("What time does evening surgery finish?", "Morning surgery finishes at 12:30.", "Surgery times",
     ("evening", "morning")),
    ("Where is the women's changing room?", "The men's changing room is on the left.", "Pool", ("women", "men")),
    ("When is the Christmas concert?", "The spring concert is on 21 March.", "Concerts", ("christmas", "spring")),
    ("How much is the large room?", "The small room costs £20 an hour.", "Hire", ("large", "small")),
    # codes exactly: "10" is no "1" of "1 May"
    ("What's the deadline for Year 10 coursework?", "Year 11 coursework is due on 1 May.", "Deadlines", ("10", "11")),
    # a stop word abbreviates no name ("on" / "Orton")
    ("When does the Orton clinic open?", "The Ashby clinic opens on Mondays.", "Clinics", ("orton", "ashby")),
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
    # a word outside the contrast sets may be a synonym: no rival ("bin"/"refuse", "GP"/"doctors")
    ("When is the bin collection on Elm Street?", "Refuse collection on Elm Street is every Tuesday.", ""),
    ("What are the opening hours of the GP surgery?", "The doctors' surgery is open 8am to 6pm.", "Kelby Health"),
    ("What time does the Saturday market start?", "The weekend market opens at 8am in the square.", "Markets"),
    ("Where is the front entrance?", "The main entrance is on King Street.", "Finding us"),
    ("whats the alarm code", "The cabinet code is 4 8 2 6.", "Bramley Hall FAQ"),
    # one member of a contrast set written two ways
    ("How much is a kids swim?", "A children's swim costs £2 and an adult swim £4.50.", "Pool prices"),
    ("Where is the ladies toilet?", "The women's toilets are on the first floor.", "Facilities"),
    # a hyphened word whole: "day" of "30-day" is no rival of "monthly", nor "price" of "adult"
    ("How much is the monthly pass?", "A 30-day pass costs £55.", "Gym prices"),
    ("How much is an adult ticket?", "Full-price tickets cost £12; concessions £8.", "Box office"),
    # abbreviations and codes written two ways
    ("Which days is the Elm St surgery open?", "The Elm Street surgery is open Monday to Friday.", "Practices"),
    ("How high is Mt Kelby?", "Mount Kelby rises to 812 metres.", "Walks"),
    ("What's the postcode of the Westfield Rd depot?", "The Westfield Road depot postcode is KB4 7QT.", "Depots"),
    ("When is the MacLeod hall free?", "The McLeod hall is free on Fridays.", "Bookings"),
    ("What time does route 7 leave?", "Route 07 leaves at 07:40.", "Buses"),
    # after an auxiliary the question's last word is a verb, no head ("close" / "café closes")
    ("What time does the coffee shop close?", "The café closes at 4pm.", "Visitor centre"),
])
def test_the_same_subject_is_no_near_miss(question, sentence, heading):
    assert rival(question, sentence, heading) is None


def _src(text, title=""):
    return source_view(text), text, title


def test_every_place_the_span_came_from_must_be_a_near_miss():
    south = _src("Depots\n\nThe south depot opened in 2014.")
    north = _src("The north depot opened in 2014.")
    q = "When did the north depot open?"
    assert other_subject(q, "2014", [south]) == ("north", "south")
    assert other_subject(q, "2014", [south, north]) is None
    assert other_subject(q, "1999", [south]) is None  # found nowhere


def test_the_documents_title_is_read_with_the_sentence():
    text = "The south depot opened in 2014."
    q = "When did the north depot open?"
    assert other_subject(q, "2014", [_src(text)]) == ("north", "south")
    assert other_subject(q, "2014", [_src(text, "The north and south depots")]) is None


def test_headings_are_short_lines_standing_alone():
    raw = ("# Fees\n\n2. RENT\nThe rent is £900 per calendar month, paid on the first of\neach month by transfer\n\n"
           "Route 12: Harbour to Station\n\nBuses run hourly.")
    assert headings(raw) == ["Fees", "2. RENT", "Route 12: Harbour to Station"]
    assert headings(raw, raw.index("Route")) == ["Fees", "2. RENT"]  # only those above the sentence
    assert headings("and radio waves to make pictures\n\nThe scanner is quiet.") == []  # a chunk cut mid-sentence


def test_a_cells_row_is_read_with_it():
    raw = "Opening hours\n\n| Day | Hours |\n|---|---|\n| Saturday | 09:00 to 12:00 |\n| Sunday | closed |"
    assert other_subject("Saturday hours of the shop?", "09:00 to 12:00", [_src(raw)]) is None


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
    v = _check("How many days of annual leave do part-time staff get?", "25 days", LEAVE)
    assert (v.status, v.reason) == ("refused", "other_subject")
    assert _check("How many days of sick leave do full-time staff get?", "25 days", LEAVE).status == "ok"  # a synonym?


def test_a_faq_question_is_read_with_its_answer():
    faq = FAQ + "\n\nQ: Is there a key safe by the front door?\nA: The code is 1 9 7 3."
    v = _check("What's the code for the back door key safe?", "1 9 7 3", faq, title="Bramley Hall - questions")
    assert (v.status, v.reason) == ("refused", "other_subject")
    assert _check("What's the front door key safe code?", "1 9 7 3", faq).status == "ok"
    assert _check("what is the defib cabinet code", "4 8 2 6", FAQ).status == "ok"


def test_a_long_source_is_read_once():
    raw = "\n\n".join(f"Section {k}\n\nRoom {k} costs £10 a day. The key is at desk 1. Ask on floor 2."
                       for k in range(2000))
    start = time.process_time()
    found = list(places("10", [_src(raw, "Rooms")]))  # ("1" inside "£10" is no place of it, round 59)
    assert len(found) > 2000 and time.process_time() - start < 5  # 8.6 s for 52 KB when read per place
    assert found[0] == ("Room 0 costs £10 a day.", "Rooms\nSection 0\n")
    assert ("Room 999 costs £10 a day.", "\n".join(["Rooms", *(f"Section {k}" for k in range(1000)), ""])) in found


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
