"""Round 56 (benchmarks/r56_group_rows.py): lookups in document and web-page tables whose rows are grouped under a
GROUP row (one cell merged across the whole table, a `<th colspan>` / `<td colspan>` spanning every column, a lone
`<th scope="rowgroup">`), written before the change was measured. Eight invented documents (CC0), each a table
between paragraphs of prose, the same items repeated in each group so that only the group tells the rows apart: a
swimming price list by season (.docx, merged cells), a reception rota by week (.docx, merged cells, a merged footnote
row), a contact list by team (.odt, cells spanned across), a fitness timetable by day (.odt), a community bus's
times by day of the week (.html, a `<tbody>` per group opened by a `<th colspan>` row), parking permits by zone
(.html, `<td colspan>` group rows), flats by block (.html, a lone `<th scope="rowgroup">` per group), and round 55's
trap: a contact list with a row holding only a name, NOT merged (.docx), which must stay a row of its own. 22
answerable lookups whose answer needs the group, 6 near misses (a group no table has, a person with no number); Q as
r52_tables.py reads it. Header rows are marked as Word, LibreOffice and web pages mark them.
`python benchmarks/r56_group_rows_data.py SHARE` writes the documents."""
import runpy
import sys
from pathlib import Path

BUILD = runpy.run_path(str(Path(__file__).resolve().parent / "doc_tables_build.py"))  # the one document writer

Q = [
 ("s1", "docx-merged", "pool-prices-by-season.docx", "How much is a child swim in the winter season?", ["2.80"]),
 ("s2", "docx-merged", "pool-prices-by-season.docx", "What does an adult pay for a swim in summer?", ["6.50"]),
 ("s3", "docx-merged", "pool-prices-by-season.docx", "What is the winter price of a family swim?", ["14"]),
 ("s4", "docx-merged", "pool-prices-by-season.docx", "How much is an adult swim in the winter season?", ["4.90"]),
 ("w1", "docx-merged", "reception-rota-march.docx", "Who is on the morning shift on Tuesday in week 2?",
  ["grace otieno"]),
 ("w2", "docx-merged", "reception-rota-march.docx", "Who covers Thursday afternoon in week 1?", ["tom becker"]),
 ("w3", "docx-merged", "reception-rota-march.docx", "Who works Monday morning in week 2 of the rota?",
  ["hamid safi"]),
 ("c1", "odt-spanned", "housing-office-contacts.odt", "What is the phone number of the repairs team's supervisor?",
  ["0161 496 0732"]),
 ("c2", "odt-spanned", "housing-office-contacts.odt", "Who is the supervisor of the rents team?", ["joy adeyemi"]),
 ("c3", "odt-spanned", "housing-office-contacts.odt", "Who is the duty officer for the repairs team?",
  ["marek nowak"]),
 ("t1", "odt-spanned", "gym-class-timetable.odt", "What class is on at 18:00 on Wednesday?", ["spin"]),
 ("t2", "odt-spanned", "gym-class-timetable.odt", "Which studio is the Saturday 10:00 class in?", ["studio 1"]),
 ("t3", "odt-spanned", "gym-class-timetable.odt", "Who teaches the Monday 18:00 class?", ["lucy park"]),
 ("b1", "html-tbody-th", "community-bus-times.html", "When does the first Saturday bus leave for Northgate?",
  ["08:40"]),
 ("b2", "html-tbody-th", "community-bus-times.html", "What time is the last weekday bus to the hospital?",
  ["18:15"]),
 ("b3", "html-tbody-th", "community-bus-times.html", "When is the last bus to Northgate on a Saturday?", ["16:30"]),
 ("p1", "html-td-colspan", "parking-permits.html", "How much is an annual resident permit in Zone B?", ["£95", "95"]),
 ("p2", "html-td-colspan", "parking-permits.html", "What does a monthly business permit cost in Zone A?",
  ["£40", "40"]),
 ("p3", "html-td-colspan", "parking-permits.html", "How much is a Zone B visitor permit for a month?", ["£12", "12"]),
 ("f1", "html-rowgroup", "flats-by-block.html", "What is the weekly rent of a two-bedroom flat in Cedar House?",
  ["£142", "142"]),
 ("f2", "html-rowgroup", "flats-by-block.html", "How much is the service charge for a one-bedroom flat in Ash House?",
  ["£9.50", "9.50"]),
 ("k1", "docx-name-row", "volunteer-contacts.docx", "What is Priya Shah's phone number?", ["07700 900 518"]),
 ("n1", "docx-merged", None, "How much is a child swim in the spring season?", []),
 ("n2", "docx-merged", None, "Who is on the morning shift on Tuesday in week 5?", []),
 ("n3", "odt-spanned", None, "Who is the supervisor of the legal team?", []),
 ("n4", "html-tbody-th", None, "When does the first Sunday bus leave for Northgate?", []),
 ("n5", "html-td-colspan", None, "How much is an annual resident permit in Zone D?", []),
 ("n6", "docx-name-row", None, "What is Bob Hart's phone number?", []),
]

# A table: its header, then rows; a row that is a str is a group row (merged across the table), a tuple a row.
# (title, paragraphs before, header, rows, paragraphs after); "## " starts a heading
DOCS = {
 "pool-prices-by-season.docx": ("Brookside pool: prices by season", [
    "## Swimming at Brookside",
    "Brookside's outdoor pool is heated all year. Prices change with the season because summer sessions are longer "
    "and the lifeguard cover is doubled.",
    "A family swim is for up to two adults and three children from the same household.",
    "## Prices"], ("Ticket", "Adult", "Child", "Family"), [
    "Summer season (June to August)",
    ("Single swim", "£6.50", "£3.40", "£17.00"),
    ("Early session", "£5.00", "£2.60", "£13.50"),
    "Winter season (September to May)",
    ("Single swim", "£4.90", "£2.80", "£14.00"),
    ("Early session", "£4.20", "£2.20", "£11.00")], [
    "Under-threes swim free with a paying adult.",
    "Season prices are reviewed every April by the trust's board."]),
 "reception-rota-march.docx": ("Town hall reception rota, March", [
    "## Reception cover",
    "Reception is staffed from 8:30 to 17:00. The morning shift ends at 12:30 and the afternoon shift starts then; "
    "swaps must be agreed with the office manager a day ahead."], ("Day", "Morning", "Afternoon"), [
    "Week 1 (2 to 6 March)",
    ("Monday", "Ruth Adler", "Tom Becker"),
    ("Tuesday", "Hamid Safi", "Ruth Adler"),
    ("Thursday", "Grace Otieno", "Tom Becker"),
    "Week 2 (9 to 13 March)",
    ("Monday", "Hamid Safi", "Grace Otieno"),
    ("Tuesday", "Grace Otieno", "Ruth Adler"),
    ("Thursday", "Tom Becker", "Hamid Safi"),
    "* Wednesdays and Fridays are covered by the customer services team."], [
    "If you are ill, call the office manager before 8:00."]),
 "housing-office-contacts.odt": ("Housing office: who to contact", [
    "## Contacts",
    "Tenants should call the team that deals with their query. The general line is answered from 9:00 to 17:00 "
    "on weekdays; out of hours, emergency repairs go to the out-of-hours line."], ("Role", "Name", "Phone"), [
    "Repairs team",
    ("Supervisor", "Dev Chandra", "0161 496 0732"),
    ("Duty officer", "Marek Nowak", "0161 496 0733"),
    "Rents team",
    ("Supervisor", "Joy Adeyemi", "0161 496 0741"),
    ("Duty officer", "Sam Whitlock", "0161 496 0742"),
    "Lettings team",
    ("Supervisor", "Irene Costa", "0161 496 0755"),
    ("Duty officer", "Owen Pryce", "0161 496 0756")], [
    "Please have your tenancy number ready when you call."]),
 "gym-class-timetable.odt": ("Parkside gym: class timetable", [
    "## Classes",
    "Classes are free for members and must be booked in the app. Arrive five minutes early; latecomers may lose "
    "their place to the waiting list."], ("Time", "Class", "Studio", "Instructor"), [
    "Monday",
    ("10:00", "Pilates", "Studio 2", "Ana Silva"),
    ("18:00", "Circuits", "Studio 1", "Lucy Park"),
    "Wednesday",
    ("10:00", "Yoga", "Studio 2", "Ana Silva"),
    ("18:00", "Spin", "Studio 3", "Ben Moss"),
    "Saturday",
    ("10:00", "Boxfit", "Studio 1", "Lucy Park"),
    ("18:00", "Zumba", "Studio 2", "Ben Moss")], [
    "The timetable changes in the school holidays."]),
 "volunteer-contacts.docx": ("Food bank volunteers: contacts", [
    "## Volunteer contacts",
    "Shift leads open the hall and sign volunteers in. Text your shift lead if you cannot come."],
    ("Name", "Role", "Phone"), [
    ("Aisha Khan", "Shift lead", "07700 900 311"),
    ("Bob Hart", "", ""),
    ("Priya Shah", "Driver", "07700 900 518"),
    ("Leon Fischer", "Warehouse", "07700 900 624")], [
    "New volunteers are paired with a shift lead for their first month."]),
}

# How each header row is marked: "bold", "repeat" (Repeat as header row, and bold), "heading-rows" (LibreOffice)
MARKS = {"pool-prices-by-season.docx": "bold", "reception-rota-march.docx": "repeat",
         "housing-office-contacts.odt": "heading-rows", "gym-class-timetable.odt": "heading-rows",
         "volunteer-contacts.docx": "bold"}

PAGES = {
 "community-bus-times.html": """<!doctype html><html><head><meta charset="utf-8"><title>Community bus times</title>
</head><body><h1>Valley community bus</h1>
<p>The community bus is run by volunteer drivers and stops on request anywhere on its route. Bus passes are
accepted; a single fare is £1.50 for everyone else.</p>
<h2>Departures from the village green</h2>
<table>
<thead><tr><th>Destination</th><th>First bus</th><th>Last bus</th></tr></thead>
<tbody><tr><th colspan="3">Monday to Friday</th></tr>
<tr><td>Northgate</td><td>07:15</td><td>18:45</td></tr>
<tr><td>Hospital</td><td>07:40</td><td>18:15</td></tr></tbody>
<tbody><tr><th colspan="3">Saturday</th></tr>
<tr><td>Northgate</td><td>08:40</td><td>16:30</td></tr>
<tr><td>Hospital</td><td>09:10</td><td>15:50</td></tr></tbody>
</table>
<p>There is no service on Sundays or bank holidays. Wheelchair users can book the low-floor bus a day ahead.</p>
</body></html>
""",
 "parking-permits.html": """<!doctype html><html><head><meta charset="utf-8"><title>Parking permits</title>
</head><body><h1>Residents' parking permits</h1>
<p>Permits are needed in the controlled zones from 8:00 to 18:30, Monday to Saturday. Zone A covers the town centre
streets; Zone B the streets around the station.</p>
<table>
<tr><th>Permit</th><th>Annual</th><th>Monthly</th></tr>
<tr><td colspan="3"><b>Zone A</b></td></tr>
<tr><td>Resident</td><td>£120</td><td>£14</td></tr>
<tr><td>Business</td><td>£340</td><td>£40</td></tr>
<tr><td>Visitor</td><td>£60</td><td>£9</td></tr>
<tr><td colspan="3"><b>Zone B</b></td></tr>
<tr><td>Resident</td><td>£95</td><td>£11</td></tr>
<tr><td>Business</td><td>£280</td><td>£33</td></tr>
<tr><td>Visitor</td><td>£75</td><td>£12</td></tr>
</table>
<p>Blue badge holders park free in both zones. Lost permits are replaced for £10.</p>
</body></html>
""",
 "flats-by-block.html": """<!doctype html><html><head><meta charset="utf-8"><title>Flats and rents</title>
</head><body><h1>Flats and weekly rents, 2026-27</h1>
<p>Rents are charged weekly on Mondays. The service charge pays for cleaning the stairs, the lift and the communal
lighting, and is set for each block.</p>
<table>
<thead><tr><th>Flat size</th><th>Weekly rent</th><th>Service charge</th></tr></thead>
<tbody>
<tr><th scope="rowgroup">Ash House</th></tr>
<tr><td>One bedroom</td><td>£118</td><td>£9.50</td></tr>
<tr><td>Two bedrooms</td><td>£131</td><td>£11.20</td></tr>
<tr><th scope="rowgroup">Cedar House</th></tr>
<tr><td>One bedroom</td><td>£126</td><td>£12.80</td></tr>
<tr><td>Two bedrooms</td><td>£142</td><td>£14.10</td></tr>
</tbody>
</table>
<p>Tenants who pay by direct debit can choose any day of the week.</p>
</body></html>
""",
}


def build(D: Path) -> None:
    D.mkdir(exist_ok=True, parents=True)
    for name, (title, before, header, rows, after) in DOCS.items():
        BUILD["write"](D / name, title, before, header, rows, after, MARKS[name])
    for name, html in PAGES.items():
        (D / name).write_text(html, encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
