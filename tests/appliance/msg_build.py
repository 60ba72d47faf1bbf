"""A tiny writer of Compound File Binary files (MS-CFB) and Outlook messages in them (MS-OXMSG), the way Outlook lays
them out (property streams, __substg1.0_ streams, recipient and attachment storages, an attached message as a
__substg1.0_3701000D storage), for tests/appliance/test_r52_msg*.py. Invented content (CC0)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone

END, FREE, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
UNICODE, STRING8, BINARY, LONG, BOOL, SYSTIME = 0x001F, 0x001E, 0x0102, 0x0003, 0x000B, 0x0040


@dataclass
class Node:
    name: str
    data: bytes | None = None  # a stream's bytes; None: a storage
    kids: list["Node"] = field(default_factory=list)


def _key(n: Node) -> tuple[int, str]:
    return len(n.name), n.name.upper()


def cfb(kids: list[Node], *, v4: bool = False) -> bytes:
    """A compound file whose root storage holds `kids`. Siblings are chained through right-sibling links in CFB
    order (a valid tree, all black)."""
    ss = 4096 if v4 else 512
    entries: list[tuple[Node, int]] = []  # (node, kind)

    def add(n: Node, kind: int) -> int:
        entries.append((n, kind))
        return len(entries) - 1
    root = Node("Root Entry", None, kids)
    links: dict[int, list[int]] = {}
    add(root, 5)
    todo = [0]
    while todo:
        i = todo.pop()
        ids = [add(k, 1 if k.data is None else 2) for k in sorted(entries[i][0].kids, key=_key)]
        links[i] = ids
        todo.extend(j for j in ids if entries[j][1] == 1)
    mini, regular = bytearray(), []
    place: dict[int, tuple[int, int]] = {}
    minifat: list[int] = []
    for i, (n, kind) in enumerate(entries):
        if kind == 2 and len(n.data or b"") < 4096:
            start = len(minifat) if n.data else END
            count = (len(n.data) + 63) // 64
            minifat.extend(list(range(start + 1, start + count)) + [END] if count else [])
            mini += n.data + b"\0" * (-len(n.data) % 64)
            place[i] = (start, len(n.data))
        elif kind == 2:
            regular.append(i)
    # sectors: FAT, directory, mini FAT, mini stream, regular streams
    dir_bytes = len(entries) * 128
    chunks = [("dir", dir_bytes), ("minifat", len(minifat) * 4), ("mini", len(mini))] + \
        [(i, len(entries[i][0].data or b"")) for i in regular]
    body = sum((b + ss - 1) // ss for _, b in chunks)
    per = ss // 4 - 1  # FAT sector numbers a DIFAT sector holds (then the next DIFAT sector's)
    nfat = ndif = 1
    while True:
        ndif = max(0, -(-(nfat - 109) // per))
        if nfat * (ss // 4) >= body + nfat + ndif:
            break
        nfat += 1
    fat = [FATSECT] * nfat + [0xFFFFFFFC] * ndif  # DIFSECT: over 109 FAT sectors (a file over 7 MB at 512 bytes)
    starts: dict[object, int] = {}
    for what, size in chunks:
        count = (size + ss - 1) // ss
        starts[what] = len(fat) if count else END
        fat.extend(list(range(len(fat) + 1, len(fat) + count)) + [END] if count else [])
    fat += [FREE] * (-len(fat) % (ss // 4))
    for i in regular:
        place[i] = (starts[i], len(entries[i][0].data or b""))
    rights = {a: b for ids in links.values() for a, b in zip(ids, ids[1:])}
    d = bytearray()
    for i, (n, kind) in enumerate(entries):
        name = n.name.encode("utf-16-le")[:62] + b"\0\0"
        child = links.get(i, [])
        right = rights.get(i, NOSTREAM)
        first = child[0] if child else NOSTREAM
        if kind == 5:
            start, size = (starts["mini"], len(mini)) if mini else (END, 0)
        else:
            start, size = place.get(i, (0, 0))
        d += name.ljust(64, b"\0") + struct.pack("<HBBIII", len(name), kind, 1, NOSTREAM, right, first) + \
            b"\0" * 16 + struct.pack("<IQQIQ", 0, 0, 0, start, size)
    head = bytearray(MAGIC + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 4 if v4 else 3, 0xFFFE, 12 if v4 else 9, 6))
    head += b"\0" * 6 + struct.pack("<IIIIIIIII", len(d) // ss if v4 else 0, nfat, starts["dir"], 0, 4096,
                                    starts["minifat"], (len(minifat) * 4 + ss - 1) // ss, nfat if ndif else END, ndif)
    head += struct.pack("<109I", *(list(range(min(nfat, 109))) + [FREE] * (109 - min(nfat, 109))))
    head = bytes(head).ljust(ss, b"\0")
    out = bytearray(head) + struct.pack(f"<{len(fat)}I", *fat)
    rest = list(range(109, nfat))
    for k in range(ndif):
        ids = rest[k * per:(k + 1) * per]
        out += struct.pack(f"<{per + 1}I", *(ids + [FREE] * (per - len(ids)) + [nfat + k + 1 if k + 1 < ndif else END]))
    pad = lambda b: bytes(b) + b"\0" * (-len(b) % ss)  # noqa: E731
    out += pad(d) + pad(struct.pack(f"<{len(minifat)}I", *minifat)) + pad(mini)
    for i in regular:
        out += pad(entries[i][0].data or b"")
    return bytes(out)


MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def filetime(dt: datetime) -> int:
    return int((dt - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds() * 10_000_000)


def props(values: dict[int, tuple[int, object]], header: int, *, codepage: str = "cp1252") -> list[Node]:
    """A storage's property stream and __substg1.0_ streams for `values` {id: (type, value)}."""
    fixed = bytearray(b"\0" * header)
    nodes = []
    for pid, (typ, value) in values.items():
        tag = pid << 16 | typ
        if typ in (LONG, BOOL):
            fixed += struct.pack("<IIiI", tag, 6, int(value), 0)  # type: ignore[arg-type]
        elif typ == SYSTIME:
            fixed += struct.pack("<IIQ", tag, 6, filetime(value))  # type: ignore[arg-type]
        else:
            if typ == UNICODE:
                data = str(value).encode("utf-16-le") + b"\0\0"
            elif typ == STRING8:
                data = str(value).encode(codepage) + b"\0"
            else:
                data = bytes(value)  # type: ignore[arg-type]
            fixed += struct.pack("<IIII", tag, 6, len(data), 0)
            nodes.append(Node(f"__substg1.0_{pid:04X}{typ:04X}", data))
    return [Node("__properties_version1.0", bytes(fixed))] + nodes


def message(values: dict[int, tuple[int, object]], *, recipients: list[dict[int, tuple[int, object]]] = (),
            attachments: list[tuple[dict[int, tuple[int, object]], list[Node]]] = (), header: int = 32,
            codepage: str = "cp1252") -> list[Node]:
    """A message's nodes: its properties, recipient storages, attachment storages (with extra nodes each)."""
    nodes = props(values, header, codepage=codepage)
    for i, r in enumerate(recipients):
        nodes.append(Node(f"__recip_version1.0_#{i:08X}", None, props(r, 8, codepage=codepage)))
    for i, (a, extra) in enumerate(attachments):
        nodes.append(Node(f"__attach_version1.0_#{i:08X}", None, props(a, 8, codepage=codepage) + extra))
    nodes.append(Node("__nameid_version1.0", None, [Node("__substg1.0_00020102", b""),
                                                     Node("__substg1.0_00030102", b""),
                                                     Node("__substg1.0_00040102", b"")]))
    return nodes


def embedded(values: dict[int, tuple[int, object]], **kw: object) -> tuple[dict[int, tuple[int, object]], list[Node]]:
    """An attachment that is an Outlook message (attach method 5, the message in a __substg1.0_3701000D storage)."""
    att = {0x3705: (LONG, 5), 0x3001: (UNICODE, str(values.get(0x0037, (0, "message"))[1]))}
    inner = message(values, header=24, **kw)  # type: ignore[arg-type]
    inner = [n for n in inner if n.name != "__nameid_version1.0"]
    return att, [Node("__substg1.0_3701000D", None, inner)]


Props = dict[int, tuple[int, object]]


def file_attachment(name: str, data: bytes, *, hidden: bool = False) -> tuple[Props, list[Node]]:
    a: dict[int, tuple[int, object]] = {0x3705: (LONG, 1), 0x3707: (UNICODE, name), 0x3704: (UNICODE, name[:12]),
                                        0x3701: (BINARY, data)}
    if hidden:
        a[0x7FFE] = (BOOL, 1)
    return a, []


WHEN = datetime(2025, 3, 4, 9, 15, 22, tzinfo=timezone.utc)


def outlook(*, v4: bool = False, body: str | None = None, extra: dict[int, tuple[int, object]] | None = None,
            attachments: list | None = None) -> bytes:
    """Outlook 2016 on Exchange, Unicode: a reply with recipients, a PDF attachment and an inline logo."""
    values: dict[int, tuple[int, object]] = {
        0x001A: (UNICODE, "IPM.Note"), 0x0037: (UNICODE, "RE: Lease renewal \u2013 Unit 14B"),
        0x0C1A: (UNICODE, "Dana Whitfield"), 0x0C1E: (UNICODE, "EX"),
        0x0C1F: (UNICODE, "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=DANA"),
        0x5D01: (UNICODE, "dana.whitfield@northbay-legal.example"),
        0x0E04: (UNICODE, "Okafor, Chidi"), 0x0E03: (UNICODE, "Priya Raman"),
        0x0039: (SYSTIME, WHEN), 0x0E06: (SYSTIME, WHEN), 0x3FFD: (LONG, 1252), 0x3FDE: (LONG, 1252),
        0x1000: (UNICODE, body if body is not None else
                 "Hello Chidi,\r\n\r\nThe landlord accepted the renewal of Unit 14B at \u00a31,850 per month from "
                 "1 April 2025.\r\nThe signed copy is attached.\r\n\r\nKind regards,\r\nDana Whitfield"),
    }
    values.update(extra or {})
    recips = [{0x0C15: (LONG, 1), 0x3001: (UNICODE, "Okafor, Chidi"),
               0x39FE: (UNICODE, "c.okafor@harbourfreight.example")},
              {0x0C15: (LONG, 2), 0x3001: (UNICODE, "Priya Raman"),
               0x39FE: (UNICODE, "priya.raman@northbay-legal.example")}]
    atts = attachments if attachments is not None else [
        file_attachment("Lease_14B_signed.pdf", b"%PDF-1.4\n% invented\n" * 300),  # > 4096: a regular-sector stream
        file_attachment("image001.png", b"\x89PNG\r\n\x1a\n", hidden=True)]
    return cfb(message({k: v for k, v in values.items() if v[1] is not None}, recipients=recips, attachments=atts),
               v4=v4)


def compress_rtf(rtf: bytes) -> bytes:
    """RTF as PidTagRtfCompressed, uncompressed form ("MELA"): enough for the loader's reading path; `lzfu` below
    writes the compressed form with literals only."""
    return struct.pack("<IIII", len(rtf) + 12, len(rtf), 0x414C454D, 0) + rtf


def lzfu(rtf: bytes) -> bytes:
    """RTF as LZFu-compressed PidTagRtfCompressed: literal runs, then the end marker (a reference to the write
    position), which is what a decompressor must handle."""
    body = bytearray()
    pos, w = 0, 207
    while True:
        chunk = rtf[pos:pos + 8]
        if len(chunk) == 8:
            body += b"\x00" + chunk
            pos += 8
            w = (w + 8) & 0xFFF
            continue
        control = 1 << len(chunk)  # the bit after the literals: the end reference
        body += bytes([control]) + chunk + struct.pack(">H", ((w + len(chunk)) & 0xFFF) << 4)
        break
    return struct.pack("<IIII", len(body) + 12, len(rtf), 0x75465A4C, 0) + bytes(body)
