"""Round 53 (benchmarks/r52_tables.py): held-out table lookups for the key-row lever (ragtune/appliance/tablematch.py),
written before it was tuned. Four invented tables (CC0), each with near-miss rows: a borrower who approves others'
loans, a product priced in two years, an engineer who is another week's backup, a booker with three bookings; 10
answerable questions and 3 near-miss unanswerable ones (a name, a week, a year with no row), Q as r52_tables.py reads
it. `python benchmarks/r53_tables_data.py SHARE` writes the tables."""
import sys
from pathlib import Path

Q = [
 ("h1", "held-csv", "equipment-loans.csv", "Which item has Priya Nair borrowed?", ["tablet"]),
 ("h2", "held-csv", "equipment-loans.csv", "Who approved Jon Weiss's loan?", ["ava lindqvist"]),
 ("h3", "held-csv", "equipment-loans.csv", "What is the asset tag of the item Sam Okafor borrowed?", ["at-2230"]),
 ("h4", "held-xlsx", "price-list.xlsx", "What is the 2025 unit price of the office chair?", ["119"]),
 ("h5", "held-xlsx", "price-list.xlsx", "Who supplied the stapler in 2025?", ["officehub"]),
 ("h6", "held-csv", "on-call-rota.csv", "What is Clara Holt's phone number when she is on call?", ["07700 900444"]),
 ("h7", "held-csv", "on-call-rota.csv", "Who is the backup engineer in week 12?", ["ines duarte"]),
 ("h8", "held-xlsx", "room-bookings.xlsx", "Which room is booking BK-504 in?", ["birch"]),
 ("h9", "held-xlsx", "room-bookings.xlsx", "How many guests are expected for booking BK-503?", ["12"]),
 ("h10", "held-xlsx", "room-bookings.xlsx", "Who booked the Elm room on 9 May?", ["tariq aziz"]),
 ("u1", "held-unanswerable", None, "What is Priya Shah's asset tag?", []),
 ("u2", "held-unanswerable", None, "Who is the backup engineer in week 20?", []),
 ("u3", "held-unanswerable", None, "What was the 2023 unit price of the desk lamp?", []),
]

LOANS = [("Tom Becker", "Laptop", "AT-2201", "2025-03-04", "Priya Nair"),
         ("Lena Fischer", "Projector", "AT-2214", "2025-03-11", "Priya Nair"),
         ("Sam Whitfield", "Tablet", "AT-2305", "2025-03-25", "Jon Weiss"),
         ("Ava Lindqvist", "Laptop", "AT-2252", "2025-03-06", "Priya Nair"),
         ("Marco Conti", "Microphone", "AT-2273", "2025-02-28", "Jon Weiss"),
         ("Priya Nair", "Tablet", "AT-2247", "2025-03-19", "Jon Weiss"),
         ("Hiro Sato", "Laptop", "AT-2289", "2025-03-21", "Jon Weiss"),
         ("Jon Weiss", "Headset", "AT-2268", "2025-03-14", "Ava Lindqvist"),
         ("Lena Brooks", "Monitor", "AT-2291", "2025-03-07", "Priya Nair"),
         ("Sam Okafor", "Camera", "AT-2230", "2025-02-27", "Jon Weiss"),
         ("Grace Mwangi", "Camera", "AT-2316", "2025-03-02", "Jon Weiss"),
         ("Olu Adeyemi", "Projector", "AT-2320", "2025-03-28", "Priya Nair")]
PRICES = [("Desk lamp", 2024, 18.5, "Brightway"), ("Office chair", 2024, 129, "SitWell"),
          ("Whiteboard", 2024, 64, "Markit"), ("Stapler", 2024, 7.2, "Markit"),
          ("Paper A4 box", 2024, 24.99, "PaperCo"), ("Desk lamp", 2025, 21, "Brightway"),
          ("Office chair", 2025, 119, "SitWell"), ("Whiteboard", 2025, 71.5, "Markit"),
          ("Stapler", 2025, 7.8, "OfficeHub"), ("Paper A4 box", 2025, 26.49, "PaperCo")]
ROTA = [("Week 9", "Mark Ellis", "Clara Holt", "07700 900101"),
        ("Week 10", "Ines Duarte", "Mark Ellis", "07700 900111"),
        ("Week 11", "Clara Holt", "Yusuf Kaya", "07700 900444"),
        ("Week 12", "Yusuf Kaya", "Ines Duarte", "07700 900333"),
        ("Week 13", "Ben Adler", "Clara Holt", "07700 900555"), ("Week 14", "Ines Duarte", "Ben Adler", "07700 900111"),
        ("Week 15", "Mark Ellis", "Yusuf Kaya", "07700 900101"), ("Week 16", "Ben Adler", "Mark Ellis", "07700 900555")]
BOOKINGS = [("BK-501", "Oak room", "Lucy Grant", 45783, 8), ("BK-502", "Elm room", "Raj Menon", 45783, 4),
            ("BK-503", "Oak room", "Raj Menon", 45784, 12), ("BK-504", "Birch room", "Lucy Grant", 45785, 6),
            ("BK-505", "Elm room", "Tariq Aziz", 45786, 10), ("BK-506", "Birch room", "Raj Menon", 45786, 5),
            ("BK-507", "Elm room", "Lucy Grant", 45787, 9), ("BK-508", "Oak room", "Tariq Aziz", 45790, 3)]


def build(D: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "appliance"))
    import xlsx_build as X

    D.mkdir(exist_ok=True, parents=True)
    C = X.Cell
    (D / "equipment-loans.csv").write_text("\n".join(["Borrower,Item,Asset tag,Due back,Approved by"]
                                                     + [",".join(r) for r in LOANS]) + "\n", encoding="utf-8")
    (D / "on-call-rota.csv").write_text("\n".join(["Week,Engineer,Backup,Phone"] + [",".join(r) for r in ROTA]) + "\n",
                                        encoding="utf-8")
    (D / "price-list.xlsx").write_bytes(X.build_xlsx([X.Sheet("Prices", [
        ["Product", "Year", "Unit price", "Supplier"],
        *[[p, y, C(v, "0.00"), s] for p, y, v, s in PRICES]])], title="Price list"))
    (D / "room-bookings.xlsx").write_bytes(X.build_xlsx([X.Sheet("Bookings", [
        ["Meeting room bookings"], ["Booking", "Room", "Booked by", "Date", "Guests"],
        *[[b, r, w, C(d, "d mmm yyyy"), g] for b, r, w, d, g in BOOKINGS]])], title="Room bookings"))


if __name__ == "__main__":
    build(Path(sys.argv[1]))
