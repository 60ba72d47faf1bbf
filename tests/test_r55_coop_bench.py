"""benchmarks/r55_coop.py and its data (round 55, held-out): the share it writes loads in every format, each
question is well formed and its gold is in its document, and the scorer (round 54's, reused) reads answers as a
person judged them. No model."""
from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import load_file

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
B = runpy.run_path(str(BENCH / "r55_coop.py"))
DATA = runpy.run_path(str(BENCH / "r55_coop_data.py"))


@pytest.fixture(scope="module")
def share(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("coop")
    DATA["build"](d)
    return d


def test_the_share_has_sixteen_documents_in_nine_formats_and_each_loads(share):
    files = sorted(share.iterdir())
    assert len(files) == 16
    assert {p.suffix for p in files} == {".md", ".txt", ".html", ".csv", ".eml", ".docx", ".xlsx", ".pdf", ".rtf"}
    texts = runpy.run_path(str(BENCH / "r55_coop_texts.py"))["TEXTS"]
    for name, text in texts.items():
        assert (share / name).read_bytes() == text.encode("utf-8")
    for p in files:
        assert load_file(p).text.strip(), p.name
    assert "07700 900774" in load_file(share / "committee_contacts.docx").text  # a .docx table's cells
    assert "£71,400" in load_file(share / "committee_minutes_2026-05-12.docx").text
    assert "144.89" in load_file(share / "rent_and_service_charges_2026-27.xlsx").text
    assert "within 3 working days" in load_file(share / "repairs_procedure.pdf").text
    assert "10-year manufacturer" in load_file(share / "letter_boiler_replacement_mill_house.pdf").text
    assert "£60 a year" in load_file(share / "email_parking_permits.eml").text  # quoted-printable decoded
    assert "£12 per night" in load_file(share / "guest_room_and_common_room.rtf").text


def test_questions_are_well_formed_and_spread_over_the_documents(share):
    qs = B["questions"]()
    assert sum(q["answerable"] for q in qs) == 45 and sum(not q["answerable"] for q in qs) == 12
    assert len({q["id"] for q in qs}) == len(qs) and len({q["q"].lower() for q in qs}) == len(qs)
    names = {p.name for p in share.iterdir()}
    used = {q["file"] for q in qs if q["answerable"]}
    assert used == names  # every document is asked about
    for q in qs:
        assert q["q"].strip() and isinstance(q["forms"], list)
        assert (q["gold"] or "").strip() if q["answerable"] else q["why"].strip()


def test_every_gold_answer_is_in_its_document(share):
    norm = B["normalise"]
    missing = []
    for q in B["questions"]():
        if q["answerable"]:
            text = f" {norm(load_file(share / q['file']).text)} "
            if not any(f" {norm(x)} " in text for x in [q["gold"], *q["forms"]]):
                missing.append(q["id"])
    assert missing == []


def test_the_scorer_is_round_54s():
    p = runpy.run_path(str(BENCH / "r54_parish.py"))
    for name in ("normalise", "f1", "is_right", "verdict", "table"):
        assert B[name].__code__ is p[name].__code__ or B[name].__code__ == p[name].__code__


@pytest.mark.parametrize("answer,gold,forms,right", [
    ("£114.76", "£114.76 a week (2026/27)", ["114.76"], True),
    ("£126.61", "£114.76 a week (2026/27)", ["114.76"], False),  # the total with service charge: another column
    ("The charge is £120.", "£120 (forced entry, out of hours)", ["£120"], True),
    ("£65", "£120 (forced entry, out of hours)", ["£120"], False),  # the office-hours column
    ("Sat 20 Jun", "Saturday 20 June (courtyard, lead Kerry)", ["20 jun", "20 june"], True),
    ("It was defeated.", "No, it was defeated (9 for, 16 against, 2 abstentions)", ["defeated"], True),
    ("10-year warranty", "10 years", ["10 year"], True),
    ("Tuesdays 6–8pm", "Tuesdays 6pm to 8pm in the Common Room", ["6pm to 8pm", "6pm 8pm", "6 8pm"], True),
])
def test_is_right(answer, gold, forms, right):
    assert B["is_right"](answer, gold, forms) is right


def test_rescore_reads_a_written_file(tmp_path, capsys):
    ok = {"status": "ok", "answer": "£18", "citations": [], "timings": {"total_ms": 10}}
    no = {"status": "refused", "answer": "", "citations": [], "timings": {"total_ms": 5}}
    rows = [dict(id="rr-key", fmt="csv", answerable=True, gold="?", forms=[], arm="C", ask=ok, cites_gold=True),
            dict(id="u-wifi", fmt="near-miss", answerable=False, gold=None, forms=[], arm="C", ask=no,
                 cites_gold=False)]
    out = tmp_path / "out.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    B["rescore"](str(out))
    assert "arm C: answerable 1: right 1 wrong 0 refused 0 | near misses 1: refused 1 hallucinated 0" in \
        capsys.readouterr().out
