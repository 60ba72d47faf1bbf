"""Round 53, .rtf and .doc readers, second visit: what every .rtf, .doc and .msg file the tests build reads as, old code
vs new, so that only the intended changes show.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r53_doc_rtf_same.py TESTS before.jsonl, then without
PYTHONPATH `... TESTS after.jsonl`, then `python benchmarks/r53_doc_rtf_same.py --compare before.jsonl after.jsonl`.
TESTS: the folder holding the old `tests/` package (e.g. `git archive <start> tests | tar -x -C /tmp/old`): the same
test files run under both codes, so the same files are read. Each load_rtf, load_doc, load_msg call and each
Outlook RTF body (read_rtf) is recorded as the sha256 of its input and its output (text, title, date, notes) or its
reason; tests that fail under the new code (they pin an old behaviour) still record what they read. Compare prints
the inputs whose output differs. Round 53's run: 461 inputs in both, 456 identical, 5 differ, all intended
(benchmarks/README.md, round 53)."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

FILES = ["test_r45_small_beats.py", "test_r48_sec_ingest.py", "test_r51_formats_ingest.py", "test_r52_doc.py",
         "test_r52_doc_hostile.py", "test_r52_doc_ingest.py", "test_r52_mend_e.py", "test_r52_rtf.py",
         "test_r52_rtf_hostile.py", "test_r52_msg.py", "test_r52_msg_hostile.py", "test_r52_msg_ingest.py"]


class Recorder:
    """A pytest plugin: wraps the loaders before the tests import them."""

    def __init__(self, out: Path) -> None:
        from ragtune.appliance.ingest import loaders
        from ragtune.appliance.ingest.loaders import outlook, richtext, worddoc

        print("using", richtext.__file__, file=sys.stderr)
        self.out = out.open("w")
        for mod, name, kind in ((richtext, "load_rtf", "rtf"), (worddoc, "load_doc", "doc"),
                                (outlook, "load_msg", "msg")):
            wrapped = self.wrap(name, getattr(mod, name))
            setattr(mod, name, wrapped)
            setattr(loaders, name, wrapped)
            loaders.LOADERS[kind] = wrapped
        outlook.read_rtf = self.wrap("read_rtf", richtext.read_rtf)

    def wrap(self, name, fn):
        def recorded(*args, **kwargs):
            raw = args[0] if name == "read_rtf" else args[1]
            row = {"f": name, "sha": hashlib.sha256(raw).hexdigest()}
            try:
                r = fn(*args, **kwargs)
            except Exception as exc:
                row["err"] = f"{type(exc).__name__}: {exc}"
                self.out.write(json.dumps(row) + "\n")
                raise
            row["out"] = ({"body": r.body(), "hidden": r.hidden_runs, "title": r.title} if name == "read_rtf" else
                          {"text": r.text, "title": r.title, "date": r.doc_date, "notes": list(r.notes),
                           "kind": r.kind})
            self.out.write(json.dumps(row) + "\n")
            return r
        return recorded


def _load(path: str) -> dict[tuple[str, str], object]:
    out: dict[tuple[str, str], object] = {}
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        out.setdefault((r["f"], r["sha"]), r.get("out", r.get("err")))
    return out


def compare(before: str, after: str) -> None:
    a, b = _load(before), _load(after)
    both = [k for k in a if k in b]
    differ = [k for k in both if a[k] != b[k]]
    for k in differ:
        print(f"{k[0]} {k[1][:12]}\n  before: {json.dumps(a[k])[:400]}\n  after:  {json.dumps(b[k])[:400]}")
    print(f"inputs in both: {len(both)}, identical {len(both) - len(differ)}, differ {len(differ)}; only before "
          f"{len(a) - len(both)}, only after {len(b) - len(both)} (a test stopped earlier, or a file built anew)")


def main() -> None:
    if sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
        return
    import pytest

    tests = Path(sys.argv[1]).resolve() / "tests" / "appliance"
    recorder = Recorder(Path(sys.argv[2]))
    pytest.main(["-q", "-p", "no:cacheprovider", *(str(tests / f) for f in FILES)], plugins=[recorder])
    recorder.out.close()


if __name__ == "__main__":
    main()
