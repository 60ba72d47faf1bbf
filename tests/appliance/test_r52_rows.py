"""Round 52, answers from table rows (a spreadsheet's or CSV's rows, `Label: value; Label: value` a line): the
language guess and the extractive span's ends. Invented rows only."""
from __future__ import annotations

import json

from ragtune.appliance.candidates import choose_span
from ragtune.appliance.extractive import cell_span, extractive_sources, table_cells
from ragtune.appliance.genresult import GenResult
from ragtune.appliance.injection import source_view
from ragtune.appliance.normalize import language
from ragtune.appliance.refusal import language_reason, other_language
from ragtune.appliance.types import ContextItem

ROWS = [f"Name: Person {c}; Team: Stores; Desk: D-{100 + i}; Extension: {4100 + i}; Line manager: Greta Holm"
        for i, c in enumerate("ABCDEF")]
FLEET = ("## Sheet: Fleet\nCompany vehicles\nRegistration: KX20 AFP; Vehicle: Ford Transit; Notes: call first; "
         "then wait; Next MOT: 2025-02-12")
REQUEST = "Request: MR-3233; Location: Kitchen 2; Issue: Broken light; Assigned to: Vik Rao; Status: Open"


# -- f: a code letter is not a function word --------------------------------------------------------------------
def test_desk_codes_are_not_french():
    # each value after "Label: " is read as a sentence start, so "D-100" was the French "d" once a row
    assert language("\n".join(ROWS)) != "fr"
    assert other_language("What is Person C's extension?", ["\n".join(ROWS[:3]), "\n".join(ROWS[3:])]) is None
    assert language_reason("model", "What is Person C's extension?", ROWS) == "model"


def test_letters_beside_digits_or_hyphens():
    assert language("Unit: D-4; Room: D-5; Floor: D-6; Sheet: A4") is None
    assert language("Où est la salle de réunion ? Je ne sais pas d'où vient le problème.") == "fr"  # elision kept
    assert language("Wo ist der Raum und wie komme ich zu dem Büro?") == "de"


# -- c: an answer from a table source ends with its cell ------------------------------------------------------
def test_table_cells():
    assert table_cells(FLEET, source_view(FLEET).blocks) == (
        "## Sheet: Fleet", "Company vehicles", "Registration: KX20 AFP", "Vehicle: Ford Transit",
        "Notes: call first; then wait", "Next MOT: 2025-02-12")  # ("; then" is no label: the value's own ";")
    text = "\n".join(ROWS[:2]) + "\nTotal | 2 | rows"
    view = source_view(text)
    cells = table_cells(text, view.blocks)
    assert all(c in view.text for c in cells) and len(cells) == 2 * 5 + 3
    assert cells[-3:] == ("Total", "2", "rows")  # a row without labels: its own line, cut at its "|" (round 53)


def test_an_answer_run_on_past_its_cell_is_cut():
    ctx = [ContextItem("S1", REQUEST, source="C:/share/Requests.CSV"), ContextItem("S2", FLEET, source="/s/f.xlsx")]
    assert cell_span("Broken light; Assigned to: Vik Rao", ctx) == "Broken light"
    assert cell_span("Kitchen 2; Issue: Broken light; Assigned to: Vik Rao; Status: Open", ctx) == "Kitchen 2"
    assert cell_span("Company vehicles Registration: KX20 AFP", ctx) == "Company vehicles"
    assert cell_span("Broken light", ctx) == "Broken light"
    assert cell_span("call first; then wait", ctx) == "call first; then wait"  # one cell: left whole


def test_other_sources_are_not_cut():
    prose = ContextItem("S1", REQUEST, source="/share/notes.md")
    assert cell_span("Broken light; Assigned to: Vik Rao", [prose]) == "Broken light; Assigned to: Vik Rao"
    # a prose source holding it whole wins over a table's cell
    table = ContextItem("S2", REQUEST, source="/share/requests.csv")
    assert cell_span("Broken light; Assigned to: Vik Rao", [table, prose]) == "Broken light; Assigned to: Vik Rao"
    for source in ("/share/notes.md", "/share/report.docx", "/eval/corpus.jsonl#d17", ""):
        item = ContextItem("S1", REQUEST + "\n" + FLEET, source=source)
        assert extractive_sources([item]) == [("S1", source_view(item.text).blocks)]  # the decoder: as before


def _res(answer, mean):
    text = json.dumps({"status": "ok", "answer": answer, "citations": ["S1"]})
    return GenResult(text=text, tokens_prompt=100, tokens_completion=5, ttft_ms=1.0, generation_ms=1.0,
                     answer_mean_logprob=mean, answer_min_logprob=mean)


def test_the_chosen_candidate_is_cut_after_the_choice():
    ctx = [ContextItem("S1", REQUEST, source="/share/requests.xlsx")]
    first = _res("Broken light; Assigned to: Vik Rao", -0.2)
    got = choose_span(first, lambda avoid, whole: _res("Open", -5.0), 2, "What is the issue of MR-3233?", ctx)
    assert json.loads(got.text) == {"status": "ok", "answer": "Broken light", "citations": ["S1"]}
    prose = [ContextItem("S1", REQUEST, source="/share/requests.txt")]
    got = choose_span(first, lambda avoid, whole: _res("Open", -5.0), 2, "What is the issue of MR-3233?", prose)
    assert got.text == first.text
