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

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(share: str, home: str, out: str) -> None:
    runpy.run_path(str(HERE / "r54_doc_tables.py"))["run"](share, home, out, "r55_doc_table_shapes_data.py", by_format=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
