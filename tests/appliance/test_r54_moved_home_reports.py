"""Round 54, upgrade tester: a home moved (`mv`), or used from a backup (`--home BACKUP`), holds its replay
evaluations' reports in its own HOME/eval/RUN_ID, while each run recorded the absolute folder of the home that made
it. `log forget` and `docs remove` named only that recorded folder: another home's files (or "not found here"),
never this home's copies, which an erasure then left in place."""

from __future__ import annotations

import json
import shutil

from ragtune.appliance.eval.report import report_files
from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_log_retention import row
from .test_r45_log_forget_reports import REPORT, SECRET, _replay, _report


def test_a_moved_homes_own_report_folder_is_named(home, tmp_path, capsys):
    made = home.root / "eval" / "r1"  # where the run put its report, as it recorded it
    with open_store(home) as s:
        user = s.add_query_log(row(1.0, query=SECRET, normalized_query=SECRET))
        copy = s.add_query_log(row(2.0, query=SECRET, normalized_query=SECRET))
        _replay(s, "r1", made, {user: copy})
    _report(made)
    moved = tmp_path / "moved-home"
    shutil.move(str(home.root), moved)
    here = [str(moved / "eval" / "r1" / n) for n in REPORT]
    assert main(["--home", str(moved), "log", "forget", str(user), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["replay_reports"] == [{"run": "r1", "folder": str(moved / "eval" / "r1"),
                                                           "files": here}]  # was: the old folder, no files
    assert f"  {here[0]}  (run r1)" in captured.err and "not found here" not in captured.err


def test_a_backup_names_both_its_own_copy_and_the_recorded_one(tmp_path):
    recorded, own = tmp_path / "home" / "eval" / "r1", tmp_path / "backup" / "eval" / "r1"
    a, b = _report(recorded), _report(own)
    assert report_files([("r1", str(recorded))], own.parent) == [{"run": "r1", "folder": str(recorded),
                                                                  "files": a + b}]
    # the run's folder is this home's own (not moved): named once
    assert report_files([("r1", str(own))], own.parent) == [{"run": "r1", "folder": str(own), "files": b}]
    # no folder recorded, none here: as before
    assert report_files([("r2", None)], own.parent) == [{"run": "r2", "folder": None, "files": []}]
