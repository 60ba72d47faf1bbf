"""Round 55: answers from tables on HTML pages, measured. Writes the five invented pages
of benchmarks/r55_html_tables_data.py into SHARE (made if missing), ingests it into a fresh HOME with the real default
appliance and asks each question once, writing one JSON line per question (benchmarks/r52_tables.py's runner and
scoring: right, wrong-as-ok, refused; a near miss is right when refused).

    PYTHONPATH=<tree> python benchmarks/r55_html_tables.py SHARE HOME OUT.jsonl

Before/after: the same script with PYTHONPATH at a copy of the start commit (`git archive`) and at the working tree.
It prints the tree it imported, the chunks each page got, and the counts per shape and in all."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(share: str, home: str, out: str) -> None:
    runpy.run_path(str(HERE / "r54_doc_tables.py"))["run"](share, home, out, "r55_html_tables_data.py")


if __name__ == "__main__":
    main(*sys.argv[1:4])
