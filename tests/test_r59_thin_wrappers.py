"""Round 59: round 56's two benchmark wrappers (r56_yesno_check.py, r56_group_rows.py) are thin, as round 58 made
round 57's: each runs its shared runner with `--data`, no copy of its command line, and prints what the runner
prints. No model."""
from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_r56_wrappers_are_thin():
    for name, runner, data in (("r56_yesno_check.py", "r55_yesno.py", "r56_yesno_check_data.py"),
                               ("r56_group_rows.py", "r54_doc_tables.py", "r56_group_rows_data.py")):
        text = (BENCH / name).read_text(encoding="utf-8")
        assert runner in text and f'"--data", "{data}"' in text and "def " not in text


def _script(name: str, *args: str, cwd: Path) -> str:
    return subprocess.run([sys.executable, str(BENCH / name), *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


def test_the_yesno_wrapper_rescores_and_compares_as_its_runner(tmp_path):
    y = runpy.run_path(str(BENCH / "r55_yesno.py"))
    qs = y["questions"]("r56_yesno_check_data.py")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path, ok in ((a, 2), (b, 3)):
        path.write_text("".join(json.dumps({**q, "ask": {"status": "ok" if i % ok else "refused", "answer": "yes",
                                                         "citations": []}}) + "\n" for i, q in enumerate(qs)),
                        encoding="utf-8")
    for args in (("--rescore", str(a)), ("--compare", str(a), str(b))):
        want = _script("r55_yesno.py", "--data", "r56_yesno_check_data.py", *args, cwd=tmp_path)
        assert _script("r56_yesno_check.py", *args, cwd=tmp_path) == want and want


def test_the_group_rows_wrapper_prints_the_loader_text(tmp_path):
    got = _script("r56_group_rows.py", str(tmp_path / "share"), "home", "out", "--text", cwd=tmp_path)
    assert got.count("===== ") == 8 and not (tmp_path / "home").exists()
    assert got == _script("r54_doc_tables.py", "--data", "r56_group_rows_data.py", str(tmp_path / "share"), "home",
                          "out", "--text", cwd=tmp_path)
