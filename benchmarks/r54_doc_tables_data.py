"""Round 54 (benchmarks/r54_doc_tables.py): lookups in tables inside prose documents (.docx, .odt), written before the
change was measured. Eight invented documents (CC0), each a table of another shape between paragraphs of prose that
talk about the same things (a fee schedule, a contact list, a course schedule, a parts list, a two-column glossary,
bin collection days, travel allowances, library opening hours); 30 answerable lookups and 6 near misses whose key
is not in any table (a surname, a course level, a part, a grade, a branch, a term), Q as r52_tables.py reads it.
Their header rows are marked as Word and LibreOffice users' tables are (round 54, mend3: a document's table gets
labels only under a header row the file marks, `MARKS`): bold, bold by the table style, repeated on each page,
LibreOffice's heading row; two tables are left plain, as people also make them (the glossary's two columns, read as
`Term: Meaning` lines; the bin days, read as `a | b`).
`python benchmarks/r54_doc_tables_data.py SHARE` writes the documents."""
import runpy
import sys
from pathlib import Path

BUILD = runpy.run_path(str(Path(__file__).resolve().parent / "doc_tables_build.py"))  # the one document writer

Q = [
 ("f1", "docx-fees", "rowing-club-fees.docx", "How much is the annual subscription at the rowing club?", ["180"]),
 ("f2", "docx-fees", "rowing-club-fees.docx", "When is the locker hire fee due?", ["1 october"]),
 ("f3", "docx-fees", "rowing-club-fees.docx", "How much does junior membership cost?", ["65"]),
 ("f4", "docx-fees", "rowing-club-fees.docx", "What is the fee for private boat storage?", ["240"]),
 ("c1", "docx-contacts", "facilities-contacts.docx", "What is Maria Gomez's extension?", ["4417"]),
 ("c2", "docx-contacts", "facilities-contacts.docx", "Which room is Tom Reilly in?", ["b2.14"]),
 ("c3", "docx-contacts", "facilities-contacts.docx", "What is the mobile number of the fire safety officer?",
  ["07700 900 362"]),
 ("c4", "docx-contacts", "facilities-contacts.docx", "Who is the cleaning supervisor?", ["grace obi"]),
 ("s1", "odt-schedule", "training-schedule.odt", "On what date is the first aid at work course?", ["14 may"]),
 ("s2", "odt-schedule", "training-schedule.odt", "Which room is the Excel basics course held in?", ["cedar"]),
 ("s3", "odt-schedule", "training-schedule.odt", "Who trains the manual handling course?", ["owen pryce"]),
 ("s4", "odt-schedule", "training-schedule.odt", "What time does the fire warden course start?", ["13:30"]),
 ("p1", "docx-parts", "pump-spare-parts.docx", "What is the part number of the impeller?", ["p-2207"]),
 ("p2", "docx-parts", "pump-spare-parts.docx", "What is the unit cost of an O-ring?", ["1.20"]),
 ("p3", "docx-parts", "pump-spare-parts.docx", "Who supplies the mechanical seal?", ["sealtec"]),
 ("p4", "docx-parts", "pump-spare-parts.docx", "How much does the shaft bearing cost?", ["38.90"]),
 ("g1", "odt-glossary", "committee-glossary.odt", "What does quorum mean?", ["minimum number of members"]),
 ("g2", "odt-glossary", "committee-glossary.odt", "What is a proxy?", ["votes on behalf of"]),
 ("g3", "odt-glossary", "committee-glossary.odt", "What does ultra vires mean?", ["beyond the powers"]),
 ("g4", "odt-glossary", "committee-glossary.odt", "What is a casting vote?", ["deciding vote"]),
 ("w1", "docx-bins", "bin-collections.docx", "Which day are bins collected on Elm Road?", ["tuesday"]),
 ("w2", "docx-bins", "bin-collections.docx", "What colour is the garden waste bin on Mill Lane?", ["brown"]),
 ("w3", "docx-bins", "bin-collections.docx", "Which day are bins collected on Station Road?", ["friday"]),
 ("t1", "odt-travel", "travel-allowances.odt", "What is the daily allowance for grade 5 staff?", ["42"]),
 ("t2", "odt-travel", "travel-allowances.odt", "What is the hotel limit for grade 3?", ["95"]),
 ("t3", "odt-travel", "travel-allowances.odt", "Which class of rail travel may grade 7 staff use?", ["first"]),
 ("l1", "docx-library", "library-opening-hours.docx", "When does Northgate library open on Saturdays?",
  ["9:30-13:00", "9:30 to 13:00", "9:30 - 13:00"]),
 ("l2", "docx-library", "library-opening-hours.docx", "What is the phone number of Riverside library?",
  ["01632 960 418"]),
 ("l3", "docx-library", "library-opening-hours.docx", "What are Westfield library's weekday opening hours?",
  ["10:00-17:00", "10:00 to 17:00", "10:00 - 17:00"]),
 ("l4", "docx-library", "library-opening-hours.docx", "What are the Sunday hours of the Central library?",
  ["12:00-16:00", "12:00 to 16:00", "12:00 - 16:00"]),
 ("u1", "unanswerable", None, "What is Maria Lopez's extension?", []),
 ("u2", "unanswerable", None, "On what date is the Excel advanced course?", []),
 ("u3", "unanswerable", None, "What is the part number of the drive belt?", []),
 ("u4", "unanswerable", None, "What is the daily allowance for grade 9 staff?", []),
 ("u5", "unanswerable", None, "When does Eastgate library open on Saturdays?", []),
 ("u6", "unanswerable", None, "What does amortisation mean?", []),
]

# (title, paragraphs before, header + rows, paragraphs after); a paragraph starting "## " is a heading
DOCS = {
 "rowing-club-fees.docx": ("Harbourside Rowing Club: membership and fees 2025", [
    "## Membership",
    "Harbourside Rowing Club is run by volunteers and its fees pay for boat maintenance, coaching and the lease of "
    "the boathouse. The committee reviews the fees every spring and last raised them in 2023 by five per cent.",
    "Members who join after 1 January pay half of the annual subscription for the rest of the season. Fees are paid "
    "by bank transfer to the club account; the treasurer sends a receipt within two weeks.",
    "## Fee schedule"], [
    ("Fee", "Amount", "Due", "Notes"),
    ("Joining fee", "£40", "On joining", "Paid once"),
    ("Annual subscription", "£180", "1 April", "Half price after 1 January"),
    ("Junior membership", "£65", "1 April", "Under 18 on 1 April"),
    ("Student membership", "£95", "1 April", "Proof of enrolment needed"),
    ("Locker hire", "£30", "1 October", "Lockers are allocated in order of request"),
    ("Private boat storage", "£240", "1 April", "Single sculls only"),
    ("Coaching course", "£120", "Before the first session", "Six sessions")], [
    "Members who cannot pay in one sum may ask the treasurer for a payment plan. A member two months late with a fee "
    "may not take out club boats until it is paid.",
    "The boathouse is open from 6:00 to 21:00 in summer; the winter hours are on the notice board."]),
 "facilities-contacts.docx": ("Facilities team: who to contact", [
    "## About the team",
    "The facilities team looks after the buildings, the car park, cleaning and safety on the Kingsway site. Report "
    "a fault on the service desk first; call a person below when something is urgent or unsafe.",
    "Out of hours, the security lodge on extension 4000 can reach the engineer on call.",
    "## Contacts"], [
    ("Name", "Role", "Extension", "Mobile", "Room"),
    ("Maria Gomez", "Facilities manager", "4417", "07700 900 118", "B2.10"),
    ("Tom Reilly", "Maintenance engineer", "4425", "07700 900 245", "B2.14"),
    ("Aisha Karim", "Fire safety officer", "4431", "07700 900 362", "A1.03"),
    ("Grace Obi", "Cleaning supervisor", "4440", "07700 900 471", "C0.07"),
    ("Daniel Marsh", "Car park and security", "4402", "07700 900 509", "Lodge"),
    ("Priya Shah", "Health and safety adviser", "4436", "07700 900 623", "A1.05"),
    ("Tom Bennett", "Porter", "4450", "07700 900 734", "C0.02")], [
    "Maria Gomez approves all requests for room changes and furniture. Requests for keys go to the lodge.",
    "Fire alarm tests take place every Wednesday at 11:00 and last under a minute."]),
 "training-schedule.odt": ("Staff training schedule, spring term", [
    "## Booking",
    "All courses below are free for staff and are held at the Riverside training centre. Book a place through the "
    "learning portal at least a week before the course; places are limited to twelve.",
    "If you cannot attend, cancel your place so that someone on the waiting list can have it.",
    "## Courses"], [
    ("Course", "Date", "Start", "Room", "Trainer"),
    ("First aid at work", "14 May", "09:00", "Oak room", "Helen Ward"),
    ("Excel basics", "16 May", "10:00", "Cedar room", "Sam Lowe"),
    ("Manual handling", "21 May", "09:30", "Oak room", "Owen Pryce"),
    ("Fire warden", "23 May", "13:30", "Birch room", "Aisha Karim"),
    ("Minute taking", "28 May", "10:00", "Cedar room", "Joy Adams"),
    ("Customer care", "4 June", "14:00", "Birch room", "Sam Lowe"),
    ("Data protection", "11 June", "11:00", "Oak room", "Ravi Menon")], [
    "Courses last a day unless the portal says otherwise. Lunch is provided for full-day courses.",
    "Certificates are emailed within ten working days of the course."]),
 "pump-spare-parts.docx": ("Booster pump BP-40: spare parts", [
    "## Servicing",
    "The BP-40 booster pump is serviced every twelve months or after 4,000 hours of running, whichever is first. A "
    "service replaces the wearing parts listed below; keep one service kit in the plant room store.",
    "Isolate the pump electrically and close both valves before opening the casing.",
    "## Parts for one service"], [
    ("Part", "Part no.", "Qty", "Unit cost", "Supplier"),
    ("Impeller", "P-2207", "1", "£148.00", "Flowline"),
    ("Mechanical seal", "P-2211", "1", "£86.50", "SealTec"),
    ("O-ring", "P-2230", "6", "£1.20", "SealTec"),
    ("Shaft bearing", "P-2245", "2", "£38.90", "Bearwell"),
    ("Casing gasket", "P-2252", "1", "£12.40", "Flowline"),
    ("Coupling insert", "P-2268", "1", "£21.75", "Bearwell")], [
    "Order parts at least three weeks ahead: Flowline and SealTec deliver in ten working days.",
    "Record each service in the plant log with the running hours shown on the controller."]),
 "committee-glossary.odt": ("Committee handbook: glossary", [
    "## Using this glossary",
    "This handbook explains how the residents' association committee works. Words in bold in the other chapters are "
    "defined here; ask the secretary if a term you meet in the minutes is not.",
    "## Terms"], [
    ("Term", "Meaning"),
    ("Quorum", "The minimum number of members who must be present for a meeting to make decisions."),
    ("Proxy", "A person who attends and votes on behalf of a member who cannot be there."),
    ("Ultra vires", "Beyond the powers the constitution gives the committee; such a decision is void."),
    ("Casting vote", "A deciding vote the chair may use when the votes for and against are equal."),
    ("Motion", "A proposal put to a meeting for a decision."),
    ("Co-option", "Appointing a person to the committee without an election, until the next annual meeting."),
    ("Standing orders", "The rules the committee adopts for running its meetings.")], [
    "The constitution sets the quorum for committee meetings at four members and for general meetings at twenty.",
    "A proxy must be appointed in writing before the meeting starts."]),
 "bin-collections.docx": ("Bin collection days, Northfield ward", [
    "## Collections",
    "Each street in Northfield ward has one collection day for all its bins. Put bins out by 7:00 on the day and bring "
    "them in by the evening. Collections after a bank holiday are a day later that week.",
    "## Days by street"], [
    ("Street", "Collection day", "Recycling bin", "Garden waste bin"),
    ("Elm Road", "Tuesday", "Blue", "Green"),
    ("Mill Lane", "Wednesday", "Blue", "Brown"),
    ("Station Road", "Friday", "Grey", "Green"),
    ("Church Walk", "Monday", "Blue", "Brown"),
    ("Orchard Close", "Thursday", "Grey", "Brown")], [
    "Garden waste is collected every other week from March to November; the green and brown bins are the same "
    "service, bought before and after 2022.",
    "Report a missed collection online within two working days."]),
 "travel-allowances.odt": ("Travel and subsistence allowances", [
    "## Who can claim",
    "Staff travelling on business more than 10 miles from their usual place of work may claim the allowances below. "
    "Claims are made monthly with receipts and approved by the line manager.",
    "## Allowances by grade"], [
    ("Grade", "Daily allowance", "Hotel limit per night", "Rail class"),
    ("Grade 3", "£30", "£95", "Standard"),
    ("Grade 4", "£35", "£105", "Standard"),
    ("Grade 5", "£42", "£120", "Standard"),
    ("Grade 6", "£48", "£135", "Standard"),
    ("Grade 7", "£55", "£150", "First")], [
    "The daily allowance covers meals and incidental costs; alcohol is not reimbursed.",
    "Hotels in London may cost up to 30 per cent more than the limit with the finance director's approval."]),
 "library-opening-hours.docx": ("Library opening hours from 1 September", [
    "## Opening hours",
    "From 1 September the borough's libraries open longer on weekdays and two branches open on Sundays. Self-service "
    "machines and the book drop are available whenever a branch is open.",
    "## Branches"], [
    ("Branch", "Weekdays", "Saturday", "Sunday", "Phone"),
    ("Central", "9:00-20:00", "9:00-17:00", "12:00-16:00", "01632 960 401"),
    ("Northgate", "9:30-18:00", "9:30-13:00", "Closed", "01632 960 409"),
    ("Riverside", "10:00-19:00", "10:00-16:00", "12:00-16:00", "01632 960 418"),
    ("Westfield", "10:00-17:00", "10:00-13:00", "Closed", "01632 960 425")], [
    "Branches close at 16:00 on Christmas Eve and New Year's Eve. Check the website for closures on bank holidays.",
    "Returned items are checked in the next working day."]),
}


# How each table's first row is marked the header: "bold" (its text bold), "style" (a table style whose first-row
# formatting is bold, Word's Light Grid), "repeat" (Repeat as header row, and bold), "heading-rows" (LibreOffice's
# heading row), "heading-style" (LibreOffice's bold Table Heading paragraph style), None (plain)
MARKS = {"rowing-club-fees.docx": "bold", "facilities-contacts.docx": "style", "pump-spare-parts.docx": "repeat",
         "bin-collections.docx": None, "library-opening-hours.docx": "bold", "training-schedule.odt": "heading-rows",
         "committee-glossary.odt": None, "travel-allowances.odt": "heading-style"}


def build(D: Path) -> None:
    D.mkdir(exist_ok=True, parents=True)
    for name, (title, before, rows, after) in DOCS.items():  # a table not marked "style" has no table style, as round 54 wrote it
        BUILD["write"](D / name, title, before, rows[0], rows[1:], after, MARKS[name], grid=None)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
