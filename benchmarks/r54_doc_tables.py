"""Round 54: answers from tables inside prose documents (.docx, .odt), measured. Writes the eight invented documents
of benchmarks/r54_doc_tables_data.py into SHARE (made if missing), ingests it into a fresh HOME with the real default
appliance and asks each question once, writing one JSON line per question (benchmarks/r52_tables.py's runner and
scoring: right, wrong-as-ok, refused; a near miss is right when refused).

    PYTHONPATH=<tree> python benchmarks/r54_doc_tables.py [--data MODULE] [--by-format] SHARE HOME OUT.jsonl
    PYTHONPATH=<tree> python benchmarks/r54_doc_tables.py [--data MODULE] SHARE HOME OUT.jsonl --text

Before/after: the same script with PYTHONPATH at a copy of the start commit (`git archive`) and at the working tree.
It prints the tree it imported, the chunks the table documents got, and the counts per shape and in all."""
from __future__ import annotations

import collections
import json
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> None:
    """The command line: `[--data MODULE] [--by-format] SHARE HOME OUT.jsonl`, or `[--data MODULE] SHARE HOME OUT
    --text` to print each document's loader text (no model; HOME and OUT unused): the before/after of the loaders'
    output. `--data`: a data module in this folder (default r54_doc_tables_data.py); `--by-format`: counts per format
    (benchmarks/r57_group_rows_more.py passes both)."""
    data, by_format = "r54_doc_tables_data.py", False
    while argv[:1] in (["--data"], ["--by-format"]):
        if argv[0] == "--data":
            data, argv = argv[1], argv[2:]
        else:
            by_format, argv = True, argv[1:]
    if argv[3:4] == ["--text"]:
        texts(argv[0], data)
    else:
        run(*argv[:3], data, by_format=by_format)


def texts(share: str, data_file: str) -> None:
    """Each document's loader text, the share written from `data_file` first when missing or empty."""
    from ragtune.appliance.ingest.loaders import load_file

    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        runpy.run_path(str(HERE / data_file))["build"](Path(share))
    for p in sorted(Path(share).iterdir()):
        print(f"===== {p.name}")
        print(load_file(p).text)


def run(share: str, home: str, out: str, data_file: str, by_format: bool = False) -> None:
    """The benchmark over `data_file` (a data module in this folder with `build` and the questions r52_tables.py
    reads): also the runner of r55_html_tables.py and r55_doc_table_shapes.py (`by_format`: counts per format too)."""
    import ragtune

    print("ragtune from", ragtune.__file__, file=sys.stderr)
    data = str(HERE / data_file)
    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        runpy.run_path(data)["build"](Path(share))
    runpy.run_path(str(HERE / "r52_tables.py"))["main"](share, home, data, out)
    rows = [json.loads(line) for line in open(out, encoding="utf-8")]
    for fmt in sorted({r["fmt"] for r in rows}) if by_format else ():
        print("answerable", fmt, dict(collections.Counter(r["verdict"] for r in rows
                                                          if r["fmt"] == fmt and r["gold"] is not None)))
    total = collections.Counter(r["verdict"] for r in rows if r["gold"] is not None)
    near = collections.Counter(r["verdict"] for r in rows if r["gold"] is None)
    print("answerable", dict(total), "near misses", dict(near))
    _chunks(home)


def _chunks(home: str) -> None:
    """How many chunks each document got (a row a chunk, or the table inside the prose's chunks)."""
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
    main(sys.argv[1:])
