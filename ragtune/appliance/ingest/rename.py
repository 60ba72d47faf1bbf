"""Renamed and moved files: a path new to the store whose bytes (sha256) are those of a stored document whose own file
is gone is that document, moved. Its row takes the new path and keeps its id, chunks and vectors (and the query log
rows that cite its chunks): a rename costs no parse and no embedding, where it was a new document embedded again and
the old one left to answer (or to --prune).

A copy is not a move: while the stored document's file is still there (or was met by this run), the new path is a
new document, as before. Only stored files of the same kind are taken (`a.txt` renamed `a.md` is read by another
loader: a new document), never corpus rows. Two stored documents with the same bytes and both gone: the one with the
same file name (a move to another folder), then the same folder (a rename), then the oldest, is moved first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from .loaders import title_from_path


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

    def find(self, path: str, sha: str, kind: str, seen: set[str]) -> Moved | None:
        """The stored document the file at `path` (no document is stored under it) was moved from, or None. `seen`:
        the paths this run met (their files are there: a document stored under one is not gone)."""
        if self._by_sha is None:
            self._by_sha = self.store.file_documents_by_sha()
        gone = [c for c in self._by_sha.get(sha, ()) if c[2] == kind and c[1] not in seen and not os.path.lexists(c[1])]
        if not gone:
            return None
        new = Path(path)
        best = min(gone, key=lambda c: (Path(c[1]).name != new.name, Path(c[1]).parent != new.parent, c[0]))
        self._by_sha[sha].remove(best)
        doc_id, old, _, title = best
        old_title = title_from_path(Path(old))
        return Moved(doc_id, old, title == old_title and title_from_path(new) != old_title)
