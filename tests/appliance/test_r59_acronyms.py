"""Round 59: "&" acronyms ("Q&A" / "questions and answers") and two-letter acronyms the text never writes ("HR" /
"Human Resources": the second word a common noun by its ending), never a person's name (acronyms.py). Invented
handbook lines (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.acronyms import acronym_terms, asked_acronyms, spelled
from ragtune.appliance.evidence import features
from ragtune.appliance.lexical_terms import form_terms, search_terms


def meet(question: str, source: str) -> set[str]:
    return {t for t in set(search_terms(question)) & set(form_terms(source)) if t.startswith("zz")}


@pytest.mark.parametrize("question, source", [
    ("where is the Q&A held", "The questions and answers session is in room 2."),
    ("When is the Q&A?", "Questions & Answers: Thursday at 6."),
    ("Who is our H&S rep?", "The Health and Safety rep is Dara Quinn."),
    ("where's A&E", "Accident and Emergency is on the ground floor."),
    ("what's in the T&Cs", "Terms and Conditions apply to all bookings."),
    ("Are B&Bs nearby?", "A list of bed and breakfast places is at reception."),
    ("Where is the health and safety folder?", "The H&S folder is behind the bar."),
    ("is there a questions and answers session", "Q & A after the talk."),
])
def test_an_ampersand_acronym_meets_its_two_words(question, source):
    assert meet(question, source)


def test_ampersand_terms():
    assert acronym_terms("Q&A at 6") == ["zzaandqa"]
    assert acronym_terms("Health & Safety") == ["zzpandhs"]
    assert acronym_terms("who runs H&S", query=True) == ["zzpandhs"]
    assert acronym_terms("AT&T and B&Q&X") == []  # not two single letters


@pytest.mark.parametrize("question, source", [
    ("who do I ask in HR?", "Contact Human Resources on extension 214."),
    ("what's the CS phone number", "Customer Services: 0161 496 0000."),
    ("Who is the DP lead?", "Data Protection questions go to Amir."),
    ("Is FM in today?", "Facilities Management is in the basement office."),
    ("who's the QA contact", "Quality Assurance signs off each release."),
    ("When are the ER forms due?", "ask about employee relations forms"),
])
def test_a_two_word_phrase_ending_in_a_common_noun_meets_its_acronym(question, source):
    assert meet(question, source)
    assert spelled(asked_acronyms(question), source) == asked_acronyms(question)


@pytest.mark.parametrize("question, source", [
    ("Is there a TV in the bar?", "Tom Vale runs the bar on Fridays."),
    ("Where is the WC?", "Wendy Clarke is on the front desk."),
    ("Who owns the TC?", "Tom Clement owns the van."),  # "-ment" but a short word: a surname
    ("Is there a WL?", "Wendy Lawrence leads the choir."),  # "-ence": no common noun's ending taken
    ("Who is the HR lead?", "Harry Rogers leads the litter pick."),
    ("where is the AC unit", "Amy Chambers is away."),  # "-ers": surnames too
    ("Is the PC on?", "Priya Cummings brought cake."),
    ("What's the DJ set?", "Dan Jones plays at nine."),
    ("when is the QA?", "Questions are answered at the end."),
    ("Where's the SM?", "Sam Morris and Sally Jones help out."),
    ("Is the TC here?", "Dr Tim Clements sees patients on Monday."),  # "-ments", but after a title: a person
    ("who runs part II", "Important Information for new members."),  # a roman number is no acronym
])
def test_a_name_or_a_look_alike_is_no_acronym(question, source):
    assert not meet(question, source)
    assert not spelled(asked_acronyms(question), source)


def test_the_evidence_check_counts_an_undefined_two_letter_acronym():
    src = [SimpleNamespace(text="Contact Human Resources on extension 214.", rerank=1.0)]
    assert features("who is HR", src)["best_sentence"] == 1.0
    names = [SimpleNamespace(text="Tom Vale runs the bar.", rerank=1.0)]
    assert features("who is TV", names)["best_sentence"] < 1.0
