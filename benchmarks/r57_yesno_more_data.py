"""Round 57 (benchmarks/r57_yesno_more.py): a second confirmation set for yes/no questions refused before their
ruling sentence is served. CC0, invented by h5 (round 57) before the change it measures was written: "Harbour Lane
Fitness" and its members' rules are invented.

One document of a kind the round 55 and 56 sets have none of: a gym's membership rules as plain text (.txt, titled
sections of numbered clauses, some clauses running over two lines).

Q: 15 yes/no questions whose ruling sentence is in the rules, `(id, file, question, rule, need)` as in r55_yesno_data
(`need`: the words that decide it, each must be in the answer, normalised). Several name the thing asked about in
other words than the rule does ("my 14 year old", "my mate", "a smoothie") or ask about one part of a longer clause.
NEAR: 8 yes/no questions about something the rules never rule on, `(id, file, question)`: each must be refused.
CONTROL: 5 questions of other kinds (wh-questions, a choice "A or B?"), `(id, file, question)`: not scored, their
answers must not change.
`python benchmarks/r57_yesno_more_data.py SHARE` writes the share."""
from __future__ import annotations

import sys
from pathlib import Path

GYM = "harbour_lane_fitness_member_rules.txt"

TEXTS = {
    GYM: """HARBOUR LANE FITNESS - MEMBERSHIP RULES

1. OPENING AND ACCESS
1.1 The gym is open from 6am to 10pm on weekdays and from 8am to 6pm at weekends.
1.2 Members must scan their membership card at the turnstile every time they enter.
1.3 Membership cards are personal and must not be lent to anyone else.

2. AGE LIMITS
2.1 Members must be 16 or over to use the gym floor.
2.2 Young people aged 12 to 15 may use the gym floor only when supervised by a parent who is also a member.
2.3 Children under 12 are not admitted to any part of the building.

3. GUESTS
3.1 Each member may bring one guest per month; guest passes cost £8 and are bought at the front desk.
3.2 Guests must show photo ID and complete a health form before training.

4. CLOTHING AND HYGIENE
4.1 Clean indoor trainers must be worn on the gym floor at all times.
4.2 Training barefoot is not permitted, except in the yoga and stretching studio.
4.3 A towel must be used on every bench and mat.

5. FOOD, DRINK AND LOCKERS
5.1 Water bottles with a screw top are allowed everywhere.
5.2 No food or other drinks may be taken onto the gym floor or into the studios; the cafe area is for eating.
5.3 Lockers are for use while you are in the building only, and anything left overnight will be removed.
5.4 Padlocks can be borrowed from the front desk for a £5 deposit.

6. CLASSES
6.1 Classes must be booked through the members' app up to seven days ahead.
6.2 A class cancelled less than two hours before it starts is counted as attended.
6.3 Members who miss three booked classes in a month cannot book classes for the following fortnight.

7. EQUIPMENT
7.1 Weights must be put back on the racks after use.
7.2 Members may use the squat rack for up to 30 minutes at a time when others are waiting.
7.3 Chalk is allowed only in the lifting area.

8. PERSONAL TRAINING
8.1 Only trainers employed by Harbour Lane Fitness may coach clients on the premises.
8.2 Members may train with a friend, but not give paid instruction.

9. MEMBERSHIP CHANGES
9.1 Monthly memberships can be frozen for up to three months a year for illness, injury or travel.
9.2 Members may cancel with one month's notice in writing; there is no cancellation fee.
9.3 Annual memberships are not refundable after the first fourteen days.
""",
}

Q = [
    ("g-teen", GYM, "Can my 14 year old come to the gym with me?",
     "Young people aged 12 to 15 may use the gym floor only when supervised by a parent who is also a member.",
     ["supervised by a parent"]),
    ("g-toddler", GYM, "is it ok to bring my 5 year old along while I work out",
     "Children under 12 are not admitted to any part of the building.", ["not admitted"]),
    ("g-mate", GYM, "Can I bring a mate to train with me?",
     "Each member may bring one guest per month; guest passes cost £8 and are bought at the front desk.",
     ["one guest per month"]),
    ("g-card", GYM, "Can my brother use my card when I'm away?",
     "Membership cards are personal and must not be lent to anyone else.", ["must not be lent"]),
    ("g-barefoot", GYM, "Am I allowed to lift barefoot?",
     "Training barefoot is not permitted, except in the yoga and stretching studio.", ["not permitted"]),
    ("g-towel", GYM, "Do I need a towel?", "A towel must be used on every bench and mat.", ["must be used"]),
    ("g-smoothie", GYM, "Can I drink a smoothie on the gym floor?",
     "No food or other drinks may be taken onto the gym floor or into the studios; the cafe area is for eating.",
     ["no food or other drinks"]),
    ("g-bottle", GYM, "Are water bottles allowed in the studios?",
     "Water bottles with a screw top are allowed everywhere.", ["allowed everywhere"]),
    ("g-locker", GYM, "Can I leave my bag in a locker overnight?",
     "Lockers are for use while you are in the building only, and anything left overnight will be removed.",
     ["will be removed"]),
    ("g-padlock", GYM, "Do you lend padlocks?", "Padlocks can be borrowed from the front desk for a £5 deposit.",
     ["can be borrowed"]),
    ("g-chalk", GYM, "Is chalk ok on the deadlift platform?", "Chalk is allowed only in the lifting area.",
     ["only in the lifting area"]),
    ("g-pt", GYM, "Could I bring in my own personal trainer?",
     "Only trainers employed by Harbour Lane Fitness may coach clients on the premises.", ["only trainers employed"]),
    ("g-freeze", GYM, "I broke my wrist - can I pause my membership for a couple of months?",
     "Monthly memberships can be frozen for up to three months a year for illness, injury or travel.",
     ["can be frozen"]),
    ("g-cancelfee", GYM, "Will I be charged a fee if I cancel?",
     "Members may cancel with one month's notice in writing; there is no cancellation fee.",
     ["no cancellation fee"]),
    ("g-refund", GYM, "Can I get a refund on my annual membership after a month?",
     "Annual memberships are not refundable after the first fourteen days.", ["not refundable"]),
]

NEAR = [
    ("n-sauna", GYM, "Is there a sauna I can use after training?"),
    ("n-parking", GYM, "Can I park my car at the gym for free?"),
    ("n-music", GYM, "Can I play music from my phone speaker on the gym floor?"),
    ("n-photos", GYM, "Am I allowed to film my workouts on my phone?"),
    ("n-pool", GYM, "Does the membership include the swimming pool?"),
    ("n-students", GYM, "Do students get a cheaper membership?"),
    ("n-dog", GYM, "Can I bring my dog into the cafe?"),
    ("n-christmas", GYM, "Will the gym be open on Christmas Day?"),
]

CONTROL = [
    ("k-hours", GYM, "What time does the gym open at weekends?"),
    ("k-guestpass", GYM, "How much does a guest pass cost?"),
    ("k-deposit", GYM, "What is the deposit for a padlock?"),
    ("k-book", GYM, "How far ahead can I book a class?"),
    ("k-squat", GYM, "Is the squat rack limit 30 or 45 minutes?"),
]


def build(share: Path) -> None:
    share.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (share / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
