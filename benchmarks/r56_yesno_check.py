"""Round 56: a confirmation set for yes/no questions (answer_yesno.py) refused before their ruling sentence is served.
CC0, invented (benchmarks/r56_yesno_check_data.py: a campsite's rules, 15 yes/no questions whose ruling sentence is
in them, 8 near misses that must be refused, 5 controls of other kinds), written before the change it measures.
It is benchmarks/r55_yesno.py run with `--data r56_yesno_check_data.py` (round 59: no copy of its command line).

    PYTHONPATH=<tree> python benchmarks/r56_yesno_check.py SHARE HOME OUT.jsonl
    python benchmarks/r56_yesno_check.py --rescore OUT.jsonl
    python benchmarks/r56_yesno_check.py --compare A.jsonl B.jsonl

A yes/no answer is right when every word group of its `need` is in it (normalised as r54_parish normalises); a near
miss is right when refused ("near misses: refused"); controls are not scored and must not change (--compare)."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).resolve().parent / "r55_yesno.py"))["main"](
        ["--data", "r56_yesno_check_data.py", *sys.argv[1:]])
