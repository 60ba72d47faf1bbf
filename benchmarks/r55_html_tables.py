"""Round 55: answers from tables on HTML pages, measured. Writes the five invented pages
of benchmarks/r55_html_tables_data.py into SHARE (made if missing), ingests it into a fresh HOME with the real default
appliance and asks each question once, writing one JSON line per question (benchmarks/r52_tables.py's runner and
scoring: right, wrong-as-ok, refused; a near miss is right when refused).

    PYTHONPATH=<tree> python benchmarks/r55_html_tables.py SHARE HOME OUT.jsonl

Before/after: the same script with PYTHONPATH at a copy of the start commit (`git archive`) and at the working tree.
It prints the tree it imported, the chunks each page got, and the counts per shape and in all."""
from __future__ import annotations

import collections
import json
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(share: str, home: str, out: str) -> None:
    import ragtune

    print("ragtune from", ragtune.__file__, file=sys.stderr)
    data = str(HERE / "r55_html_tables_data.py")
    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        runpy.run_path(data)["build"](Path(share))
    runpy.run_path(str(HERE / "r52_tables.py"))["main"](share, home, data, out)
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    total = collections.Counter(r["verdict"] for r in rows if r["gold"] is not None)
    near = collections.Counter(r["verdict"] for r in rows if r["gold"] is None)
    print("answerable", dict(total), "near misses", dict(near))
    _chunks(home)


def _chunks(home: str) -> None:
    """How many chunks each document got (a row a chunk, or the tables inside the prose's chunks)."""
    from ragtune.appliance.errors import StoreError
    from ragtune.appliance.home import Home
    from ragtune.appliance.store import Store

    db = Home(Path(home)).db_path
    if not db.exists():
        return
    try:
        with Store(db) as s:  # through the store layer (tests/test_structure.py: no SQL outside it)
            for doc in s.documents():
                print(f"{doc['n_chunks']:4d} chunks  {Path(doc['path']).name}")
    except StoreError as exc:  # the counts are a courtesy
        print("chunk counts not read:", exc, file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
