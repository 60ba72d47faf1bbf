"""Round 55 (benchmarks/r55_yesno.py): yes/no questions over an invented share of rules documents. CC0, invented by
h3 (round 55) before the yes/no answer lever (answer_yesno.py) was written: "Hollowbrook", its hall, allotments,
library and tennis club are all invented.

Four documents in four formats: conditions of hire (.md, sections of sentences and a bullet list), allotment rules
(.txt, numbered rules a line each), a library FAQ (.html, paragraphs and a list), club fees (.csv, a table).

Q: 40 yes/no questions as people type them, `(id, file, question, rule, need)`: `rule` the sentence (or table row,
as the loader writes it: "Item: …; Price: …") that rules on it, `need` the words that decide it (every one must be
in the answer, normalised, for it to count as right: "not allowed" for "Can I bring my dog?", not "assistance
dogs"). CONTROL: questions of other kinds on the same share (wh-questions, an alternative question "A or B?"),
`(id, file, question)`: their answers must not change.
`python benchmarks/r55_yesno_data.py SHARE` writes the share."""
from __future__ import annotations

import sys
from pathlib import Path

HALL, ALLOT, LIB, CLUB = ("hall_conditions_of_hire.md", "allotment_rules_2026.txt", "library_faq.html",
                          "tennis_club_fees.csv")

TEXTS = {
    HALL: """# Hollowbrook Village Hall: Conditions of Hire

## Animals
Dogs are not allowed in the hall, except assistance dogs. Other animals may be brought in only with the written
consent of the booking secretary.

## Food and drink
Hirers may bring their own food and soft drinks. Alcohol may only be sold if the hirer holds a Temporary Event Notice
from the district council. The kitchen may be used by hirers of the main hall at no extra charge.

## Decorations
- Confetti, glitter and rice are not permitted inside or outside the hall.
- Decorations must not be fixed to walls with nails, pins or tape; use the picture rail hooks provided.
- Candles and other naked flames are not allowed.

## Parking
Parking in the hall car park is included in the hire fee for up to 20 cars. Overnight parking is not permitted.

## Times
All events must finish by 11.30pm and the hall must be vacated by midnight. Amplified music must be turned down
after 10pm.

## Smoking
Smoking and vaping are prohibited anywhere in the building.

## Children
Children under 16 must be supervised by an adult at all times.

## Cancellation
A hirer who cancels more than 28 days before the booking gets a full refund of the hire fee. Cancellations within
28 days forfeit the deposit.
""",
    ALLOT: """HOLLOWBROOK ALLOTMENT SOCIETY - RULES FOR PLOT HOLDERS (2026)

1. Bonfires are permitted only between 1 October and 31 March, and only after 5pm.
2. Plot holders may keep up to four hens on a full plot; cockerels are not allowed.
3. Hosepipes must not be used on any plot; water may be taken from the troughs by can only.
4. Sheds up to 2m by 1.5m can be put up without permission. Larger structures need the committee's written approval.
5. Plots may not be sublet or passed to another person without the committee's agreement.
6. Beehives are allowed with the written approval of the committee and proof of membership of a beekeeping association.
7. Children are welcome on the site but must stay with an adult.
8. Vehicles may be parked only in the car park by the gate, never on the paths.
9. Selling produce grown on the plot is not permitted on site.
10. The annual rent is due on 1 October. Rent not paid within 40 days ends the tenancy.

Secretary: Joan Pellow, 12 Mill Row, Hollowbrook.
""",
    LIB: """<!DOCTYPE html>
<html><head><title>Hollowbrook Library FAQ</title></head><body>
<h1>Hollowbrook Library: frequently asked questions</h1>
<h2>Computers</h2>
<p>A free library card is needed to book a computer. Visitors can ask for a one-day guest pass at the desk.</p>
<h2>Borrowing</h2>
<p>Adults can borrow up to 12 items at a time. Loans last three weeks and can be renewed twice online, unless another
reader has reserved the item.</p>
<p>There are no overdue fines for children's books. Adult items are charged 20p a day, up to £5 per item.</p>
<h2>Food and drink</h2>
<p>Drinks in a closed bottle are fine in the library, but hot food may not be eaten anywhere in the building.</p>
<h2>Printing and Wi-Fi</h2>
<p>Black and white printing costs 15p a page; colour printing is 50p a page. Wi-Fi is free for everyone and needs no
password.</p>
<h2>Meeting room</h2>
<p>Community groups can book the meeting room free of charge for up to two hours a week. Commercial bookings are
charged £18 an hour.</p>
<h2>In the library</h2>
<ul>
<li>Pets are not allowed in the library, apart from assistance dogs.</li>
<li>Mobile phones must be on silent in the study area.</li>
</ul>
</body></html>
""",
    CLUB: """Item,Price,Included,Notes
Adult annual membership,£120,Use of courts and changing rooms,Floodlights extra
Junior membership,£40,Coaching on Saturdays,Under 18s only
Court hire (non-members),£9 per hour,Rackets,Balls not included
Floodlight token,£3,30 minutes of lights,Buy at the bar
Guest pass,£6,One visit with a member,Max 5 visits a year per guest
""",
}

Q = [
    ("h-dog", HALL, "Can I bring my dog to the hall?", "Dogs are not allowed in the hall, except assistance dogs.",
     ["not allowed"]),
    ("h-rabbit", HALL, "Is it ok to bring a rabbit to a children's party in the hall?",
     "Other animals may be brought in only with the written consent of the booking secretary.", ["written consent"]),
    ("h-food", HALL, "Can we bring our own food?", "Hirers may bring their own food and soft drinks.",
     ["may bring"]),
    ("h-alcohol", HALL, "Are we allowed to sell alcohol at our fundraiser?",
     "Alcohol may only be sold if the hirer holds a Temporary Event Notice from the district council.",
     ["only", "temporary event notice"]),
    ("h-kitchen", HALL, "Does it cost extra to use the kitchen?",
     "The kitchen may be used by hirers of the main hall at no extra charge.", ["no extra charge"]),
    ("h-confetti", HALL, "Can we throw confetti outside after the wedding?",
     "Confetti, glitter and rice are not permitted inside or outside the hall.", ["not permitted"]),
    ("h-tape", HALL, "Am I allowed to stick decorations to the walls with tape?",
     "Decorations must not be fixed to walls with nails, pins or tape; use the picture rail hooks provided.",
     ["must not"]),
    ("h-candles", HALL, "can we have candles on the tables", "Candles and other naked flames are not allowed.",
     ["not allowed"]),
    ("h-parking", HALL, "Is parking included in the hire fee?",
     "Parking in the hall car park is included in the hire fee for up to 20 cars.", ["included"]),
    ("h-overnight", HALL, "Can guests leave their cars in the car park overnight?",
     "Overnight parking is not permitted.", ["not permitted"]),
    ("h-late", HALL, "Could our party go on until 1am?",
     "All events must finish by 11.30pm and the hall must be vacated by midnight.", ["must finish"]),
    ("h-vape", HALL, "Is vaping allowed inside?", "Smoking and vaping are prohibited anywhere in the building.",
     ["prohibited"]),
    ("h-kids", HALL, "Do children need to be supervised?",
     "Children under 16 must be supervised by an adult at all times.", ["must be supervised"]),
    ("h-refund", HALL, "Will I get my money back if I cancel six weeks before?",
     "A hirer who cancels more than 28 days before the booking gets a full refund of the hire fee.",
     ["full refund"]),
    ("a-bonfire", ALLOT, "Am I allowed to have a bonfire on my allotment?",
     "Bonfires are permitted only between 1 October and 31 March, and only after 5pm.",
     ["1 october", "31 march"]),
    ("a-burn", ALLOT, "Quick question: can I have a bonfire on my plot in July?",
     "Bonfires are permitted only between 1 October and 31 March, and only after 5pm.",
     ["1 october", "31 march"]),
    ("a-hens", ALLOT, "Can I keep chickens on my allotment?",
     "Plot holders may keep up to four hens on a full plot; cockerels are not allowed.", ["four hens"]),
    ("a-cockerel", ALLOT, "Are cockerels allowed on the allotments?",
     "Plot holders may keep up to four hens on a full plot; cockerels are not allowed.", ["not allowed"]),
    ("a-hose", ALLOT, "can i use a hosepipe on my plot",
     "Hosepipes must not be used on any plot; water may be taken from the troughs by can only.", ["must not"]),
    ("a-shed", ALLOT, "Do I need permission to put up a small shed?",
     "Sheds up to 2m by 1.5m can be put up without permission.", ["without permission"]),
    ("a-greenhouse", ALLOT, "Do I need permission for a large greenhouse on my plot?",
     "Larger structures need the committee's written approval.", ["written approval"]),
    ("a-sublet", ALLOT, "Can I sublet my plot to a friend?",
     "Plots may not be sublet or passed to another person without the committee's agreement.", ["may not"]),
    ("a-bees", ALLOT, "Is beekeeping allowed on the allotments?",
     "Beehives are allowed with the written approval of the committee and proof of membership of a beekeeping "
     "association.", ["written approval"]),
    ("a-kids", ALLOT, "Can my children come with me to the allotment site?",
     "Children are welcome on the site but must stay with an adult.", ["welcome"]),
    ("a-park", ALLOT, "Can I park my car on the allotment paths?",
     "Vehicles may be parked only in the car park by the gate, never on the paths.", ["never on the paths"]),
    ("a-sell", ALLOT, "Am I allowed to sell my vegetables on the allotment site?",
     "Selling produce grown on the plot is not permitted on site.", ["not permitted"]),
    ("a-rent", ALLOT, "Will I lose my plot if I pay the rent late?",
     "Rent not paid within 40 days ends the tenancy.", ["40 days"]),
    ("l-card", LIB, "Do I need a library card to use the computers?",
     "A free library card is needed to book a computer.", ["needed"]),
    ("l-renew", LIB, "Can I renew my books online?",
     "Loans last three weeks and can be renewed twice online, unless another reader has reserved the item.",
     ["renewed twice online"]),
    ("l-fines", LIB, "Are there fines for late children's books?",
     "There are no overdue fines for children's books.", ["no overdue fines"]),
    ("l-coffee", LIB, "Can I drink coffee in the library?",
     "Drinks in a closed bottle are fine in the library, but hot food may not be eaten anywhere in the building.",
     ["closed bottle"]),
    ("l-wifi", LIB, "Is the wifi free?", "Wi-Fi is free for everyone and needs no password.", ["free"]),
    ("l-room", LIB, "Do community groups have to pay for the meeting room?",
     "Community groups can book the meeting room free of charge for up to two hours a week.", ["free of charge"]),
    ("l-dog", LIB, "So is my dog allowed in the library?",
     "Pets are not allowed in the library, apart from assistance dogs.", ["not allowed"]),
    ("l-phone", LIB, "Do I have to switch my phone off in the study area?",
     "Mobile phones must be on silent in the study area.", ["silent"]),
    ("l-colour", LIB, "Can I print in colour at the library?",
     "Black and white printing costs 15p a page; colour printing is 50p a page.", ["50p"]),
    ("c-balls", CLUB, "Are balls included with court hire?",
     "Item: Court hire (non-members); Price: £9 per hour; Included: Rackets; "
     "Notes: Balls not included", ["balls not included"]),
    ("c-lights", CLUB, "Are floodlights included in the adult membership?",
     "Item: Adult annual membership; Price: £120; Included: Use of courts and changing rooms; "
     "Notes: Floodlights extra", ["floodlights extra"]),
    ("c-coaching", CLUB, "Does junior membership include coaching?",
     "Item: Junior membership; Price: £40; Included: Coaching on Saturdays; Notes: Under 18s only", ["coaching"]),
    ("c-guest", CLUB, "Can a guest come more than five times a year?",
     "Item: Guest pass; Price: £6; Included: One visit with a member; "
     "Notes: Max 5 visits a year per guest", ["max 5 visits"]),
]

CONTROL = [
    ("x-finish", HALL, "What time must events at the hall finish?"),
    ("x-cars", HALL, "How many cars can park at the hall?"),
    ("x-secretary", ALLOT, "Who is the allotment secretary?"),
    ("x-rent", ALLOT, "Is the allotment rent due in October or in April?"),
    ("x-items", LIB, "How many items can adults borrow?"),
    ("x-print", LIB, "how much is black and white printing"),
    ("x-guest", CLUB, "What does a guest pass cost?"),
    ("x-junior", CLUB, "junior membership price"),
]


def build(share: Path) -> None:
    share.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (share / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
