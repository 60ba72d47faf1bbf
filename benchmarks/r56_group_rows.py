"""Round 56: answers from document and web-page tables whose rows are grouped under a group row (a cell merged
across the whole table, a `<th colspan>` / `<td colspan>` over every column, a lone `<th scope="rowgroup">`),
measured. Writes the eight invented documents of benchmarks/r56_group_rows_data.py into SHARE (made if missing),
ingests it into a fresh HOME with the real default appliance (arm C: the configured adapter) and asks each question
once, writing one JSON line per question (benchmarks/r52_tables.py's runner and scoring: right, wrong-as-ok,
refused; a near miss is right when refused). It is benchmarks/r54_doc_tables.py run with `--data
r56_group_rows_data.py --by-format` (round 59: no copy of its command line).

    PYTHONPATH=<tree> python benchmarks/r56_group_rows.py SHARE HOME OUT.jsonl

With `--text` as a fourth argument it prints each document's loader text instead (no model): the before/after of
the loaders' output. Before/after: the same script with PYTHONPATH at a copy of the start commit (`git archive`)
and at the tree with the change."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).resolve().parent / "r54_doc_tables.py"))["main"](
        ["--data", "r56_group_rows_data.py", "--by-format", *sys.argv[1:]])
