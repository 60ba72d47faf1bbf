"""Which backups of a home were made, and when: `registry/backups.jsonl`, one `{"dest", "time"}` line per
`ragtune backup` (backup.backup_home appends it once the copy is in place; the copy gets the home's lines and its
own: `record_in_copy`). An erasure (`docs remove`) cannot reach a backup made before it; this file lets its receipt
name them ("2 backups made before still hold it: PATH (date)").

A line that does not read (a hand edit, a torn write) is named by file:line and skipped, never an error: the removal
it is read for must not fail on it. Only this user's `ragtune backup` runs are recorded: a copy made by other means
(rsync, a snapshot of the file system) is not, and the receipt says so."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

from .home import Home

FILE = Path("registry") / "backups.jsonl"


def backups_file(home: Home) -> Path:
    return home.root / FILE


def record_backup(home: Home, dest: Path | str, when: float | None = None) -> str | None:
    """Append `{dest, time}` for a backup just made. None, or a warning (the backup is whole either way: an
    unrecordable line costs only the receipt's mention of it)."""
    path = backups_file(home)
    try:
        _append(path, _line(dest, time.time() if when is None else when))
    except OSError as exc:
        return f"could not record this backup in {path} ({exc.strerror or exc}): an erasure will not name it"
    return None


def record_in_copy(copy: Path, dest: Path | str, when: float) -> int:
    """Append the line of the backup being made (`dest`, `when`: what record_backup then appends to the home) to
    the copy's registry/backups.jsonl, which holds the home's lines (backup._copy_tree copied them), or is made: a
    home restored from it knows every backup up to and including the one it came from (docs find and erasure
    receipts name them). Before backup.json is written, which lists it as it is now. The bytes written."""
    line = _line(dest, when)
    path = copy / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "rb") as fh:  # a last line cut short (a torn write) must not swallow this one
            if fh.seek(0, os.SEEK_END) > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    line = "\n" + line
    except FileNotFoundError:
        pass
    return _append(path, line)


def _line(dest: Path | str, when: float) -> str:
    return json.dumps({"dest": str(dest), "time": round(when, 3)}, ensure_ascii=False) + "\n"


def _append(path: Path, line: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    # appended with one write (O_APPEND): two backups at once never interleave their lines; private as the home
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        return os.write(fd, line.encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def backups_made(home: Home, before: float | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """(the recorded backups, oldest first, made before `before` when given; a problem per line that does not read,
    as "file:line: why"). Never raises: a missing or unreadable file is no backups (and a problem when unreadable)."""
    path = backups_file(home)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"{path}: cannot be read ({exc.strerror or exc})"]
    found: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, text in enumerate(raw.decode("utf-8", "surrogateescape").splitlines(), 1):
        if not text.strip():
            continue
        why = None
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            obj, why = None, "not JSON"
        if why is None:
            if not isinstance(obj, dict):
                why = "not a JSON object"
            elif not isinstance(obj.get("dest"), str) or not obj["dest"]:
                why = '"dest" is not a path'
            elif isinstance(obj.get("time"), bool) or not isinstance(obj.get("time"), (int, float)) \
                    or not math.isfinite(obj["time"]):
                why = '"time" is not a number'
        if why is not None:
            problems.append(f"{path}:{n}: {why} (skipped)")
            continue
        if before is None or obj["time"] <= before:
            found.append({"dest": obj["dest"], "time": float(obj["time"]), "exists": os.path.lexists(obj["dest"])})
    found.sort(key=lambda b: b["time"])
    return found, problems
