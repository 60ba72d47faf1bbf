"""Round 58: the invented documents and questions of benchmarks/r58_span.py (CC0, written for this benchmark, frozen
before the answer-span rule was tuned). Eight short documents of shapes people share (a leisure centre's price list,
a school letter, a repairs policy, a club newsletter, a bus timetable, a warranty FAQ, a library notice, a surgery
page) and questions as people ask them: each gold is a short value (an amount, a count, a time, a date, a length, a
name) inside a longer sentence, and the controls ask what or why, whose gold is a clause the rule must leave alone."""

LEISURE = """Millbrook Leisure Centre - prices from 1 April 2026

Swimming: a casual adult swim costs £5.40 and a junior swim £3.10. Under-fives swim free with a paying adult.
The gym induction takes 45 minutes and must be booked at reception before your first visit.
Monthly membership is £32 per month for adults, with a joining fee of £15 waived in January.
The sauna seats eight people and is closed for cleaning every Tuesday morning until 11am.
Lane swimming runs from 6.30am to 9am on weekdays; the learner pool opens at 10am.
"""

SCHOOL = """Dear parents and carers,

Year 5 will visit the Fenwick Science Museum on Thursday 12 March 2026. The coach leaves the school gate at 8.45am
and returns by about 3.30pm, so please collect your child at the usual time.
The trip costs £14 per child, which covers the coach and a workshop; please pay through the school app by
27 February. Children need a packed lunch in a named bag and a waterproof coat.
We are taking 58 pupils and need six parent helpers; if you can help, please tell Mrs Ogundipe in the office.

Kind regards,
Peter Lindqvist, Head of Year 5
"""

REPAIRS = """Hallam Homes repairs policy (tenants)

Emergency repairs, such as a gas leak, flooding or no heating in winter, are made safe within 4 hours of your call.
Urgent repairs, for example a broken front door lock, are completed within 3 working days.
Routine repairs, like a dripping tap or a sticking window, are booked within 28 days.
Our repairs line is open from 8am to 6pm Monday to Friday; out of hours, call 0114 496 0321.
If we miss an appointment you can claim £20 compensation by writing to the customer services manager, Ravi Chandra.
"""

NEWSLETTER = """Harbour Road Runners - spring newsletter

Our new club captain is Bethan Moyle, who takes over from Gary Tait after four years in the role.
The club now has 212 members, up from 170 a year ago, and the Tuesday track session averages 40 runners.
Membership renewal is due on 1 May and the fee stays at £25 a year, or £12 for students.
The annual 10k along the seafront will be held on Sunday 14 June, with the first wave starting at 9.15am.
Kit orders are handled by our treasurer, Amira Haddad, and take about three weeks to arrive.
"""

BUSES = """route,stop,first bus,last bus,frequency
X4,Hilltop Road,6.05am,11.20pm,every 12 minutes
X4,Market Square,6.15am,11.30pm,every 12 minutes
27,Riverside Park,7.10am,7.40pm,every 30 minutes
27,Station Approach,7.25am,7.55pm,every 30 minutes
"""

WARRANTY = """Questions about your Kestrel K2 coffee grinder

How long is the warranty? The grinder comes with a 2-year warranty from the date of purchase, extended to 5 years
if you register it within 30 days.
What does a replacement burr set cost? Replacement burrs cost £18.50 including postage, and fitting takes about ten
minutes with the key supplied.
How much coffee does the hopper hold? The hopper holds 250 grams of beans, enough for roughly 30 cups.
Why does my grinder stop after a minute? The motor has a thermal cut-out that stops it after 60 seconds of continuous
running, to protect it from overheating; let it cool for five minutes and it will start again.
"""

LIBRARY = """Eastgate Library - notice to readers

From 6 January the library opens at 9.30am on weekdays and closes at 7pm on Tuesdays and Thursdays, 5pm on other days.
Each reader may borrow up to 12 items at a time for three weeks; DVDs are lent for one week only.
The local history room on the first floor is staffed by our archivist, Dr Helen Marchetti, on Wednesdays.
Overdue fines were abolished in 2023, but lost books are charged at the replacement cost plus a £2 handling fee.
Why are we changing the hours? Footfall counts showed that most visits happen after school and after work.
"""

SURGERY = """Orchard Lane Surgery - appointments

Routine appointments can be booked up to four weeks ahead, online or by phone from 8am.
A standard appointment lasts 10 minutes; ask for a double appointment if you have more than one problem.
Blood tests are taken by our phlebotomist, Sean Gallagher, on Monday and Friday mornings between 8.30am and 11am.
Repeat prescriptions are ready to collect two working days after you order them.
The practice closes for staff training on the second Wednesday of each month from 1pm.
"""

DOCS = {"leisure-prices.txt": LEISURE, "year5-trip-letter.txt": SCHOOL, "repairs-policy.md": REPAIRS,
        "runners-newsletter.md": NEWSLETTER, "bus-times.csv": BUSES, "grinder-faq.txt": WARRANTY,
        "library-notice.txt": LIBRARY, "surgery-appointments.md": SURGERY}

# (file, question, gold, forms): the gold is what a reader wants; forms are other acceptable ways to write it
Q = [
    ("leisure-prices.txt", "How much is a casual adult swim?", "£5.40", []),
    ("leisure-prices.txt", "how long does the gym induction take", "45 minutes", []),
    ("leisure-prices.txt", "How many people can the sauna take?", "eight", ["eight people"]),
    ("leisure-prices.txt", "What time does the learner pool open?", "10am", []),
    ("leisure-prices.txt", "what's the joining fee at Millbrook", "£15", []),
    ("year5-trip-letter.txt", "When is the Year 5 museum trip?", "Thursday 12 March 2026", ["12 March 2026"]),
    ("year5-trip-letter.txt", "What time does the coach leave for the museum?", "8.45am", []),
    ("year5-trip-letter.txt", "How much does the science museum trip cost?", "£14 per child", ["£14"]),
    ("year5-trip-letter.txt", "how many pupils are going on the trip", "58", ["58 pupils"]),
    ("year5-trip-letter.txt", "Who is the head of year 5?", "Peter Lindqvist", []),
    ("repairs-policy.md", "How long do urgent repairs take?", "3 working days", ["within 3 working days"]),
    ("repairs-policy.md", "How quickly is an emergency repair made safe?", "within 4 hours", ["4 hours"]),
    ("repairs-policy.md", "How much compensation can I claim for a missed appointment?", "£20", []),
    ("repairs-policy.md", "who do I write to to claim compensation for a missed repair appointment",
     "Ravi Chandra", ["customer services manager"]),
    ("runners-newsletter.md", "Who is the new club captain?", "Bethan Moyle", []),
    ("runners-newsletter.md", "How many members does Harbour Road Runners have now?", "212", ["212 members"]),
    ("runners-newsletter.md", "When is the seafront 10k?", "Sunday 14 June", ["14 June"]),
    ("runners-newsletter.md", "how much is the student membership", "£12", []),
    ("runners-newsletter.md", "How long do kit orders take to arrive?", "about three weeks", ["three weeks"]),
    ("bus-times.csv", "What time is the last X4 from Market Square?", "11.30pm", []),
    ("bus-times.csv", "How often does the 27 run from Riverside Park?", "every 30 minutes", ["30 minutes"]),
    ("grinder-faq.txt", "How long is the warranty on the Kestrel K2 if I register it?", "5 years", []),
    ("grinder-faq.txt", "How much do replacement burrs cost?", "£18.50", ["£18.50 including postage"]),
    ("grinder-faq.txt", "how many grams of beans does the hopper hold", "250 grams", ["250"]),
    ("library-notice.txt", "What time does Eastgate library close on Tuesdays?", "7pm", []),
    ("library-notice.txt", "How many items can I borrow at once?", "12", ["up to 12 items", "12 items"]),
    ("library-notice.txt", "Who is the library's archivist?", "Dr Helen Marchetti", ["Helen Marchetti"]),
    ("library-notice.txt", "When were overdue fines abolished?", "2023", []),
    ("surgery-appointments.md", "How long is a standard appointment at Orchard Lane?", "10 minutes", []),
    ("surgery-appointments.md", "Who takes the blood tests at the surgery?", "Sean Gallagher", []),
    ("surgery-appointments.md", "when are repeat prescriptions ready", "two working days after you order them",
     ["two working days"]),
    # controls: what / why questions whose gold is a clause (no kind: the rule must leave every answer alone)
    ("year5-trip-letter.txt", "What do the children need to bring on the trip?",
     "a packed lunch in a named bag and a waterproof coat", []),
    ("grinder-faq.txt", "Why does the grinder stop after a minute?",
     "The motor has a thermal cut-out that stops it after 60 seconds of continuous running", []),
    ("library-notice.txt", "Why is the library changing its hours?",
     "most visits happen after school and after work", []),
    ("repairs-policy.md", "What counts as an emergency repair?", "a gas leak, flooding or no heating in winter", []),
]
