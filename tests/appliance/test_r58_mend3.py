"""Round 58 mend3: a reader's findings on round 58's three leftovers rules. A grouped table's note row with a relative
clause ("Anyone who is late pays a fee") is a note again, not a group's name; "Will <noun> <plural> <verb>" asks yes
or no only as a question (a "?", no wh-word, no asked-for noun after the verb) and says so with a bool; the answer
tidy's two dash guards read only what they should: compounds written whole near the answer, of two lower-case words,
outnumbering the spaced ones, and an -ly word only as an adverb after a verb. Content invented for the tests (CC0)."""

from __future__ import annotations

import pytest

from ragtune.appliance.answer_tidy import tidy, tokenized
from ragtune.appliance.answer_yesno import is_yesno
from ragtune.appliance.ingest.loaders.tablegroups import group_name

NOTE = " ok , thanks . see you at the hall , I'll bring the keys . "
PTB_NOTE = " ok , thanks . see you at the hall , I ' ll bring the keys . "


# -- 1. a note row with a relative clause ------------------------------------------------------------------------------

@pytest.mark.parametrize("note", [
    "Anyone who is late pays a fee", "Children who are under 5 go free", "Items that are not collected are sold",
    "Bins which are overfilled are not emptied", "Drivers who are over 70 need a medical",
    "Those who are members pay less", "Guests that are staying get breakfast", "People who are waiting go first",
    "Dogs that are on leads are welcome", "Members who are retired pay half", "Staff who are part-time: see HR",
    "Parcels that were left outside are returned", "Anyone who can help should ring Jan",
])
def test_a_relative_clause_going_on_into_a_sentence_leaves_a_note(note):
    assert group_name({0: note}) == ""


@pytest.mark.parametrize("name", [
    "Residents who are over 65", "Guests who are staying 2+ nights", "Staff who need parking",
    "Players whose fees are due", "Classes that are fully booked", "Children who are aged 5 to 11",
    "Guests who will stay over", "Volunteers who can drive", "Items that must be returned", "Bikes which were stolen",
    "Students who are not enrolled", "Members who joined before 2020", "Tenants who do not smoke",
    "Staff who are part-time (see note 2)",
])
def test_a_relative_clause_a_complement_completes_names_a_group(name):
    assert group_name({0: name}) == name


# -- 2. "Will <noun> <plural> <verb>" ----------------------------------------------------------------------------------

@pytest.mark.parametrize("q", [
    "Will power cuts end when?", "will storage fees end date", "Will registration fees rise by how much?",
    "Will power tools return policy?", "Will storage boxes return date?", "Will kits prices last year?",
    "Will trusts rules change when?", "will power cuts happen where", "Will solicitors fees charge list",
    "Will probate fees change form?", "Will contests costs get estimate", "Will storage units start price?",
])
def test_a_keyword_or_wh_query_after_will_s_noun_and_a_plural_is_no_yes_no(q):
    assert is_yesno(q) is False


@pytest.mark.parametrize("q", [
    "Will power cuts continue?", "Will storage fees rise next year?", "Will probate costs increase in April?",
    "Will power lines go underground?", "Will registration numbers change?", "Will power cuts last all night?",
    "Will kits sales stop?",
])
def test_a_question_after_will_s_noun_and_a_plural_asks_yes_or_no_as_a_bool(q):
    assert is_yesno(q) is True  # a bool, not a match: answer_served.sent_whole passes it on


# -- 3. the tidy's dash guards -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, raw, want", [
    # an -ly word after no verb: a noun, adjective or name in a compound
    ("Fines for fly - tipping rose last year .", "fly - tipping", "fly-tipping"),
    ("It is a small family - run hotel .", "family - run", "family-run"),
    ("The firm had supply - chain problems .", "supply - chain", "supply-chain"),
    ("Two died in a friendly - fire incident .", "friendly - fire", "friendly-fire"),
    ("The early - bird tickets sell out by June .", "early - bird tickets", "early-bird tickets"),
    ("A curly - haired boy won the race .", "curly - haired", "curly-haired"),
    # one whole compound of a name or a letter, or a chain, is no habit of writing compounds whole
    ("It is measured in the kilogram - force , the old unit . X-ray units came later .", "the kilogram - force",
     "the kilogram-force"),
    ("It is measured in the kilogram - force , the old unit . He wore a T-shirt .", "the kilogram - force",
     "the kilogram-force"),
    ("Send the form by e-mail . The lime - green bins take glass .", "lime - green bins", "lime-green bins"),
    ("They drank Coca-Cola at the cross - country race .", "cross - country race", "cross-country race"),
    ("He was a well - known poet . He lived in Stratford-upon-Avon .", "a well - known poet", "a well-known poet"),
])
def test_the_dash_guards_let_compounds_join(src, raw, want):
    for note in (NOTE, PTB_NOTE):
        assert tokenized(src + note) and tidy(raw, [src + note]) == want


def test_a_ptb_source_joins_names_with_an_ly_ending():
    src = "An Italy - based firm bought the mill ." + PTB_NOTE
    assert tidy("Italy - based", [src]) == "Italy-based"
    assert tidy("Jo Kelly - Smith", ["The captain was Jo Kelly - Smith ." + PTB_NOTE]) == "Jo Kelly-Smith"
    # a writer's habit-spaced source leaves capitalised words as written, as before
    assert tidy("Italy - based", ["An Italy - based firm bought the mill ." + NOTE]) == "Italy - based"


@pytest.mark.parametrize("src, raw", [
    ("The pool is open daily - closed on bank holidays .", "open daily - closed"),
    ("Lunch is served weekly - bring a plate .", "served weekly - bring a plate"),
    ("Bins are emptied fortnightly - glass goes monthly .", "fortnightly - glass goes"),
])
def test_an_adverb_after_a_verb_keeps_its_dash(src, raw):
    for note in (NOTE, PTB_NOTE):
        assert tidy(raw, [src + note]) == raw


def test_compounds_written_whole_near_the_answer_must_outnumber_the_spaced():
    # near the answer, one lower-case compound written whole and no other spaced: a writer's dash, kept
    src = "Free entry - donations welcome . Tea is self-service ." + NOTE
    assert tidy("Free entry - donations welcome", [src]) == "Free entry - donations welcome"
    # spaced compounds there as many as whole ones: a tokenizer's split, joined
    src = "A long - term plan . A short - term fix first . The part-time post is new ." + NOTE
    assert tidy("A long - term plan", [src]) == "A long-term plan"
    # a whole compound far from the answer says nothing of it
    far = "It is measured in the kilogram - force , the old unit ." + NOTE * 6 + " Tea is self-service ."
    assert tidy("the kilogram - force", [far]) == "the kilogram-force"
