"""Round 59: dates as people write them, round two (dateforms.py): ranges write every day inside them ("3-5 March"
meets "4 March"), spreadsheet and log shapes ("03-Mar-26", "03/Mar/2026:10:15"), spelled ordinals ("the third of
March"), and the look-alikes that stay no date. Invented notices (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.dateforms import date_terms, dates
from ragtune.appliance.evidence import features
from ragtune.appliance.lexical import SCHEMA_VERSION, LexicalIndex
from ragtune.appliance.lexical_terms import form_terms, search_terms
from ragtune.appliance.store import Store

from .test_lexical import _add_doc, _chunk_id


def days(text: str) -> set[tuple[int, int]]:
    return {(d, m) for d, m, _ in dates(text)}


@pytest.mark.parametrize("text", [
    "Pool closed 3-5 March", "craft club 3rd–5th March 2026", "sessions March 3 to 5", "Mar 3-5, 2026",
    "let from the 3rd to the 5th of March", "between 3 and 5 March", "Tuesday 3 - Thursday 5 March",
    "from the third to the fifth of March", "March 3rd through 5th inclusive", "3 March - 5 March",
])
def test_a_range_writes_every_day_inside_it(text):
    assert days(text) == {(3, 3), (4, 3), (5, 3)}
    assert "date0304" in date_terms(text)


def test_a_range_across_months_and_years():
    assert days("closed 27 Feb - 2 Mar") == {(27, 2), (28, 2), (1, 3), (2, 3)}  # no year: no 29 February
    assert (29, 2) in days("closed 27 Feb 2028 - 2 Mar 2028")  # a leap year written
    assert days("On call 28 Dec 2025 - 3 Jan 2026") >= {(31, 12), (1, 1), (2, 1)}
    assert days("2026-03-30 to 2026-04-02") == {(30, 3), (31, 3), (1, 4), (2, 4)}
    assert days("from 30 March until 2 April") == {(30, 3), (31, 3), (1, 4), (2, 4)}


def test_a_long_range_writes_only_its_ends():
    assert days("Courses run 1 March - 30 June") == {(1, 3), (30, 6)}
    assert len(days("1 March - 31 March")) == 31 and len(days("1 March - 1 April")) == 32  # 31 days: each
    assert days("1 March - 2 April") == {(1, 3), (2, 4)}  # 32 days: the ends


@pytest.mark.parametrize("text, want", [
    ("Hall booked on 2 and 4 March", {(2, 3), (4, 3)}),  # "and" without "between": two days, not a range
    ("3 March and 5 March", {(3, 3), (5, 3)}),
    ("Sept 3-5 people volunteered", {(3, 9)}),  # a range's end then a noun: a number
    ("April 1 - 3pm", {(1, 4)}), ("Jun 3 - 4.30", {(3, 6)}),  # a time
    ("room 3-5 may be booked", set()), ("Ages 3-5, March intake", set()),
])
def test_what_is_no_range(text, want):
    assert days(text) == want


@pytest.mark.parametrize("text, want", [
    ("03-Mar-26, Ade, 45.00", (3, 3, "26")), ("03-Mar-2026 | boiler service", (3, 3, "2026")),
    ('[03/Mar/2026:10:15:02 +0000] "GET /"', (3, 3, "2026")), ("7-Mar, front desk", (7, 3, "")),
    ("2026/03/03 Rosa", (3, 3, "2026")), ("Tue 3 Mar: yoga", (3, 3, "")), ("3.3.2026 locked", (3, 3, "2026")),
])
def test_spreadsheet_and_log_shapes(text, want):
    assert dates(text) == [want]


def test_a_dotted_date_is_day_first_where_the_text_shows_it():
    assert days("14.3.2026") == {(14, 3)}  # a day over 12
    assert days("4.3.2026") == {(4, 3), (3, 4)}  # nothing shows the order: both readings
    assert days("4.3.2026 and 14.3.2026") == {(4, 3), (14, 3)}  # the text's other date shows day first


@pytest.mark.parametrize("text, want", [
    ("the open day is on the third of March", (3, 3)), ("Save the date: March the third, 7pm", (3, 3)),
    ("our barbecue is on the twenty-first of June", (21, 6)), ("twenty first of June", (21, 6)),
    ("on the thirtieth of September", (30, 9)), ("Members meet on the first of May.", (1, 5)),
    ("Thursday 2nd April", (2, 4)), ("March third at 10am", (3, 3)),
])
def test_spelled_ordinals(text, want):
    assert dates(text) == [(*want, "")]
    assert f"date{want[1]:02d}{want[0]:02d}" in date_terms(text)


@pytest.mark.parametrize("text", [
    "She came third in the March sprint.", "the second march of the season", "First, may I thank you",
    "you may first ask", "March the first group to the hall", "a third march was planned", "Chapter 3-6 of the",
])
def test_what_stays_no_date(text):
    assert date_terms(text) == []


NOTICES = ["Pool closed for repairs 3-5 March; the gym stays open.",
           "Pool open on 10 March for the swim gala, doors 6pm.",
           "Boiler log: 03-Mar-26 serviced by Ade; 14-Apr-26 checked.",
           "The open day is on the third of June in the main hall."]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    d = tmp_path_factory.mktemp("r59d")
    s = Store(d / "db.sqlite")
    _add_doc(s, "/notices.md", "Notices", NOTICES)
    ix = LexicalIndex(d / "tantivy")
    ix.ensure_synced(s)
    yield ix, s
    ix.close()
    s.close()


@pytest.mark.parametrize("question, chunk", [
    ("is the pool open on 4 March", "Pool closed for repairs"),
    ("when was the boiler serviced, 3 March?", "Boiler log"),
    ("what's on 3 June", "The open day"),
])
def test_the_chunk_of_the_asked_day_ranks_first(index, question, chunk):
    ix, store = index
    hits = ix.search(question, 3)
    assert hits[0][0] == _chunk_id(store, chunk), (question, hits, search_terms(question))


def test_the_evidence_check_meets_a_day_inside_a_range():
    src = [SimpleNamespace(text=NOTICES[0], rerank=1.0)]
    assert features("Is the pool closed on 4 March?", src)["number_missing"] == 0.0
    assert features("Is the pool closed on 6 March?", src)["number_missing"] == 1.0


def test_form_terms_of_a_spelled_date_without_digits():
    assert form_terms("the third of March") == ["date0303", "day03"]


def test_an_index_of_round_58_is_rebuilt():
    assert SCHEMA_VERSION >= 7  # the forms terms changed (round 59): an index of schema 6 is rebuilt from SQLite
