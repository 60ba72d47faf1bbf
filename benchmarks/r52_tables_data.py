"""Round 52 (benchmarks/r52_tables.py): four invented tables (CC0) with the answer rows past the first ones and near-miss
rows (two Daniels, three Marias; the same date for two courses), and 20 lookup questions over them (Q)."""
import random
import sys
from pathlib import Path

Q = [
 ("n1","new-csv","staff-directory.csv","What is Daniel Reed's phone extension?",["4364"]),
 ("n2","new-csv","staff-directory.csv","Which desk is Daniel Cho at?",["d-151"]),
 ("n3","new-csv","staff-directory.csv","Which team does Maria Silva work in?",["warehouse"]),
 ("n4","new-csv","staff-directory.csv","Who is Maria Lund's line manager?",["maria silva"]),
 ("n5","new-csv","staff-directory.csv","What is Kofi Varga's extension?",["4375"]),
 ("n6","new-csv","training-courses.csv","Who runs the Public speaking course on 4 August?",["jonas pike"]),
 ("n7","new-csv","training-courses.csv","Which room is the Customer care course on 16 September in?",["4.33"]),
 ("n8","new-csv","training-courses.csv","How many places are left on the Forklift safety course on 1 August?",["12"]),
 ("n9","new-csv","training-courses.csv","Who is the trainer for the Negotiation course on 22 August?",["esther vogel"]),
 ("n10","new-csv","training-courses.csv","When is the Fire warden course run by Ruth Abara?",["2025-09-22","22 sep"]),
 ("n11","new-xlsx","vehicle-fleet.xlsx","Who drives the vehicle with registration KX23 NJV?",["hana ito"]),
 ("n12","new-xlsx","vehicle-fleet.xlsx","What is the mileage of KX22 RNS?",["78,589","78589"]),
 ("n13","new-xlsx","vehicle-fleet.xlsx","When is the next MOT for KX24 TGU?",["2025-10-17","17 oct"]),
 ("n14","new-xlsx","vehicle-fleet.xlsx","Which vehicle has the registration KX21 QMR?",["ford focus"]),
 ("n15","new-xlsx","vehicle-fleet.xlsx","What is the registration of the Kia Niro driven by Faye Lim?",["kx23 xkr"]),
 ("n16","new-xlsx","maintenance-requests.xlsx","Who is assigned to maintenance request MR-3254?",["wen zhou"]),
 ("n17","new-xlsx","maintenance-requests.xlsx","What is the status of maintenance request MR-3261?",["waiting for parts"]),
 ("n18","new-xlsx","maintenance-requests.xlsx","What issue was reported in maintenance request MR-3233?",["broken light"]),
 ("n19","new-xlsx","maintenance-requests.xlsx","Where is maintenance request MR-3275?",["lift 1"]),
 ("n20","new-xlsx","maintenance-requests.xlsx","What is the phone number of the lift contractor?",["0113 496 0303"]),
]


def build(D: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "appliance"))
    import xlsx_build as X

    D.mkdir(exist_ok=True, parents=True)
    C = X.Cell
    rnd = random.Random(52)
    first = ["Daniel","Maria","Owen","Leila","Hugo","Nina","Felix","Rosa","Ivan","Chloe","Kofi","Maya","Pavel","Ines","Theo"]
    last = ["Cho","Reed","Varga","Osei","Brandt","Lund","Moreau","Kaur","Silva","Doyle","Haas","Nowak","Quist","Ruiz","Tamm"]
    # 1 staff directory (csv): near-miss first names (Daniel Cho / Daniel Reed; Maria Lund / Maria Silva)
    teams = ["Payroll","Legal","Warehouse","Design","Support","Procurement"]
    names = [f"{first[i % 15]} {last[(i * 7 + 3 + i // 15 * 4) % 15]}" for i in range(30)]
    names[17], names[24], names[21], names[26] = "Daniel Cho", "Daniel Reed", "Maria Lund", "Maria Silva"
    rows = ["Name,Team,Desk,Extension,Line manager"]
    for i, n in enumerate(names):
        rows.append(f"{n},{teams[i % 6]},D-{100 + i * 3},{4100 + i * 11},{names[(i + 5) % 30] if i % 4 else 'Greta Holm'}")
    (D / "staff-directory.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    dirrows = [r.split(",") for r in rows[1:]]
    # 2 training courses (csv)
    topics = ["First aid","Fire warden","Excel basics","Excel advanced","Negotiation","GDPR refresher","Forklift safety",
              "Public speaking","Time management","Manual handling","Project planning","Customer care"]
    trainers = ["Ruth Abara","Colm Byrne","Esther Vogel","Jonas Pike","Mei Tan"]
    crow = ["Course,Date,Trainer,Room,Places left"]
    for i in range(28):
        crow.append(f"{topics[i % 12]},2025-{7 + i // 10:02d}-{(i * 3) % 27 + 1:02d},{trainers[(i * 2) % 5]},Room {1 + i % 4}.{10 + i},{(i * 5) % 13}")
    (D / "training-courses.csv").write_text("\n".join(crow) + "\n", encoding="utf-8")
    courses = [r.split(",") for r in crow[1:]]
    # 3 vehicle fleet (xlsx)
    makes = ["Ford Transit","Vauxhall Vivaro","Toyota Corolla","Nissan Leaf","Ford Focus","Kia Niro"]
    drivers = ["Alan Pryce","Beth Cole","Carl Dunn","Dina Shah","Eli Ford","Faye Lim","Gus Kerr","Hana Ito"]
    fleet = []
    for i in range(26):
        fleet.append([f"KX{20 + i % 5} {chr(65 + i)}{chr(70 + i % 9)}{chr(80 + i % 7)}", makes[i % 6], drivers[(i * 3) % 8],
                      C(45700 + i * 13, "yyyy-mm-dd"), C(12000 + i * 3917 % 80000, "#,##0")])
    (D / "vehicle-fleet.xlsx").write_bytes(X.build_xlsx([X.Sheet("Fleet", [["Company vehicles"],
        ["Registration", "Vehicle", "Driver", "Next MOT", "Mileage"], *fleet])], title="Vehicle fleet"))
    # 4 maintenance requests (xlsx), two sheets
    locs = ["Kitchen 1","Kitchen 2","Stairwell A","Stairwell B","Car park","Lift 1","Lift 2","Roof"]
    issues = ["Dripping tap","Broken light","Door sticks","Heater noisy","Blocked drain","Cracked tile","Lock jammed"]
    staff = ["Ron Bale","Sue Maddox","Vik Rao","Wen Zhou"]
    req = []
    for i in range(30):
        req.append([f"MR-{3100 + i * 7}", locs[(i * 5) % 8], issues[(i * 3) % 7], staff[(i * 3 + 1) % 4],
                    ["Open", "Closed", "Waiting for parts"][i % 3]])
    (D / "maintenance-requests.xlsx").write_bytes(X.build_xlsx([
        X.Sheet("Requests", [["Request", "Location", "Issue", "Assigned to", "Status"], *req]),
        X.Sheet("Contractors", [["Trade", "Company", "Phone"], ["Plumbing", "Aqua Fix Ltd", "0113 496 0101"],
                                ["Electrical", "Volt Works", "0113 496 0202"], ["Lifts", "UpRight Lifts", "0113 496 0303"],
                                ["Roofing", "TopCover", "0113 496 0404"], ["Locks", "KeyMasters", "0113 496 0505"]])],
        title="Maintenance requests"))


if __name__ == "__main__":
    build(Path(sys.argv[1]))
