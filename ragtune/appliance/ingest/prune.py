"""Prune (`ingest --prune`): which stored documents a run's walk shows are gone; and, without --prune, which stored
documents under the given folders are gone from disk or behind a symlink no longer followed (said, not removed)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # only a type here: walk.py brings every loader, and `docs list` imports file_there from here
    from .walk import Walk


CORPUS_ROW_KIND = "beir"  # the kind of a corpus file's rows, stored as "F#<id>"


def names_row(prefix: str, kind: str) -> bool:
    """Whether a row of `kind` stored under `prefix` is what the prefix names: under "F#" only a corpus file's rows
    (kind "beir"), never a sibling that merely starts with F and a '#' (the file "F#notes.md", the folder "F#2/"),
    which `ingest F --prune` would prune and a failing F mark stale (round 46). Under "D/" any row."""
    return not prefix.endswith("#") or kind == CORPUS_ROW_KIND


class Stale(NamedTuple):
    """`ids`: the documents to prune; `refused`: (folder, stored documents kept) of each walked folder that holds no
    document file now while documents are stored under it. An emptied or unmounted share (`/srv/share` whose disk is
    not mounted tonight) looks exactly like one whose files were all deleted; pruning it would remove the whole
    corpus, so nothing under it is pruned (`ragtune docs remove FOLDER` removes on purpose)."""

    ids: list[int]
    refused: list[tuple[str, int]]


def stale_documents(store: Any, w: Walk, seen: set[str], seen_prefixes: list[str]) -> Stale:
    """Documents under the walked folders (or rows of the given corpus files) that this run did not see.
    Nothing under a folder we could not read, or under a walked folder with no document file in it, is stale."""
    out: list[int] = []
    refused: list[tuple[str, int]] = []
    keep = [str(u).rstrip(os.sep) + os.sep for u in w.unreadable] + seen_prefixes
    found = [str(i.path) for i in w.items] + [p for p, _ in w.failed]
    prefixes = [str(c) + "#" for c in w.prune_corpora]
    for root in w.prune_roots:
        prefix = str(root).rstrip(os.sep) + os.sep
        if not any(p.startswith(prefix) for p in found):
            n = len(store.documents_under(prefix))
            if n:
                refused.append((str(root), n))
            continue
        prefixes.append(prefix)
    stale: list[tuple[int, str]] = []
    named = _Named(store)
    for prefix in prefixes:
        for doc_id, path in store.documents_under(prefix):
            if path in seen or any(path.startswith(k) and named(k, doc_id) for k in keep):
                continue
            if named(prefix, doc_id):
                stale.append((int(doc_id), path))
    # only files that are gone can be an unmounted share: a folder the walk now skips (a recycle bin, an Apple
    # package: junk.py, round 49) holds its stored documents' files still, and --prune takes them out
    away = unavailable_folders([p for i, p in stale if not file_there(p, named.kind(i))], w)
    refused.extend((folder, n) for folder, n in away.items())
    out = [doc_id for doc_id, path in stale if _under(path, away) is None]
    return Stale(sorted(set(out)), refused)


# A folder under a walked one that held this many stored documents and holds no document file now (empty, or missing)
# is taken as unavailable, not emptied: a share mounted under the folder given (`/srv/docs/hr` while `/srv/docs` is
# ingested) that is not mounted tonight. Fewer: a small folder deleted on purpose, pruned as its files are.
UNAVAILABLE_MIN_DOCS = 5


def unavailable_folders(paths: list[str], w: Walk) -> dict[str, int]:
    """{folder: stored documents} of the folders under the walked ones that hold none of the files this walk met
    (read or failed) while at least UNAVAILABLE_MIN_DOCS of `paths` (stored documents whose files it did not meet) are
    under them: the highest such folder under each walked one. The walked folders themselves are checked apart (a
    walked folder with no document file refuses its whole prune: stale_documents)."""
    met: set[str] = set()  # every folder that holds a file this walk met, up to the walked folder
    for p in [str(i.path) for i in w.items] + [p for p, _ in w.failed]:
        d = os.path.dirname(p)
        while d and d not in met and d != os.path.dirname(d):
            met.add(d)
            d = os.path.dirname(d)
    roots = [str(r).rstrip(os.sep) + os.sep for r in w.prune_roots]
    count: dict[str, int] = {}
    for path in paths:
        root = next((r for r in roots if path.startswith(r)), None)
        if root is None:
            continue
        parts = path[len(root):].split(os.sep)[:-1]  # the folders between the walked one and the file
        for n in range(1, len(parts) + 1):
            folder = root + os.sep.join(parts[:n])
            if folder not in met:
                count[folder] = count.get(folder, 0) + 1
                break
    return {f: n for f, n in sorted(count.items()) if n >= UNAVAILABLE_MIN_DOCS}


class _Named:
    """`names_row` of stored documents by id. The ids of the files (kind not "beir") are read in one query, and only
    once a "F#" prefix asks: a corpus of 500k rows that failed (all of them kept) costs no lookup per row."""

    def __init__(self, store: Any):
        self.store = store
        self._files: set[int] | None = None

    def __call__(self, prefix: str, doc_id: int) -> bool:
        if not prefix.endswith("#"):
            return True
        if self._files is None:
            self._files = {int(i) for rows in self.store.file_documents_by_sha().values() for i, *_ in rows}
        return int(doc_id) not in self._files

    def kind(self, doc_id: int) -> str:
        """CORPUS_ROW_KIND for a corpus row, "file" for a file (for `file_there`)."""
        return CORPUS_ROW_KIND if self("#", doc_id) else "file"


def _under(path: str, folders: dict[str, int]) -> str | None:
    return next((f for f in folders if path.startswith(f + os.sep)), None)


class _Reads:
    """The reads gone_documents and skipped_documents share, each done once: the stored documents under a folder (one
    query), which are files (`_Named`), whether a stored document's file is there (one lstat, file_there). An ingest
    without --prune asks both of the same folders (gone_and_skipped)."""

    def __init__(self, store: Any):
        self.store = store
        self.named = _Named(store)
        self._under: dict[str, list[tuple[int, str]]] = {}
        self._there: dict[str, bool] = {}

    def under(self, prefix: str) -> list[tuple[int, str]]:
        if prefix not in self._under:
            self._under[prefix] = [(int(i), str(p)) for i, p in self.store.documents_under(prefix)]
        return self._under[prefix]

    def kind(self, doc_id: int, path: str) -> str | None:
        return None if "#" not in path else self.named.kind(doc_id)

    def there(self, doc_id: int, path: str) -> bool:
        if path not in self._there:
            self._there[path] = file_there(path, self.kind(doc_id, path))
        return self._there[path]


def gone_and_skipped(store: Any, paths: list[Path], w: Walk,
                     exclude: set[str] | frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(gone_documents, skipped_documents) of one run, the stored documents and their files read once for both;
    `exclude` and the gone ones are left out of the skipped."""
    reads = _Reads(store)
    gone = gone_documents(store, paths, w, reads=reads)
    return gone, skipped_documents(store, w, exclude=set(exclude) | set(gone), reads=reads)


def gone_documents(store: Any, paths: list[Path], w: Walk | None = None, *, reads: _Reads | None = None) -> list[str]:
    """Stored documents under the given folders whose file is no longer there (a corpus row: its corpus file), by
    path: what an ingest without --prune keeps serving. Nothing is listed for a folder that is missing or empty
    (not mounted?): its files are not known to be gone; nor, with the run's walk `w`, under a folder in it that
    --prune would not prune (`unavailable_folders`)."""
    reads = reads or _Reads(store)
    out: list[str] = []
    for given in paths:
        root = Path(os.path.realpath(os.path.abspath(Path(given).expanduser())))
        try:
            if not root.is_dir():
                continue
            with os.scandir(root) as entries:  # closed: an iterator left open is a ResourceWarning
                if not any(entries):
                    continue
        except OSError:
            continue
        out.extend(path for i, path in reads.under(str(root).rstrip(os.sep) + os.sep) if not reads.there(i, path))
    if w is not None:
        away = unavailable_folders(out, w)
        out = [p for p in out if _under(p, away) is None]
    return sorted(set(out))


def skipped_documents(store: Any, w: Walk, exclude: set[str] | frozenset[str] = frozenset(), *,
                      reads: _Reads | None = None) -> list[str]:
    """Stored documents under the walked folders whose files are still there but that this walk no longer selects:
    stored before a rule skipped them (a recycle bin's or an Apple package's files, round 49: junk.py), or of an
    extension no longer read. They keep answering; `--prune` removes them (stale_documents). `exclude`: paths said
    otherwise (behind_links). Nothing under a folder the walk could not read or did not enter (the ragtune home)."""
    met = {str(i.path) for i in w.items} | {p for p, _ in w.failed}
    keep = tuple(str(u).rstrip(os.sep) + os.sep for u in w.unreadable)
    reads = reads or _Reads(store)
    out: list[str] = []
    for root in w.prune_roots:
        prefix = str(root).rstrip(os.sep) + os.sep
        for i, path in reads.under(prefix):
            if path in met or path in exclude or path.startswith(keep):
                continue
            parts = path.split("#")
            if reads.kind(i, path) == CORPUS_ROW_KIND and any("#".join(parts[:n]) in met for n in range(1, len(parts))):
                continue  # a row of a corpus file this walk read (a row no longer in it: stale, not skipped)
            if reads.there(i, path):
                out.append(path)
    return sorted(set(out))


def behind_links(store: Any, links: set[str]) -> list[str]:
    """Stored documents read through the symlinks `links` (when they were followed), gone now that they are not: the
    link itself (a file, or a corpus file's rows) or anything under it (a folder)."""
    out: set[str] = set()
    named = _Named(store)
    for link in links:
        if store.document_by_path(link) is not None:
            out.add(link)
        for prefix in (link + "#", link.rstrip(os.sep) + os.sep):
            out.update(path for i, path in store.documents_under(prefix) if named(prefix, i))
    return sorted(out)


def file_there(path: str, kind: str | None = None) -> bool:
    """The file of a stored path is there: the path itself, or for a corpus row (`file#id`) its corpus file. One
    lstat (two for a corpus row): `docs list` asks it of every row it lists. A folder at the path is no file: a file
    replaced by a folder of the same name (`notes.md/` holding the split-up notes) is gone (round 46: it was "there",
    so its document answered on, never listed as gone, and a copy of its bytes in the folder was not its rename).
    `kind`, the stored document's: only a row of kind "beir" is looked for in its corpus file. Without it, the part
    before a '#' counts only when it names a corpus file (.jsonl): a deleted `a#b.md` beside a file `a` is gone
    (round 47: it was "there", `a` read as the corpus file of a row `b.md`)."""
    return file_left(path, kind) is not None


def file_left(path: str, kind: str | None = None) -> str | None:
    """The file that makes `file_there(path, kind)` true (the path itself, or a corpus row's corpus file); None when
    it is gone. `docs remove` names it when it is still there (the next ingest would add it again)."""
    if _not_a_folder(path):
        return path
    if kind is not None and kind != CORPUS_ROW_KIND:
        return None
    parts = path.split("#")
    heads = ("#".join(parts[:n]) for n in range(len(parts) - 1, 0, -1))
    return next((head for head in heads if _corpus_file(head) and _not_a_folder(head)), None)


CORPUS_SUFFIX = ".jsonl"  # a corpus file's (loaders.KINDS: the only suffix of kind "beir"; not imported: every loader)


def _corpus_file(path: str) -> bool:
    return path.lower().endswith(CORPUS_SUFFIX)


def _not_a_folder(path: str) -> bool:
    """Something other than a folder is at `path` (a file, a link to one, a link to nothing: as lexists)."""
    try:
        st = os.lstat(path)
    except (OSError, ValueError):
        return False
    if stat.S_ISLNK(st.st_mode):
        try:
            return not stat.S_ISDIR(os.stat(path).st_mode)
        except (OSError, ValueError):
            return True  # a link to nothing: its name is there (lexists), as before
    return not stat.S_ISDIR(st.st_mode)

