"""Round 57: the disfluencies round 56 still missed (disfluency_pre.py; disfluency.py calls it), on our own (CC0)
sentences: an editing phrase in the middle ("hold on", "hang on", "let me think", "what's it called"), a postposed
repair ("the gym open, the pool I mean, on Sundays"), "like" / "you know" / "kind of" / "sort of" as fillers,
commas typed without a space, and "I mean the one ..." as a clarification. Each rule has fluent controls holding
the same words as words; they must come out unchanged."""

import pytest

from ragtune.appliance.disfluency import token_key
from ragtune.appliance.disfluency_pre import hesitations_as_fillers, postposed_repair, spaced_commas
from ragtune.appliance.normalize import normalize_query

REPAIRS = [
    # an editing phrase in the middle
    ("do I need the glass, hold on, the batteries for the remote?", "do I need the batteries for the remote?"),
    ("do I need the glass, hold on, batteries for the remote?", "do I need the batteries for the remote?"),
    ("what's the, let me think, the fee for a replacement card?", "what's the fee for a replacement card?"),
    ("Where do I leave the, what's it called, the green bin on collection day?",
     "Where do I leave the green bin on collection day?"),
    ("How do I change the, how do I put it, the billing address?", "How do I change the billing address?"),
    ("Do I show the cat's, let me see, the passport at the border?", "Do I show the passport at the border?"),
    ("Can I rent a kayak, hang on, an inflatable canoe for the day?",
     "Can I rent an inflatable canoe for the day?"),
    ("Let me think, what day is the glass collection?", "what day is the glass collection?"),
    # a postposed repair
    ("when does the gym open, the pool I mean, on Sundays?", "when does the pool open on Sundays?"),
    ("Is the dentist open Monday, Tuesday I mean?", "Is the dentist open Tuesday?"),
    ("Can I extend the loan online, the laptop I mean, after it is due?",
     "Can I extend the laptop online after it is due?"),
    ("Who fixes it when the boiler, the shower I mean, stops working?", "Who fixes it when the shower stops working?"),
    ("Is the yoga class full, the pilates class I meant?", "Is the pilates class full?"),
    ("how long did the slow one take, the Harwick Mark II I mean, to print a page",
     "how long did the Harwick Mark II take to print a page"),
    # fillers set off by commas
    ("is the, like, the sauna open on Mondays?", "is the sauna open on Mondays?"),
    ("can I, you know, park on the grass verge?", "can I park on the grass verge?"),
    ("Is the course, kind of, hard for beginners?", "Is the course hard for beginners?"),
    ("Do I need to, sort of, register the bike?", "Do I need to register the bike?"),
    ("Is the campsite quiet at night, you know?", "Is the campsite quiet at night?"),
    ("why does the printer stop, like, when I send a long file", "why does the printer stop, when I send a long file"),
    # commas typed without a space
    ("when does the gym,I mean,the pool close?", "when does the pool close?"),
    ("Does the bakery,you know,bake on Sundays?", "Does the bakery bake on Sundays?"),
    ("Which stop for Bath,sorry,Bristol on the coach?", "Which stop for Bristol on the coach?"),
    # "I mean the one ...": which one, not another thing
    ("Is the car park, I mean the one behind the church, free after six?",
     "Is the car park, the one behind the church, free after six?"),
    ("how much was the P80 sandpaper, the coarse one I mean, last year",
     "how much was the P80 sandpaper, the coarse one, last year"),
    # a typed question mark after a trailing term stays
    ("Is the pool open late I mean?", "Is the pool open late?"),
]

CONTROLS = [
    "Do I have to hold on to the receipt for the warranty?",
    "Can the post office hang on to my parcel for a week?",
    "I mean to ask about the deposit, who keeps it?",
    "What do you mean by an off-peak ticket?",
    "Which room do you mean, the quiet one?",
    "Do you like the new library building?",
    "I like the early class, is it still at seven?",
    "What's the weather like on the coast path in May?",
    "You know the gate code, is it still the same?",
    "Do you know, is the chemist open on Sunday?",
    "What kind of lock does the bike shed take?",
    "What sort of ID does the bank accept?",
    "Is the hike kind of steep at the end?",
    "Will the landlord let me see the gas certificate?",
    "How do I put it in the calendar for everyone?",
    "What's it called when a train is replaced by a bus?",
    "Is the fee, sorry to ask, refundable if the trip is cancelled?",
    "Do you stock red,white and rosé wine?",
    "Is the hall free Mon,Tue or Thu evenings?",
    "Is the fine 1,500 or 2,000 rupees?",
    "Do I press the button, hold on, and then release it?",
    "how many soldiers went to the siege, the Ostrander army I mean",
    "Is the room, the one by the stairs, noisy at night?",
    "Is the bus I take, the 41, running on Sundays?",
    "Abre la piscina el domingo?",
]


@pytest.mark.parametrize("raw,expected", REPAIRS)
def test_r57_repairs(raw, expected):
    assert normalize_query(raw) == expected


@pytest.mark.parametrize("fluent", [c for c in CONTROLS if "siege" not in c])
def test_r57_controls_unchanged(fluent):
    assert normalize_query(fluent) == fluent


def test_a_noun_phrase_named_again_at_the_end_is_kept():
    # at the end of the question P may only say which thing was meant: both stay, "I mean" goes
    assert normalize_query("how many soldiers went to the siege, the Ostrander army I mean") == \
        "how many soldiers went to the siege, the Ostrander army"


def test_a_postposed_phrase_with_nothing_to_replace_stays_as_said():
    assert normalize_query("how much went on the paint line, capex I mean, at the Leeds plant") == \
        "how much went on the paint line, capex, at the Leeds plant"
    # the noun phrase may go on: nothing is replaced ("the heaviest" is not "the score")
    assert normalize_query("what was the heaviest defeat in club history, the score I mean") == \
        "what was the heaviest defeat in club history, the score"


def test_spaced_commas_only_between_letters():
    assert spaced_commas("glass,hold on,batteries 1,000 a, b") == "glass, hold on, batteries 1,000 a, b"


def test_spaced_commas_are_kept_only_where_they_repair():
    # a list typed without spaces keeps its commas as typed
    assert normalize_query("Do you sell red,white and rosé?") == "Do you sell red,white and rosé?"


def test_hesitations_are_dropped_only_when_set_off():
    def run(q):
        toks = q.split()
        return " ".join(hesitations_as_fillers(toks, [token_key(t) for t in toks]))
    assert run("can I , like , bring a friend ?") == "can I bring a friend ?"
    assert run("I like the pool , is it open ?") == "I like the pool , is it open ?"
    assert run("what , kind of , dog is allowed ?") == "what , kind of , dog is allowed ?"
    assert run('is the word " like , " slang ?') == 'is the word " like , " slang ?'  # quoted: mentioned
    # before a new clause the comma stays
    assert run("why does it crash, like, when I save") == "why does it crash, when I save"


def test_postposed_repair_needs_a_phrase_after_a_comma():
    def run(q):
        toks = q.split()
        return " ".join(postposed_repair(toks, [token_key(t) for t in toks]))
    assert run("the pool I mean , is it open ?") == "the pool I mean , is it open ?"  # no comma before P
    assert run("is it open , what I mean , on Sundays ?") == "is it open , what I mean , on Sundays ?"
    assert run("is the gym , so sorry , open ?") == "is the gym , so sorry , open ?"


def test_long_input_is_linear():
    # each hesitation once copied the words before it: 8k words now take about four times 2k, not sixteen
    import time

    def cpu(reps):
        q = "is the, like, the pool,I mean,the gym open, the pool I mean, on Sundays you know " * reps
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            normalize_query(q)
            best = min(best, time.process_time() - t)
        return best

    small, large = cpu(125), cpu(500)
    assert large < 6 * small + 0.05


def test_sets_distinct():
    assert len({r for r, _ in REPAIRS}) == len(REPAIRS) and len(set(CONTROLS)) == len(CONTROLS)
