"""Round 54 (benchmarks/r54_parish.py): a held-out answer benchmark from a tester's share. HELD-OUT: never used to tune
anything (no threshold, prompt, rule or training item may be chosen by looking at it; it measures). CC0: invented by
a tester (h6, round 54) for this purpose; "Ashcombe Parish Council", its people, places, numbers, phone numbers and
addresses are all invented (.example mail domains, Ofcom drama numbers).

Fifteen documents a parish clerk keeps, in the formats a share holds: minutes (.md, .txt, a .docx with a table),
bylaws (.md, .html), fees (.csv), hall hire rates (.xlsx: a table with a notes block under it), a bins FAQ (.html),
a roadworks letter (.txt), a contacts list (a .md table), grants guidance and a complaints procedure (.pdf), an email
(.eml, quoted-printable), a newsletter (.md), burial ground rules and charges (.docx with a table). The text files are
in benchmarks/r54_parish_texts.py verbatim; the .docx, .xlsx and .pdf are built here (python-docx, as
r54_doc_tables_data.py builds its .docx; the .xlsx and .pdf hand-written, as the tester made them: no new dependency).

Q: 45 answerable questions as people type them (typos and lower case kept), `(id, file, question, gold, forms)`:
`gold` the tester's answer, `forms` other short forms a right answer may take (benchmarks/r54_parish.py scores an
answer right when the normalised gold or a form is in it, or its F1 against the gold is >= 0.5). NEAR: 12 near
misses, `(id, question, why it has no answer)`, right when refused.
`python benchmarks/r54_parish_data.py SHARE` writes the share."""
from __future__ import annotations

import io
import runpy
import sys
import textwrap
import zipfile
from pathlib import Path

M3, M4 = "minutes_full_council_2026-03-12.md", "minutes_full_council_2026-04-09.txt"
CC, AL, ST = "councillors_and_contacts.md", "bylaw_allotments.md", "bylaw_street_trading.html"
FE, LE, FAQ = "fees_and_charges_2026-27.csv", "letter_mill_lane_roadworks.txt", "faq_bins_recycling.html"
PL, BU = "planning_committee_minutes_2026-05-07.docx", "burial_ground_regulations.docx"
GR, CO = "community_grants_guidance_2026.pdf", "complaints_procedure.pdf"
HA, EM, NE = "village_hall_hire_rates.xlsx", "email_summer_fete_2026.eml", "ashcombe_news_summer_2026.md"

Q = [
 ("m3-roofer", M3, "Which roofer got the job for the village hall roof?", "S. Polglase & Son (£6,920)",
  ["polglase"]),
 ("m3-precept", M3, "how much was the precept set at for 2026/27", "£58,500", []),
 ("m3-auditor", M3, "Who is the internal auditor for 2025/26 and what do they charge?", "Hartley Audit Services, £385",
  ["hartley audit"]),
 ("m3-cuppa", M3, "When is the cuppa with a copper drop-in?", "28 March, 10am–12noon, at the Hall", ["28 march"]),
 ("m3-waiting", M3, "How many people are on the allotment waiting list?", "11", []),
 ("m3-speedwatch", M3, "how many speedwatch volunteers are trained", "7", []),
 ("m3-lodges", M3, "What did the council say about the 6 holiday lodges at Higher Trewen Farm?",
  "Objected: unsafe access onto the B3274, outside the development boundary", ["objection", "access onto the b3274"]),
 ("m4-pcc", M4, "How much did the PCC grant for the speed gun come to?", "£1,000", []),
 ("m4-insurance", M4, "What's the insurance renewal cost this year?", "£1,127.40 (Came & Co)", ["£1,127.40"]),
 ("m4-gig", M4, "How much did the Gig Club get?", "£600 (asked for £750)", ["£600"]),
 ("m4-apm", M4, "When is the Annual Parish Meeting?", "Thursday 14 May 2026 at 6.30pm", ["14 may"]),
 ("m4-clock", M4, "Why was the church clock grant not given?", "Deferred: a second quote is needed",
  ["deferred", "2nd quote", "second quote"]),
 ("cc-clerk-days", CC, "what day does the clerk work?",
  "Monday to Wednesday (18 hours a week); office open to public Tuesdays 10am–1pm", ["monday to wednesday"]),
 ("cc-hall", CC, "Who do I contact to book the village hall?", "Sue Kittow, 01726 880555, bookings@ashcombehall.example",
  ["sue kittow", "01726 880555", "bookings@ashcombehall.example"]),
 ("cc-cooption", CC, "When do co-option applications for the vacant seat close?", "30 April 2026", []),
 ("al-chickens", AL, "Can I keep chickens on my allotment?",
  "Yes, hens (no cockerels) with written permission, up to 6 per full plot", ["hens"]),
 ("al-bonfire", AL, "When am I allowed a bonfire on the allotment?",
  "1 November to 28 February, only after 4pm, dry garden waste only", ["between 1 november and 28 february", "1 november to 28 february"]),
 ("al-hose", AL, "Can I use a hose on my allotment plot?",
  "No, hoses may not be connected to the troughs; water by can only", ["hoses may not"]),
 ("al-untidy", AL, "how long do i have to fix an untidy plot after the first warning letter", "28 days", []),
 ("st-finish", ST, "What time does the Saturday market finish?", "1pm (pitches cleared by 2pm)", ["1pm"]),
 ("st-insurance", ST, "How much public liability insurance does a market trader need?", "At least £5 million",
  ["£5 million"]),
 ("st-manager", ST, "who is the market manger", "Colin Jewell", []),
 ("st-generator", ST, "Can I run a petrol generator on my market stall?", "No, petrol generators are not permitted",
  ["not permitted"]),
 ("st-icecream", ST, "I want to sell ice cream from a van in the village on a weekday, who gives permission?",
  "Cornwall Council (street trading consent)", ["cornwall council"]),
 ("fe-pitch", FE, "How much is a casual market pitch this year?", "£20 per Saturday (2026/27)", ["£20"]),
 ("fe-football", FE, "How much is it to hire the playing field for an adult football match?",
  "£38.00 per match (2026/27)", ["£38"]),
 ("fe-plaque", FE, "Price of a memorial bench plaque?", "£195 (2026/27), bench supplied, 10 years", ["£195"]),
 ("le-start", LE, "When do the Mill Lane roadworks start?", "Monday 22 June 2026", ["22 june"]),
 ("le-hours", LE, "What hours will Mill Lane be closed?", "9.30am to 4pm each weekday", ["9.30am to 4pm"]),
 ("le-ref", LE, "What's the Highways reference for the Mill Lane works?", "HW/26/7731", []),
 ("faq-trewen", FAQ, "What day are bins collected in Trewen?", "Thursdays", ["thursday"]),
 ("faq-litter", FAQ, "Who empties the litter bins on the Square?",
  "The parish council's lengthsman, Barry Pascoe (Mondays and Fridays)",
  ["barry pascoe", "lengthsman", "the parish council does"]),
 ("pl-fore", PL, "What did the planning committee recommend for 22 Fore Street windows?",
  "Object: harm to listed building; timber sashes should be repaired", ["harm to listed building"]),
 ("pl-survey", PL, "How many responses did the housing needs survey get?", "312 (41% return rate)", ["312"]),
 ("bu-adult", BU, "What does an adult interment cost for a non-parishioner?", "£560", []),
 ("bu-right", BU, "How long is an exclusive right of burial granted for?", "75 years", []),
 ("gr-max", GR, "whats the maxium community grant", "£1,000", []),
 ("gr-round2", GR, "When is the deadline for round 2 grant applications?", "25 September", []),
 ("co-ack", CO, "how long does the clerk take to acknowledge a formal complaint", "5 working days", []),
 ("ha-main", HA, "How much is the main hall per hour for a local group?", "£12 per hour", ["12"]),
 ("ha-deposit", HA, "What is the deposit for a private party at the hall if alcohol is sold?", "£250", []),
 ("em-opening", EM, "Who is opening the summer fete?", "Dr Helen Carthew (retired GP)", ["helen carthew"]),
 ("em-castle", EM, "how much is the bouncy castle for the fete", "£350 (Kernow Kastles)", ["£350"]),
 ("ne-defib", NE, "Where are the defibrillators in the parish?",
  "Outside the Ship Inn (Fore Street), Village Hall wall by main door, Trewen chapel", []),
 ("ne-bus", NE, "what time is the first 527 bus in the morning", "7.12am from the Square", ["7.12am"]),
]

NEAR = [
 ("u-gazebo", "How much is a market pitch with a gazebo hire?", "gazebo hire is not listed"),
 ("u-june", "When was the June 2026 full council meeting held and what was decided?", "no June minutes"),
 ("u-surgeon", "Who is the parish council's tree surgeon?", "only a tree warden (Gerald Nance) is named"),
 ("u-wedding", "How much does it cost to hire the village hall on a Sunday for a wedding?", "no Sunday or wedding rate"),
 ("u-shed", "What is the fee for a shed permit on an allotment?", "no fee listed; permission only"),
 ("u-salary", "What is the clerk's annual salary?", "only the pay point (SCP 22) is given, no amount"),
 ("u-lights", "When is the Christmas lights switch-on?", "not in the share"),
 ("u-head", "What's the phone number of the Ashcombe School head teacher?", "not in the share"),
 ("u-pet", "How much does a pre-booked cemetery plot cost for a pet?", "no pet burial"),
 ("u-dogshow", "Who won the dog show at the fete?", "not in the share (the fete is in the future)"),
 ("u-biffa", "How much does Biffa charge to collect a bulky item like a sofa?", "not in the share"),
 ("u-fine", "How much is the parking fine on the Square for traders?", "no fine listed"),
]

# The two .docx as the tester made them with python-docx: ("h1"|"h2"|"p"|"bullet", text) or ("table", rows), the first
# row the header (plain cells, Word's "Table Grid" style, as many people's tables are).
DOCX = {
 PL: [
  ("h1", "Ashcombe Parish Council – Planning Committee"),
  ("p", "Minutes of the Planning Committee meeting held on Thursday 7 May 2026 at 6.15pm in the Committee Room, "
        "Ashcombe Village Hall."),
  ("p", "Present: Cllr Dev Anand (Chair of Committee), Cllr Marion Treloar, Cllr Tom Ferris. Clerk: Rachel Voss. "
        "Public: 6."),
  ("h2", "P26/11  Apologies"),
  ("p", "None – all members present."),
  ("h2", "P26/12  Applications considered"),
  ("table", [
   ("Ref", "Site", "Proposal", "Recommendation"),
   ("PA26/00581", "The Old Forge, Chapel Street", "Change of use from workshop to one holiday let",
    "Object – loss of employment use; no parking"),
   ("PA26/00602", "3 Trewen Hill", "Two-storey side extension", "No objection"),
   ("PA26/00619", "Ashcombe School", "Replacement of timber classroom with modular building", "Support"),
   ("PA26/00640", "Field east of Station Road", "24 dwellings incl. 8 affordable",
    "Object – flood risk, outside boundary, lack of school places"),
   ("PA26/00655", "22 Fore Street", "Listed building consent – replace 4 sash windows in uPVC",
    "Object – harm to listed building; timber sashes should be repaired")]),
  ("h2", "P26/13  Decisions received from Cornwall Council"),
  ("bullet", "PA26/00412 (14 Fore Street extension) – APPROVED 22 April 2026."),
  ("bullet", "PA26/00455 (6 holiday lodges, Higher Trewen Farm) – REFUSED 29 April 2026 on highway safety grounds, in "
             "line with the parish council’s objection."),
  ("h2", "P26/14  Neighbourhood Development Plan"),
  ("p", "Cllr Ferris reported that the NDP steering group has finished the housing needs survey (312 responses, a 41% "
        "return rate). The draft plan is expected to go to public consultation (Regulation 14) in September 2026. The "
        "consultant, Bryher Planning, has quoted £4,800 for the next stage, to be met from the Locality grant."),
  ("h2", "P26/15  Date of next meeting"),
  ("p", "Thursday 4 June 2026 at 6.15pm. The meeting closed at 7.05pm.")],
 BU: [
  ("h1", "St Petroc’s Burial Ground – Regulations and Charges"),
  ("p", "The burial ground on Church Lane is owned and managed by Ashcombe Parish Council (not the church). These "
        "regulations were adopted on 10 March 2022 and the charges apply from 1 April 2026."),
  ("h2", "Regulations"),
  ("p", "1. Burials are arranged through a funeral director, who must give the Clerk at least 3 clear working days’ "
        "notice."),
  ("p", "2. No burials take place on Sundays, bank holidays, or after 3pm in winter (November–February)."),
  ("p", "3. An Exclusive Right of Burial is granted for 75 years. It can be transferred only with the Clerk’s written "
        "consent."),
  ("p", "4. Memorials: headstones may be no more than 1.2m high and 0.9m wide. A memorial application form and fee "
        "must be approved before any memorial is placed."),
  ("p", "5. Kerbs, chippings, glass jars and solar lights are not permitted on graves in the lawn section."),
  ("p", "6. Fresh flowers may be left at any time; wreaths are removed 14 days after a funeral."),
  ("p", "7. The grounds are mown by the council’s contractor every 3 weeks from April to October."),
  ("h2", "Charges from 1 April 2026"),
  ("table", [
   ("Item", "Parishioner", "Non-parishioner"),
   ("Exclusive Right of Burial (75 years)", "£310", "£620"),
   ("Interment – adult", "£280", "£560"),
   ("Interment – child under 16", "No charge", "No charge"),
   ("Interment of ashes", "£120", "£240"),
   ("Headstone memorial permit", "£110", "£110"),
   ("Additional inscription", "£55", "£55")]),
  ("p", "A “parishioner” means someone who lived in the parish at the time of death or for 10 of the last 20 years. "
        "Enquiries: Rachel Voss, Parish Clerk, 01726 880300.")],
}

# The two .pdf: (title, lines); "# " and "## " lines are set larger, as headings; lines wrap at ~95 characters.
PDF = {
 GR: ("Community Grants Scheme 2026 - Guidance for applicants", [
  "# Ashcombe Parish Council",
  "## Community Grants Scheme 2026 - Guidance for Applicants",
  "",
  "The parish council sets aside money each year to support voluntary and community groups that benefit the people "
  "of Ashcombe. For 2026/27 the total grants budget is £4,000.",
  "",
  "## Who can apply",
  "Constituted voluntary groups, clubs, charities and the school PTA, based in or serving the parish. Groups must "
  "have a bank account in the group's name with at least two unrelated signatories.",
  "We do not fund individuals, businesses run for profit, political parties, or activities that promote a particular "
  "religion (church buildings may be funded for repairs that benefit the wider community, such as the clock or the "
  "toilets).",
  "",
  "## How much",
  "The maximum grant is £1,000. Most grants are between £200 and £600. Grants over £500 need two written quotes. We "
  "will not normally fund more than 50% of the total cost of a project over £2,000.",
  "",
  "## Deadlines",
  "There are two rounds a year. Round 1: applications must reach the Clerk by 27 March, decided at the April meeting. "
  "Round 2: applications by 25 September, decided at the October meeting. Late applications roll over to the next "
  "round.",
  "",
  "## How to apply",
  "1. Fill in the application form (available from the Clerk or the website).",
  "2. Attach your latest accounts or bank statement, your constitution, and quotes where needed.",
  "3. Send it to clerk@ashcombe-pc.example or drop it at the Old Reading Room.",
  "4. You may be invited to speak for up to 3 minutes at the meeting.",
  "",
  "## After you get a grant",
  "The money is paid by bank transfer within 21 days of the decision. You must spend it within 12 months and send the "
  "Clerk receipts and a short report (a paragraph and a photo is fine). Please mention the parish council's support "
  "in your publicity. Groups that have not reported on a previous grant cannot apply again until they do.",
  "",
  "Questions? Contact Rachel Voss, Parish Clerk, on 01726 880300."]),
 CO: ("Complaints Procedure", [
  "# Ashcombe Parish Council - Complaints Procedure",
  "Adopted 8 July 2021 (Minute 21/088). Next review due July 2027.",
  "",
  "This procedure covers complaints about the council's administration and procedures. It does NOT cover:",
  "- complaints about a councillor's conduct: these go to the Monitoring Officer at Cornwall Council;",
  "- complaints about the clerk as an employee: these are dealt with under the staff disciplinary procedure;",
  "- services run by Cornwall Council, such as bin collections, roads and planning decisions.",
  "",
  "## Stage 1 - informal",
  "Speak to or write to the Clerk. Most problems are sorted out this way. The Clerk will reply within 10 working days.",
  "",
  "## Stage 2 - formal",
  "1. If you are not happy with the reply, put your complaint in writing (letter or email) to the Clerk, marked "
  "\"Formal complaint\". If your complaint is about the Clerk, send it to the Chair of the council instead.",
  "2. The Clerk will acknowledge it within 5 working days.",
  "3. The complaint will be considered by a Complaints Panel of three councillors not involved in the matter, at a "
  "meeting within 6 weeks of the complaint being received.",
  "4. You may attend the panel meeting and bring one person with you.",
  "5. The Clerk will write to you with the panel's decision within 7 working days of the meeting.",
  "",
  "## Stage 3 - appeal",
  "If you are still not satisfied you may ask, within 20 working days of the decision letter, for the full council to "
  "review the decision. The full council's decision is final. There is no Local Government Ombudsman route for parish "
  "councils.",
  "",
  "Anonymous complaints will not normally be investigated. Persistent or vexatious complaints will be dealt with under "
  "the council's separate policy."]),
}

# The .xlsx: one sheet, a title row, the rates table, a blank row and a notes block under it (None: an empty cell).
XLSX = {HA: ("Hire rates 2026", [
 ["Ashcombe Village Hall - hire rates from 1 April 2026"],
 ["Room", "Local groups (per hour)", "Private/commercial (per hour)", "Capacity", "Notes"],
 ["Main hall", 12, 20, 120, "Includes stage and chairs"],
 ["Committee Room", 7, 11, 20, "Tea/coffee making"],
 ["Kitchen (with a room booking)", 5, 8, None, "Dishwasher, 2 ovens"],
 ["Whole building - Saturday", None, 240, 120, "Flat rate 9am to midnight"],
 ["Children's party (main hall, 3 hours)", None, 45, 60, "Weekend afternoons only"],
 [],
 ["Deposit", "Refundable damage deposit £100 for private parties; £250 if alcohol is sold"],
 ["Cancellation", "Full refund with 14 days notice; 50% with 7-13 days notice; none after that"],
 ["Music", "Amplified music must stop by 11pm; premises licence ends at midnight"],
 ["Bookings", "Sue Kittow, 01726 880555, bookings@ashcombehall.example"]])}


def docx_bytes(blocks: list) -> bytes:
    import docx  # python-docx, as the tests and r54_doc_tables_data.py use it

    d = docx.Document()
    for kind, value in blocks:
        if kind == "table":
            t = d.add_table(rows=0, cols=len(value[0]))
            t.style = "Table Grid"
            for row in value:
                for cell, text in zip(t.add_row().cells, row):
                    cell.text = text
        elif kind in ("h1", "h2"):
            d.add_heading(value, int(kind[1]))
        else:
            d.add_paragraph(value, style="List Bullet" if kind == "bullet" else None)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A minimal PDF 1.4 of text lines (Helvetica, WinAnsi), A4 pages, as a small office tool writes one."""
    wrapped: list[tuple[str, float]] = []
    for ln in lines:
        size = 11 if not ln else 15 if ln.startswith("# ") else 12 if ln.startswith("## ") else 10.5
        wrapped += [(w, size) for w in textwrap.wrap(ln.lstrip("# "), 95 if size < 12 else 70) or [""]]
    pages: list[list[tuple[str, float, float]]] = [[]]
    y = 800.0
    for w, s in wrapped:
        if y < 60:
            pages.append([])
            y = 800.0
        pages[-1].append((w, s, y))
        y -= s + 5
    objs: list[bytes] = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    for p in pages:  # objects 2 .. 1+n: the pages' contents
        ops = b"\n".join(b"BT /F1 %s Tf 50 %d Td (" % (str(s).encode(), yy) + w.replace("\\", "\\\\").replace(
            "(", "\\(").replace(")", "\\)").encode("cp1252") + b") Tj ET" for w, s, yy in p)
        objs.append(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
    n = len(pages)
    parent = 2 + 2 * n
    objs += [b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 1 0 R >> >> "
             b"/Contents %d 0 R >>" % (parent, 2 + i) for i in range(n)]
    objs.append(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (2 + n + i) for i in range(n))
                + b"] /Count %d >>" % n)
    objs.append(b"<< /Title (" + title.encode("cp1252") + b") /Producer (h6 handmade) >>")
    objs.append(b"<< /Type /Catalog /Pages %d 0 R >>" % parent)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, len(objs), len(objs) - 1, xref)
    return bytes(out)


def xlsx_bytes(sheet: str, rows: list[list]) -> bytes:
    """A hand-written one-sheet OOXML workbook, inline strings (no shared strings, no styles), as small tools write."""
    from xml.sax.saxutils import escape, quoteattr

    def cell(ref: str, v) -> str:
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'

    data = "".join(f'<row r="{i}">' + "".join(cell(f"{chr(65 + j)}{i}", v) for j, v in enumerate(r) if v is not None)
                   + "</row>" for i, r in enumerate(rows, 1))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{pkg}content-types"><Default '
        f'Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
        f'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}'
        f'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}relationships"><Relationship '
        f'Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
        f'<sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{main}">'
        f"<sheetData>{data}</sheetData></worksheet>"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def build(D: Path) -> None:
    """Write the fifteen documents into D (made if missing)."""
    D.mkdir(exist_ok=True, parents=True)
    texts = runpy.run_path(str(Path(__file__).resolve().parent / "r54_parish_texts.py"))["TEXTS"]
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
