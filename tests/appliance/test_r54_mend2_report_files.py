"""Round 54, mend of reviewer readA: report_files joined a run id from the database to HOME/eval unchecked, so a
row's "../elsewhere" or "/tmp/elsewhere" listed files outside the home, which the CLI then told the user to delete.
Only a plain folder name is looked for in HOME/eval."""

from __future__ import annotations

from ragtune.appliance.eval.report import report_files


def test_a_run_id_that_is_no_plain_name_is_not_joined(tmp_path):
    evals, elsewhere = tmp_path / "home" / "eval", tmp_path / "elsewhere"
    (evals / "r1").mkdir(parents=True)
    elsewhere.mkdir()
    for folder in (evals / "r1", elsewhere):
        (folder / "report.json").write_text("{}")
    for run in (str(elsewhere), "../../elsewhere", "..", "."):
        assert report_files([(run, None)], evals) == [{"run": run, "folder": None, "files": []}], run
    assert report_files([("r1", None)], evals) == [{"run": "r1", "folder": str(evals / "r1"),
                                                    "files": [str(evals / "r1" / "report.json")]}]
