"""Round 57: a second confirmation set for yes/no questions (answer_yesno.py) refused before their ruling sentence
is served. CC0, invented (benchmarks/r57_yesno_more_data.py: a gym's rules, 15 yes/no questions whose ruling sentence
is in them, 8 near misses that must be refused, 5 controls of other kinds), written before the change it measures.
It runs benchmarks/r55_yesno.py's runner and scorer over its own data (imported, not copied).

    PYTHONPATH=<tree> python benchmarks/r57_yesno_more.py SHARE HOME OUT.jsonl
    python benchmarks/r57_yesno_more.py --rescore OUT.jsonl
    python benchmarks/r57_yesno_more.py --compare A.jsonl B.jsonl

A yes/no answer is right when every word group of its `need` is in it (normalised as r54_parish normalises); a near
miss is right when refused ("near misses: refused"); controls are not scored and must not change (--compare)."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = "r57_yesno_more_data.py"


def main(argv: list[str]) -> None:
    yesno = runpy.run_path(str(HERE / "r55_yesno.py"))
    if argv[:1] == ["--rescore"]:
        print(yesno["table"](yesno["_load"](argv[1], DATA)))
    elif argv[:1] == ["--compare"]:
        yesno["compare"](argv[1], argv[2], DATA)
    else:
        yesno["run"](*argv[:3], data=DATA)


if __name__ == "__main__":
    main(sys.argv[1:])
