"""The lexical index's lock files and litter (split from lexical.py, which re-exports these names), opening an index
this process may not write, and a write the disk has no room for.

Tantivy takes `.tantivy-meta.lock` even to read (its reader holds it while it opens the segments), so an index on a
read-only mount (a kiosk's home prepared elsewhere) or in a folder of another user's cannot be opened where it is.
Such an index is read through a private view (`private_view`): a new temporary folder holding a symbolic link to each
of its files, copies of the small ones Tantivy rewrites (meta.json, .managed.json, our synced.json) and lock files of
its own. Nothing else is copied: a view of a 1 GB index costs a directory listing, not 1 GB of TMPDIR (a tmpfs, often).
Segment files are written once and never changed in place; a writer in the view (ensure_synced rebuilding an index
out of step with its database) writes its new files there, replaces meta.json by rename and deletes only the links:
the home's files are never written. The view is removed at close, or at exit.
"""

from __future__ import annotations

import atexit
import errno
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from .atomic import free_bytes as _free  # (a module name of its own: tests give it a full disk)
from .atomic import nearest_folder
from .errors import BusyError, StoreError, WriteRefused
from .filelock import LockBusy, LocksUnavailable, exclusive

SIDECAR = "synced.json"
# Tantivy's atomic writes (meta.json, .managed.json) go through a `.tmpXXXXXX` beside them (Rust's tempfile crate)
TANTIVY_TMP = re.compile(r"^\.tmp[A-Za-z0-9]{6}$")
WRITER_LOCK = ".tantivy-writer.lock"  # Tantivy's writer lock: a plain flock on this file (fs4), so ours excludes it
META_LOCK = ".tantivy-meta.lock"  # Tantivy's readers hold it while they read meta.json and open its segments
LOCK_FILES = (WRITER_LOCK, META_LOCK)  # never removed: a new file under the name would not exclude
COPIED = ("meta.json", ".managed.json", SIDECAR)  # what a view copies: rewritten (by rename), and small
DENIED = (errno.EROFS, errno.EACCES, errno.EPERM)
# Tantivy's words for an io::Error of EROFS / EACCES (its lock files): "IoError(Os { code: 30, kind: ReadOnly…"
_DENIED_TEXT = ("ReadOnlyFilesystem", "PermissionDenied", "os error 30", "os error 13", "code: 30,", "code: 13,")
_NO_ROOM_TEXT = ("No space left on device", "os error 28", "code: 28,", "StorageFull")
LOW_ROOM = 64 << 20  # a writer Tantivy "killed" with less than this free beside it ran out of room


class IndexBusy(BusyError):  # exit 75: run it again later (errors.BusyError)
    @classmethod
    def writing(cls, path: Path | str) -> "IndexBusy":
        """Another process holds the writer of the index in `path` (our lock or Tantivy's: the same words)."""
        return cls(f"{path}: the lexical index is being written by another process")


def is_litter(name: str) -> bool:
    """A name in the index folder that only a killed writer leaves: Tantivy's `.tmpXXXXXX`, our `synced.json.tmp`,
    a killed reset's folder (`publish_new`)."""
    return name == SIDECAR + ".tmp" or bool(TANTIVY_TMP.match(name)) or name.startswith(RESET_PREFIX)


@contextmanager
def locked(path: Path, wait_s: float) -> Iterator[None]:
    """Tantivy's writer lock on the index folder `path`, taken from outside Tantivy: while held, no IndexWriter (of
    any process) writes there. IndexBusy when another holds it past `wait_s` (0: one try)."""
    try:
        with exclusive(path / WRITER_LOCK, wait_s=wait_s):
            yield
    except LockBusy:
        raise IndexBusy.writing(path) from None


def remove_litter(path: Path) -> None:
    """What a killed writer or creation left in `path`: Tantivy's half-written `.tmpXXXXXX` (its atomic meta writes)
    and our `synced.json.tmp`. Only with the writer lock held: no other process can be making them now."""
    try:
        names = [n for n in os.listdir(path) if is_litter(n)]
    except OSError:
        return
    for n in names:
        try:
            if n.startswith(RESET_PREFIX) and (path / n).is_dir():
                shutil.rmtree(path / n)
            else:
                (path / n).unlink()
        except OSError:  # a folder, or gone: not ours to force
            pass


def sweep_litter(path: Path | str) -> None:
    """Remove the temporaries killed writers left in the index folder `path` when no writer holds it now (one that
    does clears them itself); never waits. Opening a home for writing calls it (home.sweep_leftovers). Nothing is
    touched when there is nothing to remove."""
    path = Path(path)
    try:
        if not any(is_litter(n) for n in os.listdir(path)):
            return
        with locked(path, 0):
            remove_litter(path)
    except (IndexBusy, OSError):  # a live writer, or a folder this user cannot lock: left as it is
        pass


# -- an index this process may not write -------------------------------------------------------------------------
def unwritable(path: Path) -> bool:
    """This process cannot write the index folder `path` (or, not there yet, the folder it would be made in): a
    read-only file system, or a folder of another user's."""
    at = nearest_folder(path)
    try:
        return bool(os.statvfs(at).f_flag & os.ST_RDONLY) or not os.access(at, os.W_OK | os.X_OK)
    except OSError:
        return False


def denied(exc: BaseException) -> bool:
    """`exc` (an OSError, or Tantivy's ValueError) is a write refused for want of permission or a read-only mount."""
    if isinstance(exc, OSError) and exc.errno in DENIED:
        return True
    return isinstance(exc, ValueError) and any(t in str(exc) for t in _DENIED_TEXT)


def private_view(index: Path) -> Path:
    """A private view of the index folder `index` (the module's doc) in a new temporary folder, removed at exit (or
    by `drop_view`). An index it cannot read whole (a listing or a copy refused: a home of another user's) gives an
    empty view, which ensure_synced fills from the database; no room for a view in TMPDIR is a StoreError."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix="ragtune-lexical-"))
        view = tmp / "tantivy"
        view.mkdir()
    except OSError as exc:
        raise StoreError(f"{index}: the lexical index cannot be written here, and no private view of it can be made "
                         f"in the temporary folder ({tempfile.gettempdir()}): {exc.strerror or exc}",
                         hint="set TMPDIR to a writable folder with a few MB free") from None
    atexit.register(shutil.rmtree, tmp, True)
    src = Path(os.path.abspath(index))
    try:
        for attempt in range(VIEW_TRIES):
            if _fill_view(src, view) or attempt == VIEW_TRIES - 1:
                break
            for child in view.iterdir():  # the owner committed while we read: again, from its new meta.json
                child.unlink()
            time.sleep(0.01)
    except OSError:  # not readable whole: an empty index, rebuilt from the database (derived data)
        for child in view.iterdir():
            child.unlink()
    return view


# A view is read again when the owner's writer commits while it is made; after this many tries it is used as it is
# (an index that does not open, or out of step, is rebuilt in the view: slower, never wrong).
VIEW_TRIES = 5


def _fill_view(src: Path, view: Path) -> bool:
    """Copy `src`'s meta files into `view`, then link its other files: True when the meta files read the same after
    (no commit in between) and every segment meta.json names has its files linked. The meta files are replaced
    by rename, so each read is whole; what can tear is meta.json against the listing (a commit adds segments and
    drops others between the two: the view named segments it had no link to, failed to open, and was rebuilt)."""
    for name in COPIED:
        try:
            shutil.copyfile(src / name, view / name)
        except FileNotFoundError:
            pass
    before = _read_copied(view)
    names = [n for n in sorted(os.listdir(src)) if n not in COPIED and n not in LOCK_FILES and not is_litter(n)
             and (src / n).is_file()] if src.is_dir() else []
    for name in names:
        os.symlink(src / name, view / name)
    return _read_copied(src) == before and _segments_linked(before.get("meta.json"), names)


def _read_copied(folder: Path) -> dict[str, bytes]:
    out = {}
    for name in COPIED:
        try:
            out[name] = (folder / name).read_bytes()
        except FileNotFoundError:
            pass
    return out


def _segments_linked(meta: bytes | None, names: list[str]) -> bool:
    """Every segment of `meta` (meta.json's bytes) has a file among `names` (Tantivy names a segment's files by its
    id without dashes). A meta.json that does not parse is not ours to judge: Tantivy's open says."""
    if meta is None:
        return True
    try:
        ids = {str(seg["segment_id"]).replace("-", "") for seg in json.loads(meta)["segments"]}
    except (ValueError, KeyError, TypeError):
        return True
    have = {n.split(".", 1)[0] for n in names}
    return ids <= have


def drop_view(view: Path | None) -> None:
    """Remove a view `private_view` made (its temporary folder)."""
    if view is not None and view.parent.name.startswith("ragtune-lexical-"):
        shutil.rmtree(view.parent, ignore_errors=True)


# -- no room -------------------------------------------------------------------------------------------------------
def no_room(index: Path, exc: BaseException) -> WriteRefused | None:
    """The WriteRefused (exit 74) for a write of the lexical index in `index` the machine refused: Tantivy's "No space
    left on device (os error 28)", or its "index writer was killed" (its indexing thread hit an io::Error, whose words
    are lost: under LOW_ROOM free there, no room; else a quota, `ulimit -f`, a failing disk); None for anything else."""
    text = str(exc)
    free = _free(index)
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) \
        or any(t in text for t in _NO_ROOM_TEXT) or ("was killed" in text and free is not None and free < LOW_ROOM)
    if not (full or "was killed" in text):
        return None
    left = f" ({free >> 10} KB free)" if free is not None else ""
    why = f"no space left on the file system{left}" if full else \
        f"its writer stopped on a write the machine refused ({text[:120]}: a disk quota, `ulimit -f`, a failing disk)"
    return WriteRefused(f"{index}: cannot write the lexical index: {why}; what the database holds is kept, and the "
                        "index is rebuilt from it once the write can be made",
                        errno=errno.ENOSPC if full else errno.EIO,
                        hint=f"free some space (`df -h {index}`{'' if full else ', `ulimit -f`'}), then run the "
                             "command again")


@contextmanager
def room_checked(index: Path) -> Iterator[None]:
    """Turn a write of the index in `index` refused for want of room (`no_room`) into its WriteRefused."""
    try:
        yield
    except (ValueError, OSError) as exc:
        if isinstance(exc, OSError) and not str(exc.filename or "").startswith(str(index)):
            raise  # another file's (the caller's block writes others): not this index's to name
        refused = no_room(index, exc)
        if refused is None:
            raise
        raise refused from None




# -- an index replaced under a reader (round 49) ---------------------------------------------------------------
REOPEN_WAIT_S = 10.0  # how long a reader waits for an index another process is replacing (Tantivy's own meta lock
# wait is 10 s too); an older ragtune's reset deletes the files, then makes a new empty index: milliseconds
RESET_PREFIX = ".reset-"  # the folder (inside the index's) a reset builds its new empty index in
SIDE_PREFIX = "schema-"  # tantivy/schema-N: an older release's own index beside a newer one's (lexical.own_folder)


def vanished(exc: BaseException) -> bool:
    """`exc` is Tantivy's read of a file that is gone: another process replaced the index between the listing (or
    meta.json) and the read. Not damage: opened again, the index is whole."""
    return isinstance(exc, FileNotFoundError) or (isinstance(exc, ValueError) and "FileDoesNotExist" in str(exc))


SETTLE_S = 0.5  # a file gone while nothing replaces the index and meta.json stays the same this long: damage


def replacing(path: Path) -> bool:
    """A replacement of the index in `path` is under way: a reset's folder is there (publish_new, from its build to
    its last rename), or Tantivy's meta lock is held (a publish's swap, or a reader between meta.json and its
    segments). The meta lock is only tried, never waited on: Tantivy's readers and publish_new wait for it. The
    writer lock is not tried: Tantivy's writer fails at once on it (an ingest would exit 75 for a probe of ours)."""
    try:
        if any(n.startswith(RESET_PREFIX) for n in os.listdir(path)):
            return True
        with exclusive(path / META_LOCK, wait_s=0):
            return False
    except LockBusy:
        return True
    except (OSError, LocksUnavailable):  # the folder gone (an in-place reset), a read-only view: nothing to try
        return False


def _meta_bytes(path: Path) -> bytes | None:
    try:
        return (path / "meta.json").read_bytes()
    except OSError:
        return None


def reopen_when_whole(path: Path, open_index: Callable[[], Any], wait_s: float = REOPEN_WAIT_S) -> Any:
    """`open_index()` once `path` holds a whole index again (its meta.json there, every file it names readable),
    polling up to `wait_s`; IndexBusy (exit 75: run it again) past that, never Tantivy's ValueError for a file that
    another process removed. A file gone while no replacement is under way (`replacing`) and meta.json reads the
    same for SETTLE_S is damage (a segment file deleted or lost): Tantivy's error is raised, and the caller rebuilds
    the index from the database (it waited 10 s, then IndexBusy, every time: round 49)."""
    deadline = time.monotonic() + wait_s
    seen: tuple[bytes | None, float] | None = None  # meta.json as the first failed open found it, and when
    while True:
        try:
            if (path / "meta.json").is_file():
                return open_index()
        except (ValueError, OSError) as exc:
            if not vanished(exc):
                raise
            meta, now = _meta_bytes(path), time.monotonic()
            if replacing(path) or seen is None or seen[0] != meta:
                seen = (meta, now)  # a replacement, or a commit since: open it again (its new files)
            elif meta is not None and now - seen[1] >= SETTLE_S:
                raise  # the same meta.json names a file that is not there: damage, not another's work
        if time.monotonic() >= deadline:
            raise IndexBusy(f"{path}: the lexical index is being replaced by another process (waited {wait_s:g} s)")
        time.sleep(0.02)


@contextmanager
def meta_locked(path: Path, wait_s: float = REOPEN_WAIT_S) -> Iterator[None]:
    """Tantivy's meta lock on the index in `path`: no reader (of any process) is between reading meta.json and
    opening the segments it names while held. Where it cannot be had (held past `wait_s`, a file system without
    locks) the block runs anyway: the replacement is still whole at each step, only a reader's retry may be needed."""
    held = ExitStack()
    try:
        held.enter_context(exclusive(path / META_LOCK, wait_s=wait_s))
    except (LockBusy, LocksUnavailable):
        pass
    with held:
        yield


def publish_new(path: Path, make: Callable[[Path], None]) -> None:
    """Replace the index in `path` by the new one `make(folder)` builds in a folder beside its files, without a
    moment where a reader finds no meta.json or a meta.json naming removed files: the new meta.json is renamed over
    the old, then the old files are removed, under Tantivy's meta lock (readers that opened the old segments keep
    them: unlinked files stay readable while mapped). The caller holds the writer lock."""
    new = path / f"{RESET_PREFIX}{os.getpid()}"
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir()
    try:
        make(new)
        with meta_locked(path):
            if (new / "meta.json").is_file():
                os.replace(new / "meta.json", path / "meta.json")
            made = {n for n in os.listdir(new) if n not in LOCK_FILES}
            for child in path.iterdir():
                if child.name in LOCK_FILES or child.name == "meta.json" or child == new \
                        or child.name.startswith(SIDE_PREFIX):  # an older release's own index: not this one's
                    continue
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
            for name in made:  # .managed.json: the new index's own list of its files
                os.replace(new / name, path / name)
    finally:
        shutil.rmtree(new, ignore_errors=True)
