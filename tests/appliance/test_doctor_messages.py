"""How `ragtune doctor` and `ragtune models verify` word a problem (appliance/doctor.py, cli/doctor_cmd.py,
cli/models_cmd.py): the detail is the message alone, the hint once on its own line (its own field in --json), and a
detail of several lines (SQLite's integrity_check) is several indented lines, capped."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from ragtune.appliance.doctor import DETAIL_LINES
from ragtune.appliance.registry import Registry
from ragtune.cli import main
from tests.gguf_helpers import gguf_bytes

from .test_doctor import home  # noqa: F401 - the ingested home fixture

CHANGED_HINT = "the file was modified or replaced; restore it or register the new file (it gets a new id)"


def _changed_model(home: Path, tmp_path: Path) -> Path:  # noqa: F811
    """A base model registered in place (the default) and served, then truncated: its bytes no longer hash to its id."""
    src = tmp_path / "mine.gguf"
    src.write_bytes(gguf_bytes(lora=False, tag="messages"))
    Registry().add(src, "base-gguf", name="mine", copy=False)
    (home / "config.toml").write_text('[generate]\nmodel = "mine"\n', encoding="utf-8")
    with open(src, "r+b") as fh:
        fh.truncate(100)
    return src


def test_a_changed_model_s_hint_is_said_once_on_its_own_line(home, tmp_path, capsys):  # noqa: F811
    """QA r41: the detail was the error's str(), `…refusing to use it\\n  hint: …` on one line, and doctor's own
    hint followed it: the hint twice, once behind a literal \\n."""
    _changed_model(home, tmp_path)
    assert main(["--home", str(home), "doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(out) if line.startswith("fail  model"))
    assert out[at].endswith("refusing to use it") and "\\n" not in out[at] and "hint:" not in out[at], out
    assert out[at + 1].strip() == f"hint: {CHANGED_HINT}" and out[at + 1].startswith(" "), out
    assert sum("hint:" in line for line in out) == 1, out
    assert main(["--home", str(home), "doctor", "--json"]) == 1
    (model,) = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "model"]
    assert model["status"] == "fail" and model["detail"].endswith("refusing to use it"), model
    assert "hint:" not in model["detail"] and model["hint"] == CHANGED_HINT


def test_models_verify_says_the_error_and_its_hint_each_on_a_line(home, tmp_path, capsys):  # noqa: F811
    _changed_model(home, tmp_path)
    assert main(["--home", str(home), "models", "verify", "mine"]) == 3
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("BAD ") and out[1].startswith("    /") and out[1].endswith("refusing to use it"), out
    assert out[2] == f"    hint: {CHANGED_HINT}" and len(out) == 3, out
    assert main(["--home", str(home), "models", "verify", "mine", "--json"]) == 3
    (res,) = json.loads(capsys.readouterr().out)["results"]
    assert res["error"].endswith("refusing to use it") and res["hint"] == CHANGED_HINT, res


def test_integrity_check_problems_are_indented_lines_capped(home, capsys):  # noqa: F811
    """QA r41: SQLite's b-tree check is one row of many lines: doctor printed it as one line full of `\\n`."""
    db = home / "ragtune.db"
    assert not (home / "ragtune.db-wal").exists()
    data = bytearray(db.read_bytes())
    page = struct.unpack(">H", data[16:18])[0]
    pages = len(data) // page
    data += bytes(page * 30)  # 30 pages no b-tree uses: "Page N: never used" each (20 said)
    data[28:32] = struct.pack(">I", pages + 30)
    db.write_bytes(bytes(data))
    assert main(["--home", str(home), "doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(out) if line.startswith("fail  database"))
    column = out[at].index("integrity_check")
    assert out[at][column:].startswith(f"integrity_check: Page {pages + 1}") and "never used" in out[at], out
    more = out[at + 1:at + DETAIL_LINES]
    assert all(line[:column].isspace() and line[column] != " " for line in more), more
    assert more[0][column:].startswith(f"Page {pages + 2}") and more[-1][column:] == "… 13 more", more
    assert out[at + DETAIL_LINES][column:].startswith("hint: restore the home from a backup"), out
    assert not any("\\n" in line or "*** in database" in line for line in out), out
    assert main(["--home", str(home), "doctor", "--json"]) == 1
    (database,) = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "database"]
    lines = database["detail"].split("\n")
    assert len(lines) == DETAIL_LINES and lines[-1] == "… 13 more" and "hint:" not in database["detail"], lines
    assert os.path.getsize(db) == len(data)  # said, not repaired
