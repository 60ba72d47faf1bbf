"""Round 58 (benchmarks/r58_paraphrase.py): 22 invented short documents (CC0) of the kind a workplace, a council, a
club or a surgery publishes, and for each one a pair of questions written the way people ask when they first say
why they ask: an answerable one (the document holds the answer) and a near miss about the same document (it does
not). Most set out the asker's situation in a sentence or clause of its own before the question; four, as
controls, ask it bare."""
from __future__ import annotations

DOCS = {
    "pool-timetable.txt": (
        "Riverside Leisure Centre: the learner pool is open for family swimming from 9am to 12 noon on Saturdays "
        "and Sundays. Armbands and floats are provided free at the poolside."),
    "library-renewals.txt": (
        "Loans from Marlow Street Library can be renewed up to three times online, by phone or at the desk, unless "
        "another reader has reserved the item. Laptops for use in the building are lent for two hours."),
    "bin-collections.txt": (
        "Garden waste is collected fortnightly on Tuesdays from March to November. A brown bin permit costs £48 a "
        "year and is renewed each April."),
    "surgery-repeat.txt": (
        "Repeat prescription requests at Elm Grove Surgery take two working days to process. Collect from the "
        "pharmacy you nominated when you registered."),
    "staff-parking.txt": (
        "Staff parking at the Hanley Road office is in the rear car park, bays 1 to 40. Visitors use the bays at "
        "the front entrance and sign in at reception."),
    "expenses.txt": (
        "Mileage for business travel in a private car is reimbursed at 45p per mile for the first 10,000 miles in "
        "the tax year. Claims must be submitted within 60 days of the journey."),
    "hall-hire.txt": (
        "The Beacon Hall can be hired for private parties until 11pm. The deposit of £150 is returned within ten "
        "days if the hall is left clean and undamaged."),
    "allotment-rules.txt": (
        "Bonfires are permitted on allotment plots only between 1 October and 31 March, and never on Sundays. "
        "Hosepipes must not be left running unattended."),
    "school-uniform.txt": (
        "Pupils at Castlefield Primary wear a bottle-green sweatshirt with the school badge and grey trousers or "
        "skirts. Second-hand uniform is sold by the PTA on the first Friday of each month."),
    "gym-induction.txt": (
        "New members must book an induction with a fitness instructor before using the weights room. Inductions "
        "last 45 minutes and are free."),
    "holiday-policy.txt": (
        "Employees accrue 25 days' annual leave plus bank holidays. Up to five unused days may be carried over "
        "into the next leave year with the line manager's approval."),
    "choir-rehearsals.txt": (
        "Thornbury Community Choir rehearses on Wednesday evenings at 7.30pm in the Methodist church hall. New "
        "singers are welcome to attend two rehearsals before deciding to join."),
    "dog-warden.txt": (
        "Stray dogs found in the borough are taken to the kennels at Wharf Lane, where owners can collect them on "
        "payment of a £25 release fee and proof of ownership."),
    "museum-visits.txt": (
        "School groups visiting the Fenwick Museum must book at least three weeks ahead. Packed lunches can be eaten "
        "in the basement education room."),
    "bike-scheme.txt": (
        "Under the cycle-to-work scheme the bike is paid for through salary sacrifice over twelve months. The "
        "maximum value of a bike and accessories is £2,500."),
    "food-bank.txt": (
        "The Orchard Street food bank is open on Mondays and Thursdays from 10am to 1pm. Referral vouchers are "
        "issued by GPs, Citizens Advice and children's centres."),
    "noise-complaints.txt": (
        "Noise from a neighbour can be reported to the council's environmental health team online. An officer "
        "may ask you to keep a diary of the disturbance for two weeks."),
    "it-passwords.txt": (
        "Network passwords expire every 90 days and must be at least 12 characters long. A locked account can be "
        "unlocked by the service desk on extension 4400."),
    "pharmacy-hours.txt": (
        "Greenway Pharmacy is open until 8pm on weekdays and until 4pm on Saturdays. The pharmacist offers blood "
        "pressure checks without an appointment."),
    "tennis-club.txt": (
        "Junior membership of Ashby Tennis Club is £60 a year for under-18s and includes group coaching on Saturday "
        "mornings. Courts can be booked up to a week in advance."),
    "recycling-centre.txt": (
        "Vans and trailers need a permit to use the Dunmore household recycling centre. Permits are free and allow "
        "twelve visits a year."),
    "parental-leave.txt": (
        "Staff with a year's service can take up to 18 weeks of unpaid parental leave for each child before the "
        "child's 18th birthday, no more than four weeks a year."),
}

# (document, answerable question, its gold, a near miss about the same document)
PAIRS = [
    ("pool-timetable.txt", "We've got two little ones under five and want a splash on the weekend. When is family "
     "swimming in the learner pool?", "9am to 12 noon", "We've got two little ones under five. Is there a parent "
     "and baby class in the learner pool on weekday mornings?"),
    ("library-renewals.txt", "I'm halfway through a long novel and it's due back on Friday. How many times can I "
     "renew a library loan?", "three times", "I'm halfway through a long novel and it's due back on Friday. How "
     "much is the late fine per day at Marlow Street Library?"),
    ("bin-collections.txt", "I've just moved into the area and the garden is a jungle; how much is a brown bin "
     "permit for garden waste?", "£48", "I've just moved into the area and the garden is a jungle; can I book a "
     "bulky waste collection for an old shed?"),
    ("surgery-repeat.txt", "My mum is running low on her tablets and I'm sorting it for her. How long does a repeat "
     "prescription take at Elm Grove Surgery?", "two working days", "My mum is running low on her tablets and I'm "
     "sorting it for her. Does Elm Grove Surgery deliver repeat prescriptions to the house?"),
    ("staff-parking.txt", "Starting my new job on Monday and driving in. Where do staff park at the Hanley Road "
     "office?", "rear car park", "Starting my new job on Monday and driving in. Is there electric car charging at "
     "the Hanley Road office?"),
    ("expenses.txt", "I drove to a client site in Leeds last week in my own car. What's the mileage rate for "
     "business travel?", "45p per mile", "I drove to a client site in Leeds last week in my own car. Can I claim "
     "for parking at the station?"),
    ("hall-hire.txt", "We're throwing a surprise 40th for my sister in the Beacon Hall. When do we get the deposit "
     "back?", "within ten days", "We're throwing a surprise 40th for my sister in the Beacon Hall. Can we bring in "
     "our own bar and serve alcohol?"),
    ("allotment-rules.txt", "There's a pile of old bean canes and prunings on my plot; when are bonfires allowed on "
     "the allotments?", "between 1 October and 31 March", "There's a pile of old bean canes and prunings on my "
     "plot; does the association hire out a shredder?"),
    ("school-uniform.txt", "My son starts reception in September and I'm getting his things ready. What colour is "
     "the Castlefield Primary sweatshirt?", "bottle-green", "My son starts reception in September and I'm getting "
     "his things ready. What are the school's lunch menu options?"),
    ("gym-induction.txt", "I joined yesterday and I'm keen to lift. Do I need an induction before using the "
     "weights room?", "induction", "I joined yesterday and I'm keen to lift. Can I bring a friend along as a guest "
     "for free?"),
    ("holiday-policy.txt", "I didn't take all my leave this year because of the project deadline. How many unused "
     "days can I carry over?", "five", "I didn't take all my leave this year because of the project deadline. Can "
     "I sell unused holiday back for pay?"),
    ("choir-rehearsals.txt", "I used to sing at school and fancy getting back into it; when does the Thornbury "
     "choir rehearse?", "Wednesday evenings at 7.30pm", "I used to sing at school and fancy getting back into it; "
     "does the Thornbury choir hold auditions for solo parts?"),
    ("dog-warden.txt", "Our spaniel slipped his lead in the park and the warden picked him up. How much is the "
     "release fee at the kennels?", "£25", "Our spaniel slipped his lead in the park and the warden picked him up. "
     "Does the council microchip dogs for free?"),
    ("museum-visits.txt", "I'm a Year 4 teacher planning a trip for the class. How far ahead do school groups have "
     "to book the Fenwick Museum?", "three weeks", "I'm a Year 4 teacher planning a trip for the class. Does the "
     "Fenwick Museum charge schools for entry?"),
    ("bike-scheme.txt", "Thinking of getting an e-bike to commute. What's the maximum value under the cycle-to-work "
     "scheme?", "£2,500", "Thinking of getting an e-bike to commute. Are there showers and lockers at the office?"),
    ("food-bank.txt", "Money is really tight this month after the boiler broke. When is the Orchard Street food "
     "bank open?", "Mondays and Thursdays", "Money is really tight this month after the boiler broke. Does the "
     "food bank give out energy vouchers?"),
    ("noise-complaints.txt", "The flat upstairs has parties till 3am most nights and we can't sleep. How do I "
     "report noise from a neighbour?", "online", "The flat upstairs has parties till 3am most nights and we can't "
     "sleep. Can the council issue a fine to the tenants straight away?"),
    ("it-passwords.txt", "I got locked out after typing my password wrong too many times. Who can unlock my "
     "account?", "service desk", "I got locked out after typing my password wrong too many times. Can I reset "
     "my own password from my phone?"),
    # controls: asked bare
    ("pharmacy-hours.txt", "How late is Greenway Pharmacy open on Saturdays?", "4pm",
     "Is Greenway Pharmacy open on Sundays?"),
    ("tennis-club.txt", "How much is junior membership at Ashby Tennis Club?", "£60",
     "Does Ashby Tennis Club have floodlit courts?"),
    ("recycling-centre.txt", "How many visits a year does a van permit allow at the Dunmore recycling centre?",
     "twelve", "Does the Dunmore recycling centre take asbestos?"),
    ("parental-leave.txt", "How many weeks of unpaid parental leave can I take for each child?", "18 weeks",
     "Is parental leave paid at full salary for the first month?"),
]
