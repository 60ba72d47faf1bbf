"""Round 55 (benchmarks/r55_doc_table_shapes.py): lookups in tables inside prose documents (.docx, .odt) of the shapes
round 54 left `a | b` or misread, written before the change was measured. Five invented documents (CC0), each a
table between paragraphs of prose about the same things: two price grids whose header's top-left cell is empty
(a matrix: the row's first cell says which row, `| Adult | Child` over `Weekday | £5.40 | £3.20`), two tables under
a title merged across the whole table above their header row, a room list with a "# of seats" column; 14 answerable
lookups and 3 near misses whose key is in no table, Q as r52_tables.py reads it. Header rows are marked as Word and
LibreOffice users mark them (bold, repeated as a header row, LibreOffice's heading rows).
`python benchmarks/r55_doc_table_shapes_data.py SHARE` writes the documents."""
import runpy
import sys
from pathlib import Path

BUILD = runpy.run_path(str(Path(__file__).resolve().parent / "doc_tables_build.py"))  # the one document writer

Q = [
 ("m1", "docx-matrix", "leisure-centre-prices.docx", "How much is a child swim at the weekend?", ["3.60"]),
 ("m2", "docx-matrix", "leisure-centre-prices.docx", "What does an adult pay for a swim on a weekday?", ["5.40"]),
 ("m3", "docx-matrix", "leisure-centre-prices.docx", "What is the concession price for a swim in the school holidays?",
  ["3.90"]),
 ("r1", "odt-matrix", "community-hall-hire.odt", "What is the full day rate for the Garden room?", ["165"]),
 ("r2", "odt-matrix", "community-hall-hire.odt", "How much is the evening rate for the Main hall?", ["120"]),
 ("r3", "odt-matrix", "community-hall-hire.odt", "What does it cost to hire the Meeting room for a half day?", ["35"]),
 ("d1", "docx-title", "dental-practice-hours.docx", "What time does the dental practice close on Thursday?",
  ["19:30"]),
 ("d2", "docx-title", "dental-practice-hours.docx", "Which dentist is on duty on Friday?", ["dr amir haddad"]),
 ("d3", "docx-title", "dental-practice-hours.docx", "What time does the practice open on Saturday?", ["08:30"]),
 ("a1", "odt-title", "allotment-charges.odt", "What is the annual rent for a full plot?", ["96"]),
 ("a2", "odt-title", "allotment-charges.odt", "How much is the water charge for a half plot?", ["12"]),
 ("a3", "odt-title", "allotment-charges.odt", "What deposit is paid for a raised bed?", ["20"]),
 ("s1", "docx-hash", "meeting-rooms.docx", "How many seats does the Willow room have?", ["14"]),
 ("s2", "docx-hash", "meeting-rooms.docx", "On which floor is the Rowan room?", ["third", "3"]),
 ("n1", "docx-matrix", None, "How much is a senior citizen's sauna session?", []),
 ("n2", "odt-matrix", None, "What is the weekend rate for the Studio?", []),
 ("n3", "docx-title", None, "Which dentist is on duty on Sunday?", []),
]

# (title, paragraphs before, [table title or None,] header + rows, paragraphs after); "## " starts a heading
DOCS = {
 "leisure-centre-prices.docx": ("Riverside leisure centre: swimming prices", [
    "## Swimming",
    "The main pool is open for public swimming every day except during school lessons and club bookings. Prices "
    "below are for one swim of up to ninety minutes; swimming lessons are booked separately.",
    "Children under eight must swim with an adult. Concessions are for people over 65, students and people on "
    "benefits, with proof shown at reception.",
    "## Prices per swim"], None, [
    ("", "Adult", "Child", "Concession"),
    ("Weekday", "£5.40", "£3.20", "£3.50"),
    ("Weekend", "£6.10", "£3.60", "£4.00"),
    ("School holidays", "£6.10", "£3.60", "£3.90"),
    ("Early bird (before 8:00)", "£4.20", "£2.50", "£3.00")], [
    "A ten-swim card costs the price of nine swims and is valid for six months.",
    "Lockers take a refundable £1 coin."]),
 "community-hall-hire.odt": ("Community hall: room hire", [
    "## Hiring a room",
    "Rooms at the community hall can be hired by residents, local groups and businesses. Book at least two weeks "
    "ahead through the hall office; a booking is confirmed once the deposit is paid.",
    "Rates include heating, tables and chairs. Kitchen use is charged separately.",
    "## Rates"], None, [
    ("", "Half day", "Full day", "Evening"),
    ("Main hall", "£90", "£160", "£120"),
    ("Garden room", "£95", "£165", "£110"),
    ("Meeting room", "£35", "£60", "£45"),
    ("Studio", "£50", "£85", "£65")], [
    "A half day is a morning (9:00-13:00) or an afternoon (13:00-17:00); evenings run from 18:00 to 22:00.",
    "Local charities receive a third off these rates."]),
 "dental-practice-hours.docx": ("Harbour Street dental practice: opening hours", [
    "## Appointments",
    "The practice sees NHS and private patients by appointment. Call the reception line or book online; for dental "
    "pain out of hours, call the NHS 111 service.",
    "Please arrive ten minutes early for a first appointment."], "Opening hours from 1 March", [
    ("Day", "Opens", "Closes", "Dentist on duty"),
    ("Monday", "08:00", "17:30", "Dr Lena Fischer"),
    ("Tuesday", "08:00", "17:30", "Dr Paul Osei"),
    ("Wednesday", "09:00", "18:00", "Dr Lena Fischer"),
    ("Thursday", "09:00", "19:30", "Dr Paul Osei"),
    ("Friday", "08:00", "16:00", "Dr Amir Haddad"),
    ("Saturday", "08:30", "12:30", "Dr Amir Haddad")], [
    "The practice is closed on Sundays and bank holidays.",
    "Missed appointments without 24 hours' notice may be charged."]),
 "allotment-charges.odt": ("Meadow Lane allotments: charges", [
    "## Tenancy",
    "Plots are let for a year from 1 October. The parish council sets the charges each summer; tenants are told of "
    "any change by post at least three months ahead.",
    "The deposit is returned when a plot is given up clean and clear."], "Plot charges 2026-27", [
    ("Plot size", "Annual rent", "Water charge", "Deposit"),
    ("Full plot", "£96", "£18", "£40"),
    ("Half plot", "£52", "£12", "£30"),
    ("Quarter plot", "£30", "£8", "£25"),
    ("Raised bed", "£22", "£5", "£20")], [
    "Tenants over 65 pay half the annual rent.",
    "Bonfires are not allowed between April and September."]),
 "meeting-rooms.docx": ("Kingsway office: meeting rooms", [
    "## Booking rooms",
    "Meeting rooms are booked through the calendar; a booking left unused for fifteen minutes is released. The "
    "reception desk can set up the video call kit for visitors.",
    "## Rooms"], None, [
    ("Room", "# of seats", "Floor", "Video call kit"),
    ("Willow", "14", "Ground", "Yes"),
    ("Rowan", "6", "Third", "No"),
    ("Hazel", "8", "First", "Yes"),
    ("Elder", "20", "Second", "Yes")], [
    "Rooms must be left tidy with the whiteboard cleaned.",
    "Catering can be ordered from the café two days ahead."]),
}

# How each table's header row is marked: "bold", "repeat" (Repeat as header row, with its title row; and bold),
# "heading-rows" (LibreOffice's heading rows, its title row among them)
MARKS = {"leisure-centre-prices.docx": "bold", "community-hall-hire.odt": "heading-rows",
         "dental-practice-hours.docx": "repeat", "allotment-charges.odt": "heading-rows", "meeting-rooms.docx": "bold"}


def build(D: Path) -> None:
    D.mkdir(exist_ok=True, parents=True)
    for name, (title, before, top, rows, after) in DOCS.items():
        BUILD["write"](D / name, title, before, rows[0], rows[1:], after, MARKS[name], top)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
