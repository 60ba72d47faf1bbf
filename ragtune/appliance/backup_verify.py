"""`ragtune backup --verify DEST`: whether a backup still holds what `backup_home` wrote (backup.json: each file's size
and sha256), before a restore relies on it. Only reads, and reads every byte: a hard-linked model blob too, by its
artifact id (its size alone passes a same-size damaged copy; backup_manifest.py says where each sha256 comes from).
The large files are hashed on a few threads (hashlib lets go of the GIL), each inode once.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .atomic import stale_names
from .backup import DERIVED
from .backup_manifest import MANIFEST, expected, in_place_ids, sha256_of, tree_sha256
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
    has_manifest = (dest / MANIFEST).is_file()  # asked once: each question below is about its absence
    if not has_manifest and (m := stale_names(None).match(dest.name)) and m["pid"] is None:
        # `.DEST.<8>.part`: a backup killed (or still running) before its rename; a copy of it is no backup either
        raise InputError(f"{dest}: the unfinished temporary of a backup to {dest.parent / m['name']} (killed, or "
                         f"still running): not a backup, its files may be cut short",
                         hint=f"use a finished backup, or make one (`ragtune backup {dest.parent / m['name']}`, "
                              f"which also removes this temporary)")
    if not has_manifest and (dest / "ragtune.db").is_file():  # a home: a backup before round 45
        raise InputError(f"{dest}: has no {MANIFEST}: a backup made by an older ragtune (before round 45) or a home, "
                         f"which cannot be verified by content (no record of its files' sizes and sha256)",
                         hint=f"check it by opening it: `ragtune --home {shlex.quote(str(dest))} doctor` (on a copy, `cp -a`, to keep "
                              f"it as it is: the first write migrates it); a backup made now records its files")
    if not has_manifest:
        raise InputError(f"{dest}: has no {MANIFEST}: not a backup, or one made before ragtune wrote it",
                         hint=f"check a backup without {MANIFEST} with `ragtune --home DEST doctor`")
    try:
        data = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
        files = {str(k): (int(v["size"]), dict(v)) for k, v in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        res.ok = False
        res.problems.append(f"{MANIFEST}: damaged, so nothing can be checked ({getattr(exc, 'strerror', None) or exc})")
        return res
    res.made, res.ragtune, res.home = data.get("made"), data.get("ragtune"), data.get("home")
    res.documents, res.chunks = data.get("documents", 0), data.get("chunks", 0)
    ids = _ids(dest) if any("sha256" not in e and "artifact" not in e for _, e in files.values()) else {}
    todo: list[tuple[str, int, str | None, str | None]] = []  # (rel, size, sha256, artifact) of the files there
    trees: dict[str, str] = {}  # a folder artifact's top folder -> its id: hashed whole
    for rel, (size, entry) in files.items():
        p = dest / rel
        if os.path.isabs(rel) or ".." in Path(rel).parts:  # a hand-made manifest: never read outside DEST
            res.problems.append(f"{MANIFEST}: names {rel}, outside the backup")
            continue
        try:  # one stat (is_file() then stat() was two)
            st = p.stat()
            now = st.st_size if stat.S_ISREG(st.st_mode) else None
        except (FileNotFoundError, NotADirectoryError):
            now = None
        except OSError as exc:
            res.problems.append(f"{rel}: cannot be read: {exc.strerror or exc}")
            continue
        sha, art = expected(rel, entry, ids)
        if now is None:
            res.problems.append(f"{rel}: missing (the backup wrote {size} bytes)")
        elif now != size:
            res.problems.append(f"{rel}: {now} bytes, the backup wrote {size} ("
                                f"{'cut short' if now < size else 'grown'}: damaged, or written since)"
                                + (_db_check(p) if rel == "ragtune.db" else ""))
        elif sha is not None:
            todo.append((rel, size, sha, art))
        elif art is not None:
            trees["/".join(rel.split("/")[:4])] = art
        else:  # no sha256 recorded, none known by name: an older backup's hard-linked file in models/
            res.notes.append(f"{rel}: checked by its size only (an older backup recorded no sha256 for it)")
        res.files += now is not None  # a missing file is a problem, not a file checked
    _hash_all(dest, todo, trees, res)
    if newer := newer_migrations([m for m in data.get("migrations") or [] if isinstance(m, str)]):
        res.problems.append(f"ragtune.db: made by a newer ragtune (its migration {newer[-1]}; {res.ragtune}): this "
                            f"ragtune cannot open it; restore it with that version")
    for p in sorted(dest.rglob("*")):  # not damage: what was added since (a backup used as a home makes indexes)
        rel = p.relative_to(dest).as_posix()
        if rel not in files and rel != MANIFEST and rel.partition("/")[0] not in (*DERIVED, "cache") and p.is_file():
            res.notes.append(f"{rel}: not in the backup when it was made (added since)")
    res.ok = not res.problems
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def _ids(dest: Path) -> dict[str, str]:
    """The backup's own registry's in-place files, for an older backup.json that listed them by size only (reads
    only: neither Registry nor Home writes when made)."""
    from .errors import RagtuneError

    try:
        return in_place_ids(dest)
    except (RagtuneError, OSError):  # a registry that does not load: its files are checked as listed
        return {}


def _hash_all(dest: Path, todo: list, trees: dict[str, str], res: VerifyResult) -> None:
    """Each listed file against its sha256, each folder artifact against its id; every byte read now, each inode
    once (hard links within the backup), on up to 4 threads (most of the time is in a few big files)."""
    seen: dict[tuple[int, int], Future] = {}
    lock = threading.Lock()

    def digest(rel: str) -> str | OSError:
        try:
            st = (dest / rel).stat()
            key = (st.st_dev, st.st_ino)
            with lock:  # the first link of an inode reads it; its other links (other threads) wait for that read
                mine = key not in seen
                if mine:
                    seen[key] = Future()
            if mine:
                try:
                    got = sha256_of(dest / rel)
                except BaseException as exc:  # never a link left waiting for a read that failed
                    seen[key].set_exception(exc)
                    raise
                seen[key].set_result(got)
            return seen[key].result()
        except OSError as exc:
            return exc

    def tree(top: str) -> str | OSError:
        try:
            return tree_sha256(dest / top) if (dest / top).is_dir() else sha256_of(dest / top)
        except OSError as exc:
            return exc

    jobs = sorted(todo, key=lambda t: -t[1])  # the biggest first: they bound the time
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        got = dict(zip([t[0] for t in jobs], pool.map(digest, [t[0] for t in jobs])))
        got_trees = dict(zip(trees, pool.map(tree, trees)))
    for rel, size, sha, art in todo:  # in backup.json's order
        now = got[rel]
        if isinstance(now, OSError):
            res.problems.append(f"{rel}: cannot be read: {now.strerror or now}")
            continue
        res.bytes += size
        if now == sha:
            continue
        if art is not None:
            res.problems.append(f"{rel}: not the bytes of artifact {art[:12]} (its sha256 differs: damaged, here or "
                                f"already in the home when the backup was made; the registry refuses it)")
        else:
            res.problems.append(f"{rel}: not the bytes the backup wrote (its sha256 differs: damaged, or changed "
                                f"since)" + (_db_check(dest / rel) if rel == "ragtune.db" else ""))
    for top, art in trees.items():
        now = got_trees[top]
        if isinstance(now, OSError):
            res.problems.append(f"{top}: cannot be read: {now.strerror or now}")
        elif now != art:
            res.problems.append(f"{top}: not the files of artifact {art[:12]} (its sha256 differs: a file in it "
                                f"damaged, here or already in the home; the registry refuses it)")
        else:
            res.bytes += sum(f.stat().st_size for f in (dest / top).rglob("*") if f.is_file())


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
