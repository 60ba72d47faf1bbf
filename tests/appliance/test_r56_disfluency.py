"""Round 56: disfluency repairs the rules of round 55 left undone or did wrongly, on our own (CC0) sentences over
several domains (a housing office, a clinic, a bike shop, a school trip, a software manual, a library, a council):

1. editing terms the tables did not know ("never mind", "nevermind", "nope", "let me ask (again)", "actually, tell
   me", "tell me instead", "what I meant was", "no, hang on") and a lone "wait" between two names or two numbers;
2. a one-word repair at the end that replaces the word before the editing term ("does the shop rent or no sorry
   sell?"), never a "restart" that leaves the repair word alone;
3. possessives the tokeniser split ("Ahmed ' s no sorry Fatima ' s tutor"): the name and its "' s" go together;
4. a restart after fillers and a discourse word ("What did, actually tell me what ...", "or uh first what ...").

Each disfluent question is given with its repaired form; the controls use "no", "wait", "actually", "never",
"mind", "nope", "let me ask", "hang on" as ordinary words and must come out unchanged."""

import pytest

from ragtune.appliance.normalize import normalize_query

REPAIRS = [
    # 1. editing terms not known before round 56
    ("Where do I hand in the rent book never mind where do I report a broken boiler ?",
     "where do I report a broken boiler ?"),
    ("What time does the clinic open on Saturday nevermind close on Saturday ?",
     "What time does the clinic close on Saturday ?"),
    ("Is the pool open never mind closed on bank holidays ?", "Is the pool closed on bank holidays ?"),
    ("Where is the nearest pharmacy , never mind , where is the nearest walk-in centre ?",
     "where is the nearest walk-in centre ?"),
    ("Can I pay the deposit by card nevermind by bank transfer?", "Can I pay the deposit by bank transfer?"),
    ("Does the bike shop fix e-bikes nope does the bike shop sell e-bikes ?", "does the bike shop sell e-bikes ?"),
    ("Is the school trip to York nope to Durham ?", "Is the school trip to Durham ?"),
    ("How much is the parking permit nope the visitor permit?", "How much is the visitor permit?"),
    ("Is rent due on the 1st nope on the 5th ?", "Is rent due on the 5th ?"),
    ("How do I export a report let me ask again how do I print a report ?", "how do I print a report ?"),
    ("Which form do tenants sign let me ask which form do guarantors sign ?",
     "which form do guarantors sign ?"),
    ("How do I install the plugin let me ask that again how do I update the plugin?",
     "how do I update the plugin?"),
    ("Who cleans the stairwell actually, tell me who fixes the lift ?", "who fixes the lift ?"),
    ("What size frame fits a child actually , tell me what size wheel fits a child ?",
     "what size wheel fits a child ?"),
    ("How much is a puncture repair tell me instead how much is a full service ?",
     "how much is a full service ?"),
    ("What is the library fine what I meant was the library membership fee ?",
     "What is the library membership fee ?"),
    ("Can I bring my dog on the trip what I mean is can I bring my cat ?", "can I bring my cat ?"),
    ("Is the x-ray on floor 2 no, hang on, on floor 3 ?", "Is the x-ray on floor 3 ?"),
    ("Who approves repairs no , hang on , who pays for repairs ?", "who pays for repairs ?"),
    ("Which shop sells Italian wait Spanish cheese ?", "Which shop sells Spanish cheese ?"),
    ("Does the Brompton wait Tern folding bike fit on the train ?", "Does the Tern folding bike fit on the train ?"),
    ("Was the library built in 1887 wait 1897 ?", "Was the library built in 1897 ?"),
    # a lone "wait" after a lower-case word only goes itself (nothing says what it replaced)
    ("Which borough is the least densely populated wait Hendon or Barnet ?",
     "Which borough is the least densely populated Hendon or Barnet ?"),
    ("What is the deposit, let me ask again, the holding deposit ?", "What is the holding deposit ?"),
    # 2. a one-word (or short) repair at the end replaces the word before the editing term
    ("How many bikes does the shop rent or no sorry sell?", "How many bikes does the shop sell?"),
    ("How many beds does the ward take no sorry have ?", "How many beds does the ward have ?"),
    ("What does the basic plan include or sorry cost ?", "What does the basic plan cost ?"),
    ("What does the warranty cover no I mean exclude ?", "What does the warranty exclude ?"),
    ("Which laptop should I get or no sorry buy?", "Which laptop should I buy?"),
    ("What time does the museum open uh I mean close ?", "What time does the museum close ?"),
    ("When did the tenants move in or rather out ?", "When did the tenants move out ?"),
    ("How many pupils can the coach take no wait can it hold ?", "How many pupils can it hold ?"),
    ("Which rooms does the flat have no sorry share ?", "Which rooms does the flat share ?"),
    ("Who built the footbridge no sorry when ?", "Who built the footbridge when ?"),
    # 3. possessives split by the tokeniser (and joined)
    ("Who is Ahmed ' s no sorry Fatima ' s tutor ?", "Who is Fatima ' s tutor ?"),
    ("Which is Ben ' s or rather Chloe ' s bike ?", "Which is Chloe ' s bike ?"),
    ("What is Lucy ' s uh sorry Tom ' s room number ?", "What is Tom ' s room number ?"),
    ("Who is Mrs Hale ’ s no sorry Mr Hale ’ s assistant ?", "Who is Mr Hale ’ s assistant ?"),
    ("What is Lucy's no sorry Tom's room number?", "What is Tom's room number?"),
    ("Who is Sam’s sorry Priya’s supervisor?", "Who is Priya’s supervisor?"),
    ("When is Year 7 ' s I mean Year 8 ' s trip ?", "When is Year 8 ' s trip ?"),
    ("Is it Dan ' s um Ella ' s turn to drive ?", "Is it Ella ' s turn to drive ?"),
    # 4. a restart after fillers, punctuation and a discourse word
    ("What did, actually tell me what GDPR stands for ?", "what GDPR stands for ?"),
    ("Who ran or uh first what was the route of the trip ?", "what was the route of the trip ?"),
    ("How do, um, actually what does the reset button do?", "what does the reset button do?"),
    ("Where can I, uh, so who do I ask about parking permits ?", "who do I ask about parking permits ?"),
    ("When does the , er , then which bus takes us back ?", "which bus takes us back ?"),
    ("Which menu do I , um , first where do I find the settings ?", "where do I find the settings ?"),
    ("What is the uh first how do I book a viewing ?", "how do I book a viewing ?"),
    # "what's" is a question word; a restart with none to go back to stops at a typed comma; "mm" after a number
    # is millimetres, not a filler
    ("how many seats, er, what's the capacity of the main hall", "what's the capacity of the main hall"),
    ("the Elm Road flat, the deposit, the letter said 300 but, um, what's the real deposit",
     "the Elm Road flat, the deposit, what's the real deposit"),
    ("the bike lock, um, who sells the bike lock", "the bike lock, who sells the bike lock"),
    ("the 8 mm, um, the 10 mm spanner, how much is it", "the 10 mm spanner, how much is it"),
    ("Is the gym open on Monday or uh ?", "Is the gym open on Monday ?"),
    # weak terms with no repair after them are ordinary words; only their fillers go
    ("When did the Ferry Lane bridge, um, actually reopen ?", "When did the Ferry Lane bridge, actually reopen ?"),
]

CONTROLS = [
    "Is there no lift in the building ?",
    "Why is there no Wi-Fi in the library?",
    "Are there no buses after 11 pm ?",
    "Which bike has no gears ?",
    "Can I get a refund if I have no receipt ?",
    "Is there really no way to reset my password ?",
    "Is there actually no parking?",
    "Why is there still no hot water in flat 4 ?",
    "How long is the wait for a GP appointment ?",
    "What is the average wait for a bike service?",
    "Is the wait list for council flats open ?",
    "Do patients have to wait in the car park ?",
    "Should I wait for the technician ?",
    "Can visitors wait inside the ward ?",
    "How many days do I wait before reapplying ?",
    "Do children under 12 wait 2 hours for the ferry ?",
    "Can I wait until Friday to pay ?",
    "Should I call the clinic or wait ?",
    "Would you mind checking my booking ?",
    "Should I mind the step at the entrance ?",
    "Never mind the cost , is the trip safe ?",
    "Is the deposit actually refundable ?",
    "Is the fee , actually , refundable ?",
    "Is the fee, actually, refundable?",
    "Is the pharmacy actually open on Sundays ?",
    "What did the technician actually replace ?",
    "Can I never pay by cheque ?",
    "When was the album Nevermind released ?",
    "The kiosk keeps saying, hang on, it says card declined, what do I do?",
    "Is it open , actually ?",
    "Why does the chatbot reply nope to every question ?",
    "Will the school let me ask for a refund ?",
    "Does the software let me ask questions in Welsh ?",
    "Will the landlord let me ask who else applied ?",
    "Let me ask the landlord or should I ask the agent ?",
    "Can you hang on to my key until Monday ?",
    "Can you tell me the opening hours ?",
    "What is the children ' s menu ?",
    "Is the Irish history trip in May ?",
    "Which is faster : the 8 or the 9 bus ?",
    "What is first aid training ?",
    "Who came first in the 2019 race ?",
    "So which bus takes us back ?",
    "What size drill bit do I need for a 6 mm wall plug ?",
    "Is Platform No. 3 step-free ?",
    "We'd rather pay monthly, is there a direct debit option ?",
    "Can I say no to a home visit?",
    "Is it a yes or no answer on the form ?",
    "How do I say sorry to a neighbour formally?",
    "If the landlord says no to a pet, can I appeal?",
    "What did the nurse mean by nope on the form?",
]


@pytest.mark.parametrize("raw,expected", REPAIRS)
def test_r56_repairs(raw, expected):
    assert normalize_query(raw) == expected


@pytest.mark.parametrize("fluent", CONTROLS)
def test_r56_controls_unchanged(fluent):
    assert normalize_query(fluent) == fluent


def test_r56_set_sizes():
    assert len(REPAIRS) >= 40 and len(CONTROLS) >= 30
    assert len({r for r, _ in REPAIRS}) == len(REPAIRS) and len(set(CONTROLS)) == len(CONTROLS)


# Mend of round 56: four kinds of repair the start code did right (or the new rules did wrong), on our own (CC0)
# sentences: a question word for a question word after a strong run ending in a weak term or a filler; a word for
# a word of the same kind across a comma-set "wait" run; "no" before a question word after an article; a restart
# after a short phrase set off by commas ("never mind , according to ..., what were ..."), with the rejected
# "not X ," before it; and a lone verb form that must not eat a name.
MEND_REPAIRS = [
    ("The Hale Report describes who or no make that what ?", "The Hale Report describes what ?"),
    ("The bus runs between the depot and who umm rather what ?", "The bus runs between the depot and what ?"),
    ("Tell me how or rather why ?", "Tell me why ?"),
    ("The clinic leaflet explains where uh I mean when ?", "The clinic leaflet explains when ?"),
    ("The form asks which or no make that whose ?", "The form asks whose ?"),
    ("The warden checks when no sorry where the bins go ?", "The warden checks where the bins go ?"),
    ("What does low , oh wait , high demand go with ?", "What does high demand go with ?"),
    ("How much is the small , wait , large box of tiles ?", "How much is the large box of tiles ?"),
    ("Which bus goes to the north , oh wait , south entrance ?", "Which bus goes to the south entrance ?"),
    ("Does the cheap, wait, premium plan include backups?", "Does the premium plan include backups?"),
    ("Is the sports hall open on Sunday , wait , Saturday ?", "Is the sports hall open on Saturday ?"),
    ("When was the no who was the second largest grower ?", "who was the second largest grower ?"),
    ("Where is the no which room is the exam in ?", "which room is the exam in ?"),
    ("How many seats did a no how many seats did the Greens win ?", "how many seats did the Greens win ?"),
    ("What does a 2013 report never mind I meant , according to a 1955 review , what were the main findings ?",
     "according to a 1955 review , what were the main findings ?"),
    ("How much is the day pass no sorry , for a family of four , how much is the season pass ?",
     "for a family of four , how much is the season pass ?"),
    ("What time is the train no wait , on Sundays , when does the first bus leave ?",
     "on Sundays , when does the first bus leave ?"),
    ("Which rooms does the hotel have I mean , in the annex , which rooms are accessible ?",
     "in the annex , which rooms are accessible ?"),
    ("What does the 2013 report say I mean in 2014, what did it say?", "in 2014, what did it say?"),
    ("what time does the, um, no, not the pool, what time does the kiosk at the lido shut",
     "what time does the kiosk at the lido shut"),
    ("Where do I park , no , not the staff car park , where do visitors park ?", "where do visitors park ?"),
    ("How much is it, sorry, not the adult ticket, how much is a child ticket?", "how much is a child ticket?"),
    # a lone verb form does not replace a name: only the editing term goes (the verb it corrects is further back)
    ("Tell me who founded the garden for the Hale Library actually I mean designed ?",
     "Tell me who founded the garden for the Hale Library designed ?"),
    ("Who painted the mural in the Old Hall no sorry restored ?", "Who painted the mural in the Old Hall restored ?"),
    # with no question word to restart, "not the gloss" stays and the named choice is kept
    ("the paint, the matt one I mean, not the gloss, what does a tin cost at Hollins",
     "the paint, the matt not the gloss, what does a tin cost at Hollins"),
]

MEND_CONTROLS = [
    "Is the deposit, actually, returned in full?",
    "What is the fee, actually, for a parking permit?",
    "How long is the wait , roughly , for a repair ?",
    "If the bus is late , wait , then call the depot ?",
    # a bare "wait" after a verb, or before a list's next step or a connector, is an instruction
    "Once it beeps, wait, unplug it?",
    "After the kettle boils, wait, pour?",
    "If the screen freezes, wait, restart, and try again?",
    "The sign says, wait, so do I wait here?",
    "Is the fee , wait , refundable ?",
    "Who is the manager , wait , at the Elm Street branch ?",
    "Who led the no campaign in 1975 ?",
    "How many votes did the no side get ?",
    "What is a no claims bonus ?",
    "Was the no vote bigger in the north ?",
    "Can I say no who asks ?",
    "Does the report say who or what caused the fire ?",
    "Who rather than what matters most in the review ?",
    "Tell me who won , according to the paper , in 1998 ?",
    "What did the review say , according to the author , about costs ?",
]


@pytest.mark.parametrize("raw,expected", MEND_REPAIRS)
def test_r56_mend_repairs(raw, expected):
    assert normalize_query(raw) == expected


@pytest.mark.parametrize("fluent", MEND_CONTROLS)
def test_r56_mend_controls_unchanged(fluent):
    assert normalize_query(fluent) == fluent


def test_r56_mend_filler_alone_keeps_question_words():
    # after fillers alone a question word does not replace the one before it ("who umm what" may be "who or what")
    assert normalize_query("The Hale Report describes who umm what ?") == "The Hale Report describes who what ?"
    assert normalize_query("Is the fee , actually , refundable ?") == "Is the fee , actually , refundable ?"


def test_r56_mend_sets_distinct():
    raws = [r for r, _ in REPAIRS + MEND_REPAIRS]
    assert len(set(raws)) == len(raws) and not set(MEND_CONTROLS) & set(CONTROLS)
