"""Round 59: how far a repair reaches back (disfluency_back.py; disfluency.py and normalize_terms.py call it), on our
own (CC0) sentences: a multi-word noun phrase replaced whole, a spaced hyphenated name, editing terms missed before
(", no actually ,", "no make that", a bare question word abandoned), a repair that points back at the reparandum
(a pronoun for its noun phrase, an ellipsis re-saying its first words). Each rule has fluent controls holding the
same words as words; they must come out unchanged."""

import pytest

from ragtune.appliance.disfluency_back import (abandoned_wh, ellipsis, name_start, name_word, np_start, quantity,
                                              resolve_pronoun)
from ragtune.appliance.normalize import normalize_query
from tests.timing import grows_linearly

REPAIRS = [
    # a noun phrase for a noun phrase
    ("Who is the membership secretary no wait Fixtures Officer this season?",
     "Who is the Fixtures Officer this season?"),
    ("If the back gate or make that side door is locked, how do I get in?",
     "If the side door is locked, how do I get in?"),
    ("Can I hire the tennis court uh I mean netball court on Sundays?", "Can I hire the netball court on Sundays?"),
    ("When is the food bank sorry toy appeal collection?", "When is the toy appeal collection?"),
    ("who signs off the petty cash no sorry travel claims", "who signs off the travel claims"),
    # a spaced hyphen inside a name
    ("What was Fox - Talbot ' s or uh Reid ' s answer?", "What was Reid ' s answer?"),
    ("Did Owen - Jones no sorry Adeyemi chair the meeting?", "Did Adeyemi chair the meeting?"),
    ("Is Bourton - on - the - Water I mean Stow on the route?", "Is Stow on the route?"),
    # editing terms missed before
    ("Who runs , no actually , how many stalls are there?", "how many stalls are there?"),
    ("What is no make that when is the bake sale?", "when is the bake sale?"),
    ("What who founded the choir?", "who founded the choir?"),
    ("Where, when does the coach leave?", "when does the coach leave?"),
    # a repair that points back
    ("What is the fridge , scratch that , when was it bought?", "when was the fridge bought?"),
    ("Where are the folding chairs , never mind , who stacks them?", "who stacks the folding chairs?"),
    ("Who wrote the newsletter , no wait , what are its deadlines?", "what are the newsletter's deadlines?"),
    ("What time does the café close , I mean when does it open?", "when does the café open?"),
    ("Who besides Kim judged the cake contest , actually I mean who besides Lou ?",
     "Who besides Lou judged the cake contest ?"),
    ("How much was the hall on Friday , sorry , how much on Saturday ?", "How much was the hall on Saturday ?"),
    ("Who swept the yard , I mean who else ?", "Who else swept the yard ?"),
]

CONTROLS = [
    "Is there no lift in the building?",
    "Is the café no longer open late?",
    "How long is the wait for a new bin?",
    "Why did they leave the hall in such a sorry state?",
    "Is there , no actually , a charge for parking?",
    "There is no actually useful map, is there?",
    "How, when heated, does the seal expand?",
    "Why, what is wrong with the boiler?",
    "When where and how was the choir founded?",
    "Who is the membership secretary this season?",
    "What was Fox - Talbot ' s answer?",
    "What is the fridge model and when was it bought?",
    "Who besides Kim judged the cake contest?",
    "Is the red bus on time?",
]


@pytest.mark.parametrize("raw,expected", REPAIRS)
def test_r59_repairs(raw, expected):
    assert normalize_query(raw) == expected


@pytest.mark.parametrize("q", CONTROLS)
def test_r59_controls_unchanged(q):
    assert normalize_query(q) == q


def test_one_word_repair_keeps_the_modifier():
    # one content word in the repair replaces one word ("the red bus no wait tram on time")
    assert normalize_query("Is the red bus no wait tram on time?") == "Is the red tram on time?"


def test_np_start_needs_a_determiner():
    toks = "Can I renew online".split()
    keys = [t.lower() for t in toks]
    assert np_start(keys, toks, 3, [("book", "book"), ("tickets", "tickets")]) == 3
    toks = "Is the car park".split()
    assert np_start([t.lower() for t in toks], toks, 3, [("bike", "bike"), ("shed", "shed")]) == 2


def test_name_start_over_spaced_hyphens():
    toks = "Is Stratford - upon - Avon".split()
    assert name_start([t.lower().strip("-") for t in toks], toks, 5, 0) == 1


def test_abandoned_wh_keeps_asides_and_lists():
    assert abandoned_wh("Which when does it open ?".split()) == "when does it open ?".split()
    for q in ("Who, what and where was it ?", "What, when you think about it, is it ?", "What? Who is it ?"):
        assert abandoned_wh(q.split()) == q.split()


def test_resolve_pronoun_agreement_and_own_noun():
    assert resolve_pronoun("What are the raffle prizes".split(), "who donated them ?".split()) == \
        "who donated the raffle prizes ?".split()
    assert resolve_pronoun("Is the Old Mill open".split(), "when do they close ?".split()) is None  # number
    assert resolve_pronoun("What is the fee for the hall".split(), "what is it for ?".split()) is None  # two nouns
    assert resolve_pronoun("Who owns the van".split(), "who gave the keys to him ?".split()) is None
    assert resolve_pronoun("What is the gym".split(), "how much is it to join ?".split()) is None  # "it" names nothing


def test_ellipsis_only_when_shorter():
    assert ellipsis("When did Priya join the board".split(), "when did Tom ?".split()) == \
        "When did Tom join the board ?".split()
    full = "which room is the Thursday class in ?".split()  # as long as the reparandum: a whole question
    assert ellipsis("Which room is the Tuesday class in".split(), full) is None


def test_linear_on_long_inputs():
    assert grows_linearly(normalize_query, lambda n: "What is the " + "big " * n +
                          "boiler , scratch that , when was it last serviced ?", 2000, 8000)
    assert grows_linearly(normalize_query,
                          lambda n: "Who besides Ana had the idea , I mean who besides Ben ? " * n, 100, 400)


# round 59 mend: a name re-said by an ellipsis or replaced after a term is replaced whole (its particles, hyphens and
# a reflexive after it), and a trailing quantity repair replaces the count it corrects, not the nouns before the term
MEND_REPAIRS = [
    ("Who besides Maya Ortiz herself chose the venue , actually I mean who besides Tom Reid ?",
     "Who besides Tom Reid chose the venue ?"),
    ("Who besides Maya Ortiz herself chose the venue , actually I mean who besides Tom Reid himself ?",
     "Who besides Tom Reid himself chose the venue ?"),
    ("Who besides Anna van der Berg chose the venue , I mean who besides Tom ?", "Who besides Tom chose the venue ?"),
    ("Who besides Ana chose the venue , I mean who besides Tom van der Berg ?",
     "Who besides Tom van der Berg chose the venue ?"),
    ("Who besides Gaafar al - Turabi opposed the plan , I mean who besides Hassan al - Bashir ?",
     "Who besides Hassan al - Bashir opposed the plan ?"),
    ("When did Piet van der Berg I mean Jan de Vries join?", "When did Jan de Vries join?"),
    ("When did van der Berg no wait de Vries join the board?", "When did de Vries join the board?"),
    ("What did Gaafar al-Turabi no sorry Omar al-Bashir say?", "What did Omar al-Bashir say?"),
    ("Did van Gogh sorry Gauguin paint it?", "Did Gauguin paint it?"),
    ("Who is the prime minister no wait the President of Ghana?", "Who is the President of Ghana?"),
    ("Is the bin Monday no wait Tuesday?", "Is the bin Tuesday?"),
    ("What are two good examples of a rapid test sorry just one ?", "What is one good example of a rapid test ?"),
    ("What are two good examples of a rapid test, just one I mean?", "What is one good example of a rapid test?"),
    ("Can I book a room for three nights or no wait just one?", "Can I book a room for one night?"),
    ("What is one cheap hobby for kids I mean three?", "What are three cheap hobbies for kids?"),
    ("Is there one spare seat sorry two?", "Are there two spare seats?"),
    ("What are the 2 best routes to the coast sorry I mean 3?", "What are the 3 best routes to the coast?"),
    ("Give me four tips for a job interview no sorry only three", "Give me three tips for a job interview"),
    ("Who besides Mark van Bommel played , I mean who besides Arjen Robben ?", "Who besides Arjen Robben played ?"),
    ("Who besides the mayor herself attended , I mean who besides the deputy ?", "Who besides the deputy attended ?"),
    ("Name two rivers that flow through Paris , no , three ?", "Name three rivers that flow through Paris ?"),
    # no one count to replace: the words before the term stay whole
    ("What are some good examples of a rapid test sorry just one?", "What are some good examples of a rapid test?"),
]

MEND_CONTROLS = [
    "Is it two tablets a day or just one?",
    "Are two coats of paint enough, or just one?",
    "Can two people share one locker, or only one?",
    "Is the bin Monday or Tuesday?",
    "Who drove the van to the fair?",
    "Did Piet van der Berg join the board?",
    "Who besides Maya Ortiz herself chose the venue?",
    "Why does no one answer the phone at the clinic?",
    "Is one tablet enough, sorry to ask?",
    "What did Gaafar al-Turabi say about the 1989 coup?",
]


@pytest.mark.parametrize("raw,expected", MEND_REPAIRS)
def test_r59_mend_repairs(raw, expected):
    assert normalize_query(raw) == expected


@pytest.mark.parametrize("q", MEND_CONTROLS)
def test_r59_mend_controls_unchanged(q):
    assert normalize_query(q) == q


def test_name_word_and_particles():
    assert name_word("al-Turabi") and name_word("d'Arcy") and name_word("Reid")
    assert not name_word("al") and not name_word("well-known")
    toks = "When did Piet van der Berg".split()
    assert name_start([t.lower() for t in toks], toks, 5, 0) == 2
    toks = "Is the bin Monday".split()  # a particle after a determiner is a word
    assert name_start([t.lower() for t in toks], toks, 3, 0) == 3


def test_quantity_needs_one_count_and_a_number():
    said = "What are two good examples of a rapid test".split()
    assert quantity(said, "just one ?".split()) == "What is one good example of a rapid test ?".split()
    assert quantity(said, "the rapid one ?".split()) is None  # not a quantity
    assert quantity(said, "one more ?".split()) is None  # not the counted noun
    assert quantity("How many came in 2022".split(), "2023 ?".split()) is None  # a number for a number
    assert quantity("Does the 42 bus stop here".split(), "43 ?".split()) is None  # "the 42" names a bus
    two = "Were the two winners in 2019 the two best".split()  # two counts: the words stay, nothing is guessed
    assert quantity(two, "just one ?".split()) == two + ["?"]
    assert quantity(two, "one ?".split()) is None


def test_ellipsis_replaces_the_whole_name():
    assert ellipsis("Who besides Maya Ortiz herself chose the venue".split(), "who besides Tom Reid ?".split()) == \
        "Who besides Tom Reid chose the venue ?".split()


def test_mend_rules_linear_on_long_inputs():
    assert grows_linearly(normalize_query, lambda n: "What are two good examples of a " + "rapid " * n +
                          "test sorry just one ?", 2000, 8000)
    assert grows_linearly(normalize_query, lambda n: "When did Piet " + "van der " * n + "Berg I mean Jan de Vries "
                          "join ?", 2000, 8000)
    assert grows_linearly(normalize_query, lambda n: "Who besides Maya " + "Ortiz " * n + "herself chose the venue , I "
                          "mean who besides Tom ?", 2000, 8000)
    assert grows_linearly(normalize_query, lambda n: "Is it two tablets no wait three , " * n + "or just one ?",
                          100, 400)


# Lead's mends (round 59): a repair's first word followed by a participle, an adverb or a clause's opener is not a
# two-word compound, so the modifiers before the replaced word stay; a reparandum that already names its thing with
# a pronoun gives none to resolve; an embedded question ending on its verb is no ellipsis.
LEAD_MENDS = [
    ("Is the spare bedroom heater uh sorry radiator fitted with a timer?",
     "Is the spare bedroom radiator fitted with a timer?"),
    ("What happens to the small paddling pool no wait tub if it freezes overnight?",
     "What happens to the small paddling tub if it freezes overnight?"),
    ("How are the seedlings watered or no misted daily?", "How are the seedlings misted daily?"),
    ("Where did it stop along the length of its route sorry where did it start ?", "where did it start ?"),
    ("Where was the summer fete no actually tell me where the raffle was ?", "where the raffle was ?"),
]


@pytest.mark.parametrize("raw, expected", LEAD_MENDS)
def test_r59_lead_mends(raw, expected):
    assert normalize_query(raw) == expected
