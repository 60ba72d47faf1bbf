"""Round 59: the near-miss check (`other_subject`, ragtune/appliance/near_miss.py) on numbers that name a thing, before
the model: benchmarks/r59_near_miss_numbers_data.py's near misses ("size 8" answered from the size 7 row, "the 2024
accounts" from the 2025 accounts) and right answers whose number is no rival (the same number, a count, a page
reference, a range or list holding it, a bound).

    PYTHONPATH=<tree> python benchmarks/r59_near_miss_numbers.py

Each answer goes through the real refusal check (extractive, the sentence read under its document's title), no model
and no home. Prints one line per case to stderr, then the counts. Run it with the start tree and the new one
(PYTHONPATH), and compare.

Round 59 (start tree 9a295e8 -> final): right answers refused 12 -> 0 of 30; near misses refused 16 -> 20 of 21 (the
one left, marked "known": the question's number stands in the row as a count). The runner is r59_near_miss.py's."""
from __future__ import annotations

import runpy
from pathlib import Path

HERE = Path(__file__).resolve().parent


if __name__ == "__main__":
    runpy.run_path(str(HERE / "r59_near_miss.py"))["main"]("r59_near_miss_numbers_data.py")
