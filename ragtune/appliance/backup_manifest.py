"""backup.json: what `ragtune backup` wrote, file by file, so that `backup --verify` (backup_verify.py) can say
before a restore whether every byte is still there (docs/store.md, "Backup and restore").

Every file gets its size and sha256. A file hard-linked to the home's (under `models/`, `registry/blobs/`: never
written in place) is not read again to get it when its sha256 is already known by name: a registry blob's folder is
its artifact id (`registry/blobs/<sha256>/<file>`), and a file registered in place has its artifact id as its
sha256. Those entries carry `artifact` (the id the bytes must hash to) too. Only the files of a folder artifact
(`registry/blobs/<id>/<folder>/…`: the id is a hash over the whole folder, not of one file) have no sha256:
verify hashes the folder as the registry does. A hard-linked file known by no name (a GGUF put in `models/` and
named by config.toml) is hashed as the backup is made.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

from .atomic import atomic_write_text
from .errors import ModelError
from .hashing import sha256_path

MANIFEST = "backup.json"  # what the backup wrote, for verify_backup; never copied from a home (a restored one has it)
LINKED = ("models", "registry/blobs")  # large files never written in place: hard links where possible
_BLOB = re.compile(r"^registry/blobs/([0-9a-f]{64})/([^/]+)(/.+)?$")


def sha256_of(p: Path) -> str:
    """sha256 of a file read now (never a memo: `--verify` must see bytes changed in place)."""
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def tree_sha256(folder: Path) -> str:
    """A folder artifact's id as the registry makes it (hashing.sha256_path), every file read now (no memo)."""
    try:
        return sha256_path(folder, cached=False)
    except ModelError:  # an emptied folder: the hash of no lines, which no artifact's id is
        return hashlib.sha256().hexdigest()


def blob_of(rel: str) -> tuple[str, str, bool] | None:
    """(artifact id, its top entry `registry/blobs/<id>/<name>`, whether `rel` is a file inside a folder artifact)
    for a path under a registry blob folder, else None."""
    m = _BLOB.match(rel)
    return (m.group(1), f"registry/blobs/{m.group(1)}/{m.group(2)}", m.group(3) is not None) if m else None


def in_place_ids(root: Path) -> dict[str, str]:
    """{home-relative path: artifact id} of the single files the registry of the home `root` references in place
    inside it (a file artifact's id is its bytes' sha256)."""
    from .home import Home
    from .registry import Registry

    out = {}
    for m, path in Registry(Home(root)).in_place():
        if path.is_file() and path.is_relative_to(root):
            out[path.relative_to(root).as_posix()] = m["id"]
    return out


def write_manifest(tmp: Path, res: Any, migrations: list[str]) -> None:
    """backup.json in the backup `tmp` (the module docstring says what each entry holds)."""
    from .. import __version__

    known = in_place_ids(tmp)
    files: dict[str, dict[str, Any]] = {}
    for p in sorted(tmp.rglob("*")):
        if p.is_symlink() or not p.is_file():
            continue
        rel, st = p.relative_to(tmp).as_posix(), p.stat()
        entry: dict[str, Any] = {"size": st.st_size}
        linked = st.st_nlink > 1 and any(rel.startswith(f"{d}/") for d in LINKED)
        blob = blob_of(rel) if linked else None
        if blob and blob[2]:
            entry["artifact"] = blob[0]  # one file of a folder artifact: verify hashes the folder
        elif blob or (linked and rel in known):
            entry["artifact"] = entry["sha256"] = blob[0] if blob else known[rel]
        else:
            entry["sha256"] = sha256_of(p)
        files[rel] = entry
    data = {"format": 1, "ragtune": __version__, "made": round(time.time(), 3), "home": res.home,
            "documents": res.documents, "chunks": res.chunks, "migrations": migrations, "files": files}
    atomic_write_text(tmp / MANIFEST, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def expected(rel: str, entry: dict[str, Any], ids: dict[str, str]) -> tuple[str | None, str | None]:
    """(sha256 the file must have, artifact id it comes from) for one backup.json entry. An older backup listed a
    hard-linked file by its size only: its sha256 is still known by name (a blob's folder, a file registered in
    place: `ids`, from the backup's registry)."""
    sha, art = entry.get("sha256"), entry.get("artifact")
    if sha is None and art is None:
        blob = blob_of(rel)
        if blob:
            art, sha = blob[0], (None if blob[2] else blob[0])
        elif rel in ids:
            art = sha = ids[rel]
    return sha, art
