"""Scratch homes for dataset building: a folder of documents ingested with the serving settings (chunker,
embedder), cached per (documents, chunking settings) so repeated builds skip the ingest — on 2 shared cores
embedding every chunk is most of a build's time.

The cache key hashes every file ingest would read (relative path + sha256), the chunking and embedder settings
and the ragtune version. A scratch home is built in a temporary folder and renamed into place with its marker
(`scratch.json`) written last, so a crash never leaves a half home that a later build would trust."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance.config import Settings
from ragtune.appliance.errors import InputError
from ragtune.appliance.home import Home
from ragtune.appliance.jsonl import loads_located

SCRATCH_FORMAT = 1
MARKER = "scratch.json"


@dataclasses.dataclass
class Scratch:
    """A ready scratch home: its settings (for Retriever / store), where its documents were read from."""
    settings: Settings
    root: Path
    docs_root: Path  # the folder the stored document paths are under (relative paths are what compare)
    info: dict[str, Any]
    cached: bool

    def rel(self, source: str) -> str:
        """A stored document path relative to the documents folder it was ingested from."""
        s = source.replace("\\", "/")
        root = str(self.docs_root).replace("\\", "/").rstrip("/") + "/"
        return s[len(root):] if s.startswith(root) else s


def chunk_settings(settings: Settings, chunk_tokens: int = 0, overlap_tokens: int | None = None) -> Settings:
    """The serving settings with another chunk size (overlap scaled to stay a fifth of it unless given)."""
    if not chunk_tokens or chunk_tokens == settings.ingest.chunk_tokens and overlap_tokens is None:
        return settings
    if overlap_tokens is None:
        overlap_tokens = min(settings.ingest.overlap_tokens, chunk_tokens // 5)
    return settings.replace("ingest", chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens)


def docs_fingerprint(settings: Settings, docs: Path) -> tuple[str, int]:
    """(sha256, file count) over what ingest would read in `docs`, with the settings that shape the chunks."""
    import ragtune
    from ragtune.appliance.ingest.pipeline import walk
    from ragtune.appliance.hashing import sha256_file

    w = walk([docs], settings.ingest.extensions)
    root = Path(os.path.abspath(docs))
    h = hashlib.sha256()
    files = sorted(it.path for it in w.items)
    for f in files:
        try:
            rel = f.relative_to(root)
        except ValueError:  # a symlink out of the folder: its resolved path is what ingest stores
            rel = f
        h.update(f"{rel}\0{sha256_file(f)}\n".encode())
    shape = {"format": SCRATCH_FORMAT, "version": ragtune.__version__, "chunk_tokens": settings.ingest.chunk_tokens,
             "overlap_tokens": settings.ingest.overlap_tokens, "embed": settings.embed.model,
             "extensions": sorted(settings.ingest.extensions), "max_file_mb": settings.ingest.max_file_mb}
    h.update(json.dumps(shape, sort_keys=True).encode())
    return h.hexdigest(), len(files)


def cache_root_for(settings: Settings) -> Path:
    return settings.home.root / "cache" / "dataset-scratch"


def scratch_home(settings: Settings, docs: Path | str, *, cache_root: Path | None = None,
                 log: Callable[[str], None] | None = None) -> Scratch:
    """A scratch home holding `docs` ingested with `settings` (reused from the cache when it matches)."""
    docs = Path(os.path.abspath(Path(docs).expanduser()))
    if not docs.is_dir():
        raise InputError(f"{docs}: documents folder not found")
    key, n_files = docs_fingerprint(settings, docs)
    if not n_files:
        raise InputError(f"{docs}: no documents to ingest (extensions: {', '.join(settings.ingest.extensions)})")
    root = (cache_root or cache_root_for(settings)) / key[:24]
    marker = root / MARKER
    if marker.is_file():
        try:
            info = loads_located(marker.read_bytes(), marker)
            if info.get("key") == key:
                return Scratch(_settings(settings, root), root, Path(info["docs_root"]), info, True)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, InputError):  # InputError: damaged JSON
            pass
        shutil.rmtree(root, ignore_errors=True)  # unreadable or foreign: rebuild
    from ragtune.appliance.atomic import atomic_path, atomic_write_json
    from ragtune.appliance.ingest.pipeline import ingest_paths

    if log:
        log(f"scratch ingest of {docs} ({n_files} files, chunk {settings.ingest.chunk_tokens} tokens); cached in {root}")
    t0 = time.perf_counter()
    # built in a private folder, moved into place complete (marker last); a concurrent build that finished
    # first wins and ours is dropped: both are the same documents with the same settings
    with atomic_path(root, folder=True, keep_existing=True) as tmp:
        summary = ingest_paths(_settings(settings, tmp), [docs], prune=False)
        info = {"key": key, "docs_root": str(docs), "files": n_files, "seconds": round(time.perf_counter() - t0, 1),
                "chunk_tokens": settings.ingest.chunk_tokens, "overlap_tokens": settings.ingest.overlap_tokens,
                "docs": summary.added + summary.updated + summary.unchanged, "chunks": summary.chunks_added,
                "failed": [{"path": p, "reason": r} for p, r in summary.failed],
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        atomic_write_json(tmp / MARKER, info, indent=1)
    info = loads_located(marker.read_bytes(), marker)  # ours, or a concurrent build's: damaged, an InputError
    return Scratch(_settings(settings, root), root, Path(info["docs_root"]), info, False)


def _settings(settings: Settings, root: Path) -> Settings:
    """The serving settings pointed at a scratch home (the retrieval cache off: every question is new)."""
    new = dataclasses.replace(settings, home=Home(root), source=f"{settings.source} (scratch)")
    return new.replace("retrieve", cache=False)
