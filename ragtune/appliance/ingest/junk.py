"""Ingest, step 1 (walk.py): what in a walked folder is never a document, and how a name's extension is read. Files
copied from a Mac or Windows carry the systems' own files beside the user's; each kind is counted as ignored under
its key of `Walk.ignored_exts` (the summary says how many), never read. Every rule matches an exact name or a name's
end, so no document of the user's is skipped by it (docs/ingest.md, "Files from Windows and macOS", lists them)."""

from __future__ import annotations

import os
from typing import Callable

from .loaders.base import name_suffix  # how walk reads an extension ("notes.txt " is a .txt), kept beside bare_name

# The keys of `Walk.ignored_exts` that are not an extension: a name without one, an Office owner file ("~$port.docx")
NO_EXTENSION = "(none)"
OWNER_FILE = "~$"
# What a Mac leaves beside copied files: AppleDouble "._name" files (a file's resource fork and Finder info, written
# on any disk that is not a Mac's and into zips), `.DS_Store` (a folder's Finder view), "Icon\r" (a folder's custom
# icon) and a zip's `__MACOSX/` folder (AppleDouble files only). Never documents ("._report.md" is binary): counted
# as ignored under this key, so the summary says so, and `__MACOSX/` is not entered (nothing in it is the user's).
MAC_JUNK = "macOS metadata"
_MAC_JUNK_FILES = {".DS_Store", "Icon\r"}
_MAC_JUNK_DIR = "__MACOSX"
# What Windows leaves: Explorer's thumbnail caches and a folder's view settings (names compared ignoring case, as
# Windows does), and the "Mark of the Web" of a downloaded file, an NTFS stream that a copy into Linux (Explorer
# writing to \\wsl$, some SMB and zip tools) turns into a file of its own, "report.pdf:Zone.Identifier"
# ("[ZoneTransfer] ZoneId=3"). Counted under this key, not as ".db", ".ini" or ".identifier".
WINDOWS_JUNK = "Windows metadata"
_WINDOWS_JUNK_FILES = {"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini"}
_ZONE_STREAM = ":zone.identifier"
# Folders Windows keeps at a drive's root, met when a USB stick or a whole volume is copied: the recycle bin
# ("$RECYCLE.BIN/<SID>/$R3K9Z2A.docx" is a deleted file, its "$I…" twin a record of where it was; XP's "RECYCLER/")
# and "System Volume Information/" (restore points, the indexer's database). Not entered: an answer must not come from
# a file the user deleted. Their files are counted under WINDOWS_JUNK. "RECYCLER" only as XP wrote it, with a
# folder named by a user's SID ("S-1-5-21-…") in it.
_WINDOWS_SYSTEM_DIRS = {"$recycle.bin", "system volume information"}
_XP_RECYCLER = "RECYCLER"
# A Pages, Numbers or Keynote document saved as a package is a folder ("Plan.pages/") holding its parts (Index.zip
# or Index/, index.xml.gz in iWork '09, previews, plists): none of them is text ragtune reads, and walked, they were
# counted as ".zip", ".jpg", ".plist"... One is counted as one ignored ".pages" (like the single-file form), not
# entered. Only a folder with such a part inside: a folder "2024.key/" of the user's documents is walked.
_APPLE_BUNDLES = {".pages", ".numbers", ".key"}
_BUNDLE_PARTS = ("Index.zip", "Index", "index.xml", "index.xml.gz", "index.apxl", "index.apxl.gz")


def system_file(e: os.DirEntry, ignore: Callable[[str], None]) -> bool:
    """Whether folder entry `e` is left out of a walk before anything else looks at it: the systems' junk (counted
    with `ignore`, under its key; a junk folder by the files in it), hidden files and folders (a name starting with
    "."; not counted), an Office owner file (counted), an Apple package (counted once, under its extension)."""
    name = e.name
    if name in _MAC_JUNK_FILES or name.startswith("._") or name == _MAC_JUNK_DIR:
        _mac_junk(e, ignore)
        return True
    if name.startswith("."):
        return True  # hidden files and folders (.git, editor swap files)
    if name.startswith("~$"):
        ignore(OWNER_FILE)  # an Office owner file ("~$port.docx", while report.docx is open): not a document
        return True
    lower = name.lower()
    if (lower in _WINDOWS_SYSTEM_DIRS or name == _XP_RECYCLER) and _is_dir(e) and _windows_system_dir(e):
        _count_files(e.path, ignore, WINDOWS_JUNK)
        return True
    if lower in _WINDOWS_JUNK_FILES or lower.endswith(_ZONE_STREAM):
        if _is_dir(e) is False:
            ignore(WINDOWS_JUNK)
            return True
        return False
    suffix = name_suffix(name)
    if suffix in _APPLE_BUNDLES and _is_dir(e, follow=True) and any(
            os.path.lexists(os.path.join(e.path, part)) for part in _BUNDLE_PARTS):
        ignore(suffix)
        return True
    return False


def _is_dir(e: os.DirEntry, follow: bool = False) -> bool | None:
    try:
        return e.is_dir(follow_symlinks=follow)
    except OSError:
        return None


def _mac_junk(e: os.DirEntry, ignore: Callable[[str], None]) -> None:
    """Count a Mac's junk as ignored: a file once, a `__MACOSX` folder (not followed if a link) by the files in it;
    a folder named "._x" is only hidden (skipped, as before)."""
    is_dir = _is_dir(e)
    if is_dir is None:
        return
    if not is_dir:
        ignore(MAC_JUNK)
        return
    if e.name == _MAC_JUNK_DIR:
        _count_files(e.path, ignore, MAC_JUNK)


def _windows_system_dir(e: os.DirEntry) -> bool:
    if e.name != _XP_RECYCLER:
        return True
    try:
        return any(n.startswith("S-1-") for n in os.listdir(e.path))
    except OSError:
        return False


def _count_files(path: str, ignore: Callable[[str], None], key: str) -> None:
    """Each file under folder `path` (a link to a folder not followed) counted as ignored under `key`."""
    for _, _, files in os.walk(path):  # an unreadable folder under it: not counted, nothing of it is read anyway
        for _ in files:
            ignore(key)
