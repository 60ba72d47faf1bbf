"""An Office file saved with a password to open (round 53, h7): Office encrypts the whole package into a compound
file's EncryptedPackage stream, so a .docx was "corrupt DOCX: File is not a zip file" while the same bytes named
.xlsx or .pptx were "encrypted" in two other wordings. Now every name (.docx, .xlsx, .pptx, .doc, .msg) gives the one
reason (ole.ENCRYPTED_OFFICE), which the ingest summary's password hint recognises; a compound file that only holds
the word in a stream's data is not called encrypted."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import LOADERS, load_file
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.ole import ENCRYPTED_ENTRY, ENCRYPTED_OFFICE, MAGIC, encrypted_office
from ragtune.cli.ingest_cmd import failed_hint

from . import msg_build as mb

WORDING = "password-protected (encrypted) Office file: save a copy without the password"
# As Word, Excel or PowerPoint writes a file with a password to open (the tester's repro: /tmp/h7/repro/make.py)
LOCKED = mb.cfb([mb.Node("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\x00" * 200),
                 mb.Node("EncryptedPackage", bytes(range(256)) * 20)])


def test_the_wording_is_pinned():
    assert ENCRYPTED_OFFICE == WORDING


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pptx", ".doc", ".msg"])
def test_every_office_name_gives_the_one_reason(suffix, tmp_path):
    kind = suffix[1:]
    with pytest.raises(LoadError) as e:
        LOADERS[kind](Path(f"salaries{suffix}"), LOCKED)
    assert e.value.reason == WORDING
    f = tmp_path / f"salaries{suffix}"  # the same through load_file, as ingest reads it
    f.write_bytes(LOCKED)
    with pytest.raises(LoadError) as e:
        load_file(f)
    assert e.value.reason == WORDING


def test_the_ingest_summary_hint_recognises_it():
    assert failed_hint([("salaries.docx", WORDING)]).startswith(
        "a file with a password to open cannot be read: save a copy without the password")


def test_told_from_the_directory_not_from_the_bytes():
    assert encrypted_office(LOCKED)
    # a workbook whose cell text says "EncryptedPackage": no such stream, so no such reason
    worded = mb.cfb([mb.Node("Workbook", "EncryptedPackage".encode("utf-16-le") * 4)])
    assert not encrypted_office(worded)
    with pytest.raises(LoadError) as e:
        LOADERS["xlsx"](Path("book.xlsx"), worded)
    assert e.value.reason == "not an XLSX: an Excel 97-2003 workbook (.xls); save it as .xlsx"
    # a compound file too damaged to walk is still told by the stream's directory entry; a zip or text is never one
    assert encrypted_office(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + ENCRYPTED_ENTRY)
    assert not encrypted_office(b"PK\x03\x04" + "EncryptedPackage".encode("utf-16-le"))
    assert not encrypted_office(b"")


def test_a_damaged_file_is_told_by_a_directory_entry_not_by_a_mention():
    """Round 53 (rH): a damaged compound file was called encrypted when its bytes held "EncryptedPackage" anywhere
    (a damaged .doc whose text names the stream): only a 128-byte directory entry of that name counts now."""
    import struct

    from .doc_build import Piece, word_doc

    def damaged(raw: bytes) -> bytes:
        bad = bytearray(raw)
        bad[0x1A:0x1C] = struct.pack("<H", 5)  # the major version: no compound file can be read
        return bytes(bad)

    assert encrypted_office(damaged(LOCKED))  # the real entry, in a sector of the directory
    doc = word_doc([Piece("Office encrypts the package into the EncryptedPackage stream. " * 50, compressed=False)])
    assert not encrypted_office(doc) and not encrypted_office(damaged(doc))
    with pytest.raises(LoadError) as e:
        LOADERS["docx"](Path("report.docx"), damaged(doc))
    assert e.value.reason != WORDING
    name = "EncryptedPackage".encode("utf-16-le")
    head = MAGIC + b"\0" * 504
    assert not encrypted_office(head + name + b" stream".ljust(0x40 - len(name), b"\0") + b"\x22\0")  # no padding
    assert not encrypted_office(head + b"\0" * 64 + ENCRYPTED_ENTRY[:-2] + b"\x24\0")  # another length
    assert not encrypted_office(head + b"\0" * 2 + ENCRYPTED_ENTRY)  # not where an entry starts
    assert encrypted_office(head + b"\0" * 128 * 3 + ENCRYPTED_ENTRY + b"\0" * 64)
