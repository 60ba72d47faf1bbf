"""Ingest, step 1: walk the given paths into the list of documents to load (files of the configured kinds, BEIR
corpus files) and the reasons the rest were skipped. Deterministic order; hidden files and folders are skipped;
symlinked folders are followed once (loops and links to an ancestor are reported, not followed). A symlink whose
real target lies outside every path given (`share/x -> /etc`, `-> ~/.ssh`) is not followed unless asked
(`follow_outside_links`): one failure line names it, so a link in a shared folder cannot pull private files into
the corpus; a path given by name is always read, links or not (as rsync --safe-links, fd, os.walk do); folders that
could not be read are listed so that pruning never deletes what is under them. FIFOs, sockets and devices are
never read (a FIFO would block): each gets a line. The ragtune home met inside a walked folder (`ingest ~` with
the home under it) is skipped: its eval reports and models are not the user's documents. A file or folder whose name
is not UTF-8 (Python's str holds surrogates for its bytes) is a failure with its bytes shown as `\\xe9`: the store
keeps paths as UTF-8 text and could not hold it, so it never reaches the store (not even as a failed path).
Files copied from a Mac or Windows: the junk each system leaves (`junk.py`) is counted as ignored, not read; a given path
that is not there is looked up with its names in either Unicode form (`_other_form`), and a Windows path
(`C:\\Docs\\a.md`) is said to be one."""

from __future__ import annotations

import fcntl
import os
import re
import stat
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..text import is_utf8, shown_path
# the ignored_exts keys are imported from here too (summary.py, tests)
from .junk import MAC_JUNK, NO_EXTENSION, OWNER_FILE, WINDOWS_JUNK, system_file  # noqa: F401
from .loaders import KINDS, LoadError, read_limited, read_reason
from .loaders.base import name_suffix


@dataclass
class WalkItem:
    path: Path  # resolved
    kind: str
    # where its real path may lead when read (read_item); None: anywhere (follow_outside_links)
    inside: _Inside | None = None


@dataclass
class Walk:
    items: list[WalkItem] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # files in walked folders left out for their kind, per extension (".csv"; NO_EXTENSION, OWNER_FILE; ".jsonl" for
    # JSONL that is not a corpus)
    ignored_exts: dict[str, int] = field(default_factory=dict)
    prune_roots: list[Path] = field(default_factory=list)  # folders (resolved) whose stale documents may go
    prune_corpora: list[Path] = field(default_factory=list)  # explicit corpus files: rows no longer present go
    unreadable: list[Path] = field(default_factory=list)  # never prune under these (we could not look)
    paths_bad: int = 0
    skipped: list[Path] = field(default_factory=list)  # folders not entered: the ragtune home

    def fail(self, path: Path | str, reason: str) -> None:
        self.failed.append((shown_path(path), reason))

    def ignore(self, key: str) -> None:
        self.ignored_exts[key] = self.ignored_exts.get(key, 0) + 1

    @property
    def ignored(self) -> int:
        """How many files were ignored (the TUI counts them)."""
        return sum(self.ignored_exts.values())


def _not_utf8(path: Path, what: str) -> str:
    if not is_utf8(path.name):
        return f"{what} name is not valid UTF-8 (rename it)"
    return "a folder name in its path is not valid UTF-8 (rename that folder)"


def _is_corpus_name(p: Path) -> bool:
    # In a folder walk only corpus files are BEIR corpora: queries.jsonl rows are not documents.
    return name_suffix(p.name) == ".jsonl" and "corpus" in p.stem.lower()


# The reason a symlink leading outside the given paths is not followed (the summary names the link, with its target)
OUTSIDE_LINK = "symlink outside the folder"


@dataclass(frozen=True)
class _Inside:
    """Where a symlink met in a walk may lead and be followed: into a given folder, or to a given file."""

    folders: tuple[str, ...]  # real paths, each ending in a separator
    files: frozenset[str]

    def holds(self, real: str) -> bool:
        return real in self.files or any((real + os.sep).startswith(f) for f in self.folders)


class _Given(NamedTuple):
    """A path given to `walk`, looked up once: as the disk spells it (`_other_form`), its stat (or why there is none)
    and its real path (None without a stat)."""

    path: Path
    st: os.stat_result | OSError
    real: str | None


def _given(typed: Path) -> _Given:
    given = Path(os.path.abspath(Path(typed).expanduser()))
    try:
        st: os.stat_result | OSError = given.stat()
    except FileNotFoundError as exc:
        found = _other_form(given)
        if found is None:
            return _Given(given, exc, None)
        given, st = found
    except OSError as exc:
        return _Given(given, exc, None)
    return _Given(given, st, os.path.realpath(given))


def _inside(given: list[_Given]) -> _Inside:
    """The real paths of the given folders and files (those that are there, in either Unicode form)."""
    folders: list[str] = []
    files: set[str] = set()
    for g in given:
        if g.real is None or isinstance(g.st, OSError):
            continue
        if stat.S_ISDIR(g.st.st_mode):
            folders.append(g.real.rstrip(os.sep) + os.sep)
        else:
            files.add(g.real)
    return _Inside(tuple(folders), frozenset(files))


def walk(paths: list[Path], extensions: list[str], *, skip: Path | None = None,
         follow_outside_links: bool = False) -> Walk:
    """`skip`: a folder not entered when a walk reaches it from above (the home); a path given inside it is walked.
    `follow_outside_links`: follow a symlink met in a folder even where its target is outside every given path (by
    default it is a failure, `OUTSIDE_LINK`, and nothing behind it is read)."""
    exts = {e.lower() for e in extensions}
    w = Walk()
    skip_key = _dir_key(skip) if skip is not None else None
    resolved = [_given(Path(typed)) for typed in paths]  # each looked up once, for `inside` and for the walk
    inside = None if follow_outside_links else _inside(resolved)
    seen_files: dict[tuple[int, int], int] = {}  # a file's (device, inode) -> its place in w.items
    for typed, (given, st, real_s) in zip(paths, resolved):
        if isinstance(st, FileNotFoundError):
            _not_found(w, given, str(typed))
            continue
        if isinstance(st, OSError):
            w.fail(given, os_reason(st))  # "permission denied" for a PermissionError
            w.paths_bad += 1
            continue
        if stat.S_ISDIR(st.st_mode):
            root = Path(real_s or os.path.realpath(given))
            if not is_utf8(root):  # its documents' paths could not be stored: not entered
                w.fail(root, _not_utf8(root, "folder"))
                w.paths_bad += 1
                continue
            if not os.access(root, os.R_OK | os.X_OK):
                w.fail(given, "permission denied")
                w.paths_bad += 1
                continue
            w.prune_roots.append(root)
            _walk_dir(root, exts, w, seen_files, skip_key, inside)
        elif stat.S_ISREG(st.st_mode):
            # like the folder walk: the real folder, the name as given (a symlinked file keeps its name)
            real = Path(os.path.realpath(given.parent)) / given.name
            kind = KINDS.get(name_suffix(real.name))
            if kind is None or kind not in {KINDS.get(e) for e in exts}:
                w.fail(given, f"unsupported file type '{shown_path(real.suffix or real.name)}'")
                w.paths_bad += 1
                continue
            if not is_utf8(real):
                w.fail(real, _not_utf8(real, "file"))
                w.paths_bad += 1
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen_files:  # met through a link in a folder given before it: its real path is kept
                _prefer_real_path(w, seen_files[key], real)
            else:
                seen_files[key] = len(w.items)
                w.items.append(WalkItem(real, kind))
                if kind == "beir":
                    w.prune_corpora.append(real)
        else:
            w.fail(given, "not a regular file or folder")
            w.paths_bad += 1
    for item in w.items:
        item.inside = inside
    return w


def read_item(item: WalkItem, max_file_mb: float) -> bytes:
    """`loaders.read_bytes` for a walked file, as the walk judged it: a file swapped since the walk (a big ingest
    reads its last file minutes later) for a symlink out of the given paths (`a.md -> ~/.ssh/id_rsa`), or a folder
    above it for one, is refused as the walk refuses such a link (its bytes would be stored and answered from); a
    FIFO or device swapped in is refused, never opened blocking (a FIFO's open waits for a writer: ingest hung).
    Checked on the open file: its real path is inside and names the very file opened (device and inode), so a swap
    after the check cannot pass either."""
    path = item.path
    fd, st = _open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        if item.inside is not None:
            real = os.path.realpath(path)
            try:
                same = os.stat(real)
            except OSError:
                same = None
            if not item.inside.holds(real) or same is None or (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino):
                raise LoadError(f"symlink outside the folder (to {shown_path(real)}): not followed")
        return read_limited(fh, st.st_size, path, max_file_mb)


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """`path` opened for reading, and its fstat, when it is a regular file, else LoadError. Opened non-blocking (a
    FIFO's open would wait for a writer), so a file under a kernel lease (a Samba oplock, an NFS server's delegation)
    fails at once with EAGAIN where a plain open waits for the holder to let go: tried again, backing off, until the
    kernel's lease-break time has passed. A regular file's fd is made blocking again (FUSE passes O_NONBLOCK on)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    deadline, pause = 0.0, 0.02
    while True:
        try:
            fd = os.open(path, flags)
            break
        except BlockingIOError as exc:  # EAGAIN / EWOULDBLOCK: the lease holder has been told and is letting go
            if time.monotonic() >= (deadline := deadline or time.monotonic() + _lease_break_s() + 1):
                raise LoadError(f"{os_reason(exc)}: another program holds a lease on it (Samba, NFS)") from None
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
        except OSError as exc:
            raise LoadError(read_reason(exc, path)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LoadError(f"not a regular file ({_special_kind_of(st.st_mode)}): skipped")
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _lease_break_s() -> float:  # how long the kernel waits for a lease holder before breaking the lease itself
    try:
        return min(float(Path("/proc/sys/fs/lease-break-time").read_text()), 300.0)
    except (OSError, ValueError):
        return 45.0  # the kernel's default

def _not_found(w: Walk, given: Path, typed: str) -> None:
    w.paths_bad += 1
    if given.is_symlink():
        w.fail(given, "broken symlink")
    elif (rooted := bool(_WINDOWS_ROOT.match(typed))) or "\\" in typed:  # Linux separates folders with "/"
        # shown as typed: "/home/u/C:\Docs\a.md" would hide what went wrong
        as_posix = typed.replace("\\", "/")
        hint = f"did you mean '{as_posix}'?" if not rooted and os.path.exists(as_posix) else \
            "give the path of its copy on this machine, with / between folders"
        w.fail(typed, f"not found: a Windows path ({hint})")
    else:
        w.fail(given, "not found")


# Where a Windows path starts: a drive ("C:\", "c:/", "C:") or a UNC share ("\\server\share"); no copy here is
# found by such a path with / for \ (a relative one, "Docs\a.md", may be)
_WINDOWS_ROOT = re.compile(r"^(?:[A-Za-z]:(?:[\\/]|$)|\\\\)")


def _other_form(path: Path) -> tuple[Path, os.stat_result] | None:
    """`path` as the disk spells it when it is there with a name in the other Unicode form, else None. A Mac writes
    names decomposed ("e" + U+0301) and a copy keeps them so; a name typed or pasted here is composed ("é"). The two
    look the same, so "not found" would be a riddle. Each missing name is matched, in NFC, against its folder's
    entries; only a single match is taken (two files that differ only so are both there: the typed one is asked)."""
    if path.as_posix().isascii():
        return None
    cur = Path(path.anchor)
    for part in path.parts[1:]:
        nxt = cur / part
        if not os.path.lexists(nxt):
            want = unicodedata.normalize("NFC", part)
            try:
                hits = [n for n in os.listdir(cur) if n != part and unicodedata.normalize("NFC", n) == want]
            except OSError:
                return None
            if len(hits) != 1:
                return None
            nxt = cur / hits[0]
        cur = nxt
    try:
        return cur, cur.stat()
    except OSError:
        return None


def os_reason(exc: OSError) -> str:
    """The one-line reason an OS error gives for skipping a path."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    if getattr(exc, "errno", None) == 40:  # ELOOP
        return "symlink loop"
    return f"cannot read: {exc.strerror or exc}"


def _special_kind(p: Path) -> str:
    return _special_kind_of(os.stat(p).st_mode)


def _special_kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def _points_to_ancestor(link: Path) -> bool:
    """A folder link to itself or to one of its own ancestors (`a/b/up -> a`, `x -> /`): following it loops."""
    target = os.path.realpath(link)
    here = os.path.realpath(link.parent)
    return here == target or here.startswith(target.rstrip(os.sep) + os.sep)


def _outside(p: Path, inside: _Inside | None) -> str | None:
    """The failure reason for symlink `p` when its real target is outside the given paths, else None."""
    if inside is None:
        return None
    real = os.path.realpath(p)
    if inside.holds(real):
        return None
    return f"symlink outside the folder (to {shown_path(real)}): not followed"  # OUTSIDE_LINK, spelt out


def _dir_key(p: Path) -> tuple[int, int] | None:
    try:
        st = p.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _prefer_real_path(w: Walk, at: int, p: Path) -> None:
    """A file met twice, once through a symlink (`memos/policy.md -> ../policies/policy.md`): it is stored under its
    real path, whichever the sorted walk met first. Else the document's path would depend on the names of the links
    to it, and adding or removing a link would move it (a new document, the old one pruned)."""
    item = w.items[at]
    if item.kind != "beir" and os.path.realpath(item.path) != str(item.path) and os.path.realpath(p) == str(p):
        w.items[at] = WalkItem(p, item.kind)


def _walk_dir(root: Path, exts: set[str], w: Walk, seen_files: dict[tuple[int, int], int],
              skip_key: tuple[int, int] | None = None, inside: _Inside | None = None) -> None:
    """Depth-first, sorted (deterministic), following symlinks. A folder link to one of its own ancestors is
    reported as a symlink loop; any folder already walked (same device and inode) is not entered again. Folder links
    are walked last, so a folder linked from elsewhere in the tree is walked under its real path, not the link's.
    `inside` (None: follow every link): a link to a folder, or to a file that would be read, whose target is not in
    it is a failure, not followed."""
    visited: set[tuple[int, int]] = set()
    stack = [root]
    linked: list[Path] = []  # folder links met, walked once the real folders are
    while stack or linked:
        if not stack:
            stack.append(linked.pop(0))
        d = stack.pop()
        try:
            st = d.stat()
        except OSError as exc:
            w.fail(d, os_reason(exc))
            w.unreadable.append(d)
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            continue  # a second link to a folder already walked: nothing new in it
        visited.add(key)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            w.fail(d, os_reason(exc))
            w.unreadable.append(d)
            continue
        subdirs: list[Path] = []
        for e in entries:
            if system_file(e, w.ignore):  # a Mac's or Windows' own files, hidden ones, Office owner files (junk.py)
                continue
            p = Path(e.path)
            try:
                is_dir = e.is_dir(follow_symlinks=True)
                is_file = e.is_file(follow_symlinks=True)
            except OSError as exc:
                w.fail(p, os_reason(exc))
                continue
            if is_dir:
                if not is_utf8(e.name):  # nothing under it could be stored: one line for it, not entered
                    w.fail(p, _not_utf8(p, "folder"))
                elif skip_key is not None and _dir_key(p) == skip_key:
                    w.skipped.append(p)
                    w.unreadable.append(p)  # and never pruned under: what was stored from there stays
                elif e.is_symlink() and _points_to_ancestor(p):
                    w.fail(p, "symlink loop")
                elif e.is_symlink() and (outside := _outside(p, inside)):
                    w.fail(p, outside)
                else:
                    (linked if e.is_symlink() else subdirs).append(p)
                continue
            if not is_file:
                try:
                    os.stat(p)
                    # a FIFO, socket or device: never read (a FIFO would block), but said in the summary
                    w.fail(p, f"not a regular file ({_special_kind(p)}): skipped")
                except OSError as exc:  # a dangling link, or a loop of file links
                    reason = "symlink loop" if getattr(exc, "errno", None) == 40 else "broken symlink"
                    w.fail(p, reason)
                continue
            suffix = name_suffix(e.name)  # "notes.txt " is a .txt
            if suffix not in exts or (suffix == ".jsonl" and not _is_corpus_name(p)):  # (queries.jsonl: no corpus)
                w.ignore(shown_path(suffix) or NO_EXTENSION)  # its bytes escaped: a key of --json and of a line
                continue
            if not is_utf8(e.name):  # the store could not hold its path: said, never read
                w.fail(p, _not_utf8(p, "file"))
                continue
            if e.is_symlink() and (outside := _outside(p, inside)):  # (a link to a .csv stays an ignored .csv)
                w.fail(p, outside)
                continue
            try:
                fst = p.stat()
            except OSError as exc:
                w.fail(p, os_reason(exc))
                continue
            fkey = (fst.st_dev, fst.st_ino)
            kind = KINDS.get(suffix)
            if fkey in seen_files:  # the same file through another link
                _prefer_real_path(w, seen_files[fkey], p)
                continue
            if kind:
                seen_files[fkey] = len(w.items)
                # the stored path is the path under the walked folder (symlinked folders keep their place)
                w.items.append(WalkItem(p, kind))
        stack.extend(reversed(subdirs))
