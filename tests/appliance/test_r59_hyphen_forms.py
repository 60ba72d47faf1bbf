"""Round 59: a short hyphenated word's joined form ("Wi-Fi" / "wifi") in the keyword index's FORMS field and in a
question's search terms (hyphenforms.py), both ways. Invented notices (CC0)."""

from __future__ import annotations

import pytest

from ragtune.appliance.hyphenforms import hyphen_terms, joined
from ragtune.appliance.lexical import LexicalIndex, query_terms
from ragtune.appliance.lexical_terms import analyzer, form_terms, search_form, search_terms
from ragtune.appliance.store import Store

from .test_lexical import _add_doc, _chunk_id


@pytest.mark.parametrize("text, terms", [
    ("Guest Wi-Fi: ask at the desk", ["wifi"]),
    ("send an e-mail, an E-MAIL or an E-Mail", ["email"]),
    ("check-in from 3pm; re-order forms; the co-ordinator; day-care fees", ["checkin", "reorder", "coordinator",
                                                                           "daycare"]),
    ("the co-op's x-ray", ["coop", "xray"]),
    ("PRE-booked slots, WI-FI code", ["prebooked", "wifi"]),
    ("a non\u2011stop bus and a T\u2010shirt", ["nonstop", "tshirt"]),
    ("Zürich-Nord", ["zürichnord"]),
    ("Wi-Fi, wi-fi and WI-FI", ["wifi"]),  # each once
])
def test_a_short_hyphenated_word_gives_its_joined_form(text, terms):
    assert hyphen_terms(text) == terms


@pytest.mark.parametrize("text", [
    "2026-03-03", "room A-3", "covid-19", "the A-Z", "x-y axis",  # numbers, too short
    "day-to-day", "a well-known-brand-x kettle", "check-in-desk",  # chains
    "wi-fi.example.org", "see /docs/check-in or co-op.uk or a@re-order.org",  # addresses and paths
    "BRV-Guest", "MIME-Version: 1.0", "Message-ID", "XJ-Pro", "iPhone-case",  # codes and names
    "counter-intelligence",  # a part over MAX_PART letters
    "a dash - not a hyphen", "well- and ill-",
])
def test_what_gives_no_joined_form(text):
    assert hyphen_terms(text) == []


def test_joined_rules():
    assert joined("Wi", "Fi") == "wifi"
    assert joined("A", "Z") is None and joined("BRV", "Guest") is None and joined("McDo", "Lunch") is None


def test_the_text_field_is_read_as_before_and_the_joined_form_goes_to_forms():
    text = "Client Wi-Fi: ask at reception for today's code."
    assert search_form(text) is text
    assert form_terms(text)[-1] == "wifi"  # after the date and acronym terms
    assert query_terms("what's the Wi-Fi code") == ["what", "s", "the", "wi", "fi", "code"]  # highlighting
    assert search_terms("what's the Wi-Fi code") == [*query_terms("what's the Wi-Fi code"), "wifi"]
    assert search_terms("what's the wifi code") == query_terms("what's the wifi code")  # nothing added


def test_the_index_stems_so_consult_meets_consultation():
    a = analyzer()
    assert a.analyze("consult") == a.analyze("consultation") == a.analyze("consults") == ["consult"]


DOCS = {
    "/handbook.md": ["Client Wi-Fi: the network is BRV-Guest and the password is on the card at reception.",
                     "Clients wait in the front room until the vet calls them in.",
                     "Send an email to the rota coordinator to swap a shift."],
    "/faq.md": ["Our daycare opens at 7:30 and the check-in desk is by the lift.",
                "The day room and the care suite are on the first floor, beside the lift.",
                "Use the e-mail form to re-order dog food."],
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    d = tmp_path_factory.mktemp("hyph")
    s = Store(d / "db.sqlite")
    for path, texts in DOCS.items():
        _add_doc(s, path, "Notes", texts)
    ix = LexicalIndex(d / "tantivy")
    ix.ensure_synced(s)
    yield ix, s
    ix.close()
    s.close()


@pytest.mark.parametrize("question, chunk", [
    ("what's the wifi for clients", "Client Wi-Fi"),  # the question joined, the source hyphenated
    ("how do I reorder the dog food", "Use the e-mail form"),
    ("who is the rota co-ordinator", "Send an email"),  # the question hyphenated, the source joined
    ("when does day-care open", "Our daycare opens"),
])
def test_joined_and_hyphenated_meet_in_the_index(index, question, chunk):
    ix, store = index
    hits = ix.search(question, 3)
    assert hits and hits[0][0] == _chunk_id(store, chunk), (question, hits)


def test_a_question_of_many_hyphenated_words_stays_within_the_form_budget() -> None:
    from ragtune.appliance.lexical_terms import MAX_FORM_TERMS

    q = " ".join(f"{a}-{b}" for a, b in zip("wi co re pre ex non anti semi post sub multi mid self over under out "
                                            "up down in on".split(), ["fix"] * 20))
    words = query_terms(q)
    assert len(search_terms(q)) - len(words) == MAX_FORM_TERMS
