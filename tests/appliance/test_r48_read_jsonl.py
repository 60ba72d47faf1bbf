"""Round 48 read-through of the JSON slip hints: the trailing-comma check reads every character before the error in
Python (~180 ms a MB), which a 64 MiB request body turned into 13 s on serve's event loop. It looks at the first
HINT_SCAN_CHARS only; the single-quote and Python-constant hints (which read one place) are given anywhere."""

from __future__ import annotations

import json
import time

import pytest

from ragtune.appliance import jsonl
from ragtune.appliance.errors import InputError

BOUND = getattr(jsonl, "HINT_SCAN_CHARS", 64 * 1024)


def _err(text):
    with pytest.raises(json.JSONDecodeError) as e:
        json.loads(text)
    return e.value


def _padded(chars, tail):
    return '{"a": [' + ",".join(['"' + "x" * 98 + '"'] * (chars // 101)) + "]" + tail


def test_a_trailing_comma_is_hinted_within_the_bound_only_and_fast():
    near = _padded(BOUND - 1000, ', }')
    e = _err(near)
    assert e.pos <= BOUND and "trailing comma" in jsonl.syntax_hint(e.doc, e.pos, e.msg)
    far = _padded(8 * 1024 * 1024, ', }')  # 8 MB: the old scan took ~1.5 s here
    e = _err(far)
    t = time.process_time()  # CPU time: a busy CI machine that sets this process aside adds none
    assert jsonl.syntax_hint(e.doc, e.pos, e.msg) == ""
    assert time.process_time() - t < 0.1
    with pytest.raises(InputError, match="Expecting property name") as exc:  # a file's message: the error, no hint
        jsonl.loads_located(far, "big.json")
    assert "trailing comma" not in str(exc.value)


def test_the_hints_that_read_one_place_are_given_anywhere():
    for tail, said in ((", 'b': 1}", "single quotes"), (', "b": None}', "Python's None")):
        e = _err(_padded(8 * 1024 * 1024, tail))
        assert e.pos > BOUND and said in jsonl.syntax_hint(e.doc, e.pos, e.msg)
