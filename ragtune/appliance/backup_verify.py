"""`ragtune backup --verify DEST`: whether a backup still holds what `backup_home` wrote (backup.json: each file's size
and sha256), before a restore relies on it. Only reads.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .backup import DERIVED, MANIFEST, sha256_of
from .errors import InputError


@dataclass
class VerifyResult:
    dest: str
    ok: bool = True
    made: float | None = None  # when the backup was made (unix time), from backup.json
    ragtune: str | None = None  # the version that made it
    home: str | None = None  # the home it was made of
    documents: int = 0
    chunks: int = 0
    files: int = 0  # checked
    bytes: int = 0  # read to compare with their sha256
    problems: list[str] = field(default_factory=list)  # each names a file and what is wrong: do not restore
    notes: list[str] = field(default_factory=list)  # not damage: files added since, the backup used as a home
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def verify_backup(dest: Path | str) -> VerifyResult:
    """Whether DEST still holds what `backup_home` wrote, before a restore relies on it: every file of backup.json
    there with its size and sha256, and a database a newer ragtune did not migrate. InputError (exit 2) when DEST is
    no backup ragtune made with a backup.json. Never writes: the database is only opened when it differs."""
    from .store.schema import newer_migrations

    t0, dest = time.perf_counter(), Path(dest).expanduser().resolve()
    res = VerifyResult(dest=str(dest))
    if not dest.is_dir():
        raise InputError(f"{dest}: no such folder", hint="give the folder `ragtune backup DEST` made")
    if not (dest / MANIFEST).is_file():
        raise InputError(f"{dest}: has no {MANIFEST}: not a backup, or one made before ragtune wrote it",
                         hint=f"check a backup without {MANIFEST} with `ragtune --home DEST doctor`")
    try:
        data = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
        files = {str(k): (int(v["size"]), v.get("sha256")) for k, v in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        res.ok = False
        res.problems.append(f"{MANIFEST}: damaged, so nothing can be checked ({getattr(exc, 'strerror', None) or exc})")
        return res
    res.made, res.ragtune, res.home = data.get("made"), data.get("ragtune"), data.get("home")
    res.documents, res.chunks = data.get("documents", 0), data.get("chunks", 0)
    for rel, (size, sha) in files.items():
        p = dest / rel
        if os.path.isabs(rel) or ".." in Path(rel).parts:  # a hand-made manifest: never read outside DEST
            res.problems.append(f"{MANIFEST}: names {rel}, outside the backup")
            continue
        try:
            now = p.stat().st_size if p.is_file() else None
            if now is None:
                res.problems.append(f"{rel}: missing (the backup wrote {size} bytes)")
            elif now != size:
                res.problems.append(f"{rel}: {now} bytes, the backup wrote {size} ("
                                    f"{'cut short' if now < size else 'grown'}: damaged, or written since)"
                                    + (_db_check(p) if rel == "ragtune.db" else ""))
            elif sha is not None and sha256_of(p) != sha:
                res.problems.append(f"{rel}: not the bytes the backup wrote (its sha256 differs: damaged, or changed "
                                    f"since)" + (_db_check(p) if rel == "ragtune.db" else ""))
            res.files += now is not None  # a missing file is a problem, not a file checked
            res.bytes += now if now == size and sha is not None else 0
        except OSError as exc:
            res.problems.append(f"{rel}: cannot be read: {exc.strerror or exc}")
    if newer := newer_migrations([m for m in data.get("migrations") or [] if isinstance(m, str)]):
        res.problems.append(f"ragtune.db: made by a newer ragtune (its migration {newer[-1]}; {res.ragtune}): this "
                            f"ragtune cannot open it; restore it with that version")
    for p in sorted(dest.rglob("*")):  # not damage: what was added since (a backup used as a home makes indexes)
        rel = p.relative_to(dest).as_posix()
        if p.is_file() and rel not in files and rel != MANIFEST and rel.partition("/")[0] not in (*DERIVED, "cache"):
            res.notes.append(f"{rel}: not in the backup when it was made (added since)")
    res.ok = not res.problems
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def _db_check(p: Path) -> str:
    """What SQLite says of a database whose bytes changed: damaged, or whole (written since: used as a home?)."""
    from .errors import StoreError
    from .store.health import integrity_problems, open_as_is

    try:
        with open_as_is(p) as store:
            bad = integrity_problems(store)
    except StoreError as exc:
        return f"; SQLite cannot read it: {exc.message}"
    return f"; SQLite's check: {'; '.join(bad[:2])}" if bad else ("; SQLite's check of its structure passes, so "
                                                                  "the change is in the data: bit rot, an edit, or "
                                                                  "a write since (used as a home?)")
