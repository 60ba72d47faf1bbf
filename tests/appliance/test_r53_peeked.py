"""Round 53: the .xlsx part reader (sheets._Head) and the .ods content reader (opendoc_sheets._Counted) share one
read-ahead stream, sheets._Peeked: the bytes looked at first are handed to the parser first, none lost or repeated,
every byte counted; each keeps its own check."""

from __future__ import annotations

import io

import pytest

from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.opendoc_sheets import _Counted
from ragtune.appliance.ingest.loaders.sheets import _Head, _Peeked, _Stop

DATA = bytes(range(256)) * 1000  # 256,000 bytes: past both read-aheads (4 KB, 64 KB)


def _drain(stream, n: int) -> bytes:
    out = b""
    while chunk := stream.read(n):
        out += chunk
    return out


@pytest.mark.parametrize("n", [-1, 0, 1000, 70_000])
def test_every_byte_once_in_order_and_counted(n):
    for stream in (_Peeked(io.BytesIO(DATA), 4096), _Head(io.BytesIO(DATA), "xl/x.xml", 1 << 20),
                   _Counted(io.BytesIO(DATA))):
        assert isinstance(stream, _Peeked)
        assert _drain(stream, n) == DATA and stream.read_bytes == len(DATA)


def test_the_head_is_what_each_looks_at():
    assert len(_Head(io.BytesIO(DATA), "x", 1 << 20).head) == 4096
    assert len(_Counted(io.BytesIO(DATA)).head) == 65536


def test_each_keeps_its_own_check():
    with pytest.raises(_Stop):
        _drain(_Head(io.BytesIO(DATA), "xl/big.xml", 100_000), 1 << 16)
    with pytest.raises(LoadError, match="declares a DTD"):
        _Head(io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'), "xl/x.xml", 1 << 20)
    with pytest.raises(LoadError, match="corrupt ODS: content.xml declares a DTD"):
        _Counted(io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x><x/>'))
