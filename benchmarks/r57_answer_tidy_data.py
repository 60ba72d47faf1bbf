"""Round 57 (benchmarks/r57_answer_tidy.py): invented passages and answers, written for this benchmark (CC0; every
name, number and place in them is made up or common knowledge paraphrased). Not from any eval set.

TOKENIZED: (passage as a tokenizing pipeline exports it, answer copied from it verbatim, the answer tidied).
GUARDED (round 57 mend3, after readA's review): the same, where a join would change the meaning ("bridge - built in
1932 - carries", "to - 5", "rooms 101 , 102 and 205", "in 1990 . 5 more", ".NET", "' re-entry '", a span that starts
inside a quotation): the answer served with the meaning kept.
CONTROLS: (an ordinary document's passage, an answer copied from it verbatim): the tidy must leave every one as it
is, the odd spacing included ("10 - 5", "Section 3 . 2", "3 / 4": the document says so); from round 57 mend3 also
genres that space a mark here and there (contents pages with dot leaders, shell how-tos, paths and URLs before
" .", spaced ellipses, lightly OCR'd minutes, padded exports, a writer who spaces commas only)."""

TOKENIZED = [
    ("The university employs between 5 , 000 and 7 , 500 staff , of whom about 1 , 200 are professors . Its budget "
     "was $ 2 . 4 billion in 2019 .", "5 , 000 and 7 , 500 staff", "5,000 and 7,500 staff"),
    ("Qutb ' s ideas spread widely after his death . Many scholars , however , reject Qutb ' s reading of the "
     "texts .", "Qutb ' s ideas", "Qutb's ideas"),
    ("The kilogram - force is a non - SI unit of force . It equals 9 . 80665 newtons , the force of gravity on one "
     "kilogram .", "The kilogram - force", "The kilogram-force"),
    ("The bill passed the U . S . Congress in 1964 , after a long filibuster in the Senate . President Johnson "
     "signed it in July .", "the U . S . Congress", "the U.S. Congress"),
    ("Dates are given in years BP ( BP = Before Present ) , counted back from 1950 . The oldest layer is about "
     "12 , 000 years BP .", "( BP = Before Present )", "(BP = Before Present)"),
    ("The committee doesn ' t meet in August . Members who can ' t attend must send apologies , in writing , to "
     "the clerk .", "doesn ' t meet in August", "doesn't meet in August"),
    ("The adult male weighs about 3 . 5 kg , the female slightly less . Both have a wingspan of 1 . 2 m .",
     "about 3 . 5 kg", "about 3.5 kg"),
    ("Population estimates , from the 2011 census , put the district at 1 , 234 , 567 people , up from 1 , 1 "
     "million a decade before .", "1 , 234 , 567 people", "1,234,567 people"),
    ("The novel , first printed in 1851 , was a commercial failure . Critics called it \" a strange , wild book \" "
     "and it sold fewer than 3 , 000 copies .", "\" a strange , wild book \"", "\"a strange, wild book\""),
    ("The recipe calls for 250 g of flour , 2 eggs , and 50 % whole milk . Bake at 180 degrees for 35 minutes .",
     "50 % whole milk", "50% whole milk"),
    ("J . R . R . Tolkien taught at Oxford for over thirty years . He ' s best known for his novels , which drew "
     "on Old English poetry .", "J . R . R . Tolkien", "J.R.R. Tolkien"),
    ("The treaty was signed by John F . Kennedy in 1963 . It banned nuclear tests in the atmosphere , in space , "
     "and under water .", "John F . Kennedy", "John F. Kennedy"),
    ("The ferry leaves at 9 : 30 and arrives at 11 : 45 , weather permitting . Tickets cost $ 12 for adults .",
     "at 9 : 30", "at 9:30"),
    ("Tickets cost $ 12 for adults and $ 6 for children . Families of four pay $ 30 , a saving of $ 6 .",
     "$ 12 for adults", "$12 for adults"),
    ("The students ' union runs the bar , the shop , and most clubs . It was founded in 1921 .",
     "The students ' union", "The students' union"),
    ("They ' re expected to finish the bridge in 2027 . The contractor said it ' ll cost about $ 40 million .",
     "it ' ll cost about $ 40 million", "it'll cost about $40 million"),
    ("The species is found in Peru , Bolivia , and northern Chile . It prefers dry , rocky slopes above 3 , 000 "
     "metres .", "Peru , Bolivia , and northern Chile", "Peru, Bolivia, and northern Chile"),
    ("The Treaty of Paris ( 1783 ) ended the war . Britain recognised the independence of the thirteen colonies , "
     "and the border was fixed .", "The Treaty of Paris ( 1783 )", "The Treaty of Paris (1783)"),
    ("The engine does n't need oil changes for the first 10 , 000 km . After that , service it yearly .",
     "does n't need oil changes", "doesn't need oil changes"),
    ("Mount Kenya ' s highest peak , Batian , rises to 5 , 199 m . It was first climbed in 1899 .",
     "5 , 199 m", "5,199 m"),
    ("The word comes from the Latin \" carta \" ; it was borrowed into Old French , then into English . The "
     "spelling settled in the 16th century .",
     "the Latin \" carta \"", "the Latin \"carta\""),
    ("The station ' s output was 1 , 800 MW at its peak ; it closed in 2015 after a fire .",
     "1 , 800 MW", "1,800 MW"),
    ("The firm ' s revenue rose 12 . 5 % to $ 3 . 1 billion , its best year since 2007 .",
     "12 . 5 % to $ 3 . 1 billion", "12.5% to $3.1 billion"),
    ("The St . Lawrence River drains the Great Lakes . Ships reach Montreal through a series of locks , opened in "
     "1959 .", "The St . Lawrence River", "The St. Lawrence River"),
    ("Most patients ( about 80 % ) recover within two weeks . Severe cases , however , may last months .",
     "( about 80 % )", "(about 80%)"),
    ("The mid - 19th century saw rapid growth ; the town ' s population doubled between 1841 and 1871 . Mills , "
     "chapels and a railway station were built .",
     "The mid - 19th century", "The mid-19th century"),
    ("He was born in Lyon , France , and moved to Montréal in 1902 . His café , \" Le Coin \" , opened in 1910 .",
     "Lyon , France", "Lyon, France"),
    ("The ship carried 2 , 224 passengers and crew . More than 1 , 500 died when it sank on 15 April 1912 .",
     "More than 1 , 500 died", "More than 1,500 died"),
    ("The reform ( see Section 4 ) cut the tax rate from 40 % to 28 % , the largest cut in decades . It was "
     "repealed , in part , four years later .",
     "from 40 % to 28 %", "from 40% to 28%"),
    ("The city ' s metro opened in 1935 . Today it has 12 lines , 250 stations , and carries 2 . 4 million riders "
     "a day .", "2 . 4 million riders a day", "2.4 million riders a day"),
    ("The gene , known as BRCA1 , was identified in 1994 . Women who carry a faulty copy have a 55 - 65 % risk .",
     "a 55 - 65 % risk", "a 55-65% risk"),
    ("The law ' s critics said it wasn ' t needed . Its supporters , led by the mayor , said it was overdue .",
     "it wasn ' t needed", "it wasn't needed"),
    ("The album sold 1 , 000 , 000 copies in its first week , a record for a debut . It topped the charts in 14 "
     "countries .", "1 , 000 , 000 copies", "1,000,000 copies"),
    ("Rome ' s population peaked at around one million in the 2nd century AD . By 1300 , fewer than 30 , 000 "
     "people lived there .", "fewer than 30 , 000 people", "fewer than 30,000 people"),
]

GUARDED = [
    ("The viaduct - opened in 1876 - still carries the line . It has 24 arches , each 15 m wide .",
     "The viaduct - opened in 1876 - still carries", "The viaduct - opened in 1876 - still carries"),
    ("To apply you need : - a birth certificate - two referees - the fee of £ 40 . Forms are online , or at the "
     "desk .",
     "- a birth certificate - two referees - the fee of £ 40",
     "- a birth certificate - two referees - the fee of £40"),
    ("The lake froze when it fell to - 12 degrees . Skaters , however , were warned off .",
     "fell to - 12 degrees", "fell to - 12 degrees"),
    ("Daytime highs range between - 4 and 3 in January . Nights , of course , are colder .",
     "between - 4 and 3", "between - 4 and 3"),
    ("Tests are in labs 204 , 206 and 311 . Bring goggles , a pen and your card .",
     "labs 204 , 206 and 311", "labs 204 , 206 and 311"),
    ("In Q4 , 320 claims were paid , up from 250 . The backlog , however , grew .",
     "In Q4 , 320 claims were paid", "In Q4, 320 claims were paid"),
    ("Pupils aged 7 to 14 , 260 in all , took the test . Results , sadly , were mixed .",
     "aged 7 to 14 , 260 in all", "aged 7 to 14 , 260 in all"),
    ("The clinic opened in 1994 . 6 more rooms came in 2001 , and a lift in 2010 . Parking , sadly , is scarce .",
     "opened in 1994 . 6 more rooms", "opened in 1994. 6 more rooms"),
    ("Sales peaked in 2018 . 2019 was flat , with 1 , 200 fewer orders .",
     "peaked in 2018 . 2019 was flat", "peaked in 2018. 2019 was flat"),
    ("The tool targets the .NET runtime and writes .json reports . It ' s free , the author says .",
     "writes .json reports", "writes .json reports"),
    ("The so - called ' re-use ' clause lets tenants sublet . It ' s rarely used , the agent says .",
     "so - called ' re-use ' clause", "so-called ' re-use ' clause"),
    ("Grades marked ' d ' or lower are resat . The school ' s rules , in full , are online .",
     "marked ' d ' or lower", "marked ' d ' or lower"),
    ('The board read " Members only " and the hatch " Ring first " , the steward said . Guests , however , may '
     'wait .', 'Members only " and the hatch " Ring first', 'Members only" and the hatch "Ring first'),
    ("Recovery takes 2 - 3 weeks , the surgeon said . Most patients ' wounds heal well .",
     "2 - 3 weeks", "2-3 weeks"),
    # round 57 mend7 (readD): a dash spaced by habit stays a dash; a list or a decimal comma stays as written
    ("No - it was Tuesday , not Monday . I ' ll check the rota , though .",
     "No - it was Tuesday", "No - it was Tuesday"),
    ("Running late - 10 mins , sorry . Start without me , I ' ll catch up .",
     "Running late - 10 mins", "Running late - 10 mins"),
    ("Contact : Dan Price - Field Engineer . He's on site Mondays , mostly .",
     "Dan Price - Field Engineer", "Dan Price - Field Engineer"),
    ("The spare key is under the mat - the blue one . Don ' t lock the side gate , please .",
     "under the mat - the blue one", "under the mat - the blue one"),
    ("Only two people came - Tom and Ann . The rest , it seems , forgot .",
     "came - Tom and Ann", "came - Tom and Ann"),
    ("The desk is staffed 9 am - 5 pm on weekdays . It ' s shut , however , on holidays .",
     "9 am - 5 pm", "9 am - 5 pm"),
    ("Rooms 101 , 102 , 103 and 205 are free today . The caretaker ' s office , as ever , has the keys .",
     "Rooms 101 , 102 , 103", "Rooms 101 , 102 , 103"),
    ("Buses 5 , 123 and 9 stop outside . The 123 , sadly , doesn ' t run on Sundays .",
     "Buses 5 , 123", "Buses 5 , 123"),
    ("A flat white costs € 3 , 20 at the kiosk . It ' s cheaper , oddly , than the tea .",
     "€ 3 , 20", "€ 3 , 20"),
    ("Entry is € 12 , 50 for adults . Children ' s tickets , however , are free .",
     "€ 12 , 50 for adults", "€ 12 , 50 for adults"),
    ("The wall is rated in the kilogram - force per metre . It ' s old , the engineer says .",
     "the kilogram - force", "the kilogram-force"),
    ("Wages run from 5 , 000 to 30 , 000 a year . The union ' s claim , though , is higher .",
     "from 5 , 000 to 30 , 000", "from 5,000 to 30,000"),
]

CONTROLS = [
    ("The score was 10 - 5 at half time, and the home side held on to win 12 - 9.", "10 - 5"),
    ("Let a - b be the difference of the two lengths; it is never negative here.", "a - b"),
    ("Section 3 . 2 of the lease covers repairs. Tenants report faults to the agent within 7 days.", "Section 3 . 2"),
    ("The meeting is on 3 / 4 (the third of April), in the small hall, at 7pm.", "3 / 4"),
    ("Run `pip install -r requirements.txt` and then `python -m app --port 8080`.",
     "pip install -r requirements.txt"),
    ("The log file is at /var/log/app/error.log, rotated every night at midnight.", "/var/log/app/error.log"),
    ("Call the function as f( x , y ) where x and y are floats.", "f( x , y )"),
    ("In Python, write print( \"hi\" ) to show a greeting.", "print( \"hi\" )"),
    ("The hall costs £15 an hour, £7 for the committee room. Deposits are £50.", "£15 an hour"),
    ("We raised £18,000 for the playground, of which £2,500 came from the fete.", "£18,000"),
    ("The area is 3.5 km², with 1,234 homes, mostly built after 1960.", "1,234 homes"),
    ("Dr. Wynne holds surgery on Mondays. Ring 01234 567890 to book.", "Dr. Wynne"),
    ("The act passed the U.S. Congress in 1964, after a long debate.", "the U.S. Congress"),
    ("Don't park on the verge; it's a conservation area.", "Don't park on the verge"),
    ("The kilogram-force is an old unit, equal to 9.80665 newtons.", "The kilogram-force"),
    ("Temperatures range from -5 to 30 degrees; pack for both.", "-5 to 30 degrees"),
    ("Bins go out on Tuesdays - except bank holidays - before 7am.", "Tuesdays - except bank holidays -"),
    ("The ratio was 3 : 1 in favour, so the motion passed.", "3 : 1"),
    ("Opening hours: Mon–Fri 9:00–17:00, Sat 10:00–13:00.", "Mon–Fri 9:00–17:00"),
    ("Use the formula x = ( a + b ) / 2 to find the midpoint.", "x = ( a + b ) / 2"),
    ("Le café ouvre à 8 h ; fermé le dimanche !", "fermé le dimanche !"),
    ("Il a dit : « Bonjour ! » et il est parti.", "« Bonjour ! »"),
    ("The version string is 2 . 0 . 1 in the old release notes, 2.0.1 in the new.", "2 . 0 . 1"),
    ("Prices rose 50 % in the survey, as the table printed it.", "50 %"),
    ("Our children's choir meets in St. Mary's, Church Lane, on Thursdays.", "St. Mary's, Church Lane"),
    ("The notice says \" no ball games \" in large letters.", "\" no ball games \""),
    ("Fees (see below) are due by 1 April; late fees are £10.", "Fees (see below)"),
    ("Members' car park is behind the hall.", "Members' car park"),
    ("Set timeout = 30 ; retries = 3 ; in the config file.", "timeout = 30 ; retries = 3 ;"),
    ("The regex [a-z]+ ( [0-9]+ ) matches a word and a number.", "[a-z]+ ( [0-9]+ )"),
    ("Zone 1 , 2 and 3 are shown on the map, north to south.", "Zone 1 , 2 and 3"),
    ("The route is A - B - C, then back via D.", "A - B - C"),
    ("Ask for the \"Blue Room\" at the desk, it's on the left.", "the \"Blue Room\""),
    ("Price: $ 5 per bag as printed on the old sign (now $6).", "$ 5 per bag"),
    ("Contents\nForeword . . . . . . . 2\nHiring the hall . . . . . 5\nRefunds - when and how . . . . 11\n"
     "Appendix B - Floor plan . . . . 20", "Refunds - when and how"),
    ("PART 1 . . . . Membership - joining and leaving . . . . 3\nPART 2 . . . . Fees . . . . 8",
     "Membership - joining and leaving"),
    ("In the repository run git add . to stage everything, then docker build -t shop . to build the image. Copy the "
     "template with cp settings.sample .", "git add ."),
    ("Publish with zola build . and sync it with rsync -a dist/ host:site/ . If it breaks, run make clean . first.",
     "make clean ."),
    ("Timetables are at https://example.com/bus . Fares are at https://example.com/fares . Maps are at "
     "https://example.com/maps .", "https://example.com/fares"),
    ("The data sits in /srv/app/data.db . Settings are in /etc/app/app.ini . Copy E:\\Store\\stock.db - the "
     "stock list - before you update.", "E:\\Store\\stock.db - the stock list"),
    ("The deed says the owner shall . . . maintain the boundary wall . . . and shall not build . . . without "
     "consent. The judge found the covenant . . . binding.", "maintain the boundary wall"),
    ("\"Perhaps . . . I'm not sure,\" he said. \"Later . . . maybe later.\" She nodded. \"Later . . . fine.\"",
     "Later . . . maybe later"),
    ("TRUSTEES' MEETING\nApologies : Mr Dane , Ms Oduya, Dr Field.\nItem 6 . Roof repairs - agreed - at £4,100.\n"
     "Item 7 . The secretary will write to the insurer .", "Roof repairs - agreed - at £4,100"),
    ("ref , item , cost\n1 , Kettle , 24.99\n2 , Toaster , 31.50\n3 , Urn , 89.00", "2 , Toaster , 31.50"),
    ("Hello all , the cafe opens late on Monday , Tuesday and Wednesday while the floor is relaid , sorry!",
     "Monday , Tuesday and Wednesday"),
    ("The club charges Exam fees under rules 4 . 2 , 4 . 3 and 6 . 1 of the constitution . Dues are yearly.",
     "rules 4 . 2 , 4 . 3 and 6 . 1"),
]

# Ordinary documents whose commas and full stops are spaced now and then (typos, code, French): never tokenized
ORDINARY_SOURCES = [
    "Bins go out on Tuesdays , not Mondays. The council collects glass fortnightly, plastics weekly, and garden "
    "waste from March to November. Call the office if a bin is missed.",
    "def area( w , h ):\n    return w * h\n\nThe function area takes a width and a height, both in metres, and "
    "returns the area in square metres. Negative values raise an error.",
    "Le musée est ouvert du mardi au dimanche ; l'entrée est gratuite le premier dimanche du mois ! Les groupes "
    "réservent à l'avance, par téléphone ou par courriel.",
    # round 57 mend3: genres that space a full stop or a comma by their own rules (readA's kinds, written anew)
    "Guide\nArriving . . . . . . 1\nParking - where to go . . . . 3\nFood and drink . . . . . 6\nLost property . . 9",
    "Clone the repo, then run pip install . in it. Build the image with podman build -t web . and push it. If tests "
    "fail, run make clean . and try again.",
    "Our rules are at https://example.org/rules . The calendar is at https://example.org/diary . Write to "
    "secretary@example.org . We meet monthly.",
    "\"Yes . . . no . . . I can't say,\" she said. The minutes record that the motion . . . was withdrawn.",
]
