"""benchmarks/r54_parish.py and its data (round 54): the share it writes loads in every format, each question's gold
is in its document, and the automatic scorer reads answers as a person judged them."""
from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import load_file

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
B = runpy.run_path(str(BENCH / "r54_parish.py"))
DATA = runpy.run_path(str(BENCH / "r54_parish_data.py"))


@pytest.fixture(scope="module")
def share(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("parish")
    DATA["build"](d)
    return d


def test_the_share_has_fifteen_documents_in_eight_formats_and_each_loads(share):
    files = sorted(share.iterdir())
    assert len(files) == 15
    assert {p.suffix for p in files} == {".md", ".txt", ".html", ".csv", ".eml", ".docx", ".xlsx", ".pdf"}
    texts = runpy.run_path(str(BENCH / "r54_parish_texts.py"))["TEXTS"]
    for name, text in texts.items():
        assert (share / name).read_bytes() == text.encode("utf-8")
    for p in files:
        assert load_file(p).text.strip(), p.name
    assert "£560" in load_file(share / "burial_ground_regulations.docx").text
    assert "5 working days" in load_file(share / "complaints_procedure.pdf").text
    assert "£250 if alcohol is sold" in load_file(share / "village_hall_hire_rates.xlsx").text


def test_every_gold_answer_is_in_its_document(share):
    qs = B["questions"]()
    assert sum(q["answerable"] for q in qs) == 45 and sum(not q["answerable"] for q in qs) == 12
    assert len({q["id"] for q in qs}) == len(qs)
    norm = B["normalise"]
    missing = []
    for q in qs:
        if not q["answerable"]:
            continue
        text = f" {norm(load_file(share / q['file']).text)} "
        if not any(f" {norm(x)} " in text for x in [q["gold"], *q["forms"]]):
            missing.append(q["id"])
    assert missing == ["ne-defib"]  # three places in a list: its gold is the list, scored by F1


def test_normalise_joins_numbers_and_drops_punctuation_and_articles():
    n = B["normalise"]
    assert n("£1,127.40 (Came & Co)") == "112740 came co"
    assert n("£20.00") == n("£20") == "20"
    assert n("The 7.12am bus") == "712am bus"
    assert n("HW/26/7731") == "hw 26 7731"


@pytest.mark.parametrize("answer,gold,forms,right", [
    ("S. Polglase & Son", "S. Polglase & Son (£6,920)", [], True),  # F1 0.86
    ("£750", "£600 (asked for £750)", ["£600"], False),  # the amount asked for, not the one given
    ("7.30pm", "Thursday 14 May 2026 at 6.30pm", ["14 may"], False),
    ("from 8am to 1pm on the Square", "1pm (pitches cleared by 2pm)", ["1pm"], True),
    ("Sue Kittow", "Sue Kittow, 01726 880555, bookings@ashcombehall.example", ["sue kittow"], True),
    ("Sue Kittow", "Sue Kittow, 01726 880555, bookings@ashcombehall.example", [], False),  # F1 0.44
    ("17", "7", [], False),  # whole words only
    ("Thursdays", "Thursdays", ["thursday"], True),
])
def test_is_right(answer, gold, forms, right):
    assert B["is_right"](answer, gold, forms) is right


def test_verdicts_and_table():
    ok = {"status": "ok", "answer": "£560", "citations": [], "timings": {"total_ms": 10}}
    no = {"status": "refused", "answer": "", "citations": [], "timings": {"total_ms": 5}}
    rows = [dict(id="a", fmt="docx", answerable=True, gold="£560", forms=[], arm="C", ask=ok, cites_gold=True),
            dict(id="b", fmt="docx", answerable=True, gold="£280", forms=[], arm="C", ask=ok, cites_gold=False),
            dict(id="c", fmt="pdf", answerable=True, gold="x", forms=[], arm="C", ask=no, cites_gold=False),
            dict(id="u", fmt="near-miss", answerable=False, gold=None, forms=[], arm="C", ask=no, cites_gold=False),
            dict(id="v", fmt="near-miss", answerable=False, gold=None, forms=[], arm="A", ask=ok, cites_gold=False)]
    for r in rows:
        r["verdict"] = B["verdict"](r)
    assert [r["verdict"] for r in rows] == ["right", "wrong", "refused", "refused-ok", "hallucinated"]
    t = B["table"](rows)
    assert "arm C: answerable 3: right 1 wrong 1 refused 1 | near misses 1: refused 1 hallucinated 0 | task 2/4" in t
    assert "arm A: answerable 0: right 0 wrong 0 refused 0 | near misses 1: refused 0 hallucinated 1" in t
    assert "docx   2: right  1 wrong  1 refused  0" in t
