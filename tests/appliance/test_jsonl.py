"""read_json_object: the one reader of JSON files that must hold an object (configs, manifests, reports)."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.jsonl import read_json_object


def test_an_object_is_read_and_a_bom_is_not_an_error(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert read_json_object(p) == {"a": 1}


@pytest.mark.parametrize("data, message", [
    (b'{\n  "a": 1,\n  "b" 2\n}', r"c\.json:3: invalid JSON at column 7"),
    (b"[1, 2]", r"c\.json: expected a JSON object, got list"),
    (b'{"a": "\xff"}', r"c\.json:1: cannot read: not UTF-8 text \(byte 0xff at column 8\)"),
    (b'{\n  "a": "\xff"}', r"c\.json:2: cannot read: not UTF-8 text \(byte 0xff at column 9\)"),
])
def test_bad_files_name_the_file_and_line(tmp_path, data, message):
    p = tmp_path / "c.json"
    p.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_json_object(p)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"nope\.json: cannot read"):
        read_json_object(tmp_path / "nope.json")


def test_a_json_object_file_cut_short_reads_cleanly(tmp_path):
    """Sweep: the message ended in a dangling 'at' ("Unterminated string starting at")."""
    p = tmp_path / "report.json"
    p.write_text('{\n  "a": "unterminated')
    with pytest.raises(InputError) as e:
        read_json_object(p)
    assert str(e.value) == f"{p}:2: invalid JSON at column 8: Unterminated string starting"


def test_a_device_or_a_huge_file_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    import ragtune.appliance.jsonl as jsonl

    monkeypatch.setattr(jsonl, "MAX_OBJECT_BYTES", 64)
    big = tmp_path / "big.json"
    big.write_text('{"a": "' + "x" * 100 + '"}')
    with pytest.raises(InputError, match=r"big.json: cannot read: larger than 0 MB"):
        read_json_object(big)
    with pytest.raises(InputError, match="/dev/zero: cannot read: larger than"):
        read_json_object("/dev/zero")
