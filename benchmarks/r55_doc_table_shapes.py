"""Round 55: answers from tables inside prose documents of the shapes round 54 left `a | b` or misread (a header
over every column but the first, a title merged across the table above its header row, a "# of seats" column),
measured. Writes the five invented documents of benchmarks/r55_doc_table_shapes_data.py into SHARE (made if missing),
ingests it into a fresh HOME with the real default appliance (arm C: the configured adapter) and asks each question
once, writing one JSON line per question (benchmarks/r52_tables.py's runner and scoring: right, wrong-as-ok, refused;
a near miss is right when refused).

    PYTHONPATH=<tree> python benchmarks/r55_doc_table_shapes.py SHARE HOME OUT.jsonl

Before/after: the same script with PYTHONPATH at a copy of the start commit (`git archive`) and at the tree with the
change. It prints the tree it imported, the counts per shape and in all, and the chunks each document got."""
from __future__ import annotations

import collections
import json
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(share: str, home: str, out: str) -> None:
    import ragtune

    print("ragtune from", ragtune.__file__, file=sys.stderr)
    data = str(HERE / "r55_doc_table_shapes_data.py")
    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        runpy.run_path(data)["build"](Path(share))
    runpy.run_path(str(HERE / "r52_tables.py"))["main"](share, home, data, out)
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    for fmt in sorted({r["fmt"] for r in rows}):
        print("answerable", fmt, dict(collections.Counter(r["verdict"] for r in rows
                                                          if r["fmt"] == fmt and r["gold"] is not None)))
    total = collections.Counter(r["verdict"] for r in rows if r["gold"] is not None)
    near = collections.Counter(r["verdict"] for r in rows if r["gold"] is None)
    print("answerable", dict(total), "near misses", dict(near))
    runpy.run_path(str(HERE / "r54_doc_tables.py"))["_chunks"](home)


if __name__ == "__main__":
    main(*sys.argv[1:4])
