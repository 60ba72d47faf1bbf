"""Round 55: a held-out answer benchmark on an invented housing co-operative's share. HELD-OUT: never used to tune
anything (it measures; no threshold, prompt, rule or training item may be chosen by looking at its questions or
answers). CC0, invented (benchmarks/r55_coop_data.py: 16 documents in 9 formats, 45 questions as members type them,
12 near misses; the text files verbatim in benchmarks/r55_coop_texts.py).

    PYTHONPATH=<tree> python benchmarks/r55_coop.py SHARE HOME OUT.jsonl [ARMS]

The same harness and scoring as benchmarks/r54_parish.py (its `normalise`, `f1`, `is_right`, `verdict`, `table`,
runner and rescorer are used as they are, given this set's questions): writes the share into SHARE when it is
missing or empty, ingests it into HOME (use a fresh one) with the real default appliance, and asks every question
once per arm in one process (ARMS "C,A" when left out: C the default appliance, A `--adapter none`). One JSON line per
question and arm, then the table per arm and per document format. An answer is right when its normalised text holds
the normalised gold or a listed form (whole words) or its token F1 against the gold is >= 0.5; a near miss is right
when refused. `python benchmarks/r55_coop.py --rescore OUT.jsonl` scores a written file again."""
from __future__ import annotations

import runpy
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
_P = runpy.run_path(str(HERE / "r54_parish.py"))
normalise, f1, is_right, verdict, table = _P["normalise"], _P["f1"], _P["is_right"], _P["verdict"], _P["table"]
ARMS = _P["ARMS"]


def questions() -> list[dict]:
    d = runpy.run_path(str(HERE / "r55_coop_data.py"))
    rows = [dict(id=i, file=f, fmt=Path(f).suffix[1:], q=q, gold=g, forms=forms, answerable=True)
            for i, f, q, g, forms in d["Q"]]
    return rows + [dict(id=i, file=None, fmt="near-miss", q=q, gold=None, why=why, forms=[], answerable=False)
                   for i, q, why in d["NEAR"]]


def _with_these_questions(fn):
    """Round 54's function as it is, reading this set's questions (its globals, `questions` replaced)."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, "questions": questions}, fn.__name__, fn.__defaults__)


def run(share: str, home: str, out: str, arms: str = "C,A") -> None:
    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        runpy.run_path(str(HERE / "r55_coop_data.py"))["build"](Path(share))
    _with_these_questions(_P["run"])(share, home, out, arms)  # the share is not empty now: r54 builds nothing


def rescore(path: str) -> None:
    _with_these_questions(_P["rescore"])(path)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rescore"]:
        rescore(sys.argv[2])
    else:
        run(*sys.argv[1:5])
