"""Round 57: "Will …" yes/no questions (answer_yesno.is_yesno) and the yes/no confirmation set
benchmarks/r57_yesno_more_data.py (a gym's rules, written before the change it measured)."""
from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from ragtune.appliance.answer_yesno import is_yesno

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.parametrize("q", [
    "Will rent go up?", "will prices rise next year?", "So will membership fees change in April?",
    "Will parking get more expensive?", "Will the pool be open on Boxing Day?", "Will I be charged a fee if I cancel?",
])
def test_will_before_a_verb_phrase_asks_yes_or_no(q: str) -> None:
    assert is_yesno(q)


@pytest.mark.parametrize("q", [
    "Will Smith age?", "Will recycling?", "will writing service", "will power tips?", "Will rent go up or down?",
    "Will rent go up and how much will it be?", "May opening hours?", "Can collection days?",
])
def test_will_as_a_name_or_a_keyword_query_is_not_yes_or_no(q: str) -> None:
    assert not is_yesno(q)


# mend2 (readC): "will" is a noun in keyword queries of two words and more, not only "Will Smith age?"
@pytest.mark.parametrize("q", [
    "Will and testament fees?", "will and probate help near me?", "Will writing service cost?",
    "will writing fees in Leeds?", "Will reading appointment times?", "Will storage at the solicitors?",
    "Will template for couples?", "Will of my late father, where is it kept?", "Will when does it need witnessing?",
    "will, what happens to it if there is none?", "Will rent go up, and by how much?",
    "Will probate be needed, and what does it cost?", "Is there parking and for how long can I stay?",
])
def test_will_as_a_noun_in_a_longer_keyword_query_is_not_yes_or_no(q: str) -> None:
    assert not is_yesno(q)


@pytest.mark.parametrize("q", [
    "Will council tax rise this year?", "Will bin collection change over Christmas?", "Will school close if it snows?",
    "Will membership renew automatically?", "Will insurance cover flood damage?", "Will wifi work in the annexe?",
    "Will heating be on in the hall?", "Will writing be allowed in the exam?",  # "be" later: a subject, as before
])
def test_will_before_a_subject_and_a_verb_still_asks_yes_or_no(q: str) -> None:
    assert is_yesno(q)


def test_confirmation_set_shape() -> None:
    d = runpy.run_path(str(BENCH / "r57_yesno_more_data.py"))
    text = " ".join(next(iter(d["TEXTS"].values())).split())
    assert (len(d["Q"]), len(d["NEAR"]), len(d["CONTROL"])) == (15, 8, 5)
    ids = [r[0] for r in d["Q"] + d["NEAR"] + d["CONTROL"]]
    assert len(ids) == len(set(ids))
    for _, _, q, rule, need in d["Q"]:
        assert rule in text, rule  # the ruling sentence is in the rules, as the loader keeps it
        assert is_yesno(q), q
        assert all(n.lower() in rule.lower() for n in need), (q, need)
    assert all(is_yesno(q) for _, _, q in d["NEAR"])
    assert not any(is_yesno(q) for _, _, q in d["CONTROL"])


def test_confirmation_set_runs_the_shared_runner(tmp_path: Path) -> None:
    d = runpy.run_path(str(BENCH / "r57_yesno_more_data.py"))
    d["build"](tmp_path / "share")
    assert [p.name for p in (tmp_path / "share").iterdir()] == list(d["TEXTS"])
    qs = runpy.run_path(str(BENCH / "r55_yesno.py"))["questions"]("r57_yesno_more_data.py")
    assert sum(q["yesno"] for q in qs) == 15 and sum(bool(q.get("near")) for q in qs) == 8


# mend6 (reader E): the will's own nouns after "Will" make a keyword query unless a verb follows them
@pytest.mark.parametrize("q", [
    "Will executor duties explained?", "Will witness rules in Scotland?", "Will dispute solicitors near me?",
    "Will probate timescales in England?", "will registration service cost?", "Will storage fees at the solicitor?",
    "Will power tips for dieting?", "Will trust set up costs?", "Will kits sold at the post office?",
    "Will challenge time limit UK?", "Will contest deadline after probate?", "Will template wording for a gift?",
    "will beneficiary rights in Wales?",
])
def test_will_nouns_make_a_keyword_query(q):
    assert not is_yesno(q)


@pytest.mark.parametrize("q", [
    "Will executors be paid for their time?", "Will witnesses need to be present?",
    "Will solicitors charge VAT on the fee?", "Will the executor get a copy?", "Will probate take long this year?",
    "Will storage be free for the first month?", "Will power be restored tonight?", "Will foxes get into the bins?",
    "Will trusts still be taxed after April?",
])
def test_will_nouns_in_real_questions_still_ask(q):
    assert is_yesno(q)
