"""Round 55 (benchmarks/r55_coop.py): a held-out answer benchmark from a tester's share. HELD-OUT: never used to tune
anything (no threshold, prompt, rule or training item may be chosen by looking at it; it measures). CC0: invented by
a tester (h6, round 55) for this purpose; "Holmbrook Housing Co-operative", Castlebeck, its people, homes, numbers,
phone numbers and addresses are all invented (.example mail domains, Ofcom drama numbers).

Sixteen documents a housing co-op's office keeps, in nine formats: a members' handbook and a newsletter (.md), general
meeting minutes and a move-in checklist (.txt), house rules (an .html with a table) and a pets policy (.html), the
rechargeable repairs charges and the gardening rota (.csv), the rent and service charge table (.xlsx: a table with a
notes block under it), committee meeting minutes and the committee contacts list (.docx with tables), a repairs
procedure and a boiler replacement letter (.pdf), an e-mail about parking and one about a skip day (.eml,
quoted-printable), the guest room and Common Room booking rules (.rtf). The text files are in
benchmarks/r55_coop_texts.py verbatim; the .docx, .xlsx and .pdf are built here with round 54's writers
(benchmarks/r54_parish_data.py: python-docx, a hand-written OOXML workbook, a hand-written PDF 1.4; no new dependency).

Q: 45 answerable questions as members type them (typos and lower case kept), `(id, file, question, gold, forms)`:
`gold` the tester's answer, `forms` other short forms a right answer may take (scored as benchmarks/r54_parish.py
scores: the normalised gold or a form in the answer, or F1 against the gold >= 0.5). NEAR: 12 near misses,
`(id, question, why it has no answer)`, right when refused. Questions were written before any answer was seen.
`python benchmarks/r55_coop_data.py SHARE` writes the share."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_W = runpy.run_path(str(HERE / "r54_parish_data.py"))  # round 54's file writers (docx_bytes, pdf_bytes, xlsx_bytes)
docx_bytes, pdf_bytes, xlsx_bytes = _W["docx_bytes"], _W["pdf_bytes"], _W["xlsx_bytes"]

HB, NL = "members_handbook_2026.md", "holmbrook_herald_spring_2026.md"
GM, MV = "general_meeting_minutes_2026-02-22.txt", "move_in_checklist.txt"
HR, PE = "house_rules.html", "pets_policy.html"
RR, GA = "rechargeable_repairs_2026.csv", "gardening_rota_2026.csv"
RE = "rent_and_service_charges_2026-27.xlsx"
CM, CC = "committee_minutes_2026-05-12.docx", "committee_contacts.docx"
RP, BO = "repairs_procedure.pdf", "letter_boiler_replacement_mill_house.pdf"
PK, SK = "email_parking_permits.eml", "email_skip_day_june.eml"
GR = "guest_room_and_common_room.rtf"

Q = [
 ("hb-hours", HB, "how many hours a month do i have to do for the coop", "At least 6 hours a month",
  ["6 hours"]),
 ("hb-leave", HB, "How much notice do I have to give if I want to move out?",
  "4 weeks' notice in writing, ending on a Sunday", ["4 weeks"]),
 ("hb-transfer", HB, "i want to swap to a bigger flat when the baby comes, how long do i need to have lived here "
                     "before i can ask for a transfer?", "12 months (and a clear rent account)", ["12 months"]),
 ("nl-party", NL, "when's the summer party", "Saturday 18 July from 3pm in the courtyard", ["18 july"]),
 ("nl-founded", NL, "what year was the co-op set up", "1987", []),
 ("nl-drbike", NL, "dr bike date and time", "Saturday 25 April, 10am-1pm, in the courtyard", ["25 april"]),
 ("gm-against", GM, "How many members voted against the rent increase in February?", "4", ["against 4"]),
 ("gm-dogs", GM, "did the motion to allow dogs in all the flats get passed",
  "No, it was defeated (9 for, 16 against, 2 abstentions)", ["defeated"]),
 ("gm-beds", GM, "How much was agreed for the raised beds?", "Up to £650 for two raised beds", ["650"]),
 ("mv-stopcock", MV, "where is the stopcock", "Under the kitchen sink", []),
 ("mv-keys", MV, "how many keys will I get when I move in to weavers court",
  "2 front door keys, 1 building fob and 1 post box key", ["2 front door keys"]),
 ("mv-band", MV, "council tax band tenter cottages", "Band B", []),
 ("hr-quiet", HR, "quiet hours on a saturday night?", "11.30pm to 9am", ["11.30pm"]),
 ("hr-bbq", HR, "Can I have a gas BBQ on my balcony?",
  "No, no barbecues of any kind on balconies; book the communal barbecue in the courtyard",
  ["no barbecues of any kind", "not allowed", "communal barbecue"]),
 ("hr-dish", HR, "can i put a satelite dish up", "No, satellite dishes are not permitted (communal aerial has Freesat)",
  ["not permitted", "communal aerial"]),
 ("hr-smoke", HR, "how far away from the door do i have to be to smoke", "5 metres from a building entrance",
  ["5 metres", "5m", "5 m"]),
 ("pe-dog", PE, "Can I have a dog? I'm on the third floor of Mill House",
  "No: dogs only in Tenter Cottages and ground-floor flats (Mill House flats 1-4)",
  ["only in tenter cottages and in ground floor flats"]),
 ("pe-decide", PE, "how long does the committee take to decide a pet application", "28 days", []),
 ("pe-hamster", PE, "do i need to ask permission to keep a hamster",
  "No, small caged animals and fish do not need permission", ["do not need permission", "without asking"]),
 ("rp-urgent", RP, "how quickly will an urgent repair be done", "Within 3 working days", ["3 working days"]),
 ("rp-ooh", RP, "who do i ring for an emergency repair at the weekend",
  "Kestrel Property Services, 0113 496 0999", ["0113 496 0999", "kestrel property services"]),
 ("rp-email", RP, "email address to report a repair", "repairs@holmbrook-coop.example", []),
 ("rr-forced", RR, "I got locked out at 11pm and you had to force the door, how much will I be charged?",
  "£120 (forced entry, out of hours)", ["£120"]),
 ("rr-key", RR, "cost of a replacement front door key", "£18", []),
 ("rr-lock", RR, "What's the charge for a lock change in office hours if I lost my keys?", "£95", []),
 ("ga-flat31", GA, "im in flat 31 when is my turn on the gardening rota",
  "Saturday 20 June (courtyard, lead Kerry)", ["20 jun", "20 june"]),
 ("ga-lead", GA, "who is leading the gardening on 6 june", "Mo (house 40)", ["mo"]),
 ("ga-oct10", GA, "what job are we doing in the garden on 10 October", "Planting spring bulbs (Mill House front)",
  ["plant spring bulbs", "spring bulbs"]),
 ("re-wc2", RE, "weekly rent for a 2 bed flat in weavers court this year", "£114.76 a week (2026/27)", ["114.76"]),
 ("re-sc", RE, "What is the service charge for the cottages?", "£4.65 a week", ["4.65"]),
 ("re-3bed", RE, "how much is a 3 bed house per week all in, rent plus service charge",
  "£144.89 a week (2026/27)", ["144.89"]),
 ("cc-treasurer", CC, "whos the treasurer", "Graham Pilling (house 38)", ["graham pilling"]),
 ("cc-alloc", CC, "phone number for the allocations officer", "Declan Murphy, 07700 900774", ["07700 900774"]),
 ("cc-dropin", CC, "what time is the committee drop in", "Tuesdays 6pm to 8pm in the Common Room",
  ["6pm to 8pm", "6pm 8pm", "6 8pm"]),
 ("cm-boiler", CM, "Who won the boiler contract and how much for?", "Calder Heating Ltd, £71,400",
  ["calder heating"]),
 ("cm-dog26", CM, "why was the dog application from flat 26 turned down",
  "Flat 26 is on the first floor: dogs are only allowed in the cottages and ground-floor flats",
  ["first floor"]),
 ("cm-lift", CM, "how much does the lift maintenance contract cost", "£2,940 a year (Apex Lifts)", ["£2,940"]),
 ("bo-dates", BO, "when are they replacing the boilers in mill house",
  "Monday 7 September to Friday 23 October 2026", ["7 september"]),
 ("bo-days", BO, "how long will I be without heating while they fit the new boiler?",
  "Two days (off from 8am on day one, back on by 5pm on day two)", ["two days", "2 days"]),
 ("bo-warranty", BO, "warranty on the new boilers", "10 years", ["10 year"]),
 ("pk-second", PK, "how much is a parking permit for a second car", "£60 a year", ["£60"]),
 ("pk-deadline", PK, "deadline for applying for a parking permit", "Friday 19 June 2026", ["19 june"]),
 ("gr-price", GR, "how much is the guest room per night", "£12 per night (bedding and towels included)", ["£12"]),
 ("gr-deposit", GR, "deposit for hiring the common room for a party?", "£50 (refundable)", ["£50"]),
 ("sk-fridge", SK, "can I put my old fridge in the skip",
  "No, fridges and freezers can't go in the skip: book a bulky collection from Castlebeck Council",
  ["can't go in the skip", "bulky collection"]),
]

NEAR = [
 ("u-wc3bed", "how much is the rent for a 3 bed flat in weavers court", "Weaver's Court has no 3-bed homes"),
 ("u-2425", "What was the weekly rent for a 1 bed flat in Mill House in 2024/25?", "only 2025/26 and 2026/27 listed"),
 ("u-fob", "how much does a replacement fob cost", "fobs are not on the rechargeable list (keys are)"),
 ("u-treasphone", "What's the treasurer's phone number?", "the contacts list gives the treasurer e-mail only"),
 ("u-cottboiler", "When are the boilers in Tenter Cottages being replaced?", "only Mill House's boilers are planned"),
 ("u-may", "What was decided at the general meeting on 31 May 2026?", "no minutes of the May meeting"),
 ("u-petdeposit", "how much is the pet deposit", "the pets policy has no deposit"),
 ("u-fine", "How much is the fine for parking without a permit?", "no fine: a warning, then removal"),
 ("u-balcony", "who won best balcony last year", "the 2026 competition is announced; no winners named"),
 ("u-cottpark", "how many parking spaces are there for tenter cottages", "only Mill House and Weaver's Court counted"),
 ("u-wifi", "whats the wifi password for the common room", "not in the share"),
 ("u-dec", "who is on the gardening rota on 12 december", "the rota ends on 24 October"),
]

# The two .docx, as r54_parish_data.DOCX: ("h1"|"h2"|"p"|"bullet", text) or ("table", rows), the first row the header.
DOCX = {
 CM: [
  ("h1", "Holmbrook Housing Co-op – Committee Meeting"),
  ("p", "Tuesday 12 May 2026, 7.30pm, Common Room. Present: Ruth Adeyemi (chair), Tomasz Nowak (secretary), Graham "
        "Pilling (treasurer), Shazia Begum, Declan Murphy, Eleanor Voce. Apologies: Priya Raman. Observers: 2 members. "
        "In attendance: Jo Whitley (co-op worker)."),
  ("h2", "1. Minutes and matters arising"),
  ("p", "Minutes of 14 April agreed. The defibrillator: Jo has a quote of £1,150 fitted (outside Mill House main door); "
        "to go to the May general meeting."),
  ("h2", "2. Rent arrears (confidential)"),
  ("p", "Graham reported 3 households more than 4 weeks in arrears, £2,184 in total. All three have repayment plans. "
        "Arrears are 1.3% of the rent roll, down from 2.1% a year ago."),
  ("h2", "3. Mill House boiler replacement"),
  ("p", "Three tenders were received for replacing the 18 boilers in Mill House:"),
  ("table", [
   ("Contractor", "Price (18 boilers, fitted)", "Warranty", "Notes"),
   ("Calder Heating Ltd", "£71,400", "10 years", "Local; did Weaver's Court's communal pipework in 2023"),
   ("Pennine Gas Services", "£68,900", "7 years", "Could not start before January 2027"),
   ("BoilerSmart UK", "£79,250", "10 years", "Price includes new radiators in 4 flats")]),
  ("p", "Resolved: to award the contract to Calder Heating Ltd (£71,400), work to start in September. Shazia to be the "
        "co-op's contact. Letter to Mill House members to go out in June."),
  ("h2", "4. Lift"),
  ("p", "The Mill House lift maintenance contract with Apex Lifts was renewed for three years at £2,940 a year "
        "(was £2,610). Two breakdowns since January, both fixed within a day."),
  ("h2", "5. Pets"),
  ("bullet", "Flat 9 – one cat: approved."),
  ("bullet", "Flat 26 – one dog (a spaniel): refused, because flat 26 is on the first floor and the pets policy allows "
             "dogs only in the cottages and ground-floor flats. The member can re-apply if they transfer."),
  ("h2", "6. Parking"),
  ("p", "Agreed the permit scheme from 1 July 2026: one free permit per household, second permits £60 a year. "
        "Tomasz to e-mail all members."),
  ("h2", "7. New members"),
  ("p", "Approved: Marta and Jonas Berg (flat 17). Eleanor to arrange their induction."),
  ("h2", "Action log"),
  ("table", [
   ("Action", "Who", "By"),
   ("Letter to Mill House members about boilers", "Shazia", "30 June"),
   ("E-mail members about parking permits", "Tomasz", "31 May"),
   ("Order permit stickers and visitor permits", "Jo", "15 June"),
   ("Defibrillator quote to the general meeting", "Ruth", "31 May")]),
  ("p", "Next committee meeting: Tuesday 9 June 2026, 7.30pm.")],
 CC: [
  ("h1", "Who to contact – committee and office"),
  ("p", "Updated March 2026 (after the February general meeting). Please use the role e-mail addresses rather than "
        "personal ones, so that messages still arrive when officers change."),
  ("table", [
   ("Role", "Name", "Home", "Phone", "E-mail"),
   ("Chair", "Ruth Adeyemi", "Flat 7", "07700 900412", "chair@holmbrook-coop.example"),
   ("Secretary", "Tomasz Nowak", "Flat 23", "07700 900586", "secretary@holmbrook-coop.example"),
   ("Treasurer", "Graham Pilling", "House 38", "e-mail only", "treasurer@holmbrook-coop.example"),
   ("Maintenance officer", "Shazia Begum", "Flat 15", "07700 900233", "repairs@holmbrook-coop.example"),
   ("Allocations officer", "Declan Murphy", "Flat 30", "07700 900774", "allocations@holmbrook-coop.example"),
   ("Membership & participation", "Eleanor Voce", "House 41", "07700 900968", "membership@holmbrook-coop.example"),
   ("Garden & environment", "Priya Raman", "Flat 12", "07700 900147", "garden@holmbrook-coop.example")]),
  ("h2", "The co-op office"),
  ("p", "The office is in the Common Room, Mill House ground floor. Our co-op worker Jo Whitley is there Monday to "
        "Friday, 9.30am to 1pm: 0113 496 0721, office@holmbrook-coop.example."),
  ("p", "Committee drop-in: Tuesdays 6pm to 8pm in the Common Room – no appointment needed."),
  ("h2", "Out of hours"),
  ("p", "Emergency repairs only: Kestrel Property Services, 0113 496 0999 (24 hours). For anything else please wait "
        "for the office to open.")],
}

# The two .pdf, as r54_parish_data.PDF: (title, lines); "# " and "## " lines are headings.
PDF = {
 RP: ("Repairs procedure", [
  "# Holmbrook Housing Co-operative",
  "## How to get a repair done",
  "Revised by the committee, January 2026",
  "",
  "The co-op is responsible for the structure and outside of every home, shared areas, and the heating, hot water, "
  "electrics, plumbing, kitchen and bathroom fittings we supply. Members look after small jobs: light bulbs, fuses, "
  "plugs, toilet seats, bleeding radiators, shelves and curtain rails, and keeping sinks clear.",
  "",
  "## Reporting a repair",
  "- Write it in the repairs book in the office, or",
  "- e-mail repairs@holmbrook-coop.example (a photo helps), or",
  "- phone the office on 0113 496 0721 (Monday to Friday, 9.30am to 1pm).",
  "Please give your name, home number, what is wrong and when we can get in.",
  "",
  "## How quickly we will do it",
  "Emergency (a danger to people or serious damage to the building, e.g. no heating in winter, a major leak, "
  "unsafe electrics, a front door that won't lock): attended within 4 hours and made safe within 24 hours.",
  "Urgent (e.g. a blocked toilet when you only have one, a broken extractor fan, a leaking tap that can't be "
  "turned off): within 3 working days.",
  "Routine (everything else, e.g. a sticking door, a loose tile): within 20 working days.",
  "",
  "## Out of hours",
  "For emergencies in the evening, at night, at weekends or on bank holidays ring our out-of-hours contractor, "
  "Kestrel Property Services, on 0113 496 0999. If you smell gas, ring the gas emergency line first and do not "
  "use switches. Calling Kestrel out for something that is not an emergency may be recharged.",
  "",
  "## Access",
  "We will agree a time with you. Contractors work 8am to 12 noon or 12 noon to 5pm slots. If nobody is in for an "
  "agreed appointment twice, the repair goes to the back of the list.",
  "",
  "## Rechargeable repairs",
  "If damage is caused by a member, their household or visitors (not fair wear and tear), the co-op will charge for "
  "the repair. See the rechargeable repairs list for the standard charges.",
  "",
  "Maintenance officer: Shazia Begum (flat 15)."]),
 BO: ("Mill House boiler replacement", [
  "Holmbrook Housing Co-operative Ltd",
  "Common Room, Mill House, Holmbrook Road, Castlebeck CB4 7HT",
  "",
  "22 June 2026",
  "",
  "To: all members in Mill House (flats 1-18)",
  "",
  "Dear member,",
  "",
  "## New boilers for Mill House",
  "As agreed at the general meeting in February, the old boilers in every Mill House flat are being replaced with "
  "new A-rated combi boilers. The committee has chosen Calder Heating Ltd to do the work.",
  "",
  "The work will take place between Monday 7 September and Friday 23 October 2026. Calder will write to you with "
  "your flat's own dates at least 2 weeks before.",
  "",
  "Each installation takes two days. Your heating and hot water will be off from 8am on the first day and will be "
  "back on by 5pm on the second day. During that time you can use the shower in the guest room (flat 19a) free of "
  "charge - ask Jo for the key - and we can lend you two electric heaters.",
  "",
  "The new boilers come with a 10-year manufacturer's warranty. The engineers are all Gas Safe registered and will "
  "show ID. Please clear the cupboard around your boiler and the space under it before your dates.",
  "",
  "If you are elderly, disabled or have a baby, and two days without heating would be difficult, please tell Jo "
  "now so we can put you in the first weeks (before it gets cold).",
  "",
  "Questions about the work: Calder Heating's site manager, Lee Hirst, on 0113 496 0388. Anything else: me, or "
  "the office on 0113 496 0721.",
  "",
  "Yours sincerely,",
  "Shazia Begum",
  "Maintenance officer, for the committee"]),
}

# The .xlsx: one sheet, a title row, the rent table, a blank row and a notes block under it (None: an empty cell).
XLSX = {RE: ("Rents 2026-27", [
 ["Holmbrook Housing Co-op - weekly rents and service charges from 6 April 2026"],
 ["Building", "Home type", "Rent 2025/26", "Rent 2026/27", "Service charge 2026/27", "Total per week 2026/27"],
 ["Mill House", "1 bed flat", 98.45, 102.39, 14.35, 116.74],
 ["Mill House", "2 bed flat", 112.65, 117.16, 14.35, 131.51],
 ["Weaver's Court", "Studio flat", 84.15, 87.52, 11.85, 99.37],
 ["Weaver's Court", "1 bed flat", 96.95, 100.83, 11.85, 112.68],
 ["Weaver's Court", "2 bed flat", 110.35, 114.76, 11.85, 126.61],
 ["Tenter Cottages", "2 bed house", 121.45, 126.31, 4.65, 130.96],
 ["Tenter Cottages", "3 bed house", 134.85, 140.24, 4.65, 144.89],
 [],
 ["Notes"],
 ["Rent increase", "4% from Monday 6 April 2026 (agreed at the general meeting on 22 February 2026)"],
 ["Service charge", "Mill House: cleaning, lift, communal lighting, door entry, garden. Weaver's Court: cleaning, "
                    "communal lighting, door entry, garden. Tenter Cottages: garden and verge only"],
 ["Paying monthly", "Monthly amount = weekly total x 52 / 12, by standing order on the 1st of the month"],
 ["Not included", "Gas, electricity, water, council tax, contents insurance, parking"]])}


def build(D: Path) -> None:
    """Write the sixteen documents into D (made if missing)."""
    D.mkdir(exist_ok=True, parents=True)
    texts = runpy.run_path(str(HERE / "r55_coop_texts.py"))["TEXTS"]
    for name, text in texts.items():
        (D / name).write_bytes(text.encode("utf-8"))
    for name, blocks in DOCX.items():
        (D / name).write_bytes(docx_bytes(blocks))
    for name, (title, lines) in PDF.items():
        (D / name).write_bytes(pdf_bytes(title, lines))
    for name, (sheet, rows) in XLSX.items():
        (D / name).write_bytes(xlsx_bytes(sheet, rows))


if __name__ == "__main__":
    build(Path(sys.argv[1]))
