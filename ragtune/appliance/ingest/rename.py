"""Renamed and moved files: a path new to the store whose bytes (sha256) are those of a stored document whose own file
is gone is that document, moved. Its row takes the new path and keeps its id, chunks and vectors (and the query log
rows that cite its chunks): a rename costs no parse and no embedding, where it was a new document embedded again and
the old one left to answer (or to --prune).

A copy is not a move: while the stored document's file is still there (or was met by this run), the new path is a
new document, as before. Only stored files of the same kind are taken (`a.txt` renamed `a.md` is read by another
loader: a new document), never corpus rows. Two stored documents with the same bytes and both gone: the one with the
same file name (a move to another folder), then the same folder (a rename), then the oldest, is moved first.

Nor is a twin out of a share that is not mounted: a stored document whose folder is there but empty and held at
least prune.UNAVAILABLE_MIN_DOCS stored documents stays (its folder is unavailable, as `--prune` treats it; when
the share comes back its file is there again). A folder moved away whole (its old place gone) is a move."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from ..atomic import nearest_folder
from .loaders import title_from_path
from .prune import UNAVAILABLE_MIN_DOCS, file_there


class Moved(NamedTuple):
    doc_id: int
    old_path: str
    # its stored title is the one its old file name gives (no title in the file): the new name may give another,
    # so the file is read again (chunks whose embedding text did not change keep their vectors)
    retitle: bool


class Renames:
    """One run's lookup, read from the store the first time a new path is met (a run of unchanged files, or of
    corpus rows only, reads nothing)."""

    def __init__(self, store: Any):
        self.store = store
        self._by_sha: dict[str, list[tuple[int, str, str, str]]] | None = None
        self._per_folder: dict[str, int] = {}  # stored documents by folder

    def find(self, path: str, sha: str, kind: str, seen: set[str]) -> Moved | None:
        """The stored document the file at `path` (no document is stored under it) was moved from, or None. `seen`:
        the paths this run met (their files are there: a document stored under one is not gone)."""
        if self._by_sha is None:
            self._by_sha = self.store.file_documents_by_sha()
            for docs in self._by_sha.values():
                for c in docs:
                    d = os.path.dirname(c[1])
                    while d != os.path.dirname(d):  # every folder above it: the documents under each
                        self._per_folder[d] = self._per_folder.get(d, 0) + 1
                        d = os.path.dirname(d)
        gone = [c for c in self._by_sha.get(sha, ()) if c[2] == kind and c[1] not in seen and not file_there(c[1])
                and not self._unmounted(c[1])]
        if not gone:
            return None
        new = Path(path)
        best = min(gone, key=lambda c: (Path(c[1]).name != new.name, Path(c[1]).parent != new.parent, c[0]))
        self._by_sha[sha].remove(best)
        doc_id, old, _, title = best
        old_title = title_from_path(Path(old))
        return Moved(doc_id, old, title == old_title and title_from_path(new) != old_title)

    def _unmounted(self, old: str) -> bool:
        """The nearest folder above `old` that is there is empty and held at least UNAVAILABLE_MIN_DOCS stored
        documents: a share not mounted (a folder moved away whole leaves no empty folder behind)."""
        d = str(nearest_folder(os.path.dirname(old)))
        if self._per_folder.get(d, 0) < UNAVAILABLE_MIN_DOCS:
            return False
        try:
            with os.scandir(d) as it:
                return next(it, None) is None
        except OSError:  # unreadable: not known to be empty
            return False
