"""Round 55: an extractive answer copied from one cell of a table row moves to the cell of THAT row whose label the
question names clearly better (namedcell.py); the conservative cases leave it alone. Invented rows (CC0)."""
from __future__ import annotations

import json

import pytest

from ragtune.appliance.candidates import choose_span
from ragtune.appliance.genresult import GenResult
from ragtune.appliance.namedcell import named_cell, terms
from ragtune.appliance.types import ContextItem

HALL = [("Main hall", 15, 22), ("Committee Room", 7, 11)]
HALL_ROWS = [f"## Sheet: Rates\nRoom: {r}; Parishioner rate: £{p}; Non-parishioner rate: £{n}" for r, p, n in HALL]
FEES = "Item: Allotment plot; 2025/26 fee: £32; 2026/27 fee: £35"
FEES2 = "Item: Market pitch; 2025/26 fee: £18; 2026/27 fee: £20"
SESSIONS = ["Day: Tuesday; Start: 10:00; End: 12:30; Leader: Ann Cole",
            "Day: Thursday; Start: 14:00; End: 16:00; Leader: Raj Patel"]


def _ctx(texts: list[str], source: str = "/share/hall.xlsx") -> list[ContextItem]:
    return [ContextItem(f"S{i}", t, source=source) for i, t in enumerate(texts, start=1)]


@pytest.mark.parametrize("question,answer,want", [
    ("How much is the hall for non-parishioners?", "£15", "£22"),
    ("How much is the main hall for non parishioner-s?", "£15", None),  # no label named: left alone
    ("What do parishioners pay for the main hall?", "£22", "£15"),  # "parishioner", not inside "non-parishioner"
    ("Main hall price for a non-parishioner", "Main hall", "£22"),  # the key copied: the named cell instead
    ("How much is the hall for non-parishioners?", "£22", None),  # already the named cell
    ("How much is the hall?", "£15", None),  # no label named
])
def test_the_parishioner_rates(question, answer, want):
    got = named_cell(answer, ["S1"], question, _ctx(HALL_ROWS))
    assert (got and got[0]) == want
    if want:
        assert got == (want, ["S1"])


def test_the_words_of_a_value_the_question_says_name_no_label():
    # "room" of "the committee room" names the row, not the Room column: the chosen key cell is not named by it
    ctx = _ctx(HALL_ROWS)
    assert named_cell("Committee Room", ["S2"], "How much is the committee room for non-parishioners?", ctx) == (
        "£11", ["S2"])
    # "which room": the Room column is asked for, so the chosen label is named too
    assert named_cell("Committee Room", ["S2"], "Which room costs non-parishioners most?", ctx) is None
    # a cell whose value the question says is not the answer: it gives it
    assert named_cell("Committee Room", ["S2"], "Which room is £11 for non-parishioners?", ctx) is None


def test_year_columns():
    ctx = _ctx([FEES, FEES2], "/share/fees.csv")
    assert named_cell("£32", ["S1"], "What was the 2026/27 fee for an allotment plot?", ctx) == ("£35", ["S1"])
    assert named_cell("£35", ["S1"], "Allotment plot fees in 2025-26?", ctx) == ("£32", ["S1"])
    assert named_cell("£32", ["S1"], "What is the allotment plot fee?", ctx) is None  # "fee" is both labels'
    # both years named: the chosen label is named too
    assert named_cell("£32", ["S1"], "How did the plot fee change from 2025/26 to 2026/27?", ctx) is None


def test_start_and_end_columns():
    ctx = _ctx(SESSIONS, "/share/sessions.ods")
    assert named_cell("10:00", ["S1"], "When does the Tuesday session end?", ctx) == ("12:30", ["S1"])
    assert named_cell("12:30", ["S1"], "What time does the Tuesday session start?", ctx) == ("10:00", ["S1"])
    assert named_cell("10:00", ["S1"], "When does the Tuesday session start and end?", ctx) is None  # both named
    assert named_cell("Ann Cole", ["S1"], "When does Ann Cole's Tuesday session end?", ctx) == ("12:30", ["S1"])
    # the chosen answer's label is named: left alone even beside another named label
    assert named_cell("Ann Cole", ["S1"], "Who is the leader of the session that starts at 10:00?", ctx) is None


def test_two_labels_tie():
    row = "Name: Jo Park; Phone: 0113 496 0000; Mobile: 07700 900123; Team: Sales"
    ctx = _ctx([row], "/share/staff.csv")
    assert named_cell("Sales", ["S1"], "Jo Park phone or mobile?", ctx) is None  # one word each: a tie
    assert named_cell("Sales", ["S1"], "What is Jo Park's mobile?", ctx) == ("07700 900123", ["S1"])


def test_a_longer_label_match_wins_over_a_shorter_one():
    row = "Room: Hall; Weekday rate: £10; Weekend rate: £14; Weekend evening rate: £18"
    ctx = _ctx([row], "/share/rates.xlsx")
    assert named_cell("£10", ["S1"], "The hall's weekend evening rate?", ctx) == ("£18", ["S1"])
    assert named_cell("£10", ["S1"], "The hall's weekend rate?", ctx) == ("£14", ["S1"])


@pytest.mark.parametrize("source", ["/share/hall.md", "/share/hall.txt", "/share/hall.pdf", "/eval/c.jsonl#d3", ""])
def test_sources_that_are_no_rows_are_left_alone(source):
    assert named_cell("£15", ["S1"], "How much is the hall for non-parishioners?", _ctx(HALL_ROWS, source)) is None


def test_a_document_table_row_counts_but_its_prose_does_not():
    row = "Room: Main hall; Parishioner rate: £15; Non-parishioner rate: £22"
    q = "How much is the hall for non-parishioners?"
    assert named_cell("£15", ["S1"], q, _ctx([row], "/share/hire.docx")) == ("£22", ["S1"])
    # a prose source holding the answer too: the answer may be the prose's, left alone
    ctx = _ctx([row], "/share/hire.docx") + [ContextItem("S2", "The hall costs £15 an hour.", source="/s/n.md")]
    assert named_cell("£15", ["S1"], q, ctx) is None


def test_a_headerless_row_is_left_alone():
    ctx = _ctx(["Main hall | £15 | £22 | Non-parishioner rate on request"], "/share/hall.csv")
    assert named_cell("£15", ["S1"], "How much is the hall for non-parishioners?", ctx) is None


def test_an_answer_held_by_several_cells_or_none_is_left_alone():
    ctx = _ctx(["Room: Annexe; Parishioner rate: £9; Non-parishioner rate: £9; Weekend rate: £12"])
    assert named_cell("£9", ["S1"], "How much is the annexe at the weekend?", ctx) is None  # which £9 is unknown
    assert named_cell("£99", ["S1"], "How much is the annexe at the weekend?", ctx) is None
    # two cited rows hold it: which row is unknown
    ctx = _ctx(HALL_ROWS + ["Room: Annexe; Parishioner rate: £15; Non-parishioner rate: £30"])
    assert named_cell("£15", ["S1", "S3"], "How much is it for non-parishioners?", ctx) is None
    assert named_cell("£15", ["S3"], "How much is it for non-parishioners?", ctx) == ("£30", ["S3"])  # the cited


def test_a_prefix_of_a_cell_and_a_span_with_its_label():
    ctx = _ctx(["Course: First aid; Start date: 2026-05-04 (Monday); End date: 2026-05-08 (Friday)"],
               "/share/courses.xlsx")
    assert named_cell("2026-05-04", ["S1"], "When does first aid end?", ctx) == ("2026-05-08 (Friday)", ["S1"])
    assert named_cell("Start date: 2026-05-04", ["S1"], "first aid end date", ctx) == ("2026-05-08 (Friday)", ["S1"])
    assert named_cell("2026-05", ["S1"], "When does first aid end?", ctx) is None  # not at a word end


def test_terms():
    assert terms("Non-parishioners' fees for parties, 2026/27 rates; classes ending") == {
        "non-paris", "fee", "party", "2026", "27", "rate", "class", "end"}
    assert terms("Status of the bus") == {"statu", "bus"}
    assert terms("Who drives") == terms("Driver") and terms("Parishioner") != terms("non-parishioners")


def test_a_label_word_beside_a_value_the_question_says_names_that_row():
    # "registration" and "on call" say which row (their values are in the question): no column asked for
    ctx = _ctx(["Registration: KX23 NJV; Vehicle: Vauxhall Vivaro; Driver: Hana Ito; Mileage: 62,921"], "/s/f.xlsx")
    assert named_cell("62,921", ["S1"], "Which vehicle has registration KX23 NJV?", ctx) == ("Vauxhall Vivaro",
                                                                                           ["S1"])
    assert named_cell("Hana Ito", ["S1"], "Who drives the vehicle with registration KX23 NJV?", ctx) is None
    ctx = _ctx(["Week: W20; Dentist on call: Dr Halima Wynne; Nurse on call: Owen Treacy; Note: swapped with Dr Aske"],
               "/s/rota.csv")
    assert named_cell("swapped with Dr Aske", ["S1"], "Why is Dr Halima Wynne on call in W20?", ctx) is None
    assert named_cell("Dr Halima Wynne", ["S1"], "Which nurse is on call in W20?", ctx) == ("Owen Treacy", ["S1"])


def _res(answer, mean, cites=("S1",)):
    text = json.dumps({"status": "ok", "answer": answer, "citations": list(cites)}, ensure_ascii=False)
    return GenResult(text=text, tokens_prompt=100, tokens_completion=5, ttft_ms=1.0, generation_ms=1.0,
                     answer_mean_logprob=mean, answer_min_logprob=mean)


def test_choose_span_answers_the_named_cell_after_the_cut():
    ctx = _ctx(HALL_ROWS)
    first = _res("£15; Non-parishioner rate: £22", -0.2)
    got = choose_span(first, lambda avoid, whole: _res("Main hall", -5.0), 2,
                      "How much is the main hall for non-parishioners?", ctx)
    assert json.loads(got.text) == {"status": "ok", "answer": "£22", "citations": ["S1"]}
    got = choose_span(first, lambda avoid, whole: _res("Main hall", -5.0), 2, "How much is the main hall?", ctx)
    assert json.loads(got.text) == {"status": "ok", "answer": "£15", "citations": ["S1"]}  # the cut alone, as before
    # a remote model's answer (no confidence) or one candidate: untouched, as before
    assert choose_span(_res("£15", None), lambda a, w: _res("x", -1.0), 2, "non-parishioner rate?", ctx).text == \
        _res("£15", None).text


def test_the_rows_key_competes_but_is_never_the_answer():
    ctx = _ctx(["Key no.: K-03; Opens: Main door (front); Issued to: Pauline Okafor; Returned on: 2025-12-07"],
               "/share/keys.csv")
    # "key" names the first column, the row's key: the question says which row with it
    assert named_cell("2025-12-07", ["S1"], "When did Pauline Okafor hand back her main door key?", ctx) is None
    ctx = _ctx(["Booking: FH-2604; Booked by: Ruth Ingledew; From: 14:00; To: 17:00"], "/share/bookings.csv")
    # "booking" names both Booking and Booked by: a tie, though the key can never win
    assert named_cell("14:00", ["S1"], "When does our booking start?", ctx) is None


def test_a_chosen_value_the_question_half_says_and_why_questions_are_left_alone():
    ctx = _ctx(["SKU: PH-1081; Item: Padlock 50 mm laminated; Price 2026: 14,60; Note: discontinued - replaced by "
                "PH-1082"], "/share/prices.csv")
    # "replaced" is why the model chose the note: the SKU column's own value is not the answer
    assert named_cell("discontinued - replaced by PH-1082", ["S1"], "Which SKU replaced the 50 mm padlock?",
                      ctx) is None
    # a "why" question asks for a reason, whatever column its year names
    assert named_cell("discontinued - replaced by PH-1082", ["S1"], "Why is there no padlock price in 2026?",
                      ctx) is None
    assert named_cell("Padlock 50 mm laminated", ["S1"], "What is the 2026 price of the 50 mm laminated padlock?",
                      ctx) == ("14,60", ["S1"])


def test_dates_said_as_people_say_them_name_their_row():
    ctx = _ctx(["Week commencing: 2026-01-26; Tuesday: Gareth Lowe; Thursday: Hollis Mbeki; Driver: Nadia Firth"],
               "/share/rota.csv")
    assert named_cell("Gareth Lowe", ["S1"], "Who volunteers on the Thursday of the week commencing 26 January?",
                      ctx) == ("Hollis Mbeki", ["S1"])


def test_a_corpus_row_of_a_csv_document_is_a_row_as_the_cell_cut_reads_it():
    ctx = _ctx(HALL_ROWS, "/tmp/c/corpus.jsonl#ledgers/hall-rates.csv")
    assert named_cell("£15", ["S1"], "How much is the hall for non-parishioners?", ctx) == ("£22", ["S1"])
    ctx = _ctx(HALL_ROWS, "/tmp/c/corpus.jsonl#ledgers/hall-rates.md")
    assert named_cell("£15", ["S1"], "How much is the hall for non-parishioners?", ctx) is None


# reviewer readB's repros (round 55): a negated label and a value of another kind
@pytest.mark.parametrize("question", [
    "How much is the main hall for non parishioners?",
    "How much is the main hall for someone who is not a parishioner?",
    "How much is the main hall for someone who isn't a parishioner?",
    "How much is the main hall for anyone other than parishioners?",
    "How much is the main hall for non-parishioners?",
])
def test_a_negated_label_never_moves_the_right_cell_to_the_label_it_negates(question):
    assert named_cell("£22", ["S1"], question, _ctx(HALL_ROWS)) is None


@pytest.mark.parametrize("question,want", [
    ("How much is the main hall for non parishioners?", "£22"),  # "non parishioners" is "non-parishioners"
    ("How much is the main hall for someone who is not a parishioner?", "£22"),
    ("How much is the main hall for someone who isn't a parishioner?", "£22"),
    ("How much is the main hall for anyone other than parishioners?", None),  # no label says "other than": alone
    ("Main hall price, not for parishioners?", None),  # a "not" before a stopword: unsure, alone
])
def test_a_negation_joined_with_its_word_names_the_non_label(question, want):
    got = named_cell("£15", ["S1"], question, _ctx(HALL_ROWS))
    assert (got and got[0]) == want


def test_members_and_non_members():
    ctx = _ctx(["Item: Hall hire; Members: £10; Non-members: £15"], "/share/hire.csv")
    assert named_cell("£15", ["S1"], "Hall hire for non members?", ctx) is None
    assert named_cell("£10", ["S1"], "Hall hire for non members?", ctx) == ("£15", ["S1"])
    assert named_cell("£15", ["S1"], "Hall hire for members?", ctx) == ("£10", ["S1"])
    assert terms("non members") == terms("non-members") == terms("not a member") == terms("no members")


def test_vat_negated_is_left_alone_unless_the_label_says_the_negation():
    ctx = _ctx(["Item: Hall hire; Price including VAT: £120; Price excluding VAT: £100"], "/share/prices.xlsx")
    assert named_cell("£100", ["S1"], "Hall hire price not including VAT?", ctx) is None
    assert named_cell("£120", ["S1"], "Hall hire price excluding VAT?", ctx) == ("£100", ["S1"])  # the label's word
    assert named_cell("£100", ["S1"], "Hall hire price including VAT?", ctx) == ("£120", ["S1"])
    ctx = _ctx(["Item: Hall hire; Price: £100; Price with VAT: £120"], "/share/prices.xlsx")
    for q in ("What is the hall hire price without VAT?", "What is the hall hire price before VAT?"):
        assert named_cell("£100", ["S1"], q, ctx) is None
    assert named_cell("£100", ["S1"], "What is the hall hire price with VAT?", ctx) == ("£120", ["S1"])


def test_a_value_of_another_kind_than_the_question_asks_is_never_the_answer():
    ctx = _ctx(["Name: Jane Smith; Phone: 0123; Email: jane@x.org; Role: Treasurer"], "/share/contacts.csv")
    assert named_cell("Jane Smith", ["S1"], "Who should I phone about money, the treasurer?", ctx) is None
    assert named_cell("Jane Smith", ["S1"], "What is the treasurer's phone number?", ctx) == ("0123", ["S1"])
    ctx = _ctx(SESSIONS, "/share/sessions.ods")
    assert named_cell("Ann Cole", ["S1"], "Starting from next week, who leads on Tuesday?", ctx) is None


def test_a_negated_word_no_label_has_is_no_matter():
    ctx = _ctx(HALL_ROWS)
    # "not the committee room", "before the wedding", "can't find": no label of the row has the negated word
    assert named_cell("£15", ["S1"], "The main hall, not the committee room: what do non-parishioners pay?",
                      ctx) == ("£22", ["S1"])
    assert named_cell("£15", ["S1"], "Before the wedding, what do non-parishioners pay for the main hall?",
                      ctx) == ("£22", ["S1"])
    assert named_cell("£15", ["S1"], "I can't find it: the main hall's non-parishioner rate?", ctx) == (
        "£22", ["S1"])
    # a year column's year negated is a label's word: left alone
    ctx = _ctx([FEES, FEES2], "/share/fees.csv")
    assert named_cell("£32", ["S1"], "The allotment plot fee, not for 2025/26: what is it?", ctx) is None


# reviewer readC's repros (round 55): "No. seats" is the number of seats, no negation; "No parking zone" one
@pytest.mark.parametrize("rows,source,question,answer,want", [
    (["Room: Main hall; No. seats: 120; Seats for dining: 80", "Room: Annex; No. seats: 40; Seats for dining: 30"],
     "/share/rooms.xlsx", "How many seats are in the main hall?", "120", None),
    (["Room: Main hall; No. seats: 120; Seats for dining: 80", "Room: Annex; No. seats: 40; Seats for dining: 30"],
     "/share/rooms.xlsx", "How many seats for dining are in the main hall?", "120", "80"),
    (["Room: Main hall; № seats: 120; Seats for dining: 80"], "/share/rooms.xlsx",
     "How many seats are in the main hall?", "120", None),
    (["Room: Main hall; Nº seats: 120; Seats for dining: 80"], "/share/rooms.xlsx",
     "How many seats are in the main hall?", "120", None),
    (["Course: Pottery; No. places: 12; Places left: 3"], "/share/courses.csv",
     "How many places does the pottery course have?", "12", None),
    (["Course: Pottery; No. places: 12; Places left: 3"], "/share/courses.csv",
     "How many places are left on the pottery course?", "12", "3"),
    (["Member: Ann Cole; No. sessions: 10; Sessions attended: 7"], "/share/attendance.ods",
     "How many sessions does Ann Cole have?", "10", None),
    (["Member: Ann Cole; No. sessions: 10; Sessions attended: 7"], "/share/attendance.ods",
     "How many sessions has Ann Cole attended?", "10", "7"),
    # a label saying a negation still names it
    (["Room: Main hall; Parking: 20 spaces; No parking zone: Front drive"], "/share/rooms.xlsx",
     "Where is there no parking at the main hall?", "20 spaces", "Front drive"),
    (["Room: Main hall; Deposit: £50; No deposit rate: £30; Rate: £25"], "/share/rooms.xlsx",
     "What is the main hall rate if I pay no deposit?", "£25", "£30"),
    (["Event: Quiz; Member price: £5; Non-member price: £8"], "/share/events.csv",
     "How much is the quiz for non members?", "£5", "£8"),
])
def test_a_number_sign_is_no_negation(rows, source, question, answer, want):
    got = named_cell(answer, ["S1"], question, _ctx(rows, source))
    assert (got and got[0]) == want


def test_no_dot_terms():
    assert terms("No. seats") == terms("No.seats") == terms("№ seats") == terms("Nº seats") == terms("seats")
    assert terms("No seats") == terms("no seat") != terms("seats")  # "no" without "." is still a negation
    assert terms("Smoking: No. Seats: 4") == terms("smoking seats 4")  # a value "No." is no negation of the next label
