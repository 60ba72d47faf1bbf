"""Round 59 near-miss cases (benchmarks/r59_near_miss.py): CC0, invented for this round, written with the round's
near-miss changes (not frozen before them). Each case is (question, the extractive answer, the source's text, its
document's title). RIGHT: the answer is right and the source is about what the question names, though it writes it
another way: a title before a surname ("Ms Tey" for Rosalind Tey), a job title in title case ("Field Service
Manager" for Orrin's service manager), a word capitalised for opening its sentence ("Evening surgery..."), the answer
itself before the head ("Marta Kell Service Manager"), a code's modifier written another way ("door code" / "front
door code", "alarm code" / "alarm system code"), a synonym ("wifi" / "guest network"). NEAR: the source is about
another thing of the question's kind: another name before the same head, a code of another thing in a sentence that
names the question's thing elsewhere ("the key cabinet code is 4471; the alarm is set by..."). The cases the rules
are known to get wrong are kept (marked "known"), so the counts show them: one right answer, four near misses."""

RIGHT = [
    # a title before the surname the question gives with a first name
    ("who took over from Rosalind Tey as Orrin's service manager?", "Marta Kell",
     "In 2023 Marta Kell took over from Ms Tey as service manager.", "Orrin Labs: who's who"),
    ("When did Professor Alan Grey retire from Kelby College?", "2019",
     "Prof Grey retired in 2019 after 30 years at Kelby College.", "College news"),
    ("Who replaced Councillor Jane Moss on the planning committee?", "Cllr Ian Tait",
     "Cllr Moss was replaced on the planning committee by Cllr Ian Tait.", "Minutes, 4 June"),
    ("Who did Priya Shah hand the treasurer role to?", "Tom Reed",
     "Ms Shah handed the treasurer role to Tom Reed in May.", "Allotment society minutes"),
    ("who's the GP partner who took over from Dr Sam Ojo", "Dr Lena Voss",
     "Dr Lena Voss joined as a partner when Dr Ojo retired in April.", "Practice news"),
    # a job title in title case: the word before it is the title's, no rival of the question's name
    ("who took over from Rosalind Tey as Orrin's service manager?", "Marta Kell",
     "Marta Kell replaced Rosalind Tey as Field Service Manager in 2023.", "Staff changes"),
    ("Who is Brackley's finance officer?", "Owen Price",
     "Owen Price became Senior Finance Officer after the restructure.", "Team update"),
    ("who is the Kelby school business manager", "Mrs Anne Lowe",
     "Mrs Anne Lowe is our School Business Manager and deals with lettings.", "Contact the school"),
    # a word capitalised for opening its sentence
    ("Who is Orrin's service manager?", "Marta Kell", "Field service managers report to Marta Kell.", "Staff news"),
    ("When does the Kelby pool open on Sundays?", "9am", "Main pool opens at 9am on Sundays.", "Leisure centre times"),
    ("What time does the Ashby surgery close on Thursdays?", "until 8pm",
     "Evening surgery on Thursdays runs until 8pm.", "Opening times"),
    ("How much is the Ferncombe hall hire per hour?", "£18", "Main hall hire is £18 per hour.", "Hire charges"),
    # the answer itself before the head
    ("Who is Orrin's service manager?", "Marta Kell", "Marta Kell Service Manager (since 2023)", "Staff list"),
    ("who runs the Tollard Road café", "Jo and Pete Hale",
     "Jo and Pete Hale Catering have run the café since 2016.", "About the ground"),
    # a code's modifier written another way, or a synonym: no near miss
    ("whats the door code", "1234", "The front door code is 1234; the door locks at 10pm.", "Access"),
    ("whats the front door code", "1234", "The door code is 1234; the front door locks at 10pm.", "Access"),
    ("whats the alarm code", "4471",
     "The alarm system code is 4471, and the alarm is set by the last person out.", "Hall FAQ"),
    ("whats the alarm system code", "4471", "The alarm code is 4471; the system is checked yearly.", "Hall FAQ"),
    ("What's the wifi password?", "Blue42", "The guest network password is Blue42.", "Welcome pack"),
    ("What is the alarm code?", "1973", "Q: What is the alarm code?\nA: The panel code is 1973; the alarm sounds for "
     "20 minutes.", "Hall FAQ"),
    ("what's the alarm code", "4471", "The new code is 4471; the alarm is set by the last person out.", "Hall FAQ"),
    ("what is the key safe code for the Mill Lane flat", "5510",
     "Mill Lane key safe: code 5510, by the back gate.", "Lets"),
    # known: the guest network is the wifi, yet the sentence names the wifi outside the answer's clause
    ("What's the wifi password?", "Blue42", "The guest network password is Blue42; wifi is free for guests.",
     "Welcome pack"),
]

NEAR = [
    # another name before the same head
    ("Who is Orrin's service manager?", "Marta Kell", "Pellow's service manager is Marta Kell.", "Staff news"),
    ("Who is Orrin's service manager?", "Marta Kell", "The Pellow service manager is Marta Kell.", "Staff news"),
    ("Who is Orrin's sales manager?", "Marta Kell", "Marta Kell is Pellow's Sales Manager.", "Staff"),
    ("When was Kelby Cricket Club founded?", "1884", "Harwood Cricket Club was founded in 1884.", "History"),
    ("When does the Hollinsford clinic open?", "8am", "The Hollinsway clinic opens at 8am.", "Clinics"),
    ("Who chairs the Ashby Tennis Club?", "Jo Marsh", "The Harwood Tennis Club is chaired by Jo Marsh.", "Clubs"),
    # the answer holds the other name with the head: it names the other thing itself
    ("What's the record win against Crale Town?", "9-1 v Brannock Town",
     "Record win: 9-1 v Brannock Town, 1908.", "Club records"),
    # a code of another thing, the question's thing named elsewhere in the sentence
    ("whats the alarm code", "4471", "The key cabinet code is 4471; the alarm is set by the last person out.",
     "Hall FAQ"),
    ("what's the alarm PIN", "0077", "The safe PIN is 0077, and the alarm is set from the hall panel.", "Office"),
    ("What's the gate code?", "2580", "The bike shed code is 2580, and the gate is opened by the warden.",
     "Site notes"),
    # known, let through: only the word right before the code noun is compared ("garage door" / "side door"), and
    # only the same code noun ("number" / "sort code")
    ("what's the garage door code", "9012", "The side door code is 9012; the garage has a key.", "House notes"),
    ("what's the account number", "20-11-44",
     "The sort code is 20-11-44; the account number is on the invoice.", "Payments"),
    # known, let through: a name opening its sentence before a lower-case head, a name before a title-case job title
    ("When does the Hollinsford clinic open?", "8am", "Hollinsway clinic opens at 8am.", "Clinics"),
    ("Who is Orrin's sales manager?", "Marta Kell", "Marta Kell is Pellow Sales Manager.", "Staff"),
]
