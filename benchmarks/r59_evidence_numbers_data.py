"""Round 59's pairs for benchmarks/r59_evidence_numbers.py: a question and a source line, invented (CC0), written
alongside the change they measure (so not a held-out measure). Each source line holds every other content word of
its question, so only the amount decides whether `best_sentence` is 1. MEET: the line states the question's amount
another way or a range holding it, both ways round (the question's words and the source's digits, and the other way);
NOT: look-alikes that must stay as they were (another unit, a number outside the range, a range's excluded end, a
time, a date, a year)."""

MEET = [
    # durations, the question in words
    ("can I get a refund in a week", "You can get a refund within 7 days."),
    ("Is the return window a fortnight?", "The return window is 14 days."),
    ("do I get two weeks to return it", "You get 14 days to return it."),
    ("how long is lunch, half an hour?", "Lunch is 30 minutes, unpaid."),
    ("Is the session an hour and a half?", "Each session is 90 minutes long."),
    ("can we cancel within a month", "We can cancel within 30 days of signing."),
    ("is the warranty a year", "The warranty lasts 12 months from purchase."),
    ("does a discrepancy get reported if not resolved in a week",
     "A discrepancy not resolved within 7 days gets reported to the police."),
    ("do results come back in a day", "Results come back within 24 hours."),
    ("can parcels be collected in a fortnight", "Parcels can be collected up to 21 days after delivery."),
    ("Is the free trial a month long?", "The free trial is 30 days long."),
    ("is the course two and a half hours", "The course runs 150 minutes with a break."),
    # durations, the question in digits
    ("is the notice period 14 days", "The notice period is two weeks."),
    ("Is the gym induction 30 minutes?", "The gym induction takes half an hour."),
    ("do I have 48 hours to reply", "You have 2 days to reply."),
    ("is the 90 minute parking limit right", "The parking limit is an hour and a half."),
    ("will the 7 day pass work", "The pass works for a week."),
    ("can I pay back the loan within 12 months", "You can pay back the loan within a year."),
    ("Is a 3 day cooling-off period allowed?", "A cooling-off period of up to 14 days is allowed."),
    ("can I extend for 60 minutes", "You can extend for an hour."),
    # ranges: weights, ages, money, counts, percent
    ("how much to castrate a 30kg labrador", "Castrate labrador: £290.00 (20 kg and over)."),
    ("which dose for my 15 kg dog", "Dose for dogs 10-20 kg: one tablet."),
    ("my dog weighs 7 kilos, which dose", "Dose for dogs between 5 and 10 kg: half a tablet; weighs nothing?"),
    ("dose for a 4kg cat?", "Dose for cats up to 5 kg: 0.5 ml."),
    ("what does a 25kg dog need", "Dogs over 20kg need the large pack."),
    ("worming tablet for a 12 kg spaniel", "Worming tablet: spaniel 10 to 20 kg, one a month."),
    ("can my 7 year old join the club", "Children aged 5 to 11 can join the club."),
    ("is the swim class for my 4-year-old", "The swim class is from age 3."),
    ("can I spread the cost of a £500 bill", "You can spread the cost of bills over £300."),
    ("Do I need a deposit for a £40 order", "A deposit is needed for orders from £25."),
    ("can we book a table for 6", "You can book a table for groups of up to 8."),
    ("is the 15% discount available", "A discount of up to 20% is available."),
    ("Can I bring a 2 kg cake on the plane?", "On the plane you can bring food up to 5 kg."),
    ("does a 500g parcel go second class", "Parcels under 1 kg go second class."),
    ("is a 3 mile run too long for beginners", "Beginners: runs of 2-4 miles; too long otherwise."),
    ("is my 16 year old allowed in the gym", "Gym allowed for ages 16 and over."),
    ("can a 10 minute delay get compensation", "A delay of 5-15 minutes can get compensation."),
    ("What is the fee for a 2.5 kg parcel?", "Fee for a parcel of 2-5 kg: £4.20."),
]

NOT = [
    ("my dog is 30 kg, is the pack valid", "The pack is valid for 30 days."),
    ("how much to castrate a 15kg labrador", "Castrate labrador: £290.00 (20 kg and over)."),
    ("which dose for my 25 kg dog", "Dose for dogs 10-20 kg: one tablet."),
    ("dose for a 5kg cat?", "Dose for cats under 5 kg: 0.5 ml."),
    ("dose for a 6 kg cat?", "Dose for cats up to 5 kg: 0.5 ml."),
    ("is the swim class for my 14-month-old", "The swim class is from age 2."),
    ("can my 12 year old join the club", "Children aged 5 to 11 can join the club."),
    ("can I get a refund after three weeks", "You can get a refund within 14 days."),
    ("is the notice period 10 days", "The notice period is two weeks."),
    ("can we cancel within 3 months", "We can cancel within 30 days of signing."),
    ("is the session 2 hours", "Each session is 90 minutes long."),
    ("can we book a table for 10", "You can book a table for groups of up to 8."),
    ("can we book a table at 6pm", "You can book a table for groups of up to 8."),
    ("what about the 2019 season", "Season reports for 2018-2020 are online."),
    ("Is anything on for 4 people?", "The hall is let 3-5 March for anything."),
    ("can I spread the cost of a £200 bill", "You can spread the cost of bills over £300."),
    ("is a 5 kg parcel second class", "Parcels under 5 days go second class."),
    ("Is the 30% discount available", "A discount of up to 20% is available."),
    ("is the 30 minute parking limit right", "The parking limit is 30 miles away."),
    ("is room 30 free", "Room free for 10 to 20 minutes."),
]
