"""Round 56 (benchmarks/r56_yesno_check.py): a confirmation set for yes/no questions refused before the ruling
sentence reaches them. CC0, invented by h5 (round 56) before the change it measures was written: "Larkspur Meadow"
and its campsite rules are invented.

One document of a kind the round 55 set (benchmarks/r55_yesno_data.py) has none of: a campsite's site rules (.md,
sections of prose and a bullet list).

Q: 15 yes/no questions whose ruling sentence is in the rules, `(id, file, question, rule, need)` as in r55_yesno_data
(`need`: the words that decide it, each must be in the answer, normalised). Many name the thing asked about in other
words than the rule does ("spaniels", "campfire", "my sister") or ask about a part of a longer rule.
NEAR: 8 yes/no questions about something the rules never rule on, `(id, file, question)`: each must be refused.
CONTROL: 5 questions of other kinds (wh-questions, a choice "A or B?"), `(id, file, question)`: not scored, their
answers must not change.
`python benchmarks/r56_yesno_check_data.py SHARE` writes the share."""
from __future__ import annotations

import sys
from pathlib import Path

CAMP = "larkspur_meadow_site_rules.md"

TEXTS = {
    CAMP: """# Larkspur Meadow Campsite: Site Rules for Guests

## Arrival and departure
Pitches are available from 2pm on the day of arrival. Guests must leave their pitch by 11am on the day of departure.
Late arrivals after 9pm must phone the warden in advance; the barrier is locked from 11pm to 7am.

## Pets
Well-behaved dogs are welcome, with a limit of two per pitch. Dogs must be kept on a short lead at all times and are
not allowed in the shower block or the play area. Cats, rabbits and other pets cannot be accommodated.

## Fires and cooking
Open fires on the ground are forbidden. Raised fire pits may be hired from reception for £5 a night. Disposable
grills must be placed on the stands provided, never directly on the grass.

## Noise
Quiet hours are from 10.30pm to 7.30am. Generators may not be used on the site at any time.

## Vehicles and bikes
One car is allowed per pitch; a second vehicle must be parked in the overflow field for £4 a night. The speed limit
on site is 5 mph. Cycling is permitted on the tracks but not on the grass after dark.

## Visitors
Day visitors are welcome between 9am and 9pm and must sign in at reception. Visitors may not stay overnight unless
booked as guests.

## Facilities
- Hot showers are free of charge.
- The laundry room takes tokens sold at reception.
- Drinking water taps are next to each toilet block; washing up at the drinking water taps is not permitted.
- Electric hook-ups are 16 amp; the use of electric heaters over 1kW is not allowed.

## River
The river is not supervised. Swimming is at your own risk and children must be accompanied by an adult in the water.

## Groups
Groups of under-18s without an adult are not accepted. Bookings of more than three tents need the warden's approval.

## Payment and cancellation
The full fee is payable on arrival. Bookings cancelled at least 14 days before arrival are refunded in full, less a
£10 admin fee; later cancellations are not refunded.
""",
}

Q = [
    ("c-spaniels", CAMP, "Can I bring my two spaniels?",
     "Well-behaved dogs are welcome, with a limit of two per pitch.", ["two per pitch"]),
    ("c-cat", CAMP, "Is my cat allowed on the site?", "Cats, rabbits and other pets cannot be accommodated.",
     ["cannot be accommodated"]),
    ("c-dogshower", CAMP, "Can the dog come into the shower block with me?",
     "Dogs must be kept on a short lead at all times and are not allowed in the shower block or the play area.",
     ["not allowed"]),
    ("c-campfire", CAMP, "are we allowed a campfire on the grass", "Open fires on the ground are forbidden.",
     ["forbidden"]),
    ("c-generator", CAMP, "Can I run a generator overnight?", "Generators may not be used on the site at any time.",
     ["may not"]),
    ("c-twocars", CAMP, "Can we park two cars next to our tent?",
     "One car is allowed per pitch; a second vehicle must be parked in the overflow field for £4 a night.",
     ["one car"]),
    ("c-friends", CAMP, "Hi, can friends visit us during the day?",
     "Day visitors are welcome between 9am and 9pm and must sign in at reception.", ["welcome"]),
    ("c-sister", CAMP, "Could my sister sleep over in our tent one night?",
     "Visitors may not stay overnight unless booked as guests.", ["may not"]),
    ("c-showers", CAMP, "Do the showers cost anything?", "Hot showers are free of charge.", ["free of charge"]),
    ("c-dishes", CAMP, "Can I wash my dishes at the water tap?",
     "Drinking water taps are next to each toilet block; washing up at the drinking water taps is not permitted.",
     ["not permitted"]),
    ("c-heater", CAMP, "Am I allowed to use an electric heater in the caravan?",
     "Electric hook-ups are 16 amp; the use of electric heaters over 1kW is not allowed.", ["over 1kw"]),
    ("c-swim", CAMP, "Can the kids swim in the river on their own?",
     "Swimming is at your own risk and children must be accompanied by an adult in the water.",
     ["accompanied by"]),
    ("c-refund", CAMP, "Do I get my money back if I cancel a month before?",
     "Bookings cancelled at least 14 days before arrival are refunded in full, less a £10 admin fee; later "
     "cancellations are not refunded.", ["refunded in full"]),
    ("c-late", CAMP, "We're driving up after work, is it ok to turn up at 10pm?",
     "Late arrivals after 9pm must phone the warden in advance; the barrier is locked from 11pm to 7am.",
     ["phone"]),
    ("c-bikes", CAMP, "Can the children ride their bikes around the site?",
     "Cycling is permitted on the tracks but not on the grass after dark.", ["permitted on the tracks"]),
]

NEAR = [
    ("n-drone", CAMP, "Can I fly a drone over the campsite?"),
    ("n-fishing", CAMP, "Is fishing allowed in the river?"),
    ("n-hammock", CAMP, "Can we hang a hammock between the trees?"),
    ("n-evcharge", CAMP, "Can I charge my electric car on the pitch?"),
    ("n-fireworks", CAMP, "Are fireworks allowed on bonfire night?"),
    ("n-firewood", CAMP, "Do you sell firewood at reception?"),
    ("n-wheelchair", CAMP, "Is there a wheelchair accessible toilet?"),
    ("n-discount", CAMP, "Do members of a camping club get a discount?"),
]

CONTROL = [
    ("k-leave", CAMP, "What time do we have to leave on the last day?"),
    ("k-overflow", CAMP, "How much is the overflow field per night?"),
    ("k-quiet", CAMP, "When are the quiet hours?"),
    ("k-tokens", CAMP, "Where do I buy laundry tokens?"),
    ("k-speed", CAMP, "Is the speed limit 5 or 10 mph?"),
]


def build(share: Path) -> None:
    share.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (share / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
