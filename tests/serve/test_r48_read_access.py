"""Round 48 read-through of the access line's path: past 200 characters it was cut after encoding, which could split
an escape (`%2` of `%22`, `\\x0` of `\\x0a`: other bytes to whoever decodes it) and appended ` (N more characters)`
inside the quoted field, whose spaces split it for a log pipeline. Now cut at an escape's edge, marked `…(+N)`."""

from __future__ import annotations

import logging
import re
import shlex

import pytest

from ragtune.serve import access

# what a pipeline splitting on spaces (outside quotes) reads: address, "-", "METHOD PATH", status, code, ms, "ms"
_LINE = re.compile(r'^(\S+) - "(\S+) (\S+)" (\d{3}) (\S+) (\d+) ms$')


def _line(caplog, path):
    with caplog.at_level(logging.INFO, "ragtune.serve.access"):
        caplog.clear()
        access.access_line(("10.0.0.1", 5), "GET", path, 404, 0.001, "not_found")
    [msg] = [r.getMessage() for r in caplog.records if r.name == "ragtune.serve.access"]
    return msg


@pytest.mark.parametrize("tail", ['"x', "\n", "\u202e", "\x7f", "%", "\\", " "])
@pytest.mark.parametrize("pad", range(193, 201))
def test_a_long_path_is_cut_between_escapes_and_stays_one_field(caplog, tail, pad):
    path = "/" + "a" * pad + tail * 3 + "b" * 50
    msg = _line(caplog, path)
    m = _LINE.match(msg)
    assert m, msg
    assert len(shlex.split(msg)) == 7 and len(shlex.split(msg)[2].split(" ")) == 2  # "METHOD PATH": one space
    kept, _, more = m.group(3).rpartition("…(+")
    assert more.endswith(")") and len(kept) <= access.PATH_CHARS
    full = access.path_field(path, 10_000)
    assert full.startswith(kept) and len(kept) + int(more[:-1]) == len(full)
    # the kept part ends between escapes: what follows it in the full field starts an escape or a plain character
    assert not re.search(r"(%[0-9A-F]?|\\(x[0-9a-f]?|u[0-9a-f]{0,3})?)$", kept), kept


def test_a_short_path_is_as_before(caplog):
    assert _line(caplog, '/a" 200 5 ms (answer ok') == '10.0.0.1:5 - "GET /a%22%20200%205%20ms%20(answer%20ok" 404 ' \
                                                         'not_found 1 ms'
    assert access.path_field("/" + "é" * 199) == "/" + "é" * 199
    assert access.path_field("/" + "é" * 200) == "/" + "é" * 199 + "…(+1)"
