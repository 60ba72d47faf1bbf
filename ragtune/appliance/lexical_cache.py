"""One rebuilt lexical index per (home, index version), shared by this user's processes.

A home this process may not write (a read-only mount, another user's folder) whose Tantivy index is out of step with
its database cannot be brought up to date where it is: it is rebuilt elsewhere. Rebuilt in each process's private
view (lexical_open.private_view), every `ragtune search` or `ask` on such a home paid the whole rebuild (round 46).
Here the rebuilt index is kept under the user's cache folder ($RAGTUNE_CACHE_DIR, else $XDG_CACHE_HOME/ragtune, else
~/.cache/ragtune), in `lexical/<home key>/v<index version>`: made once, under a temporary name renamed into place when
whole (a process killed mid-build leaves only its temporary, never a half index under the version's name), then
opened by every later process until the database's version moves on; the copies of older versions are removed then
(after GRACE_S, so a process that has just opened one keeps reading it).

The home key hashes the index folder's real path with the database file's device and inode: a home deleted and made
again at the same path (its versions counted from 1 again) gets other copies. A copy is never written once renamed
into place; one that does not open or does not match the database (its version, its chunk count, and the chunks'
fingerprint recorded beside it: a home restored in place keeps its inode, and may have the same version and count)
is removed and built again.

The cache folder may be a shared place ($RAGTUNE_CACHE_DIR or $XDG_CACHE_HOME pointed at one): `lexical/` and the
home's key folder are used only when each is a real folder (not a symbolic link) of this user's that no one else may
write, and the folder holding `lexical/` is not one that others may rename in (group- or other-writable without
the sticky bit, whoever owns it). Otherwise nothing there is read, made or removed (a planted link would have had
prune and discard_home remove what it points to, and a planted copy be served as the index): the caller rebuilds in
its private view, and says once why (a warning naming the folder and the chmod).

Group-writable is no one else's write when the group is this user's private group (umask 002 on hosts that give each
user a group of their own: `~/.cache/ragtune` is then 0775): named as the user, the user's primary group, no other
member, and no other account's primary group (as far as the password database lists them). A shared group is others.
"""

from __future__ import annotations

import functools
import grp
import hashlib
import logging
import os
import pwd
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from .errors import InputError, OutOfMemory, StoreError
from .userdirs import CACHE_ENV, cache_root  # noqa: F401 - CACHE_ENV: the variable tests set

GRACE_S = 60.0  # a copy of an older version is kept this long after it was last made or opened
BUILD_LITTER_S = 3600.0  # a temporary older than this is a killed build's
FINGERPRINT = "ragtune-chunks.txt"  # in a copy: the store's chunk_fingerprint() its build read
log = logging.getLogger("ragtune.lexical_cache")  # no handler: logging's last resort prints it on stderr
_warned: set[str] = set()


def home_folder(index: Path, store: Any) -> Path | None:
    """The cache folder of the home whose lexical index folder is `index` (None: its database cannot be stat'ed)."""
    try:
        st = os.stat(store.path)
    except (OSError, AttributeError, TypeError):
        return None
    key = f"{os.path.realpath(index)}\0{st.st_dev}:{st.st_ino}".encode("utf-8", "surrogateescape")
    try:
        root = cache_root()
    except InputError:  # no cache folder (a service account without a home): each process rebuilds its own
        return None
    return root / "lexical" / hashlib.sha256(key).hexdigest()[:24]


def _own_folder(path: Path, make: bool = False) -> bool:
    """`path` is a real folder (lstat: not a symbolic link) owned by this user that no one else may write. `make`:
    made owner-only first when missing."""
    try:
        if make:
            os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not (stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid()):
        return False
    return _unless_others_write(path, st)


@functools.lru_cache(maxsize=64)
def private_group(gid: int, uid: int) -> bool:
    """`gid` is the user-private group of `uid` (see the module's doc): its write bit lets no one else in. Asked once
    per process and (gid, uid): `pwd.getpwall()` lists the whole user directory (LDAP or sssd with enumeration on:
    seconds), and a folder is checked on every use of the cache. (A test that fakes pwd/grp calls cache_clear.)"""
    try:
        user, group = pwd.getpwuid(uid), grp.getgrgid(gid)
        others = [p.pw_name for p in pwd.getpwall() if p.pw_gid == gid and p.pw_uid != uid]
    except (KeyError, OSError):  # an id without a name (a container's): not known to be private
        return False
    return (user.pw_gid == gid and group.gr_name == user.pw_name and not others
            and all(m == user.pw_name for m in group.gr_mem))


def others_write(st: os.stat_result) -> str | None:
    """Who else may write a folder with this stat ("every user", "group NAME"), None when no one (a sticky folder
    is not asked: others may write in it, not rename what is this user's)."""
    if st.st_mode & 0o002:
        return "every user"
    if st.st_mode & 0o020 and not (st.st_uid == os.geteuid() and private_group(st.st_gid, st.st_uid)):
        try:
            return f"group {grp.getgrgid(st.st_gid).gr_name}"
        except KeyError:
            return f"group {st.st_gid}"
    return None


def _unless_others_write(path: Path, st: os.stat_result) -> bool:
    """True when no one else may write `path`; else False, with a warning (once per folder and process) naming it
    and the chmod that makes it usable."""
    who = others_write(st)
    if who is None:
        return True
    if str(path) not in _warned:
        _warned.add(str(path))
        bits = "go-w" if who == "every user" else "g-w"
        log.warning("warning: %s: %s may write this folder, so a read-only home's keyword index rebuilt there could "
                    "be replaced by theirs: it is not kept there, and each search rebuilds its own (slower). `chmod "
                    "%s %s` (or %s set to a folder only you can write) lets this user's searches share one copy",
                    path, who, bits, path, CACHE_ENV)
    return False


def checked_home_folder(index: Path, store: Any, *, make: bool = False) -> Path | None:
    """home_folder(index, store) when it and `lexical/` above it are this user's own folders (_own_folder; made
    when missing and `make`) in a folder others cannot rename them in; else None (see the module's doc)."""
    folder = home_folder(index, store)
    if folder is None:
        return None
    try:
        if make:
            folder.parent.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        top = os.stat(folder.parent.parent)  # followed: ~/.cache may be a link to another disk
    except OSError:
        return None
    # others may rename `lexical/` away and put their own in its place (this user's own folder too: its group may be
    # shared); a group of this user's alone (umask 002 with user-private groups) is no one else
    if not top.st_mode & stat.S_ISVTX and not _unless_others_write(folder.parent.parent, top):
        return None
    if not (_own_folder(folder.parent, make) and _own_folder(folder, make)):
        return None
    return folder


def _fingerprint(store: Any) -> str | None:
    try:
        return str(store.chunk_fingerprint())
    except (AttributeError, StoreError):  # a store without the method (a test's), or one that cannot be read
        return None


def _same_chunks(entry: Path, fingerprint: str | None) -> bool:
    if fingerprint is None:
        return True
    try:
        return (entry / FINGERPRINT).read_text(encoding="utf-8") == fingerprint
    except (OSError, UnicodeDecodeError):  # a copy made before the fingerprint: built again
        return False


def shared_copy(index: Path, store: Any, build: Callable[[Path], int | None]) -> Path | None:
    """The folder of a whole lexical index of the home index `index` at `store.index_version`: the copy a process of
    this user made before, or one made now by `build(folder)` (which rebuilds an index in `folder` from `store` and
    returns the version it recorded). None when no copy can be made (no cache folder this user can write, no room):
    the caller rebuilds in its private view, as before."""
    # other users' documents' words: this user's folders only, never a link or a folder someone else could write
    folder = checked_home_folder(index, store, make=True)
    if folder is None:
        return None
    want, fingerprint = f"v{store.index_version}", _fingerprint(store)
    prune(folder, keep=want)
    entry = folder / want
    if (entry / "meta.json").is_file():
        if _same_chunks(entry, fingerprint):
            _touch(entry)
            return entry
        discard(entry)  # the same version and count over other chunks (a home restored in place): built again
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=folder))
    except OSError:
        return None
    try:
        version = build(tmp)
        if version is None:
            return None
        if fingerprint is not None:  # read before the build: a commit since gives a mismatch, never a false match
            (tmp / FINGERPRINT).write_text(fingerprint, encoding="utf-8")
        entry = folder / f"v{version}"  # the version the build read (a commit of the owner's since moves it on)
        try:
            os.rename(tmp, entry)
        except OSError:  # another process put its copy there first: the same index, ours goes
            if not (entry / "meta.json").is_file():
                return None
        return entry
    except OutOfMemory:  # a rebuild in the view would need as much
        raise
    except (OSError, ValueError, StoreError):  # no room in the cache (WriteRefused), a busy or odd folder: the view
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            folder.rmdir()  # only when empty: no copy was made
        except OSError:
            pass


def use_shared(ix: Any, store: Any) -> bool:
    """Point the LexicalIndex `ix` (read through a view: a home it may not write) at the copy of its index rebuilt at
    the store's version (`shared_copy`), made now if no process made it yet. False (no cache folder, a copy that does
    not match the database): `ix` is left on a private view of its own, where the caller rebuilds it as before."""
    import tantivy

    from .lexical_open import drop_view
    from .lexical_terms import with_tokenizer

    def build(folder: Path) -> int | None:
        new = type(ix)(folder)
        try:
            if new.view is not None:  # the cache folder not writable either: no copy
                return None
            new.rebuild(store)
            return new.synced_version
        finally:
            new.close()

    entry = shared_copy(ix.home_path, store, build)
    if entry is None:
        if not ix.view.parent.name.startswith("ragtune-lexical-"):  # on a shared copy: never rebuilt in place
            _private(ix)
        return False
    old, ix._index, ix.path = ix.view, None, entry
    try:
        ix._index = with_tokenizer(tantivy.Index.open(str(entry)))
        ix.corrupt, ix.old_schema, ix.other_analyzer = False, None, False  # the shared copy's state, not the home's
        ok = ix.is_synced(store)
    except (ValueError, OSError):
        ok = False
    drop_view(old)  # a private view's folder (a shared copy is not: drop_view leaves it)
    if ok:
        ix.view = entry  # not the home's folder: never written (is_synced false later: the next version's copy)
        return True
    discard(entry)  # never mended in place (others read it): built again by the next process that needs it
    _private(ix)
    return False


def _private(ix: Any) -> None:
    """`ix` on a new private view of its home's index (lexical_open.private_view), where a rebuild may write."""
    from .lexical_open import private_view

    ix.path = ix.view = private_view(ix.home_path)
    ix._index = None
    ix._open()


def discard(entry: Path) -> None:
    """Remove a copy that did not open or does not match its database (renamed away first: no process opens a copy
    half removed)."""
    gone = entry.with_name(f".gone-{entry.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(entry, gone)
    except OSError:
        return
    shutil.rmtree(gone, ignore_errors=True)


def discard_home(index: Path, store: Any) -> int:
    """Remove every copy this user's cache holds of the home whose lexical index folder is `index` (`docs remove`,
    `ingest --prune`: a copy rebuilt while the home was read-only here still holds the removed documents' text
    until this user's next search of it). How many copies went. Other users' caches are theirs: not reached (the
    erasure receipt says so), and so is a folder that is not this user's own (checked_home_folder: removed through a
    planted link, another's files would go). A process reading a copy keeps its open files; the next one rebuilds."""
    folder = checked_home_folder(index, store)
    if folder is None:
        return 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    n = 0
    for name in names:
        if name.startswith("v"):
            n += (folder / name).is_dir()
            discard(folder / name)
        elif name.startswith(".build-"):  # a build under way reads the old text too: its rename then fails
            shutil.rmtree(folder / name, ignore_errors=True)
    try:
        folder.rmdir()
    except OSError:
        pass
    return n


def prune(folder: Path, keep: str) -> None:
    """The copies of other versions than `keep` unused for GRACE_S, and killed builds' temporaries (nothing when
    `folder` is not this user's own folder: _own_folder)."""
    if not _own_folder(folder):
        return
    try:
        names = os.listdir(folder)
    except OSError:
        return
    now = time.time()
    for name in names:
        if name == keep:
            continue
        try:
            age = now - os.stat(folder / name).st_mtime
        except OSError:
            continue
        if name.startswith("v") and age > GRACE_S:
            discard(folder / name)
        elif name.startswith((".build-", ".gone-")) and age > BUILD_LITTER_S:
            shutil.rmtree(folder / name, ignore_errors=True)


def _touch(entry: Path) -> None:
    try:
        os.utime(entry)
    except OSError:
        pass
