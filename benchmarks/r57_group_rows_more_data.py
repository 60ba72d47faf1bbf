"""Round 57 (benchmarks/r57_group_rows_more.py): lookups in document and web-page tables whose rows are grouped under
group rows (one cell merged across the table) AND hold the rows round 56 misread: a short note merged across the table
amid the groups ("Prices include VAT", "See note 3", right under a group row too), a typed total row under the last
group (the table's, not the group's; each group with its own total, then the table's), a .docx row that starts in a
later grid column (`w:gridBefore`: its cells had shifted under the wrong labels), group names with brackets of their
own. Seven invented documents (CC0), written before the change was measured: allotment rents by site (.docx, merged
notes amid the groups), hall hire by time of day (.odt, a note right under each group row, names with brackets),
library visits by branch (.docx, a total under the last group), a training budget by team (.odt, each team's total,
then the table's), a yoga timetable (.docx, each day's second class in a row starting in the second column), ferry
fares by season (.docx, `High (May–Sep) season`), swimming lessons by pool (.html, a `<td colspan>` note amid `<th
colspan>` groups). 18 answerable lookups, 5 near misses (a site, a day, a team, a ticket no table has; a branch's
total the table does not give). Q as r52_tables.py reads it. `python benchmarks/r57_group_rows_more_data.py SHARE`
writes the documents."""
import runpy
import sys
from pathlib import Path

BUILD = runpy.run_path(str(Path(__file__).resolve().parent / "doc_tables_build.py"))  # the one document writer

Q = [
 ("a1", "docx-note", "allotment-rents.docx", "What is the annual rent for a full plot at the Riverside site?",
  ["70"]),
 ("a2", "docx-note", "allotment-rents.docx", "How much is a full plot on the Hilltop site per year?", ["55"]),
 ("a3", "docx-note", "allotment-rents.docx", "What's the water charge for a full plot at Hilltop?", ["9"]),
 ("h1", "odt-note", "hall-hire-rates.odt", "How much per hour is the main hall in the evening?", ["32"]),
 ("h2", "odt-note", "hall-hire-rates.odt", "What is the daytime hourly rate for the committee room?", ["12"]),
 ("h3", "odt-note", "hall-hire-rates.odt", "what does the committee room cost an hour after 5pm", ["16"]),
 ("l1", "docx-total", "library-visits.docx", "How many loans did the Eastside branch make in February?", ["880"]),
 ("l2", "docx-total", "library-visits.docx", "How many visits did the libraries have in total over the two months?",
  ["10,430", "10430"]),
 ("t1", "odt-total", "training-budget.odt", "What is the total training cost for the kitchen team?", ["625"]),
 ("t2", "odt-total", "training-budget.odt", "What does all the training cost altogether, both teams?",
  ["1,825", "1825"]),
 ("t3", "odt-total", "training-budget.odt", "How much is manual handling training for the care team?", ["480"]),
 ("y1", "docx-gridbefore", "yoga-timetable.docx", "Who teaches power yoga?", ["dev anand"]),
 ("y2", "docx-gridbefore", "yoga-timetable.docx", "What time does the yin yoga class start?", ["19:00", "7pm", "7 pm"]),
 ("y3", "docx-gridbefore", "yoga-timetable.docx", "Who takes the Yin yoga class?", ["kofi mensah"]),
 ("f1", "docx-brackets", "ferry-fares.docx", "What does a car and driver pay for a return in the low season?",
  ["64"]),
 ("f2", "docx-brackets", "ferry-fares.docx", "How much is an adult foot passenger single in high season?",
  ["9.20"]),
 ("s1", "html-note", "swimming-lessons.html", "How much is a term of beginner lessons at Northside pool?", ["58"]),
 ("s2", "html-note", "swimming-lessons.html", "What does a term of improver lessons cost at the Lido?", ["66"]),
 ("n1", "docx-note", None, "What is the annual rent for a full plot at the Meadow site?", []),
 ("n2", "docx-total", None, "How many visits did the Eastside branch have in total?", []),
 ("n3", "odt-total", None, "What is the total training cost for the maintenance team?", []),
 ("n4", "docx-gridbefore", None, "Who teaches the Friday yoga class?", []),
 ("n5", "docx-brackets", None, "What does a cyclist pay for a single in the low season?", []),
]

# (title, paragraphs before, header, rows, paragraphs after); a str row merged across the table, a tuple a row
# (first item an int n: the row starts in grid column n); "## " starts a heading
DOCS = {
 "allotment-rents.docx": ("Allotment rents 2026", [
    "## Renting a plot",
    "The parish council lets allotment plots on two sites. Rent is due on 1 October for the year ahead, and the "
    "water charge pays for the standpipes on each site.",
    "## Rents by site"], ("Plot size", "Annual rent", "Water charge"), [
    "Riverside site",
    ("Half plot", "£38", "£7"),
    "Prices include VAT",
    ("Full plot", "£70", "£12"),
    "Hilltop site",
    ("Half plot", "£30", "£5"),
    "See note 3",
    ("Full plot", "£55", "£9"),
    "* Raised beds by arrangement"], [
    "Note 3: the Hilltop site has no mains water in winter; the charge covers the summer months only.",
    "Tenants over 65 pay half rent on either site."]),
 "hall-hire-rates.odt": ("Village hall hire rates", [
    "## Booking the hall",
    "The hall is booked through the bookings secretary. A deposit is taken for every booking and returned after "
    "the keys are handed back and the rooms are checked."], ("Room", "Hourly rate", "Deposit"), [
    "Daytime (before 5 pm)",
    "All rates include heating and lighting",
    ("Main hall", "£24", "£50"),
    ("Committee room", "£12", "£20"),
    "Evening (after 5 pm)",
    "Kitchen use is charged separately",
    ("Main hall", "£32", "£50"),
    ("Committee room", "£16", "£20")], [
    "Kitchen use costs £10 a booking.",
    "Regular weekly hirers get one free hour a month."]),
 "library-visits.docx": ("Library visits and loans, January and February", [
    "## Figures",
    "Visits are counted at the door; loans include renewals made at the desk but not those made online."],
    ("Month", "Visits", "Loans"), [
    "Central library",
    ("January", "4,210", "3,020"),
    ("February", "3,980", "2,870"),
    "Eastside branch",
    ("January", "1,150", "940"),
    ("February", "1,090", "880"),
    ("Total", "10,430", "7,710")], [
    "March's figures will be published with the quarterly report."]),
 "training-budget.odt": ("Staff training budget 2026", [
    "## Courses booked",
    "Each team's manager books courses from the approved list. Places are paid for when they are booked."],
    ("Course", "Places", "Cost"), [
    "Care team",
    ("First aid", "6", "£720"),
    ("Manual handling", "8", "£480"),
    ("Total", "14", "£1,200"),
    "Kitchen team",
    ("Food hygiene", "5", "£375"),
    ("Allergen awareness", "5", "£250"),
    ("Total", "10", "£625"),
    ("Total", "24", "£1,825")], [
    "Courses not on the approved list need the director's sign-off."]),
 "yoga-timetable.docx": ("Riverside studio: yoga timetable", [
    "## Classes this term",
    "Classes last an hour. Mats are provided, but please bring a towel and water."],
    ("Day", "Time", "Class", "Teacher"), [
    ("Monday", "09:30", "Gentle yoga", "Ines Moreau"),
    (1, "18:30", "Power yoga", "Dev Anand"),
    ("Wednesday", "10:00", "Chair yoga", "Ruth Olsen"),
    (1, "19:00", "Yin yoga", "Kofi Mensah"),
    ("Saturday", "08:00", "Sunrise flow", "Ines Moreau")], [
    "Book a place at the front desk or by phone."]),
 "ferry-fares.docx": ("Island ferry fares", [
    "## Fares",
    "Fares are paid at the harbour office before boarding. A return is valid for a month."],
    ("Ticket", "Single", "Return"), [
    "High (May–Sep) season",
    ("Adult foot passenger", "£9.20", "£16.00"),
    ("Car and driver", "£44.00", "£80.00"),
    "Low (Oct–Apr) season",
    ("Adult foot passenger", "£7.10", "£12.50"),
    ("Car and driver", "£35.00", "£64.00")], [
    "Children under 5 travel free."]),
}

MARKS = {"allotment-rents.docx": "bold", "hall-hire-rates.odt": "heading-rows", "library-visits.docx": "repeat",
         "training-budget.odt": "heading-style", "yoga-timetable.docx": "bold", "ferry-fares.docx": "style"}

PAGES = {
 "swimming-lessons.html": """<!doctype html><html><head><meta charset="utf-8"><title>Swimming lessons</title>
</head><body><h1>Children's swimming lessons, spring term</h1>
<p>Lessons run for ten weeks. A term is paid in full when the place is booked.</p>
<table>
<thead><tr><th>Level</th><th>Day</th><th>Term fee</th></tr></thead>
<tbody>
<tr><th colspan="3">Northside pool</th></tr>
<tr><td>Beginners</td><td>Monday</td><td>£58</td></tr>
<tr><td colspan="3">Prices include pool entry</td></tr>
<tr><td>Improvers</td><td>Wednesday</td><td>£62</td></tr>
<tr><th colspan="3">The Lido</th></tr>
<tr><td>Beginners</td><td>Saturday</td><td>£61</td></tr>
<tr><td colspan="3">Lessons are cancelled in thunderstorms</td></tr>
<tr><td>Improvers</td><td>Saturday</td><td>£66</td></tr>
</tbody>
</table>
<p>Ask at reception about sibling discounts.</p>
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
