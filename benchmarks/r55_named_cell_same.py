"""Round 55, the cell the question names (ragtune/appliance/namedcell.py, after candidates.choose_span's cell cut):
what it changes before the model. The old code has no such step, so one run of the new code is compared with the
cut alone.

    PYTHONPATH=<tree> python benchmarks/r55_named_cell_same.py

Prints, per set, how many picks the rule moves, and how they fare against the gold answers:
- "rows": for each lookup of the bundled corpus's registers and ledgers (qa.jsonl) and of benchmarks/r52_tables_data.py,
  r53_tables_data.py and r54_doc_tables_data.py (their tables; .docx/.odt read a line a source), the row holding a
  gold answer that shares the most words with the question (the row it names; ties: each) served with 2 rows of
  another document, and each of that row's cells taken as the model's pick (the
  winner cited to that row): moved or not, and right->wrong (the pick held a gold answer, the new one none),
  wrong->right, wrong->wrong, right->right;
- "prose": every question of every corpus domain whose gold document is no table (md, txt, html: a markdown table
  included), its gold document's paragraphs served, the gold answer and 4-word windows of the first paragraphs as
  picks: how many move (never, by construction: no row is served);
- "corpus-rows": the same as "prose" for the corpus's csv documents served as BEIR rows are (`corpus.jsonl#<path>`
  sources, the `ragtune eval run` form), the gold answer's row alone (the one sharing most words with the question),
  the gold answer and 4-word windows of that row as picks.
Documents and tables are the repository's own (bundled, invented); nothing of the eval sets is read."""
import collections
import json
import runpy
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "ragtune" / "models" / "corpus"
TABLE_SUFFIXES = (".csv", ".xlsx", ".ods", ".docx", ".odt")


def _rows_of(path: Path, text: str) -> list[str]:
    from ragtune.appliance.ingest.table_chunks import _spans

    if path.suffix in (".docx", ".odt"):  # a document's table a row a source, its prose a line a source
        return [line for line in text.split("\n") if line.strip()]
    return [text[a:b] for a, b in _spans(text)]


def _sets(tmp: Path) -> list[tuple[str, Path, str, list[tuple[str, str, list[str]]]]]:
    """(set, path, loaded text, [(id, question, answers)]) of every table document with its lookups."""
    from ragtune.appliance.ingest.loaders import load_file

    out = []
    for domain in ("registers", "ledgers"):
        qa = [json.loads(line) for line in (CORPUS / domain / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
        for p in sorted((CORPUS / domain / "docs").rglob("*.csv")):
            rel = str(p.relative_to(CORPUS / domain / "docs"))
            qs = [(r["id"], r["question"], [r["answer"]]) for r in qa if r.get("gold_doc") == rel and r.get("answer")]
            out.append((domain, p, load_file(p).text, qs))
    for name in ("r52_tables_data", "r53_tables_data", "r54_doc_tables_data"):
        mod = runpy.run_path(str(ROOT / "benchmarks" / f"{name}.py"))
        mod["build"](tmp / name)
        for p in sorted((tmp / name).iterdir()):
            qs = [(qid, q, accept) for qid, _, gold, q, accept in mod["Q"] if gold == p.name]
            out.append((name, p, load_file(p).text, qs))
    return out


def _holds_gold(text: str, answers: list[str]) -> bool:
    return any(a and a.lower() in text.lower() for a in answers)


def rows(counts: dict, moves: list) -> None:
    from ragtune.appliance.extractive import cell_span
    from ragtune.appliance.namedcell import named_cell, terms
    from ragtune.appliance.tablematch import row_cells
    from ragtune.appliance.types import ContextItem

    with tempfile.TemporaryDirectory() as tmp:
        sets = _sets(Path(tmp))
    for n, (name, path, text, qs) in enumerate(sets):
        chunks = _rows_of(path, text)
        other = _rows_of(sets[(n + 1) % len(sets)][1], sets[(n + 1) % len(sets)][2])[-2:]
        for qid, q, answers in qs:
            asked = terms(q)
            held = [c for c in chunks if _holds_gold(c, answers)]
            best = max((len(terms(c) & asked) for c in held), default=0)
            for row in (c for c in held if len(terms(c) & asked) == best):  # the row the question names most
                ctx = [ContextItem("S1", row, source=f"/share/{path.name}")]
                ctx += [ContextItem(f"S{j + 2}", o, source="/share/other.csv") for j, o in enumerate(other)]
                for _, value in row_cells(row) or ():
                    pick = cell_span(value, ctx)
                    got = named_cell(pick, ["S1"], q, ctx)
                    c = counts[f"rows:{name}"]
                    c["picks"] += 1
                    if got is None:
                        continue
                    was, now = _holds_gold(pick, answers), _holds_gold(got[0], answers)
                    kind = f"{'right' if was else 'wrong'}->{'right' if now else 'wrong'}"
                    c[kind] += 1
                    moves.append((name, qid, q, pick, got[0], kind))


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def prose(counts: dict, moves: list) -> None:
    from ragtune.appliance.ingest.loaders import load_file
    from ragtune.appliance.namedcell import named_cell, terms
    from ragtune.appliance.types import ContextItem

    for domain in sorted(p.name for p in CORPUS.iterdir() if (p / "qa.jsonl").exists()):
        docs = CORPUS / domain / "docs"
        for line in (CORPUS / domain / "qa.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            gold = r.get("gold_doc")
            if not gold or not (docs / gold).exists():
                continue
            path = docs / gold
            text = load_file(path).text
            table = path.suffix in TABLE_SUFFIXES
            src = f"/eval/corpus.jsonl#{domain}/{gold}" if table else str(path)
            parts = _rows_of(path, text) if table else _paragraphs(text)
            picks = [r["answer"]] if r.get("answer") else []
            picks += [" ".join(w[i:i + 4]) for p in parts[:3] for w in [p.split()] for i in range(0, len(w) - 3, 3)]
            key = "corpus-rows" if table else "prose"
            if table:  # the gold row alone (the one naming most of the question's words; else the first rows)
                held = [p for p in parts if picks[:1] and _holds_gold(p, picks[:1])]
                parts = sorted(held, key=lambda p: -len(terms(p) & terms(r["question"])))[:1] or parts[:3]
            ctx = [ContextItem(f"S{i + 1}", p, source=src) for i, p in enumerate(parts[:8])]
            for pick in picks:
                counts[key]["picks"] += 1
                got = named_cell(pick, [c.id for c in ctx], r["question"], ctx)
                if got is not None:
                    ok = _holds_gold(pick, [r.get("answer", "")]), _holds_gold(got[0], [r.get("answer", "")])
                    kind = f"{'right' if ok[0] else 'wrong'}->{'right' if ok[1] else 'wrong'}"
                    counts[key][kind] += 1
                    moves.append((domain, r["id"], r["question"], pick, got[0], kind))


def main() -> None:
    import ragtune

    print("using", ragtune.__file__, file=sys.stderr)
    counts: dict = collections.defaultdict(collections.Counter)
    moves: list = []
    rows(counts, moves)
    prose(counts, moves)
    for key, c in sorted(counts.items()):
        print(f"{key}: {dict(c)}")
    for name, qid, q, pick, new, kind in moves:
        print(f"  {kind:12s} {name}:{qid} {q!r}: {pick!r} -> {new!r}")


if __name__ == "__main__":
    main()
