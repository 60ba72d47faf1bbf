"""`dataset build --from-log` streams the export (round 50, a year of helpdesk log: 50,000 lines, 122 MB): it held
every line (the file's bytes, their split lines and every parsed line: 572 MB peak RSS), though most lines of such a
log are left out (superseded by a review, or refused with no sources). It now reads the file twice, one line at a
time, and keeps only the lines it passes through; the result is the same, line for line, counts and reasons too."""

from __future__ import annotations

import hashlib
import json
import tracemalloc

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.appliance.jsonl import iter_jsonl
from ragtune.models import dataset as ds

RIGHT = {"status": "ok", "answer": "the service desk issues a temporary access pass", "citations": ["S1"]}
WRONG = {"status": "ok", "answer": "register it at mfa.example", "citations": ["S1"]}
REFUSED = {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []}


def line(log_id, out, *, reviewed, question="How do I get a temporary access pass?", pad=0, context=True):
    ctx = [{"id": "S1", "text": "If you lost the old phone, the service desk issues a temporary access pass. "
                                + "More text. " * pad}] if context else []
    return prompt.training_example(prompt.SYSTEM_PROMPT, ctx, question, out, log_id=log_id, reviewed=reviewed)


def old_build_from_log(path):
    """The round-49 builder (every line held), the reference the streamed one must equal."""
    rows = [(w, o) for w, _n, o in iter_jsonl(path)]
    reviewed = {ds.prompt_key(ex) for _, ex in rows if (ex.get("meta") or {}).get("reviewed") is True}
    stats, out = ds.LogStats(questions=len(rows)), []
    for where, ex in rows:
        meta = dict(ex.get("meta") or {})
        meta.setdefault("source", "log")
        meta.setdefault("where", where)
        ex = {"prompt": ex["prompt"], "output": ex["output"], "meta": meta}
        why = ""
        if not ex["prompt"]["context"]:
            stats.no_sources += 1
            why = "no sources (serving refuses such a request before the model runs)"
        elif meta.get("reviewed") is False and ds.prompt_key(ex) in reviewed:
            stats.superseded += 1
            why = "unreviewed, and a person reviewed the same request on another line"
        if why:
            if len(stats.left_out_examples) < 20:
                stats.left_out_examples.append(f"{meta['where']}: {why}")
            continue
        stats.unreviewed += meta.get("reviewed") is False
        stats.answered += ex["output"]["status"] == "ok"
        stats.refused += ex["output"]["status"] != "ok"
        out.append(ex)
    return out, stats


def test_the_streamed_build_equals_the_one_that_held_every_line(tmp_path):
    rows = [line(i, WRONG, reviewed=False) for i in range(12)]  # superseded by a review that comes after them
    rows += [line(100 + i, REFUSED, reviewed=True, question=f"Menu {i}?", context=False) for i in range(6)]
    rows += [line(200, RIGHT, reviewed=True), line(201, WRONG, reviewed=False, question="Other?")]
    rows[3]["meta"]["where"] = "desk.jsonl:7"  # a line's own where names it in the left-out list
    rows += [line(300 + i, WRONG, reviewed=False, pad=1) for i in range(8)]  # another prompt: kept, unreviewed
    text = "\ufeff" + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:5]) + "\n\n  \r\n"
    text += "".join(json.dumps(r) + "\r\n" for r in rows[5:])  # CRLF lines, a blank line, a byte-order mark
    p = tmp_path / "export.jsonl"
    p.write_bytes(text.encode())
    got, stats = ds.build_from_log(p)
    want, wstats = old_build_from_log(p)
    assert json.dumps(got) == json.dumps(want) and stats.to_json() == wstats.to_json()
    assert (stats.superseded, stats.no_sources, len(stats.left_out_examples)) == (12, 6, 18)
    assert stats.left_out_examples[3].startswith("desk.jsonl:7: unreviewed")
    assert stats.sha256 == hashlib.sha256(p.read_bytes()).hexdigest() and "sha256" not in stats.to_json()


def test_memory_holds_the_kept_lines_not_the_export(tmp_path):
    p = tmp_path / "year.jsonl"
    with p.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(line(0, RIGHT, reviewed=True, pad=300)) + "\n")
        for i in range(1, 1500):  # the same request asked again, unreviewed: superseded by the review
            fh.write(json.dumps(line(i, WRONG, reviewed=False, pad=300)) + "\n")
    size = p.stat().st_size  # ~5 MB
    tracemalloc.start()
    try:
        rows, stats = ds.build_from_log(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (len(rows), stats.superseded) == (1, 1499)
    assert peak < size / 4, f"peak {peak >> 10} KiB for a {size >> 10} KiB export"  # was ~3x the file


def test_an_export_rewritten_between_the_two_passes_is_refused(tmp_path, monkeypatch):
    p = tmp_path / "export.jsonl"
    p.write_text(json.dumps(line(1, RIGHT, reviewed=True)) + "\n", encoding="utf-8")
    key, done = ds.prompt_key, []

    def rewrite(ex):  # a second `log export` to the same name, in place, once the first pass has read the file
        if not done:
            done.append(p.write_text(json.dumps(line(2, WRONG, reviewed=True)) + "\n", encoding="utf-8"))
        return key(ex)

    monkeypatch.setattr(ds, "prompt_key", rewrite)
    with pytest.raises(InputError, match="changed while it was read"):
        ds.build_from_log(p)


def test_errors_still_name_the_line_and_the_empty_file(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b"\n" + json.dumps(line(1, RIGHT, reviewed=True)).encode() + b"\n{\"prompt\": \n")
    with pytest.raises(InputError, match=r"bad.jsonl:3: truncated JSON"):
        ds.build_from_log(p)
    (tmp_path / "empty.jsonl").write_bytes(b"\xef\xbb\xbf\n\n")
    with pytest.raises(InputError, match="empty.jsonl: no examples"):
        ds.build_from_log(tmp_path / "empty.jsonl")
    with pytest.raises(InputError, match="cannot read"):
        ds.build_from_log(tmp_path)
