"""Round 52: damaged and hostile .msg files (loaders/ole.py): a one-line "damaged Outlook message: …" reason, fast,
never a hang, a traceback or a huge allocation."""

from __future__ import annotations

import resource
import struct
import time
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.outlook import load_msg
from ragtune.appliance.ingest.loaders.outlook_rtf import BadRtf, decompress

from . import msg_build as mb

P = Path("/evidence/bad.msg")
SS = 512


def _dir_at(raw: bytes) -> int:
    return (struct.unpack_from("<I", raw, 0x30)[0] + 1) * SS  # the writer lays the directory out in one run


def _entry(raw: bytes, name: str) -> int:
    """The offset of the directory entry named `name`."""
    at, want = _dir_at(raw), name.encode("utf-16-le")
    while raw[at:at + len(want)] != want or raw[at + len(want):at + len(want) + 2] != b"\0\0":
        at += 128
    return at


def _put(raw: bytes, at: int, fmt: str, *values: int) -> bytes:
    b = bytearray(raw)
    struct.pack_into(fmt, b, at, *values)
    return bytes(b)


def _damaged(raw: bytes) -> str:
    t = time.monotonic()
    with pytest.raises(LoadError) as e:
        load_msg(P, raw)
    assert time.monotonic() - t < 5
    reason = e.value.reason
    assert "\n" not in reason and "Traceback" not in reason
    return reason


def test_looping_fat_chain():
    body = mb.outlook(body="Long body. " * 600)  # 13 KB of UTF-16: the body is in regular sectors
    e = _entry(body, "__substg1.0_1000001F")
    s = struct.unpack_from("<I", body, e + 0x74)[0]
    reason = _damaged(_put(body, SS + 4 * (s + 1), "<I", s))  # its second sector's FAT entry: back to the first
    assert reason == ("damaged Outlook message: the sector chain of stream '__substg1.0_1000001F' "
                      "loops")


def test_looping_mini_fat_chain():
    raw = mb.outlook()
    e = _entry(raw, "__substg1.0_0037001F")  # the subject: a mini-stream property
    s = struct.unpack_from("<I", raw, e + 0x74)[0]
    raw = _put(raw, e + 0x78, "<Q", 200)  # claims 4 mini sectors
    first_mini = struct.unpack_from("<I", raw, 0x3C)[0]
    raw = _put(raw, (first_mini + 1) * SS + 4 * s, "<I", s)
    assert "loops" in _damaged(raw)


def test_huge_sector_counts_in_the_header():
    raw = mb.outlook()
    assert _damaged(_put(raw, 0x2C, "<I", 0x7FFFFFFF)).startswith("damaged Outlook message: header counts")
    assert "header counts" in _damaged(_put(raw, 0x40, "<I", 0x10000000))  # mini FAT sectors
    assert "header counts" in _damaged(_put(raw, 0x48, "<I", 0x10000000))  # DIFAT sectors


def test_stream_larger_than_the_file_is_never_allocated():
    raw = mb.outlook(v4=True)
    e = (struct.unpack_from("<I", raw, 0x30)[0] + 1) * 4096
    want = "__substg1.0_1000001F".encode("utf-16-le")
    while raw[e:e + len(want)] != want:
        e += 128
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reason = _damaged(_put(raw, e + 0x78, "<Q", 1 << 40))  # a version-4 size is 64 bits
    assert "more than the file" in reason or "over" in reason
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 50


def test_chain_pointing_out_of_the_file_and_truncated_file():
    raw = mb.outlook()
    e = _entry(raw, "__substg1.0_37010102")
    assert load_msg(P, _put(raw, e + 0x74, "<I", 0x00FFFFF0)).text  # an attachment's data: never read
    body = mb.outlook(body="Long body. " * 600)
    e = _entry(body, "__substg1.0_1000001F")
    assert "out of the file" in _damaged(_put(body, e + 0x74, "<I", 0x00FFFFF0))
    reason = _damaged(mb.outlook()[:3000])  # cut inside the directory
    assert reason.startswith("damaged Outlook message: ")
    for cut in range(512, len(raw), 700):  # cut anywhere: a reason or a read, never a traceback or a hang
        try:
            load_msg(P, raw[:cut])
        except LoadError as exc:
            assert "\n" not in exc.reason


def test_directory_cycle():
    raw = mb.outlook()
    e = _entry(raw, "__properties_version1.0")  # the first of the root's children: its right sibling loops
    first = (e - _dir_at(raw)) // 128
    assert _damaged(_put(raw, e + 0x48, "<I", first)) == "damaged Outlook message: the directory tree loops"
    att = _entry(raw, "__attach_version1.0_#00000000")  # a storage whose child is the root, or itself
    assert "loops" in _damaged(_put(raw, att + 0x4C, "<I", 0))
    assert "loops" in _damaged(_put(raw, att + 0x4C, "<I", (att - _dir_at(raw)) // 128))


def test_directory_entry_out_of_the_directory():
    raw = mb.outlook()
    e = _entry(raw, "__properties_version1.0")
    assert "out of the directory" in _damaged(_put(raw, e + 0x48, "<I", 0x7FFFFF))


def test_difat_chain_that_loops():
    raw = bytearray(mb.outlook(attachments=[mb.file_attachment("big.bin", b"\x01" * 120_000)]))
    nsect = len(raw) // SS - 1
    loop = nsect - 1  # the last sector: overwritten as a DIFAT sector pointing to itself
    raw[(loop + 1) * SS:(loop + 2) * SS] = struct.pack("<128I", *([0xFFFFFFFF] * 127 + [loop]))
    raw = _put(bytes(raw), 0x2C, "<I", 200)  # 200 FAT sectors claimed: past the header's 109 the DIFAT is read
    raw = _put(raw, 0x44, "<I", loop)
    assert _damaged(raw) == "damaged Outlook message: the sector chain of the FAT's index loops"


def test_compressed_rtf_bombs_are_refused_before_any_allocation():
    with pytest.raises(BadRtf):
        decompress(struct.pack("<IIII", 20, 0x7FFFFFFF, 0x75465A4C, 0) + b"\0" * 8)
    with pytest.raises(BadRtf):
        decompress(b"LZFu")
    raw = mb.outlook(extra={0x1000: (mb.UNICODE, None),
                            0x1009: (mb.BINARY, struct.pack("<IIII", 20, 1 << 30, 0x75465A4C, 0) + b"\0" * 8)})
    d = load_msg(P, raw)  # the header block stays readable: the body is a note
    assert "Subject: RE: Lease renewal" in d.text and any("RTF body is damaged" in n for n in d.notes)


def test_many_attachments_time_and_memory():
    atts = [mb.file_attachment(f"exhibit_{i:04d}.pdf", b"%PDF") for i in range(2000)]
    raw = mb.outlook(attachments=atts)
    t = time.monotonic()
    d = load_msg(P, raw)
    assert time.monotonic() - t < 10
    assert "exhibit_0000.pdf" in d.text and "and 1800 more" in d.text  # mail.py's 200 names and a count
