"""Round 55 (benchmarks/r55_html_tables.py): lookups in tables on intranet-style HTML pages, written before the
change was measured. Five invented pages (CC0), each with paragraphs of prose around its tables that talk about the
same things, their tables marked as web pages mark them: a leisure centre's prices (a `<th>` header row; a price grid
whose top-left cell is empty over `<th>` row headers), a reception rota (a `<thead>` of `<td>` cells, a day's cell
spanning two rows), library opening hours (a `<th>` header row), a facilities contact list (a `<th>` header row, and
a two-column `<th>`-keyed box of general contacts), allotment fees (a `<th>` header row, and a plain three-column
table of plot sizes with no header mark, left `a | b` before and after). 24 answerable lookups and 5 near misses
whose key is in no table (a ticket, a day, a branch, a person, a plot size); Q as r52_tables.py reads it.
`python benchmarks/r55_html_tables_data.py SHARE` writes the pages."""
import sys
from pathlib import Path

Q = [
 ("p1", "th-header", "leisure-prices.html", "How much is the adult annual season ticket at the leisure centre?",
  ["£420", "420"]),
 ("p2", "th-header", "leisure-prices.html", "How much is a monthly junior membership?", ["£18", "18"]),
 ("p3", "th-header", "leisure-prices.html", "What does the annual family ticket cost?", ["£760", "760"]),
 ("p4", "corner-grid", "leisure-prices.html", "How much is an off-peak swim for a senior?", ["£3.10", "3.10"]),
 ("p5", "corner-grid", "leisure-prices.html", "What is the peak price of a child's swim?", ["£2.90", "2.90"]),
 ("p6", "corner-grid", "leisure-prices.html", "How much does an adult pay for a peak swim?", ["£5.40", "5.40"]),
 ("r1", "thead-rowspan", "reception-rota.html", "Who covers the Wednesday afternoon reception shift?",
  ["callum reid"]),
 ("r2", "thead-rowspan", "reception-rota.html", "Who is on reception on Monday morning?", ["nadia begum"]),
 ("r3", "thead-rowspan", "reception-rota.html", "Who works the Friday late shift on reception?", ["ewan doyle"]),
 ("r4", "thead-rowspan", "reception-rota.html", "What is the backup phone number for Tuesday's morning shift?",
  ["07700 900 214"]),
 ("l1", "th-header", "library-hours.html", "When is Millbrook library open on Saturdays?",
  ["9:00-12:30", "9:00 to 12:30", "9:00 - 12:30"]),
 ("l2", "th-header", "library-hours.html", "What are Hillside library's weekday opening hours?",
  ["10:00-18:00", "10:00 to 18:00", "10:00 - 18:00"]),
 ("l3", "th-header", "library-hours.html", "What is the phone number of Quayside library?", ["01632 960 552"]),
 ("l4", "th-header", "library-hours.html", "What are Orchard Park library's Saturday opening hours?",
  ["10:00-13:00", "10:00 to 13:00", "10:00 - 13:00"]),
 ("c1", "th-header", "facilities-contacts.html", "What is Lena Fischer's extension?", ["5312"]),
 ("c2", "th-header", "facilities-contacts.html", "Which room is the fire safety officer in?", ["a1.07"]),
 ("c3", "th-header", "facilities-contacts.html", "Who is the cleaning supervisor?", ["joseph mensah"]),
 ("c4", "th-header", "facilities-contacts.html", "What is Ravi Patel's job?", ["maintenance engineer"]),
 ("c5", "th-keys", "facilities-contacts.html", "What is the facilities helpdesk email address?",
  ["facilities@kingsway.example"]),
 ("c6", "th-keys", "facilities-contacts.html", "What number do I call for security out of hours?",
  ["01632 960 900"]),
 ("a1", "th-header", "allotment-fees.html", "How much is the water charge for an allotment?", ["£22", "22"]),
 ("a2", "th-header", "allotment-fees.html", "When is the allotment key deposit paid?", ["on signing", "signing"]),
 ("a3", "plain", "allotment-fees.html", "How much is the yearly rent for a half plot?", ["£38", "38"]),
 ("a4", "plain", "allotment-fees.html", "What size is a quarter plot?", ["62", "62 m"]),
 ("u1", "unanswerable", None, "How much is the student annual season ticket at the leisure centre?", []),
 ("u2", "unanswerable", None, "Who is on reception on Saturday morning?", []),
 ("u3", "unanswerable", None, "When is Eastfield library open on Saturdays?", []),
 ("u4", "unanswerable", None, "What is Marta Kowalski's extension?", []),
 ("u5", "unanswerable", None, "How much is the yearly rent for a double plot?", []),
]


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/staff'>Staff</a></nav><main><h1>{title}</h1>{body}</main>"
            "<footer><p>Page owner: Facilities office. Last reviewed March 2026.</p></footer></body></html>")


def _rows(rows: list[tuple[str, ...]], cell: str = "td") -> str:
    return "".join("<tr>" + "".join(f"<{cell}>{v}</{cell}>" for v in r) + "</tr>" for r in rows)


def _th_table(head: tuple[str, ...], rows: list[tuple[str, ...]], caption: str = "") -> str:
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table class='data'>{cap}<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + _rows(rows) + \
        "</table>"


PAGES = {
 "leisure-prices.html": _page("Riverside Leisure Centre: prices from April 2026", (
    "<p>Riverside Leisure Centre is run by the council's leisure trust. Prices are reviewed every April; this year "
    "most prices rose by about four per cent, and junior prices were frozen.</p>"
    "<h2>Memberships</h2><p>A membership covers the gym, the pool and classes. Annual tickets are paid in one sum; "
    "monthly tickets by direct debit with a one-month notice period.</p>"
    + _th_table(("Ticket", "Annual", "Monthly"), [
        ("Adult", "£420", "£39"), ("Junior (under 18)", "£190", "£18"), ("Senior (over 65)", "£300", "£28"),
        ("Family (2 adults, 2 children)", "£760", "£69"), ("Concession", "£250", "£23")], "Season tickets")
    + "<h2>Swimming</h2><p>Casual swims are paid at reception. Peak times are weekday evenings after 17:00 and all day "
    "at weekends; other times are off-peak.</p>"
    "<table class='data'><tr><th></th><th>Peak</th><th>Off-peak</th></tr>"
    "<tr><th>Adult</th><td>£5.40</td><td>£4.20</td></tr><tr><th>Child</th><td>£2.90</td><td>£2.20</td></tr>"
    "<tr><th>Senior</th><td>£3.80</td><td>£3.10</td></tr><tr><th>Spectator</th><td>£1.00</td><td>free</td></tr>"
    "</table><p>Children under 8 must be accompanied in the water by an adult. Swimming lessons are booked "
    "separately through the lessons office.</p>")),
 "reception-rota.html": _page("Main reception rota, week beginning 9 March", (
    "<p>Reception is staffed from 08:00 to 18:00. The early shift runs 08:00-13:00 and the late shift 13:00-18:00. "
    "If you cannot cover your shift, swap with a colleague and tell the office manager.</p>"
    "<p>The backup phone is the mobile of the person who covers a shift when its receptionist is called away.</p>"
    "<table><thead><tr><td>Day</td><td>Shift</td><td>Receptionist</td><td>Backup phone</td></tr></thead><tbody>"
    "<tr><td rowspan='2'>Monday</td><td>Early</td><td>Nadia Begum</td><td>07700 900 101</td></tr>"
    "<tr><td>Late</td><td>Tom Fraser</td><td>07700 900 102</td></tr>"
    "<tr><td rowspan='2'>Tuesday</td><td>Early</td><td>Olu Adeyemi</td><td>07700 900 214</td></tr>"
    "<tr><td>Late</td><td>Nadia Begum</td><td>07700 900 101</td></tr>"
    "<tr><td rowspan='2'>Wednesday</td><td>Early</td><td>Tom Fraser</td><td>07700 900 102</td></tr>"
    "<tr><td>Late</td><td>Callum Reid</td><td>07700 900 317</td></tr>"
    "<tr><td rowspan='2'>Thursday</td><td>Early</td><td>Callum Reid</td><td>07700 900 317</td></tr>"
    "<tr><td>Late</td><td>Olu Adeyemi</td><td>07700 900 214</td></tr>"
    "<tr><td rowspan='2'>Friday</td><td>Early</td><td>Priya Nair</td><td>07700 900 425</td></tr>"
    "<tr><td>Late</td><td>Ewan Doyle</td><td>07700 900 536</td></tr></tbody></table>"
    "<p>The late shift locks the front doors at 18:00 and sets the alarm. Parcels that arrive after 17:30 are kept "
    "in the post room until the next morning.</p>")),
 "library-hours.html": _page("Library opening hours", (
    "<p>All five branch libraries are run by the council. Hours below apply from 1 February; bank holiday hours are "
    "posted in each branch two weeks ahead.</p><p>The Central library's local studies room keeps shorter hours: "
    "ask at the desk.</p><h2>Branches</h2>"
    + _th_table(("Branch", "Monday to Friday", "Saturday", "Sunday", "Phone"), [
        ("Central", "9:00-19:00", "9:00-17:00", "11:00-15:00", "01632 960 500"),
        ("Millbrook", "9:30-17:00", "9:00-12:30", "Closed", "01632 960 517"),
        ("Hillside", "10:00-18:00", "10:00-14:00", "Closed", "01632 960 534"),
        ("Quayside", "9:00-17:30", "9:30-13:00", "12:00-16:00", "01632 960 552"),
        ("Orchard Park", "13:00-19:00", "10:00-13:00", "Closed", "01632 960 568")])
    + "<p>Returns can be made at any branch, and the book drop at Central is open at all times.</p>")),
 "facilities-contacts.html": _page("Facilities team: who to contact", (
    "<p>The facilities team looks after the buildings, the car park, cleaning and safety on the Kingsway site. "
    "Report a fault on the service desk first; call a person below only when something is urgent or unsafe.</p>"
    "<table class='box'><tr><th>Helpdesk phone</th><td>01632 960 700</td></tr>"
    "<tr><th>Helpdesk email</th><td>facilities@kingsway.example</td></tr>"
    "<tr><th>Security out of hours</th><td>01632 960 900</td></tr></table><h2>The team</h2>"
    + _th_table(("Name", "Role", "Extension", "Room"), [
        ("Lena Fischer", "Facilities manager", "5312", "B2.01"),
        ("Ravi Patel", "Maintenance engineer", "5325", "B2.04"),
        ("Hannah Cole", "Fire safety officer", "5331", "A1.07"),
        ("Joseph Mensah", "Cleaning supervisor", "5340", "C0.03"),
        ("Dev Sharma", "Car park and security", "5302", "Lodge"),
        ("Amy Lin", "Health and safety adviser", "5336", "A1.09")])
    + "<p>Lena Fischer approves requests for room changes and new furniture. Keys are issued at the lodge.</p>")),
 "allotment-fees.html": _page("Allotments: plots and fees 2026", (
    "<p>The town council lets 84 allotment plots at Meadow Lane and Brook Street. Rent is due each year on 1 October "
    "for the year ahead; tenants who join mid-year pay for the months left.</p><h2>Plot sizes</h2>"
    "<table><tr><td>Plot</td><td>Size</td><td>Yearly rent</td></tr><tr><td>Full plot</td><td>250 square metres</td>"
    "<td>£72</td></tr><tr><td>Half plot</td><td>125 square metres</td><td>£38</td></tr><tr><td>Quarter plot</td>"
    "<td>62 square metres</td><td>£21</td></tr></table><h2>Other charges</h2>"
    + _th_table(("Charge", "Amount", "When paid"), [
        ("Water charge", "£22", "With the rent"), ("Key deposit", "£15", "On signing"),
        ("Shed permit", "£10", "Once, before building"), ("Skip hire share", "£6", "March")])
    + "<p>Tenants over 65 or on pension credit pay half rent. The key deposit is refunded when the key is "
    "returned.</p>")),
}


def build(D: Path) -> None:
    D.mkdir(exist_ok=True, parents=True)
    for name, html in PAGES.items():
        (D / name).write_text(html, encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
