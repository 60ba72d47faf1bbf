"""Round 57: the disfluency repair on the kinds round 56 left broken (benchmarks/r57_disfluency_more_data.py, CC0,
invented: editing phrases in the middle, postposed repairs, "like"/"you know" fillers, commas typed without a
space; 46 disfluent questions with their repaired forms, 46 fluent ones that must not change; and a fresh 16 + 16
written after the rules were final), and on round 56's
own sets (tests/appliance/test_r56_disfluency.py, read as data) so the earlier repairs are seen not to regress.
No model: the normalised question is compared with the expected one, exactly.

    PYTHONPATH=<tree> python benchmarks/r57_disfluency_more.py          # counts, and every miss
    PYTHONPATH=<tree> python benchmarks/r57_disfluency_more.py -q       # counts only

Run it once with the tree before a change and once with the tree after it."""
from __future__ import annotations

import runpy
import sys
from collections import Counter
from pathlib import Path

from ragtune.appliance.normalize import normalize_query

HERE = Path(__file__).resolve().parent
R56 = HERE.parent / "tests" / "appliance" / "test_r56_disfluency.py"
R56_REPAIRS = ("REPAIRS", "MEND_REPAIRS", "REPAIRS_MEND3", "REPAIRS_MEND7", "REPAIRS_MEND9")
R56_FLUENT = ("CONTROLS", "MEND_CONTROLS", "FLUENT_MEND3", "FLUENT_MEND7", "FLUENT_MEND9")


def score(repairs: list[tuple[str, str, str]], fluent: list[str]) -> tuple[Counter, Counter, list[str]]:
    """(right per kind, total per kind, misses): a repair is right when the normalised question is the expected
    one; a fluent question when it comes out as it went in."""
    right: Counter = Counter()
    total: Counter = Counter()
    misses = []
    for kind, raw, want in repairs:
        got = normalize_query(raw)
        total[kind] += 1
        if got == want:
            right[kind] += 1
        else:
            misses.append(f"  [{kind}] {raw!r}\n      want {want!r}\n      got  {got!r}")
    for q in fluent:
        got = normalize_query(q)
        total["fluent"] += 1
        if got == q:
            right["fluent"] += 1
        else:
            misses.append(f"  [fluent] {q!r}\n      got  {got!r}")
    return right, total, misses


def main(argv: list[str]) -> None:
    quiet = argv[:1] == ["-q"]
    data = runpy.run_path(str(HERE / "r57_disfluency_more_data.py"))
    r56 = runpy.run_path(str(R56))
    sets = {
        "r57 invented": (data["DISFLUENT"], data["FLUENT"]),
        "r57 fresh (written after the rules)": (data["DISFLUENT_FRESH"], data["FLUENT_FRESH"]),
        "r56 sets": ([(name, raw, want) for name in R56_REPAIRS for raw, want in r56[name]],
                     [q for name in R56_FLUENT for q in r56[name]]),
    }
    for title, (repairs, fluent) in sets.items():
        right, total, misses = score(repairs, fluent)
        kinds = [k for k in total if k != "fluent"]
        fixed = sum(right[k] for k in kinds)
        print(f"{title}: repairs {fixed}/{sum(total[k] for k in kinds)} "
              f"({', '.join(f'{k} {right[k]}/{total[k]}' for k in kinds)}); "
              f"fluent unchanged {right['fluent']}/{total['fluent']}")
        if not quiet:
            print("\n".join(misses))


if __name__ == "__main__":
    main(sys.argv[1:])
