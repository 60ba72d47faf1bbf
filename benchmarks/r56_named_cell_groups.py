"""Round 56 (mend5, mend10): the cell the question names (ragtune/appliance/namedcell.py) in rows under a GROUP row,
whose loader line carries the group's name in its first value, its key (`Key no.: K-03 (Block B); …`; mend5 wrote it
first, unlabelled), before the model.

    PYTHONPATH=<tree> python benchmarks/r56_named_cell_groups.py

For each answerable question of benchmarks/r56_group_rows_data.py (and of r55_doc_table_shapes_data.py and
r55_html_tables_data.py, whose matrices start their rows with an unlabelled key), its
document's loader text, the rows holding a gold answer that share the most words with the question (ties: each),
each served in two ways: "alone" (with 2 rows of another document) and "table" (with every other row of its table,
as a search that finds the table serves it); each cell of the row taken as the model's pick (cited to that row): how
many the rule moves, and right->wrong, wrong->right, wrong->wrong, right->right (against the gold answers). Then
"keys": every grouped row of the grouped tables and every question of its document, counting the moves onto the
row's first cell (its key, holding the group's name), which the rule must never make. Then "prefixed": every row of
benchmarks/r55_named_cell_same.py's "rows" sets (registers, ledgers, r52-r54 tables: rows keyed by their first cell)
that shares a word with a question of its document, served alone with an invented group's name written into its
key (`Key no.: K-03 (Group A); …`, as the loaders write a grouped row), each cell as the pick, against the same row
without it: the moves must be the same (a group's name changes which row, never
which cell is the key). The documents are the repository's own (invented)."""
import collections
import runpy
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the grouped rows first; then round 55's document and web-page tables, matrices among them (an empty top-left cell:
# `Weekday; Adult: £5; Child: £3`), whose moves must stay
SETS = ("r56_group_rows_data", "r55_doc_table_shapes_data", "r55_html_tables_data")


def _holds(text: str, answers: list[str]) -> bool:
    return any(a and a.lower() in text.lower() for a in answers)


def main() -> None:
    import ragtune
    from ragtune.appliance.ingest.loaders import load_file

    print("using", ragtune.__file__, file=sys.stderr)
    counts: dict = collections.defaultdict(collections.Counter)
    moves: list = []
    for data in SETS:
        mod = runpy.run_path(str(HERE / f"{data}.py"))
        with tempfile.TemporaryDirectory() as tmp:
            mod["build"](Path(tmp))
            texts = {p.name: load_file(p).text for p in sorted(Path(tmp).iterdir())}
        tables = {name: [ln for ln in text.split("\n") if "; " in ln and ": " in ln and not ln.startswith("#")]
                  for name, text in texts.items()}
        picks(data, mod["Q"], tables, counts, moves)
        if data == SETS[0]:
            keys(mod["Q"], tables, counts, moves)
    prefixed(counts, moves)
    for key, c in sorted(counts.items()):
        print(f"{key}: {dict(c)}")
    for way, qid, q, pick, new, kind in moves:
        print(f"  {kind:12s} {way}:{qid} {q!r}: {pick!r} -> {new!r}")


def picks(data: str, questions: list, tables: dict[str, list[str]], counts: dict, moves: list) -> None:
    from ragtune.appliance.extractive import cell_span
    from ragtune.appliance.namedcell import named_cell, terms
    from ragtune.appliance.tablematch import row_cells
    from ragtune.appliance.types import ContextItem

    names = sorted(tables)
    for qid, _, gold, q, answers in questions:
        if not gold:
            continue
        rows = tables[gold]
        other = tables[names[(names.index(gold) + 1) % len(names)]][-2:]
        asked = terms(q)
        held = [r for r in rows if _holds(r, answers)]
        best = max((len(terms(r) & asked) for r in held), default=0)
        for row in (r for r in held if len(terms(r) & asked) == best):
            for way in ("alone", "table"):
                ctx = [ContextItem("S1", row, source=f"/share/{gold}")]
                more = ([(o, "/share/other.docx") for o in other] if way == "alone"
                        else [(o, f"/share/{gold}") for o in rows if o != row])
                ctx += [ContextItem(f"S{j + 2}", o, source=src) for j, (o, src) in enumerate(more)]
                for _, value in row_cells(row) or ():
                    pick = cell_span(value, ctx)
                    got = named_cell(pick, ["S1"], q, ctx)
                    c = counts[f"{data}:{way}"]
                    c["picks"] += 1
                    if got is None:
                        continue
                    was, now = _holds(pick, answers), _holds(got[0], answers)
                    kind = f"{'right' if was else 'wrong'}->{'right' if now else 'wrong'}"
                    c[kind] += 1
                    moves.append((f"{data}:{way}", qid, q, pick, got[0], kind))


def keys(questions: list, tables: dict[str, list[str]], counts: dict, moves: list) -> None:
    """Every grouped row, every question of its document: no move onto its key, the first cell holding the group."""
    from ragtune.appliance.extractive import cell_span
    from ragtune.appliance.namedcell import named_cell
    from ragtune.appliance.tablematch import row_cells
    from ragtune.appliance.types import ContextItem

    for qid, _, gold, q, _ in questions:
        if not gold:
            continue
        for row in tables[gold]:
            cells = row_cells(row) or []
            if len(cells) < 2 or not cells[0][0] or not cells[0][1].endswith(")"):
                continue  # (a grouped row: `Label: key (Group); …`)
            for way in ("alone", "table"):
                ctx = [ContextItem("S1", row, source=f"/share/{gold}")]
                if way == "table":
                    ctx += [ContextItem(f"S{j + 2}", o, source=f"/share/{gold}")
                            for j, o in enumerate(o for o in tables[gold] if o != row)]
                for _, value in cells:
                    got = named_cell(cell_span(value, ctx), ["S1"], q, ctx)
                    c = counts[f"keys-{way}"]
                    c["picks"] += 1
                    if got is not None:
                        c["moved"] += 1
                        if got[0] == cells[0][1]:
                            c["to-key"] += 1
                            moves.append((f"key-{way}", qid, q, value, got[0], "TO KEY"))


def prefixed(counts: dict, moves: list) -> None:
    from ragtune.appliance.extractive import cell_span
    from ragtune.appliance.namedcell import named_cell, terms
    from ragtune.appliance.tablematch import row_cells
    from ragtune.appliance.types import ContextItem

    same = runpy.run_path(str(HERE / "r55_named_cell_same.py"))
    with tempfile.TemporaryDirectory() as tmp:
        sets = same["_sets"](Path(tmp))
    c = counts["prefixed"]
    for name, path, text, qs in sets:
        for row in same["_rows_of"](path, text):
            lines = row.split("\n")
            at = next((k for k, ln in enumerate(lines) if ": " in ln and not ln.startswith("#")), None)
            cells = row_cells(row) or []
            if at is None or len(cells) < 2 or not cells[0][0]:
                continue
            grouped = "\n".join(lines[:at] + [lines[at].replace("; ", " (Group A); ", 1)] + lines[at + 1:])
            for qid, q, _ in qs:
                if not terms(q) & terms(row):
                    continue  # a row the question says nothing of
                for _, value in cells:
                    got = [named_cell(cell_span(value, ctx), ["S1"], q, ctx) for ctx in (
                        [ContextItem("S1", t, source=f"/share/{path.name}")] for t in (row, grouped))]
                    c["picks"] += 1
                    plain, group = (g and g[0] for g in got)
                    if plain == group:
                        c["same" if plain is None else "same-move"] += 1
                        continue
                    kind = "to-key" if group in (cells[0][1], f"{cells[0][1]} (Group A)") else "differs"
                    c[kind] += 1
                    moves.append((f"prefixed-{name}", qid, q, value, f"{plain!r} / grouped {group!r}", kind))


if __name__ == "__main__":
    main()
