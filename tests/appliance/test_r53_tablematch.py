"""Round 53, tablematch.py: an extractive answer from table rows may quote only the rows whose own key the question
names (Daniel Reed's row, not the row whose line manager is Daniel Reed); other sources never change. Invented rows."""
from __future__ import annotations

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.extractive import _is_table, extractive_sources
from ragtune.appliance.store import open_store
from ragtune.appliance.tablematch import _rank, _terms, key_rows, row_cells
from ragtune.appliance.types import ContextItem
from tests.fakes import FakeGenerator

OWN = "Name: Daniel Reed; Team: Payroll; Desk: D-172; Extension: 4364; Line manager: Greta Holm"
MANAGED = "Name: Hugo Lund; Team: Legal; Desk: D-157; Extension: 4309; Line manager: Daniel Reed"
NAMESAKE = "Name: Hugo Reed; Team: Support; Desk: D-112; Extension: 4144; Line manager: Greta Holm"
PROSE = "Daniel Reed moved to Payroll in May; his extension stays 4364 until the new phones arrive."


def _ctx(*texts, source="/share/staff.csv"):
    return [ContextItem(f"S{i}", t, source=source) for i, t in enumerate(texts, start=1)]


def _kept(question, ctx):
    return [cid for cid, _ in extractive_sources(ctx, question)]


def test_row_cells():
    assert row_cells("## Sheet: Fleet\nCompany vehicles\nRegistration: KX20 AFP; Notes: call first; then wait") == [
        ("Registration", "KX20 AFP"), ("Notes", "call first; then wait")]  # the heading and the title are no rows
    assert row_cells(OWN + "\n" + MANAGED) is None  # two rows: a chunk of several rows is not judged
    assert row_cells("Total | 2 | rows") is None and row_cells("") is None


def test_the_row_whose_key_is_named_wins_over_a_row_that_mentions_it():
    ctx = _ctx(MANAGED, OWN, NAMESAKE)
    assert _kept("What is Daniel Reed's extension?", ctx) == ["S2"]
    assert _kept("Who is Hugo Lund's line manager?", ctx) == ["S1"]
    assert extractive_sources(ctx) == extractive_sources(ctx, None)  # no question: every source, as before
    assert len(extractive_sources(ctx)) == 3


def test_a_named_cell_breaks_a_tie_but_not_the_column_asked_for():
    prices = _ctx("Product: Office chair; Year: 2024; Unit price: 129.00", "Product: Office chair; Year: 2025; "
                  "Unit price: 119.00", "Product: Stapler; Year: 2025; Unit price: 7.80", source="/p/prices.xlsx")
    assert _kept("What is the 2025 unit price of the office chair?", prices) == ["S2"]
    assert _kept("What is the unit price of the office chair?", prices) == ["S1", "S2"]  # both kept: the model says
    # a value in the column asked for is not counted as named: it is the answer, which the question does not say
    asked = _terms("How many places are left on the 1 pm Forklift safety course?")
    assert _rank([("Course", "Forklift safety"), ("Places left", "1")], asked) == (True, True, 0)
    assert _rank([("Course", "Forklift safety"), ("Start", "1 pm")], asked) == (True, True, 1)


def test_nothing_narrowed_without_a_key_named_whole():
    ctx = _ctx(MANAGED, OWN, NAMESAKE)
    for q in ("What is Daniel Smith's extension?", "Which team is in Payroll?", "What is the extension?", "?"):
        assert _kept(q, ctx) == ["S1", "S2", "S3"], q
    assert _kept("What is Daniel Reed's extension?", _ctx(OWN, OWN)) == ["S1", "S2"]  # all rank the same


def test_only_table_rows_are_left_out():
    ctx = _ctx(MANAGED, OWN) + [ContextItem("S3", PROSE, source="/share/news.md"),
                                ContextItem("S4", MANAGED, source="/corpus.jsonl#d7")]
    assert _kept("What is Daniel Reed's extension?", ctx) == ["S2", "S3", "S4"]
    english = [ContextItem("S1", MANAGED, source="/share/notes.md"), ContextItem("S2", OWN, source="/c.jsonl#x")]
    src = extractive_sources(english)
    assert key_rows("What is Daniel Reed's extension?", english, src, _is_table) is src  # the same object


def test_the_engine_decodes_from_the_key_row_only(settings):
    ctx = _ctx(MANAGED, OWN, NAMESAKE)
    with open_store(settings.home) as store:
        gen = FakeGenerator([{"status": "ok", "answer": "4364", "citations": ["S2"]}])
        eng = AnswerEngine(settings, generator=gen, store=store)
        ans = eng.ask("What is Daniel Reed's extension?", context=ctx, use_cache=False, mode="extractive")
        assert [cid for cid, _ in gen.calls[0]["extractive"]] == ["S2"]
        assert [c.id for c in ans.context] == ["S1", "S2", "S3"]  # the model still reads every row
        eng.ask("What is Daniel Reed's extension?", context=ctx, use_cache=False, mode="free")
        assert "extractive" not in gen.calls[-1]


def test_a_date_is_named_by_its_day_and_month():
    courses = _ctx("Course: Negotiation; Date: 2025-07-13; Trainer: Jonas Pike",
                   "Course: Negotiation; Date: 2025-08-22; Trainer: Esther Vogel", source="/c.csv")
    for q in ("Who is the trainer for the Negotiation course on 22 August?", "Negotiation trainer Aug 22nd 2025",
              "Who trains Negotiation on 2025-08-22?"):
        assert _kept(q, courses) == ["S2"], q
    for q in ("Who is the trainer for the Negotiation course on 23 August?", "Negotiation 12 markers 2025"):
        assert _kept(q, courses) == ["S1", "S2"], q  # no row's date named: both, as before
    may = _ctx("Booking: BK-1; Room: Elm; Date: 9 May 2025", "Booking: BK-2; Room: Elm; Date: 10 May 2025",
               source="/b.xlsx")
    assert _kept("Who booked the Elm room on 9 May?", may) == ["S1", "S2"]  # the key (BK-…) is not named
    assert _kept("Who booked BK-2 on 9 May?", may) == ["S2"]
