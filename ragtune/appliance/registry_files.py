"""Where a registered artifact's bytes live (registry.py's manifests name them): a copy under
`registry/blobs/<sha256>/`, or the file referenced in place, inside the home relative to the registry folder (so the
home works wherever it is moved or restored), outside it absolute.

Knows nothing of manifests: registry.py decides what is stored and passes the folders in (it imports this module,
never the reverse).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from .atomic import atomic_path, default_file_mode
from .errors import ModelError, StoreError
from .hashing import sha256_path


def home_relative(path: Path, root: Path) -> str | None:
    """A manifest's `file` for `path` inside the home `root` (both absolute, as resolved): relative to the home's
    registry folder (`../models/x.gguf`, `blobs/…`), or None when `path` is outside the home."""
    if not Path(path).is_relative_to(root) or Path(path) == Path(root):
        return None
    return Path(os.path.relpath(path, Path(root) / "registry")).as_posix()


def manifest_file(registry_dir: Path, manifest: dict[str, Any]) -> Path:
    """The file a manifest names. A relative one is joined to the registry folder, and its `..` taken off by the
    name (normpath), not by the file system: `../models/x` is the home's models/ even where registry/ is a symbolic
    link to another disk. A manifest naming none (`"file": null`: damaged, or not read through validate_manifest)
    is a StoreError naming it, not a TypeError."""
    f = manifest.get("file")
    if not isinstance(f, str) or not (f or manifest.get("builtin")):  # (a built-in not installed: "")
        where = Path(registry_dir) / f"{manifest.get('id') or '?'}.json"
        raise StoreError(f"manifest {where} names no file", hint="the manifest is damaged: restore registry/ from a "
                         "backup, or move that file away and add the artifact again (`ragtune models add`)")
    return Path(f) if os.path.isabs(f) else Path(os.path.normpath(Path(registry_dir) / f))


def copy_blob(registry_dir: Path, src: Path, digest: str) -> Path:
    """Place `src` as `registry_dir`/blobs/<sha256>/<its name> (read-only); returns the blob's path. The whole
    blobs/<sha256>/ folder is built under a private temporary name beside it and renamed into place, so a copy that
    fails (a full disk) leaves nothing, and two processes adding the same bytes never write into each other's copy."""
    folder = registry_dir / "blobs" / digest
    blob = folder / src.name
    if holds(blob, digest):
        return blob
    # An existing folder without these bytes (damaged, or emptied by a crash) is replaced; otherwise a
    # concurrent add that placed the same bytes first wins.
    try:
        with atomic_path(folder, folder=True, keep_existing=not folder.exists()) as part:
            if src.is_dir():
                _copy_tree(src, part / src.name)
            else:
                shutil.copyfile(src, part / src.name)
            if sha256_path(part / src.name) != digest:
                raise ModelError(f"{src}: changed while being copied into the registry; try again")
            _make_read_only(part / src.name)  # content-addressed bytes: nothing may write to them in place
    except OSError as exc:
        if exc.filename2 is not None or exc.filename is None:  # writing failed (a full disk): name the blob,
            exc.filename2 = str(blob)  # not the temporary folder nobody will see
        raise
    if blob.exists():  # ours, or a concurrent add's: verified before its rename either way
        return blob
    # the winner of a race placed the same bytes under another file name: use its copy
    for other in sorted(folder.iterdir()):
        if holds(other, digest):
            return other
    raise ModelError(f"{folder}: does not hold the bytes of {src} after copying them; try again")


def holds(blob: Path, digest: str) -> bool:
    """`blob` exists and hashes to `digest` (a file that cannot be read does not)."""
    try:
        return blob.exists() and sha256_path(blob) == digest
    except ModelError:
        return False


def _make_read_only(p: Path) -> None:
    files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
    for f in files:
        os.chmod(f, default_file_mode() & 0o444)


def _copy_tree(src: Path, dst: Path) -> None:
    """shutil.copytree, but its first failure raised as it is (a full disk: an OSError naming the file): copytree
    gathers every file's failure into one shutil.Error whose message is a list of tuples."""
    dst.mkdir()
    for p in sorted(src.rglob("*")):
        target = dst / p.relative_to(src)
        if p.is_dir():
            target.mkdir(exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
