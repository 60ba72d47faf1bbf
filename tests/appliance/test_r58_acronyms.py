"""Round 58: a question's acronym meets the phrase a document spells out, and the other way round, read off the
texts' own initials (acronyms.py), in the keyword index and in the evidence check's best_sentence. Invented
handbook and notices (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.acronyms import acronym_terms, asked_acronyms, spelled
from ragtune.appliance.evidence import features
from ragtune.appliance.lexical import LexicalIndex, query_terms
from ragtune.appliance.lexical_terms import form_terms, search_form, search_terms
from ragtune.appliance.store import Store

from .test_lexical import _add_doc, _chunk_id


def test_a_phrase_gives_its_initials_and_an_acronym_itself():
    assert acronym_terms("Annual general meeting: Tuesday 21 April") == ["zzpagm"]
    assert acronym_terms("members vote at the annual general meeting") == ["zzpagm"]
    assert "zzpdbs" in acronym_terms("a Disclosure and Barring Service check")  # the joiner skipped
    assert acronym_terms("Ask HR before you order PPE") == ["zzahr", "zzappe"]
    # two-word initials only where the text defines them (round 58, mend7)
    # (round 59: and "Protective Equipment", ending in a common noun, gives "pe")
    assert acronym_terms("Personal Protective Equipment (PPE)") == ["zzappe", "zzppe", "zzpppe"]


def test_a_question_reads_them_the_other_way_round():
    assert acronym_terms("when is the AGM", query=True) == ["zzpagm"]  # met by a source's phrase
    assert "zzadbs" in acronym_terms("who pays for the disclosure and barring service check", query=True)
    assert "zzadbs" in search_terms("who pays for the disclosure and barring service check")


@pytest.mark.parametrize("text", [
    "MILLBROOK COMMUNITY CENTRE - TRUSTEES' MEETING",  # a shouted heading: no acronym, no phrase
    "Title: Cats AND dogs", "IT IS NOT SO", "the dogs RE-ran", "ZÜRICH",  # function words, a prefix, no ASCII
    "it is what it is",
])
def test_what_spells_nothing(text):
    assert [t for t in acronym_terms(text) if t.startswith("zza")] == []


def test_the_text_field_is_read_as_before_and_the_forms_go_to_their_own_field():
    text = "Dates for your diary. Annual general meeting: Tuesday 21 April."
    assert search_form(text) is text  # a chunk's words, its length and their BM25 scores stay as they were
    assert form_terms(text) == ["date0421", "day21", "zzpagm"]
    assert query_terms("when is the AGM on the 21st") == ["when", "is", "the", "agm", "on", "21st"]  # highlighting
    assert search_terms("when is the AGM on the 21st") == [*query_terms("when is the AGM on the 21st"), "day21",
                                                           "zzpagm"]


DOCS = {
    "/news.md": ["Dates for your diary. Annual general meeting: Tuesday 21 April at 7:30 pm in the main hall.",
                 "Summer fair: Saturday 27 June, stalls cost 25 pounds. Ask at the main office about the meeting."],
    "/handbook.md": ["Volunteers who work with children need an enhanced DBS check, paid for by the centre.",
                     "Volunteers must wear gloves from the store cupboard to clean the kitchen."],
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    d = tmp_path_factory.mktemp("acr")
    s = Store(d / "db.sqlite")
    for path, texts in DOCS.items():
        _add_doc(s, path, "Notes", texts)
    ix = LexicalIndex(d / "tantivy")
    ix.ensure_synced(s)
    yield ix, s
    ix.close()
    s.close()


@pytest.mark.parametrize("question, chunk", [
    ("when is the AGM", "Dates for your diary"),
    ("do volunteers pay for their disclosure and barring service check?", "Volunteers who work with children"),
])
def test_acronym_and_phrase_meet_in_the_index(index, question, chunk):
    ix, store = index
    hits = ix.search(question, 3)
    assert hits and hits[0][0] == _chunk_id(store, chunk), (question, hits)


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


def test_the_evidence_check_finds_the_acronyms_phrase():
    assert asked_acronyms("when is the AGM") == {"agm"}
    assert spelled({"agm"}, "Annual general meeting: Tuesday 21 April") == {"agm"}
    assert spelled({"agm"}, "A good meal is served") == set()  # a function word breaks a phrase
    f = features("when is the AGM", [hit(DOCS["/news.md"][0])])
    assert f["best_sentence"] == 1.0  # was 0.0: "agm" was found in no sentence
    assert features("when is the agm", [hit(DOCS["/news.md"][0])])["best_sentence"] == 0.0  # only a capital acronym
