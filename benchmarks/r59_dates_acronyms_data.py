"""Round 59's pairs for benchmarks/r59_dates_acronyms.py: a question and a source line, invented (CC0), written
alongside the change they measure (so not a held-out measure). MEET: the two name one day or one acronym and should
meet; NOT: they look alike and must not (another day, a number, a person's name, a verb)."""

DATE_MEET = [
    # ranges
    ("Is the pool shut on 4 March?", "Pool closed for repairs 3-5 March."),
    ("what's on march 4th", "Half-term craft club runs 3rd–5th March 2026."),
    ("Any sessions on the 5th of March?", "Taster sessions: March 3 to 5, 10am each day."),
    ("Is the hall booked on 4th March?", "The hall is let from the 3rd to the 5th of March."),
    ("Can I visit on the 12th of April?", "Visiting is suspended between 10 and 14 April."),
    ("is the library open on 1 March", "Library closed 27 Feb - 2 Mar for the new floor."),
    ("Who is on call on 30 December?", "On call 28 Dec 2025 - 3 Jan 2026: Priya Nair."),
    ("Any litter pick on Wednesday 4 March?", "Litter picks Mon 2 March – Fri 6 March, 9-11am."),
    ("is the car park closed on the 17th of June", "Car park resurfacing: June 15th-19th inclusive."),
    ("Are there tours on 2 April?", "Garden tours from 30 March until 3 April."),
    ("when is the 21st of May session", "Mindfulness week, May 19 through 23."),
    ("Is the café open on 9 August?", "Café closed Tuesday 8 - Thursday 10 August."),
    # spreadsheet and log shapes
    ("Who paid on 3 March?", "03-Mar-26, Ade Okafor, 45.00"),
    ("what happened on the 3rd of march", "03-Mar-2026 | boiler service | done"),
    ("any errors on March 3?", '10.0.0.7 - - [03/Mar/2026:10:15:02 +0000] "GET /booking"'),
    ("who cleaned on 3 March", "2026/03/03 Rosa (kitchen)"),
    ("Who locked up on 14 March?", "14.3.2026: locked up by Sam"),
    ("Who locked up on 3 March?", "3.3.2026 - locked up by Sam; 14.3.2026 - locked up by Lee"),
    ("Is there yoga on Tuesday 3 March?", "Tue 3 Mar: yoga 6pm, studio B"),
    ("Who's on the desk on 7 March?", "7-Mar, front desk, Grace"),
    # spelled ordinals
    ("What's happening on 3 March?", "The open day is on the third of March."),
    ("is anything on March 3rd", "Save the date: March the third, 7pm."),
    ("when is the barbecue, 21 June?", "Our barbecue is on the twenty-first of June."),
    ("Is there a meeting on the 1st of May?", "Members meet on the first of May."),
    ("Is the fair on 30 September?", "The fair is on the thirtieth of September."),
]

DATE_NOT = [
    ("Is the pool shut on 6 March?", "Pool closed for repairs 3-5 March."),
    ("Is the hall booked on 3 March?", "Hall booked on 2 and 4 March."),
    ("what's on 3 May", "Open 9 to 5 weekdays."),
    ("Are there tours on 10 April?", "Garden tours from 30 March until 3 April."),
    ("is there a class on 15 March", "Courses run 1 March - 30 June."),
    ("who's on duty on the 4th of April", "Rooms 3-5 are upstairs."),
    ("anything on 4 March?", "Ages 3-5 only, March intake."),
    ("Is there a meeting on the 2nd of March?", "March the first group to the hall, then the second."),
    ("is it on the 1st of June", "First, may I thank everyone who came."),
    ("is the event on 3 March", "She came third in the March sprint."),
    ("is the sale on 2 March", "The second march of the season starts at noon."),
    ("Who paid on 26 March?", "03-Mar-26, Ade Okafor, 45.00"),
    ("is there anything on 5 March", "Tickets £3-5, March Hare Café."),
    ("any update on 10 March?", "Call us 9-5, Mon to Fri."),
    ("Who locked up on 4 March?", "Sept 3-5 people volunteered."),
    ("is it on the 6th of March", "Chapter 3-6 of the March report."),
]

ACRONYM_MEET = [
    ("where is the Q&A held", "The questions and answers session is in room 2."),
    ("When is the Q&A?", "Questions & Answers: Thursday at 6."),
    ("Who is our H&S rep?", "The Health and Safety rep is Dara Quinn."),
    ("where's A&E", "Accident and Emergency is on the ground floor."),
    ("what's in the T&Cs", "Terms and Conditions apply to all bookings."),
    ("who funds R&D", "Research and Development is funded by the trust."),
    ("Are B&Bs nearby?", "A list of bed and breakfast places is at reception."),
    ("Where is the health and safety folder?", "The H&S folder is behind the bar."),
    ("is there a questions and answers session", "Q&A after the talk."),
    ("who do I ask in HR?", "Contact Human Resources on extension 214."),
    ("what's the CS phone number", "Customer Services: 0161 496 0000."),
    ("Who is the DP lead?", "Data Protection questions go to Amir."),
    ("Is FM in today?", "Facilities Management is in the basement office."),
    ("who's the QA contact", "Quality Assurance signs off each release."),
    ("Where is the IT desk?", "The Information Technology desk is by the lifts."),
    ("When are the ER forms due?", "Employee Relations forms are due Friday."),
]

ACRONYM_NOT = [
    ("Is there a TV in the bar?", "Tom Vale runs the bar on Fridays."),
    ("Where is the WC?", "Wendy Clarke is on the front desk."),
    ("Who owns the TC?", "Tom Clement owns the van."),
    ("Is there a WL?", "Wendy Lawrence leads the choir."),
    ("Who is the HR lead?", "Harry Rogers leads the litter pick."),
    ("where is the AC unit", "Amy Chambers is away."),
    ("Is the PC on?", "Priya Cummings brought cake."),
    ("who runs part II", "Important Information for new members."),
    ("What's the DJ set?", "Dan Jones plays at nine."),
    ("when is the QA?", "Questions are answered at the end."),
    ("Where's the FC?", "fish, cakes and chips"),
    ("Is there a SM?", "Sam Morris and Sally Jones help out."),
]
