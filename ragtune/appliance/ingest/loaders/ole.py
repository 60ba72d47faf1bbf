"""A read-only reader of the Compound File Binary format (MS-CFB: "OLE" files; Outlook's .msg is one). Stdlib only,
bounded: every sector chain is followed with a visited set and the file's own sector count as its limit, a stream is
never larger than the file, a sector belongs to one stream only (two entries pointing at one chain would let a small
file be re-read once per entry), and the directory is read lazily (an entry is parsed when the tree walk reaches it, a
subtree reached twice is a cycle). Any damage is `Damaged` with a short reason; the caller words the LoadError."""

from __future__ import annotations

import struct
import sys
from array import array
from datetime import datetime, timedelta, timezone

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END, _FREE, _FATSECT, _DIFSECT, _MAXREG = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFA
_NOSTREAM = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
MAX_ENTRIES = 200_000  # directory entries a walk visits at most (a message of 10,000 attachments has ~80,000)


class Damaged(Exception):
    """The compound file is damaged; str(exc) is the reason ("a sector chain loops")."""


def filetime(value: object) -> datetime | None:
    """A FILETIME (100 ns since 1601-01-01 UTC) as a datetime; None for 0, a non-number or past year 9999."""
    if not isinstance(value, int) or value <= 0:
        return None
    try:
        return datetime(1601, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=value // 10)
    except OverflowError:
        return None


# The one reason for an Office file saved with a password to open, whatever its name (.docx, .xlsx, .pptx, .doc,
# .msg): one wording, which ingest_cmd.failed_hint recognises (round 53: three formats said it three ways, .docx not
# at all).
ENCRYPTED_OFFICE = "password-protected (encrypted) Office file: save a copy without the password"


def encrypted_office(raw: bytes, top: dict[str, "Entry"] | None = None) -> bool:
    """Whether `raw` is an Office 2007+ file saved with a password to open: Office encrypts the whole zip package into
    the EncryptedPackage stream of a compound file (MS-OFFCRYPTO). Told from the root's entries (`top` when the
    caller has them), so a workbook holding the word is not one; a compound file too damaged to walk is searched for
    the stream's name."""
    if top is not None:
        return "ENCRYPTEDPACKAGE" in top
    if raw[:8] != MAGIC:
        return False
    try:
        cfb = CompoundFile(raw)
        return "ENCRYPTEDPACKAGE" in cfb.children(cfb.root)
    except Exception:  # Damaged, or a struct error on a cut file
        return _entry_named(raw, ENCRYPTED_ENTRY)


# EncryptedPackage's directory entry as it starts: its UTF-16 name zero-padded to 64 bytes, then the name's length
# with its terminator (0x22) at +0x40. Only a 128-byte entry of that shape counts: a .doc whose text mentions the word
# is no encrypted file (round 53, rH: a damaged one was told to be saved without a password).
ENCRYPTED_ENTRY = "EncryptedPackage".encode("utf-16-le").ljust(0x40, b"\0") + struct.pack("<H", 0x22)


def _entry_named(raw: bytes, entry: bytes) -> bool:
    """Whether `entry` starts a directory entry somewhere in `raw`: at a multiple of 128 (a sector, 512 or 4096 bytes
    after the 512-byte header, holds 4 or 32 entries)."""
    at = raw.find(entry)
    while at >= 0:
        if at % 128 == 0:
            return True
        at = raw.find(entry, at + 1)
    return False


def kind_of(top: dict[str, "Entry"]) -> str | None:
    """What kind of Office file a compound file is, from its root's entries (upper-case names), for a loader's
    "not a ... named ..." reason; None: none of those told here (a password-protected one: `encrypted_office`)."""
    if "WORDDOCUMENT" in top:
        return "a Word 97-2003 document"
    if "WORKBOOK" in top or "BOOK" in top:
        return "an Excel 97-2003 workbook"
    if "POWERPOINT DOCUMENT" in top:
        return "a PowerPoint 97-2003 deck"
    if "__PROPERTIES_VERSION1.0" in top:
        return "an Outlook message"
    return None


def _u32s(data: bytes) -> array:
    a = array("I")
    a.frombytes(data[:len(data) // 4 * 4])
    if sys.byteorder == "big":  # pragma: no cover - the format is little-endian
        a.byteswap()
    return a


class Entry:
    __slots__ = ("sid", "name", "kind", "left", "right", "child", "start", "size")

    def __init__(self, sid: int, raw: bytes, v3: bool) -> None:
        nlen, self.kind = struct.unpack_from("<HB", raw, 0x40)
        nlen = min(max(nlen, 2), 64)
        self.sid = sid
        self.name = raw[:nlen - 2].decode("utf-16-le", "replace")
        self.left, self.right, self.child, self.start = struct.unpack_from("<IIII", raw, 0x44)[:3] + \
            struct.unpack_from("<I", raw, 0x74)
        size = struct.unpack_from("<Q", raw, 0x78)[0]
        self.size = size & 0xFFFFFFFF if v3 else size  # version 3: the high half is undefined (MS-CFB 2.6.3)


class CompoundFile:
    def __init__(self, raw: bytes) -> None:
        if len(raw) < 512 or raw[:8] != MAGIC:
            raise Damaged("no compound-file header")
        self.raw = raw
        major, order, shift, mini_shift = struct.unpack_from("<HHHH", raw, 0x1A)
        if order != 0xFFFE or (major, shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise Damaged(f"unknown header (version {major}, sector shift {shift})")
        self.v3 = major == 3
        self.ss = 1 << shift
        self.nsect = max(0, (len(raw) - self.ss + self.ss - 1) // self.ss)  # a last sector cut short is padded
        n_fat, first_dir, _, self.cutoff, first_mini, n_mini, first_difat, n_difat = \
            struct.unpack_from("<IIIIIIII", raw, 0x2C)
        if n_fat > self.nsect or n_mini > self.nsect or n_difat > self.nsect:
            raise Damaged(f"header counts {max(n_fat, n_mini, n_difat):,} sectors in a file of {self.nsect:,}")
        fat_sectors = [s for s in _u32s(raw[0x4C:0x200]) if s <= _MAXREG]
        seen: set[int] = set()
        sid, per = first_difat, self.ss // 4 - 1
        while sid <= _MAXREG and len(fat_sectors) < n_fat:  # the DIFAT chain: the FAT's sectors past the first 109
            if sid in seen:
                raise Damaged("the sector chain of the FAT's index loops")
            seen.add(sid)
            words = _u32s(self._sector(sid))
            fat_sectors.extend(s for s in words[:per] if s <= _MAXREG)
            sid = words[per]
        self.fat = _u32s(b"".join(self._sector(s) for s in fat_sectors[:n_fat]))
        # (sector size, sector) -> the owner whose chain holds it: an entry's sid, or -1, -2, -3 for the directory,
        # the mini FAT and the mini stream
        self._claimed: dict[tuple[int, int], int] = {}
        self.dir = self._chain(first_dir, None, "the directory", -1)
        self.root = self.entry(0)
        if self.root.kind != ROOT:
            raise Damaged("no root entry")
        self._mini: bytes | None = None
        self._first_mini = first_mini
        self._visited: set[int] = set()
        self._children: dict[int, dict[str, Entry]] = {}

    def _sector(self, sid: int) -> bytes:
        if sid >= self.nsect:
            raise Damaged(f"a sector chain points out of the file (sector {sid:,} of {self.nsect:,})")
        at = (sid + 1) * self.ss
        return self.raw[at:at + self.ss].ljust(self.ss, b"\0")

    def _chain(self, start: int, size: int | None, what: str, owner: int, fat: array | None = None,
               read: object = None) -> bytes:
        """The bytes of the chain from `start` (in the FAT, or the mini FAT with `read` its sector reader), cut to
        `size` (None: the whole chain). A loop, a sector out of the file, a sector another owner's chain holds, or a
        chain shorter than `size`: Damaged. The same owner may read its chain again."""
        fat = self.fat if fat is None else fat
        read = read or self._sector
        unit = self.ss if fat is self.fat else 64
        if size is not None and size > len(self.raw):
            raise Damaged(f"{what} claims {size:,} bytes, more than the file's {len(self.raw):,}")
        need = None if size is None else (size + unit - 1) // unit
        parts: list[bytes] = []
        seen: set[int] = set()
        sid = start
        while sid != _END and (need is None or len(parts) < need):
            if sid > _MAXREG or sid >= len(fat):
                raise Damaged(f"the sector chain of {what} points out of the file (sector {sid:#x})")
            if sid in seen:
                raise Damaged(f"the sector chain of {what} loops")
            seen.add(sid)
            if self._claimed.setdefault((unit, sid), owner) != owner:
                raise Damaged(f"two streams share the sectors of {what}")
            parts.append(read(sid))  # type: ignore[operator]
            if len(parts) * unit > len(self.raw) + unit:
                raise Damaged(f"the sector chain of {what} is longer than the file")
            sid = fat[sid]
        data = b"".join(parts)
        if size is not None and len(data) < size:
            raise Damaged(f"{what} is cut short ({len(data):,} of {size:,} bytes)")
        return data if size is None else data[:size]

    def entry(self, sid: int) -> Entry:
        at = sid * 128
        if sid >= MAX_ENTRIES * 4 or at + 128 > len(self.dir):
            raise Damaged(f"a directory entry points out of the directory (entry {sid:,})")
        return Entry(sid, self.dir[at:at + 128], self.v3)

    def children(self, storage: Entry) -> dict[str, Entry]:
        """A storage's entries by name (upper-cased, as CFB compares them). An entry reached twice (a tree that
        loops, or two storages sharing a subtree) or more than MAX_ENTRIES in all: Damaged."""
        if storage.sid in self._children:
            return self._children[storage.sid]
        out: dict[str, Entry] = self._children.setdefault(storage.sid, {})
        stack = [storage.child]
        while stack:
            sid = stack.pop()
            if sid == _NOSTREAM:
                continue
            if sid in self._visited or sid == 0:
                raise Damaged("the directory tree loops")
            self._visited.add(sid)
            if len(self._visited) > MAX_ENTRIES:
                raise Damaged(f"over {MAX_ENTRIES:,} directory entries")
            e = self.entry(sid)
            if e.kind in (STORAGE, STREAM):
                out[e.name.upper()] = e
            stack.extend((e.left, e.right))
        return out

    def read(self, e: Entry, limit: int) -> bytes:
        """A stream's bytes (at most `limit`: a longer stream is Damaged, never allocated)."""
        if e.kind != STREAM:
            raise Damaged(f"'{e.name}' is not a stream")
        if e.size > limit:
            raise Damaged(f"stream '{e.name}' of {e.size:,} bytes (over {limit:,})")
        if e.size < self.cutoff:
            return self._chain(e.start, e.size, f"stream '{e.name}'", e.sid, self._minifat(), self._mini_sector)
        return self._chain(e.start, e.size, f"stream '{e.name}'", e.sid)

    def _minifat(self) -> array:
        if self._mini is None:
            self._mini = self._chain(self.root.start, self.root.size, "the mini stream", -3) if self.root.size else b""
            self._mfat = _u32s(self._chain(self._first_mini, None, "the mini FAT", -2)) if self._first_mini <= _MAXREG \
                else array("I")
        return self._mfat

    def _mini_sector(self, sid: int) -> bytes:
        assert self._mini is not None
        if (sid + 1) * 64 > len(self._mini):
            raise Damaged(f"a mini sector chain points out of the mini stream (sector {sid:,})")
        return self._mini[sid * 64:(sid + 1) * 64]
