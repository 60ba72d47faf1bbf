"""`dataset build --from-log` reads its export twice (round 50, test_r50_stream_log); the passes' per-line work is cut
(this file): stream.lines iterates the file itself and adds each line to the digest (no readline wrapper class, no
strip() copy of every line), and the second pass names (file:line) only the lines it keeps or reports."""

from __future__ import annotations

import hashlib

from ragtune.appliance import prompt
from ragtune.appliance.jsonl import iter_jsonl
from ragtune.models import dataset as ds
from ragtune.models import stream

OUT = {"status": "ok", "answer": "the service desk issues a temporary access pass", "citations": ["S1"]}
REFUSED = {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}


def _line(i, *, reviewed=False, context=True):
    ctx = [{"id": "S1", "text": "The service desk issues a temporary access pass."}] if context else []
    return prompt.training_example(prompt.SYSTEM_PROMPT, ctx, f"How do I get pass {i % 3}?",
                                   OUT if context else REFUSED, log_id=i,
                                   reviewed=reviewed)


def test_lines_hash_every_byte_and_skip_what_iter_jsonl_skips(tmp_path):
    p = tmp_path / "x.jsonl"
    raw = (b"\xef\xbb\xbf\n" + b'{"a": 1}\r\n' + b" \t\r\n" + b"\x0b\x0c\n" + b'{"b": "\xc2\xa0"}\n' + b"\xc2\xa0\n"
           + b'{"c": 3}')  # a BOM alone, CRLF, blank lines of ASCII white space, a no-break space (not blank), no final newline
    p.write_bytes(raw)
    digest = hashlib.sha256()
    with stream.open_jsonl(p) as fh:
        got = list(stream.lines(fh, p, digest))
        again = list(stream.lines(fh, p))  # from the start again, without a digest
    assert digest.hexdigest() == hashlib.sha256(raw).hexdigest()
    assert got == again == [(2, b'{"a": 1}\r'), (5, b'{"b": "\xc2\xa0"}'), (6, b"\xc2\xa0"), (7, b'{"c": 3}')]
    p.write_bytes(raw.replace(b"\n\xc2\xa0\n", b"\n\n"))  # line 6 blank: the rest is JSON iter_jsonl reads
    with stream.open_jsonl(p) as fh:
        assert [n for n, _ in stream.lines(fh, p)] == [n for _w, n, _o in iter_jsonl(p)] == [2, 5, 7]


def test_the_second_pass_names_only_the_lines_it_keeps_or_reports(tmp_path, monkeypatch):
    rows = [_line(i, context=i % 2 == 0, reviewed=i % 10 == 0) for i in range(200)]  # 100 with no sources
    p = tmp_path / "export.jsonl"
    ds.write_jsonl(p, rows)
    want = ds.build_from_log(p)
    named = []
    monkeypatch.setattr(ds, "located", lambda path, n=None: named.append(n) or (f"{path}:{n}" if n else str(path)))
    got = ds.build_from_log(p)
    assert (got[0], got[1].to_json(), got[1].sha256) == (want[0], want[1].to_json(), want[1].sha256)
    left = got[1].no_sources + got[1].superseded
    assert left >= 100 and len(got[0]) + left == 200
    assert len(named) == len(got[0]) + 20  # the kept lines and the 20 the report lists, not all 200
