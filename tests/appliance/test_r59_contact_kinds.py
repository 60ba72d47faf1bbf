"""Round 59: phone numbers, e-mail addresses and door/alarm/wifi codes as kinds of answer (answertype.py,
contactshapes.py): the questions that ask for one, the shapes that fit, the values that clearly do not; the one
phone number or e-mail address of the chosen span's block served instead of a span that is none (kindpick.py)."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.answertype import fits, kind
from ragtune.appliance.candidates import choose_span
from ragtune.appliance.contactshapes import bare_number, code_shaped, email_shaped, phone_shaped
from ragtune.appliance.genresult import GenResult
from ragtune.appliance.kindpick import kind_value
from ragtune.appliance.namedcell import named_cell
from ragtune.appliance.types import ContextItem


@pytest.mark.parametrize("question,expected", [
    ("what's the number for the office", "phone"),
    ("What number do I call for repairs?", "phone"),
    ("What's the contact number for the caretaker?", "phone"),
    ("contact number for the caretaker", "phone"),
    ("how do I phone the surgery", "phone"),
    ("What number are the emergency calls diverted to at weekends?", "phone"),
    ("which extension do I dial for payroll?", "phone"),
    ("What's the switchboard number?", "phone"),
    ("what's the email for bookings", "email"),
    ("What's the treasurer's email address?", "email"),
    ("Where do I email my application form?", "email"),
    ("what's the alarm code", "code"),
    ("door code for the side entrance?", "code"),
    ("what's the wifi password", "code"),
    ("What's the wi-fi password in the library?", "code"),
    ("which code opens the bike store?", "code"),
    ("what is the combination for the padlock on the shed", "code"),
    # another kind, or none: who, when, how many, a policy, a dress code, a room or booking number
    ("Who do I ring about lost property?", "person"),
    ("When did the door code change?", "date"),
    ("How many phone lines does the office have?", "count"),
    ("Where do I send my form?", None),
    ("What is the wifi password policy?", None),
    ("What's the dress code for the dinner?", None),
    ("What's the room number for the meeting?", None),
    ("What's the booking number for my order?", None),
    ("What's the extension of the deadline?", None),
    ("what is the deadline extension for coursework", None),
    ("visa extension", None),
    ("whats the phone extension for the shift lead", "phone"),
    ("What's the number of the bus to the hospital?", None),
    ("what's the best combination of classes for beginners", None),
    ("Is the phone number for the surgery still the same?", None),
    ("how do I call a meeting of the committee", None),
    ("How do I ring the doorbell at the flats?", None),
    ("What was the email about?", None),
    ("What number of people call the helpline each year?", None),
    ("how do I phone in sick?", None),
    ("What number did the single reach in the charts?", None),
    ("What number is mentioned in the text?", None),
    ("What was the goalkeeper's number in the final?", None),  # a shirt's, maybe
    ("which number should we text to book?", "phone"),
])
def test_kind(question, expected):
    assert kind(question) == expected


@pytest.mark.parametrize("question,answer", [
    ("What number do I call for repairs?", "01632 960 123"),
    ("What number do I call for repairs?", "+44 7700 900123"),
    ("What number do I call for repairs?", "(555) 123-4567"),
    ("What number do I call for repairs?", "ext. 214"),
    ("What number do I call for repairs?", "0800 123 456"),
    ("What number do I call for repairs?", "call 0114 496 0321 (option 2)"),
    ("What number do I call for repairs?", "999"),
    ("What number do I call for repairs?", "the repairs line"),
    ("what's the email for bookings", "bookings@millbrookhall.org"),
    ("what's the email for bookings", "bookings [at] millbrook [dot] org"),
    ("what's the email for bookings", "the bookings secretary"),  # no digits: unsure
    ("what's the alarm code", "2580"),
    ("what's the alarm code", "C1470X"),
    ("what's the alarm code", "3-1-9"),
    ("what's the alarm code", "1066#"),
    ("what's the wifi password", "Harbour2026!"),
    ("what's the wifi password", "readmore-guest"),
    ("what's the alarm code", "2580, changed on 1 March"),
])
def test_right_answers_fit(question, answer):
    assert fits(question, answer)


@pytest.mark.parametrize("question,answer", [
    ("What number do I call for repairs?", "Room 12"),
    ("What number do I call for repairs?", "12 March 2026"),
    ("What number do I call for repairs?", "2026-03-11"),
    ("What number do I call for repairs?", "£25"),
    ("What number do I call for repairs?", "8am to 6pm"),
    ("What number do I call for repairs?", "9-5"),
    ("What number do I call for repairs?", "Jane Smith"),
    ("What number do I call for repairs?", "repairs@hallam.org"),
    ("what's the email for bookings", "01632 960 123"),
    ("what's the email for bookings", "12 March"),
    ("what's the alarm code", "30 seconds"),
    ("what's the alarm code", "12 March 2026"),
    ("what's the alarm code", "£250"),
    ("what's the alarm code", "10:30"),
    ("what's the alarm code", "7am"),
    ("what's the alarm code", "Room 4"),
    ("what's the alarm code", "250 square metres"),
])
def test_values_of_another_kind_do_not_fit(question, answer):
    assert not fits(question, answer)


def test_shapes():
    assert phone_shaped("tel. 020 7946 0857, 3rd floor") and phone_shaped("dial extension 5520")
    assert not phone_shaped("1998-2004") and not phone_shaped("11/03/2026") and not phone_shaped("£1,250,000")
    assert bare_number("214") and not bare_number("9-5", 3) and bare_number("3-1-9", 3, code=True)
    assert not bare_number("12/03/2026", 3, code=True)
    assert email_shaped("help at greenlane dot org") and not email_shaped("meet at the town hall")
    assert code_shaped("code 4417 for the porch") and not code_shaped("from 1 April 2026")


def _res(answer: str, mean: float, complete: bool = True) -> GenResult:
    text = json.dumps({"status": "ok", "answer": answer, "citations": ["S1"]})
    if not complete:
        text = text[:text.index(', "citations"')]
    return GenResult(text=text, tokens_prompt=100, tokens_completion=3, ttft_ms=10.0, generation_ms=10.0,
                     answer_mean_logprob=mean, answer_min_logprob=mean, finish="stop" if complete else "answer")


def test_the_candidates_prefer_the_phone_number_to_the_room_beside_it():
    ctx = [ContextItem(id="S1", text="The parish office, Room 3 at the Old School, is staffed on Tuesdays; its number "
                                     "is 01632 960 123.")]

    def more(avoid, complete):
        return _res("01632 960 123", -1.2, complete)

    got = choose_span(_res("Room 3", -0.2), more, 2, "what's the number for the office", ctx)
    assert json.loads(got.text)["answer"] == "01632 960 123"
    # a question of no kind: the likelier span, as before
    got = choose_span(_res("Room 3", -0.2), more, 2, "parish office details", ctx)
    assert json.loads(got.text)["answer"] == "Room 3"


def test_the_named_cell_moves_to_the_phone_cell_not_from_it():
    rows = [ContextItem("S1", "Name: Ann Cole; Room: 214; Phone: 01632 960 471", source="/share/staff.csv"),
            ContextItem("S2", "Name: Raj Patel; Room: 12; Phone: 01632 960 472", source="/share/staff.csv")]
    assert named_cell("214", ["S1"], "What's Ann Cole's phone number?", rows) == ("01632 960 471", ["S1"])
    # "room" named, but a phone number asked for: never moved to the room "12" (a 3-digit "214" could be an
    # extension, so it would fit)
    assert named_cell("01632 960 472", ["S2"], "what's the contact number for Raj Patel's room?", rows) is None
    assert named_cell("01632 960 472", ["S2"], "Raj Patel's room?", rows) == ("12", ["S2"])


RECALL = ("## Contacts\n\nMedical information enquiries: Tembrook Pharma, 0800 555 0150 (09:00 to 17:00, Monday to "
          "Friday).\n\nReturns: your pharmacy, 01632 960 777 or 01632 960 778.")


@pytest.mark.parametrize("question,answer,want", [
    ("What number should I call for medical information?", "09:00 to 17:00", "0800 555 0150"),
    ("What number should I call for medical information?", "Tembrook Pharma", "0800 555 0150"),
    ("What number should I call for medical information?", "0800 555 0150", None),  # fits already
    ("What number do I ring about returns?", "your pharmacy", None),  # two numbers in its block: left alone
    ("Who handles medical information enquiries?", "09:00 to 17:00", None),  # no phone asked
    ("What's the alarm code?", "09:00 to 17:00", None),  # codes are never picked
])
def test_the_one_phone_number_of_the_winners_block(question, answer, want):
    ctx = [ContextItem("S1", RECALL, source="/share/recall.md")]
    assert kind_value(question, answer, ["S1"], ctx) == want
    assert kind_value(question, answer, [], ctx) is None  # not cited: not read


def test_a_number_or_address_cut_short_is_served_whole():
    ctx = [ContextItem("S1", "Phone the surgery on (01632) 960 555 between 8.00 and 10.30.\n\nBookings: send the form "
                             "to bookings@millbrookhall.org at least 14 days ahead.")]
    assert kind_value("how do I phone the surgery", "01632", ["S1"], ctx) == "(01632) 960 555"
    assert kind_value("what's the email for bookings", "@millbrookhall.org", ["S1"], ctx) == (
        "bookings@millbrookhall.org")
    two = [ContextItem("S1", "Surgery: 01632 960 555. Pharmacy: 01632 960 556.")]
    assert kind_value("how do I phone the surgery", "01632", ["S1"], two) is None  # part of two: left alone
    assert kind_value("how do I phone the surgery", "01632 960 555", ["S1"], two) is None  # whole already


def test_the_one_email_address_of_the_winners_block():
    ctx = [ContextItem("S1", "Bookings: send the form to bookings@millbrookhall.org at least 14 days ahead.")]
    assert kind_value("what's the email for bookings", "at least 14 days", ["S1"], ctx) == "bookings@millbrookhall.org"


def test_the_candidates_serve_the_picked_number():
    ctx = [ContextItem("S1", RECALL, source="/share/recall.md")]

    def more(avoid, complete):
        return _res("Monday to Friday", -1.5, complete)

    got = json.loads(choose_span(_res("09:00 to 17:00", -0.2), more, 2,
                                 "What number should I call for medical information?", ctx).text)
    assert got["answer"] == "0800 555 0150" and got["citations"] == ["S1"]
