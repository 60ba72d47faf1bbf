"""Round 54, one reader of a table row (ragtune/appliance/rowcells.py, behind tablematch.row_cells and
extractive.table_cells): what it changes before the model, old code vs new.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r54_rowcells_same.py OUT_DIR/before.json, then without
PYTHONPATH OUT_DIR/after.json, then `python benchmarks/r54_rowcells_same.py OUT_DIR/before.json OUT_DIR/after.json`
prints the keys that differ with both values (every one, per kind). Per key, repr of:
- "rows": tablematch.row_cells and extractive.table_cells of each chunk of each table document (a row with the lines
  above it, as ingest/table_chunks.py cuts it) and table_cells of each whole document;
- "keep": extractive.extractive_sources(ctx, question) ids (tablematch.key_rows) and "span": extractive.cell_span of
  spans run across cells (4-word windows of each served row, the gold answers), for each question of the bundled
  corpus's registers and ledgers (qa.jsonl) and of benchmarks/r52_tables_data.py and r53_tables_data.py (their
  tables), its gold document's rows served: all of them, windows of 6 with 2 rows of another document, and each row
  holding a gold answer alone with those 2;
- "random": generated tables (labels of 1-11 words or 85 characters, empty header cells, values holding "; ", ": ",
  "Word:", "|", a trailing ";"), seed 54: row_cells of each row, table_cells of each row and of the table, key_rows
  of a question naming a row's first value and a label.
Documents and tables are the repository's own (bundled, invented); nothing of the eval sets is read."""
import json
import random
import runpy
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "ragtune" / "models" / "corpus"


def _docs(tmp: Path) -> dict[str, tuple[str, list[tuple[str, str, str, list[str]]]]]:
    """name -> (text, questions (id, question, gold doc name or "", answers)) for every table document."""
    from ragtune.appliance.ingest.loaders import load_file

    docs: dict[str, str] = {}
    questions: list[tuple[str, str, str, str, list[str]]] = []  # (set, id, question, gold doc or "", answers)
    for domain in ("registers", "ledgers"):
        for p in sorted((CORPUS / domain / "docs").rglob("*.csv")):
            docs[f"{domain}/{p.relative_to(CORPUS / domain / 'docs')}"] = load_file(p).text
        for line in (CORPUS / domain / "qa.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            questions.append((domain, r["id"], r["question"], f"{domain}/{r['gold_doc']}" if r.get("gold_doc") else "",
                              [r["answer"]] if r.get("answer") else []))
    for name in ("r52_tables_data", "r53_tables_data"):
        mod = runpy.run_path(str(ROOT / "benchmarks" / f"{name}.py"))
        mod["build"](tmp / name)
        for p in sorted((tmp / name).iterdir()):
            docs[f"{name}/{p.name}"] = load_file(p).text
        questions += [(name, qid, q, f"{name}/{gold}" if gold else "", accept) for qid, _, gold, q, accept in mod["Q"]]
    # a question with no gold document (unanswerable) is asked of every table of its set
    return {name: (text, [(qid, q, gold, a) for s, qid, q, gold, a in questions
                          if gold == name or (not gold and name.startswith(s + "/"))])
            for name, text in docs.items()}


def _chunks(text: str) -> list[str]:
    from ragtune.appliance.ingest.table_chunks import _spans

    return [text[a:b] for a, b in _spans(text)]


def _windows(text: str) -> list[str]:
    words = text.split("\n")[-1].split()
    return [" ".join(words[i:i + 4]) for i in range(0, max(len(words) - 3, 0), 2)][:12]


def _asks(out: dict, key: str, q: str, ctx: list, answers: list[str]) -> None:
    from ragtune.appliance.extractive import cell_span, extractive_sources

    out[f"keep:{key}"] = [cid for cid, _ in extractive_sources(ctx, q)]
    spans = [a for a in answers if any(a in c.text for c in ctx)] + [w for c in ctx[:3] for w in _windows(c.text)]
    out[f"span:{key}"] = [(s, cell_span(s, ctx)) for s in spans]


def corpus(out: dict) -> None:
    from ragtune.appliance.extractive import table_cells
    from ragtune.appliance.injection import source_view
    from ragtune.appliance.tablematch import row_cells
    from ragtune.appliance.types import ContextItem

    with tempfile.TemporaryDirectory() as tmp:
        docs = _docs(Path(tmp))
    names = sorted(docs)
    for n, name in enumerate(names):
        text, questions = docs[name]
        chunks = _chunks(text)
        out[f"rows:{name}:doc"] = table_cells(text, source_view(text).blocks)
        for i, c in enumerate(chunks):
            out[f"rows:{name}:{i}"] = (row_cells(c), table_cells(c, source_view(c).blocks))
        other = _chunks(docs[names[(n + 1) % len(names)]][0])[:2]
        src = f"/share/{name}"
        for qid, q, _, answers in questions:
            ctx = [ContextItem(f"S{i + 1}", c, source=src) for i, c in enumerate(chunks)]
            _asks(out, f"{name}:{qid}:all", q, ctx, answers)
            for w in range(0, len(chunks), 6):
                ctx = [ContextItem(f"S{i + 1}", c, source=src) for i, c in enumerate(chunks[w:w + 6])]
                ctx += [ContextItem(f"S{len(ctx) + i + 1}", c, source="/share/other.csv") for i, c in enumerate(other)]
                _asks(out, f"{name}:{qid}:w{w}", q, ctx, answers)
            for i, c in enumerate(chunks):  # the answer's row alone of its table, beside 2 rows of another
                if any(a and a.lower() in c.lower() for a in answers):
                    ctx = [ContextItem("S1", c, source=src)]
                    ctx += [ContextItem(f"S{j + 2}", o, source="/share/other.csv") for j, o in enumerate(other)]
                    _asks(out, f"{name}:{qid}:one{i}", q, ctx, answers)


LABELS = ["Name", "Team", "Assigned to", "Line manager", "Opening hours", "Notes", "Phone", "Sat", "Item", "Price",
          "Date of the last visit by the engineer on call this week", "A very long column label of exactly ten words",
          "Ratio 1:2", "x" * 85, "Sizes", "Total", "", "Status"]
VALUES = ["Daniel Reed", "Payroll", "4364", "Mon-Fri: 9-5; Sat: 10-2", "call first; then wait", "S | M | L",
          "see: the memo", "Vik Rao", "2025-08-22", "ends with;", "Total:", "Star Wars: A New Hope", "Sat: closed",
          "note; Team: Legal", "a; b; c", "10:30", "Broken light", "Kestrel Pool", "12.50", "Bank holidays: closed",
          "the part we ordered from the supplier last month was wrong: returned", "one; two three four five six seven "
          "eight nine: x", ":", "Mon: 9; Tue: 10", "D-172"]


def generated(out: dict, n: int = 4000) -> None:
    from ragtune.appliance.extractive import extractive_sources, table_cells
    from ragtune.appliance.ingest.loaders.tablerows import labelled_line
    from ragtune.appliance.injection import source_view
    from ragtune.appliance.tablematch import row_cells
    from ragtune.appliance.types import ContextItem

    rnd = random.Random(54)
    for t in range(n):
        width = rnd.randint(2, 5)
        header = dict(enumerate(rnd.sample(LABELS, width)))
        rows = [labelled_line(header, {c: rnd.choice(VALUES) for c in range(width) if rnd.random() < 0.9} or {0: "x"})
                for _ in range(rnd.randint(1, 4))]
        head = "## Sheet: S\n" if rnd.random() < 0.3 else ""
        for i, r in enumerate(rows):
            out[f"random:{t}:{i}"] = (r, row_cells(head + r), table_cells(r, source_view(r).blocks))
        table = "\n".join(rows)
        out[f"random:{t}:table"] = (table, table_cells(table, source_view(table).blocks))
        row = rnd.choice(rows)
        key = row.split("; ")[0].partition(": ")[2] or row.split("; ")[0]
        q = f"What is the {rnd.choice(LABELS).lower()} of {key}?"
        ctx = [ContextItem(f"S{i + 1}", head + r, source="/share/t.csv") for i, r in enumerate(rows)]
        out[f"random:{t}:keep"] = (q, [cid for cid, _ in extractive_sources(ctx, q)])


def compare(a: str, b: str) -> None:
    old, new = json.load(open(a)), json.load(open(b))
    assert old.keys() == new.keys(), "different items"
    kinds: dict[str, list[str]] = {}
    for k in old:
        kinds.setdefault(k.split(":")[0], [])
        if old[k] != new[k]:
            kinds[k.split(":")[0]].append(k)
    for kind, keys in sorted(kinds.items()):
        print(f"{kind}: {len(keys)} of {sum(k.split(':')[0] == kind for k in old)} differ")
        for k in keys:
            print(" ", k, "\n    old:", old[k], "\n    new:", new[k])


def main(args: list[str]) -> None:
    if len(args) == 2:
        return compare(*args)
    import ragtune

    print("using", ragtune.__file__, file=sys.stderr)
    out: dict = {}
    corpus(out)
    generated(out)
    json.dump({k: repr(v) for k, v in out.items()}, open(args[0], "w"), indent=0, sort_keys=True)
    print(len(out), "keys", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
