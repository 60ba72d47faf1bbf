"""Round 57: answers from grouped tables holding the rows round 56 misread (a note merged across the table amid its
groups, a total under the last group, a .docx row starting in a later grid column, group names with brackets),
measured. Writes the seven invented documents of benchmarks/r57_group_rows_more_data.py into SHARE (made if missing),
ingests it into a fresh HOME with the real default appliance (arm C) and asks each question once, writing one JSON
line per question (benchmarks/r52_tables.py's runner and scoring: right, wrong-as-ok, refused; a near miss is right
when refused). It is benchmarks/r54_doc_tables.py run with `--data r57_group_rows_more_data.py --by-format` (round
58: no copy of its command line).

    PYTHONPATH=<tree> python benchmarks/r57_group_rows_more.py SHARE HOME OUT.jsonl

With `--text` as a fourth argument it prints each document's loader text instead (no model): the before/after of
the loaders' output. Before/after: the same script with PYTHONPATH at a copy of the start commit (`git archive`)
and at the tree with the change."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).resolve().parent / "r54_doc_tables.py"))["main"](
        ["--data", "r57_group_rows_more_data.py", "--by-format", *sys.argv[1:]])
