"""Round 59 near-miss cases with numbers (benchmarks/r59_near_miss_numbers.py): CC0, invented for this round by the
helper who wrote the rule (not frozen before it). Each case is (question, the extractive answer, the source's text,
its document's title). NEAR: the question names a thing by a number ("size 8", "room 12", "Year 5", "the 2024
accounts") and the answer's sentence or table row gives the same noun with another number, never the question's.
RIGHT: the source is about what the question names, or the number is no name: a count ("8 gloves"), a reference
("page 3 of the policy"), a range or list that holds it ("sizes 6 to 9", "Years 3-6"), a bound ("Level 2 or above",
"from Year 3"), the question's own list ("Year 5 and 6"). Cases the rule is known to get wrong are marked "known"."""

RIGHT = [
    # the sentence is about the question's own number
    ("what is the reorder level for size 8 gloves", "4", "Nitrile gloves size 8: reorder level 4.", "Stock list"),
    ("How many pupils are in Year 5?", "28", "Year 5 has 28 pupils; Year 6 has 30.", "School numbers"),
    ("What was the surplus in the 2024 accounts?", "£3,400", "The 2024 accounts show a surplus of £3,400.",
     "Treasurer's report"),
    ("how much is membership for the 2025 season", "£40",
     "Membership for the 2025 season is £40, up from £35 in 2024.", "Fees"),
    ("What time is the first bus 42 on a Sunday?", "07:15", "Bus 42: first departure on Sundays 07:15.",
     "Timetable"),
    ("who teaches Year 5 this year", "Mrs Okafor", "Year 5 teacher: Mrs Okafor (Years 4 and 5 share a TA).",
     "Staff list"),
    ("What's the phone extension for room 12?", "ext 212", "Room 12 (ext 212) is the first-aid room.",
     "Building guide"),
    ("Which bay does coach 2 leave from?", "Bay 7", "Coach 2 leaves from Bay 7 at 9am.", "Trip letter"),
    ("reorder level for size 8 sterile gloves?", "6",
     "code: SUP-0078; item: Sterile gloves size 8; on_hand: 3; reorder_level: 6; location: Theatre", "drug stock"),
    ("When is the 2026 AGM?", "14 March 2026", "The AGM will be on 14 March 2026 in the pavilion.", "Notices"),
    # a range or list that holds the question's number
    ("which changing room do Year 5 use", "Room B", "Years 3-6 use Room B for changing.", "PE kit"),
    ("Which changing room does Year 5 use?", "Room B", "Years 3–6 use Room B for changing.", "PE kit"),
    ("Which floor is room 12 on?", "the first floor", "Rooms 10 to 14 are on the first floor.", "Visitor guide"),
    ("Do you have size 8 wellies in stock?", "in stock", "Wellies in sizes 6 to 9 are in stock now.", "Shop"),
    ("What dose is right for a child weighing 15 kg?", "5 ml", "Children weighing 10 to 20 kg: 5 ml twice a day.",
     "Dosing card"),
    ("What's the wifi password in room 4?", "Hall-2290", "Rooms 3, 4 and 5 share the password Hall-2290.",
     "Welcome"),
    # a bound, not a name
    ("What does the Level 3 first aid course cost?", "£95", "Courses at Level 2 or above cost £95.", "Training"),
    ("Where does Year 5 eat lunch?", "the main hall", "From Year 3 upwards, pupils eat in the main hall.",
     "Lunchtimes"),
    ("Is there a discount for people aged 65?", "half price", "People aged 60 and over pay half price.", "Prices"),
    ("what size 8 boots do you have", "the Fellrunner", "Up to size 9 we stock the Fellrunner in black.", "Shop"),
    # the question's own list or bound
    ("When is the Year 5 and 6 trip?", "12 June", "The Year 6 trip to the coast is on 12 June.", "Diary"),
    ("Is there a discount for people aged 65 or over?", "half price", "People aged 60 and over pay half price.",
     "Prices"),
    # a count, not a name
    ("do we need to order 8 boxes of gloves", "on Mondays", "Orders over 5 boxes go in on Mondays.", "Stock"),
    ("How much do 8 gloves cost?", "£4", "A pack of 10 gloves costs £4.", "Price list"),
    ("can I book 3 rooms for the wedding", "by email", "Groups needing more than 2 rooms should book by email.",
     "Bookings"),
    # a reference into a text, not a name
    ("What does page 3 of the policy say about refunds?", "within 14 days",
     "Refunds are made within 14 days (see page 5).", "Refund policy"),
    ("what does section 4 say about pets", "not allowed", "Pets are not allowed in flats (section 6 of the lease).",
     "Tenancy"),
    # another number that names nothing of the question's kind
    ("What time does the Year 5 swimming finish?", "11:30", "Swimming for Year 5 finishes at 11:30 in term 2.",
     "PE"),
    ("When is the 2026 summer fair?", "Saturday 20 June", "Summer fair: Saturday 20 June (the 2025 fair raised £900).",
     "Events"),
    ("How long is the route 7 walk?", "5 miles", "The route 7 walk is 5 miles; route 8 is 3.", "Walks"),
]

NEAR = [
    # the same noun, another number
    ("what is the reorder level for size 8 gloves", "6", "Gloves, nitrile, size 7: reorder level 6; on hand 5.",
     "Stock list"),
    ("what's the reorder level for size 8 sterile gloves", "6",
     "code: SUP-0077; item: Sterile surgical gloves size 7; form: box of 50; supplier: Covetrus; on_hand: 5; "
     "reorder_level: 6; location: Theatre cupboard; controlled: no", "drug stock"),
    ("Which room is the Year 5 parents' evening in?", "the hall", "The Year 6 parents' evening is in the hall.",
     "Diary"),
    ("What time does bus 42 leave the station?", "08:10", "Bus 24 leaves the station at 08:10.", "Timetable"),
    ("Where is room 12?", "on the first floor", "Room 21 is on the first floor, past the lifts.", "Visitor guide"),
    ("How long is platform 3?", "120 metres", "Platform 4 is 120 metres long.", "Station facts"),
    ("What does the level 2 first aid course cost?", "£60", "The Level 3 first aid course costs £60.", "Training"),
    ("What was the surplus in the 2024 accounts?", "£3,400", "The 2025 accounts show a surplus of £3,400.",
     "Treasurer's report"),
    ("When is the 2026 AGM?", "12 May", "The 2025 AGM was held on 12 May at the pavilion.", "Notices"),
    ("How many pupils are in Year 5?", "28", "Year 6 has 28 pupils.", "School numbers"),
    ("What time does the Year 5 trip leave?", "8.30am", "The Year 6 trip to Whitby leaves at 8.30am.", "Trips"),
    ("What's the fee for pitch 7?", "£22 a night", "Pitch 9 costs £22 a night with hook-up.", "Campsite"),
    ("When can I visit ward 5?", "2pm to 8pm", "Ward 3 visiting: 2pm to 8pm daily.", "Visiting"),
    ("what's the code for locker 14", "2280", "Locker 41 code: 2280", "Lockers"),
    ("Where is Key Stage 2 sports day held?", "on the back field", "Key Stage 1 sports day is held on the back field.",
     "Sports day"),
    ("How much is parking in zone 2?", "£1.20 an hour", "Parking in zone 1 costs £1.20 an hour.", "Parking"),
    ("What's the 2024 subscription?", "£25", "The 2025 subscription is £25.", "Membership"),
    # the answer itself is the question's number: it names nothing
    ("What is the reorder level for size 8 gloves?", "8", "Gloves size 7 - reorder level 8", "Stock list"),
    # a table row, its own cells the sentence
    ("What's the capacity of room 12?", "30", "| Room | Seats | Kit |\n|---|---|---|\n| Room 21 | 30 | projector |",
     "Rooms"),
    # a range that leaves the question's number out
    ("What day does Year 5 swim?", "on Tuesdays", "Years 3-4 swim on Tuesdays.", "PE"),
    # known, let through: the question's number stands in the sentence as a count
    ("what is the reorder level for size 8 gloves", "6", "Gloves size 7: 8 boxes on hand, reorder level 6.",
     "Stock list"),
]
