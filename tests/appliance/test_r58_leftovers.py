"""Round 58: leftovers round 57's readers named. The answer tidy keeps a habit-spaced dash after an -ly adverb ("open
daily - closed Sundays") and every " - " of a source that writes its compounds whole ("part-time"); "Will power cuts
continue?" asks yes or no (a verb after the will's noun and a plural); a grouped table's group name with a relative
clause ("Staff who are part-time") names a group; round 57's two copied benchmark wrappers run the shared runners with
`--data`. Content invented for the tests (CC0)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from ragtune.appliance.answer_tidy import tidy, tokenized
from ragtune.appliance.answer_yesno import is_yesno
from ragtune.appliance.ingest.loaders.tablegroups import group_name

from .test_r57_group_rows_more import _rows

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"

# a writer's habit: commas and full stops spaced, clitics whole; and a tokenizer's split, clitics split too
NOTE = " ok , thanks . see you at the hall , I'll bring the keys . "
PTB_NOTE = " ok , thanks . see you at the hall , I ' ll bring the keys . "


# -- 1. the answer tidy's dash ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, raw", [
    ("The library is open daily - closed Sundays .", "open daily - closed Sundays"),
    ("Dinner is served nightly - book ahead , please .", "served nightly - book ahead"),
    ("Bins are emptied weekly - glass goes monthly .", "emptied weekly - glass goes"),
    ("Answer briefly - marks are for accuracy .", "briefly - marks are"),
])
def test_a_dash_after_an_ly_adverb_stays_a_dash(src, raw):
    for note in (NOTE, PTB_NOTE):
        assert tokenized(src + note) and tidy(raw, [src + note]) == raw


@pytest.mark.parametrize("src, raw", [
    ("Free entry - donations welcome . Self-service tea in the hall .", "Free entry - donations welcome"),
    ("Bring food - drinks provided . The tea-room opens at ten .", "Bring food - drinks provided"),
    ("Contact : Dan Price - Field Engineer , part-time .", "Dan Price - Field Engineer"),
    ("The London - Paris coach runs at noon . Book a non-refundable seat .", "London - Paris coach"),
])
def test_a_source_writing_its_compounds_whole_keeps_its_spaced_dashes(src, raw):
    for note in (NOTE, PTB_NOTE):
        assert tokenized(src + note) and tidy(raw, [src + note]) == raw


def test_the_compound_joins_that_stay():
    # no whole compound in the source and no adverb before the dash: a tokenizer's split compound, joined as before
    assert tidy("the kilogram - force", ["It is measured in the kilogram - force , the old unit ." + NOTE]) == \
        "the kilogram-force"
    assert tidy("a well - kept garden", []) == "a well-kept garden"
    # a tokenizer-split source joins a pair of names too: "London-Paris" names the same pair as "London - Paris"
    src = "They ran the London - Paris route for years ." + PTB_NOTE
    assert tidy("the London - Paris route", [src]) == "the London-Paris route"
    assert tidy("Hassan al - Turabi", ["It was led by Hassan al - Turabi ." + PTB_NOTE]) == "Hassan al-Turabi"
    # a quoted term written whole is a mention, not the source's habit; an address's hyphen is no compound
    src = "The so - called ' re-use ' clause lets tenants sublet . It ' s rarely used , the agent says ."
    assert tidy("so - called ' re-use ' clause", [src]) == "so-called ' re-use ' clause"
    src = "See https://parish-hall.org/book . It is measured in the kilogram - force , the old unit ." + NOTE
    assert tidy("the kilogram - force", [src]) == "the kilogram-force"
    # an -ly word after no verb is no adverb: a compound, joined (round 58 mend3; it had stayed spaced)
    assert tidy("the early - morning train", ["Take the early - morning train ." + PTB_NOTE]) == \
        "the early-morning train"


# -- 2. "Will" before the will's noun and a plural -------------------------------------------------------------------

@pytest.mark.parametrize("q", [
    "Will power cuts continue?", "Will power cuts continue tonight?", "Will storage fees rise next year?",
    "Will registration fees change in April?", "Will probate delays end soon?", "Will witness fees be paid?",
])
def test_will_before_a_compound_subject_and_a_verb_asks_yes_or_no(q):
    assert is_yesno(q)


@pytest.mark.parametrize("q", [
    "will power tips?", "Will power tips for dieting?", "Will executor duties explained?",
    "Will witness rules in Scotland?", "Will storage fees at the solicitor?", "Will dispute solicitors near me?",
    "Will template forms?", "Will writing service cost?", "Will contest end date?", "Will kits start up costs?",
])
def test_will_nouns_in_keyword_queries_stay_keyword_queries(q):
    assert not is_yesno(q)


# -- 3. a group name with a relative clause ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Staff who are part-time", "Members who joined before 2020", "Rooms that are accessible", "Children who can swim",
    "Items that must be returned", "Players who have not paid", "Staff whose contracts are fixed-term",
    "Guests who will stay over",
])
def test_a_group_name_with_a_relative_clause_names_a_group(name):
    assert group_name({0: name}) == name


@pytest.mark.parametrize("note", [
    "Prices include VAT", "See note 3", "Remember that rooms are shut", "Please note that fees are due",
    "Anyone who cancels must pay a fee", "Members who book late are charged", "Prices include VAT, which is 20%",
    "Who is eligible",
])
def test_a_note_with_or_without_a_relative_clause_stays_a_note(note):
    assert group_name({0: note}) == ""


def test_rows_under_a_relative_clause_group_carry_its_name():
    out = _rows("Staff who are part-time", ("Half plot", "£19", "£4"), "Staff who work full time",
                ("Half plot", "£38", "£7"))
    assert out[:2] == ["Plot size: Half plot (Staff who are part-time); Annual rent: £19; Water: £4",
                       "Plot size: Half plot (Staff who work full time); Annual rent: £38; Water: £7"]


# -- 4. the shared runners take --data ---------------------------------------------------------------------------------

def test_the_r57_wrappers_are_thin():
    for name, runner, data in (("r57_yesno_more.py", "r55_yesno.py", "r57_yesno_more_data.py"),
                               ("r57_group_rows_more.py", "r54_doc_tables.py", "r57_group_rows_more_data.py")):
        text = (BENCH / name).read_text(encoding="utf-8")
        assert runner in text and f'"--data", "{data}"' in text and "def " not in text


def test_the_yesno_runner_rescores_another_data_file(tmp_path, capsys):
    y = runpy.run_path(str(BENCH / "r55_yesno.py"))
    qs = y["questions"]("r57_yesno_more_data.py")
    out = tmp_path / "out.jsonl"
    out.write_text("".join(json.dumps({**q, "ask": {"status": "refused", "answer": None}}) + "\n" for q in qs),
                   encoding="utf-8")
    y["main"](["--data", "r57_yesno_more_data.py", "--rescore", str(out)])
    assert capsys.readouterr().out.startswith("yes/no 15: right 0 wrong 0 refused 15")
    y["main"](["--data", "r57_yesno_more_data.py", "--compare", str(out), str(out)])
    assert capsys.readouterr().out.strip() == "0 of 28 changed"


def test_the_doc_tables_runner_prints_another_data_file_s_loader_text(tmp_path, capsys):
    runpy.run_path(str(BENCH / "r54_doc_tables.py"))["main"](
        ["--data", "r57_group_rows_more_data.py", "--by-format", str(tmp_path / "share"), "home", "out", "--text"])
    text = capsys.readouterr().out
    assert text.count("===== ") == len(list((tmp_path / "share").iterdir())) == 7
