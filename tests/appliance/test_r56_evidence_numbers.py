"""Round 56: a number that states the asker's situation (an age, the time they arrive, how long they stay, how many
they are) is not asked of the context by the evidence check (evidence_numbers.asked_numbers): "my grandfather is 81"
over a leaflet that says "adults over 65" set `number_missing` and refused an answerable question `no_evidence`. A
number that names what is asked about (a year, a model, a numbered item, a dose, a rule's amount) still counts.
Questions invented for this test (CC0)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragtune.appliance.evidence import _read_with, features
from ragtune.appliance.evidence_numbers import asked_numbers, numbers_in


def hit(text: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, rerank=1.0)


@pytest.mark.parametrize("question", [
    # ages
    "My nan is 92 and lives on her own, can she get the assisted bin collection?",
    "I’m 67, do I still pay on the bus?",  # a typed apostrophe
    "how much paracetamol for my 7 year old",
    "whats the dose for a 3-year-old child",
    "My husband's 58 - can he get the flu jab at the pharmacy?",
    "is the museum free for children aged 4",
    "can he use the inhaler at the age of 9?",
    # a moment of the asker's
    "If we get to the pool at 6:45, can we still have a swim?",
    "we're arriving around 11 pm, is reception still open?",
    "if my appointment is at 9, when should I stop eating",
    "Could our party go on until 1am?",
    # a time span of theirs
    "I want to hire the hall for 4 hours on a Saturday, what does it cost?",
    "I bought the kettle 40 days ago; can I still take it back?",
    "we're staying for 3 nights in August - is breakfast included",
    # how many they are
    "We are 5 adults and 2 children, how much is a family pass?",
    "there are 6 of us, do we need to book a table?",
    "can I bring 2 dogs into the cafe?",
])
def test_a_condition_of_the_asker_is_not_asked_for(question):
    assert numbers_in(question)  # the question names a number ...
    assert asked_numbers(question) == set()  # ... the context need not


@pytest.mark.parametrize("question, asked", [
    ("Who won the league in the 2019 season?", {"2019"}),
    ("Does the GX30 have a delay timer?", {"30"}),
    ("What did Amendment No. 2 change?", {"2"}),
    ("what's the rent on Unit 4", {"4"}),
    ("How should I store the 3 mg pen once it is open?", {"3"}),
    ("Do I need a receipt for claims over £500?", {"500"}),
    ("what platform does my 10:30 train leave from", {"10", "30"}),  # names the train
    ("What's on at 19:30 at the Regal?", {"19", "30"}),  # no asker: a time the listings must have
    ("How much is the 12-year-old single malt?", {"12"}),  # a product, not a person
    ("can a 16-year-old use the gym unsupervised", {"16"}),  # unsure: it counts
    ("what is the dose for 6 to 11-year-olds", {"6", "11"}),  # a band of the leaflet's
    ("how many people aged 20 to 29 live in the ward", {"20", "29"}),
    ("My flight number is 4471, which gate do I go to?", {"4471"}),
    ("My son is 12; what does the 12 bus cost him?", {"12"}),  # named again outside the condition
    ("My mum has been a member since 2015 - what did it cost back then?", {"2015"}),
    ("Who chaired the committee for 5 years?", {"5"}),  # no asker: the tenure is asked about
])
def test_a_number_that_names_what_is_asked_about_counts(question, asked):
    assert asked_numbers(question) == asked


def test_digits_of_every_script_still_count():
    assert asked_numbers("ما رسوم عام ٢٠١٩؟") == {"2019"}
    assert asked_numbers("unit shortfall 1,175") == {"1175"}
    assert asked_numbers("which clause covers the accounts") == set()


def test_number_missing_reads_only_the_asked_numbers():
    leaflet = [hit("Adults and children over 12: take one or two tablets every four to six hours. "
                   "Do not take more than eight tablets in 24 hours.")]
    assert features("My grandad is 84, how many tablets can he take in 24 hours?", leaflet)["number_missing"] == 0.0
    assert features("how many tablets for my 10 year old in 24 hours", leaflet)["number_missing"] == 0.0
    # what the feature is for: the 2021 winner over the 2020 page
    assert features("Who won the 2021 final?", [hit("The 2020 final was won by Ashby Town.")])["number_missing"] == 1.0
    assert features("What did the 2021 leaflet say about a 10 year old?", leaflet)["number_missing"] == 1.0


# A reader's finding (round 55): the evidence check read a `# comment` line of a fenced code block as a heading, so
# every sentence after it was read "about" the comment. Headings are read outside ``` and ~~~ fences only.
def about(text: str, ending: str) -> str:
    """The headings the sentence of `text` that ends with `ending` is read with."""
    return next(a for s, a in _read_with(text) if s.endswith(ending))


def test_a_comment_inside_a_code_fence_is_not_a_heading():
    text = ("## Backups\nRun it nightly.\n```bash\n# restore the staging database\nrestic restore latest\n```\n"
            "Keep 30 days. Ask the admin.")
    assert about(text, "Keep 30 days.") == "Backups"  # not "Backups restore the staging database"
    assert about(text, "Ask the admin.") == "Backups"
    assert features("staging admin", [hit(text)])["best_sentence"] == 0.5  # was 1.0: "Ask the admin." about staging
    tilde = "# Setup\n~~~~\n# not a heading\n~~~\n# still code\n~~~~\nDone now."
    assert about(tilde, "Done now.") == "Setup"  # "~~~" does not close a "~~~~" fence
    info = "# Setup\n```python\n# code\n```python\n# code too\n```\nDone now."
    assert about(info, "Done now.") == "Setup"  # a fence with an info string opens, never closes


def test_a_chunk_ending_inside_a_fence_keeps_its_real_headings():
    # mend6: h2 guessed that a chunk ending in a fence whose first fence is bare had started inside one, and dropped
    # the chunk's real heading. No guess: only fences opened in the chunk hide `#` lines.
    bare = "## Install\n```\n# a comment\nmake. Done here."
    assert about(bare, "Done here.") == "Install"
    assert about(bare, "make.") == "Install"
    opened = "## Install\n```sh\n# a comment\nmake"
    assert all(about == "Install" for _, about in _read_with(opened))
    # the cost, as in round 55: a chunk cut inside a fence reads its leading comment as a heading (was "Next steps"
    # under h2's guess; "## Next steps" is now inside the fence the chunk's ``` opens)
    text = "# apt-get comment, code\napt-get install foo\n```\n## Next steps\nReboot the box."
    assert about(text, "Reboot the box.") == "apt-get comment, code"


def test_headings_outside_fences_read_as_before():
    text = "# Fees\n## Allotments\nRent is £30 a year.\n## Hall hire\nThe main hall costs £12 an hour. Ask the clerk."
    assert about(text, "Ask the clerk.") == "Fees Hall hire"


# mend6 (reader B): a number that identifies what is asked about was dropped as a condition. Invented (CC0).
@pytest.mark.parametrize("question, asked", [
    # a clock time is the asker's only when it is their arrival or appointment
    ("Can I see the film at 19:30 on Friday?", {"19", "30"}),
    ("is there a train at 10:15 I can take to Leeds?", {"10", "15"}),
    ("can we catch the bus at 7:10 to York", {"7", "10"}),
    ("Is there a guided tour at 3pm we could join?", {"3"}),
    ("my train at 10:30 from platform 2 is cancelled", {"10", "30", "2"}),
    ("my flight is at 6:40, which terminal?", {"6", "40"}),
    ("can I book the swim session at 6:30?", {"6", "30"}),
    ("we want the boat trip from 11 am, are there seats left", {"11"}),
    # "we are N" is a party only when counted or alone
    ("We are 2019 entrants, which fee rules apply?", {"2019"}),
    ("we're 2020 graduates, is there an alumni rate?", {"2020"}),
    ("we are 12 week trainees, do we get a locker", {"12"}),
    # an age is a person's
    ("Do you sell cheddar aged 24 months?", {"24"}),
    ("is the whisky aged 12 years still available?", {"12"}),
    ("Do you have the 12 year old in stock?", {"12"}),
    ("is a 10 year old ok for a first car", {"10"}),
    ("My cat is 14, is the senior food right?", {"14"}),
    # a span asked about, not the asker's stay
    ("is there a pharmacy open for 24 hours near me?", {"24"}),
    ("Can I claim for 12 months of back pay?", {"12"}),
    ("Can I renew my passport for 10 years?", {"10"}),
    ("do I get paid for 6 weeks of sick leave", {"6"}),
    ("if my train is at 10:15, which platform does it go from?", {"10", "15"}),  # a service, timetabled
    ("when our flight is at 6:40 which terminal is it", {"6", "40"}),
    ("is there a discount for 12 year old whisky", {"12"}),
])
def test_an_identifying_number_in_the_askers_clause_counts(question, asked):
    assert asked_numbers(question) == asked


@pytest.mark.parametrize("question", [
    "I arrive at 10:30, can I leave my bags?",
    "we get there around 9 pm - is the kitchen still serving",
    "I'm coming at 10:30, is there parking?",
    "if I turn up at 10:30 can I still get in",
    "my appointment's at 2:15, where do I go?",
    "we'll probably get in by 11pm, is there a key safe",
    "we are 3, do we need to book",
    "If my colonoscopy is at 10:30, when do I take the second sachet?",
    "if my dentist appointment is at 9, can I eat breakfast",
    "Can we stay until 1am at the reception?",
    "kavotrine dose 4 year old",
    "I'm 67 years old - is the bus free?",
    "we're 4 - can we all sit together?",
    "we are 2 adults and a baby, is there a family room",
    "my grandson aged 4 wants to come, is he free?",
    "I'm staying 5 nights, is there a weekly rate?",
    "can we park the van for 3 days at the station",
    "I'd like to borrow the projector for 2 weeks",
    "can we hire the hall for 2 days for our wedding?",
])
def test_the_askers_own_arrival_party_age_and_stay_still_drop(question):
    assert asked_numbers(question) == set()


def test_a_long_run_of_digits_is_read_in_linear_time():
    import time
    start = time.process_time()
    asked_numbers("1" * 16000 + " year old")
    assert time.process_time() - start < 1.0  # was quadratic: "N year old" tried from every digit
