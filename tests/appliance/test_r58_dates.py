"""Round 58: a question's date and a document's date meet however each is written (dateforms.py): in the keyword
index (lexical_terms.search_form adds "date0311" and "day11" to chunks and questions alike) and in the evidence
check (best_sentence reads a source's "2026-03-03" as "3 March"; number_missing meets "3" in "03"). Invented
rota and notices (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.dateforms import date_numbers, date_terms, date_words, dates, with_date_numbers
from ragtune.appliance.evidence import features
from ragtune.appliance.lexical import LexicalIndex, search_terms
from ragtune.appliance.store import Store

from .test_lexical import _add_doc, _chunk_id


@pytest.mark.parametrize("written", [
    "who's on the till on the 11th of March", "March 11", "march 11th", "11 Mar", "the 11th of march",
    "2026-03-11", "11/03/2026", "11.03.26", "on 3/11", "Wednesday 11 March 2026", "Mar. 11, 2026",
])
def test_every_form_of_a_date_gives_its_terms(written):
    assert "date0311" in date_terms(written) and "day11" in date_terms(written)


def test_a_day_alone_meets_only_by_its_day():
    assert date_terms("who cleans on the 3rd?") == ["day03"]
    assert date_terms("Wednesday 11th: deep clean") == ["day11"]
    assert "day03" in date_terms("2026-03-03,Tuesday,Rosa")


@pytest.mark.parametrize("text", [
    "Morning (9-1), ages 11-16", "doors at 10.30", "open 24/7", "you may 3 times", "March 2026", "tel 01632 960 412",
    "version 3.11.2", "score 3-1", "12:30 to 13:45",
])
def test_what_is_not_a_date(text):
    assert date_terms(text) == []


def test_day_first_or_month_first_by_the_texts_own_dates():
    # no date of the text shows the order: both readings
    assert set(dates("Fire drill 03/04/2026")) == {(3, 4, "2026"), (4, 3, "2026")}
    # another date of the same text has a first part over 12: the text writes day first
    assert dates("Fire drill 03/04/2026; next one 25/09/2026") == [(3, 4, "2026"), (25, 9, "2026")]
    # a second part over 12: month first
    assert dates("Fire drill 03/04/2026; next one 09/25/2026") == [(4, 3, "2026"), (25, 9, "2026")]
    assert dates("2026-03-04") == [(4, 3, "2026")]  # year first is always year, month, day


def test_date_numbers_in_every_form():
    # a year's last two digits only for a question writing a 2-digit year (round 58, mend7: "26 March" is no 2026)
    assert date_numbers("2026-03-03") == {"3", "03", "2026"}
    assert date_numbers("2026-03-03", frozenset({"26"})) == {"3", "03", "2026", "26"}
    assert date_numbers("11 March") == {"11", "3", "03"}
    asked = dates("on 11 March")
    assert date_words("Date: 2026-03-11; Day: Wednesday", asked) >= {"march", "11", "3"}
    assert with_date_numbers("no dates here", asked) == "no dates here"
    assert with_date_numbers("2026-03-03", asked).startswith("2026-03-03\n")
    assert with_date_numbers("2026-03-03", []) == "2026-03-03"  # a question with no date: nothing added


ROTA = ["Date: 2026-03-{:02d}; Day: {}; Morning: {}; Kitchen lead: {}".format(d, day, who, who)
        for d, day, who in ((2, "Monday", "Aisha Patel"), (3, "Tuesday", "Rosa Delgado"),
                            (11, "Wednesday", "Margaret Lin"), (12, "Thursday", "Tom Whitfield"))]


@pytest.fixture(scope="module")
def rota(tmp_path_factory):
    d = tmp_path_factory.mktemp("rota")
    s = Store(d / "db.sqlite")
    _add_doc(s, "/rota.csv", "Cafe rota", ROTA)
    _add_doc(s, "/notices.md", "Notices", ["Fire drill: 14/05/2026 at 10 am, meet in the car park.",
                                           "Fire drill: 25/09/2026 at 10 am, meet in the car park."])
    ix = LexicalIndex(d / "tantivy")
    ix.ensure_synced(s)
    yield ix, s
    ix.close()
    s.close()


@pytest.mark.parametrize("question, row", [
    ("who's kitchen lead on the 11th of march", "Date: 2026-03-11"),
    ("Who is on the cafe rota on Tuesday 3 March in the morning?", "Date: 2026-03-03"),
    ("kitchen lead March 12th", "Date: 2026-03-12"),
    ("who is kitchen lead on 2/3", "Date: 2026-03-02"),  # day first or month first: either reading meets
    ("is there a fire drill on 5/14?", "Fire drill: 14/05"),  # month first over a day-first notice
    ("fire drill on the 25th of September", "Fire drill: 25/09"),
])
def test_the_row_of_the_asked_date_ranks_first(rota, question, row):
    ix, store = rota
    hits = ix.search(question, 3)
    assert hits[0][0] == _chunk_id(store, row), (question, hits, search_terms(question))


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


def test_the_evidence_check_meets_a_date_written_another_way():
    row = [hit(ROTA[1])]
    f = features("Who is on the cafe rota on Tuesday 3 March in the morning?", row)
    assert f["number_missing"] == 0.0  # "3" in "2026-03-03" (was 1.0: "03" is not "3")
    before = features("Who is on the cafe rota on Tuesday in the morning?", row)["best_sentence"]
    assert f["best_sentence"] > before * 0.9  # "3" and "March" found in the row's date
    assert features("Who works on March 3?", row)["number_missing"] == 0.0  # a label ("March 3") wants digits: met
    assert features("Who works on 11/03/2026?", [hit("Wednesday 11 March 2026: Margaret Lin")])[
        "number_missing"] == 0.0
    assert features("Who works on 4 March?", row)["number_missing"] == 1.0  # another day is still missing
