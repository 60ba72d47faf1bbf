"""Round 58 near-miss set (benchmarks/r58_near_miss.py): CC0, invented for this round. Ten short documents of real
shapes (a recycling policy, a bus timetable, a tennis club page, a product sheet, meeting minutes, a museum FAQ, a
leave policy, term dates, a pool timetable, a club history) and questions as people type them: ANSWERABLE (question,
gold; "|" splits alternatives) and NEAR misses (question, what the documents lack), the source being about the same
subject but not saying what is asked: another depot, route, term, role or organisation than the one the text names,
an attribute of the wrong entity, a relation the text does not state, a superlative it does not support."""

DOCS = {
    "recycling-depots.txt": (
        "Household recycling: the south depot\n\n"
        "The south depot on Mill Lane opened in 2014. It takes garden waste, timber, scrap metal and electrical "
        "items. Opening hours are Monday to Friday 8am to 4pm and Saturday 8am to noon. Vans and trailers need a "
        "permit, which is free for residents and can be printed at home."),
    "route-12-timetable.txt": (
        "Route 12: Harbour to Station\n\n"
        "Weekday morning departures from Harbour: 06:40, 07:15 and 07:50, then every 20 minutes. The last evening "
        "bus from Station leaves at 22:10. On Saturdays buses run hourly from 08:00. There is no Sunday service on "
        "route 12; route 14 runs on Sundays every two hours."),
    "tennis-club.md": (
        "# Elm Park Tennis Club\n\n"
        "Junior membership is £45 a year for players under 18; senior membership costs £160. Junior coaching takes "
        "place on Tuesday evenings with our head coach, Sara Lind. The club has six floodlit courts, and the "
        "clubhouse was rebuilt in 2009 after the fire."),
    "aldo-k2.txt": (
        "Aldo K2 cordless kettle: product sheet\n\n"
        "Capacity 1.7 litres. Power 3000 W. Boil-dry protection and a removable limescale filter. The K2 comes in "
        "matt black or cream and carries a two-year guarantee. The smaller K2 Mini holds 0.8 litres."),
    "residents-minutes.txt": (
        "Minutes of the Ashcombe Residents' Association, 3 March\n\n"
        "Chair: Helen Pryce. The treasurer, Omar Said, reported a balance of £2,340. The meeting agreed to pay for a "
        "new bench on Kestrel Green. Apologies were received from Dev Patel. The next meeting will be on 7 April at "
        "the library."),
    "museum-faq.md": (
        "# Visiting the Harbour Museum: FAQ\n\n"
        "**Can I bring my dog?** Assistance dogs are welcome in all galleries.\n\n"
        "**Is there parking?** The museum has no car park of its own; the nearest is the Castle Street multi-storey, "
        "five minutes' walk away.\n\n"
        "**Can I take photographs?** Yes, without flash, except in the Print Room."),
    "leave-policy.txt": (
        "Annual leave policy\n\n"
        "Full-time staff receive 25 days of annual leave a year plus bank holidays. Part-time staff receive leave pro "
        "rata. Up to five unused days may be carried over into the next leave year with your manager's approval. "
        "Requests for more than two weeks in a row must be made a month ahead."),
    "term-dates.txt": (
        "Term dates 2025-26\n\n"
        "The autumn term starts on Wednesday 3 September 2025 and ends on Friday 19 December. Autumn half term is "
        "27 to 31 October. The spring term starts on Monday 5 January 2026."),
    "pool-timetable.txt": (
        "Riverside Pool timetable\n\n"
        "Lane swimming runs on weekdays from 7am to 9am and from 6pm to 8pm. The family fun session is on Saturday "
        "from 2pm to 4pm. The learner pool is closed on Mondays for cleaning. An adult swim costs £4.50 and a child "
        "swim £2.80."),
    "cricket-history.txt": (
        "A short history of Harwood Cricket Club\n\n"
        "Harwood Cricket Club was founded in 1884 by the vicar, the Reverend Thomas Ashby. Its first ground was "
        "behind the Red Lion. The club moved to Barn Meadow in 1921. Its longest-serving captain was Frank Mellor, "
        "who led the first eleven for fourteen seasons."),
}

ANSWERABLE = [
    ("When did the south depot open?", "2014"),
    ("what can I take to the south depot", "garden waste|timber|scrap metal|electrical items"),
    ("What do I need to bring a van to the depot?", "permit"),
    ("What time is the last evening bus from the station?", "22:10"),
    ("Which route runs on Sundays?", "14"),
    ("How much is junior membership at the tennis club?", "£45"),
    ("who does the junior coaching at Elm Park", "Sara Lind"),
    ("When was the tennis clubhouse rebuilt?", "2009"),
    ("How much water does the Aldo K2 hold?", "1.7 litres"),
    ("What colours does the K2 kettle come in?", "matt black|cream"),
    ("Who chaired the residents' meeting on 3 March?", "Helen Pryce"),
    ("What did the residents agree to pay for?", "bench"),
    ("Where's the nearest car park to the Harbour Museum?", "Castle Street"),
    ("Where in the museum are photos not allowed?", "Print Room"),
    ("How many days of annual leave do full-time staff get?", "25 days"),
    ("How many unused leave days can I carry over?", "five"),
    ("When does the autumn term end?", "19 December"),
    ("What are the evening lane swimming times?", "6pm to 8pm"),
    ("Who founded Harwood Cricket Club?", "Thomas Ashby"),
    ("When did the cricket club move to Barn Meadow?", "1921"),
    ("How much is an adult swim at Riverside Pool?", "£4.50"),
    ("Who was Harwood's longest-serving captain?", "Frank Mellor"),
]

NEAR = [
    ("When did the north depot open?", "only the south depot's opening is written"),
    ("What are the depot's Sunday opening hours?", "hours are given Monday to Saturday only"),
    ("When is the first morning bus from the station?", "morning departures are from Harbour"),
    ("How often does route 14 run on Saturdays?", "route 14 is described on Sundays only"),
    ("When is senior coaching at the tennis club?", "only junior coaching is described"),
    ("How much is family membership at Elm Park?", "junior and senior prices only"),
    ("When was Elm Park Tennis Club founded?", "only the clubhouse's rebuild year"),
    ("What colours does the K2 Mini come in?", "colours are given for the K2"),
    ("What is the power of the Aldo K3 kettle?", "the sheet is about the K2"),
    ("Who took the minutes at the residents' meeting?", "chair and treasurer named, no secretary"),
    ("Who is the treasurer of the tennis club?", "the treasurer named is the residents' association's"),
    ("When is the next parish council meeting?", "the next meeting named is the residents' association's"),
    ("How far is the Harbour Museum from the railway station?", "only the car park's distance"),
    ("How many days of sick leave do full-time staff get?", "annual leave only"),
    ("How many days of annual leave do contractors get?", "staff only"),
    ("When does the summer term start?", "autumn and spring only"),
    ("When is the spring half term?", "only the autumn half term"),
    ("What are the weekend lane swimming times?", "lane swimming is on weekdays only"),
    ("When is the main pool closed for cleaning?", "only the learner pool's closure"),
    ("Who founded the Harwood tennis club?", "the founder named is the cricket club's"),
    ("When did the cricket club move to the Red Lion?", "its first ground was there; it moved to Barn Meadow"),
    ("Who was Harwood Cricket Club's first captain?", "only the longest-serving captain is named"),
]
